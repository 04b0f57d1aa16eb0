"""The kiosk's JSON calls: a badge read, services, check-out, shifts, a call for help.

Every call comes from an enrolled device with the page's CSRF token and a
``client_id`` the page made for the action, so a retried request never writes
twice. A follow-up call (services, check-out, shifts) sends the badge payload
again: the badge in the person's hand is what identifies them, never an id.
Every write goes through ``core.attendance``.
"""
import hashlib
import re
import uuid

from flask import abort, g, jsonify, request

from core import attendance, badge_check, people, presence
from core.activities import current_activity
from core.i18n import _
from kiosk.blueprint import bp, enrolled_device_required
from models import Service

CLIENT_ID_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
SOURCES = ("camera", "scanner")
MAX_SERVICES = 30
# A kiosk's call is a badge payload, a client id and a few numbers: well under 1 KB, two levels
# deep. Anything much larger or deeper is refused before it costs memory or recursion.
MAX_BODY = 16 * 1024
MAX_DEPTH = 8


def _json_body():
    """The call's JSON object; 400 for anything else, 413 for a body over MAX_BODY."""
    request.max_content_length = min(MAX_BODY, request.max_content_length or MAX_BODY)
    try:
        data = request.get_json(silent=True)
    except RecursionError:  # "[[[[..." nested past Python's recursion limit
        abort(400)
    if not isinstance(data, dict) or not _shallow(data, MAX_DEPTH):
        abort(400)
    return data


def _shallow(value, limit):
    """True when containers nest at most `limit` deep (walked without recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth > limit:
                return False
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return True


@bp.errorhandler(attendance.ClientIdTaken)
def _client_id_taken(_error):
    """A client id that names another kiosk's or person's entry: refused, nothing told."""
    return _refuse("client_id_taken", _("This request could not be accepted. Nothing was "
                                        "saved. Please scan again."), 409)


def _client_id(data):
    value = data.get("client_id")
    if value is None:
        return uuid.uuid4().hex
    if not isinstance(value, str) or not CLIENT_ID_RE.match(value):
        abort(400)
    return value


def _derived_id(client_id, purpose):
    """A second client id for a second row written by the same action (max 64 characters)."""
    return hashlib.sha256(("%s:%s" % (purpose, client_id)).encode()).hexdigest()[:40]


def _source(data):
    return data.get("source") if data.get("source") in SOURCES else "scanner"


def _refuse(error, message, status=422):
    return jsonify(ok=False, error=error, message=message), status


def _person_json(person):
    return {"masked_name": people.masked_name(person.name), "kind": person.kind}


def refusal_message(code):
    """What the kiosk says when core.badge_check refuses a badge."""
    return {
        "not_a_badge": _("This is not a station badge. Please show your station card."),
        "unknown_badge": _("This badge is not known here. Please ask staff."),
        "revoked_badge": _("This badge is no longer valid. Please ask staff for your new "
                           "badge."),
        "other_station": _("This badge belongs to another station. Please ask staff here "
                           "for help."),
    }[code]


def resolve_badge(payload):
    """(badge, None) for a valid badge in force, or (None, error response)."""
    try:
        return badge_check.badge_in_force(payload, g.station, g.device), None
    except badge_check.BadgeRefused as refused:
        return None, _refuse(refused.code, refusal_message(refused.code))


def _resident_or_refuse(payload):
    """(person, None) when the payload is a resident's badge in force, else (None, response)."""
    badge, error = resolve_badge(payload)
    if error:
        return None, error
    if badge.person.kind != "resident":
        return None, _refuse("not_a_resident", _("This is not a resident's badge. Please scan "
                                                 "the badge of the person who was served."))
    return badge.person, None


def _volunteer_or_refuse(payload, allow_staff=False):
    """(person, None) when the payload is a volunteer's badge in force, else (None, response)."""
    badge, error = resolve_badge(payload)
    if error:
        return None, error
    kinds = ("volunteer", "staff") if allow_staff else ("volunteer",)
    if badge.person.kind not in kinds:
        return None, _refuse("not_a_volunteer", _("Only volunteers can do this. Please ask "
                                                  "staff."))
    return badge.person, None


@bp.route("/api/scan", methods=["POST"])
@enrolled_device_required
def api_scan():
    """A badge was read: check a resident in (once a day), or say who it is and what next."""
    data = _json_body()
    client_id = _client_id(data)
    source = _source(data)
    badge, error = resolve_badge(data.get("payload"))
    if error:
        return error
    person = badge.person
    result = {"ok": True, "person": _person_json(person), "mode": "station"}
    activity = current_activity(g.device)
    if activity is not None:
        return _activity_scan(activity, person, source, client_id, result)
    if person.kind == "resident":
        try:
            visit, created = attendance.check_in(person, g.station, source=source,
                                                 device=g.device, client_id=client_id)
            result.update(state="checked_in", visit_id=visit.id, created=created)
        except attendance.AlreadyCheckedIn as already:
            result.update(state=already.state)
    elif person.kind == "volunteer":
        result.update(state="on_shift" if presence.open_shift(person) else "off_shift")
    else:
        result.update(state="staff")
    return jsonify(result)


def _activity_scan(activity, person, source, client_id, result):
    """Activity mode: the scan is the person's attendance; a volunteer's shift starts too."""
    result.update(mode="activity", activity={"name": activity.name})
    if person.kind == "staff":
        return _refuse("staff_badge", _("Staff do not sign in to activities here. Staff add "
                                        "walk-ins from the admin view."))
    row, created = attendance.record_attendance(activity, person, source=source,
                                                device=g.device, client_id=client_id)
    result.update(state="attended", attendance_id=row.id, created=created)
    if person.kind == "volunteer":
        shift_started = False
        if presence.open_shift(person) is None:
            try:
                _shift, shift_started = attendance.start_shift(
                    person, g.station, source=source, device=g.device, activity=activity,
                    client_id=_derived_id(client_id, "shift"), content=activity.name)
            except attendance.ShiftAlreadyOpen:
                shift_started = False
        result.update(shift_started=shift_started)
    return jsonify(result)


@bp.route("/api/recipient", methods=["POST"])
@enrolled_device_required
def api_recipient():
    """A volunteer logging a service scanned the resident's badge: who is it (nothing stored)."""
    data = _json_body()
    person, error = _resident_or_refuse(data.get("payload"))
    if error:
        return error
    return jsonify(ok=True, person=_person_json(person))


def _chosen_services(data):
    """The catalogue services named by service_ids, or None when the list is not acceptable."""
    ids = data.get("service_ids")
    if not isinstance(ids, list) or not 1 <= len(ids) <= MAX_SERVICES \
            or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids) \
            or len(set(ids)) != len(ids):
        return None
    available = {s.id: s for s in Service.for_station(g.station)}
    if any(i not in available for i in ids):
        return None
    return [available[i] for i in ids]


@bp.route("/api/services", methods=["POST"])
@enrolled_device_required
def api_services():
    """Record the services a resident picked, or that a volunteer gave to a resident."""
    data = _json_body()
    client_id = _client_id(data)
    recipient, error = _resident_or_refuse(data.get("payload"))
    if error:
        return error
    provider = None
    if data.get("provider_payload") is not None:
        provider, error = _volunteer_or_refuse(data.get("provider_payload"), allow_staff=True)
        if error:
            return error
    services = _chosen_services(data)
    if services is None:
        return _refuse("bad_services", _("Please choose at least one service from the list. "
                                         "Nothing was saved."))
    records = attendance.record_services(recipient, g.station, services, provider=provider,
                                         source=_source(data), device=g.device,
                                         client_id=client_id)
    return jsonify(ok=True, state="recorded", person=_person_json(recipient),
                   record_ids=[r.id for r in records], services=[s.id for s in services])


@bp.route("/api/checkout", methods=["POST"])
@enrolled_device_required
def api_checkout():
    """Check a resident out."""
    data = _json_body()
    client_id = _client_id(data)
    person, error = _resident_or_refuse(data.get("payload"))
    if error:
        return error
    try:
        visit, created = attendance.check_out(person, g.station, source=_source(data),
                                              device=g.device, client_id=client_id)
    except attendance.NotCheckedIn:
        return _refuse("not_checked_in", _("You are not checked in today, so there is nothing "
                                           "to check out."), 409)
    return jsonify(ok=True, state="out", person=_person_json(person), visit_id=visit.id,
                   created=created)


@bp.route("/api/shift/start", methods=["POST"])
@enrolled_device_required
def api_shift_start():
    """Start a volunteer's shift."""
    data = _json_body()
    client_id = _client_id(data)
    volunteer, error = _volunteer_or_refuse(data.get("payload"))
    if error:
        return error
    try:
        shift, created = attendance.start_shift(volunteer, g.station, source=_source(data),
                                                device=g.device, client_id=client_id)
    except attendance.ShiftAlreadyOpen:
        return _refuse("shift_open", _("Your shift has already started."), 409)
    return jsonify(ok=True, state="on_shift", person=_person_json(volunteer),
                   shift_id=shift.id, created=created)


@bp.route("/api/shift/end", methods=["POST"])
@enrolled_device_required
def api_shift_end():
    """End a volunteer's shift; says how long it was."""
    data = _json_body()
    client_id = _client_id(data)
    volunteer, error = _volunteer_or_refuse(data.get("payload"))
    if error:
        return error
    try:
        shift, _ended = attendance.end_shift(volunteer, g.station, client_id=client_id)
    except attendance.NoOpenShift:
        return _refuse("no_shift", _("You have no shift in progress."), 409)
    return jsonify(ok=True, state="off_shift", person=_person_json(volunteer),
                   shift_id=shift.id, minutes=shift.minutes)


@bp.route("/api/help", methods=["POST"])
@enrolled_device_required
def api_help():
    """'I have no card': call staff to the kiosk."""
    data = _json_body()
    client_id = _client_id(data)
    row, created = attendance.request_help(g.station, device=g.device, client_id=client_id)
    return jsonify(ok=True, state="help_requested", help_request_id=row.id, created=created)
