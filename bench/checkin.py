"""The kiosk check-in through waitress under 8 concurrent clients, beside the floor.

Two servers run one after the other, each as its own process on 127.0.0.1, driven by the
same client code (8 threads, one keep-alive connection each, every request a different
resident):

- bare:  bench/bare_app.py, Flask + peewee + SQLite doing only a look-up and an insert;
- real:  deploy/serve.py, the station server as deployed: POST /kiosk/api/scan with the
         enrolled device cookie, the session and the CSRF header, through every check;
- pooled: the same server with DATABASE_URL=sqlite+pool://... : connections kept open but
         without the station's queue for writers (core.database.StationSqliteDatabase), so waiting
         writers sleep in SQLite's busy handler; shows what the queue does for p99.

Printed: requests per second, p50 and p99 latency for each, the ratio real/bare (target
>= 0.8, p99 <= 100 ms), and the real server's resident memory after 10,000 check-ins.
"""
import http.client
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PYTHON = sys.executable
CLIENTS = 8
WARM_UP = 200
MEASURED = 2000
ROUNDS = 2
RSS_AFTER = 10_000
RESIDENTS = RSS_AFTER + ROUNDS * (WARM_UP + MEASURED) + 100
TARGET_RATIO, TARGET_P99_MS = 0.8, 100.0


# --- the client, shared by both servers ---------------------------------------------------

class Connection:
    """One keep-alive HTTP connection with fixed cookies, like one kiosk tablet."""

    def __init__(self, port, cookies=None):
        self.port, self.cookies, self.conn = port, dict(cookies or {}), None

    def request(self, method, path, body=None, headers=None):
        """(status, body bytes), remembering cookies the server sets."""
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join("%s=%s" % kv for kv in self.cookies.items())
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, data

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def drive(port, path, bodies, headers, cookies=None, clients=CLIENTS):
    """Send every body from `clients` threads; (seconds, latencies in ms, failures)."""
    lock = threading.Lock()
    todo = list(reversed(bodies))
    latencies, failures = [], []

    def client():
        conn = Connection(port, cookies)
        mine = []
        while True:
            with lock:
                if not todo:
                    break
                body = todo.pop()
            started = time.perf_counter()
            status, data = conn.request("POST", path, body, headers)
            mine.append((time.perf_counter() - started) * 1000)
            if status != 200 or b'"ok":true' not in data.replace(b" ", b""):
                with lock:
                    failures.append((status, data[:200]))
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, latencies, failures


def figures(seconds, latencies):
    """Throughput and latency percentiles of one measured run."""
    ordered = sorted(latencies)
    return {"rps": len(latencies) / seconds,
            "p50": statistics.median(ordered),
            "p99": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]}


def bodies_for(payloads, prefix):
    return [json.dumps({"payload": p, "client_id": "%s-%06d" % (prefix, i),
                        "source": "scanner"}).encode() for i, p in enumerate(payloads)]


# --- the two servers ------------------------------------------------------------------------

def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(proc, port, path):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("the server under test exited (code %s)" % proc.returncode)
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("the server under test did not answer within 60 s")


def rss_kib(pid):
    """Resident memory of a process (VmRSS from /proc/<pid>/status), in KiB."""
    with open("/proc/%d/status" % pid) as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class RealStation:
    """deploy/serve.py on a fresh instance with RESIDENTS residents and an enrolled kiosk."""

    def __init__(self, folder, database_url=""):
        self.instance = os.path.join(folder, "instance")
        os.makedirs(self.instance, exist_ok=True)
        self.port = free_port()
        self.env = dict(os.environ, INSTANCE_PATH=self.instance, PORT=str(self.port),
                        HOST="127.0.0.1", DEMO_DATA="false", DATABASE_URL=database_url,
                        THREADS="8")
        self.proc = None

    def flask(self, *args):
        result = subprocess.run([PYTHON, "-m", "flask", "--app", "app"] + list(args), cwd=ROOT,
                                env=self.env, capture_output=True, text=True, timeout=300)
        if result.returncode != 0:
            raise SystemExit(result.stdout + result.stderr)
        return result.stdout

    def prepare(self):
        """first-run, residents in bulk, the server started, a kiosk enrolled; the payloads."""
        self.flask("first-run")
        sys.path.insert(0, ROOT)
        from app import create_app
        from core import badges
        from core.database import close_database
        from core.stations import default_station
        from models import Badge, Person, db
        app = create_app({"DEMO_DATA": False, "DATABASE_URL": ""}, instance_path=self.instance)
        key = app.config["BADGE_KEY"]
        with app.app_context(), db.connection_context():
            station = default_station()
            with db.atomic():
                rows = [{"station": station.id, "kind": "resident", "name": "居民%05d" % i}
                        for i in range(RESIDENTS)]
                for start in range(0, len(rows), 400):
                    Person.insert_many(rows[start:start + 400]).execute()
            ids = [p.id for p in Person.select(Person.id).order_by(Person.id)]
            tokens = [(pid, badges.derive_token(key, pid, 1)) for pid in ids]
            with db.atomic():
                badge_rows = [{"person": pid, "serial": 1, "token_hash": badges.token_hash(t)}
                              for pid, t in tokens]
                for start in range(0, len(badge_rows), 400):
                    Badge.insert_many(badge_rows[start:start + 400]).execute()
        close_database(app.extensions["database"])
        self.start()
        self.enroll()
        return [badges.payload_for(t) for _, t in tokens]

    def enroll(self):
        """Enroll a kiosk through `enroll-kiosk` and the enrollment page."""
        output = self.flask("enroll-kiosk", "Bench tablet")
        code = re.search(r"/kiosk/enroll/(\S+)", output).group(1)
        kiosk = Connection(self.port)
        status, page = kiosk.request("GET", "/kiosk/enroll/%s" % code)
        token = re.search(rb'name="csrf_token" value="([^"]+)"', page).group(1).decode()
        kiosk.request("POST", "/kiosk/enroll/%s" % code,
                      urllib.parse.urlencode({"csrf_token": token}).encode(),
                      {"Content-Type": "application/x-www-form-urlencoded"})
        status, page = kiosk.request("GET", "/kiosk/")
        if status != 200:
            raise SystemExit("kiosk enrollment failed (%d)" % status)
        self.csrf = re.search(rb'data-csrf="([^"]+)"', page).group(1).decode()
        self.cookies = kiosk.cookies
        kiosk.close()

    def start(self):
        self.log = open(os.path.join(self.instance, "server-output.log"), "ab")
        self.proc = subprocess.Popen([PYTHON, os.path.join(ROOT, "deploy", "serve.py")],
                                     cwd=ROOT, env=self.env, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        wait_until_up(self.proc, self.port, "/")

    def run(self, bodies):
        return drive(self.port, "/kiosk/api/scan", bodies,
                     {"Content-Type": "application/json", "X-CSRFToken": self.csrf},
                     self.cookies)

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)
            self.log.close()


class BareStation:
    """bench/bare_app.py with the same payloads."""

    def __init__(self, folder, payloads):
        self.path = os.path.join(folder, "bare.sqlite3")
        self.port = free_port()
        from bench import bare_app
        bare_app.populate(self.path, payloads)
        bare_app.db.close()
        self.proc = subprocess.Popen([PYTHON, "-m", "bench.bare_app", self.path, str(self.port)],
                                     cwd=ROOT, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.STDOUT)
        wait_until_up(self.proc, self.port, "/")

    def run(self, bodies):
        return drive(self.port, "/scan", bodies, {"Content-Type": "application/json"})

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)


# --- the benchmark --------------------------------------------------------------------------

def line(name, result):
    return "%-6s %8.0f req/s   p50 %6.1f ms   p99 %6.1f ms" % (
        name, result["rps"], result["p50"], result["p99"])


def main():
    """Measure bare, real and pooled one after the other, ROUNDS times, each check-in a fresh
    resident; print the figures, the ratio and the real server's memory."""
    folder = tempfile.mkdtemp(prefix="bench-checkin-")
    servers = []
    try:
        print("preparing %d residents with badges ..." % RESIDENTS, flush=True)
        real = RealStation(folder)
        servers.append(real)
        payloads = real.prepare()
        pooled = RealStation(folder, "sqlite+pool:///" + os.path.join(real.instance,
                                                                     "station.sqlite3"))
        servers.append(pooled)
        pooled.start()
        pooled.enroll()
        bare = BareStation(folder, payloads)
        servers.append(bare)
        per_round = WARM_UP + MEASURED
        real_bodies = bodies_for(payloads[:RSS_AFTER], "bench")
        pooled_bodies = bodies_for(payloads[RSS_AFTER:], "pool")
        bare_bodies = bodies_for(payloads, "bare")
        results = {"bare": [], "real": [], "pooled": []}
        for number in range(ROUNDS):
            chunk = slice(number * per_round, (number + 1) * per_round)
            for name, server, bodies in (("bare", bare, bare_bodies[chunk]),
                                         ("real", real, real_bodies[chunk]),
                                         ("pooled", pooled, pooled_bodies[chunk])):
                server.run(bodies[:WARM_UP])
                seconds, latencies, failures = server.run(bodies[WARM_UP:])
                if failures:
                    raise SystemExit("%s: %d failed requests, first %r"
                                     % (name, len(failures), failures[0]))
                results[name].append(figures(seconds, latencies))
                print("round %d  %s" % (number + 1, line(name, results[name][-1])), flush=True)
        best = {name: max(runs, key=lambda r: r["rps"]) for name, runs in results.items()}
        ratio = best["real"]["rps"] / best["bare"]["rps"]
        print("")
        print("%d clients, %d measured check-ins per round, best of %d rounds:"
              % (CLIENTS, MEASURED, ROUNDS))
        for name in ("bare", "real", "pooled"):
            print(line(name, best[name]))
        print("ratio real/bare throughput: %.2f  (target >= %.2f: %s)"
              % (ratio, TARGET_RATIO, "met" if ratio >= TARGET_RATIO else "NOT met"))
        print("ratio pooled/bare throughput: %.2f" % (best["pooled"]["rps"] / best["bare"]["rps"]))
        print("real p99: %.1f ms  (target <= %.0f ms: %s)"
              % (best["real"]["p99"], TARGET_P99_MS,
                 "met" if best["real"]["p99"] <= TARGET_P99_MS else "NOT met"))
        used = ROUNDS * per_round
        _, _, failures = real.run(real_bodies[used:RSS_AFTER])
        if failures:
            raise SystemExit("real: %d failed requests" % len(failures))
        print("resident memory of the real server after %d check-ins: %.1f MiB "
              "(bare after %d: %.1f MiB)" % (RSS_AFTER, rss_kib(real.proc.pid) / 1024, used,
                                            rss_kib(bare.proc.pid) / 1024))
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
