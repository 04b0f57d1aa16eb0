"""Many stations in one database: each station's staff see their own, a district admin sees all."""
import datetime

import pytest

import models
from core import attendance, exports
from core.kiosk_auth import new_enrollment
from core.stations import default_station
from models import Person, Station, Visit
from tests.helpers import connected, csrf_token, csrf_token_meta, gen_person, gen_user, login_as

NAMES = {"A": ("石井甲居民", "石井甲志愿者"), "B": ("和居乙居民", "和居乙志愿者")}


@pytest.fixture
def two_stations(app):
    """The default station (A) and a second one (B), each with a resident checked in today,
    a service, and a volunteer whose shift is open."""
    with connected(app):
        return _two_stations()


def _user(app, role, station=None):
    with connected(app):
        return gen_user(role, station=station)


def _two_stations():
    a = default_station()
    b = Station.create(code="HJ2", name="和居二号驿站", timezone="Asia/Shanghai")
    made = {}
    for key, station in (("A", a), ("B", b)):
        resident, resident_payload = gen_person("resident", name=NAMES[key][0], station=station)
        volunteer, _ = gen_person("volunteer", name=NAMES[key][1], station=station)
        service = models.Service.create(station=station, code="meal-" + key, name_zh="助餐" + key)
        attendance.check_in(resident, station, source="staff")
        attendance.record_services(resident, station, [service], provider=volunteer,
                                   source="staff")
        attendance.start_shift(volunteer, station, source="staff")
        made[key] = {"station": station, "resident": resident, "volunteer": volunteer,
                     "payload": resident_payload}
    return made


def test_core_queries_keep_stations_apart(two_stations, ctx):
    """Does each station's day log hold its own people only, and is 'today' per station?"""
    for key, other in (("A", "B"), ("B", "A")):
        station = two_stations[key]["station"]
        text = repr(exports.day_log_rows(station, attendance.local_date(station)))
        assert NAMES[key][0] in text and NAMES[key][1] in text
        assert NAMES[other][0] not in text and NAMES[other][1] not in text
        assert len(exports.day_log_rows(station, attendance.local_date(station))) == 1 + 3
    a, b = two_stations["A"], two_stations["B"]
    # A resident of A checked in at A is not checked in at B.
    assert attendance.day_status(a["resident"], a["station"]) == "in"
    assert attendance.day_status(a["resident"], b["station"]) == "none"
    assert Visit.select().where(Visit.station == b["station"]).count() == 1


def _page(client, path):
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/admin/", "/admin/log", "/admin/people"])
def test_staff_of_each_station_see_only_their_station(app, two_stations, path):
    """On today, the log and the people list, do a station's staff see their own people only,
    even when they ask for the other station by its code?"""
    for key, other in (("A", "B"), ("B", "A")):
        user = _user(app, "staff", two_stations[key]["station"])
        client = app.test_client()
        login_as(client, user)
        for query in ("", "?station=%s" % two_stations[other]["station"].code):
            html = _page(client, path + query)
            assert NAMES[key][0] in html
            assert NAMES[other][0] not in html and NAMES[other][1] not in html


def test_staff_cannot_open_another_stations_records(app, two_stations):
    """Does a station's staff get 'not found' for a person or log entry of another station?"""
    a, b = two_stations["A"], two_stations["B"]
    client = app.test_client()
    login_as(client, _user(app, "admin", a["station"]))
    with connected(app):
        visit_b = Visit.get(Visit.station == b["station"])
        visit_a = Visit.get(Visit.station == a["station"])
    assert client.get("/admin/people/%d" % b["resident"].id).status_code == 404
    assert client.get("/admin/log/visit/%d" % visit_b.id).status_code == 404
    assert client.get("/admin/people/%d" % a["resident"].id).status_code == 200
    assert client.get("/admin/log/visit/%d" % visit_a.id).status_code == 200


def test_district_admin_sees_every_station(app, two_stations):
    """Does a district administrator (no station) see each station's log by choosing it?"""
    client = app.test_client()
    login_as(client, _user(app, "district_admin"))
    for key, other in (("A", "B"), ("B", "A")):
        code = two_stations[key]["station"].code
        for path in ("/admin/log?station=%s" % code, "/admin/?station=%s" % code,
                     "/admin/people?station=%s" % code):
            html = _page(client, path)
            assert NAMES[key][0] in html and NAMES[other][0] not in html
    assert client.get("/admin/people/%d" % two_stations["B"]["resident"].id).status_code == 200


def test_a_kiosk_records_at_its_own_station(app, two_stations):
    """Does a kiosk enrolled for station B record check-ins at B, seen by B's staff, not A's?"""
    b = two_stations["B"]
    with connected(app):
        newcomer, payload = gen_person("resident", name="和居乙新来者", station=b["station"])
        device, code = new_enrollment("乙站平板", b["station"])
    kiosk = app.test_client()
    token = csrf_token(kiosk, "/kiosk/enroll/%s" % code)
    assert kiosk.post("/kiosk/enroll/%s" % code, data={"csrf_token": token}).status_code == 302
    token = csrf_token_meta(kiosk, "/kiosk/")
    response = kiosk.post("/kiosk/api/scan", json={"payload": payload, "source": "scanner"},
                          headers={"X-CSRFToken": token})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["state"] == "checked_in"
    with connected(app):
        visit = Visit.get(Visit.person == newcomer.id)
        assert visit.station_id == b["station"].id and visit.device_id == device.id
        assert visit.local_date == attendance.local_date(b["station"])
    staff_a, staff_b = app.test_client(), app.test_client()
    login_as(staff_a, _user(app, "staff", two_stations["A"]["station"]))
    login_as(staff_b, _user(app, "staff", b["station"]))
    assert "和居乙新来者" in _page(staff_b, "/admin/log")
    assert "和居乙新来者" not in _page(staff_a, "/admin/log")


def test_each_station_has_its_own_local_day(ctx):
    """With stations in different time zones, is each check-in filed under its station's day?"""
    east = default_station()
    west = Station.create(code="KS1", name="喀什驿站", timezone="Asia/Kashgar")  # UTC+6
    at = datetime.datetime(2026, 3, 1, 17, 30)  # 01:30 on 2 March in Beijing, 23:30 in Kashgar
    p_east, _ = gen_person("resident", station=east)
    p_west, _ = gen_person("resident", station=west)
    v_east, _ = attendance.check_in(p_east, east, at=at)
    v_west, _ = attendance.check_in(p_west, west, at=at)
    assert v_east.local_date == datetime.date(2026, 3, 2)
    assert v_west.local_date == datetime.date(2026, 3, 1)
    assert Person.select().where(Person.station == west).count() == 1


def test_another_stations_badge_is_refused_at_a_kiosk(app, two_stations):
    """Does station B's kiosk refuse A's resident without naming them or recording anything?"""
    b, a = two_stations["B"], two_stations["A"]
    with connected(app):
        _device, code = new_enrollment("乙站平板", b["station"])
        before = Visit.select().count()
    kiosk = app.test_client()
    token = csrf_token(kiosk, "/kiosk/enroll/%s" % code)
    kiosk.post("/kiosk/enroll/%s" % code, data={"csrf_token": token})
    token = csrf_token_meta(kiosk, "/kiosk/")
    response = kiosk.post("/kiosk/api/scan", json={"payload": a["payload"], "source": "scanner",
                                                   "client_id": "other-station-1"},
                          headers={"X-CSRFToken": token})
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "other_station" and "其他驿站" in body["message"]
    assert "person" not in body and NAMES["A"][0][0] not in response.get_data(as_text=True)
    with connected(app):
        assert Visit.select().count() == before
