"""Staff accounts: the one place that changes them (name, role, password, active), audited.

Creating an account is ``core.security.create_staff``; lifting sign-in waits is
``core.signin.lift_lockouts``.
"""
from core import signin
from core.security import WeakPassword, hash_password, password_problem, station_words
from models import StaffUser, audit, db


def update_account(account, *, actor, display_name, role, password="", station=None,
                   keep_session=None):
    """Change an account's shown name, role (with its station) and/or password.

    ``station``: the station a non-district role works for (the account's own is kept when
    it has one). A new password ends every session of the account but ``keep_session``
    (the actor's own, when they change their own password). Returns the changed fields;
    raises WeakPassword. One transaction, audited.
    """
    if password:
        problem = password_problem(password, username=account.username,
                                   words=[display_name] + station_words(account.station))
        if problem:
            raise WeakPassword(problem)
    with db.atomic():
        account = StaffUser.get_by_id(account.id)
        before, after = {}, {}
        if display_name != account.display_name:
            before["display_name"], after["display_name"] = account.display_name, display_name
            account.display_name = display_name
        if role != account.role:
            before["role"], after["role"] = account.role, role
            account.role = role
            if role == "district_admin":
                account.station = None
            elif account.station_id is None:
                account.station = station
        if password:
            before["password"], after["password"] = "(old)", "(new)"
            account.password_hash = hash_password(password)
        if after:
            account.save()
            if password:
                signin.end_sessions(account, keep=keep_session)
            audit("staff.update", actor=actor, station=account.station_id, obj=account,
                  before=before, after=after)
    return after


def set_active(account, active, *, actor):
    """Deactivate an account (its sessions end at once) or reactivate it; True if changed."""
    with db.atomic():
        account = StaffUser.get_by_id(account.id)
        if account.active == active:
            return False
        account.active = active
        account.save()
        if not active:
            signin.end_sessions(account)
        audit("staff.reactivate" if active else "staff.deactivate", actor=actor,
              station=account.station_id, obj=account, before={"active": not active},
              after={"active": active})
    return True


__all__ = ["update_account", "set_active", "WeakPassword"]
