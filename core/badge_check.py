"""The verdict on a badge read at a kiosk: in force, or refused and why.

A badge is refused when what was read is not one of our badges (a pay code, a health code:
its content is never stored or logged), when it is of a kind or version this server does
not know, when no badge has that token or its person is erased or inactive, when it was
revoked, or when its person belongs to another station (a district keeps each station's
people to itself: that kiosk neither names them nor records anything for them). Every
refusal of a real-looking badge leaves an audit row naming the kiosk.
"""
from core import badges
from core.people import find_badge
from models import audit, db

# Why a badge is refused, in the order it is checked.
REFUSALS = ("not_a_badge", "unknown_badge", "revoked_badge", "other_station")


class BadgeRefused(Exception):
    """The badge may not be used here; ``code`` is one of REFUSALS."""

    def __init__(self, code):
        super().__init__(code)
        self.code = code


def _refuse(code, action, station, device, badge=None):
    """Audit the refusal in its own transaction, then raise it."""
    with db.atomic():
        audit(action, actor_label="kiosk:%d" % device.id, station=station, obj=badge)
    raise BadgeRefused(code)


def badge_in_force(payload, station, device):
    """The badge read at `device` of `station`, with its person; raises BadgeRefused."""
    try:
        token = badges.parse_payload(payload)
    except badges.NotABadge:
        raise BadgeRefused("not_a_badge") from None
    except badges.UnsupportedBadge:
        raise BadgeRefused("unknown_badge") from None
    badge = find_badge(token)
    if badge is None or badge.person.erased_at is not None or not badge.person.active:
        _refuse("unknown_badge", "kiosk.unknown_badge", station, device)
    if badge.revoked_at is not None:
        _refuse("revoked_badge", "kiosk.revoked_badge", station, device, badge)
    if badge.person.station_id != station.id:
        _refuse("other_station", "kiosk.other_station_badge", station, device)
    return badge
