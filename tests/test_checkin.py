"""The thin path: a badge read at the kiosk becomes a check-in that staff see in the log."""
import json

from models import AuditLog, Visit
from tests.helpers import connected, enroll_kiosk, gen_person, gen_user, login_as


def scan(client, token, payload, client_id="c" * 32, source="scanner"):
    return client.post("/kiosk/api/scan", data=json.dumps(
        {"payload": payload, "client_id": client_id, "source": source}),
        content_type="application/json", headers={"X-CSRFToken": token})


def count_visits(app):
    with connected(app):
        return Visit.select().count()


def test_scan_checks_in_and_staff_see_it(app, client):
    """Does a scanned badge check the resident in, show a masked name, and appear in the log?"""
    with connected(app):
        person, payload = gen_person("resident", name="张秀娟")
    _, token = enroll_kiosk(app, client)
    response = scan(client, token, payload)
    assert response.status_code == 200
    data = response.get_json()
    assert data["ok"] and data["state"] == "checked_in"
    assert data["person"]["masked_name"] == "张*娟"
    assert "张*娟".encode() in response.data  # UTF-8, not \u escapes
    assert "张秀娟" not in response.get_data(as_text=True)
    staff = app.test_client()
    with connected(app):
        user = gen_user("staff")
    login_as(staff, user)
    html = staff.get("/admin/").get_data(as_text=True)
    assert "张秀娟" in html and "签到" in html


def test_retried_request_makes_one_row(app, client):
    """Does a retry with the same client id return the same visit instead of a second one?"""
    with connected(app):
        _, payload = gen_person()
    _, token = enroll_kiosk(app, client)
    first = scan(client, token, payload, client_id="retry-0001").get_json()
    second = scan(client, token, payload, client_id="retry-0001").get_json()
    assert first["visit_id"] == second["visit_id"]
    assert second["created"] is False
    assert count_visits(app) == 1


def test_second_scan_same_day_is_not_a_second_check_in(app, client):
    """Does a second scan the same day report 'in' instead of checking in again?"""
    with connected(app):
        _, payload = gen_person()
    _, token = enroll_kiosk(app, client)
    scan(client, token, payload, client_id="first-0001")
    again = scan(client, token, payload, client_id="second-001").get_json()
    assert again["state"] == "in"
    assert count_visits(app) == 1


def test_foreign_code_refused_and_not_logged(app, client):
    """Is a WeChat pay code refused with a clear message, and its content kept nowhere?"""
    _, token = enroll_kiosk(app, client)
    pay_code = "https://wx.tenpay.com/f2f?t=AQ2N8Z1secret"
    response = scan(client, token, pay_code)
    assert response.status_code == 422
    data = response.get_json()
    assert data["error"] == "not_a_badge"
    assert "不是驿站的卡" in data["message"]
    assert count_visits(app) == 0
    with connected(app):
        for row in AuditLog.select():
            assert "tenpay" not in (row.detail + row.before + row.after)
    db_file = app.instance_path + "/station.sqlite3"
    import os
    for suffix in ("", "-wal"):
        if os.path.exists(db_file + suffix):
            assert b"tenpay" not in open(db_file + suffix, "rb").read()


def test_unknown_and_malformed_badges(app, client):
    """Are a well-formed unknown token and a malformed payload each refused without a visit?"""
    _, token = enroll_kiosk(app, client)
    unknown = scan(client, token, "YZ1:" + "A" * 22)
    assert unknown.status_code == 422 and unknown.get_json()["error"] == "unknown_badge"
    malformed = scan(client, token, "YZ1:abc")
    assert malformed.status_code == 422
    assert scan(client, token, "YZ9:" + "A" * 22).get_json()["error"] == "unknown_badge"
    assert count_visits(app) == 0


def test_bad_bodies_are_refused(app, client):
    """Are non-JSON, a wrong client id and an oversized body refused with clear messages?"""
    _, token = enroll_kiosk(app, client)
    response = client.post("/kiosk/api/scan", data="payload=x", headers={"X-CSRFToken": token})
    assert response.status_code == 400 and response.get_json()["message"]
    bad_id = client.post("/kiosk/api/scan", data=json.dumps({"payload": "x", "client_id": "a b"}),
                         content_type="application/json", headers={"X-CSRFToken": token})
    assert bad_id.status_code == 400
    app.config["MAX_CONTENT_LENGTH"] = 1024
    huge = client.post("/kiosk/api/scan", data=json.dumps({"payload": "x" * 5000}),
                       content_type="application/json", headers={"X-CSRFToken": token})
    assert huge.status_code == 413
    assert "太大" in huge.get_json()["message"]
    assert count_visits(app) == 0


def test_missing_csrf_token_refused(app, client):
    """Is a kiosk call without the CSRF token refused, storing nothing?"""
    with connected(app):
        _, payload = gen_person()
    enroll_kiosk(app, client)
    response = client.post("/kiosk/api/scan", data=json.dumps({"payload": payload}),
                           content_type="application/json")
    assert response.status_code == 400
    assert "没有保存" in response.get_json()["message"]
    assert count_visits(app) == 0


def test_unenrolled_browser_refused(app, client):
    """Does a browser that is not an enrolled kiosk get neither the page nor the API?"""
    assert client.get("/kiosk/").status_code == 403
    response = client.post("/kiosk/api/scan", json={"payload": "x"})
    assert response.status_code in (400, 403)
    assert count_visits(app) == 0
