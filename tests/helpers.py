"""What every test module shares (fixtures are in conftest.py): the suite's clock and
database, arranging rows directly (`with connected(app):`), people and staff accounts, signing
in, CSRF tokens and enrolled kiosks."""
import contextlib
import datetime
import itertools
import os
import re
import uuid

from peewee import sort_models
from playhouse.migrations import Migration

import models
from core import clock, people
from core.database import SCHEMA_DIR, make_database
from core.kiosk_auth import new_enrollment
from core.security import hash_password
from core.stations import default_station
from models import StaffUser, db

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
PASSWORD = "correct horse battery"
# The suite's "now" (UTC): a fixed moment, never the day the suite happens to run. TEST_NOW
# moves it (e.g. TEST_NOW=2026-01-31T15:30:00, 23:30 on the 31st in Chongqing) to check that
# no test depends on the date.
TEST_NOW = datetime.datetime.fromisoformat(os.environ.get("TEST_NOW") or "2026-06-17T02:00:00")


def local_today():
    """The test station's day now (Asia/Shanghai), by the station's clock."""
    now = clock.utcnow().replace(tzinfo=datetime.timezone.utc)
    return now.astimezone(clock.zone(None)).date()


@contextlib.contextmanager
def connected(app):
    """An app context with an open connection, to arrange or inspect rows directly."""
    with app.app_context(), db.connection_context():
        yield app


# --- the PostgreSQL test database ----------------------------------------------------------

def reset_postgres(url):
    """Drop everything in the PostgreSQL test database."""
    database = make_database(url, "/tmp")
    database.connect()
    database.execute_sql("DROP SCHEMA public CASCADE")
    database.execute_sql("CREATE SCHEMA public")
    database.close()


def empty_postgres(url):
    """Empty the PostgreSQL test database, keeping its schema when it is fully migrated.

    Emptying the tables is much faster than migrating again for every test; a schema
    that is not exactly the migrated one (a test dropped or changed it) is dropped.
    """
    database = make_database(url, "/tmp")
    database.connect()
    try:
        tables = set(database.get_tables())
        expected = {m._meta.table_name for m in models.MODELS} | {"schema_migration"}
        migrations = {m.name for m in Migration.load_directory(SCHEMA_DIR)}
        if tables == expected and migrations == {row[0] for row in database.execute_sql(
                "SELECT name FROM schema_migration")}:
            # DELETE beats TRUNCATE on tables this small; children first, then the ids restart.
            with database.atomic():
                for model in reversed(sort_models(models.MODELS)):
                    table = model._meta.table_name
                    database.execute_sql('DELETE FROM "%s"' % table)
                    database.execute_sql("SELECT setval(pg_get_serial_sequence('\"%s\"', 'id'), "
                                         "1, false)" % table)
            return
    finally:
        database.close()
    reset_postgres(url)


# --- people and accounts -------------------------------------------------------------------

_counter = itertools.count(1)


def gen_person(kind="resident", name=None, station=None):
    """A person with a badge; returns (person, payload)."""
    station = station or default_station()
    name = name or "测试%s%d" % ({"resident": "居民", "volunteer": "志愿者"}.get(kind, "员"),
                                 next(_counter))
    person, badge = people.add_person(station, name, kind, actor_label="test")
    return person, people.badge_payload(badge)


_PASSWORD_HASH = []  # scrypt is slow on purpose: hash the one test password once


def gen_user(role="admin", username=None, station=None):
    """A staff account with the password PASSWORD."""
    station = station if station is not None else (None if role == "district_admin"
                                                   else default_station())
    return StaffUser.create(username=username or "%s-%s" % (role, uuid.uuid4().hex[:6]),
                            role=role, password_hash=_password_hash(), station=station)


def _password_hash():
    if not _PASSWORD_HASH:
        _PASSWORD_HASH.append(hash_password(PASSWORD))
    return _PASSWORD_HASH[0]


# --- signing in and forms ------------------------------------------------------------------

def csrf_token(client, path="/admin/login"):
    """Fetch a page and return the CSRF token from its form."""
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on %s" % path
    return match.group(1)


def csrf_token_meta(client, path):
    """The CSRF token a kiosk page hands to its script (data-csrf attribute)."""
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'data-csrf="([^"]+)"', html)
    assert match, "no CSRF token on %s" % path
    return match.group(1)


def login_as(client, user, password=PASSWORD):
    """Sign in through the login form; returns the response."""
    token = csrf_token(client)
    return client.post("/admin/login", data={"username": user.username, "password": password,
                                             "csrf_token": token})


def sign_in(app, client, role="admin"):
    """A new account of `role` (of the default station), signed in on `client`; the account."""
    with connected(app):
        user = gen_user(role)
    assert login_as(client, user).status_code == 302
    return user


def enroll_kiosk(app, client, name="前台平板"):
    """Enroll the test client as a kiosk device; returns (device, csrf token for the API)."""
    with connected(app):
        device, code = new_enrollment(name, default_station())
    token = csrf_token(client, "/kiosk/enroll/%s" % code)
    response = client.post("/kiosk/enroll/%s" % code, data={"csrf_token": token})
    assert response.status_code == 302
    token = csrf_token_meta(client, "/kiosk/")
    return device, token
