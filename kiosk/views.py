"""The kiosk: the public touch screen at the station, for enrolled devices only."""
import functools
import re
import uuid

from flask import (Blueprint, abort, current_app, g, jsonify, make_response, redirect,
                   render_template, request, url_for)

from core import attendance, badges, kiosk_auth, people
from core.i18n import _
from models import audit, db, utcnow

bp = Blueprint("kiosk", __name__, url_prefix="/kiosk", template_folder="templates")

CLIENT_ID_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
SOURCES = ("camera", "scanner")


def enrolled_device_required(view):
    """Answer only an enrolled, unrevoked kiosk device."""
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        device = kiosk_auth.device_for_key(request.cookies.get(kiosk_auth.COOKIE))
        if device is None:
            if request.path.startswith("/kiosk/api/"):
                return jsonify(ok=False, error="not_enrolled",
                               message=_("This device is not enrolled as a kiosk. "
                                         "Ask staff to enroll it.")), 403
            return render_template("kiosk/not_enrolled.html"), 403
        g.device = device
        g.station = device.station
        if device.language:
            g.preferred_lang = device.language
        return view(*args, **kwargs)
    return wrapped


@bp.route("/enroll/<code>", methods=["GET", "POST"])
def enroll(code):
    """The one-time enrollment link: confirm, then this browser becomes the kiosk."""
    device = kiosk_auth.pending_for_code(code)
    if device is None:
        return render_template("kiosk/enroll.html", invalid=True), 404
    if request.method == "GET":
        return render_template("kiosk/enroll.html", device=device, code=code)
    key = kiosk_auth.enroll(device)
    response = make_response(redirect(url_for("kiosk.start")))
    response.set_cookie(kiosk_auth.COOKIE, key, max_age=kiosk_auth.COOKIE_MAX_AGE, httponly=True,
                        samesite="Strict", secure=current_app.config["SESSION_COOKIE_SECURE"],
                        path="/kiosk")
    return response


@bp.route("/")
@enrolled_device_required
def start():
    """The start screen: show your badge to the camera or the scanner."""
    db_device = g.device
    db_device.last_seen_at = utcnow()
    db_device.save(only=[type(db_device).last_seen_at])
    return render_template("kiosk/start.html", device=g.device)


def _json_body():
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400)
    return data


def _client_id(data):
    value = data.get("client_id")
    if value is None:
        return uuid.uuid4().hex
    if not isinstance(value, str) or not CLIENT_ID_RE.match(value):
        abort(400)
    return value


def _refuse(error, message, status=422):
    return jsonify(ok=False, error=error, message=message), status


def resolve_badge(payload):
    """(badge, None) for a valid badge in force, or (None, error response)."""
    try:
        token = badges.parse_payload(payload)
    except badges.NotABadge:
        # Its content is never stored or logged: it may be a pay code.
        return None, _refuse("not_a_badge", _("This is not a station badge. Please show your "
                                              "station card."))
    except badges.UnsupportedBadge:
        return None, _refuse("unknown_badge", _("This badge is not known here. Please ask "
                                                "staff."))
    badge = people.find_badge(token)
    if badge is None or badge.person.erased_at is not None:
        with db.atomic():
            audit("kiosk.unknown_badge", actor_label="kiosk:%d" % g.device.id,
                  station=g.station)
        return None, _refuse("unknown_badge", _("This badge is not known here. Please ask "
                                                "staff."))
    if badge.revoked_at is not None:
        with db.atomic():
            audit("kiosk.revoked_badge", actor_label="kiosk:%d" % g.device.id,
                  station=g.station, obj=badge)
        return None, _refuse("revoked_badge", _("This badge is no longer valid. Please ask "
                                                "staff for your new badge."))
    return badge, None


@bp.route("/api/scan", methods=["POST"])
@enrolled_device_required
def api_scan():
    """A badge was read: check a resident in (once a day), or say who it is."""
    data = _json_body()
    client_id = _client_id(data)
    source = data.get("source") if data.get("source") in SOURCES else "scanner"
    badge, error = resolve_badge(data.get("payload"))
    if error:
        return error
    person = badge.person
    result = {"ok": True, "person": {"masked_name": people.masked_name(person.name),
                                     "kind": person.kind}}
    if person.kind == "resident":
        try:
            visit, created = attendance.check_in(person, g.station, source=source,
                                                 device=g.device, client_id=client_id)
            result.update(state="checked_in", visit_id=visit.id, created=created)
        except attendance.AlreadyCheckedIn:
            result.update(state=attendance.day_status(person, g.station))
    else:
        result.update(state="on_shift" if attendance.open_shift(person) else "off_shift")
    return jsonify(result)
