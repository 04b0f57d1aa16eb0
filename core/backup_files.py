"""A backup file: its name, what it holds, written and read whole; where backups are kept.

A backup is one file, ``station-backup-YYYYMMDDTHHMMSSZ.tar.gz`` in BACKUP_DIR
(default instance/backups), holding:

    MANIFEST.json     what it is: engine, time, schema version, row counts (no personal data)
    station.sqlite3   SQLite: a copy made with SQLite's online backup API, checked with
                      PRAGMA integrity_check (kiosks keep writing while it runs)
    station.dump      PostgreSQL: pg_dump in custom format, checked with pg_restore --list
    secret_key        the instance keys: without badge_key no badge can be printed again,
    badge_key         so they travel with the data they belong to

The file is written with mode 0600: it holds personal data and the keys.
"""
import datetime
import io
import json
import os
import re
import shutil
import tarfile

from flask import current_app

from core.clock import utcnow

FORMAT = "station-backup"
FORMAT_VERSION = 1
PREFIX = "station-backup-"
BEFORE_RESTORE_PREFIX = "before-restore-"
STAMP = "%Y%m%dT%H%M%SZ"
NAME_RE = re.compile(r"^%s(\d{8}T\d{6}Z)\.tar\.gz$" % re.escape(PREFIX))
KEY_FILES = (("SECRET_KEY", "secret_key"), ("BADGE_KEY", "badge_key"))
MEMBERS = {"MANIFEST.json", "station.sqlite3", "station.dump", "secret_key", "badge_key"}


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


def backup_dir(app=None):
    """The folder backups are written to (BACKUP_DIR, or instance/backups)."""
    app = app or current_app
    return app.config["BACKUP_DIR"] or os.path.join(app.instance_path, "backups")


def stamp_of(name):
    """The UTC time a backup file was made, from its name; None for other files."""
    match = NAME_RE.match(os.path.basename(name))
    if not match:
        return None
    return datetime.datetime.strptime(match.group(1), STAMP)


def list_backups(directory):
    """[(time made, path)] of the backups in a folder, newest first."""
    found = []
    if os.path.isdir(directory):
        for name in os.listdir(directory):
            made = stamp_of(name)
            if made is not None:
                found.append((made, os.path.join(directory, name)))
    return sorted(found, reverse=True)


def latest_backup(app=None):
    """(time made, path) of the newest backup, or None."""
    found = list_backups(backup_dir(app))
    return found[0] if found else None


def _add_bytes(tar, name, data, mode=0o600):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = mode
    info.mtime = int(utcnow().replace(tzinfo=datetime.timezone.utc).timestamp())
    tar.addfile(info, io.BytesIO(data))


def write_bundle(path, manifest, database_file, keys):
    """Write a backup file atomically (a partial file is renamed when complete), mode 0600."""
    partial = path + ".partial"
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as raw:
            with tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6) as tar:
                _add_bytes(tar, "MANIFEST.json",
                           json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8"),
                           0o644)
                if database_file:
                    with open(database_file, "rb") as fh:
                        info = tar.gettarinfo(database_file, arcname=manifest["database"])
                        info.mode, info.uid, info.gid, info.uname, info.gname = 0o600, 0, 0, "", ""
                        tar.addfile(info, fh)
                for filename, value in keys.items():
                    _add_bytes(tar, filename, (value or "").encode("utf-8"))
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, path)
    except BaseException:
        if os.path.exists(partial):
            os.remove(partial)
        raise
    return path


def read_bundle(path, workdir):
    """Unpack a backup file into workdir after checking its shape; return its manifest."""
    if not os.path.isfile(path):
        raise BackupError("%s does not exist or is not a file." % path)
    try:
        with tarfile.open(path, mode="r:gz") as tar:
            members = tar.getmembers()
            names = [m.name for m in members]
            if "MANIFEST.json" not in names:
                raise BackupError("%s is not a station backup (it has no MANIFEST.json)." % path)
            for member in members:
                if member.name not in MEMBERS or not member.isfile():
                    raise BackupError("%s is not a station backup (unexpected entry %r)."
                                      % (path, member.name))
                with tar.extractfile(member) as src, \
                        open(os.path.join(workdir, member.name), "wb") as dst:
                    shutil.copyfileobj(src, dst)
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BackupError("%s is not a readable station backup (%s)." % (path, exc))
    try:
        with open(os.path.join(workdir, "MANIFEST.json"), encoding="utf-8") as fh:
            manifest = json.load(fh)
    except ValueError:
        raise BackupError("%s is not a station backup (its MANIFEST.json is unreadable)." % path)
    if manifest.get("format") != FORMAT or manifest.get("database") not in MEMBERS:
        raise BackupError("%s is not a station backup." % path)
    if manifest.get("format_version", 0) > FORMAT_VERSION:
        raise BackupError("%s was written by a newer version of the station software; "
                          "upgrade first (see deploy/GUIDE.md)." % path)
    return manifest


def current_keys(app):
    """{file name: value} of the keys the app runs with."""
    return {filename: app.config.get(name) or "" for name, filename in KEY_FILES}


def manifest_for(kind, migrations, counts, stations, made, note=""):
    """The MANIFEST.json of a backup: what it is, when it was made and what it holds."""
    return {"format": FORMAT, "format_version": FORMAT_VERSION, "engine": kind,
            "database": "station.sqlite3" if kind == "sqlite" else "station.dump",
            "created_at": made.strftime("%Y-%m-%dT%H:%M:%SZ"), "migrations": migrations,
            "counts": counts, "stations": stations, "note": note}
