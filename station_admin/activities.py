"""Activities: classes, groups and community events, their attendance, kiosks and 签到表."""
import datetime

from flask import (abort, flash, g, make_response, redirect, render_template, request,
                   url_for)
from peewee import fn

from core import activities as core
from core.clock import local_date, to_local
from core.i18n import _
from core.vocabulary import ACTIVITY_KINDS, person_name
from models import Activity, Attendance, KioskDevice, Person, Service
from station_admin.blueprint import bp
from station_admin.auth import current_station, permission_required
from station_admin.ui import parse_date, parse_id

PERMISSION = "manage_activities"


def _activity(activity_id):
    activity = Activity.get_or_none(Activity.id == activity_id)
    if activity is None or activity.station_id != current_station().id:
        abort(404)
    return activity


def _device(device_id):
    device = KioskDevice.get_or_none(KioskDevice.id == device_id)
    if device is None or device.station_id != current_station().id:
        abort(404)
    return device


def _form_values(activity=None, station=None):
    """What the activity form shows: the submitted values, an activity's, or defaults."""
    if request.method == "POST":
        values = request.form.to_dict()
        values["services"] = request.form.getlist("services")
        values["at_station"] = request.form.get("at_station")
        return values
    if activity is not None:
        st = activity.station
        return {"name": activity.name, "kind": activity.kind,
                "date": activity.local_date.isoformat(),
                "start": to_local(st, activity.starts_at).strftime("%H:%M"),
                "end": to_local(st, activity.ends_at).strftime("%H:%M")
                if activity.ends_at else "",
                "place": activity.place, "at_station": "1" if activity.at_station else None,
                "organiser": activity.organiser,
                "capacity": str(activity.capacity) if activity.capacity else "",
                "notes": activity.notes,
                "services": [str(link.service_id) for link in activity.service_links]}
    day = request.args.get("date") or local_date(station).isoformat()
    return {"kind": request.args.get("kind", "group"), "date": day, "start": "09:30",
            "at_station": "1", "weeks": "1", "services": [],
            "organiser": station.organisation or station.name}


def _render_form(station, activity=None, errors=None, status=200):
    return render_template("station_admin/activity_form.html", station=station,
                           activity=activity, values=_form_values(activity, station),
                           errors=errors or [], kinds=ACTIVITY_KINDS,
                           services=Service.for_station(station)), status


@bp.route("/activities")
@permission_required(PERMISSION)
def activities():
    """The list: upcoming activities first, then those of the past weeks."""
    station = current_station()
    today = local_date(station)
    month = parse_date(request.args.get("month", "") + "-01")
    query = Activity.select().where(Activity.station == station)
    if month is not None:
        following = (month + datetime.timedelta(days=32)).replace(day=1)
        query = query.where((Activity.local_date >= month) & (Activity.local_date < following))
        upcoming, past = [], list(query.order_by(Activity.starts_at))
    else:
        upcoming = list(query.where(Activity.local_date >= today).order_by(Activity.starts_at))
        past = list(query.where((Activity.local_date < today)
                                & (Activity.local_date >= today - datetime.timedelta(days=92)))
                    .order_by(Activity.starts_at.desc()))
    counts = dict(Attendance.select(Attendance.activity, fn.COUNT(Attendance.id))
                  .where(Attendance.voided_at.is_null()
                         & Attendance.activity.in_([a.id for a in upcoming + past] or [0]))
                  .group_by(Attendance.activity).tuples())
    busy_kiosks = [k for k in core.station_kiosks(station) if k.activity_id is not None]
    return render_template("station_admin/activities.html", station=station, today=today,
                           month=month, upcoming=upcoming, past=past, counts=counts,
                           busy_kiosks=busy_kiosks,
                           time_range=core.time_range_text, place_text=core.place_text)


@bp.route("/activities/new", methods=["GET", "POST"])
@permission_required(PERMISSION)
def activity_new():
    """Create an activity, or a weekly series of sessions."""
    station = current_station()
    if request.method == "POST":
        try:
            fields = core.parse_activity_form(request.form, station)
        except core.ActivityError as error:
            return _render_form(station, errors=error.messages, status=422)
        created = core.create_activity(station, fields, actor=g.user)
        if len(created) > 1:
            flash(_("%(n)d weekly sessions of “%(name)s” created.", n=len(created),
                    name=created[0].name))
        else:
            flash(_("Activity “%(name)s” created.", name=created[0].name))
        return redirect(url_for("station_admin.activity", activity_id=created[0].id))
    return _render_form(station)


@bp.route("/activities/<int:activity_id>/edit", methods=["GET", "POST"])
@permission_required(PERMISSION)
def activity_edit(activity_id):
    """Change an activity's details (one session of a series at a time)."""
    activity = _activity(activity_id)
    station = activity.station
    if activity.cancelled_at is not None:
        flash(_("This activity was cancelled and can no longer be changed."))
        return redirect(url_for("station_admin.activity", activity_id=activity.id))
    if request.method == "POST":
        try:
            fields = core.parse_activity_form(request.form, station)
            core.update_activity(activity, fields, actor=g.user)
        except core.ActivityError as error:
            return _render_form(station, activity, errors=error.messages, status=422)
        flash(_("Changes saved."))
        return redirect(url_for("station_admin.activity", activity_id=activity.id))
    return _render_form(station, activity)


def _render_activity(activity, errors=None, status=200, walk_in=None):
    station = activity.station
    query = request.args.get("q", "").strip()[:50]
    matches = core.find_people(station, query) if query else []
    present = {row.person_id for row in core.attendees(activity)}
    rows = core.attendees(activity, include_voided=True)
    return render_template(
        "station_admin/activity.html", activity=activity, station=station, rows=rows,
        attending=sum(1 for r in rows if r.voided_at is None),
        kiosks=core.station_kiosks(station), query=query, matches=matches, present=present,
        errors=errors or [], walk_in=walk_in or {},
        time_range=core.time_range_text,
        place_text=core.place_text, to_local=to_local,
        sessions=(list(Activity.select().where(Activity.series == activity.series_id)
                       .order_by(Activity.starts_at)) if activity.series_id else []),
    ), status


@bp.route("/activities/<int:activity_id>")
@permission_required(PERMISSION)
def activity(activity_id):
    """An activity: its details, who attended, walk-ins, kiosks, the sign-in sheet."""
    return _render_activity(_activity(activity_id))


@bp.route("/activities/<int:activity_id>/cancel", methods=["POST"])
@permission_required(PERMISSION)
def activity_cancel(activity_id):
    """Cancel an activity with a reason (optionally its later sessions too)."""
    activity = _activity(activity_id)
    try:
        cancelled = core.cancel_activity(activity, request.form.get("reason"), actor=g.user,
                                         later_sessions=request.form.get("later") == "1")
    except core.ActivityError as error:
        return _render_activity(activity, errors=error.messages, status=422)
    flash(_("Cancelled: %(n)d activity or session.", n=len(cancelled))
          if len(cancelled) > 1 else _("The activity is cancelled."))
    return redirect(url_for("station_admin.activity", activity_id=activity.id))


@bp.route("/activities/<int:activity_id>/walk-in", methods=["POST"])
@permission_required(PERMISSION)
def activity_walk_in(activity_id):
    """Add someone without a badge: a registered person, or a new one registered on the spot."""
    activity = _activity(activity_id)
    person = None
    person_id = request.form.get("person_id", "")
    if person_id:
        person = Person.get_or_none(Person.id == parse_id(person_id))
        if person is None:
            return _render_activity(activity, errors=[_("This person is not registered at "
                                                        "this station.")], status=422)
    try:
        row, created, person = core.add_walk_in(
            activity, actor=g.user, person=person, name=request.form.get("name", ""),
            kind=request.form.get("kind", ""), phone=request.form.get("phone", ""))
    except core.ActivityError as error:
        return _render_activity(activity, errors=error.messages, status=422,
                                walk_in=request.form.to_dict())
    if created:
        flash(_("%(name)s added to the attendance.", name=person_name(person)))
    else:
        flash(_("%(name)s is already on the attendance.", name=person_name(person)))
    return redirect(url_for("station_admin.activity", activity_id=activity.id))


@bp.route("/activities/<int:activity_id>/attendance/<int:attendance_id>/void",
          methods=["POST"])
@permission_required(PERMISSION)
def attendance_void(activity_id, attendance_id):
    """Void an attendance entered by mistake, with a reason."""
    activity = _activity(activity_id)
    row = Attendance.get_or_none((Attendance.id == attendance_id)
                                 & (Attendance.activity == activity))
    if row is None:
        abort(404)
    try:
        core.void_attendance(row, request.form.get("reason"), actor=g.user)
    except core.ActivityError as error:
        return _render_activity(activity, errors=error.messages, status=422)
    flash(_("The attendance of %(name)s is void.", name=person_name(row.person)))
    return redirect(url_for("station_admin.activity", activity_id=activity.id))


@bp.route("/activities/<int:activity_id>/kiosk", methods=["POST"])
@permission_required(PERMISSION)
def activity_use_kiosk(activity_id):
    """Switch a kiosk into this activity's mode: its scans then record attendance here."""
    activity = _activity(activity_id)
    device_id = request.form.get("device_id", "")
    device = _device(parse_id(device_id)) if parse_id(device_id) else abort(404)
    try:
        core.use_kiosk_for(device, activity, actor=g.user)
    except core.ActivityError as error:
        return _render_activity(activity, errors=error.messages, status=422)
    flash(_("Kiosk “%(kiosk)s” now records attendance for this activity.", kiosk=device.name))
    if activity.local_date != local_date(activity.station):
        flash(_("Note: this activity is on %(date)s, not today. Switch the kiosk back to normal "
                "mode when the activity is over.", date=activity.local_date.isoformat()))
    return redirect(url_for("station_admin.activity", activity_id=activity.id))


@bp.route("/activities/kiosks/<int:device_id>/normal", methods=["POST"])
@permission_required(PERMISSION)
def kiosk_normal_mode(device_id):
    """Switch a kiosk back to normal check-in (staff only: the kiosk has no such control)."""
    device = _device(device_id)
    previous = device.activity_id
    core.back_to_normal(device, actor=g.user)
    flash(_("Kiosk “%(kiosk)s” is back in normal mode.", kiosk=device.name))
    back = request.form.get("back", "")
    if back == "activity" and previous:
        return redirect(url_for("station_admin.activity", activity_id=previous))
    return redirect(url_for("station_admin.activities"))


@bp.route("/activities/<int:activity_id>/sheet.pdf")
@permission_required(PERMISSION)
def activity_sheet(activity_id):
    """The activity's printable 签到表 (PDF, A4)."""
    activity = _activity(activity_id)
    pdf = core.sign_in_sheet(activity, actor=g.user)
    response = make_response(pdf)
    response.headers["Content-Type"] = "application/pdf"
    filename = "sign-in-%s-%d.pdf" % (activity.local_date.isoformat(), activity.id)
    response.headers["Content-Disposition"] = "inline; filename=%s" % filename
    return response
