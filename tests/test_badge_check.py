"""The verdict on a badge read at a kiosk, in the core (core.badge_check)."""
import re

from core import badge_check, badges
from core.kiosk_auth import new_enrollment
from core.people import issue_badge
from core.stations import default_station
from kiosk.api import refusal_message
from models import AuditLog, Station
from tests.helpers import connected, gen_person


def _verdict(payload, station, device):
    """The refusal code, or 'ok' for a badge in force."""
    try:
        badge_check.badge_in_force(payload, station, device)
    except badge_check.BadgeRefused as refused:
        return refused.code
    return "ok"


def test_each_refusal_is_named_and_audited(app):
    """Is each kind of bad badge refused with its own reason, and the real-looking ones audited?"""
    with connected(app):
        station = default_station()
        device, _code = new_enrollment("前台平板", station)
        fine, fine_payload = gen_person("resident")
        assert badge_check.badge_in_force(fine_payload, station, device).person.id == fine.id
        replaced, old_payload = gen_person("resident")
        issue_badge(replaced, actor_label="test", reason="lost")
        gone, gone_payload = gen_person("resident")
        gone.active = False
        gone.save()
        other = Station.create(code="second", name="第二驿站")
        _elsewhere, elsewhere_payload = gen_person("resident", station=other)
        verdicts = {
            "pay code": _verdict("https://qr.alipay.com/fkx12345", station, device),
            "unknown version": _verdict("YZ9:" + "A" * 22, station, device),
            "no such badge": _verdict(badges.payload_for("A" * 22), station, device),
            "inactive": _verdict(gone_payload, station, device),
            "revoked": _verdict(old_payload, station, device),
            "other station": _verdict(elsewhere_payload, station, device),
        }
        actions = [r.action for r in AuditLog.select().where(
            AuditLog.actor_label == "kiosk:%d" % device.id).order_by(AuditLog.id)]
    assert verdicts == {"pay code": "not_a_badge", "unknown version": "unknown_badge",
                        "no such badge": "unknown_badge", "inactive": "unknown_badge",
                        "revoked": "revoked_badge", "other station": "other_station"}
    assert actions == ["kiosk.unknown_badge", "kiosk.unknown_badge", "kiosk.revoked_badge",
                       "kiosk.other_station_badge"]


def test_the_kiosk_has_its_own_words_for_every_refusal(app):
    """Does the kiosk say a different Chinese sentence for every reason a badge is refused?"""
    with app.test_request_context("/kiosk/?lang=zh"):
        app.preprocess_request()
        said = [refusal_message(code) for code in badge_check.REFUSALS]
    assert len(set(said)) == len(badge_check.REFUSALS)
    assert all(re.search("[\u4e00-\u9fff]", sentence) for sentence in said), said
