"""Report figures against a month counted by hand, and the reports page as staff see it.

The month (November 2026, station time Asia/Shanghai, UTC+8):

  resident A (physical, category 4), B (vision, 1), C (not recorded), D (only in October)
  Nov 3   A checks in 09:10, gets 康复训练 and 助餐            -> 2 (services)
  Nov 3   B checks in 10:05, no service                       -> 1 (visit)
  Nov 4   A checks in 09:30, no service                       -> 1
  Nov 4   C gets 助餐 at 12:00 without checking in             -> 1
  Nov 5   B checks in 08:55, gets 康复训练; a 助餐 voided      -> 1
  Nov 6   C checks in 14:00, the check-in voided              -> 0
  Nov 30  A checks in 23:30 (15:30 UTC: still Nov 30 locally) -> 1
  Dec 1   B checks in 00:30 (16:30 UTC Nov 30: Dec 1 locally) -> out of the month
  Oct 31  D checks in                                         -> out of the month

  服务人次 = 2+1+1+1+1+1 = 7; 受益人数 = A, B, C = 3; check-ins 5; service records 4.
  By service: 康复训练 2 records / 2 people; 助餐 2 / 2.
  By category: physical 4 (A) / 1; vision 2 (B) / 1; not recorded 1 (C) / 1.
  Volunteer V1: Nov 3 09:00-12:30 confirmed (3.5 h), Nov 10 14:00-16:15 pending (2.25 h),
  Nov 12 one hour voided. V2: Nov 20 08:00-10:00 confirmed (2 h); Oct 31 not in the month.
"""
import datetime
import re

import pytest

from core import attendance, reports
from models import AuditLog, Person, Service, Station, Visit, VolunteerShift, db, utcnow
from tests.helpers import connected, gen_person, gen_user, login_as

NOV = reports.month_range(2026, 11)


def utc(month, day, hour, minute=0):
    """A local (UTC+8) time in 2026 as naive UTC."""
    return datetime.datetime(2026, month, day, hour, minute) - datetime.timedelta(hours=8)


def make_month(station=None):
    """Arrange the month above; returns the people and services by letter."""
    station = station or Station.get()
    rehab = Service.create(station=station, code="rehab", name_zh="康复训练", name_en="Rehab")
    meal = Service.create(station=station, code="meal", name_zh="助餐", name_en="Meals")
    a, _ = gen_person("resident", name="甲居民", station=station)
    b, _ = gen_person("resident", name="乙居民", station=station)
    c, _ = gen_person("resident", name="丙居民", station=station)
    d, _ = gen_person("resident", name="丁居民", station=station)
    v1, _ = gen_person("volunteer", name="志愿者一", station=station)
    v2, _ = gen_person("volunteer", name="志愿者二", station=station)
    Person.update(disability_category=4).where(Person.id == a.id).execute()
    Person.update(disability_category=1).where(Person.id == b.id).execute()
    Person.update(created_at=utc(11, 2, 10)).where(Person.id.in_([a.id, b.id])).execute()
    Person.update(created_at=utc(10, 15, 10)).where(Person.id.in_([c.id, d.id])).execute()
    Person.update(created_at=utc(9, 1, 10)).where(Person.id.in_([v1.id, v2.id])).execute()

    attendance.check_in(a, station, at=utc(11, 3, 9, 10))
    attendance.record_services(a, station, [rehab, meal], at=utc(11, 3, 9, 40))
    attendance.check_in(b, station, at=utc(11, 3, 10, 5))
    attendance.check_in(a, station, at=utc(11, 4, 9, 30))
    attendance.record_services(c, station, [meal], at=utc(11, 4, 12, 0))
    attendance.check_in(b, station, at=utc(11, 5, 8, 55))
    attendance.record_services(b, station, [rehab], at=utc(11, 5, 9, 20))
    voided = attendance.record_services(b, station, [meal], at=utc(11, 5, 11, 0))[0]
    voided.voided_at, voided.void_reason = utcnow(), "录错"
    voided.save()
    visit, _ = attendance.check_in(c, station, at=utc(11, 6, 14, 0))
    Visit.update(voided_at=utcnow(), void_reason="录错").where(Visit.id == visit.id).execute()
    attendance.check_in(a, station, at=utc(11, 30, 23, 30))
    attendance.check_in(b, station, at=utc(12, 1, 0, 30))
    attendance.check_in(d, station, at=utc(10, 31, 23, 0))

    def shift(volunteer, start, end, status, content="陪同康复训练"):
        s, _ = attendance.start_shift(volunteer, station, at=start, content=content)
        s, _ = attendance.end_shift(volunteer, station, at=end)
        VolunteerShift.update(status=status).where(VolunteerShift.id == s.id).execute()
        if status == "voided":
            VolunteerShift.update(voided_at=utcnow(), void_reason="重复").where(
                VolunteerShift.id == s.id).execute()
        return s

    shift(v1, utc(11, 3, 9, 0), utc(11, 3, 12, 30), "confirmed")
    shift(v1, utc(11, 10, 14, 0), utc(11, 10, 16, 15), "pending", content="助餐服务")
    shift(v1, utc(11, 12, 9, 0), utc(11, 12, 10, 0), "voided")
    shift(v2, utc(11, 20, 8, 0), utc(11, 20, 10, 0), "confirmed")
    shift(v2, utc(10, 31, 8, 0), utc(10, 31, 10, 0), "confirmed")
    return {"A": a, "B": b, "C": c, "D": d, "V1": v1, "V2": v2, "rehab": rehab, "meal": meal}


def test_month_figures_match_the_hand_count(ctx):
    """Do 服务人次, 受益人数, the breakdowns and the volunteer hours equal the hand count?"""
    p = make_month()
    data = reports.report(Station.get(), *NOV)
    assert data["service_count"] == 7
    assert data["people"] == 3
    assert data["checkins"] == 5
    assert data["records"] == 4
    services = {s["name_zh"]: (s["records"], s["people"]) for s in data["by_service"]}
    assert services == {"康复训练": (2, 2), "助餐": (2, 2)}
    categories = {c["category"]: (c["service_count"], c["people"]) for c in data["by_category"]}
    assert categories[4] == (4, 1) and categories[1] == (2, 1)
    assert categories[reports.UNKNOWN] == (1, 1)
    assert sum(v[0] for v in categories.values()) == 7
    days = {d["day"]: d for d in data["by_day"]}
    assert len(days) == 30
    assert (days[datetime.date(2026, 11, 3)]["service_count"],
            days[datetime.date(2026, 11, 3)]["people"]) == (3, 2)
    assert days[datetime.date(2026, 11, 30)]["checkins"] == 1
    assert days[datetime.date(2026, 11, 6)]["service_count"] == 0
    hours = data["by_hour"]["checkins"]
    assert (hours[9], hours[10], hours[8], hours[23], sum(hours)) == (2, 1, 1, 1, 5)
    assert data["by_hour"]["records"][9] == 3 and data["by_hour"]["records"][12] == 1
    vols = {v["volunteer_id"]: v for v in data["volunteers"]}
    assert (vols[p["V1"].id]["confirmed"], vols[p["V1"].id]["pending"],
            vols[p["V1"].id]["shifts"]) == (3.5, 2.25, 2)
    assert (vols[p["V2"].id]["confirmed"], vols[p["V2"].id]["shifts"]) == (2.0, 1)
    assert data["volunteer_hours"] == {"confirmed": 5.5, "pending": 2.25, "shifts": 3}
    assert data["registrations"]["resident"] == 2 and data["new_people"] == 2


def test_figures_agree_with_an_independent_sql_count(ctx):
    """Do the report's headline figures equal one plain SQL query over the same rows?"""
    make_month()
    station = Station.get()
    sql = """
      WITH pd AS (
        SELECT person_id AS p, local_date AS d, COUNT(*) AS c, 0 AS r FROM visit
         WHERE station_id = ? AND kind = 'check_in' AND voided_at IS NULL
           AND local_date BETWEEN ? AND ? GROUP BY person_id, local_date
        UNION ALL
        SELECT recipient_id, local_date, 0, COUNT(*) FROM service_record
         WHERE station_id = ? AND voided_at IS NULL AND local_date BETWEEN ? AND ?
         GROUP BY recipient_id, local_date),
      agg AS (SELECT p, d, SUM(c) AS c, SUM(r) AS r FROM pd GROUP BY p, d)
      SELECT SUM(CASE WHEN r > 0 THEN r ELSE c END), COUNT(DISTINCT p) FROM agg"""
    params = (station.id, NOV[0], NOV[1]) * 2
    if db.obj.__class__.__name__.startswith("Postgres"):
        sql = sql.replace("?", "%s")
    count, people = db.execute_sql(sql, params).fetchone()
    data = reports.report(station, *NOV)
    assert (data["service_count"], data["people"]) == (count, people) == (7, 3)


def test_quarter_and_erasure_keep_counts(ctx):
    """Does a quarter include the month, and does erasing a name leave the figures alone?"""
    p = make_month()
    station = Station.get()
    quarter = reports.report(station, *reports.quarter_range(2026, 4))
    # October adds D's visit and V2's two hours; December adds B's visit.
    assert (quarter["service_count"], quarter["people"]) == (9, 4)
    Person.update(name=None, erased_at=utcnow()).where(Person.id == p["A"].id).execute()
    data = reports.report(station, *NOV)
    assert (data["service_count"], data["people"]) == (7, 3)


def test_bad_range_is_refused(ctx):
    """Is an end before the start, or a range of years, refused?"""
    with pytest.raises(reports.BadRange):
        reports.report(None, datetime.date(2026, 11, 30), datetime.date(2026, 11, 1))
    with pytest.raises(reports.BadRange):
        reports.report(None, datetime.date(2020, 1, 1), datetime.date(2026, 1, 1))


def figure(html, element_id):
    match = re.search(r'id="%s"><span class="value">([^<]+)<' % element_id, html)
    assert match, "no figure %s" % element_id
    return match.group(1)


def test_reports_page_shows_figures_and_charts(app, client):
    """Does the page for November show 服务人次 7, 受益人数 3, confirmed hours and SVG charts?"""
    with connected(app):
        make_month()
        user = gen_user("social_worker")
    login_as(client, user)
    response = client.get("/admin/reports?month=2026-11")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert figure(html, "fig-service-count") == "7"
    assert figure(html, "fig-people") == "3"
    assert figure(html, "fig-hours") == "5.5"
    assert "服务人次" in html and "受益人数" in html
    assert html.count("<svg") >= 4 and 'role="img"' in html
    assert "康复训练" in html and "肢体" in html and "未记录" in html
    assert 'style="' not in html  # the CSP forbids inline styles


def test_reports_page_bad_range_says_so_in_chinese(app, client):
    """Does a range whose end is before its start get a clear Chinese message?"""
    with connected(app):
        user = gen_user("admin")
    login_as(client, user)
    response = client.get("/admin/reports?start=2026-11-30&end=2026-11-01")
    assert response.status_code == 400
    assert "结束日期早于开始日期" in response.get_data(as_text=True)
    response = client.get("/admin/reports?month=2026-13")
    assert response.status_code == 400 and "2026-11" in response.get_data(as_text=True)


def test_reports_permissions(app, client):
    """May staff (no view_reports) not see the report, while a district admin may?"""
    with connected(app):
        staff = gen_user("staff")
        district = gen_user("district_admin")
    login_as(client, staff)
    assert client.get("/admin/reports").status_code == 403
    assert client.get("/admin/reports/export.csv").status_code == 403
    other = app.test_client()
    login_as(other, district)
    assert other.get("/admin/reports").status_code == 200


def test_district_admin_compares_stations(app, client):
    """Does a district administrator see every station side by side, each with its own count?"""
    with connected(app):
        make_month()
        second = Station.create(code="S2", name="第二驿站")
        person, _ = gen_person("resident", name="戊居民", station=second)
        attendance.check_in(person, second, at=utc(11, 8, 10, 0))
        district = gen_user("district_admin")
    login_as(client, district)
    html = client.get("/admin/reports?month=2026-11").get_data(as_text=True)
    assert figure(html, "fig-service-count") == "8"  # every station
    assert "第二驿站" in html
    rows = re.findall(r'<tr><th scope="row">([^<]+)</th><td class="num">(\d+)</td>', html)
    assert ("第二驿站", "1") in rows
    html = client.get("/admin/reports?month=2026-11&station=S2").get_data(as_text=True)
    assert figure(html, "fig-service-count") == "1"


def test_report_export_is_audited(app, client):
    """Is every report export written to the audit log with who did it?"""
    with connected(app):
        make_month()
        user = gen_user("admin")
    login_as(client, user)
    assert client.get("/admin/reports/export.csv?month=2026-11").status_code == 200
    assert client.get("/admin/reports/export.xlsx?month=2026-11").status_code == 200
    with connected(app):
        rows = list(AuditLog.select().where(AuditLog.action == "export.report"))
    assert len(rows) == 2 and all(r.actor_id == user.id for r in rows)
