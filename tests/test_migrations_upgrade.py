"""Upgrades: a database made at any earlier schema version, full of data, upgrades in order
and keeps every record; a migration that fails leaves the database as it was.

Runs on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set (tests/run.sh does both).
"""
import datetime
import os
import shutil

import peewee
import pytest
from peewee import BooleanField, DateField, DateTimeField, ForeignKeyField, TimeField
from playhouse.migrations import Migration

import models
from core.database import SCHEMA_DIR, close_database, make_database, migrate, schema_status
from tests.helpers import TEST_DATABASE_URL, connected, reset_postgres

MIGRATIONS = [m.name for m in Migration.load_directory(SCHEMA_DIR)]
ROWS_PER_TABLE = 3
# When a later migration renames or drops a column, say here where its data went.
RENAMED = {}   # {(table, old column): new column}
DROPPED = {("staff_user", "locked_at")}  # {(table, column)}: 0002 ends the permanent lock
# Columns whose value the code interprets (not just stores): a meaningful value.
MEANINGFUL = {("station", "timezone"): "Asia/Shanghai", ("station", "language"): "zh"}

EXAMPLE_UPGRADE = '''"""An example later version: a new column filled from old data, an index, a new table."""
from peewee import *


def up(migrator, db):
    migrator.migrate(
        migrator.add_column("person", "preferred_name", CharField(max_length=50, null=True)),
        migrator.add_index("visit", ("source",), False),
    )
    db.execute_sql("UPDATE person SET preferred_name = name WHERE name IS NOT NULL")

    class Person(Model):
        class Meta:
            database = db
            table_name = "person"

    class Note(Model):
        person = ForeignKeyField(Person, on_delete="CASCADE")
        text = TextField(default="")

        class Meta:
            database = db
            table_name = "person_note"
    db.create_tables([Note])
'''

FAILING = '''"""A migration that breaks half-way."""
from peewee import *


def up(migrator, db):
    migrator.migrate(migrator.add_column("visit", "doomed", IntegerField(default=0)))
    db.execute_sql("UPDATE person SET name = 'overwritten'")
    db.execute_sql("CREATE TABLE half_done (id INTEGER PRIMARY KEY)")
    raise RuntimeError("this migration fails on purpose")
'''


@pytest.fixture
def database(tmp_path):
    """An empty database of the kind under test, closed and cleared afterwards."""
    if TEST_DATABASE_URL:
        reset_postgres(TEST_DATABASE_URL)
        db = make_database(TEST_DATABASE_URL, str(tmp_path))
    else:
        db = make_database("", str(tmp_path))
    db.connect()
    yield db
    db.close()
    if TEST_DATABASE_URL:
        reset_postgres(TEST_DATABASE_URL)


def _postgres(database):
    return not isinstance(database, peewee.SqliteDatabase)


def _value(database, column, row):
    """A value for a column of the given type, distinct for each row."""
    kind = column.data_type.lower()
    if "bool" in kind:
        return row % 2 == 0
    if "timestamp" in kind or "datetime" in kind:
        return datetime.datetime(2025, 3, 1 + row, 8, 30, 15, 250000 + row)
    if "date" in kind:
        return datetime.date(2025, 3, 1 + row)
    if "time" in kind:
        return datetime.time(9, row, 0)
    if "int" in kind or "serial" in kind:
        return row % 2
    if "real" in kind or "double" in kind or "numeric" in kind or "decimal" in kind:
        return row + 0.5
    return "值%d%s" % (row, column.name[:3])  # short: fits every VARCHAR of the schema


def _param(database, value):
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat(" ") if isinstance(value, datetime.datetime) else value.isoformat()
    if isinstance(value, bool) and not _postgres(database):
        return int(value)
    return value


def _table_order(database, tables):
    """Tables with every table after the ones its foreign keys point to."""
    needs = {t: {fk.dest_table for fk in database.get_foreign_keys(t)} - {t} for t in tables}
    ordered = []
    while needs:
        ready = sorted(t for t, deps in needs.items() if deps <= set(ordered))
        assert ready, "circular foreign keys: %s" % needs
        ordered.extend(ready)
        for t in ready:
            del needs[t]
    return ordered


def fill(database):
    """Put ROWS_PER_TABLE rows, every column set, in every table; return what was written."""
    tables = [t for t in database.get_tables() if t != "schema_migration"]
    written = {}
    param = "%s" if _postgres(database) else "?"
    for table in _table_order(database, tables):
        columns = [c for c in database.get_columns(table) if not c.primary_key]
        foreign = {fk.column: fk.dest_table for fk in database.get_foreign_keys(table)}
        written[table] = []
        for row in range(ROWS_PER_TABLE):
            values = {}
            for column in columns:
                if column.name in foreign:
                    values[column.name] = written[foreign[column.name]][row]["id"]
                elif (table, column.name) in MEANINGFUL:
                    values[column.name] = MEANINGFUL[table, column.name]
                else:
                    values[column.name] = _value(database, column, row)
            sql = 'INSERT INTO "%s" (%s) VALUES (%s)' % (
                table, ", ".join('"%s"' % c for c in values), ", ".join([param] * len(values)))
            params = [_param(database, v) for v in values.values()]
            if _postgres(database):
                new_id = database.execute_sql(sql + " RETURNING id", params).fetchone()[0]
            else:
                new_id = database.execute_sql(sql, params).lastrowid
            values["id"] = new_id
            written[table].append(values)
    return written


def _expected(field, value):
    if isinstance(field, BooleanField):
        return bool(value)
    return value


def find_every_record(database, written):
    """Read every written row back through today's models and compare each column."""
    by_table = {m._meta.table_name: m for m in models.MODELS}
    models.db.initialize(database)
    checked = 0
    for table, rows in written.items():
        assert table in by_table, "table %s of an earlier version has no model now" % table
        model = by_table[table]
        fields = {f.column_name: f for f in model._meta.sorted_fields}
        for values in rows:
            record = model.get_or_none(model._meta.primary_key == values["id"])
            assert record is not None, "%s row %d is lost" % (table, values["id"])
            for column, value in values.items():
                if (table, column) in DROPPED:
                    continue
                column = RENAMED.get((table, column), column)
                field = fields[column]
                actual = record.__data__.get(field.name)
                assert actual == _expected(field, value), (table, column, actual, value)
                checked += 1
        assert model.select().count() == len(rows), table
    return checked


def _columns(database):
    return {t: [(c.name, c.data_type, c.null) for c in database.get_columns(t)]
            for t in sorted(database.get_tables())}


def _dump(database, written):
    """Every row of every written table, as the database holds it."""
    return {t: sorted(tuple(r) for r in database.execute_sql('SELECT * FROM "%s"' % t))
            for t in written}


def _directory_with(tmp_path, **extra):
    """A migrations folder: the real ones plus extra files {name: source}."""
    folder = tmp_path / "migrations"
    folder.mkdir()
    for name in os.listdir(SCHEMA_DIR):
        if name.endswith(".py"):
            shutil.copy(os.path.join(SCHEMA_DIR, name), folder / name)
    for name, source in extra.items():
        (folder / ("%s.py" % name)).write_text(source, encoding="utf-8")
    return str(folder)


@pytest.mark.parametrize("start", MIGRATIONS)
def test_upgrade_from_every_version_keeps_every_record(database, start):
    """Does a database made at an earlier version, with a row in every column of every table,
    upgrade to the current version with every record found through today's models?"""
    assert migrate(database, target=start)[-1] == start
    written = fill(database)
    applied = migrate(database)
    assert applied == MIGRATIONS[MIGRATIONS.index(start) + 1:]
    assert all(done for _, done in schema_status(database))
    checked = find_every_record(database, written)
    assert checked >= sum(len(rows) for rows in written.values()) * 3
    for model in models.MODELS:  # the upgraded schema is the models' schema
        columns = {c.name for c in database.get_columns(model._meta.table_name)}
        assert columns == {f.column_name for f in model._meta.sorted_fields}, model


def test_upgrade_through_a_later_version_then_work_goes_on(database, tmp_path, app_for):
    """Through a later version that adds a column, an index and a table, are the records
    kept, the new column filled, and can people still be added and checked in?"""
    folder = _directory_with(tmp_path, **{"9001_example_upgrade": EXAMPLE_UPGRADE})
    migrate(database, target=MIGRATIONS[-1])
    written = fill(database)
    assert migrate(database, directory=folder) == ["9001_example_upgrade"]
    find_every_record(database, written)
    names = dict(database.execute_sql("SELECT id, preferred_name FROM person").fetchall())
    assert names == {row["id"]: row["name"] for row in written["person"]}
    assert "person_note" in database.get_tables()
    with app_for(database) as app:
        from core import attendance, people
        station = models.Station.get_by_id(written["station"][0]["id"])
        person, badge = people.add_person(station, "升级后新人", "resident", actor_label="test")
        visit, created = attendance.check_in(person, station)
        assert created and visit.id > max(r["id"] for r in written["visit"])
        assert people.find_badge(
            people.badge_payload(badge, app.config["BADGE_KEY"]).split(":")[1]).person == person


def test_failed_migration_leaves_the_database_as_it_was(database, tmp_path):
    """When a migration fails half-way, is everything of that run undone, the earlier good
    migration of the same run included, and does the database still work?"""
    migrate(database)
    written = fill(database)
    before_columns, before_rows = _columns(database), _dump(database, written)
    folder = _directory_with(tmp_path, **{"9001_example_upgrade": EXAMPLE_UPGRADE,
                                          "9002_breaks": FAILING})
    with pytest.raises(RuntimeError, match="fails on purpose"):
        migrate(database, directory=folder)
    assert _columns(database) == before_columns
    assert _dump(database, written) == before_rows
    assert not {"half_done", "person_note"} & set(database.get_tables())
    status = dict(schema_status(database, directory=folder))
    assert not status["9001_example_upgrade"] and not status["9002_breaks"]
    assert all(done for _, done in schema_status(database))
    if not _postgres(database):
        assert database.pragma("foreign_keys") == 1  # switched back on after the run
    find_every_record(database, written)
    # Fixed, the same upgrade then goes through.
    os.remove(os.path.join(folder, "9002_breaks.py"))
    assert migrate(database, directory=folder) == ["9001_example_upgrade"]
    find_every_record(database, written)


@pytest.fixture
def app_for(tmp_path):
    """A context manager: a station app bound to a given database, within a request-free context."""
    import contextlib

    from app import create_app

    @contextlib.contextmanager
    def make(database):
        app = create_app({"TESTING": True, "DEMO_DATA": False,
                          "DATABASE_URL": TEST_DATABASE_URL or "sqlite:///" + database.database},
                         instance_path=str(tmp_path / "instance"))
        with connected(app):
            yield app
        close_database(app.extensions["database"])
        models.db.initialize(database)
    return make
