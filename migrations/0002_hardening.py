"""Schema version 2: the database refuses duplicates; sign-in sessions and throttles; each
station's own choices about the shared service catalogue.

- One check-in and one check-out a day per person, one open shift per volunteer: partial
  unique indexes (void rows and ended shifts do not count). Duplicates that simultaneous
  scans left in a PostgreSQL database are resolved first, each in the audit log:
  a later duplicate visit is voided; of a volunteer's open shifts the newest stays open,
  an older one started within ten minutes of it is voided as a duplicate, any other is
  closed at its start and marked for staff review (like a shift closed at closing time).
- staff_session: a signed-in browser, ended at sign-out (the cookie holds only its id).
- login_throttle: wrong passwords per user name and address, expiring; it replaces the
  permanent lock (staff_user.locked_at is dropped).
- station_service: a station's own order and "offered here" for shared catalogue entries.
"""
import datetime
import json

from peewee import *

from core.clock import utcnow

DUPLICATE_REASON = "重复记录：同时扫码产生，升级时作废 (duplicate from simultaneous scans)"
REVIEW_REASON = "older open shift closed at upgrade for staff review"
DUPLICATE_WINDOW = datetime.timedelta(minutes=10)


def _time(value):
    """A timestamp as the driver returns it (SQLite: text) as a datetime."""
    if isinstance(value, str):
        return datetime.datetime.fromisoformat(value)
    return value


def _audit(db, now, action, station_id, object_type, object_id, before, after, detail):
    p = db.param
    db.execute_sql(
        'INSERT INTO "audit_log" ("at", "actor_label", "station_id", "action", "object_type", '
        '"object_id", "before", "after", "detail") VALUES (%s)' % ", ".join([p] * 9),
        (now, "upgrade", station_id, action, object_type, object_id,
         json.dumps(before), json.dumps(after), detail))


def _void_duplicate_visits(db, now):
    p = db.param
    groups = db.execute_sql(
        'SELECT "person_id", "local_date", "kind" FROM "visit" WHERE "voided_at" IS NULL '
        'AND "kind" IN (\'check_in\', \'check_out\') '
        'GROUP BY "person_id", "local_date", "kind" HAVING COUNT(*) > 1').fetchall()
    for person_id, local_date, kind in groups:
        rows = db.execute_sql(
            'SELECT "id", "station_id", "at" FROM "visit" WHERE "voided_at" IS NULL AND '
            '"person_id" = %s AND "local_date" = %s AND "kind" = %s' % (p, p, p),
            (person_id, local_date, kind)).fetchall()
        rows.sort(key=lambda r: (_time(r[2]), r[0]))
        for visit_id, station_id, _at in rows[1:]:  # the first scan stays
            db.execute_sql('UPDATE "visit" SET "voided_at" = %s, "void_reason" = %s '
                           'WHERE "id" = %s' % (p, p, p), (now, DUPLICATE_REASON, visit_id))
            _audit(db, now, "visit.void", station_id, "Visit", visit_id, {"voided": False},
                   {"voided": True}, DUPLICATE_REASON)


def _resolve_open_shifts(db, now):
    p = db.param
    volunteers = db.execute_sql(
        'SELECT "volunteer_id" FROM "volunteer_shift" WHERE "ended_at" IS NULL AND '
        '"status" <> \'voided\' GROUP BY "volunteer_id" HAVING COUNT(*) > 1').fetchall()
    for (volunteer_id,) in volunteers:
        rows = db.execute_sql(
            'SELECT "id", "station_id", "started_at", "status" FROM "volunteer_shift" '
            'WHERE "ended_at" IS NULL AND "status" <> \'voided\' AND "volunteer_id" = %s' % p,
            (volunteer_id,)).fetchall()
        rows.sort(key=lambda r: (_time(r[2]), r[0]))
        newest_start = _time(rows[-1][2])
        for shift_id, station_id, started_at, status in rows[:-1]:  # the newest stays open
            if newest_start - _time(started_at) <= DUPLICATE_WINDOW:
                db.execute_sql('UPDATE "volunteer_shift" SET "status" = \'voided\', '
                               '"voided_at" = %s, "void_reason" = %s WHERE "id" = %s'
                               % (p, p, p), (now, DUPLICATE_REASON, shift_id))
                _audit(db, now, "shift.void", station_id, "VolunteerShift", shift_id,
                       {"voided": False, "status": status},
                       {"voided": True, "status": "voided"}, DUPLICATE_REASON)
            else:
                db.execute_sql('UPDATE "volunteer_shift" SET "ended_at" = "started_at", '
                               '"minutes" = 0, "auto_closed" = %s WHERE "id" = %s' % (p, p),
                               (True, shift_id))
                _audit(db, now, "shift.auto_close", station_id, "VolunteerShift", shift_id,
                       None, {"ended_at": str(started_at), "minutes": 0}, REVIEW_REASON)


def up(migrator, db):
    now = str(utcnow())  # as peewee writes a timestamp (both databases read it)
    _void_duplicate_visits(db, now)
    _resolve_open_shifts(db, now)
    db.execute_sql('CREATE UNIQUE INDEX "visit_one_check_in_a_day" ON "visit" '
                   '("person_id", "local_date") '
                   'WHERE "kind" = \'check_in\' AND "voided_at" IS NULL')
    db.execute_sql('CREATE UNIQUE INDEX "visit_one_check_out_a_day" ON "visit" '
                   '("person_id", "local_date") '
                   'WHERE "kind" = \'check_out\' AND "voided_at" IS NULL')
    db.execute_sql('CREATE UNIQUE INDEX "volunteer_shift_one_open" ON "volunteer_shift" '
                   '("volunteer_id") WHERE "ended_at" IS NULL AND "status" <> \'voided\'')

    migrator.migrate(migrator.drop_column("staff_user", "locked_at"))

    class Station(Model):
        class Meta:
            database = db
            table_name = "station"

    class StaffUser(Model):
        class Meta:
            database = db
            table_name = "staff_user"

    class Service(Model):
        class Meta:
            database = db
            table_name = "service"

    class StaffSession(Model):
        user = ForeignKeyField(StaffUser, on_delete="CASCADE")
        token_hash = CharField(unique=True, max_length=64)
        created_at = DateTimeField()
        expires_at = DateTimeField(index=True)
        ended_at = DateTimeField(null=True)

        class Meta:
            database = db
            table_name = "staff_session"

    class LoginThrottle(Model):
        account_key = CharField(index=True, max_length=64)
        address_key = CharField(max_length=64)
        failures = IntegerField(default=0)
        last_failure_at = DateTimeField(index=True)
        locked_until = DateTimeField(null=True)

        class Meta:
            database = db
            table_name = "login_throttle"
            indexes = ((("account_key", "address_key"), True),)

    class StationService(Model):
        station = ForeignKeyField(Station, on_delete="CASCADE")
        service = ForeignKeyField(Service, on_delete="CASCADE")
        active = BooleanField(default=True)
        sort_order = IntegerField(default=0)

        class Meta:
            database = db
            table_name = "station_service"
            indexes = ((("station", "service"), True),)

    db.create_tables([StaffSession, LoginThrottle, StationService])
