"""A lost or damaged database is never taken for a new station: first-run, init-db, the
server start and /healthz say which backup to restore and how, and change nothing.

SQLite only: these are the station's own database file (a district's PostgreSQL server
is looked after by its own administrators).
"""
import os
import subprocess
import sys

import pytest

from app import create_app
from core import backup, backup_engines, backup_files
from core.database import close_database
from models import Person, StaffUser
from tests.helpers import connected

pytestmark = pytest.mark.sqlite_only

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def station(tmp_path, name="instance", **config):
    """A station app on SQLite in its own instance folder (nothing created yet)."""
    settings = {"TESTING": True, "DATABASE_URL": "", "DEMO_DATA": True,
                "RATELIMIT_ENABLED": False}
    settings.update(config)
    return create_app(settings, instance_path=str(tmp_path / name))


def with_backup(tmp_path):
    """A station that ran, holds a resident and has one backup; (app, database file, backup)."""
    app = station(tmp_path)
    result = app.test_cli_runner().invoke(args=["first-run"])
    assert result.exit_code == 0, result.output
    backup.make_backup(app)
    path = backup_files.latest_backup(app)[1]
    database = backup_engines.sqlite_path(app)
    close_database(app.extensions["database"])
    return app, database, path


def damage(path):
    """Overwrite a stretch in the middle of the file, as a failing disk would."""
    size = os.path.getsize(path)
    with open(path, "r+b") as fh:
        fh.seek(size // 2)
        fh.write(b"\xde\xad\xbe\xef" * 2048)


def people_in(database):
    import sqlite3
    con = sqlite3.connect(database)
    try:
        return con.execute("SELECT count(*) FROM person").fetchone()[0]
    finally:
        con.close()


def test_first_run_refuses_an_empty_file_beside_backups(tmp_path):
    """Does first-run on a 0-byte database beside backups refuse (exit 78), name the newest
    backup and the restore command, and load no demo data and no new administrator?"""
    app, database, newest = with_backup(tmp_path)
    open(database, "wb").close()
    for suffix in ("-wal", "-shm"):
        if os.path.exists(database + suffix):
            os.remove(database + suffix)
    result = app.test_cli_runner().invoke(args=["first-run"])
    assert result.exit_code == 78
    assert newest in result.output and "flask --app app restore" in result.output
    assert "是空的" in result.output
    assert "password" not in result.output and "kiosk/enroll" not in result.output
    assert os.path.getsize(database) == 0  # untouched: no connection was made to it
    assert len(result.output.strip().splitlines()) == 3  # what, what to do, the command


def test_the_named_backup_restores_the_station(tmp_path):
    """Does the command the refusal names bring the station's people back, after which
    first-run goes through?"""
    app, database, newest = with_backup(tmp_path)
    held = people_in(database)
    assert held > 0
    open(database, "wb").close()
    runner = app.test_cli_runner()
    assert runner.invoke(args=["first-run"]).exit_code == 78
    restored = runner.invoke(args=["restore", newest, "--yes"])
    assert restored.exit_code == 0, restored.output
    assert people_in(database) == held
    again = runner.invoke(args=["first-run"])
    assert again.exit_code == 0, again.output
    assert "Demo data loaded" not in again.output and "password:" not in again.output


def test_init_db_refuses_a_damaged_file_without_a_traceback(tmp_path):
    """Does init-db on a database damaged inside (its header intact) refuse in a few lines,
    naming the backup, with exit status 78?"""
    app, database, newest = with_backup(tmp_path)
    damage(database)
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 78, result.output
    assert "已损坏" in result.output and newest in result.output
    assert "Traceback" not in result.output and len(result.output.splitlines()) == 3


def test_a_missing_database_beside_backups_is_refused_and_not_created(tmp_path):
    """When the database file is gone but backups exist, does first-run refuse without
    creating a new, empty database?"""
    app, database, newest = with_backup(tmp_path)
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(database + suffix):
            os.remove(database + suffix)
    result = app.test_cli_runner().invoke(args=["first-run"])
    assert result.exit_code == 78 and "不见了" in result.output and newest in result.output
    assert not os.path.exists(database)


def test_an_empty_file_without_backups_is_refused_too(tmp_path):
    """Is a 0-byte database refused even with no backup, with what to do if it is new?"""
    app = station(tmp_path)
    database = backup_engines.sqlite_path(app)
    open(database, "wb").close()
    result = app.test_cli_runner().invoke(args=["first-run"])
    assert result.exit_code == 78
    assert "0 字节" in result.output and "删除这个文件" in result.output


def test_a_new_station_still_starts(tmp_path):
    """With no database file and no backups, does first-run set up the station as before?"""
    app = station(tmp_path)
    result = app.test_cli_runner().invoke(args=["first-run"])
    assert result.exit_code == 0, result.output
    assert "password:" in result.output
    with connected(app):
        assert Person.select().exists() and StaffUser.select().count() == 1
    close_database(app.extensions["database"])


def test_healthz_reports_damage_inside_the_file(tmp_path):
    """Does /healthz notice damage inside the database file (where SELECT 1 still works) and
    say to restore the newest backup, not to restart?"""
    app, database, newest = with_backup(tmp_path)
    damage(database)
    response = app.test_client().get("/healthz?lang=en")
    assert response.status_code == 503
    body = response.get_json()
    assert body["checks"]["database"] == "error"
    problem = body["problems"][0]
    assert "is damaged" in problem and newest in problem
    assert "flask --app app restore" in problem and "Restart" not in problem
    close_database(app.extensions["database"])


def test_the_server_refuses_to_start_on_a_damaged_database(tmp_path):
    """Does deploy/serve.py, started on a damaged database, exit with status 78 and a message
    naming the backup, instead of serving?"""
    app, database, newest = with_backup(tmp_path)
    damage(database)
    env = dict(os.environ, INSTANCE_PATH=app.instance_path, PORT="0", HOST="127.0.0.1",
               DATABASE_URL="", DEMO_DATA="0")
    server = subprocess.run([sys.executable, os.path.join(ROOT, "deploy", "serve.py")],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert server.returncode == 78, server.stderr
    assert newest in server.stderr and "flask --app app restore" in server.stderr
    assert "Serving on" not in server.stdout


def test_files_are_private_whoever_starts_the_station(tmp_path):
    """Started with a permissive umask (as `make run` from a shell is), are the instance
    folder, the database, its WAL, the keys and the access log readable by the account alone,
    and is no enrollment code written to the access log?"""
    instance = tmp_path / "instance"
    env = dict(os.environ, INSTANCE_PATH=str(instance), DATABASE_URL="", DEMO_DATA="0",
               HOST="127.0.0.1", PORT=str(_free_port()), THREADS="2", BACKUP_EVERY_HOURS="0")
    first = subprocess.run(
        ["sh", "-c", "umask 022 && exec \"$0\" -m flask --app app first-run", sys.executable],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    code = first.stdout.split("/kiosk/enroll/")[1].split()[0]
    server = subprocess.Popen(
        ["sh", "-c", "umask 022 && exec \"$0\" deploy/serve.py", sys.executable],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        _get_until_up("http://127.0.0.1:%s/kiosk/enroll/%s" % (env["PORT"], code))
    finally:
        server.terminate()
        server.communicate(timeout=20)
    modes = {}
    for folder, dirs, files in os.walk(instance):
        for name in dirs + files:
            path = os.path.join(folder, name)
            modes[os.path.relpath(path, instance)] = os.stat(path).st_mode & 0o777
    modes["."] = os.stat(instance).st_mode & 0o777
    assert {"station.sqlite3", "secret_key", "badge_key", "logs/access.log"} <= set(modes)
    loose = {path: oct(mode) for path, mode in modes.items() if mode & 0o077}
    assert not loose
    with open(instance / "logs" / "access.log", encoding="utf-8") as fh:
        log = fh.read()
    assert "/kiosk/enroll/[redacted]" in log and code not in log


def _free_port():
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get_until_up(url):
    import time
    import urllib.error
    import urllib.request
    for _ in range(150):
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("the server did not answer")
