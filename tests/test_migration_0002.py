"""Upgrading to schema 2 on a database that simultaneous scans already filled with duplicates:
every duplicate is resolved in the audit log, nothing is deleted, and from then on the
database refuses a second check-in, check-out or open shift."""
import datetime

import peewee
import pytest
from peewee import IntegrityError

import models
from core.database import make_database, migrate
from tests.helpers import TEST_DATABASE_URL, reset_postgres

T0 = datetime.datetime(2025, 3, 3, 1, 0, 0)


@pytest.fixture
def database(tmp_path):
    """An empty database of the kind under test, at schema version 1."""
    if TEST_DATABASE_URL:
        reset_postgres(TEST_DATABASE_URL)
        database = make_database(TEST_DATABASE_URL, str(tmp_path))
    else:
        database = make_database("", str(tmp_path))
    database.connect()
    migrate(database, target="0001_initial")
    models.db.initialize(database)
    yield database
    database.close()
    if TEST_DATABASE_URL:
        reset_postgres(TEST_DATABASE_URL)


def insert(database, table, **values):
    param = database.param
    sql = 'INSERT INTO "%s" (%s) VALUES (%s)' % (
        table, ", ".join('"%s"' % c for c in values), ", ".join([param] * len(values)))
    params = [str(v) if isinstance(v, (datetime.date, datetime.datetime)) else v
              for v in values.values()]
    if isinstance(database, peewee.SqliteDatabase):
        return database.execute_sql(sql, params).lastrowid
    return database.execute_sql(sql + " RETURNING id", params).fetchone()[0]


def test_upgrade_resolves_duplicates_and_then_refuses_them(database):
    """Are doubled check-ins and check-outs voided (the first scan kept), a doubled open shift
    voided and an old forgotten one closed for review, each audited; and does the upgraded
    database refuse new duplicates while still taking a check-in after a void?"""
    station = insert(database, "station", code="S1", name="驿站", timezone="Asia/Shanghai",
                     address="", organisation="", person_in_charge="", contact_phone="",
                     language="zh", closing_time="21:00:00", created_at=T0)
    person = {}
    for kind in ("resident", "volunteer"):
        person[kind] = insert(database, "person", station_id=station, kind=kind, name=kind,
                              sex="", phone="", address="", guardian_name="", guardian_phone="",
                              notes="", skills="", volunteer_number="", id_type="",
                              id_number="", disability_card="", disability_card_raw="",
                              active=True, created_at=T0)
    day = datetime.date(2025, 3, 3)
    visit = dict(station_id=station, person_id=person["resident"], local_date=day,
                 source="scanner", recorded_at=T0, void_reason="")
    first_in = insert(database, "visit", kind="check_in", at=T0, client_id="a1", **visit)
    second_in = insert(database, "visit", kind="check_in", at=T0 + datetime.timedelta(
        milliseconds=3), client_id="b1", **visit)
    first_out = insert(database, "visit", kind="check_out", at=T0 + datetime.timedelta(hours=1),
                       client_id="a2", **visit)
    second_out = insert(database, "visit", kind="check_out", client_id="b2",
                        at=T0 + datetime.timedelta(hours=1, milliseconds=2), **visit)
    shift = dict(station_id=station, volunteer_id=person["volunteer"], content="", place="",
                 organiser="", status="pending", auto_closed=False, source="scanner",
                 recorded_at=T0, void_reason="")
    forgotten = insert(database, "volunteer_shift", started_at=T0 - datetime.timedelta(days=2),
                       local_date=day - datetime.timedelta(days=2), client_id="s0", **shift)
    racer = insert(database, "volunteer_shift", started_at=T0, local_date=day, client_id="s1",
                   **shift)
    kept = insert(database, "volunteer_shift", started_at=T0 + datetime.timedelta(
        milliseconds=5), local_date=day, client_id="s2", **shift)

    assert migrate(database) == ["0002_hardening"]

    from models import AuditLog, Visit, VolunteerShift
    assert Visit.select().count() == 4  # nothing deleted
    live = {v.id for v in Visit.select().where(Visit.voided_at.is_null())}
    assert live == {first_in, first_out}
    for voided in (second_in, second_out):
        assert "duplicate" in Visit.get_by_id(voided).void_reason
    assert VolunteerShift.get_by_id(kept).ended_at is None
    assert VolunteerShift.get_by_id(racer).status == "voided"
    old = VolunteerShift.get_by_id(forgotten)
    assert old.ended_at == old.started_at and old.minutes == 0 and old.auto_closed
    actions = sorted((a.action, a.object_id) for a in AuditLog.select())
    assert actions == sorted([("visit.void", second_in), ("visit.void", second_out),
                              ("shift.void", racer), ("shift.auto_close", forgotten)])
    assert {a.actor_label for a in AuditLog.select()} == {"upgrade"}

    with pytest.raises(IntegrityError), database.atomic():
        insert(database, "visit", kind="check_in", at=T0, client_id="c1", **visit)
    with pytest.raises(IntegrityError), database.atomic():
        insert(database, "visit", kind="check_out", at=T0, client_id="c2", **visit)
    with pytest.raises(IntegrityError), database.atomic():
        insert(database, "volunteer_shift", started_at=T0, local_date=day, client_id="s3",
               **shift)
    # A void frees the day: staff may void a wrong check-in and add the right one.
    Visit.update(voided_at=T0, void_reason="wrong person").where(Visit.id == first_in).execute()
    insert(database, "visit", kind="check_in", at=T0, client_id="c3", **visit)
