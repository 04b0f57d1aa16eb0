"""Staff accounts: create, change role or name, reset a password, unlock, deactivate."""
import re

from flask import abort, flash, g, redirect, render_template, request, session, url_for

from core import signin, staff as accounts
from core.i18n import _
from core.security import WeakPassword, create_staff, password_problem, station_words
from models import ROLES, StaffUser
from station_admin.blueprint import bp
from station_admin.auth import current_station, permission_required
from station_admin.roles import can

USERNAME_RE = re.compile(r"^[A-Za-z0-9._-]{3,64}$")


def assignable_roles():
    """Roles the signed-in account may give: only a district admin makes district admins."""
    return [r for r in ROLES if r != "district_admin" or can(g.user.role, "all_stations")]


def _account(user_id):
    account = StaffUser.get_or_none(StaffUser.id == user_id)
    if account is None:
        abort(404)
    if not can(g.user.role, "all_stations"):
        if account.station_id != g.user.station_id or account.role == "district_admin":
            abort(404)
    return account


def _accounts(station):
    query = StaffUser.select().order_by(StaffUser.active.desc(), StaffUser.username)
    if not can(g.user.role, "all_stations"):
        query = query.where(StaffUser.station == station)
    return list(query)


def _check_password(password, username, display_name, station, errors):
    """Add the policy's objection to a new password, if any, to the form's errors."""
    problem = password_problem(password, username=username,
                               words=[display_name] + station_words(station))
    if problem:
        errors.append(problem)


def _render(errors=(), form=None, status=200, template="staff.html", **extra):
    station = current_station()
    listed = _accounts(station)
    waits = {a.id: signin.lockouts(a) for a in listed if a.active}
    return render_template("station_admin/" + template, station=station, accounts=listed,
                           waits={k: v[0] for k, v in waits.items() if v},
                           roles=assignable_roles(), errors=list(errors), form=form or {},
                           **extra), status


@bp.route("/staff")
@permission_required("manage_staff")
def staff():
    """Every staff account of the station."""
    return _render()[0]


@bp.route("/staff/add", methods=["POST"])
@permission_required("manage_staff")
def staff_add():
    """Create an account with a first password (the person changes it by asking again)."""
    form = request.form
    errors = []
    username = form.get("username", "").strip()
    display_name = form.get("display_name", "").strip()
    role = form.get("role", "")
    password = form.get("password", "")
    if not USERNAME_RE.match(username):
        errors.append(_("The user name must have 3 to 64 letters, digits, dots, dashes or "
                        "underscores."))
    elif StaffUser.get_or_none(StaffUser.username == username) is not None:
        errors.append(_("This user name is taken."))
    if len(display_name) > 50:
        errors.append(_("The name is too long (at most 50 characters)."))
    if role not in assignable_roles():
        errors.append(_("Please choose a role."))
    station = None if role == "district_admin" else current_station()
    _check_password(password, username, display_name, station, errors)
    if errors:
        return _render(errors, form, 422)
    try:
        create_staff(username, role, password, station, display_name, actor=g.user)
    except WeakPassword as weak:
        return _render([str(weak)], form, 422)
    flash(_("The account “%(name)s” is created.", name=username))
    return redirect(url_for("station_admin.staff"))


@bp.route("/staff/<int:user_id>", methods=["GET", "POST"])
@permission_required("manage_staff")
def staff_edit(user_id):
    """Change an account's name or role, or give it a new password."""
    account = _account(user_id)
    if request.method == "GET":
        return _render(template="staff_edit.html", account=account,
                       form={"display_name": account.display_name, "role": account.role})[0]
    form = request.form
    errors = []
    display_name = form.get("display_name", "").strip()
    role = form.get("role", "")
    password = form.get("password", "")
    if len(display_name) > 50:
        errors.append(_("The name is too long (at most 50 characters)."))
    if role not in assignable_roles():
        errors.append(_("Please choose a role."))
    if account.id == g.user.id and role != account.role:
        errors.append(_("You cannot change your own role; ask another administrator."))
    if password:
        _check_password(password, account.username, display_name, account.station, errors)
    if errors:
        return _render(errors, form, 422, template="staff_edit.html", account=account)
    try:
        changed = accounts.update_account(
            account, actor=g.user, display_name=display_name, role=role, password=password,
            station=current_station(),
            keep_session=session.get("sid") if account.id == g.user.id else None)
    except WeakPassword as weak:
        return _render([str(weak)], form, 422, template="staff_edit.html", account=account)
    if changed:
        flash(_("The account is saved."))
    return redirect(url_for("station_admin.staff"))


@bp.route("/staff/<int:user_id>/unlock", methods=["POST"])
@permission_required("manage_staff")
def staff_unlock(user_id):
    """Let every address try the account again at once (after too many wrong passwords)."""
    account = _account(user_id)
    if signin.lift_lockouts(account, actor=g.user):
        flash(_("“%(name)s” can sign in again from every device.", name=account.username))
    return redirect(url_for("station_admin.staff"))


@bp.route("/staff/<int:user_id>/active", methods=["POST"])
@permission_required("manage_staff")
def staff_active(user_id):
    """Deactivate an account (signed out at once, cannot sign in) or reactivate it."""
    account = _account(user_id)
    active = request.form.get("active") == "1"
    if account.id == g.user.id and not active:
        flash(_("You cannot deactivate your own account."))
        return redirect(url_for("station_admin.staff"))
    if accounts.set_active(account, active, actor=g.user):
        flash(_("“%(name)s” can sign in again.", name=account.username) if active
              else _("“%(name)s” is deactivated and can no longer sign in.",
                     name=account.username))
    return redirect(url_for("station_admin.staff"))
