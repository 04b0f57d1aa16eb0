"""Staff corrections to the log: correct, void, confirm; add a missed volunteer shift.

Nothing here deletes a row. A correction changes fields in place and writes the old and
the new values to the audit log in the same transaction; a void keeps the row with who
voided it, when and why. Missed check-ins, check-outs and services are added through
core.attendance (check_in, check_out, record_services with source "staff").
"""
import datetime

from core.attendance import shift_minutes
from core.clock import local_date
from models import Service, ServiceRecord, Visit, VolunteerShift, audit, db, utcnow

# What staff may correct on each kind of entry.
CORRECTABLE = {
    Visit: ("at",),
    ServiceRecord: ("at", "service", "minutes", "provider", "note"),
    VolunteerShift: ("started_at", "ended_at", "minutes", "content"),
}
AUDIT_NAMES = {Visit: "visit", ServiceRecord: "service_record", VolunteerShift: "shift"}
MAX_SHIFT = datetime.timedelta(hours=24)
MAX_MINUTES = 24 * 60


class CorrectionError(ValueError):
    """A correction that cannot be made; ``code`` says why (the view words the message)."""

    def __init__(self, code):
        super().__init__(code)
        self.code = code


def _plain(value):
    """A field value as it is written to the audit log."""
    if isinstance(value, Service):
        return {"id": value.id, "name": value.name_zh}
    if hasattr(value, "_meta"):  # a person: the id only, names stay out of the audit log
        return {"id": value.id}
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat(sep=" ") if isinstance(value, datetime.datetime) \
            else value.isoformat()
    return value


def _field_value(entry, field):
    if field in ("service", "provider"):
        return getattr(entry, field)  # the related row
    return getattr(entry, field)


def _same(a, b):
    if hasattr(a, "_meta") or hasattr(b, "_meta"):
        return (a.id if a is not None else None) == (b.id if b is not None else None)
    return a == b


def _check_reason(reason):
    reason = (reason or "").strip()
    if not reason:
        raise CorrectionError("reason_required")
    if len(reason) > 200:
        raise CorrectionError("reason_too_long")
    return reason


def correct(entry, changes, *, actor, reason):
    """Change some fields of a log entry; the old values go to the audit log. One transaction.

    ``changes`` maps field names (see CORRECTABLE) to new values; times are naive UTC.
    Returns the audit row. Raises CorrectionError when the change is not allowed.
    """
    model = type(entry)
    reason = _check_reason(reason)
    allowed = CORRECTABLE[model]
    for field in changes:
        if field not in allowed:
            raise CorrectionError("field_not_correctable")
    with db.atomic():
        entry = model.get_by_id(entry.id)  # the stored row, not a stale copy
        if entry.voided_at is not None:
            raise CorrectionError("voided")
        changed = {f: v for f, v in changes.items() if not _same(_field_value(entry, f), v)}
        if not changed:
            raise CorrectionError("nothing_changed")
        before = {f: _plain(_field_value(entry, f)) for f in changed}
        station = entry.station
        if "at" in changed:
            if local_date(station, changed["at"]) != entry.local_date:
                raise CorrectionError("other_day")
        if "minutes" in changed and changed["minutes"] is not None:
            if not 0 <= int(changed["minutes"]) <= MAX_MINUTES:
                raise CorrectionError("minutes_out_of_range")
        if model is VolunteerShift:
            start = changed.get("started_at", entry.started_at)
            end = changed.get("ended_at", entry.ended_at)
            if "started_at" in changed and local_date(station, start) != entry.local_date:
                raise CorrectionError("other_day")
            if end is not None:
                if end < start:
                    raise CorrectionError("end_before_start")
                if end - start > MAX_SHIFT:
                    raise CorrectionError("shift_too_long")
                span = shift_minutes(start, end)
                if "minutes" in changed:
                    if changed["minutes"] is None or int(changed["minutes"]) > span:
                        raise CorrectionError("minutes_longer_than_shift")
                elif "started_at" in changed or "ended_at" in changed:
                    before.setdefault("minutes", entry.minutes)
                    changed["minutes"] = span
            elif "minutes" in changed:
                raise CorrectionError("shift_open")
        for field, value in changed.items():
            setattr(entry, field, value)
        entry.save()
        row = audit("%s.correct" % AUDIT_NAMES[model], actor=actor, station=station, obj=entry,
                    before=before, after={f: _plain(v) for f, v in changed.items()},
                    detail=reason)
    return row


def void(entry, *, actor, reason):
    """Void a log entry with a reason: it stays, marked void, and no longer counts."""
    model = type(entry)
    reason = _check_reason(reason)
    with db.atomic():
        entry = model.get_by_id(entry.id)
        if entry.voided_at is not None:
            raise CorrectionError("voided")
        before = {"voided": False}
        entry.voided_at, entry.voided_by, entry.void_reason = utcnow(), actor, reason
        if model is VolunteerShift:
            before["status"] = entry.status
            entry.status = "voided"
        entry.save()
        audit("%s.void" % AUDIT_NAMES[model], actor=actor, station=entry.station, obj=entry,
              before=before, after={"voided": True, "status": "voided"}
              if model is VolunteerShift else {"voided": True}, detail=reason)
    return entry


def confirm_shift(shift, *, actor):
    """Confirm a finished volunteer shift (after review when it was closed automatically)."""
    with db.atomic():
        shift = VolunteerShift.get_by_id(shift.id)
        if shift.voided_at is not None or shift.status == "voided":
            raise CorrectionError("voided")
        if shift.ended_at is None:
            raise CorrectionError("shift_open")
        if shift.status == "confirmed":
            raise CorrectionError("already_confirmed")
        shift.status, shift.confirmed_by, shift.confirmed_at = "confirmed", actor, utcnow()
        shift.save()
        audit("shift.confirm", actor=actor, station=shift.station, obj=shift,
              before={"status": "pending"},
              after={"status": "confirmed", "minutes": shift.minutes,
                     "auto_closed": shift.auto_closed})
    return shift


def add_missed_shift(volunteer, station, *, started_at, ended_at, actor, reason, content=""):
    """Add a volunteer shift that was not recorded at the kiosk (pending until confirmed)."""
    reason = _check_reason(reason)
    if volunteer.kind != "volunteer":
        raise CorrectionError("not_a_volunteer")
    if ended_at < started_at:
        raise CorrectionError("end_before_start")
    if ended_at - started_at > MAX_SHIFT:
        raise CorrectionError("shift_too_long")
    if started_at > utcnow():
        raise CorrectionError("in_future")
    with db.atomic():
        shift = VolunteerShift.create(
            station=station, volunteer=volunteer, started_at=started_at, ended_at=ended_at,
            local_date=local_date(station, started_at),
            minutes=shift_minutes(started_at, ended_at), content=(content or "").strip()[:200],
            place=station.name, organiser=station.organisation or station.name,
            status="pending", source="staff", recorded_by=actor)
        audit("shift.add", actor=actor, station=station, obj=shift,
              after={"volunteer": volunteer.id, "started_at": _plain(started_at),
                     "ended_at": _plain(ended_at), "minutes": shift.minutes},
              detail=reason)
    return shift
