"""The figures funders ask for, for a station (or every station) and a range of local days.

Definitions (the report page and the README say the same in words):

- 签到人次 check-ins: check-in events that are not voided.
- 服务记录 service records: service records that are not voided.
- 服务人次 service count: every service record, plus every check-in on a day when that person
  received no recorded service. A visit with three services counts three; a visit with no
  service recorded still counts once; nothing is counted twice.
- 受益人数 people served: distinct people with a check-in or a service record in the range
  (nothing voided counts).
- Volunteer hours: minutes of finished, not voided shifts, confirmed and pending apart.
- New registrations: people added in the range (by the station's local day).

Days are the station's local days (``local_date`` stored with every event), hours the station's
local clock. Voided records never count. Erased people keep their anonymous records, so past
figures do not change when someone is erased.
"""
import datetime
from collections import defaultdict

from peewee import fn

from core.activities import activity_figures
from core.clock import station_zone
from core.database import is_sqlite
from models import (DISABILITY_CATEGORIES, PERSON_KINDS, Person, Service, ServiceRecord, Station,
                    Visit, VolunteerShift, db)

UNKNOWN = "unknown"
MAX_DAYS = 3 * 366  # a range longer than three years is refused as a likely typo


class BadRange(ValueError):
    """A date range that cannot be reported on; ``str()`` says why (in the caller's words)."""

    def __init__(self, code):
        super().__init__(code)
        self.code = code  # "order", "too_long"


def check_range(start, end):
    """Raise BadRange unless start <= end and the range is at most three years."""
    if end < start:
        raise BadRange("order")
    if (end - start).days + 1 > MAX_DAYS:
        raise BadRange("too_long")


def month_range(year, month):
    """(first day, last day) of a month."""
    first = datetime.date(year, month, 1)
    following = datetime.date(year + (month == 12), month % 12 + 1, 1)
    return first, following - datetime.timedelta(days=1)


def quarter_range(year, quarter):
    """(first day, last day) of a quarter (1-4)."""
    first, _ = month_range(year, 3 * quarter - 2)
    _, last = month_range(year, 3 * quarter)
    return first, last


def days(start, end):
    """Every day from start to end inclusive."""
    return [start + datetime.timedelta(days=i) for i in range((end - start).days + 1)]


def _in(model, station, start, end):
    cond = (model.local_date >= start) & (model.local_date <= end) & model.voided_at.is_null()
    if station is not None:
        cond &= model.station == station
    return cond


def _checkins(station, start, end):
    return _in(Visit, station, start, end) & (Visit.kind == "check_in")


def _utc_hour(field):
    """An SQL expression for the UTC 'YYYY-MM-DD HH' of a timestamp (SQLite or PostgreSQL)."""
    if is_sqlite():
        return fn.strftime("%Y-%m-%d %H", field)
    # coerce(False): the text as PostgreSQL gives it, not turned back into a datetime.
    return fn.to_char(field, "YYYY-MM-DD HH24").coerce(False)


def _local_hour_counts(model, cond, field, zone):
    counts = [0] * 24
    for bucket, n in model.select(_utc_hour(field), fn.COUNT(model.id)).where(cond) \
            .group_by(_utc_hour(field)).tuples():
        if not isinstance(bucket, datetime.datetime):
            bucket = datetime.datetime.strptime(bucket, "%Y-%m-%d %H")
        at = bucket.replace(tzinfo=datetime.timezone.utc)
        counts[at.astimezone(zone).hour] += n
    return counts


def _hours(minutes):
    return round((minutes or 0) / 60.0, 2)


def _count(checkins, records):
    """服务人次 of one person on one day: the services, or the visits when no service."""
    return records if records else checkins


def service_counts(station, start, end):
    """The headline figures only: {'service_count', 'people', 'checkins', 'records'}."""
    person_days = _person_days(station, start, end)
    return {"service_count": sum(_count(c, r) for c, r in person_days.values()),
            "people": len({person for person, _ in person_days}),
            "checkins": sum(c for c, _ in person_days.values()),
            "records": sum(r for _, r in person_days.values())}


def _raw(query):
    """The rows of a query as the driver returns them (no per-value conversion: fast)."""
    sql, params = query.sql()
    return db.execute_sql(sql, params).fetchall()


def _person_days(station, start, end):
    """{(person id, day): (check-ins, service records)} for the range."""
    table = {}
    for person, day, n in _raw(Visit.select(Visit.person, Visit.local_date, fn.COUNT(Visit.id))
                               .where(_checkins(station, start, end))
                               .group_by(Visit.person, Visit.local_date)):
        table[(person, day)] = (n, 0)
    for person, day, n in _raw(ServiceRecord.select(ServiceRecord.recipient,
                                                    ServiceRecord.local_date,
                                                    fn.COUNT(ServiceRecord.id))
                               .where(_in(ServiceRecord, station, start, end))
                               .group_by(ServiceRecord.recipient, ServiceRecord.local_date)):
        checkins = table.get((person, day))
        table[(person, day)] = (checkins[0] if checkins else 0, n)
    dates = {}
    return {(person, dates.get(day) or dates.setdefault(day, _as_date(day))): value
            for (person, day), value in table.items()}


def _as_date(value):
    if isinstance(value, str):
        return datetime.date.fromisoformat(value[:10])
    return value


def report(station, start, end):
    """Every figure of the report for a station (None: every station) and a range of local days.

    Returns a dict; see the module docstring for what each figure counts.
    """
    check_range(start, end)
    zone = station_zone(station if station is not None else Station.select().first()
                        or Station(timezone="Asia/Shanghai"))
    person_days = _person_days(station, start, end)

    people = {person for person, _ in person_days}
    categories = {}
    if people:
        ids = list(people)
        for i in range(0, len(ids), 900):
            for pid, category in (Person.select(Person.id, Person.disability_category)
                                  .where(Person.id.in_(ids[i:i + 900])).tuples()):
                categories[pid] = category if category in DISABILITY_CATEGORIES else UNKNOWN

    by_day = {d: {"service_count": 0, "people": set(), "checkins": 0, "records": 0}
              for d in days(start, end)}
    by_category = {c: {"service_count": 0, "people": set()}
                   for c in list(DISABILITY_CATEGORIES) + [UNKNOWN]}
    total = 0
    checkins = 0
    records = 0
    for (person, day), entry in person_days.items():
        count = _count(*entry)
        total += count
        checkins += entry[0]
        records += entry[1]
        row = by_day[day]
        row["service_count"] += count
        row["people"].add(person)
        row["checkins"] += entry[0]
        row["records"] += entry[1]
        cat = by_category[categories.get(person, UNKNOWN)]
        cat["service_count"] += count
        cat["people"].add(person)
    for row in list(by_day.values()) + list(by_category.values()):
        row["people"] = len(row["people"])

    # By service: records and distinct recipients.
    by_service = []
    query = (ServiceRecord.select(Service.id, Service.name_zh, Service.name_en,
                                  fn.COUNT(ServiceRecord.id),
                                  fn.COUNT(ServiceRecord.recipient.distinct()),
                                  fn.SUM(ServiceRecord.minutes))
             .join(Service).where(_in(ServiceRecord, station, start, end))
             .group_by(Service.id, Service.name_zh, Service.name_en)
             .order_by(fn.COUNT(ServiceRecord.id).desc(), Service.name_zh).tuples())
    for sid, name_zh, name_en, n, distinct, minutes in query:
        by_service.append({"service_id": sid, "name_zh": name_zh, "name_en": name_en or name_zh,
                           "records": n, "people": distinct, "hours": _hours(minutes)})

    by_hour = {"checkins": _local_hour_counts(Visit, _checkins(station, start, end), Visit.at,
                                              zone),
               "records": _local_hour_counts(ServiceRecord, _in(ServiceRecord, station, start,
                                                                end), ServiceRecord.at, zone)}

    volunteers = volunteer_hours(station, start, end)

    # New registrations: people created on a local day within the range.
    since = local_to_utc_zone(zone, start, datetime.time(0))
    until = local_to_utc_zone(zone, end + datetime.timedelta(days=1), datetime.time(0))
    cond = (Person.created_at >= since) & (Person.created_at < until)
    if station is not None:
        cond &= Person.station == station
    registrations = {kind: 0 for kind in PERSON_KINDS}
    for kind, n in Person.select(Person.kind, fn.COUNT(Person.id)).where(cond) \
            .group_by(Person.kind).tuples():
        registrations[kind] = registrations.get(kind, 0) + n

    return {
        "station": station, "start": start, "end": end,
        "service_count": total, "people": len(people), "checkins": checkins,
        "records": records,
        "by_day": [dict(day=d, **v) for d, v in by_day.items()],
        "by_category": [dict(category=c, **v) for c, v in by_category.items()],
        "by_service": by_service, "by_hour": by_hour,
        "volunteers": volunteers,
        "volunteer_hours": {"confirmed": round(sum(v["confirmed"] for v in volunteers), 2),
                            "pending": round(sum(v["pending"] for v in volunteers), 2),
                            "shifts": sum(v["shifts"] for v in volunteers)},
        "registrations": registrations,
        "new_people": sum(registrations.values()),
        "activities": activity_figures(station, start, end),
    }


def local_to_utc_zone(zone, day, time):
    """A local day and time in `zone` as naive UTC."""
    aware = datetime.datetime.combine(day, time, tzinfo=zone)
    return aware.astimezone(datetime.timezone.utc).replace(tzinfo=None)


def volunteer_hours(station, start, end, volunteer=None):
    """Per volunteer: finished, not voided shifts in the range; hours confirmed and pending.

    [{'volunteer': Person, 'shifts': n, 'confirmed': h, 'pending': h, 'total': h}], most first.
    """
    cond = (_in(VolunteerShift, station, start, end) & (VolunteerShift.status != "voided")
            & VolunteerShift.minutes.is_null(False))
    if volunteer is not None:
        cond &= VolunteerShift.volunteer == volunteer
    rows = defaultdict(lambda: {"shifts": 0, "confirmed": 0, "pending": 0})
    for vid, status, n, minutes in (VolunteerShift
                                    .select(VolunteerShift.volunteer, VolunteerShift.status,
                                            fn.COUNT(VolunteerShift.id),
                                            fn.SUM(VolunteerShift.minutes))
                                    .where(cond)
                                    .group_by(VolunteerShift.volunteer, VolunteerShift.status)
                                    .tuples()):
        row = rows[vid]
        row["shifts"] += n
        row[status if status in ("confirmed", "pending") else "pending"] += minutes or 0
    people = {p.id: p for p in Person.select().where(Person.id.in_(list(rows)))} if rows else {}
    out = []
    for vid, row in rows.items():
        out.append({"volunteer": people.get(vid), "volunteer_id": vid, "shifts": row["shifts"],
                    "confirmed": _hours(row["confirmed"]), "pending": _hours(row["pending"]),
                    "total": _hours(row["confirmed"] + row["pending"]),
                    "minutes": row["confirmed"] + row["pending"],
                    "confirmed_minutes": row["confirmed"]})
    out.sort(key=lambda r: (-r["minutes"], r["volunteer_id"]))
    return out


def volunteer_shifts(volunteer, start, end, confirmed_only=False):
    """The volunteer's finished, not voided shifts in the range, oldest first."""
    cond = ((VolunteerShift.volunteer == volunteer) & VolunteerShift.voided_at.is_null()
            & (VolunteerShift.status != "voided") & VolunteerShift.minutes.is_null(False)
            & (VolunteerShift.local_date >= start) & (VolunteerShift.local_date <= end))
    if confirmed_only:
        cond &= VolunteerShift.status == "confirmed"
    return list(VolunteerShift.select().where(cond)
                .order_by(VolunteerShift.started_at, VolunteerShift.id))


def compare_stations(start, end):
    """Headline figures for every station side by side (for a district administrator)."""
    check_range(start, end)
    out = []
    for station in Station.select().order_by(Station.code):
        counts = service_counts(station, start, end)
        hours = volunteer_hours(station, start, end)
        out.append(dict(station=station, **counts,
                        volunteer_hours=round(sum(h["total"] for h in hours), 2),
                        volunteers=len(hours)))
    return out




__all__ = ["report", "service_counts", "volunteer_hours", "volunteer_shifts",
           "compare_stations", "month_range", "quarter_range", "check_range", "BadRange",
           "days"]
