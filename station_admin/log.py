"""The log of any day: check-ins, check-outs, services, shifts; add, correct, void, confirm.

Nothing is deleted: a correction keeps the old values in the audit log, a void keeps the
entry with its reason. Missed check-ins, check-outs and services go through
core.attendance like the kiosk's; corrections, voids and shifts through core.corrections.
"""
import datetime

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for

from core import attendance, corrections
from core.clock import local_date
from core.i18n import _
from core.presence import log_entries
from core.vocabulary import PERSON_KINDS
from models import (AuditLog, Person, Service, ServiceRecord, Visit, VolunteerShift, utcnow)
from station_admin.blueprint import bp
from station_admin.auth import check_station, current_station, permission_required
from station_admin.ui import correction_message, parse_date, parse_int, parse_local_time

ENTRY_MODELS = {"visit": Visit, "service": ServiceRecord, "shift": VolunteerShift}
REVIEW_LIMIT = 50


def station_people(station, kinds=None):
    """Active, not erased people of the station, by name."""
    query = Person.select().where((Person.station == station) & Person.erased_at.is_null()
                                  & (Person.active == True))  # noqa: E712
    if kinds:
        query = query.where(Person.kind.in_(kinds))
    return list(query.order_by(Person.name))


def shifts_to_review(station):
    """Shifts closed automatically at closing time and not yet confirmed or voided."""
    return list(VolunteerShift.select(VolunteerShift, Person).join(Person)
                .where((VolunteerShift.station == station)
                       & (VolunteerShift.auto_closed == True)  # noqa: E712
                       & (VolunteerShift.status == "pending"))
                .order_by(VolunteerShift.local_date.desc()).limit(REVIEW_LIMIT))


@bp.route("/log")
@permission_required("view_log")
def log():
    """The log of any day (?date=YYYY-MM-DD), with what staff may do to each entry."""
    station = current_station()
    today = local_date(station)
    day = parse_date(request.args.get("date"), today)
    one = datetime.timedelta(days=1)
    exports = [(endpoint, label) for endpoint, label in (
        ("station_admin.export_log", _("Download (CSV / XLSX)")),
        ("station_admin.sign_in_sheet", _("Sign-in sheet (签到表)")))
        if endpoint in current_app.view_functions]
    return render_template("station_admin/log.html", station=station, day=day,
                           entries=log_entries(station, day, day), is_today=day == today,
                           prev_day=day - one, next_day=day + one if day < today else None,
                           review=shifts_to_review(station), exports=exports)


def _form_day(station):
    return parse_date(request.values.get("date"), local_date(station))


def _person(kinds, field="person_id", station=None):
    person = Person.get_or_none(Person.id == parse_int(request.form.get(field)))
    if person is None or person.erased_at is not None or person.kind not in kinds \
            or person.station_id != station.id:
        return None
    return person


@bp.route("/log/add", methods=["GET", "POST"])
@permission_required("edit_log")
def log_add():
    """Add an entry that was missed at the kiosk: check-in, check-out, service or shift."""
    station = current_station()
    day = _form_day(station)
    errors = []
    kind = request.form.get("kind", "")
    if request.method == "POST":
        at = parse_local_time(station, day, request.form.get("time"))
        if at is None:
            errors.append(_("Please give the time as hours and minutes, e.g. 09:30."))
        elif at > utcnow():
            errors.append(_("That time is in the future. Nothing was changed."))
        if kind in ("check_in", "check_out"):
            person = _person(PERSON_KINDS, station=station)
            if person is None:
                errors.append(_("Please choose a person."))
            if not errors:
                try:
                    if kind == "check_in":
                        attendance.check_in(person, station, source="staff", at=at,
                                            recorded_by=g.user)
                    else:
                        attendance.check_out(person, station, source="staff", at=at,
                                             recorded_by=g.user)
                except attendance.AlreadyCheckedIn:
                    errors.append(_("%(name)s is already checked in on this day. "
                                    "Nothing was changed.", name=person.name))
                except attendance.NotCheckedIn:
                    errors.append(_("%(name)s is not checked in at that time, or is already "
                                    "checked out. Nothing was changed.", name=person.name))
        elif kind == "service":
            person = _person(("resident",), station=station)
            provider = None
            if request.form.get("provider_id"):
                provider = _person(("volunteer", "staff"), "provider_id", station=station)
                if provider is None:
                    errors.append(_("Please choose who gave the service, or nobody."))
            service = Service.get_or_none(Service.id == parse_int(request.form.get("service_id")))
            if person is None:
                errors.append(_("Please choose a person."))
            if service is None or service.station_id not in (None, station.id):
                errors.append(_("Please choose a service."))
            minutes = None
            if request.form.get("minutes", "").strip():
                minutes = parse_int(request.form.get("minutes"), 0, 1440)
                if minutes is None:
                    errors.append(_("Minutes must be between 0 and 1440. Nothing was changed."))
            if not errors:
                attendance.record_services(person, station, [service], provider=provider,
                                           source="staff", at=at, recorded_by=g.user,
                                           minutes=minutes,
                                           note=request.form.get("note", "").strip()[:500])
        elif kind == "shift":
            person = _person(("volunteer",), station=station)
            end = parse_local_time(station, day, request.form.get("end_time"))
            if person is None:
                errors.append(_("Please choose a volunteer."))
            if end is None:
                errors.append(_("Please give the end time as hours and minutes, e.g. 11:30."))
            if not errors:
                try:
                    corrections.add_missed_shift(
                        person, station, started_at=at, ended_at=end, actor=g.user,
                        reason=request.form.get("reason", ""),
                        content=request.form.get("content", ""))
                except corrections.CorrectionError as error:
                    errors.append(correction_message(error.code))
        else:
            errors.append(_("Please choose what to add."))
        if not errors:
            flash(_("The entry is added to the log."))
            return redirect(url_for("station_admin.log", date=day.isoformat()))
    return render_template("station_admin/log_add.html", station=station, day=day,
                           errors=errors, kind=kind, form=request.form,
                           everyone=station_people(station),
                           residents=station_people(station, ("resident",)),
                           providers=station_people(station, ("volunteer", "staff")),
                           volunteers=station_people(station, ("volunteer",)),
                           services=Service.for_station(station)), 422 if errors else 200


def _entry(kind, entry_id):
    model = ENTRY_MODELS.get(kind)
    if model is None:
        abort(404)
    entry = model.get_or_none(model.id == entry_id)
    if entry is None:
        abort(404)
    check_station(entry.station_id)
    return entry


def _entry_history(kind, entry):
    object_type = ENTRY_MODELS[kind].__name__
    return list(AuditLog.select().where((AuditLog.object_type == object_type)
                                        & (AuditLog.object_id == entry.id))
                .order_by(AuditLog.at, AuditLog.id))


def _changes(kind, entry, errors):
    """The corrections asked for in the form (only the fields the form carries)."""
    station = entry.station
    form = request.form
    changes = {}
    if kind in ("visit", "service"):
        at = parse_local_time(station, entry.local_date, form.get("time"))
        if at is None:
            errors.append(_("Please give the time as hours and minutes, e.g. 09:30."))
        elif at == entry.at.replace(second=0, microsecond=0):
            changes["at"] = entry.at  # the same minute: unchanged
        else:
            changes["at"] = at
    if kind == "service":
        service = Service.get_or_none(Service.id == parse_int(form.get("service_id")))
        if service is None or service.station_id not in (None, station.id):
            errors.append(_("Please choose a service."))
        else:
            changes["service"] = service
        text = form.get("minutes", "").strip()
        minutes = parse_int(text, 0, 1440) if text else None
        if text and minutes is None:
            errors.append(_("Minutes must be between 0 and 1440. Nothing was changed."))
        changes["minutes"] = minutes
        provider = None
        if form.get("provider_id"):
            provider = _person(("volunteer", "staff"), "provider_id", station=station)
            if provider is None:
                errors.append(_("Please choose who gave the service, or nobody."))
        changes["provider"] = provider
        changes["note"] = form.get("note", "").strip()[:500]
    if kind == "shift":
        start = parse_local_time(station, entry.local_date, form.get("time"))
        if start is None:
            errors.append(_("Please give the time as hours and minutes, e.g. 09:30."))
        elif entry.started_at.replace(second=0, microsecond=0) != start:
            changes["started_at"] = start
        if form.get("end_time", "").strip():
            end = parse_local_time(station, entry.local_date, form.get("end_time"))
            if end is None:
                errors.append(_("Please give the end time as hours and minutes, e.g. 11:30."))
            elif end < (start or entry.started_at):
                end += datetime.timedelta(days=1)  # a shift past midnight
            if end is not None and (entry.ended_at is None or entry.ended_at.replace(
                    second=0, microsecond=0) != end):
                changes["ended_at"] = end
        text = form.get("minutes", "").strip()
        if text and entry.ended_at is not None:
            minutes = parse_int(text, 0, 1440)
            if minutes is None:
                errors.append(_("Minutes must be between 0 and 1440. Nothing was changed."))
            elif minutes != entry.minutes:
                changes["minutes"] = minutes
        changes["content"] = form.get("content", "").strip()[:200]
    return changes


@bp.route("/log/<kind>/<int:entry_id>", methods=["GET", "POST"])
@permission_required("edit_log")
def log_entry(kind, entry_id):
    """One entry: correct it (with a reason), void it, confirm a shift; its history."""
    entry = _entry(kind, entry_id)
    station = entry.station
    errors = []
    if request.method == "POST":
        changes = _changes(kind, entry, errors)
        if not errors:
            try:
                corrections.correct(entry, changes, actor=g.user,
                                    reason=request.form.get("reason", ""))
            except corrections.CorrectionError as error:
                errors.append(correction_message(error.code))
        if not errors:
            flash(_("The correction is saved. The old values are kept in the audit log."))
            return redirect(url_for("station_admin.log", date=entry.local_date.isoformat()))
    return (render_template("station_admin/log_entry.html", station=station, kind=kind,
                            entry=entry, errors=errors, form=request.form,
                            history=_entry_history(kind, entry),
                            services=Service.for_station(station, active_only=False),
                            providers=station_people(station, ("volunteer", "staff"))),
            422 if errors else 200)


@bp.route("/log/<kind>/<int:entry_id>/void", methods=["POST"])
@permission_required("void_log")
def log_void(kind, entry_id):
    """Void an entry with a reason; it stays in the log, marked void, and no longer counts."""
    entry = _entry(kind, entry_id)
    try:
        corrections.void(entry, actor=g.user, reason=request.form.get("reason", ""))
    except corrections.CorrectionError as error:
        flash(correction_message(error.code), "error")
        return redirect(url_for("station_admin.log_entry", kind=kind, entry_id=entry.id))
    flash(_("The entry is void. It stays in the log with your reason."))
    return redirect(url_for("station_admin.log", date=entry.local_date.isoformat()))


@bp.route("/log/shift/<int:entry_id>/confirm", methods=["POST"])
@permission_required("confirm_shifts")
def shift_confirm(entry_id):
    """Confirm a volunteer shift (its hours then count on certificates)."""
    shift = _entry("shift", entry_id)
    try:
        corrections.confirm_shift(shift, actor=g.user)
        flash(_("The shift is confirmed."))
    except corrections.CorrectionError as error:
        flash(correction_message(error.code), "error")
    target = request.form.get("back", "")
    if target.startswith("/admin/") and not target.startswith("//"):
        return redirect(target)
    return redirect(url_for("station_admin.log", date=shift.local_date.isoformat()))
