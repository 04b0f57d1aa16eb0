"""/healthz: is the station server well? The database, free disk, the age of the last backup.

Answers JSON ``{"ok": true|false, "problems": [...], "checks": {...}}`` with HTTP 200 when
all is well and 503 otherwise; each problem is a sentence saying what is wrong and what to
do. It holds no personal data, and it answers even when the database does not, so it runs
before the per-request database connection is opened.
"""
import os
import shutil

from flask import Blueprint, current_app, jsonify, request

from core import backup_files, dbcheck
from core.i18n import _
from models import utcnow

bp = Blueprint("health", __name__)
PATH = "/healthz"


def database_problem(app):
    """A sentence when the database is missing, empty, damaged or does not answer, else None."""
    problem = dbcheck.health_problem(app)  # names the backup to restore
    if problem:
        return problem
    database = app.extensions["database"]
    try:
        with database.connection_context():
            database.execute_sql("SELECT 1").fetchone()
    except Exception:  # any driver error means the same thing to the station
        return _("The database does not answer. Check that the station's disk and database "
                 "server are working; if this stays, call the person who looks after the "
                 "system.")
    return None


def disk_problem(app, checks):
    """A sentence when free disk is below MIN_FREE_DISK_MB, else None."""
    folder = os.path.abspath(backup_files.backup_dir(app))
    while not os.path.exists(folder) and os.path.dirname(folder) != folder:
        folder = os.path.dirname(folder)  # the backup folder may not exist yet
    usage = shutil.disk_usage(folder)
    free_mb = usage.free // (1024 * 1024)
    minimum = app.config["MIN_FREE_DISK_MB"]
    checks["free_disk_mb"] = free_mb
    if free_mb < minimum:
        return _("Only %(free)d MB of disk space is left (at least %(minimum)d MB are needed). "
                 "Copy old backups to a USB stick and delete them from the tablet.",
                 free=free_mb, minimum=minimum)
    return None


def backup_problem(app, checks):
    """A sentence when there is no backup or the newest is too old, else None."""
    latest = backup_files.latest_backup(app)
    limit = app.config["BACKUP_MAX_AGE_HOURS"]
    if latest is None:
        checks["last_backup_age_hours"] = None
        return _("No backup has been made yet. Run the backup command or check the backup "
                 "timer.")
    age_hours = (utcnow() - latest[0]).total_seconds() / 3600
    checks["last_backup_age_hours"] = round(age_hours, 1)
    if age_hours > limit:
        return _("The last backup is %(hours)d hours old (it should be at most %(limit)d). "
                 "Check that the backup timer runs and that the backup folder can be written.",
                 hours=int(age_hours), limit=limit)
    return None


def report(app=None):
    """(ok, problems, checks) of the server, now."""
    app = app or current_app
    checks = {}
    problems = []
    problem = database_problem(app)
    checks["database"] = "error" if problem else "ok"
    for found in (problem, disk_problem(app, checks), backup_problem(app, checks)):
        if found:
            problems.append(found)
    return not problems, problems, checks


def _answer_first():
    """Answer /healthz before anything else of the request runs (the database may be down)."""
    if request.path == PATH and request.method in ("GET", "HEAD"):
        ok, problems, checks = report()
        response = jsonify(ok=ok, problems=problems, checks=checks)
        response.status_code = 200 if ok else 503
        response.headers["Cache-Control"] = "no-store"
        return response
    return None


@bp.record_once
def _install(state):
    state.app.before_request_funcs.setdefault(None, []).insert(0, _answer_first)


@bp.route(PATH)
def healthz():
    """Reached only when the early answer was skipped (never in practice)."""
    ok, problems, checks = report()
    return jsonify(ok=ok, problems=problems, checks=checks), (200 if ok else 503)
