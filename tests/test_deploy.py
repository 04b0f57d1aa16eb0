"""deploy/: systemd units that systemd accepts, one list of kiosk Chromium flags, a start script
that serves, and guides that name only files that exist."""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from tests.helpers import reset_postgres

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEPLOY = os.path.join(ROOT, "deploy")
SYSTEM_UNITS = ["station.service", "station-backup.service", "station-backup.timer",
                "station-close-shifts.service", "station-close-shifts.timer"]
USER_UNITS = ["station-kiosk.service"]


def _read(name):
    with open(os.path.join(DEPLOY, name), encoding="utf-8") as fh:
        return fh.read()


def _installed_copy(tmp_path, names):
    """The units as installed, with /opt/station standing for this checkout."""
    folder = tmp_path / "units"
    folder.mkdir(exist_ok=True)
    for name in names:
        (folder / name).write_text(_read(name).replace("/opt/station", ROOT), encoding="utf-8")
    return folder


def _verify(folder, names, *extra, env=None):
    analyze = shutil.which("systemd-analyze")
    assert analyze, "systemd-analyze is missing: deploy/system-deps.sh installs systemd"
    return subprocess.run([analyze, "verify", "--man=no", *extra] + [str(folder / n) for n in names],
                          capture_output=True, text=True, env=env, cwd=str(folder))


def test_system_units_pass_systemd_analyze_verify(tmp_path):
    """Do the server, backup and close-shifts units and timers pass `systemd-analyze verify`,
    without a single warning?"""
    result = _verify(_installed_copy(tmp_path, SYSTEM_UNITS), SYSTEM_UNITS)
    assert result.returncode == 0 and result.stderr.strip() == "", result.stderr


def test_kiosk_user_unit_passes_systemd_analyze_verify(tmp_path):
    """Does the kiosk screen's user unit pass `systemd-analyze verify --user`?"""
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    env = dict(os.environ, XDG_RUNTIME_DIR=str(runtime), HOME=str(tmp_path))
    result = _verify(_installed_copy(tmp_path, USER_UNITS), USER_UNITS, "--user", env=env)
    assert result.returncode == 0 and result.stderr.strip() == "", result.stderr


def test_verify_would_catch_a_broken_unit(tmp_path):
    """Does the check fail for a unit whose program is missing (so the tests above mean it)?"""
    folder = _installed_copy(tmp_path, ["station.service"])
    unit = folder / "station.service"
    unit.write_text(unit.read_text().replace(ROOT + "/deploy/serve.py", ROOT + "/deploy/gone.py")
                    .replace(ROOT + "/.venv/bin/python", "/nonexistent/python"))
    assert _verify(folder, ["station.service"]).returncode != 0


def _units(name):
    return {key: value for key, value in re.findall(r"^(\w+)=(.*)$", _read(name), re.M)}


def test_server_unit_runs_unprivileged_and_restarts():
    """Does the server run as the station user, restart on failure and migrate on start?"""
    unit = _read("station.service")
    assert "User=station" in unit and "Restart=on-failure" in unit
    assert "ExecStartPre=/opt/station/.venv/bin/flask --app app init-db" in unit
    assert "ExecStart=/opt/station/.venv/bin/python deploy/serve.py" in unit
    assert "flask --app app backup" in _read("station-backup.service")
    assert "flask --app app close-shifts" in _read("station-close-shifts.service")
    for timer in ("station-backup.timer", "station-close-shifts.timer"):
        assert "Persistent=true" in _read(timer)  # a tablet that was off catches up


def kiosk_file_flags():
    """The flags in deploy/chromium-flags.txt."""
    flags = []
    for line in _read("chromium-flags.txt").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            flags.append(line)
    return flags


def test_launcher_uses_the_flag_file_and_policy_grants_camera_and_sound(tmp_path):
    """Does the kiosk launcher (run by the user unit and the autostart entry) start Chromium
    with exactly the flags of deploy/chromium-flags.txt, and does the policy allow the camera
    and sound for the kiosk address only, instead of a flag that skips every prompt?"""
    flags = kiosk_file_flags()
    assert "--kiosk" in flags and "--autoplay-policy=no-user-gesture-required" in flags
    assert not [f for f in flags if "fake" in f], "fake media flags are for tests only"
    env = dict(os.environ, KIOSK_URL="http://127.0.0.1:8123/kiosk/",
               KIOSK_PROFILE=str(tmp_path / "profile"), CHROMIUM="/usr/bin/chromium")
    printed = subprocess.run([os.path.join(DEPLOY, "kiosk-browser.sh"), "--print"], env=env,
                             capture_output=True, text=True, check=True).stdout.splitlines()
    assert printed == (["/usr/bin/chromium"] + flags
                       + ["--user-data-dir=%s" % (tmp_path / "profile"),
                          "--app=http://127.0.0.1:8123/kiosk/"])
    assert "ExecStart=/opt/station/deploy/kiosk-browser.sh" in _read("station-kiosk.service")
    assert "Exec=/opt/station/deploy/kiosk-browser.sh" in _read("station-kiosk.desktop")
    assert "chromium-flags.txt" in _read("start-station.ps1")
    policy = json.loads(_read("chromium-policy.json"))
    assert policy["VideoCaptureAllowedUrls"][0] == "http://127.0.0.1:8000"
    assert policy["AutoplayAllowed"] is True and policy["AudioCaptureAllowed"] is False


def test_browser_tests_use_the_kiosk_flags():
    """Do the browser tests launch Chromium with every kiosk flag but the full-screen ones?"""
    from tests.browser import conftest as browser
    assert os.path.samefile(browser.FLAGS_FILE, os.path.join(DEPLOY, "chromium-flags.txt"))
    expected = [f for f in kiosk_file_flags() if f != "--kiosk"]
    args = browser.browser_args()
    assert set(expected) <= set(args) and "--kiosk" not in args


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_start_script_serves_with_waitress_and_logs_without_query_strings(tmp_path):
    """Does deploy/serve.py serve on the configured port, answer /healthz in words, and write
    an access log that leaves query strings (which may hold names) out?"""
    url = os.environ.get("TEST_DATABASE_URL", "")
    if url:
        reset_postgres(url)
    port = _free_port()
    env = dict(os.environ, INSTANCE_PATH=str(tmp_path / "instance"), PORT=str(port),
               HOST="127.0.0.1", THREADS="2", DEMO_DATA="0", DATABASE_URL=url,
               BACKUP_EVERY_HOURS="0")  # no backup by the server itself: /healthz must say so
    subprocess.run([sys.executable, "-m", "flask", "--app", "app", "init-db"], cwd=ROOT,
                   env=env, check=True, capture_output=True)
    server = subprocess.Popen([sys.executable, os.path.join(DEPLOY, "serve.py")], cwd=ROOT,
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True)
    try:
        base = "http://127.0.0.1:%d" % port
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/kiosk/?who=%E7%8E%8B%E7%A7%80%E8%8B%B1", timeout=1)
            except urllib.error.HTTPError:
                break  # 403: not an enrolled kiosk - but the server answers
            except OSError:
                time.sleep(0.1)
        with pytest.raises(urllib.error.HTTPError) as answer:
            urllib.request.urlopen(base + "/healthz?lang=en", timeout=5)
        assert answer.value.code == 503
        body = json.loads(answer.value.read())
        assert body["ok"] is False and body["checks"]["database"] == "ok"
        assert body["problems"] == ["No backup has been made yet. Run the backup command or "
                                    "check the backup timer."]
    finally:
        server.terminate()  # SIGTERM, as systemctl stop sends
        output = server.communicate(timeout=10)[0]
    assert server.returncode == 0, output
    assert "Serving on http://127.0.0.1:%d" % port in output
    with open(tmp_path / "instance" / "logs" / "access.log", encoding="utf-8") as fh:
        log = fh.read()
    assert re.search(r'"GET /kiosk/" 403 \d+ms', log) and '"GET /healthz" 503' in log
    assert "health: 还没有任何备份" in output  # said at start too, in the station language
    assert "%E7%8E%8B" not in log and "王" not in log and "who=" not in log


def test_guides_name_only_files_that_exist():
    """Does every deploy/ file the guides and start scripts mention exist?"""
    texts = [_read(name) for name in ("GUIDE.md", "install-linux.sh", "start-station.ps1",
                                      "kiosk-browser.sh")]
    with open(os.path.join(DEPLOY, "..", "README.md"), encoding="utf-8") as fh:
        texts.append(fh.read())
    named = set()
    for text in texts:
        named |= set(re.findall(r"deploy[/\\]([\w.-]+\.\w+)", text))
    assert named, "the guides should point at the files they describe"
    missing = [n for n in sorted(named) if not os.path.exists(os.path.join(DEPLOY, n))]
    assert not missing


@pytest.mark.sqlite_only  # the server's own PostgreSQL backups (pg_dump): see test_backup
def test_the_running_server_makes_its_first_backup(tmp_path):
    """Does deploy/serve.py, with no timer installed, make a backup itself when none exists?"""
    port = _free_port()
    env = dict(os.environ, INSTANCE_PATH=str(tmp_path / "instance"), PORT=str(port),
               HOST="127.0.0.1", THREADS="2", DEMO_DATA="0", DATABASE_URL="")
    subprocess.run([sys.executable, "-m", "flask", "--app", "app", "init-db"], cwd=ROOT,
                   env=env, check=True, capture_output=True)
    server = subprocess.Popen([sys.executable, os.path.join(DEPLOY, "serve.py")], cwd=ROOT,
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True)
    backups = tmp_path / "instance" / "backups"
    try:
        for _ in range(100):
            if backups.is_dir() and any(p.name.endswith(".tar.gz") for p in backups.iterdir()):
                break
            time.sleep(0.1)
        body = None
        for _ in range(50):
            try:
                body = json.loads(urllib.request.urlopen(
                    "http://127.0.0.1:%d/healthz" % port, timeout=2).read())
                break
            except OSError:
                time.sleep(0.1)
    finally:
        server.terminate()
        server.communicate(timeout=10)
    assert [p.name for p in backups.iterdir() if p.name.endswith(".tar.gz")]
    assert body is not None and body["ok"] is True
