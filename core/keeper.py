"""Housekeeping that must happen even where no timer was installed (`make run`, Windows).

While the server runs, a background thread looks once an hour: it makes a backup when the
newest one is older than BACKUP_EVERY_HOURS, and closes volunteer shifts left open past
closing time (marked for staff review). The systemd timers in deploy/ do the same on a
Linux tablet; doing it twice is harmless (rotation keeps one backup a day).
"""
import datetime
import logging
import threading

from core import backup, backup_files
from core.attendance import close_all_open_shifts
from models import db, utcnow

log = logging.getLogger("station.keeper")
CHECK_EVERY_SECONDS = 3600


def backup_due(app, now=None):
    """True when backups are on and the newest is missing or older than BACKUP_EVERY_HOURS."""
    hours = app.config["BACKUP_EVERY_HOURS"]
    if hours <= 0:
        return False
    latest = backup_files.latest_backup(app)
    now = now or utcnow()
    return latest is None or now - latest[0] >= datetime.timedelta(hours=hours)


def tick(app, now=None):
    """One round of housekeeping; returns what it did, for the log and the tests."""
    done = {"backup": None, "closed_shifts": 0}
    with app.app_context():
        if backup_due(app, now):
            try:
                path, _manifest, _deleted = backup.backup_and_rotate(app)
                done["backup"] = path
                log.info("backup written: %s", path)
            except Exception:  # a failed backup must not stop the server; /healthz says so
                log.exception("backup failed")
        try:
            with db.connection_context():
                done["closed_shifts"] = len(close_all_open_shifts(now))
        except Exception:
            log.exception("closing open shifts failed")
    return done


def start(app, interval=CHECK_EVERY_SECONDS):
    """Run `tick` now and then every `interval` seconds in a daemon thread; returns the thread."""
    stop = threading.Event()

    def loop():
        while not stop.is_set():
            tick(app)
            stop.wait(interval)

    thread = threading.Thread(target=loop, name="station-keeper", daemon=True)
    thread.stop = stop
    thread.start()
    return thread
