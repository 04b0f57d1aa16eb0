"""Is the station's database there and whole? Asked before `first-run`, `init-db` and the
server start, which refuse to go on when it is not, and by /healthz.

A new station has no database file and no backups. A database file that is missing while
backups exist, empty (0 bytes, or without the station's tables while backups exist), or
damaged is never taken for a new station: loading demo data and a new administrator into it
would bury what the backups hold. The refusal names the newest backup and the command that
restores it.
"""
import dataclasses
import os
import sqlite3
import time
import urllib.parse

import click
from peewee import SqliteDatabase

from core.backup_files import backup_dir, list_backups
from core.i18n import _

HEADER = b"SQLite format 3\x00"
# PRAGMA quick_check reads every page (about a second for a station's years of records):
# at start it runs always, for /healthz at most this often.
HEALTH_CHECK_EVERY = 15 * 60
# The exit status of a refused start: deploy/station.service does not restart on it, so a
# damaged database is not started again and again while someone comes to restore it.
EXIT_REFUSED = 78

_checked = {}  # database file -> time.monotonic() of /healthz's last full read


@dataclasses.dataclass
class Verdict:
    """What the database is: 'new', 'ok', 'missing', 'empty', 'damaged' or 'unreachable'."""

    state: str
    path: str = ""
    detail: str = ""
    newest_backup: str = ""

    @property
    def refused(self):
        """True when nothing may start on this database."""
        return self.state not in ("new", "ok")


class DatabaseRefused(click.ClickException):
    """A CLI command refused on an unsound database (exit status EXIT_REFUSED)."""

    exit_code = EXIT_REFUSED


def _newest_backup(app):
    found = list_backups(backup_dir(app))
    return found[0][1] if found else ""


def _sqlite_problem(path, thorough):
    """Why a SQLite file is not a readable database ('' when it is), and its table names."""
    with open(path, "rb") as fh:
        if fh.read(len(HEADER)) != HEADER:
            return "not an SQLite database", set()
    try:
        con = sqlite3.connect("file:%s?mode=ro" % urllib.parse.quote(path), uri=True,
                              timeout=10)
    except sqlite3.Error as exc:
        return str(exc), set()
    try:
        tables = {row[0] for row in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        if thorough:
            result = [row[0] for row in con.execute("PRAGMA quick_check(3)")]
            if result != ["ok"]:
                return " ".join("; ".join(result).split())[:200], tables
        return "", tables
    except sqlite3.DatabaseError as exc:
        return str(exc), set()
    finally:
        con.close()


def check(app, thorough=True):
    """The Verdict on the app's database, now (``thorough``: read every page)."""
    database = app.extensions["database"]
    newest = _newest_backup(app)
    if not isinstance(database, SqliteDatabase):
        try:
            with database.connection_context():
                tables = set(database.get_tables())
        except Exception as exc:  # any driver error means the same here: no answer
            return Verdict("unreachable", detail=type(exc).__name__, newest_backup=newest)
        if "station" not in tables and newest:
            return Verdict("empty", detail="no tables", newest_backup=newest)
        return Verdict("ok" if tables else "new", newest_backup=newest)
    path = os.path.abspath(database.database)
    if not os.path.exists(path):
        return Verdict("missing" if newest else "new", path, newest_backup=newest)
    if os.path.getsize(path) == 0:
        return Verdict("empty", path, "0 bytes", newest)
    problem, tables = _sqlite_problem(path, thorough)
    if problem:
        return Verdict("damaged", path, problem, newest)
    if "station" not in tables:
        # A file with no station in it holds nothing; beside backups it is a lost database.
        return Verdict("empty" if newest else "new", path, "no tables", newest)
    return Verdict("ok", path, newest_backup=newest)


def message(verdict, sep="\n"):
    """What the person at the server is told about a refused database (translated): what is
    wrong, then what to do, the restore command on a line of its own (``sep`` joins them)."""
    what = {
        "missing": _("The station's database file %(path)s is missing, but backups exist."),
        "empty": _("The station's database %(path)s is empty, but backups exist."),
        "damaged": _("The station's database file %(path)s is damaged (%(detail)s)."),
        "unreachable": _("The station's database does not answer (%(detail)s)."),
    }[verdict.state] % {"path": verdict.path or _("on the database server"),
                        "detail": verdict.detail}
    if verdict.state == "empty" and verdict.detail == "0 bytes" and not verdict.newest_backup:
        what = _("The station's database file %(path)s is empty (0 bytes) and no backup "
                 "was found.") % {"path": verdict.path}
    if verdict.state == "unreachable":
        return sep.join([what, _("Check that the database server is running and can be "
                                 "reached; nothing was started and nothing was changed.")])
    if verdict.newest_backup:
        return sep.join([what, _("Nothing was started and nothing was changed. Restore the "
                                 "newest backup, then start the station again:"),
                         "    flask --app app restore %s" % verdict.newest_backup])
    return sep.join([what, _("Nothing was started and nothing was changed. If a copy exists "
                             "elsewhere (a USB stick), restore it with the command below. If "
                             "this really is a new station, delete the file and start again."),
                     "    flask --app app restore FILE"])


def refuse_unless_sound(app):
    """Raise DatabaseRefused (a clear message, exit status 78) unless the database is new or
    sound: before first-run, init-db and the server start."""
    verdict = check(app, thorough=True)
    if verdict.refused:
        raise DatabaseRefused(message(verdict))
    return verdict


def health_problem(app):
    """A sentence for /healthz when the database is missing, empty or damaged, else None.

    The full read of every page runs at most every HEALTH_CHECK_EVERY seconds; the cheap
    checks (file there, header, tables) on every call.
    """
    database = app.extensions["database"]
    path = os.path.abspath(getattr(database, "database", "") or "")
    last = _checked.get(path)
    thorough = last is None or time.monotonic() - last > HEALTH_CHECK_EVERY
    verdict = check(app, thorough=thorough)
    if verdict.state == "unreachable":
        return None  # said by /healthz's own "does not answer" check
    if verdict.refused:
        _checked.pop(path, None)  # look again next time, from scratch
        return message(verdict, sep=" ")
    if thorough:
        _checked[path] = time.monotonic()
    return None
