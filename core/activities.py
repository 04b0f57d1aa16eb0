"""Group activities: classes, groups and community events with their own attendance.

Every change here is one transaction with an audit row naming the staff member who
made it. Attendance itself is written by ``core.attendance.record_attendance``;
this module adds what only staff do to it (walk-ins, voiding), the kiosk's
activity mode, the figures funders ask for and the printable sign-in sheet.
"""
import datetime

from peewee import JOIN, fn

from core import people
from core.attendance import record_attendance
from core.bounds import parse_day
from core.clock import local_date, local_to_utc, to_local
from core.i18n import _
from core.sheets import sign_in_sheet_pdf
from core.vocabulary import (ACTIVITY_KIND_LABELS, ACTIVITY_KINDS, PERSON_KIND_LABELS, label,
                             person_name)
from models import (Activity, ActivitySeries, ActivityService, Attendance, KioskDevice, Person,
                    Service, audit, db, utcnow)

MAX_WEEKS = 52
NAME_MAX, PLACE_MAX, ORGANISER_MAX, REASON_MAX = 100, 200, 100, 200


class ActivityError(ValueError):
    """Input a person can correct; ``messages`` say what, in their language."""

    def __init__(self, *messages):
        super().__init__("; ".join(str(m) for m in messages))
        self.messages = [str(m) for m in messages]


def current_activity(device):
    """The activity a kiosk is switched to, unless it was cancelled (then normal mode)."""
    activity = device.activity
    if activity is None or activity.cancelled_at is not None:
        return None
    return activity


def kind_label(kind):
    """The activity kind in the reader's language (小组 / 社区活动 / 课程)."""
    return label(ACTIVITY_KIND_LABELS, kind)


# --- reading the form ---------------------------------------------------------

def _text(data, key, limit):
    value = data.get(key)
    return (value if isinstance(value, str) else "").strip()[:limit * 2]


def parse_activity_form(data, station):
    """Check an activity form (a mapping of strings); the clean fields or ActivityError.

    Returns keys name, kind, day, start, end, place, at_station, organiser, capacity,
    notes, service_ids, weeks. ``data`` may be ``request.form`` (getlist is used
    for services when present).
    """
    errors = []
    name = _text(data, "name", NAME_MAX)
    if not name:
        errors.append(_("Please enter the activity's name."))
    elif len(name) > NAME_MAX:
        errors.append(_("The name is too long (at most %(n)d characters).", n=NAME_MAX))
    kind = _text(data, "kind", 16)
    if kind not in ACTIVITY_KINDS:
        errors.append(_("Please choose the kind of activity."))
    day = start = end = None
    day = parse_day(_text(data, "date", 10))
    if day is None:
        errors.append(_("Please enter the date as year-month-day, for example 2026-12-03."))
    try:
        start = datetime.time.fromisoformat(_text(data, "start", 8))
    except ValueError:
        errors.append(_("Please enter the start time as hours:minutes, for example 09:30."))
    end_text = _text(data, "end", 8)
    if end_text:
        try:
            end = datetime.time.fromisoformat(end_text)
        except ValueError:
            errors.append(_("Please enter the end time as hours:minutes, for example 11:00."))
        else:
            if start is not None and end <= start:
                errors.append(_("The end time must be after the start time."))
    place = _text(data, "place", PLACE_MAX)
    if len(place) > PLACE_MAX:
        errors.append(_("The place is too long (at most %(n)d characters).", n=PLACE_MAX))
    organiser = _text(data, "organiser", ORGANISER_MAX)
    if len(organiser) > ORGANISER_MAX:
        errors.append(_("The organiser is too long (at most %(n)d characters).",
                        n=ORGANISER_MAX))
    capacity = None
    capacity_text = _text(data, "capacity", 10)
    if capacity_text:
        if capacity_text.isdigit() and 1 <= int(capacity_text) <= 100000:
            capacity = int(capacity_text)
        else:
            errors.append(_("Capacity must be a whole number of at least 1, or left empty."))
    weeks = 1
    weeks_text = _text(data, "weeks", 4)
    if weeks_text:
        if weeks_text.isdigit() and 1 <= int(weeks_text) <= MAX_WEEKS:
            weeks = int(weeks_text)
        else:
            errors.append(_("The number of weekly sessions must be a whole number from 1 "
                            "to %(n)d.", n=MAX_WEEKS))
    raw_ids = data.getlist("services") if hasattr(data, "getlist") else data.get("services", [])
    offered = {s.id for s in Service.for_station(station)}
    service_ids = []
    for raw in raw_ids or []:
        if not str(raw).isdigit() or int(raw) not in offered:
            errors.append(_("Please choose services from the list."))
            break
        service_ids.append(int(raw))
    if errors:
        raise ActivityError(*errors)
    return dict(name=name, kind=kind, day=day, start=start, end=end, place=place,
                at_station=data.get("at_station") in ("1", "on", "yes", True),
                organiser=organiser, capacity=capacity,
                notes=_text(data, "notes", 2000)[:2000], service_ids=service_ids,
                weeks=weeks)


# --- creating, editing, cancelling ----------------------------------------------

def _snapshot(activity):
    return {"name": activity.name, "kind": activity.kind, "starts_at": activity.starts_at,
            "ends_at": activity.ends_at, "local_date": activity.local_date,
            "place": activity.place, "at_station": activity.at_station,
            "organiser": activity.organiser, "capacity": activity.capacity,
            "notes": activity.notes,
            "services": sorted(link.service_id for link in activity.service_links)}


def _apply(activity, station, fields, day):
    activity.name, activity.kind = fields["name"], fields["kind"]
    activity.starts_at = local_to_utc(station, day, fields["start"])
    activity.ends_at = (local_to_utc(station, day, fields["end"])
                        if fields.get("end") else None)
    activity.local_date = day
    activity.place = fields.get("place", "")
    activity.at_station = bool(fields.get("at_station", True))
    activity.organiser = fields.get("organiser", "")
    activity.capacity = fields.get("capacity")
    activity.notes = fields.get("notes", "")


def _set_services(activity, service_ids):
    ActivityService.delete().where(ActivityService.activity == activity).execute()
    for service_id in sorted(set(service_ids or ())):
        ActivityService.create(activity=activity, service=service_id)


def create_activity(station, fields, *, actor):
    """Create one activity, or a weekly series when ``fields['weeks']`` > 1.

    ``fields`` is what parse_activity_form returns. Returns the list of activities
    created (one per session), in date order.
    """
    weeks = fields.get("weeks") or 1
    with db.atomic():
        series = None
        if weeks > 1:
            series = ActivitySeries.create(station=station, name=fields["name"],
                                           kind=fields["kind"], notes=fields.get("notes", ""))
            audit("activity_series.create", actor=actor, station=station, obj=series,
                  after={"name": series.name, "kind": series.kind, "weeks": weeks,
                         "first_date": fields["day"]})
        created = []
        for week in range(weeks):
            day = fields["day"] + datetime.timedelta(weeks=week)
            activity = Activity(station=station, series=series, created_by=actor)
            _apply(activity, station, fields, day)
            activity.save()
            _set_services(activity, fields.get("service_ids"))
            audit("activity.create", actor=actor, station=station, obj=activity,
                  after=_snapshot(activity))
            created.append(activity)
    return created


def update_activity(activity, fields, *, actor):
    """Change one activity (one session of a series); audited with before and after."""
    if activity.cancelled_at is not None:
        raise ActivityError(_("This activity was cancelled and can no longer be changed."))
    with db.atomic():
        before = _snapshot(activity)
        _apply(activity, activity.station, fields, fields["day"])
        activity.save()
        _set_services(activity, fields.get("service_ids"))
        audit("activity.update", actor=actor, station=activity.station_id, obj=activity,
              before=before, after=_snapshot(activity))
    return activity


def _reason(reason):
    reason = (reason or "").strip() if isinstance(reason, str) else ""
    if not reason:
        raise ActivityError(_("Please give a reason."))
    if len(reason) > REASON_MAX:
        raise ActivityError(_("The reason is too long (at most %(n)d characters).",
                              n=REASON_MAX))
    return reason


def cancel_activity(activity, reason, *, actor, later_sessions=False):
    """Cancel an activity (and, if asked, the later sessions of its series); the list cancelled.

    Kiosks in this activity's mode go back to normal mode in the same transaction.
    Attendance already recorded is kept (it no longer counts in the figures).
    """
    reason = _reason(reason)
    if activity.cancelled_at is not None:
        raise ActivityError(_("This activity is already cancelled."))
    targets = [activity]
    if later_sessions and activity.series_id is not None:
        targets += list(Activity.select().where(
            (Activity.series == activity.series_id) & (Activity.id != activity.id)
            & (Activity.starts_at > activity.starts_at) & Activity.cancelled_at.is_null()))
    now = utcnow()
    with db.atomic():
        for target in targets:
            target.cancelled_at, target.cancel_reason = now, reason
            target.save()
            audit("activity.cancel", actor=actor, station=target.station_id, obj=target,
                  detail=reason)
            for device in KioskDevice.select().where(KioskDevice.activity == target):
                _set_mode(device, None, actor)
    return targets


# --- attendance -----------------------------------------------------------------

def attendees(activity, include_voided=False):
    """The activity's attendance rows with their people, in the order they arrived."""
    query = (Attendance.select(Attendance, Person).join(Person)
             .where(Attendance.activity == activity))
    if not include_voided:
        query = query.where(Attendance.voided_at.is_null())
    return list(query.order_by(Attendance.at, Attendance.id))


def find_people(station, text, limit=20):
    """People of the station whose name contains the text (staff search for walk-ins)."""
    text = (text or "").strip()[:50]
    if not text:
        return []
    return list(Person.select()
                .where((Person.station == station) & Person.name.contains(text)
                       & Person.erased_at.is_null() & (Person.active == True))  # noqa: E712
                .order_by(fn.LENGTH(Person.name), Person.name, Person.id).limit(limit))


def _check_open(activity):
    if activity.cancelled_at is not None:
        raise ActivityError(_("This activity was cancelled: no attendance can be added."))


def add_walk_in(activity, *, actor, person=None, name="", kind="resident", phone=""):
    """Add someone without a badge to the attendance; (attendance, created, person).

    Either ``person`` (someone already registered at the station) or ``name`` and
    ``kind`` (registered on the spot with the minimum of data, a badge issued so
    they can scan next time). Adding a person whose attendance was voided restores it.
    """
    _check_open(activity)
    with db.atomic():
        if person is None:
            name = (name or "").strip() if isinstance(name, str) else ""
            phone = (phone or "").strip() if isinstance(phone, str) else ""
            errors = []
            if not name:
                errors.append(_("Please enter the person's name."))
            else:
                try:
                    name = people.clean_name(name)
                except people.InvalidName as problem:
                    errors.append(str(problem))
            if kind not in ("resident", "volunteer"):
                errors.append(_("Please choose resident or volunteer."))
            if len(phone) > 32:
                errors.append(_("The phone number is too long."))
            if errors:
                raise ActivityError(*errors)
            person, _badge = people.add_person(activity.station, name, kind, actor=actor,
                                               phone=phone)
        elif person.station_id != activity.station_id or person.erased_at is not None:
            raise ActivityError(_("This person is not registered at this station."))
        row, created = record_attendance(activity, person, source="staff", recorded_by=actor)
    return row, created, person


def void_attendance(row, reason, *, actor):
    """Void an attendance with a reason (kept, no longer counted)."""
    reason = _reason(reason)
    if row.voided_at is not None:
        raise ActivityError(_("This attendance is already void."))
    with db.atomic():
        row.voided_at, row.voided_by, row.void_reason = utcnow(), actor, reason
        row.save()
        audit("attendance.void", actor=actor, station=row.activity.station_id, obj=row,
              before={"activity": row.activity_id, "person": row.person_id}, detail=reason)
    return row


# --- the kiosk's activity mode ------------------------------------------------------

def station_kiosks(station):
    """The station's enrolled kiosks in force, with the activity each is switched to."""
    return list(KioskDevice.select(KioskDevice, Activity)
                .join(Activity, JOIN.LEFT_OUTER, on=(KioskDevice.activity == Activity.id))
                .where((KioskDevice.station == station) & KioskDevice.revoked_at.is_null()
                       & KioskDevice.enrolled_at.is_null(False))
                .order_by(KioskDevice.name, KioskDevice.id))


def _set_mode(device, activity, actor):
    before = device.activity_id
    device.activity = activity
    device.save(only=[KioskDevice.activity])
    audit("kiosk.activity_mode" if activity is not None else "kiosk.normal_mode",
          actor=actor, station=device.station_id, obj=device,
          before={"activity": before}, after={"activity": activity.id if activity else None})


def use_kiosk_for(device, activity, *, actor):
    """Switch an enrolled kiosk into activity mode: every scan records attendance to it."""
    if device.revoked_at is not None or device.enrolled_at is None:
        raise ActivityError(_("This kiosk is not enrolled."))
    if device.station_id != activity.station_id:
        raise ActivityError(_("This kiosk belongs to another station."))
    _check_open(activity)
    with db.atomic():
        _set_mode(device, activity, actor)
    return device


def back_to_normal(device, *, actor):
    """Switch a kiosk back to normal check-in."""
    if device.activity_id is None:
        return device
    with db.atomic():
        _set_mode(device, None, actor)
    return device


# --- figures and the sign-in sheet ------------------------------------------------------

def activity_figures(station, start, end):
    """Activities held (not cancelled) from ``start`` to ``end`` (local days, inclusive).

    ``station`` None means every station. Returns::

        {"activities": n, "attendances": n, "people": n,
         "by_kind": {"group": {"label": "小组", "activities": n, "attendances": n,
                               "people": n}, "event": {...}, "class": {...}}}

    Attendances are the non-voided attendance rows; people are distinct persons.
    ``by_kind`` keeps the order group, event, class and always has all three.
    """
    held = (Activity.cancelled_at.is_null() & (Activity.local_date >= start)
            & (Activity.local_date <= end))
    if station is not None:
        held &= Activity.station == station
    activities = dict(Activity.select(Activity.kind, fn.COUNT(Activity.id))
                      .where(held).group_by(Activity.kind).tuples())
    base = (Attendance.select().join(Activity)
            .where(held & Attendance.voided_at.is_null()))
    attendances = dict(base.select(Activity.kind, fn.COUNT(Attendance.id))
                       .group_by(Activity.kind).tuples())
    people_by_kind = dict(base.select(Activity.kind, fn.COUNT(Attendance.person.distinct()))
                          .group_by(Activity.kind).tuples())
    total_people = base.select(fn.COUNT(Attendance.person.distinct())).scalar() or 0
    by_kind = {kind: {"label": kind_label(kind), "activities": activities.get(kind, 0),
                      "attendances": attendances.get(kind, 0),
                      "people": people_by_kind.get(kind, 0)} for kind in ACTIVITY_KINDS}
    return {"activities": sum(activities.values()), "attendances": sum(attendances.values()),
            "people": total_people, "by_kind": by_kind}


def time_range_text(activity):
    """'09:30–11:00' (or '09:30') in the station's local time."""
    station = activity.station
    text = to_local(station, activity.starts_at).strftime("%H:%M")
    if activity.ends_at:
        text += "–" + to_local(station, activity.ends_at).strftime("%H:%M")
    return text


def place_text(activity):
    """Where the activity takes place, as staff and the sheet show it."""
    if activity.at_station:
        where = _("At the station")
        return "%s · %s" % (where, activity.place) if activity.place else where
    return activity.place or _("Elsewhere")


def sign_in_sheet(activity, *, actor=None, actor_label=""):
    """The activity's 签到表 as PDF bytes: its details, then each attendee with a signature cell.

    It lists full names, so each one made is in the audit log (who, when, how many people).
    """
    station = activity.station
    fields = [
        (_("Activity"), activity.name),
        (_("Kind of activity"), kind_label(activity.kind)),
        (_("Date"), "%s %s" % (activity.local_date.isoformat(), time_range_text(activity))),
        (_("Place"), place_text(activity)),
        (_("Organiser"), activity.organiser or station.organisation or station.name),
    ]
    columns = [_("No."), _("Name"), _("Resident or volunteer"), _("Time")]
    rows = []
    for number, row in enumerate(attendees(activity), start=1):
        rows.append([str(number), person_name(row.person),
                     label(PERSON_KIND_LABELS, row.person.kind),
                     to_local(station, row.at).strftime("%H:%M")])
    title = "%s · %s" % (_("Sign-in sheet"), activity.name)
    pdf = sign_in_sheet_pdf(title, fields, columns, rows, signature_column=_("Signature"))
    with db.atomic():
        audit("export.activity_sign_in_sheet", actor=actor, actor_label=actor_label,
              station=station, obj=activity, detail="%d people" % len(rows))
    return pdf


def local_today(station):
    """The station's local day now."""
    return local_date(station)
