"""The only code that writes check-ins, check-outs, services, shifts and attendance.

Each function is one transaction. A ``client_id`` chosen by the caller (the
kiosk makes one per action) makes a retried request return the row the first
request created instead of writing a second one.

The database itself refuses a second check-in or check-out of a person on one day and a
second open shift of a volunteer (partial unique indexes, see models.py). When two requests
race (PostgreSQL runs them side by side), the loser's insert fails; ``_once`` then runs the
whole step again, and the second run answers exactly as a second scan a moment later would.
"""
import functools
import logging

from peewee import IntegrityError

from core import audited
from core.clock import local_date, local_to_utc, station_zone, to_local  # noqa: F401
from core.database import insert_row
# Who is in and who is on shift: the writes below ask the one reader of each question.
from core.presence import day_status, open_shift, same_day_visits, status_after
from models import (Attendance, HelpRequest, ServiceRecord, Station, Visit, VolunteerShift, audit,
                    db, utcnow)


class AlreadyCheckedIn(Exception):
    """The person already checked in today; `last` is their latest check event of the day."""

    def __init__(self, last):
        super().__init__("already checked in")
        self.last = last

    @property
    def state(self):
        """'in' or 'out', as day_status would say."""
        return status_after(self.last)


class NotCheckedIn(Exception):
    """A check-out was asked for a person who is not checked in today."""


class ShiftAlreadyOpen(Exception):
    """The volunteer already has a shift in progress."""

    def __init__(self, shift):
        super().__init__("shift already open")
        self.shift = shift


class NoOpenShift(Exception):
    """An end of shift was asked for a volunteer with no shift in progress."""


class ClientIdTaken(Exception):
    """The client id names another person's entry: a broken or hostile client, never a retry."""


# A race lost on a unique index is decided by the time the step runs again; a third failure
# is not a race but a real conflict, and is raised.
ATTEMPTS = 3
log = logging.getLogger("station.attendance")


def _once(step):
    """Run a write step again when the database refused it as a duplicate (a lost race)."""
    @functools.wraps(step)
    def run(*args, **kwargs):
        for attempt in range(ATTEMPTS):
            try:
                return step(*args, **kwargs)
            except IntegrityError:
                if attempt == ATTEMPTS - 1:
                    raise
                log.debug("%s: a simultaneous duplicate was refused; running it again",
                          step.__name__)
    return run


def _by_client_id(model, client_id, field=None):
    if not client_id:
        return None
    field = field or model.client_id
    return model.get_or_none(field == client_id)


def _create_once(model, client_id, **fields):
    """Create a row unless one with this client id exists; (row, created).

    Inside a caller's transaction: a duplicate refused by the database is raised for
    the caller's step to run again (``_once``).
    """
    existing = _by_client_id(model, client_id)
    if existing is not None:
        return existing, False
    with db.atomic():
        return model.create(client_id=client_id or None, **fields), True


@_once
def check_in(person, station, *, source="scanner", device=None, client_id=None, at=None,
             recorded_by=None):
    """Check a person in for the station's day; (visit, created).

    A retry with the same client id returns the first visit. A second check-in
    the same day raises AlreadyCheckedIn: the kiosk then offers services or
    check-out instead. The hot path of the kiosk: one read, one insert.
    """
    at = at or utcnow()
    day = local_date(station, at)
    with db.atomic():
        # One read answers both "is this a retry?" and "is the person already in?".
        rows = same_day_visits(person, station, day, client_id)
        for row in rows:
            if client_id and row.client_id == client_id:
                _check_owner(row.person_id, person, row, device)
                return row, False
        if rows:  # newest first: the day's latest check-in or check-out
            raise AlreadyCheckedIn(rows[0])
        visit = insert_row(Visit, station=station, person=person, kind="check_in", at=at,
                           local_date=day, source=source, device=device,
                           client_id=client_id or None, recorded_by=recorded_by)
        if recorded_by is not None:
            audit("visit.add", actor=recorded_by, station=station, obj=visit,
                  after={"person": person.id, "kind": "check_in", "at": at})
    return visit, True


def _check_owner(person_id, person, row=None, device=None):
    """Refuse a client id that names another person's entry, or another kiosk's.

    A client id is a kiosk's name for its own action: only that kiosk, for that person, gets
    the entry back; anything else is refused rather than answered with someone else's visit.
    """
    if person_id != person.id or (device is not None and row is not None
                                  and row.device_id != device.id):
        raise ClientIdTaken()


@_once
def check_out(person, station, *, source="scanner", device=None, client_id=None, at=None,
              recorded_by=None):
    """Check a person out; (visit, created). Raises NotCheckedIn when not in."""
    with db.atomic():
        existing = _by_client_id(Visit, client_id)
        if existing is not None:
            _check_owner(existing.person_id, person, existing, device)
            return existing, False
        at = at or utcnow()
        day = local_date(station, at)
        if day_status(person, station, day) != "in":
            raise NotCheckedIn()
        visit, created = _create_once(Visit, client_id, station=station, person=person,
                                      kind="check_out", at=at, local_date=day, source=source,
                                      device=device, recorded_by=recorded_by)
        if created and recorded_by is not None:
            audit("visit.add", actor=recorded_by, station=station, obj=visit,
                  after={"person": person.id, "kind": "check_out", "at": at})
    return visit, created


@_once
def record_services(recipient, station, services, *, provider=None, source="scanner",
                    device=None, client_id=None, at=None, recorded_by=None, minutes=None,
                    note="", activity=None):
    """Record one service record per service for a resident; the list of records."""
    at = at or utcnow()
    day = local_date(station, at)
    records = []
    with db.atomic():
        for service in services:
            cid = "%s:%d" % (client_id, service.id) if client_id else None
            record, created = _create_once(
                ServiceRecord, cid, station=station, recipient=recipient, service=service,
                provider=provider, at=at, local_date=day, source=source, device=device,
                recorded_by=recorded_by, note=note, activity=activity,
                minutes=minutes if minutes is not None else service.default_minutes)
            if not created:
                _check_owner(record.recipient_id, recipient, record, device)
            elif recorded_by is not None:
                audit("service_record.add", actor=recorded_by, station=station, obj=record,
                      after={"recipient": recipient.id, "service": service.id,
                             "provider": provider.id if provider else None, "at": at})
            records.append(record)
    return records


@_once
def start_shift(volunteer, station, *, source="scanner", device=None, client_id=None, at=None,
                recorded_by=None, content="", activity=None):
    """Start a volunteer's shift; (shift, created). Raises ShiftAlreadyOpen."""
    with db.atomic():
        existing = _by_client_id(VolunteerShift, client_id)
        if existing is not None:
            _check_owner(existing.volunteer_id, volunteer, existing, device)
            return existing, False
        current = open_shift(volunteer)
        if current is not None:
            raise ShiftAlreadyOpen(current)
        at = at or utcnow()
        shift, created = _create_once(
            VolunteerShift, client_id, station=station, volunteer=volunteer, started_at=at,
            local_date=local_date(station, at), source=source, device=device,
            recorded_by=recorded_by, content=content, activity=activity,
            place=station.name, organiser=station.organisation or station.name)
    return shift, created


def shift_minutes(started_at, ended_at):
    """Whole minutes of service between two times (never negative)."""
    return max(0, int((ended_at - started_at).total_seconds() // 60))


def end_shift(volunteer, station, *, client_id=None, at=None, recorded_by=None):
    """End the volunteer's shift in progress; (shift, ended_now). Raises NoOpenShift."""
    with db.atomic():
        if client_id:
            done = VolunteerShift.get_or_none(VolunteerShift.end_client_id == client_id)
            if done is not None:
                _check_owner(done.volunteer_id, volunteer)
                return done, False
        shift = open_shift(volunteer)
        if shift is None:
            raise NoOpenShift()
        at = at or utcnow()
        ended_at = max(at, shift.started_at)
        minutes = shift_minutes(shift.started_at, ended_at)
        # Only while it is still open: of two simultaneous ends, the second finds it ended
        # (PostgreSQL re-reads the row after the first commits) and answers as a second scan.
        ended = (VolunteerShift.update(ended_at=ended_at, minutes=minutes,
                                       end_client_id=client_id or None)
                 .where((VolunteerShift.id == shift.id) & VolunteerShift.ended_at.is_null())
                 .execute())
        if not ended:
            raise NoOpenShift()
        shift.ended_at, shift.minutes, shift.end_client_id = ended_at, minutes, client_id or None
    return shift, True


def close_open_shifts(station, now=None):
    """Close shifts left open past the station's closing time; mark them for review.

    A shift that started on an earlier day, or today after closing time has
    passed, ends at its day's closing time (or at its start, if it started
    later). Returns the shifts closed.
    """
    now = now or utcnow()
    closed = []
    with db.atomic():
        for shift in VolunteerShift.select().where(
                (VolunteerShift.station == station) & VolunteerShift.ended_at.is_null()
                & (VolunteerShift.status != "voided")):
            closing = local_to_utc(station, shift.local_date, station.closing_time)
            if now < closing:
                continue
            shift.ended_at = max(closing, shift.started_at)
            shift.minutes = shift_minutes(shift.started_at, shift.ended_at)
            shift.auto_closed = True
            shift.save()
            audit("shift.auto_close", actor_label="system", station=station, obj=shift,
                  after={"ended_at": shift.ended_at, "minutes": shift.minutes})
            closed.append(shift)
    return closed


def close_all_open_shifts(now=None):
    """close_open_shifts for every station; the shifts closed."""
    return [shift for station in Station.select() for shift in close_open_shifts(station, now)]


@_once
def record_attendance(activity, person, *, source="scanner", device=None, client_id=None,
                      at=None, recorded_by=None):
    """Record a person at an activity, once; (attendance, created)."""
    with db.atomic():
        existing = _by_client_id(Attendance, client_id)
        if existing is not None:
            _check_owner(existing.person_id, person, existing, device)
            return existing, False
        existing = Attendance.get_or_none((Attendance.activity == activity)
                                          & (Attendance.person == person))
        if existing is not None and existing.voided_at is not None:
            # A new scan or walk-in after a void is new evidence that the person came.
            before = {"voided_at": existing.voided_at, "void_reason": existing.void_reason}
            existing.voided_at, existing.voided_by, existing.void_reason = None, None, ""
            existing.at, existing.source, existing.device = at or utcnow(), source, device
            existing.recorded_by = recorded_by
            existing.save()
            audit("attendance.restore", actor=recorded_by,
                  actor_label="" if recorded_by else "kiosk:%s" % (device.id if device else "-"),
                  station=activity.station_id, obj=existing, before=before,
                  after={"activity": activity.id, "person": person.id})
            return existing, True
        if existing is not None:
            return existing, False
        row = Attendance.create(activity=activity, person=person, at=at or utcnow(),
                                source=source, device=device, client_id=client_id or None,
                                recorded_by=recorded_by)
        if recorded_by is not None:
            audit("attendance.add", actor=recorded_by, station=activity.station_id, obj=row,
                  after={"activity": activity.id, "person": person.id})
    return row, True


@_once
def request_help(station, *, device=None, client_id=None):
    """A kiosk's 'I have no card' call for staff; (request, created)."""
    with db.atomic():
        row, created = _create_once(HelpRequest, client_id, station=station, device=device)
        if not created and device is not None and row.device_id != device.id:
            raise ClientIdTaken()
    return row, created


def resolve_help(help_request, *, actor, note=""):
    """Mark a kiosk's call for staff as dealt with (audited); True when it was still open."""
    note = note[:200]
    with db.atomic():
        row = HelpRequest.get_by_id(help_request.id)
        if row.resolved_at is not None:
            return False
        audited.update(row, {"resolved_at": utcnow(), "resolved_by": actor, "note": note},
                       action="help.resolve", actor=actor, detail=note)
    return True


def check_in_at_desk(person, station, *, recorded_by, help_request=None):
    """Staff check a person in from the admin view; (visit, created).

    The help request that called staff, if any, is resolved in the same transaction; when
    the person is already in (AlreadyCheckedIn, raised), it is resolved all the same.
    """
    try:
        with db.atomic():
            visit = check_in(person, station, source="staff", recorded_by=recorded_by)
            if help_request is not None:
                resolve_help(help_request, actor=recorded_by, note="checked in #%d" % person.id)
        return visit
    except AlreadyCheckedIn:
        if help_request is not None:
            resolve_help(help_request, actor=recorded_by,
                         note="already checked in #%d" % person.id)
        raise
