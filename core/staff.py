"""Staff accounts: the one place that changes them (name, role, password, active), audited.

Creating an account is ``core.security.create_staff``; lifting sign-in waits is
``core.signin.lift_lockouts``.
"""
from core import audited, signin
from core.security import WeakPassword, hash_password, password_problem, station_words
from models import StaffUser, db


def update_account(account, *, actor, display_name, role, password="", station=None,
                   keep_session=None):
    """Change an account's shown name, role (with its station) and/or password.

    ``station``: the station a non-district role works for (the account's own is kept when
    it has one). A new password (its hash never logged) ends every session of the account
    but ``keep_session`` (the actor's own, when they change their own password). Returns the
    changed fields; raises WeakPassword. One transaction, audited.
    """
    if password:
        problem = password_problem(password, username=account.username,
                                   words=[display_name] + station_words(account.station))
        if problem:
            raise WeakPassword(problem)
    with db.atomic():
        account = StaffUser.get_by_id(account.id)
        changes = {"display_name": display_name, "role": role}
        if role != account.role:
            if role == "district_admin":
                changes["station"] = None
            elif account.station_id is None:
                changes["station"] = station
        if password:
            changes["password_hash"] = hash_password(password)
        changed = audited.update(account, changes, action="staff.update", actor=actor,
                                 hide=("password_hash",))
        if "password_hash" in changed:
            signin.end_sessions(account, keep=keep_session)
    return changed


def set_active(account, active, *, actor):
    """Deactivate an account (its sessions end at once) or reactivate it; True if changed."""
    with db.atomic():
        account = StaffUser.get_by_id(account.id)
        if account.active == active:
            return False
        audited.update(account, {"active": active}, actor=actor,
                       action="staff.reactivate" if active else "staff.deactivate")
        if not active:
            signin.end_sessions(account)
    return True


__all__ = ["update_account", "set_active", "WeakPassword"]
