"""Signing staff in and out.

- Every attempt costs the same: a password hash is checked whether or not the user name
  exists (a dummy hash for names that do not), and the answer is the same sentence.
- Wrong passwords slow down the pair (user name, address) that made them, for a while:
  after LOGIN_MAX_FAILURES in a row, that pair waits LOGIN_LOCK_MINUTES, doubling with each
  further failure up to an hour. The account's owner, from any other address, signs in as
  usual; nothing is locked until an administrator steps in. Unknown user names are counted
  the same way, so the answers never tell which names exist. Pairs are stored as keyed
  hashes (neither the typed name nor the address is kept), and forgotten after a quiet day.
- A sign-in is a server-side session: the cookie carries only a random id (no part of the
  password hash); signing out, a new password or deactivation ends it at once.
"""
import datetime
import hashlib
import hmac
import math
import secrets

from flask import current_app

from core.passwords import hash_password, verify_password
from models import LoginThrottle, StaffSession, StaffUser, audit, db, utcnow

LONGEST_WAIT = datetime.timedelta(hours=1)
FORGET_AFTER = datetime.timedelta(days=1)

_DUMMY_HASH = []


class SignInRefused(Exception):
    """A sign-in that did not succeed; ``code`` is 'wrong' or 'wait' (then ``minutes``)."""

    def __init__(self, code, minutes=0):
        super().__init__(code)
        self.code, self.minutes = code, minutes


def _keyed(purpose, text):
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, ("%s\0%s" % (purpose, text)).encode("utf-8", "replace"),
                    hashlib.sha256).hexdigest()


def account_key(username):
    """The throttle's name for a user name (existing or not), case folded."""
    return _keyed("account", username.strip().casefold())


def address_key(address):
    """The throttle's name for a client address."""
    return _keyed("address", address or "-")


def _dummy_hash():
    """A hash of a random password, made like real ones: checking it costs the same time."""
    if not _DUMMY_HASH:
        _DUMMY_HASH.append(hash_password(secrets.token_hex(16)))
    return _DUMMY_HASH[0]


def _wait(failures):
    """How long a pair waits after this many wrong passwords in a row (None: not yet)."""
    allowed = current_app.config["LOGIN_MAX_FAILURES"]
    if failures < allowed:
        return None
    minutes = current_app.config["LOGIN_LOCK_MINUTES"] * 2 ** min(failures - allowed, 10)
    return min(datetime.timedelta(minutes=minutes), LONGEST_WAIT)


def sign_in(username, password, address):
    """The account, and a new session token, for the right password; else SignInRefused.

    One transaction for what it stores (the throttle, the account's counters, the session,
    the audit row).
    """
    now = utcnow()
    keys = {"account_key": account_key(username), "address_key": address_key(address)}
    throttle = LoginThrottle.get_or_none(**keys)
    if throttle is not None and throttle.locked_until and throttle.locked_until > now:
        # Refused unchecked, for known and unknown names alike: no password is tried.
        seconds = (throttle.locked_until - now).total_seconds()
        raise SignInRefused("wait", minutes=max(1, math.ceil(seconds / 60)))
    dummy = _dummy_hash()  # made at the first attempt of any kind, not the first unknown name
    user = StaffUser.get_or_none(StaffUser.username == username) if username else None
    # The same work for every name: the account's hash, or a dummy one.
    right = verify_password(user.password_hash if user else dummy, password)
    if right and user is not None and user.active:
        with db.atomic():
            if throttle is not None:
                throttle.delete_instance()
            StaffUser.update(failed_logins=0, last_login_at=now).where(
                StaffUser.id == user.id).execute()
            token = start_session(user, now)
            audit("staff.login", actor=user, station=user.station_id, obj=user)
        return user, token
    with db.atomic():
        wait = _count_failure(throttle, keys, user, now)
    if wait is not None:
        raise SignInRefused("wait", minutes=math.ceil(wait.total_seconds() / 60))
    raise SignInRefused("wrong")


def _count_failure(throttle, keys, user, now):
    """Count a wrong password for the pair (and the account, when it exists); the wait set."""
    LoginThrottle.delete().where((LoginThrottle.last_failure_at < now - FORGET_AFTER)
                                 & ((LoginThrottle.locked_until.is_null())
                                    | (LoginThrottle.locked_until < now))).execute()
    if throttle is None or throttle.last_failure_at < now - FORGET_AFTER:
        failures = 1
    else:
        failures = throttle.failures + 1
    wait = _wait(failures)
    values = {LoginThrottle.failures: failures, LoginThrottle.last_failure_at: now,
              LoginThrottle.locked_until: now + wait if wait else None}
    # An upsert: two wrong passwords at the same instant must not fail on the unique pair.
    LoginThrottle.insert({LoginThrottle.account_key: keys["account_key"],
                          LoginThrottle.address_key: keys["address_key"], **values}).on_conflict(
        conflict_target=[LoginThrottle.account_key, LoginThrottle.address_key],
        update=values).execute()
    if user is not None:
        StaffUser.update(failed_logins=StaffUser.failed_logins + 1).where(
            StaffUser.id == user.id).execute()
        if wait is not None:
            audit("staff.login_throttled", actor_label="login", station=user.station_id,
                  obj=user, detail="%d wrong passwords in a row from one address; it waits "
                  "%d minutes" % (failures, wait.total_seconds() // 60))
    return wait


def lockouts(user):
    """Until when addresses must wait before trying this account again (latest first)."""
    now = utcnow()
    return [row.locked_until for row in LoginThrottle.select().where(
        (LoginThrottle.account_key == account_key(user.username))
        & (LoginThrottle.locked_until > now)).order_by(LoginThrottle.locked_until.desc())]


def lift_lockouts(user, *, actor=None, actor_label=""):
    """Let every address try this account again at once and forget its failures; audited.

    True when there was something to lift.
    """
    with db.atomic():
        waiting = lockouts(user)
        stored = StaffUser.get_by_id(user.id)
        if not waiting and not stored.failed_logins:
            return False
        LoginThrottle.delete().where(
            LoginThrottle.account_key == account_key(user.username)).execute()
        StaffUser.update(failed_logins=0).where(StaffUser.id == user.id).execute()
        audit("staff.unlock", actor=actor, actor_label=actor_label, station=user.station_id,
              obj=user, before={"failed_logins": stored.failed_logins,
                                "addresses_waiting": len(waiting)},
              after={"failed_logins": 0, "addresses_waiting": 0})
    return True


# --- sessions --------------------------------------------------------------------------

def _token_hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user, now=None):
    """A new session for the account; the token for the cookie (only its hash is stored)."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    with db.atomic():
        # Expired sessions are of no use to anyone: cleared as new ones begin.
        StaffSession.delete().where(StaffSession.expires_at < now - FORGET_AFTER).execute()
        # As long as the cookie lasts (PERMANENT_SESSION_LIFETIME, 12 hours), not longer.
        StaffSession.create(user=user, token_hash=_token_hash(token), created_at=now,
                            expires_at=now + current_app.permanent_session_lifetime)
    return token


def session_user(token):
    """The active account whose session this token opens, or None (ended, expired, forged)."""
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        return None
    row = (StaffSession.select(StaffSession, StaffUser).join(StaffUser)
           .where(StaffSession.token_hash == _token_hash(token)).first())
    if row is None or row.ended_at is not None or row.expires_at <= utcnow():
        return None
    return row.user if row.user.active else None


def sign_out(user, token):
    """End the session of this token (signing out); audited."""
    with db.atomic():
        if isinstance(token, str) and token:
            StaffSession.update(ended_at=utcnow()).where(
                (StaffSession.token_hash == _token_hash(token))
                & StaffSession.ended_at.is_null()).execute()
        audit("staff.logout", actor=user, station=user.station_id, obj=user)


def end_sessions(user, keep=None):
    """End every session of an account (new password, deactivation), but `keep`'s token."""
    query = StaffSession.update(ended_at=utcnow()).where(
        (StaffSession.user == user) & StaffSession.ended_at.is_null())
    if keep:
        query = query.where(StaffSession.token_hash != _token_hash(keep))
    with db.atomic():
        query.execute()
