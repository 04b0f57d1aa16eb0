"""The monthly report on one year of a busy station, beside one plain SQL query.

Builds a temporary SQLite database with the project's schema and a year of data (at least
200,000 check-ins and 300,000 service records, some voided, plus volunteer shifts), with
bulk inserts in batches inside transactions. Then, on the same database in the same run:

- the monthly report through core.reports.report (every figure and breakdown),
- the headline figures through core.reports.service_counts,
- the same headline figures (服务人次, 受益人数) by one plain SQL query,

each the best of several runs, and prints the times and the ratios.
"""
import datetime
import os
import random
import shutil
import tempfile
import time

from peewee import SqliteDatabase

from core.database import SQLITE_PRAGMAS, migrate
from models import Person, Service, ServiceRecord, Station, Visit, VolunteerShift, db

YEAR = 2026
RESIDENTS = 3000
VOLUNTEERS = 60
CHECKINS_PER_DAY = 560      # x 365 = 204,400 check-ins
SERVICE_WEIGHTS = [0, 1, 1, 2, 2, 3]   # services per visit: mean 1.5 -> ~307,000 records
BATCH = 5000
REPEATS = 5

PLAIN_SQL = """
WITH pd AS (
  SELECT person_id AS p, local_date AS d, COUNT(*) AS c, 0 AS r FROM visit
   WHERE station_id = ? AND kind = 'check_in' AND voided_at IS NULL
     AND local_date BETWEEN ? AND ? GROUP BY person_id, local_date
  UNION ALL
  SELECT recipient_id, local_date, 0, COUNT(*) FROM service_record
   WHERE station_id = ? AND voided_at IS NULL AND local_date BETWEEN ? AND ?
   GROUP BY recipient_id, local_date),
agg AS (SELECT p, d, SUM(c) AS c, SUM(r) AS r FROM pd GROUP BY p, d)
SELECT SUM(CASE WHEN r > 0 THEN r ELSE c END), COUNT(DISTINCT p) FROM agg
"""


def _bulk(model, rows):
    for i in range(0, len(rows), BATCH):
        with db.atomic():
            model.insert_many(rows[i:i + BATCH]).execute()


def build(rng):
    """A year of one busy station; returns (station, counts)."""
    station = Station.create(code="BENCH", name="压力测试驿站", organisation="测试")
    services = [Service.create(station=station, code="s%d" % i, name_zh="服务%d" % i,
                               sort_order=i) for i in range(13)]
    created = datetime.datetime(YEAR - 1, 12, 1)
    people = [{"station": station.id, "kind": "resident", "name": "居民%d" % i,
               "disability_category": rng.choice([1, 2, 3, 4, 4, 4, 5, 6, 7, None]),
               "created_at": created} for i in range(RESIDENTS)]
    people += [{"station": station.id, "kind": "volunteer", "name": "志愿者%d" % i,
                "created_at": created} for i in range(VOLUNTEERS)]
    _bulk(Person, people)
    ids = [pid for (pid,) in Person.select(Person.id).where(Person.kind == "resident").tuples()]
    vol_ids = [pid for (pid,) in Person.select(Person.id)
               .where(Person.kind == "volunteer").tuples()]
    visits, records, shifts = [], [], []
    day = datetime.date(YEAR, 1, 1)
    while day.year == YEAR:
        base = datetime.datetime.combine(day, datetime.time(0)) - datetime.timedelta(hours=8)
        for pid in rng.sample(ids, CHECKINS_PER_DAY):
            at = base + datetime.timedelta(minutes=rng.randint(8 * 60, 18 * 60))
            voided = rng.random() < 0.02
            visits.append({"station": station.id, "person": pid, "kind": "check_in", "at": at,
                           "local_date": day, "source": "scanner",
                           "voided_at": at if voided else None})
            for k in range(rng.choice(SERVICE_WEIGHTS)):
                records.append({"station": station.id, "recipient": pid,
                                "service": rng.choice(services).id,
                                "at": at + datetime.timedelta(minutes=10 + 20 * k),
                                "local_date": day, "minutes": 30, "source": "scanner",
                                "voided_at": at if rng.random() < 0.02 else None})
        for vid in rng.sample(vol_ids, 12):
            start = base + datetime.timedelta(hours=rng.randint(8, 14))
            minutes = rng.choice([60, 90, 120, 180, 240])
            shifts.append({"station": station.id, "volunteer": vid, "started_at": start,
                           "ended_at": start + datetime.timedelta(minutes=minutes),
                           "local_date": day, "minutes": minutes,
                           "status": rng.choice(["confirmed", "confirmed", "pending"])})
        day += datetime.timedelta(days=1)
    _bulk(Visit, visits)
    _bulk(ServiceRecord, records)
    _bulk(VolunteerShift, shifts)
    return station, (len(visits), len(records), len(shifts))


def best_of(fn):
    times = []
    result = None
    for _ in range(REPEATS):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return min(times), result


def main():
    """Build the year, time the monthly report and the plain query, print the ratio."""
    from core import reports
    folder = tempfile.mkdtemp(prefix="bench-reports-")
    # Building the year is not what is measured: no fsync while loading.
    pragmas = dict(SQLITE_PRAGMAS, synchronous="off")
    database = SqliteDatabase(os.path.join(folder, "bench.sqlite3"), pragmas=pragmas)
    db.initialize(database)
    try:
        database.connect()
        migrate(database)
        t = time.perf_counter()
        station, (n_visits, n_records, n_shifts) = build(random.Random(5))
        print("built one year: %d check-ins, %d service records, %d shifts in %.1f s"
              % (n_visits, n_records, n_shifts, time.perf_counter() - t))
        start, end = reports.month_range(YEAR, 6)
        plain_t, (count, people) = best_of(lambda: database.execute_sql(
            PLAIN_SQL, (station.id, start, end) * 2).fetchone())
        counts_t, counts = best_of(lambda: reports.service_counts(station, start, end))
        report_t, report = best_of(lambda: reports.report(station, start, end))
        assert (counts["service_count"], counts["people"]) == (count, people), \
            (counts, count, people)
        assert (report["service_count"], report["people"]) == (count, people)
        print("month %s..%s: 服务人次 %d, 受益人数 %d (the report and the plain query agree)"
              % (start, end, count, people))
        print("plain SQL query (服务人次 + 受益人数):      %7.1f ms" % (plain_t * 1000))
        print("core.reports.service_counts (same two):  %7.1f ms  ratio %.2f"
              % (counts_t * 1000, counts_t / plain_t))
        print("core.reports.report (every figure):      %7.1f ms  ratio %.2f"
              % (report_t * 1000, report_t / plain_t))
        qt, _ = best_of(lambda: reports.report(station, *reports.quarter_range(YEAR, 2)))
        print("core.reports.report for a quarter:       %7.1f ms" % (qt * 1000))
    finally:
        database.close()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
