"""Housekeeping while the server runs: backups when due, open shifts closed after hours."""
import datetime

import pytest

from core import attendance, backup_files, keeper
from core.stations import default_station
from models import VolunteerShift
from tests.helpers import connected, gen_person


@pytest.mark.sqlite_only  # PostgreSQL backups (pg_dump) are covered in test_backup
def test_backup_made_when_none_or_old_and_not_otherwise(app):
    """Is a backup made when there is none, skipped when a fresh one exists, made when old?"""
    first = keeper.tick(app)
    assert first["backup"] is not None
    with app.app_context():
        made, _path = backup_files.latest_backup(app)
    assert keeper.tick(app)["backup"] is None
    later = made + datetime.timedelta(hours=app.config["BACKUP_EVERY_HOURS"], minutes=1)
    assert keeper.tick(app, now=later)["backup"] is not None
    app.config["BACKUP_EVERY_HOURS"] = 0
    assert keeper.backup_due(app, now=later + datetime.timedelta(days=30)) is False


def test_open_shift_closed_after_closing_time(app):
    """Does the keeper close a shift left open overnight and mark it for review?"""
    app.config["BACKUP_EVERY_HOURS"] = 0
    with connected(app):
        station = default_station()
        volunteer, _ = gen_person("volunteer")
        day = attendance.local_date(station) - datetime.timedelta(days=1)
        started = attendance.local_to_utc(station, day, datetime.time(9, 0))
        shift, _ = attendance.start_shift(volunteer, station, at=started)
    done = keeper.tick(app)
    assert done["closed_shifts"] == 1
    with connected(app):
        stored = VolunteerShift.get_by_id(shift.id)
        assert stored.auto_closed and stored.ended_at is not None
        assert stored.minutes == 12 * 60  # 09:00 to the 21:00 closing time
