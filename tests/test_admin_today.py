"""Today: who is here, volunteers on shift, calls from the kiosk, counts; staff check-in."""
from core import attendance
from core.demo import ensure_catalogue
from core.stations import default_station
from models import AuditLog, HelpRequest, Visit
from tests.helpers import connected, csrf_token, gen_person, sign_in


def test_today_shows_who_is_here_and_on_shift(app, client):
    """Does today list the checked-in resident, the volunteer on shift, and the counts?"""
    with connected(app):
        station = default_station()
        rehab = ensure_catalogue(station)[0]
        resident, _ = gen_person("resident", name="张秀娟")
        gone, _ = gen_person("resident", name="李建国")
        volunteer, _ = gen_person("volunteer", name="马红梅")
        attendance.check_in(resident, station)
        attendance.record_services(resident, station, [rehab])
        attendance.check_in(gone, station)
        attendance.check_out(gone, station)
        attendance.start_shift(volunteer, station)
    sign_in(app, client, "staff")
    html = client.get("/admin/").get_data(as_text=True)
    assert "张秀娟" in html and "马红梅" in html
    here = html.split('data-section="here"')[1].split('data-section="shifts"')[0]
    assert "张秀娟" in here and "李建国" not in here  # checked out: not here now
    counts = client.get("/admin/today/data").get_json()["counts"]
    assert counts == {"check_ins": 2, "people": 2, "services": 1, "here": 1, "on_shift": 1,
                      "help": 0}


def test_a_kiosk_check_in_appears_in_the_polled_data(app, client):
    """Does a check-in made after the page loaded show up in the data the page polls?"""
    sign_in(app, client, "staff")
    first = client.get("/admin/today/data").get_json()
    assert "王淑芬" not in first["sections"]["here"]
    with connected(app):
        resident, _ = gen_person("resident", name="王淑芬")
        attendance.check_in(resident, default_station(), source="camera")
    data = client.get("/admin/today/data").get_json()
    assert "王淑芬" in data["sections"]["here"] and data["counts"]["here"] == 1


def test_help_request_then_staff_check_in(app, client):
    """Does a kiosk call show up, and checking the person in from it resolve the call?"""
    with connected(app):
        station = default_station()
        help_request, _ = attendance.request_help(station)
        resident, _ = gen_person("resident", name="陈桂英")
    user = sign_in(app, client, "staff")
    token = csrf_token(client, "/admin/")
    data = client.get("/admin/today/data").get_json()
    assert data["help_ids"] == [help_request.id] and data["counts"]["help"] == 1
    assert "没带卡" in data["sections"]["help"]
    html = client.get("/admin/check-in?help=%d&q=桂英" % help_request.id).get_data(as_text=True)
    assert "陈桂英" in html
    response = client.post("/admin/check-in", data={
        "csrf_token": token, "person_id": str(resident.id), "help": str(help_request.id)})
    assert response.status_code == 302
    with connected(app):
        visit = Visit.get(Visit.person == resident.id)
        assert visit.source == "staff" and visit.recorded_by_id == user.id
        stored = HelpRequest.get_by_id(help_request.id)
        assert stored.resolved_at is not None and stored.resolved_by_id == user.id
        assert AuditLog.select().where(AuditLog.action == "visit.add").count() == 1
    data = client.get("/admin/today/data").get_json()
    assert data["help_ids"] == [] and "陈桂英" in data["sections"]["here"]
    # A second check-in of the same person the same day is refused, nothing stored.
    response = client.post("/admin/check-in", data={"csrf_token": token,
                                                    "person_id": str(resident.id)},
                           follow_redirects=True)
    assert "今天已经签到" in response.get_data(as_text=True)
    with connected(app):
        assert Visit.select().where(Visit.person == resident.id).count() == 1


def test_resolve_a_call_and_check_someone_out(app, client):
    """Can staff mark a call resolved, and check out a person who left without scanning?"""
    with connected(app):
        station = default_station()
        help_request, _ = attendance.request_help(station)
        resident, _ = gen_person("resident", name="杨志强")
        attendance.check_in(resident, station)
    sign_in(app, client, "staff")
    token = csrf_token(client, "/admin/")
    client.post("/admin/help/%d/resolve" % help_request.id, data={"csrf_token": token})
    client.post("/admin/check-out", data={"csrf_token": token, "person_id": str(resident.id)})
    with connected(app):
        assert HelpRequest.get_by_id(help_request.id).resolved_at is not None
        assert attendance.day_status(resident, station) == "out"
    assert client.get("/admin/today/data").get_json()["counts"]["here"] == 0


def test_search_finds_no_one_for_an_unknown_name(app, client):
    """Does a search for an unknown name say so and offer to register the person?"""
    sign_in(app, client, "staff")
    html = client.get("/admin/check-in?q=不存在的人").get_data(as_text=True)
    assert "没有找到这个名字" in html and "登记新人员" in html


def test_district_admin_sees_today_but_cannot_check_in(app, client):
    """Does a district administrator see today without the check-in buttons?"""
    with connected(app):
        attendance.request_help(default_station())
    sign_in(app, client, "district_admin")
    html = client.get("/admin/").get_data(as_text=True)
    assert "有人没带卡" in html and "查找并签到" not in html
