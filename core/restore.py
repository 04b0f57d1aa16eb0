"""Restoring a backup: `restore FILE` checks the file completely before it touches
anything, then saves what it replaces (database and keys) as ``before-restore-….tar.gz``
beside the backups, puts the copy in place, restores the keys and applies any newer
migrations."""
import os
import shutil
import sqlite3
import tempfile

from flask import current_app
from playhouse.migrations import Migration

from core.backup_engines import (engine, pg_check, pg_dump, pg_restore, sqlite_check,
                                 sqlite_copy, sqlite_path, sqlite_put_in_place, sqlite_summary)
from core.backup_files import (BEFORE_RESTORE_PREFIX, KEY_FILES, STAMP, BackupError,
                               backup_dir, current_keys, manifest_for, read_bundle,
                               write_bundle)
from core.clock import utcnow
from core.database import SCHEMA_DIR, close_database, migrate
from models import db


def _save_before_restore(app, directory, made):
    """Keep what a restore replaces (database, if any, and keys); return the file's path."""
    os.makedirs(directory, mode=0o700, exist_ok=True)
    path = os.path.join(directory, "%s%s.tar.gz" % (BEFORE_RESTORE_PREFIX, made.strftime(STAMP)))
    kind = engine(app)
    with tempfile.TemporaryDirectory(dir=directory, prefix=".work-") as work:
        copy, migrations, counts, stations, note = None, [], {}, [], ""
        if kind == "sqlite":
            live = sqlite_path(app)
            if os.path.exists(live):
                copy = os.path.join(work, "station.sqlite3")
                try:
                    sqlite_copy(live, copy)
                    migrations, counts, stations = sqlite_summary(copy)
                except sqlite3.DatabaseError as exc:
                    # A damaged database is the usual reason to restore: keep its bytes.
                    shutil.copyfile(live, copy)
                    note = "copied as bytes: %s" % exc
        else:
            copy = os.path.join(work, "station.dump")
            try:
                pg_dump(app.config["DATABASE_URL"], copy)
            except BackupError as exc:
                copy, note = None, str(exc)
        manifest = manifest_for(kind, migrations, counts, stations, made, note)
        write_bundle(path, manifest, copy, current_keys(app))
    return path


def _write_key(instance_path, filename, value):
    path = os.path.join(instance_path, filename)
    partial = path + ".partial"
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(value)
    os.replace(partial, path)


def restore_keys(app, workdir):
    """Put the backup's keys in the instance folder; return warnings for keys set elsewhere."""
    warnings = []
    for name, filename in KEY_FILES:
        source = os.path.join(workdir, filename)
        if not os.path.exists(source):
            continue
        with open(source, encoding="utf-8") as fh:
            value = fh.read().strip()
        if not value:
            continue
        instance_file = os.path.join(app.instance_path, filename)
        on_file = None
        if os.path.exists(instance_file):
            with open(instance_file) as fh:
                on_file = fh.read().strip()
        if app.config.get(name) and app.config.get(name) != on_file:
            if app.config.get(name) != value:
                warnings.append("%s is set in config.py or the environment and differs from the "
                                "backup's; set it to the value in the backup's %s file."
                                % (name, filename))
            continue
        if on_file != value:
            _write_key(app.instance_path, filename, value)
    return warnings


def restore(path, app=None, now=None):
    """Check a backup file, keep a copy of what it replaces, put it in place.

    Returns (manifest, before-restore path, warnings). Raises BackupError, having changed
    nothing, when the file is not a sound backup for this server.
    """
    app = app or current_app
    path = os.path.abspath(path)
    directory = backup_dir(app)
    os.makedirs(directory, mode=0o700, exist_ok=True)
    kind = engine(app)
    with tempfile.TemporaryDirectory(dir=directory, prefix=".work-") as work:
        manifest = read_bundle(path, work)
        if manifest["engine"] != kind:
            raise BackupError(
                "%s is a %s backup and this server uses %s. Restore it on a server of the same "
                "kind (a station's SQLite file can be opened with any SQLite tool)."
                % (path, manifest["engine"], kind))
        data = os.path.join(work, manifest["database"])
        if not os.path.exists(data):
            raise BackupError("%s holds no database." % path)
        problems = sqlite_check(data) if kind == "sqlite" else pg_check(data)
        if problems:
            raise BackupError("%s cannot be restored: %s. Nothing was changed."
                              % (path, "; ".join(problems)))
        known = {m.name for m in Migration.load_directory(SCHEMA_DIR)}
        found = list(manifest.get("migrations", []))
        if kind == "sqlite":
            found += sqlite_summary(data)[0]  # the file's own history, not only the manifest's
        newer = sorted({m for m in found if m not in known})
        if newer:
            raise BackupError("%s was made by a newer version of the station software (schema "
                              "%s). Upgrade this server first (git pull, make init). Nothing was "
                              "changed." % (path, ", ".join(newer)))
        saved = _save_before_restore(app, directory, now or utcnow())
        close_database(db.obj)  # every pooled connection, before the file is replaced
        if kind == "sqlite":
            sqlite_put_in_place(data, sqlite_path(app))
        else:
            pg_restore(app.config["DATABASE_URL"], data)
        warnings = restore_keys(app, work)
    with app.extensions["database"].connection_context():
        applied = migrate(app.extensions["database"])
    if applied:
        warnings.append("Brought the restored database up to date: %s." % ", ".join(applied))
    return manifest, saved, warnings
