"""The database itself in a backup: copied, checked, summed up and put back in place,
for SQLite (the online backup API) and PostgreSQL (pg_dump and pg_restore)."""
import glob
import os
import re
import shutil
import sqlite3
import subprocess
import urllib.parse

from flask import current_app
from peewee import SqliteDatabase

from core.backup_files import BackupError


def engine(app=None):
    """'sqlite' or 'postgresql': the kind of database the app is configured with."""
    app = app or current_app
    return "sqlite" if isinstance(app.extensions["database"], SqliteDatabase) else "postgresql"


def sqlite_path(app=None):
    """The file of the app's SQLite database."""
    app = app or current_app
    return app.extensions["database"].database


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
