"""No acknowledged check-in lost: a real server killed again and again under load, a database
shared with staff and the command line, a read-only database and a full disk.

The kill test runs deploy/serve.py (waitress) as a child process on SQLite, sends thousands of
check-ins from several threads, kills the server with SIGKILL several times and starts it
again; clients retry what went unanswered with the same client id, as the kiosk does.
"""
import http.client
import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse

import pytest

from app import create_app
from core import badges
from core.database import close_database, migrate
from core.security import hash_password
from core.stations import default_station, ensure_default_station
from models import AuditLog, Badge, Person, StaffUser, Visit, db
from tests.helpers import connected, csrf_token, enroll_kiosk, gen_person, gen_user, login_as

# Everything here runs the station on SQLite, what a station runs; the suite's PostgreSQL pass
# would only repeat it.
# tests/run.sh leaves them out of that pass (-m "not sqlite_only").
pytestmark = pytest.mark.sqlite_only

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PYTHON = sys.executable
CHECK_INS = 2400     # kiosk check-ins, each a different resident
WALK_INS = 150       # residents checked in by staff in the admin view meanwhile
KILLS = 5
CLIENTS = 8
ADMIN_PASSWORD = "a long staff password"


# --- a tiny HTTP client with a cookie jar (no third-party libraries) ------------------------

class Browser:
    """Cookies and one keep-alive connection to the server, like one tablet or one PC."""

    def __init__(self, port, cookies=None):
        self.port, self.cookies, self.conn = port, dict(cookies or {}), None

    def request(self, method, path, body=None, headers=None, timeout=10):
        """(status, headers, body bytes); raises OSError/HTTPException when unanswered."""
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join("%s=%s" % kv for kv in self.cookies.items())
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
        except Exception:
            self.close()
            raise
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        if response.getheader("Connection", "").lower() == "close":
            self.close()
        return response.status, response, data

    def form(self, path, fields):
        """POST a form."""
        return self.request("POST", path, urllib.parse.urlencode(fields).encode(),
                            {"Content-Type": "application/x-www-form-urlencoded"})

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """deploy/serve.py as a child process that can be killed and started again."""

    def __init__(self, instance, port):
        self.instance, self.port, self.proc, self.starts = instance, port, None, 0
        self.env = dict(os.environ, INSTANCE_PATH=instance, PORT=str(port), HOST="127.0.0.1",
                        THREADS="8", DEMO_DATA="false", DATABASE_URL="", FLASK_DEBUG="0")
        self.output = open(os.path.join(instance, "server-output.log"), "ab")

    def flask(self, *args, stdin=None):
        """Run `flask --app app ARGS` against the instance; its standard output."""
        result = subprocess.run([PYTHON, "-m", "flask", "--app", "app"] + list(args), cwd=ROOT,
                                env=self.env, input=stdin, capture_output=True, text=True,
                                timeout=120)
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def start(self):
        """Start the server and wait until it answers."""
        self.proc = subprocess.Popen([PYTHON, os.path.join(ROOT, "deploy", "serve.py")],
                                     cwd=ROOT, env=self.env, stdout=self.output,
                                     stderr=subprocess.STDOUT)
        self.starts += 1
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, "the server exited: see server-output.log"
            try:
                status, _, _ = Browser(self.port).request("GET", "/", timeout=2)
                if status == 200:
                    return
            except (OSError, http.client.HTTPException):
                time.sleep(0.05)
        raise AssertionError("the server did not answer within 60 s")

    def kill(self):
        """SIGKILL: no clean-up, no flush, as when the power goes."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        self.output.close()


def bulk_residents(app, count, prefix):
    """Residents with badges, inserted in bulk (thousands per second); [(person id, payload)]."""
    key = app.config["BADGE_KEY"]
    with connected(app):
        station = default_station()
        first = (Person.select(Person.id).order_by(Person.id.desc()).scalar() or 0) + 1
        rows = [{"station": station.id, "kind": "resident", "name": "%s%05d" % (prefix, i)}
                for i in range(count)]
        with db.atomic():
            for start in range(0, count, 400):
                Person.insert_many(rows[start:start + 400]).execute()
        ids = [p.id for p in Person.select(Person.id).where(Person.id >= first)
               .order_by(Person.id)]
        tokens = {pid: badges.derive_token(key, pid, 1) for pid in ids}
        badge_rows = [{"person": pid, "serial": 1, "token_hash": badges.token_hash(t)}
                      for pid, t in tokens.items()]
        with db.atomic():
            for start in range(0, len(badge_rows), 400):
                Badge.insert_many(badge_rows[start:start + 400]).execute()
    return [(pid, badges.payload_for(tokens[pid])) for pid in ids]


def enroll(server, port):
    """Enroll a kiosk through `enroll-kiosk` and the enrollment page; the kiosk's Browser and
    the CSRF token its page hands to the script."""
    output = server.flask("enroll-kiosk", "Reliability tablet",
                          "--base-url", "http://127.0.0.1:%d" % port)
    code = re.search(r"/kiosk/enroll/(\S+)", output).group(1)
    kiosk = Browser(port)
    status, _, page = kiosk.request("GET", "/kiosk/enroll/%s" % code)
    assert status == 200
    token = re.search(rb'name="csrf_token" value="([^"]+)"', page).group(1).decode()
    status, _, _ = kiosk.form("/kiosk/enroll/%s" % code, {"csrf_token": token})
    assert status == 302 and "kiosk_device" in kiosk.cookies
    status, _, page = kiosk.request("GET", "/kiosk/")
    assert status == 200
    return kiosk, re.search(rb'data-csrf="([^"]+)"', page).group(1).decode()


@pytest.mark.slow
def test_no_acknowledged_check_in_lost_across_kills(tmp_path):
    """With a server killed (SIGKILL) five times under a load of 2,400 kiosk check-ins from
    8 clients, staff checking people in and the CLI adding people at the same time, is every
    check-in the server acknowledged stored exactly once, with no duplicate and no
    'database is locked' shown to anyone?"""
    instance = str(tmp_path / "instance")
    os.makedirs(instance)
    port = free_port()
    server = Server(instance, port)
    server.flask("first-run")
    app = create_app({"DEMO_DATA": False, "DATABASE_URL": ""}, instance_path=instance)
    try:
        residents = bulk_residents(app, CHECK_INS, "居民")
        walk_ins = bulk_residents(app, WALK_INS, "散客")
        with connected(app):
            StaffUser.create(username="desk", role="staff", station=default_station(),
                             password_hash=hash_password(ADMIN_PASSWORD))
        server.start()
        kiosk, kiosk_csrf = enroll(server, port)
        run_load(app, server, port, kiosk, kiosk_csrf, residents, walk_ins, tmp_path)
    finally:
        server.stop()
        close_database(app.extensions["database"])


def run_load(app, server, port, kiosk, kiosk_csrf, residents, walk_ins, tmp_path):
    work = queue.Queue()
    for number, (person_id, payload) in enumerate(residents):
        work.put((person_id, payload, "rel-%06d-%s" % (number, "k" * 8)))
    acked, answers, problems = {}, [], []
    unanswered, stored_before_answer = [], []
    lock = threading.Lock()
    stop = threading.Event()

    def kiosk_client():
        browser = Browser(port, kiosk.cookies)
        while not stop.is_set():
            try:
                person_id, payload, client_id = work.get_nowait()
            except queue.Empty:
                return
            body = json.dumps({"payload": payload, "client_id": client_id,
                               "source": "scanner"}).encode()
            deadline = time.monotonic() + 90
            while True:
                if time.monotonic() > deadline:
                    problems.append("never answered: %s" % client_id)
                    break
                try:
                    status, _, data = browser.request(
                        "POST", "/kiosk/api/scan", body,
                        {"Content-Type": "application/json", "X-CSRFToken": kiosk_csrf})
                except (OSError, http.client.HTTPException):
                    with lock:
                        unanswered.append(client_id)
                    time.sleep(0.05)  # unanswered: the kiosk retries with the same client id
                    continue
                with lock:
                    answers.append(status)
                if status == 200:
                    answer = json.loads(data)
                    if answer.get("ok") and answer.get("state") == "checked_in":
                        with lock:
                            acked[client_id] = (answer["visit_id"], person_id)
                            if not answer["created"]:
                                stored_before_answer.append(client_id)
                    else:
                        problems.append("unexpected answer %r" % answer)
                    break
                problems.append("%d for %s: %s" % (status, client_id,
                                                   data[:300].decode("utf-8", "replace")))
                if status < 500:
                    break
                time.sleep(0.2)
        browser.close()

    def staff_desk():
        """A member of staff signing in and checking walk-ins in through the admin view."""
        desk = Browser(port)
        pending = list(walk_ins)
        while pending and not stop.is_set():
            person_id, _ = pending[0]
            try:
                if "session" not in desk.cookies or not desk.cookies.get("signed_in"):
                    status, _, page = desk.request("GET", "/admin/login")
                    token = re.search(rb'name="csrf_token" value="([^"]+)"', page).group(1)
                    status, _, _ = desk.form("/admin/login", {
                        "username": "desk", "password": ADMIN_PASSWORD,
                        "csrf_token": token.decode()})
                    with lock:
                        answers.append(status)
                    if status != 302:
                        problems.append("staff sign-in answered %d" % status)
                        time.sleep(0.2)
                        continue
                    desk.cookies["signed_in"] = "1"
                    # Signing in starts a new session: the form's token comes from a new page.
                    status, _, page = desk.request("GET", "/admin/check-in")
                    desk.token = re.search(rb'name="csrf_token" value="([^"]+)"',
                                           page).group(1).decode()
                status, _, data = desk.form("/admin/check-in", {
                    "person_id": str(person_id), "csrf_token": desk.token})
            except (OSError, http.client.HTTPException):
                time.sleep(0.05)
                continue
            with lock:
                answers.append(status)
            if status == 302:
                pending.pop(0)
            else:
                problems.append("staff check-in answered %d: %s" % (status, data[:200]))
                if status < 500:
                    pending.pop(0)
                else:
                    time.sleep(0.2)
            time.sleep(0.01)
        desk.close()

    def command_line():
        """`add-person`-style writes from another process's connection at the same time."""
        from core import people
        with app.app_context():
            for number in range(60):
                if stop.is_set():
                    return
                try:
                    with db.connection_context():
                        people.add_person(default_station(), "命令行%03d" % number,
                                          "resident", actor_label="cli")
                except Exception as error:  # noqa: BLE001 - reported below
                    problems.append("command line write failed: %r" % error)
                time.sleep(0.05)

    def killer():
        """Kill the server whenever another sixth of the check-ins has been acknowledged."""
        for number in range(1, KILLS + 1):
            threshold = CHECK_INS * number // (KILLS + 1)
            while len(acked) < threshold and not stop.is_set():
                time.sleep(0.005)
            if stop.is_set():
                return
            server.kill()
            time.sleep(0.2)
            server.start()

    threads = [threading.Thread(target=kiosk_client) for _ in range(CLIENTS)]
    threads += [threading.Thread(target=staff_desk), threading.Thread(target=command_line)]
    kill_thread = threading.Thread(target=killer)
    started = time.monotonic()
    for thread in threads + [kill_thread]:
        thread.start()
    try:
        for thread in threads[:CLIENTS]:
            thread.join(timeout=600)
        kill_thread.join(timeout=120)
        for thread in threads[CLIENTS:]:
            thread.join(timeout=120)
    finally:
        stop.set()
    elapsed = time.monotonic() - started
    server.stop()

    print("\n%d check-ins acknowledged in %.1f s across %d server starts; %d answers; "
          "%d attempts unanswered and retried, %d of them already stored when retried"
          % (len(acked), elapsed, server.starts, len(answers), len(unanswered),
             len(stored_before_answer)))
    assert server.starts == KILLS + 1, "the server was killed %d times" % (server.starts - 1)
    assert len(set(unanswered)) >= KILLS, "the kills did not cut requests off"
    assert not problems, "%d problems, first: %s" % (len(problems), problems[:5])
    assert not [s for s in answers if s >= 500]
    assert len(acked) == CHECK_INS

    with connected(app):
        rows = list(Visit.select(Visit.id, Visit.client_id, Visit.person, Visit.kind,
                                 Visit.source).tuples())
        by_client = {}
        for visit_id, client_id, person_id, kind, source in rows:
            if client_id:
                by_client.setdefault(client_id, []).append((visit_id, person_id))
        missing = [c for c in acked if c not in by_client]
        assert not missing, "acknowledged but not stored: %s" % missing[:10]
        doubles = {c: v for c, v in by_client.items() if len(v) != 1}
        assert not doubles
        wrong = [c for c, (visit_id, person_id) in acked.items()
                 if by_client[c][0] != (visit_id, person_id)]
        assert not wrong, "stored under another id or person: %s" % wrong[:10]
        per_person = {}
        for visit_id, client_id, person_id, kind, source in rows:
            if kind == "check_in":
                per_person[person_id] = per_person.get(person_id, 0) + 1
        assert max(per_person.values()) == 1, "a person checked in twice"
        kiosk_rows = [r for r in rows if r[4] == "scanner"]
        staff_rows = [r for r in rows if r[4] == "staff"]
        assert len(kiosk_rows) == CHECK_INS
        assert len(staff_rows) == WALK_INS
        assert Person.select().where(Person.name.startswith("命令行")).count() == 60
        assert AuditLog.select().where(AuditLog.action == "visit.add").count() == WALK_INS

    # Nothing sensitive reached the server's logs meanwhile.
    logs = ""
    for folder, _, files in os.walk(app.instance_path):
        for name in files:
            if name.endswith(".log") or ".log." in name:
                with open(os.path.join(folder, name), encoding="utf-8", errors="replace") as fh:
                    logs += fh.read()
    assert "/kiosk/api/scan" in logs  # the access log is written ...
    for _, payload in residents[:200] + walk_ins[:50]:
        assert payload not in logs and payload.split(":")[1] not in logs  # ... without badges
    assert ADMIN_PASSWORD not in logs and "居民00001" not in logs


# --- a database that cannot be written ------------------------------------------------------

@pytest.fixture
def sqlite_app(tmp_path):
    """A station on SQLite (what a station runs), whatever database the suite uses."""
    application = create_app({"TESTING": True, "RATELIMIT_ENABLED": False, "DEMO_DATA": False,
                              "DATABASE_URL": ""}, instance_path=str(tmp_path / "instance"))
    with connected(application):
        migrate()
        ensure_default_station(application)
    yield application
    if not db.is_closed():
        db.close()
    close_database(application.extensions["database"])


def scan(client, token, payload, client_id):
    return client.post("/kiosk/api/scan", data=json.dumps(
        {"payload": payload, "client_id": client_id, "source": "scanner"}),
        content_type="application/json", headers={"X-CSRFToken": token})


def visits(app):
    with connected(app):
        return sorted(Visit.select(Visit.client_id, Visit.person).tuples())


def set_pragma(app, name, value):
    """Apply a SQLite pragma to every connection from now on."""
    with connected(app):
        app.extensions["database"].pragma(name, value, permanent=True)


def test_read_only_database_gives_clear_error_and_keeps_everything(sqlite_app):
    """When the database file cannot be written, does the kiosk say so in Chinese (503), staff
    still see what was stored, nothing half-done is kept, and the kiosk's retry succeeds once
    the database is writable again?"""
    app = sqlite_app
    with connected(app):
        first, first_payload = gen_person("resident", name="李秀英")
        second, second_payload = gen_person("resident", name="王建国")
        user = gen_user("staff")
    kiosk = app.test_client()
    _, token = enroll_kiosk(app, kiosk)
    assert scan(kiosk, token, first_payload, "ro-first-01").get_json()["state"] == "checked_in"
    staff = app.test_client()
    assert login_as(staff, user).status_code == 302
    stored = visits(app)

    set_pragma(app, "query_only", 1)  # SQLite refuses writes as for a read-only file
    refused = scan(kiosk, token, second_payload, "ro-second-1")
    assert refused.status_code == 503
    answer = refused.get_json()
    assert answer["ok"] is False and answer["error"] == "database_unavailable"
    assert "无法写入" in answer["message"] and "之前保存的内容都完好无损" in answer["message"]
    page = staff.post("/admin/check-in", data={"person_id": second.id,
                                               "csrf_token": csrf_token(staff, "/admin/login")})
    assert page.status_code == 503 and "无法写入" in page.get_data(as_text=True)
    today = staff.get("/admin/")
    assert today.status_code == 200 and "李秀英" in today.get_data(as_text=True)
    assert visits(app) == stored

    set_pragma(app, "query_only", 0)
    retried = scan(kiosk, token, second_payload, "ro-second-1").get_json()
    assert retried["state"] == "checked_in" and retried["created"] is True
    assert visits(app) == sorted(stored + [("ro-second-1", second.id)])


def test_full_disk_gives_clear_error_and_keeps_everything(sqlite_app):
    """When the disk fills up in the middle of a morning, are the check-ins acknowledged before
    kept, the one that did not fit refused with a clear message (not stored), and is it stored
    once when the kiosk retries after space is freed?"""
    app = sqlite_app
    with connected(app):
        people = [gen_person("resident") for _ in range(150)]
        page_count = app.extensions["database"].pragma("page_count")
    kiosk = app.test_client()
    _, token = enroll_kiosk(app, kiosk)
    set_pragma(app, "max_page_count", page_count)  # no room to grow: SQLITE_FULL
    acknowledged, refused = [], None
    for number, (person, payload) in enumerate(people):
        client_id = "full-%05d" % number
        response = scan(kiosk, token, payload, client_id)
        if response.status_code == 200:
            acknowledged.append((client_id, person.id))
            continue
        assert response.status_code == 503
        assert "磁盘已满" in response.get_json()["message"]
        refused = (client_id, person, payload)
        break
    assert refused is not None, "the database never filled up"
    assert visits(app) == sorted(acknowledged)

    set_pragma(app, "max_page_count", 1073741823)
    client_id, person, payload = refused
    again = scan(kiosk, token, payload, client_id).get_json()
    assert again["state"] == "checked_in"
    assert scan(kiosk, token, payload, client_id).get_json()["visit_id"] == again["visit_id"]
    assert visits(app) == sorted(acknowledged + [(client_id, person.id)])
