"""The database engine: which database the server opens, its connections, raw SQL for the
kiosk's hot path, and the schema migrations.

``models.db`` is a proxy; ``init_app`` binds it to the configured database (SQLite in the
instance folder unless DATABASE_URL names another), opens a connection per request and
adds the ``init-db`` command.
"""
import os
import threading

import click
from peewee import DatabaseProxy, SqliteDatabase
from playhouse.db_url import connect, register_database
from playhouse.migrations import Runner
from playhouse.pool import PooledSqliteDatabase

from core import dbcheck, stations
from models import db

SCHEMA_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                          "migrations")

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 10000,
    "synchronous": "normal",  # with WAL: durable at checkpoint, never corrupt
    "cache_size": -16000,
}


class StationSqliteDatabase(PooledSqliteDatabase):
    """Pooled SQLite whose write transactions, within this process, queue on a Python lock.

    Every transaction begins IMMEDIATE (it takes SQLite's write lock up front). Without the
    queue, waiting writers sleep in SQLite's busy handler in steps of up to 100 ms, which
    made the slowest check-ins under load slow; the lock hands over the moment one commits.
    Other processes (the CLI, a backup) still meet SQLite's own lock and busy timeout.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._writer = threading.Lock()
        self._holder = threading.local()

    def begin(self, lock_type=None):
        # Never wait forever: after 30 s go on and let SQLite's busy timeout decide.
        self._holder.held = self._writer.acquire(timeout=30)
        try:
            super().begin(lock_type)
        except BaseException:
            self._release_writer()
            raise

    def _release_writer(self):
        if getattr(self._holder, "held", False):
            self._holder.held = False
            self._writer.release()

    def commit(self):
        try:
            return super().commit()
        finally:
            self._release_writer()

    def rollback(self):
        try:
            return super().rollback()
        finally:
            self._release_writer()

    def close(self):
        try:
            return super().close()
        finally:
            self._release_writer()


register_database(StationSqliteDatabase, "sqlite+station")


def make_database(url, instance_path):
    """Open the configured database: SQLite in the instance folder unless a URL says otherwise."""
    if not url:
        url = "sqlite:///" + os.path.join(instance_path, "station.sqlite3")
    if url.startswith("sqlite"):
        # BEGIN IMMEDIATE: a transaction that reads and then writes (every check-in) takes the
        # write lock up front and waits busy_timeout for it; a deferred one fails at once with
        # "database is locked" when another connection wrote since its read (SQLITE_BUSY_SNAPSHOT).
        # A pool keeps each worker thread's connection open between requests, so the
        # pragmas run once per connection rather than once per request.
        if url.startswith("sqlite://"):
            url = "sqlite+station://" + url[len("sqlite://"):]
        database = connect(url, pragmas=SQLITE_PRAGMAS, check_same_thread=False,
                           lock_type="IMMEDIATE", max_connections=64, stale_timeout=600)
    else:
        database = connect(url)  # peewee 4 runs in autocommit mode: no autorollback needed
    return database


def close_database(database):
    """Close every connection of a database, pooled ones included (tests, restore)."""
    if not database.is_closed():
        database.close()
    if hasattr(database, "close_all"):
        database.close_all()


def is_sqlite():
    """True when the bound database is SQLite."""
    return isinstance(db.obj, SqliteDatabase)


def migrate(database=None, directory=None, target=None):
    """Apply every pending schema migration in order, all or none; return the names applied.

    The whole run is one transaction, so a failing migration leaves the database at the
    version it had. On SQLite, foreign keys are off during the run (a migration may rebuild
    a table) and checked before the commit.
    """
    database = database or db.obj
    database = database.obj if isinstance(database, DatabaseProxy) else database
    runner = Runner(database, directory or SCHEMA_DIR)
    sqlite = isinstance(database, SqliteDatabase)
    foreign_keys = sqlite and database.pragma("foreign_keys")
    if foreign_keys:
        database.pragma("foreign_keys", 0)
    try:
        with database.atomic():
            applied = runner.up(target)
            if sqlite and applied and database.execute_sql("PRAGMA foreign_key_check").fetchone():
                raise RuntimeError("A migration left rows whose foreign keys point nowhere.")
    finally:
        if foreign_keys:
            database.pragma("foreign_keys", 1)
    return applied


def schema_status(database=None, directory=None):
    """(name, applied) for every migration file, in order."""
    return [(m.name, m.applied)
            for m in Runner(database or db.obj, directory or SCHEMA_DIR).status()]


def init_app(app):
    """Bind the database to the app, open/close a connection per request, add `init-db`."""
    database = make_database(app.config["DATABASE_URL"], app.instance_path)
    db.initialize(database)
    app.extensions["database"] = database

    @app.before_request
    def _connect():
        db.connect(reuse_if_open=True)

    @app.teardown_appcontext
    def _close(exc):
        if not db.is_closed():
            db.close()

    @app.cli.command("init-db")
    def init_db_command():
        """Create the database or bring its schema up to date (safe to run again).

        Refused (exit status 78, the backup to restore named) on a database file that is
        missing beside backups, empty or damaged.
        """
        dbcheck.refuse_unless_sound(app)
        with db.connection_context():
            applied = migrate()
            stations.ensure_default_station(app)
        if applied:
            click.echo("Applied migrations: " + ", ".join(applied))
        click.echo("Database is up to date.")


# --- raw SQL for the kiosk's hot path ---------------------------------------

_RAW_SQL = {}


def fetch_rows(model, where, *params, order_by=""):
    """Rows of `model` matching a fixed WHERE clause (``?`` for parameters), as model objects.

    For the kiosk's hot path only: the SQL text is made once per model and clause and kept,
    where the ORM would write a wide SELECT again on every request (measured as the larger
    part of a check-in's time). Values still pass as parameters; columns are converted by
    the fields as usual.
    """
    key = (model, where, order_by, db.obj.param)
    sql = _RAW_SQL.get(key)
    if sql is None:
        columns = ", ".join('"%s"' % f.column_name for f in model._meta.sorted_fields)
        sql = 'SELECT %s FROM "%s" WHERE %s%s' % (
            columns, model._meta.table_name, where.replace("?", db.obj.param),
            " ORDER BY " + order_by if order_by else "")
        _RAW_SQL[key] = sql
    return list(model.raw(sql, *params))


def insert_row(model, **values):
    """Insert one row of `model` with fixed INSERT text per set of columns; the new object.

    The hot-path twin of ``model.create(**values)`` (see fetch_rows): defaults are filled
    and values converted by the fields exactly as the ORM does.
    """
    for name, field in model._meta.fields.items():
        if name not in values and name != "id" and field.default is not None:
            values[name] = field.default() if callable(field.default) else field.default
    names = tuple(sorted(values))
    key = (model, names, db.obj.param)
    sql = _RAW_SQL.get(key)
    fields = [model._meta.fields[n] for n in names]
    if sql is None:
        sql = 'INSERT INTO "%s" (%s) VALUES (%s) RETURNING "id"' % (
            model._meta.table_name, ", ".join('"%s"' % f.column_name for f in fields),
            ", ".join([db.obj.param] * len(fields)))
        _RAW_SQL[key] = sql
    params = [f.db_value(values[f.name]) for f in fields]
    row_id = db.execute_sql(sql, params).fetchone()[0]
    return model(id=row_id, **values)


def fetch_one(model, where, *params):
    """The first row of `model` matching a fixed WHERE clause, or None (see fetch_rows)."""
    rows = fetch_rows(model, where, *params)
    return rows[0] if rows else None
