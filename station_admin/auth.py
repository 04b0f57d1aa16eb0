"""Signing in and out, and the decorator that checks every admin route against the role table."""
import functools

from flask import (abort, current_app, flash, g, redirect, render_template, request, session,
                   url_for)

from core.i18n import _
from core.security import limiter, verify_password
from models import Station, StaffUser, audit, db, default_station, utcnow
from station_admin import bp
from station_admin.roles import can, role_label


@bp.before_app_request
def load_user():
    """Put the signed-in staff account, if any, on g.user."""
    g.user = None
    user_id = session.get("staff_id")
    if user_id is not None and request.path.startswith("/admin"):
        user = StaffUser.get_or_none(StaffUser.id == user_id)
        if user is not None and user.active and session.get("pw") == user.password_hash[-16:]:
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


def _safe_next(target):
    if target and target.startswith("/admin") and not target.startswith("//"):
        return target
    return url_for("station_admin.today")


def _login_limit():
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    """Sign in with a user name and password."""
    error = None
    if request.method == "POST":
        username = request.form.get("username", "").strip()[:64]
        password = request.form.get("password", "")[:200]
        user = StaffUser.get_or_none(StaffUser.username == username)
        if user is not None and user.locked_at is not None:
            error = _("This account is locked after too many wrong passwords. "
                      "An administrator can unlock it.")
        elif user is None or not user.active or not verify_password(user.password_hash,
                                                                     password):
            error = _("Wrong user name or password.")
            if user is not None:
                with db.atomic():
                    user.failed_logins += 1
                    if user.failed_logins >= current_app.config["LOGIN_MAX_FAILURES"]:
                        user.locked_at = utcnow()
                        audit("staff.locked", actor_label="login", station=user.station_id,
                              obj=user, detail="%d failed logins" % user.failed_logins)
                    user.save()
        else:
            with db.atomic():
                user.failed_logins = 0
                user.last_login_at = utcnow()
                user.save()
                audit("staff.login", actor=user, station=user.station_id, obj=user)
            session.clear()
            session["staff_id"] = user.id
            session["pw"] = user.password_hash[-16:]  # a password change signs out everywhere
            session.permanent = True
            return redirect(_safe_next(request.args.get("next")))
        return render_template("station_admin/login.html", error=error), 401
    return render_template("station_admin/login.html", error=error)


@bp.route("/logout", methods=["POST"])
def logout():
    """Sign out."""
    if g.user is not None:
        with db.atomic():
            audit("staff.logout", actor=g.user, station=g.user.station_id, obj=g.user)
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("You are signed out."))
    return redirect(url_for("station_admin.login"))
