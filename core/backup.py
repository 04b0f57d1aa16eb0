"""Backups that restore: `flask --app app backup` and `flask --app app restore FILE`.

A backup is one file, ``station-backup-YYYYMMDDTHHMMSSZ.tar.gz`` in BACKUP_DIR
(default instance/backups), holding:

    MANIFEST.json     what it is: engine, time, schema version, row counts (no personal data)
    station.sqlite3   SQLite: a copy made with SQLite's online backup API, checked with
                      PRAGMA integrity_check (kiosks keep writing while it runs)
    station.dump      PostgreSQL: pg_dump in custom format, checked with pg_restore --list
    secret_key        the instance keys: without badge_key no badge can be printed again,
    badge_key         so they travel with the data they belong to

The file is written with mode 0600: it holds personal data and the keys.
Copies are rotated like restic's --keep-daily/--keep-weekly/--keep-monthly: the newest
copy of each of the last BACKUP_KEEP_DAILY days, BACKUP_KEEP_WEEKLY weeks and
BACKUP_KEEP_MONTHLY months is kept, every other one is deleted.

`restore FILE` checks the file completely before it touches anything, then saves what it
replaces (database and keys) as ``before-restore-….tar.gz`` beside the backups, puts the
copy in place, restores the keys and applies any newer migrations.
"""
import datetime
import glob
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import urllib.parse
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import with_appcontext
from playhouse.migrations import Migration

import models
from models import SqliteDatabase, db, utcnow

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


# --- where things are -------------------------------------------------------

def backup_dir(app=None):
    """The folder backups are written to (BACKUP_DIR, or instance/backups)."""
    app = app or current_app
    return app.config["BACKUP_DIR"] or os.path.join(app.instance_path, "backups")


def engine(app=None):
    """'sqlite' or 'postgresql': the kind of database the app is configured with."""
    app = app or current_app
    return "sqlite" if isinstance(app.extensions["database"], SqliteDatabase) else "postgresql"


def sqlite_path(app=None):
    """The file of the app's SQLite database."""
    app = app or current_app
    return app.extensions["database"].database


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


# --- rotation ---------------------------------------------------------------

def rotation_keep(stamps, daily, weekly, monthly, zone=None):
    """The stamps to keep: the newest of each of the last `daily` days, `weekly` ISO weeks
    and `monthly` months (in the station's zone); the newest stamp is always kept."""
    zone = zone or datetime.timezone.utc
    ordered = sorted(stamps, reverse=True)

    def local(stamp):
        return stamp.replace(tzinfo=datetime.timezone.utc).astimezone(zone)

    periods = ((daily, lambda s: local(s).date()),
               (weekly, lambda s: local(s).isocalendar()[:2]),
               (monthly, lambda s: (local(s).year, local(s).month)))
    keep = set(ordered[:1])
    for count, period in periods:
        seen = set()
        for stamp in ordered:
            key = period(stamp)
            if key in seen:
                continue
            if len(seen) >= count:
                break
            seen.add(key)
            keep.add(stamp)
    return keep


def rotate(directory, daily, weekly, monthly, zone=None):
    """Delete the backups the rotation does not keep; return the deleted paths."""
    found = list_backups(directory)
    keep = rotation_keep([made for made, _ in found], daily, weekly, monthly, zone)
    deleted = []
    for made, path in found:
        if made not in keep:
            os.remove(path)
            deleted.append(path)
    return deleted


# --- SQLite -----------------------------------------------------------------

def sqlite_copy(source_path, target_path):
    """Copy a live SQLite database with the online backup API (one consistent snapshot)."""
    source = sqlite3.connect("file:%s?mode=ro" % urllib.parse.quote(source_path), uri=True,
                             timeout=30)
    target = sqlite3.connect(target_path)
    try:
        # All pages in one step: one read transaction, so the copy is one moment's state;
        # in WAL mode writers are not blocked meanwhile.
        source.backup(target)
        target.execute("PRAGMA journal_mode=DELETE")
    finally:
        target.close()
        source.close()


def sqlite_check(path):
    """Problems of a SQLite file as the station's database, in words ([] when sound)."""
    try:
        con = sqlite3.connect("file:%s?mode=ro" % urllib.parse.quote(path), uri=True)
    except sqlite3.Error as exc:
        return ["it cannot be opened (%s)" % exc]
    try:
        result = [row[0] for row in con.execute("PRAGMA integrity_check")]
        if result != ["ok"]:
            return ["the integrity check failed: %s" % "; ".join(result[:5])]
        tables = {row[0] for row in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not {"schema_migration", "station"} <= tables:
            return ["it is not a station database (no station or schema_migration table)"]
        return []
    except sqlite3.DatabaseError as exc:
        return ["it is not a readable SQLite database (%s)" % exc]
    finally:
        con.close()


def sqlite_summary(path):
    """(applied migrations, {table: rows}, [station codes]) of a SQLite station database."""
    con = sqlite3.connect("file:%s?mode=ro" % urllib.parse.quote(path), uri=True)
    try:
        migrations = [r[0] for r in con.execute("SELECT name FROM schema_migration ORDER BY id")]
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                            "AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        counts = {t: con.execute('SELECT count(*) FROM "%s"' % t).fetchone()[0] for t in tables}
        stations = [r[0] for r in con.execute("SELECT code FROM station ORDER BY id")]
    finally:
        con.close()
    return migrations, counts, stations


def sqlite_put_in_place(copy_path, live_path):
    """Replace the live database's content with the copy, through SQLite (WAL-safe)."""
    os.makedirs(os.path.dirname(os.path.abspath(live_path)), exist_ok=True)
    source = sqlite3.connect(copy_path)
    try:
        target = sqlite3.connect(live_path, timeout=30)
        try:
            source.backup(target)
            target.execute("PRAGMA journal_mode=WAL")
        finally:
            target.close()
    except sqlite3.DatabaseError:
        # The live file is too damaged to be written through SQLite: replace it whole.
        for suffix in ("-wal", "-shm"):
            if os.path.exists(live_path + suffix):
                os.remove(live_path + suffix)
        shutil.copyfile(copy_path, live_path)
    finally:
        source.close()


# --- PostgreSQL -------------------------------------------------------------

def pg_tool(name):
    """The path of pg_dump or pg_restore: the newest Debian cluster's, else the PATH's."""
    versions = glob.glob("/usr/lib/postgresql/*/bin/%s" % name)
    versions.sort(key=lambda p: int(re.search(r"/(\d+)/bin/", p).group(1)))
    path = versions[-1] if versions else shutil.which(name)
    if not path:
        raise BackupError(
            "%s was not found. Install the PostgreSQL client tools (Debian: apt-get install "
            "postgresql-client; Windows: the PostgreSQL installer's command line tools), or "
            "back up by hand with: pg_dump -Fc -f station.dump DATABASE" % name)
    return path


def pg_environment(url):
    """libpq environment variables for a DATABASE_URL (keeps the password off the command line)."""
    parts = urllib.parse.urlsplit(url)
    env = dict(os.environ)
    for var, value in (("PGHOST", parts.hostname), ("PGPORT", parts.port),
                       ("PGUSER", urllib.parse.unquote(parts.username or "")),
                       ("PGPASSWORD", urllib.parse.unquote(parts.password or "")),
                       ("PGDATABASE", urllib.parse.unquote(parts.path.lstrip("/")))):
        if value:
            env[var] = str(value)
    for key, values in urllib.parse.parse_qs(parts.query).items():
        if key in ("sslmode", "sslrootcert", "sslcert", "sslkey", "connect_timeout"):
            env["PG" + key.upper()] = values[-1]
    return env


def _run(args, env):
    result = subprocess.run(args, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError("%s failed: %s" % (os.path.basename(args[0]),
                                            (result.stderr or result.stdout).strip()[:2000]))
    return result.stdout


def pg_dump(url, target_path):
    """Dump the database in pg_dump's custom format."""
    _run([pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
          "--file", target_path], pg_environment(url))


def pg_check(path):
    """Problems of a pg_dump file, in words ([] when pg_restore can read it whole)."""
    try:
        listing = _run([pg_tool("pg_restore"), "--list", path], dict(os.environ))
    except BackupError as exc:
        return [str(exc)]
    if not re.search(r"TABLE (DATA )?public station ", listing):
        return ["it is not a dump of a station database (no station table)"]
    return []


def pg_restore(url, path):
    """Put a dump in place in one transaction, dropping the objects it replaces."""
    _run([pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
          "--single-transaction", "--exit-on-error", "--dbname", pg_environment(url)["PGDATABASE"],
          path], pg_environment(url))


def pg_summary(database):
    """(applied migrations, {table: rows}, [station codes]) of the connected PostgreSQL database."""
    migrations = [r[0] for r in database.execute_sql(
        "SELECT name FROM schema_migration ORDER BY id")]
    counts = {t: database.execute_sql('SELECT count(*) FROM "%s"' % t).fetchone()[0]
              for t in sorted(database.get_tables())}
    stations = [r[0] for r in database.execute_sql("SELECT code FROM station ORDER BY id")]
    return migrations, counts, stations


# --- bundles ----------------------------------------------------------------

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


def _manifest(app, kind, migrations, counts, stations, made, note=""):
    return {"format": FORMAT, "format_version": FORMAT_VERSION, "engine": kind,
            "database": "station.sqlite3" if kind == "sqlite" else "station.dump",
            "created_at": made.strftime("%Y-%m-%dT%H:%M:%SZ"), "migrations": migrations,
            "counts": counts, "stations": stations, "note": note}


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
        manifest = _manifest(app, kind, migrations, counts, stations, made)
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
        manifest = _manifest(app, kind, migrations, counts, stations, made, note)
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
        known = {m.name for m in Migration.load_directory(models.SCHEMA_DIR)}
        found = list(manifest.get("migrations", []))
        if kind == "sqlite":
            found += sqlite_summary(data)[0]  # the file's own history, not only the manifest's
        newer = sorted({m for m in found if m not in known})
        if newer:
            raise BackupError("%s was made by a newer version of the station software (schema "
                              "%s). Upgrade this server first (git pull, make init). Nothing was "
                              "changed." % (path, ", ".join(newer)))
        saved = _save_before_restore(app, directory, now or utcnow())
        models.close_database(db.obj)  # every pooled connection, before the file is replaced
        if kind == "sqlite":
            sqlite_put_in_place(data, sqlite_path(app))
        else:
            pg_restore(app.config["DATABASE_URL"], data)
        warnings = restore_keys(app, work)
    with app.extensions["database"].connection_context():
        applied = models.migrate(app.extensions["database"])
    if applied:
        warnings.append("Brought the restored database up to date: %s." % ", ".join(applied))
    return manifest, saved, warnings


# --- commands ---------------------------------------------------------------

def _describe(manifest):
    counts = manifest.get("counts", {})
    return ("%d station(s), %d people, %d visits, %d service records, %d volunteer shifts"
            % (counts.get("station", 0), counts.get("person", 0), counts.get("visit", 0),
               counts.get("service_record", 0), counts.get("volunteer_shift", 0)))


@click.command("backup")
@with_appcontext
def backup_command():
    """Back up the database and the instance keys (safe while kiosks are in use), then rotate."""
    try:
        path, manifest, deleted = backup_and_rotate()
    except BackupError as exc:
        raise click.ClickException(str(exc))
    click.echo("Backup written and checked: %s" % path)
    click.echo("It holds %s, and the instance keys (keep it private)." % _describe(manifest))
    for old in deleted:
        click.echo("Rotated out: %s" % os.path.basename(old))


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_command(file, yes):
    """Restore a backup FILE (checked first; what it replaces is kept). Stop the server first."""
    if not yes and not click.confirm(
            "Replace this server's data with %s? (stop the station server first; the current "
            "data is kept as a before-restore file)" % file, default=False):
        raise click.ClickException("Nothing was changed.")
    try:
        manifest, saved, warnings = restore(file)
    except BackupError as exc:
        raise click.ClickException(str(exc))
    click.echo("Restored %s (made %s): %s." % (os.path.basename(file), manifest["created_at"],
                                               _describe(manifest)))
    click.echo("What was replaced is kept in %s" % saved)
    for warning in warnings:
        click.echo(warning)
    click.echo("Start the station server again (systemctl restart station, or start-station) "
               "so it uses the restored data and keys.")


COMMANDS = [backup_command, restore_command]
