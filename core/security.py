"""Defences shared by both faces: security headers, cookies, rate limits, passwords,
database failures answered clearly, and logs that hold nothing sensitive."""
import logging
import re
import sqlite3

from flask import abort, current_app, jsonify, render_template, request
from flask.sessions import SecureCookieSessionInterface
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from peewee import OperationalError
from core.i18n import _
from core.passwords import hash_password, password_problem, verify_password  # noqa: F401
from models import StaffUser, audit, db

# No inline script or style anywhere: every page's JS and CSS come from static/.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob: mediastream:",
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
])

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(self), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}

# Sent only on responses to HTTPS requests: a station on plain HTTP must stay reachable.
STRICT_TRANSPORT_SECURITY = "max-age=31536000"

limiter = Limiter(key_func=get_remote_address, default_limits=[], storage_uri="memory://",
                  headers_enabled=False)

log = logging.getLogger("station.security")


class WeakPassword(ValueError):
    """A password the policy refuses (core.passwords); the message says why."""


def create_staff(username, role, password, station=None, display_name="", *, actor=None,
                 actor_label=""):
    """Create a staff account with a hashed password; one transaction, audited.

    Raises WeakPassword when the password does not meet the policy.
    """
    problem = password_problem(password, username=username,
                               words=[display_name] + station_words(station))
    if problem:
        raise WeakPassword(problem)
    with db.atomic():
        user = StaffUser.create(username=username, role=role, display_name=display_name,
                                password_hash=hash_password(password), station=station)
        audit("staff.create", actor=actor, actor_label=actor_label, station=station, obj=user,
              after={"username": username, "role": role, "display_name": display_name})
    return user


def station_words(station):
    """Words of the station a password must not be built from: its code and name."""
    if station is None:
        return []
    return [station.code, station.name]


# --- cookies ------------------------------------------------------------------

def cookies_secure():
    """True when cookies must carry Secure: configured so, or this request came over HTTPS."""
    return bool(current_app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, marked Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app):
        """Secure when configured, or when this request arrived over HTTPS."""
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure


def _secure_set_cookies(response):
    """Add the Secure flag to every cookie a view set (the kiosk's device cookie too)."""
    cookies = response.headers.getlist("Set-Cookie")
    if not cookies:
        return
    response.headers.remove("Set-Cookie")
    for cookie in cookies:
        if not re.search(r";\s*secure(;|$)", cookie, re.IGNORECASE):
            cookie += "; Secure"
        response.headers.add("Set-Cookie", cookie)


# --- database failures ---------------------------------------------------------

# What SQLite (and PostgreSQL) say, and which of our messages a person gets for it.
DB_FAILURES = (
    ("busy", ("database is locked", "database table is locked", "database is busy",
              "could not obtain lock", "deadlock detected")),
    ("full", ("database or disk is full", "disk is full", "no space left on device")),
    ("readonly", ("attempt to write a readonly database", "readonly database",
                  "read-only")),
    ("io", ("disk i/o error", "unable to open database file", "i/o error")),
)


def db_failure_kind(error):
    """'busy', 'full', 'readonly', 'io' or 'other' for a database error.

    The error's whole chain is read: after SQLITE_FULL or an I/O error SQLite has already
    rolled the transaction back, so the ROLLBACK that follows fails ("no transaction is
    active") and hides the real cause one link down.
    """
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        text = str(error).lower()
        for kind, needles in DB_FAILURES:
            if any(needle in text for needle in needles):
                return kind
        error = error.__cause__ or error.__context__
    return "other"


def _root_message(error):
    """The messages of the error's chain, joined (for the log)."""
    parts, seen = [], set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        parts.append("%s: %s" % (type(error).__name__, error))
        error = error.__cause__ or error.__context__
    return " <- ".join(parts)


def db_failure_message(kind):
    """What a person is told when the database could not do what they asked."""
    if kind == "busy":
        return _("The station's computer is busy. Nothing was saved from this step; "
                 "please try again in a moment.")
    if kind in ("full", "readonly", "io"):
        return _("The station's computer cannot save right now (its disk is full or "
                 "cannot be written). Nothing was saved from this step and everything "
                 "saved before is safe. Please tell staff.")
    return _("The station's database is not available right now. Nothing was saved from "
             "this step and everything saved before is safe. Please try again in a moment "
             "or tell staff.")


def wants_json():
    """True for the kiosk's API calls and other JSON clients (errors answer in JSON)."""
    return (request.path.startswith("/kiosk/api/") or request.is_json
            or request.accept_mimetypes.best == "application/json")


def _abandon_transaction():
    """Roll back whatever the failed request left open, so nothing half-done is kept."""
    try:
        if not db.is_closed() and db.in_transaction():
            while db.in_transaction():
                db.pop_transaction()
            db.rollback()
    except Exception:  # the database may be gone altogether; the connection closes anyway
        log.warning("rollback after a database failure did not complete")


def handle_database_error(error):
    """A database that is locked, full, read-only or failing: 503 with a clear message."""
    kind = db_failure_kind(error)
    _abandon_transaction()
    # The message of a database error names no values (SQLite/psycopg2 put none in it);
    # the SQL and its parameters are never logged.
    log.error("database failure (%s) on %s %s: %s", kind, request.method, request.path,
              redact(_root_message(error)))
    message = db_failure_message(kind)
    code = "database_busy" if kind == "busy" else "database_unavailable"
    if wants_json():
        response = jsonify(ok=False, error=code, message=message, saved=False)
    else:
        response = current_app.make_response(
            (render_template("errors/error.html", code=503, message=message), 503))
    response.status_code = 503
    response.headers["Retry-After"] = "2" if kind == "busy" else "30"
    return response


# --- logs -----------------------------------------------------------------------

SENSITIVE_PATTERNS = [
    # badge payloads and bare tokens (Crockford base 32)
    re.compile(r"YZ\d+:[0-9A-Za-z]+"),
    re.compile(r"\b[0-9A-HJKMNP-TV-Z]{22}\b"),
    # ID numbers and disability card numbers (18 characters, optionally 2 more digits)
    re.compile(r"\b\d{17}[\dXx](?:\d{2})?\b"),
    # mainland mobile numbers
    re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)"),
    # password fields and query strings, should anything ever log a form or URL
    re.compile(r"(?i)(password|passwd|pw|payload|token|csrf_token)=[^&\s]+"),
    # the one-time code of a kiosk enrollment link (a path: the access log has it)
    re.compile(r"(?<=/kiosk/enroll/)[^\s/?#\"']+"),
]


def redact(text):
    """The text with badge payloads, ID and card numbers, phones and secrets blanked out."""
    for pattern in SENSITIVE_PATTERNS:
        text = pattern.sub(_redacted, text)
    return text


def _redacted(match):
    whole = match.group(0)
    if "=" in whole and not whole.startswith("YZ"):
        return whole.split("=", 1)[0] + "=[redacted]"
    return "[redacted]"


class RedactFilter(logging.Filter):
    """Blank sensitive values out of a log record, its arguments and its traceback."""

    def filter(self, record):
        """Rewrite the record in place; never drop it."""
        try:
            message = record.getMessage()
        except Exception:
            message = str(record.msg)
        record.msg, record.args = redact(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
            record.exc_info = None
        return True


REDACT_FILTER = RedactFilter()

# Loggers whose records might carry request data: the app's, waitress's, ours.
REDACTED_LOGGERS = ("station", "station.security", "station.access", "waitress", "werkzeug",
                    "flask_limiter", "flask_wtf.csrf")


def protect_logs(app):
    """Keep SQL parameters (names, hashes) out of every log; redact the loggers we own."""
    # peewee logs each query with its parameters at DEBUG: names, password hashes, phones.
    logging.getLogger("peewee").setLevel(logging.INFO)
    for name in REDACTED_LOGGERS + (app.logger.name,):
        logger = logging.getLogger(name)
        if REDACT_FILTER not in logger.filters:
            logger.addFilter(REDACT_FILTER)


# --- input no text field may hold ----------------------------------------------------

def _holds_nul(multidict):
    return any("\x00" in key or any("\x00" in value for value in values)
               for key, values in multidict.lists())


def refuse_nul_characters():
    """400 for a NUL character in a query or form field: no person types one, PostgreSQL
    cannot store one (psycopg2 raises ValueError, a 500), and C code may cut text at it."""
    if _holds_nul(request.args):
        abort(400)
    if request.method in ("POST", "PUT", "PATCH") and request.mimetype in (
            "application/x-www-form-urlencoded", "multipart/form-data"):
        if _holds_nul(request.form):
            abort(400)


# --- wiring ---------------------------------------------------------------------

def init_app(app):
    """Headers on every response, Secure cookies over HTTPS, the rate limiter, the database
    failure handler, redacted logs and no NUL characters in form fields."""
    app.config.setdefault("RATELIMIT_ENABLED", True)
    limiter.init_app(app)
    app.session_interface = SessionInterface()
    protect_logs(app)
    app.register_error_handler(OperationalError, handle_database_error)
    app.register_error_handler(sqlite3.OperationalError, handle_database_error)
    app.before_request(refuse_nul_characters)

    @app.after_request
    def _headers(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if request.path.startswith(("/admin", "/kiosk/api")):
            response.headers.setdefault("Cache-Control", "no-store")
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY)
        if cookies_secure():
            _secure_set_cookies(response)
        return response
