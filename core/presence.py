"""Who is in, and what happened on a day: the one reader of each question.

Is this person in today? (``day_status``; ``day_statuses`` for a list of people; the
check-in's own read is ``same_day_visits``.) Who is here now? (``here``, ``on_shift``.)
The visits and services of a day or a range (``visits``, ``services``) and the whole log
(``log_entries``), which the today screen, the log, the day's 签到表 and the exports read.

Only reads: the writes are core.attendance's, which asks here too.
"""
from peewee import JOIN

from core.clock import local_date
from core.database import fetch_rows
from models import Person, Service, ServiceRecord, Visit, VolunteerShift

# A person's valid visits of one station's day. Fixed SQL text (core.database.fetch_rows): the
# kiosk's check-in reads with it on its hot path.
SAME_DAY = '"person_id" = ? AND "station_id" = ? AND "local_date" = ? AND "voided_at" IS NULL'
NEWEST_FIRST = '"at" DESC, "id" DESC'


def status_after(last_visit):
    """'none', 'in' or 'out': what a person's latest valid visit of the day says."""
    if last_visit is None:
        return "none"
    return "in" if last_visit.kind == "check_in" else "out"


def same_day_visits(person, station, day, client_id=None):
    """The person's valid visits of the day, newest first, in one read.

    With a client id, the visit that client id made comes too (whoever's and whenever it
    is): the check-in tells a retry from a second scan with this one read.
    """
    where, params = SAME_DAY, [person.id, station.id, day.isoformat()]
    if client_id:
        where, params = '"client_id" = ? OR (%s)' % where, [client_id] + params
    return fetch_rows(Visit, where, *params, order_by=NEWEST_FIRST)


def day_status(person, station, day=None):
    """'none', 'in' or 'out': is the person in at the station on the day (today by default)?"""
    rows = same_day_visits(person, station, day or local_date(station))
    return status_after(rows[0] if rows else None)


def visits(station, start, end=None, *, include_voided=False, person_ids=None):
    """The station's visits from day `start` to `end` (one day by default), with the person,
    in time order."""
    query = (Visit.select(Visit, Person).join(Person)
             .where((Visit.station == station)
                    & Visit.local_date.between(start, end or start)))
    if not include_voided:
        query = query.where(Visit.voided_at.is_null())
    if person_ids is not None:
        query = query.where(Visit.person.in_(list(person_ids) or [0]))
    return list(query.order_by(Visit.at, Visit.id))


def day_statuses(station, people, day=None):
    """{person id: 'none', 'in' or 'out'} for several people, in one read."""
    ids = [p.id for p in people]
    last = {}
    for visit in visits(station, day or local_date(station), person_ids=ids):
        last[visit.person_id] = visit
    return {pid: status_after(last.get(pid)) for pid in ids}


def here(day_visits):
    """The people in now, from a day's valid visits in time order: each one's first check-in
    of the day, earliest first."""
    last, first_in = {}, {}
    for visit in day_visits:
        last[visit.person_id] = visit
        if visit.kind == "check_in":
            first_in.setdefault(visit.person_id, visit)
    return sorted((first_in.get(pid, v) for pid, v in last.items() if v.kind == "check_in"),
                  key=lambda v: v.at)


def open_shift(volunteer):
    """The volunteer's shift in progress, or None."""
    return (VolunteerShift.select()
            .where((VolunteerShift.volunteer == volunteer) & VolunteerShift.ended_at.is_null()
                   & (VolunteerShift.status != "voided"))
            .order_by(VolunteerShift.started_at.desc()).first())


def on_shift(station):
    """The station's shifts in progress, with the volunteer, earliest first."""
    return list(VolunteerShift.select(VolunteerShift, Person).join(Person)
                .where((VolunteerShift.station == station)
                       & VolunteerShift.ended_at.is_null()
                       & (VolunteerShift.status != "voided"))
                .order_by(VolunteerShift.started_at))


def services(station, start, end=None, *, include_voided=False):
    """The station's service records from day `start` to `end` (one day by default), with the
    service, the resident and who gave it, in time order."""
    recipient, provider = Person.alias(), Person.alias()
    query = (ServiceRecord.select(ServiceRecord, Service, recipient, provider)
             .join(Service).switch(ServiceRecord)
             .join(recipient, on=(ServiceRecord.recipient == recipient.id), attr="recipient")
             .switch(ServiceRecord)
             .join(provider, JOIN.LEFT_OUTER, on=(ServiceRecord.provider == provider.id),
                   attr="provider")
             .where((ServiceRecord.station == station)
                    & ServiceRecord.local_date.between(start, end or start)))
    if not include_voided:
        query = query.where(ServiceRecord.voided_at.is_null())
    return list(query.order_by(ServiceRecord.at, ServiceRecord.id))


def shifts(station, start, end=None):
    """The station's shifts that started from day `start` to `end`, with the volunteer."""
    volunteer = Person.alias()
    return list(VolunteerShift.select(VolunteerShift, volunteer)
                .join(volunteer, on=(VolunteerShift.volunteer == volunteer.id),
                      attr="volunteer")
                .where((VolunteerShift.station == station)
                       & VolunteerShift.local_date.between(start, end or start)))


def log_entries(station, start, end):
    """Every entry of the station's log from day `start` to `end`: (time, kind, row).

    kind is "visit", "service" or "shift"; voided entries are included; the people and the
    service each row names come in the same query (the log page and the exports read them).
    """
    entries = [(v.at, "visit", v) for v in visits(station, start, end, include_voided=True)]
    entries += [(r.at, "service", r) for r in services(station, start, end,
                                                         include_voided=True)]
    entries += [(s.started_at, "shift", s) for s in shifts(station, start, end)]
    entries.sort(key=lambda e: (e[0], e[1], e[2].id))
    return entries
