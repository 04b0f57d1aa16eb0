"""Kiosk devices: enrollment by one-time code, then a device key in a cookie."""
import datetime
import hashlib
import secrets

from core import audited
from core.database import fetch_one
from models import KioskDevice, Station, audit, db, utcnow

COOKIE = "kiosk_device"
COOKIE_MAX_AGE = 5 * 365 * 24 * 3600
ENROLL_HOURS = 24
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"  # nothing to confuse: no 0/O, 1/I/L, U
CODE_LENGTH = 10  # ~49 bits, single use, valid ENROLL_HOURS hours, typing rate-limited


def hash_secret(secret):
    """SHA-256 of a random secret (enrollment codes and device keys are 128-bit random)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def short_code():
    """A random enrollment code a person can type on the tablet."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def new_enrollment(name, station, actor=None, actor_label=""):
    """Create a kiosk device awaiting enrollment; return (device, one-time code).

    The same code is the last part of the enrollment link and what staff can type on the
    tablet instead.
    """
    code = short_code()
    with db.atomic():
        device = KioskDevice.create(
            station=station, name=name, enroll_code_hash=hash_secret(code),
            enroll_expires_at=utcnow() + datetime.timedelta(hours=ENROLL_HOURS),
            created_by=actor)
        audit("kiosk.create", actor=actor, actor_label=actor_label, station=station, obj=device,
              after={"name": name})
    return device, code


def device_for_key(key):
    """The enrolled, unrevoked device holding this key, or None."""
    if not key or len(key) > 100:
        return None
    device = fetch_one(KioskDevice, '"key_hash" = ?', hash_secret(key))
    if device is None or device.revoked_at is not None or device.enrolled_at is None:
        return None
    device.station = fetch_one(Station, '"id" = ?', device.station_id)
    return device


def pending_for_code(code):
    """The device waiting for this enrollment code, if the code is still valid."""
    if not code or len(code) > 100:
        return None
    device = KioskDevice.get_or_none(KioskDevice.enroll_code_hash == hash_secret(code))
    if (device is None or device.revoked_at is not None or device.enroll_expires_at is None
            or device.enroll_expires_at < utcnow()):
        return None
    return device


def enroll(device):
    """Complete enrollment: the code is spent, a new device key is returned (once)."""
    key = secrets.token_urlsafe(32)
    with db.atomic():
        device.key_hash = hash_secret(key)
        device.enroll_code_hash = None
        device.enroll_expires_at = None
        device.enrolled_at = utcnow()
        device.save()
        audit("kiosk.enroll", actor_label="kiosk:%d" % device.id, station=device.station_id,
              obj=device)
    return key


def revoke(device, actor=None):
    """Revoke a kiosk device at once."""
    with db.atomic():
        device.revoked_at = utcnow()
        device.key_hash = None
        device.enroll_code_hash = None
        device.save()
        audit("kiosk.revoke", actor=actor, station=device.station_id, obj=device)


def rename(device, name, *, actor=None):
    """Give a kiosk device another name (audited); True when the name changed."""
    return bool(audited.update(device, {"name": name}, action="kiosk.rename", actor=actor))


def seen(device):
    """Note that the device opened the kiosk page now (one column; not audited)."""
    device.last_seen_at = utcnow()
    KioskDevice.update(last_seen_at=device.last_seen_at).where(
        KioskDevice.id == device.id).execute()
