"""Fixtures: an app with its own instance folder and database per test (helpers are in
tests/helpers.py).

The suite runs on SQLite by default. With TEST_DATABASE_URL set to a PostgreSQL
server (tests/run.sh starts one), every test gets an emptied database there instead
(tables truncated when the schema is intact, the schema rebuilt when it is not).
"""
import pytest

from app import create_app
from core import clock
from core.database import close_database, migrate
from core.stations import ensure_default_station
from models import db
from tests.helpers import TEST_DATABASE_URL, TEST_NOW, connected, empty_postgres


def pytest_configure(config):
    """Start the station's clock at TEST_NOW for the whole run (it ticks on from there)."""
    clock.set_now(TEST_NOW)


@pytest.fixture
def app(tmp_path):
    """A fresh station server with a migrated, empty database and its default station."""
    config = {"TESTING": True, "RATELIMIT_ENABLED": False, "DEMO_DATA": False,
              "DATABASE_URL": TEST_DATABASE_URL}
    if TEST_DATABASE_URL:
        empty_postgres(TEST_DATABASE_URL)
    application = create_app(config, instance_path=str(tmp_path / "instance"))
    with connected(application):
        migrate()
        ensure_default_station(application)
    yield application
    if not db.is_closed():
        db.close()
    close_database(application.extensions["database"])


@pytest.fixture
def client(app):
    """A test client of the app (no account signed in, no kiosk enrolled)."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A runner for the app's `flask` commands."""
    return app.test_cli_runner()


@pytest.fixture
def ctx(app):
    """An app context with an open connection, for arranging data directly."""
    with connected(app):
        yield app
