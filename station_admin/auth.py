"""Signing in and out, and the decorator that checks every admin route against the role table."""
import functools
import re
from urllib.parse import urlsplit

from flask import (abort, current_app, flash, g, redirect, render_template, request, session,
                   url_for)

from core import signin
from core.i18n import _
from core.security import limiter
from core.stations import default_station
from models import Station
from station_admin.blueprint import bp
from station_admin.roles import can, role_label


@bp.before_app_request
def load_user():
    """Put the signed-in staff account, if any, on g.user (its session must still be open)."""
    g.user = None
    token = session.get("sid")
    if token is not None and request.path.startswith("/admin"):
        user = signin.session_user(token)
        if user is not None:
            g.user = user
            if user.language:
                g.preferred_lang = user.language


@bp.app_context_processor
def inject_user():
    return {"user": g.get("user"), "can": lambda p: g.get("user") is not None
            and can(g.user.role, p), "role_label": role_label}


def current_station():
    """The station the signed-in account works for (a district admin may choose with ?station=)."""
    if g.get("user") is not None and g.user.station_id is None:
        code = request.values.get("station")
        if code:
            station = Station.get_or_none(Station.code == code)
            if station is not None:
                return station
        return default_station()
    return g.user.station if g.get("user") is not None else default_station()


def check_station(station_id):
    """404 unless the signed-in account may see records of this station."""
    if g.user.station_id is not None and station_id is not None \
            and station_id != g.user.station_id:
        abort(404)


def permission_required(permission):
    """Require a signed-in account whose role holds `permission` (see roles.PERMISSIONS)."""
    def decorator(view):
        view.permission = permission

        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if g.user is None:
                return redirect(url_for("station_admin.login", next=request.full_path))
            if not can(g.user.role, permission):
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorator


# A path inside the admin view: printable ASCII only (no CR/LF for a header, no backslash
# that a browser reads as a slash), no scheme, no host.
_NEXT_RE = re.compile(r"^/admin(?:[/?#][\x21-\x5b\x5d-\x7e]*)?$")


def _safe_next(target):
    if target and _NEXT_RE.match(target) and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("station_admin.today")


def _login_limit():
    return current_app.config["LOGIN_RATE_LIMIT"]


def _refusal(refused):
    """What the sign-in page says: the same words for every user name, known or not."""
    if refused.code == "wait":
        return _("Too many wrong passwords for this user name from this device. Please wait "
                 "%(minutes)d minutes, then try again, or ask an administrator.",
                 minutes=refused.minutes)
    return _("Wrong user name or password.")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    """Sign in with a user name and password."""
    error = None
    if request.method == "POST":
        username = request.form.get("username", "").strip()[:64]
        password = request.form.get("password", "")[:200]
        try:
            user, token = signin.sign_in(username, password, request.remote_addr)
        except signin.SignInRefused as refused:
            return render_template("station_admin/login.html", error=_refusal(refused)), 401
        lang = session.get("lang")
        session.clear()
        session["sid"] = token
        if lang:
            session["lang"] = lang
        session.permanent = True
        return redirect(_safe_next(request.args.get("next")))
    return render_template("station_admin/login.html", error=error)


@bp.route("/logout", methods=["POST"])
def logout():
    """Sign out: the session ends on the server, so a copy of the cookie opens nothing."""
    if g.user is not None:
        signin.sign_out(g.user, session.get("sid"))
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("You are signed out."))
    return redirect(url_for("station_admin.login"))
