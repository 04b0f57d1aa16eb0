"""Making a backup: `flask --app app backup` (core/backup_cli.py) and the hourly keeper.

The database and the instance keys go into one file (core/backup_files.py describes it),
checked before it is kept; then old copies are rotated out (core/backup_rotation.py).
Restoring is core/restore.py.
"""
import datetime
import os
import tempfile
from zoneinfo import ZoneInfo

from flask import current_app

from core.backup_engines import (engine, pg_check, pg_dump, pg_summary, sqlite_check,
                                 sqlite_copy, sqlite_path, sqlite_summary)
from core.backup_files import (PREFIX, STAMP, BackupError, backup_dir, current_keys,
                               manifest_for, write_bundle)
from core.backup_rotation import rotate
from core.clock import utcnow


def make_backup(app=None, directory=None, now=None):
    """Back up the database and the instance keys into one verified file; return (path, manifest).

    Safe while kiosks write: SQLite is copied with the online backup API, PostgreSQL
    with pg_dump (one snapshot). The copy is checked before the file is kept.
    """
    app = app or current_app
    directory = directory or backup_dir(app)
    os.makedirs(directory, mode=0o700, exist_ok=True)
    made = now or utcnow()
    path = os.path.join(directory, "%s%s.tar.gz" % (PREFIX, made.strftime(STAMP)))
    kind = engine(app)
    with tempfile.TemporaryDirectory(dir=directory, prefix=".work-") as work:
        if kind == "sqlite":
            copy = os.path.join(work, "station.sqlite3")
            live = sqlite_path(app)
            if not os.path.exists(live):
                raise BackupError("There is no database at %s yet: run `flask --app app "
                                  "init-db` first." % live)
            sqlite_copy(live, copy)
            problems = sqlite_check(copy)
            if problems:
                raise BackupError("The copy failed its check: %s. The database itself may be "
                                  "damaged: keep the last good backup." % "; ".join(problems))
            migrations, counts, stations = sqlite_summary(copy)
        else:
            copy = os.path.join(work, "station.dump")
            pg_dump(app.config["DATABASE_URL"], copy)
            problems = pg_check(copy)
            if problems:
                raise BackupError("The dump failed its check: %s." % "; ".join(problems))
            database = app.extensions["database"]
            with database.connection_context():
                migrations, counts, stations = pg_summary(database)
        manifest = manifest_for(kind, migrations, counts, stations, made)
        write_bundle(path, manifest, copy, current_keys(app))
    return path, manifest


def _station_zone(app):
    try:
        return ZoneInfo(app.config["STATION_TIMEZONE"])
    except Exception:
        return datetime.timezone.utc


def backup_and_rotate(app=None):
    """Make a backup, then rotate; return (path, manifest, deleted paths)."""
    app = app or current_app
    path, manifest = make_backup(app)
    cfg = app.config
    deleted = rotate(os.path.dirname(path), cfg["BACKUP_KEEP_DAILY"],
                     cfg["BACKUP_KEEP_WEEKLY"], cfg["BACKUP_KEEP_MONTHLY"],
                     _station_zone(app))
    return path, manifest, deleted
