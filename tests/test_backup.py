"""Backups that restore: made while kiosks write, checked, rotated, restored with their keys."""
import datetime
import io
import json
import os
import sqlite3
import tarfile
import threading
import time

import pytest

import models
from app import create_app
from core import attendance, backup, backup_engines, backup_files, backup_rotation, clock, people
from core.database import close_database
from core.stations import default_station
from models import Badge, Person, Visit
from tests.helpers import TEST_DATABASE_URL, connected, gen_person, reset_postgres


def _fresh_app(tmp_path, name="fresh"):
    """A new station server on a new instance folder (an empty PostgreSQL schema on PG)."""
    if TEST_DATABASE_URL:
        reset_postgres(TEST_DATABASE_URL)
    return create_app({"TESTING": True, "DEMO_DATA": False, "DATABASE_URL": TEST_DATABASE_URL},
                      instance_path=str(tmp_path / name))


def _backups(app):
    return [path for _, path in backup_files.list_backups(backup_files.backup_dir(app))]


class CheckInLoop(threading.Thread):
    """Keeps checking people in, one a moment, noting when each check-in was acknowledged."""

    def __init__(self, app, people_ids):
        super().__init__(daemon=True)
        self.app, self.people_ids = app, people_ids
        self.acknowledged = []  # (monotonic time acknowledged, visit id, person id, local day)
        self.stop = threading.Event()
        self.error = None

    def run(self):
        try:
            with connected(self.app):
                station = default_station()
                days_back = 0
                while not self.stop.is_set():
                    at = models.utcnow() - datetime.timedelta(days=days_back)
                    for person_id in self.people_ids:
                        if self.stop.is_set():
                            break
                        visit, created = attendance.check_in(
                            Person.get_by_id(person_id), station, at=at, source="scanner")
                        assert created
                        self.acknowledged.append((time.monotonic(), visit.id, person_id,
                                                  visit.local_date))
                    days_back += 1
        except Exception as exc:  # reported by the test
            self.error = exc


def test_backup_while_checking_in_then_restore_into_a_fresh_instance(app, runner, tmp_path):
    """Does a backup made while people keep checking in hold every check-in acknowledged
    before it began, once restored into a brand-new instance, with badges that still print?"""
    with connected(app):
        residents = [gen_person("resident") for _ in range(20)]
        payloads = {person.id: payload for person, payload in residents}
        station_code = default_station().code
    loop = CheckInLoop(app, list(payloads))
    loop.start()
    try:
        while len(loop.acknowledged) < 30 and loop.is_alive():
            time.sleep(0.01)
        began = time.monotonic()
        result = runner.invoke(args=["backup"])
        ended = time.monotonic()
        time.sleep(0.2)
    finally:
        loop.stop.set()
        loop.join(timeout=30)
    assert loop.error is None, loop.error
    assert result.exit_code == 0, result.output
    assert "Backup written and checked" in result.output
    before = [a for a in loop.acknowledged if a[0] < began]
    after = [a for a in loop.acknowledged if a[0] > ended]
    assert len(before) >= 30 and after, "check-ins must go on around the backup"
    during = [a for a in loop.acknowledged if began <= a[0] <= ended]
    assert during, "kiosks must not wait for a backup"
    [made] = _backups(app)
    assert oct(os.stat(made).st_mode & 0o777) == "0o600"
    total_written = len(loop.acknowledged)

    fresh = _fresh_app(tmp_path)
    result = fresh.test_cli_runner().invoke(args=["restore", made, "--yes"])
    assert result.exit_code == 0, result.output
    assert "Restored" in result.output
    close_database(fresh.extensions["database"])

    restarted = create_app({"TESTING": True, "DEMO_DATA": False,
                            "DATABASE_URL": TEST_DATABASE_URL},
                           instance_path=str(tmp_path / "fresh"))
    with connected(restarted):
        stored = {v.id: (v.person_id, v.local_date) for v in Visit.select()}
        for _, visit_id, person_id, day in before:
            assert stored.get(visit_id) == (person_id, day), "check-in %d lost" % visit_id
        assert len(before) <= len(stored) < total_written + 1
        assert models.Station.get(models.Station.code == station_code)
        # The badge key came back with the data: every badge prints with its old payload.
        for person_id, payload in payloads.items():
            badge = people.current_badge(Person.get_by_id(person_id))
            assert people.badge_payload(badge) == payload
    close_database(restarted.extensions["database"])


def test_restore_keeps_what_it_replaces(app, runner, tmp_path):
    """After a restore, is the data it replaced kept in a before-restore file that restores too?"""
    with connected(app):
        kept, _ = gen_person("resident", name="备份前居民")
    assert runner.invoke(args=["backup"]).exit_code == 0
    [made] = _backups(app)
    with connected(app):
        later, _ = gen_person("resident", name="备份后居民")
        attendance.check_in(later, default_station())
    result = runner.invoke(args=["restore", made, "--yes"])
    assert result.exit_code == 0, result.output
    saved = [os.path.join(backup_files.backup_dir(app), n) for n in os.listdir(backup_files.backup_dir(app))
             if n.startswith(backup_files.BEFORE_RESTORE_PREFIX)]
    assert len(saved) == 1 and saved[0] in result.output
    with connected(app):
        assert [p.name for p in Person.select().order_by(Person.id)] == ["备份前居民"]
        assert Visit.select().count() == 0
    result = runner.invoke(args=["restore", saved[0], "--yes"])
    assert result.exit_code == 0, result.output
    with connected(app):
        assert [p.name for p in Person.select().order_by(Person.id)] == ["备份前居民", "备份后居民"]
        assert Visit.select().where(Visit.person == later.id).count() == 1


def _state(app):
    with connected(app):
        return (Person.select().count(), Visit.select().count(), Badge.select().count())


def _repack(source, target, change):
    """Copy a backup file, letting `change(name, bytes)` alter each member."""
    with tarfile.open(source, "r:gz") as tar, tarfile.open(target, "w:gz") as out:
        for member in tar.getmembers():
            data = change(member.name, tar.extractfile(member).read())
            if data is None:
                continue
            member.size = len(data)
            out.addfile(member, io.BytesIO(data))


DAMAGES = [
    ("text", "not a readable station backup"),
    ("no-manifest", "not a station backup"),
    ("broken-database", "cannot be restored"),
    ("future-schema", "newer version of the station software"),
]
if not TEST_DATABASE_URL:  # a SQLite file's own history is read too, not only the manifest
    DAMAGES.append(("future-schema-in-file", "newer version of the station software"))


@pytest.mark.parametrize("damage, words", DAMAGES)
def test_bad_backup_file_is_refused_and_nothing_changes(app, runner, tmp_path, damage, words):
    """Is a damaged, foreign or too-new backup refused with a reason, changing nothing?"""
    with connected(app):
        gen_person("resident")
    assert runner.invoke(args=["backup"]).exit_code == 0
    [made] = _backups(app)
    bad = str(tmp_path / "bad.tar.gz")
    if damage == "text":
        with open(bad, "w") as fh:
            fh.write("这不是备份 not a backup\n")
    elif damage == "no-manifest":
        _repack(made, bad, lambda name, data: None if name == "MANIFEST.json" else data)
    elif damage == "broken-database":
        def change(name, data):
            if name in ("station.sqlite3", "station.dump"):
                return data[: len(data) // 3] + b"\0" * 4096
            return data
        _repack(made, bad, change)
    elif damage == "future-schema-in-file":
        def change(name, data):
            if name == "station.sqlite3":
                path = str(tmp_path / "future.sqlite3")
                with open(path, "wb") as fh:
                    fh.write(data)
                con = sqlite3.connect(path)
                con.execute("INSERT INTO schema_migration (name, applied) "
                            "VALUES ('9999_from_the_future', '2030-01-01')")
                con.commit()
                con.close()
                with open(path, "rb") as fh:
                    return fh.read()
            return data
        _repack(made, bad, change)
    else:
        def change(name, data):
            if name == "MANIFEST.json":
                manifest = json.loads(data)
                manifest["migrations"].append("9999_from_the_future")
                return json.dumps(manifest).encode()
            return data
        _repack(made, bad, change)
    with connected(app):
        gen_person("resident")
    state = _state(app)
    result = runner.invoke(args=["restore", bad, "--yes"])
    assert result.exit_code != 0
    assert words in result.output
    assert _state(app) == state
    assert not [n for n in os.listdir(backup_files.backup_dir(app))
                if n.startswith(backup_files.BEFORE_RESTORE_PREFIX)]


def test_restore_asks_before_replacing(app, runner):
    """Without --yes, does restore ask, and does answering no change nothing?"""
    assert runner.invoke(args=["backup"]).exit_code == 0
    [made] = _backups(app)
    with connected(app):
        gen_person("resident")
    state = _state(app)
    result = runner.invoke(args=["restore", made], input="n\n")
    assert result.exit_code != 0 and "Nothing was changed" in result.output
    assert _state(app) == state


def test_a_missing_file_is_refused(runner, tmp_path):
    """Does restoring a file that is not there say so?"""
    result = runner.invoke(args=["restore", str(tmp_path / "nope.tar.gz"), "--yes"])
    assert result.exit_code != 0 and "does not exist" in result.output


def test_rotation_keeps_daily_weekly_monthly():
    """Does rotation keep the newest copy of each of the last days, weeks and months?"""
    first = datetime.datetime(2026, 1, 1, 19, 0)
    stamps = [first + datetime.timedelta(days=d) for d in range(120)]  # to Thursday 30 April
    stamps.append(datetime.datetime(2026, 4, 30, 21, 0))  # a second copy on the last day
    keep = backup_rotation.rotation_keep(stamps, daily=7, weekly=5, monthly=12)
    at = lambda month, day: datetime.datetime(2026, month, day, 19, 0)  # noqa: E731
    expected = {datetime.datetime(2026, 4, 30, 21, 0)}
    expected |= {at(4, d) for d in range(24, 30)}               # the last 7 days
    expected |= {at(4, 19), at(4, 12), at(4, 5)}                # Sundays of 3 more weeks
    expected |= {at(3, 31), at(2, 28), at(1, 31)}               # month ends
    assert keep == expected
    assert backup_rotation.rotation_keep(stamps, 0, 0, 0) == {stamps[-1]}
    # Grouped by the station's day: 19:00 UTC is 03:00 the next day in Chongqing.
    from zoneinfo import ZoneInfo
    local = backup_rotation.rotation_keep(stamps, 1, 0, 0, ZoneInfo("Asia/Shanghai"))
    assert local == {stamps[-1]}


def test_backup_command_rotates_old_copies(app, runner):
    """Does `backup` delete copies the rotation no longer keeps, and keep the others?"""
    app.config.update(BACKUP_KEEP_DAILY=2, BACKUP_KEEP_WEEKLY=1, BACKUP_KEEP_MONTHLY=2)
    # Mid-month: the 40-day-old copy is then the newest of the month before (on the 1st-3rd,
    # the copies of 1-3 days ago would be, as the rotation rules say).
    now = datetime.datetime(2026, 6, 17, 2, 0)
    with clock.running_from(now):
        for days in (1, 2, 3, 40):
            backup.make_backup(app, now=now - datetime.timedelta(days=days))
        result = runner.invoke(args=["backup"])
    assert result.exit_code == 0, result.output
    kept = [made for made, _ in backup_files.list_backups(backup_files.backup_dir(app))]
    assert len(kept) == 3
    assert kept[0] > now - datetime.timedelta(minutes=1)
    assert kept[1].date() == (now - datetime.timedelta(days=1)).date()
    assert kept[2].date() == (now - datetime.timedelta(days=40)).date()
    assert result.output.count("Rotated out") == 2


def test_backup_is_one_checked_file_with_the_keys(app, runner):
    """Does a backup hold a sound copy of the database (SQLite copy or pg_dump) and the keys?"""
    assert runner.invoke(args=["backup"]).exit_code == 0
    [made] = _backups(app)
    data = "station.dump" if TEST_DATABASE_URL else "station.sqlite3"
    with tarfile.open(made, "r:gz") as tar:
        assert sorted(tar.getnames()) == sorted(["MANIFEST.json", "badge_key", "secret_key", data])
        assert tar.extractfile("badge_key").read().decode() == app.config["BADGE_KEY"]
        assert tar.extractfile("secret_key").read().decode() == app.config["SECRET_KEY"]
        manifest = json.loads(tar.extractfile("MANIFEST.json").read())
        copy = os.path.join(os.path.dirname(made), "check-" + data)
        with open(copy, "wb") as fh:
            fh.write(tar.extractfile(data).read())
    assert manifest["stations"] == [app.config["STATION_CODE"]]
    assert manifest["migrations"][0] == "0001_initial"
    if TEST_DATABASE_URL:
        import subprocess
        listing = subprocess.run([backup_engines.pg_tool("pg_restore"), "--list", copy],
                                 capture_output=True, text=True, check=True).stdout
        assert "TABLE DATA public visit" in listing
    else:
        con = sqlite3.connect(copy)
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert con.execute("SELECT code FROM station").fetchall() == [
            (app.config["STATION_CODE"],)]
        con.close()
