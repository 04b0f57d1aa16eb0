"""No way in for strangers: headers, cookies, rate limits, lock-outs, size limits, escaping, logs."""
import json
import logging

import pytest
from peewee import OperationalError

from app import create_app
from core import attendance
from core.database import close_database, migrate
from core.security import limiter, redact
from core.stations import default_station, ensure_default_station
from models import AuditLog, StaffUser, Visit
from tests.helpers import (PASSWORD, connected, csrf_token, enroll_kiosk, gen_person, gen_user,
                           login_as)


def scan(client, token, payload, client_id="sec-00000001"):
    return client.post("/kiosk/api/scan", data=json.dumps(
        {"payload": payload, "client_id": client_id, "source": "scanner"}),
        content_type="application/json", headers={"X-CSRFToken": token})


def set_cookies(response):
    return response.headers.getlist("Set-Cookie")


def cookie_named(response, name):
    found = [c for c in set_cookies(response) if c.startswith(name + "=")]
    assert found, "no %s cookie in %s" % (name, set_cookies(response))
    return found[-1]


def flags(cookie):
    return {part.strip().split("=")[0].lower(): part.strip() for part in cookie.split(";")[1:]}


# --- headers ---------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/", "/admin/login", "/kiosk/", "/kiosk/api/scan",
                                  "/no-such-page"])
def test_security_headers_on_every_face(client, path):
    """Does every answer, page or API, error or not, carry the security headers?"""
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    directives = dict((d.strip().split(" ", 1) + [""])[:2] for d in csp.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp and "*" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP at the station


def test_admin_and_kiosk_api_are_not_cached(client):
    """Are admin pages and kiosk API answers marked no-store, so no browser cache keeps names?"""
    assert client.get("/admin/login").headers["Cache-Control"] == "no-store"
    assert client.post("/kiosk/api/scan", json={}).headers["Cache-Control"] == "no-store"


def test_no_inline_script_or_style_in_pages(app, client):
    """Do the pages a stranger can reach hold no inline script or style the CSP would block?"""
    import re
    for path in ("/", "/admin/login"):
        html = client.get(path).get_data(as_text=True)
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag or 'type="application/json"' in tag, tag
        assert " style=" not in html and "<style" not in html
        assert not re.search(r"\son[a-z]+=", html)


# --- cookies ---------------------------------------------------------------------

def test_session_cookie_flags_over_http(app, client):
    """Is the session cookie HttpOnly and SameSite=Lax, and not Secure over plain HTTP?"""
    with connected(app):
        user = gen_user("staff")
    response = login_as(client, user)
    assert response.status_code == 302
    cookie = flags(cookie_named(response, app.config["SESSION_COOKIE_NAME"]))
    assert "httponly" in cookie
    assert cookie["samesite"].lower() == "samesite=lax"
    assert "secure" not in cookie


def test_cookies_secure_behind_https(app):
    """Behind HTTPS, do the session and kiosk device cookies carry Secure, with HSTS sent?"""
    client = app.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"
    with connected(app):
        user = gen_user("staff")
    page = client.get("/admin/login", base_url="https://localhost")
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    import re
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    response = client.post("/admin/login", base_url="https://localhost",
                           data={"username": user.username, "password": PASSWORD,
                                 "csrf_token": token})
    assert response.status_code == 302
    session = flags(cookie_named(response, app.config["SESSION_COOKIE_NAME"]))
    assert "secure" in session and "httponly" in session

    from core.kiosk_auth import new_enrollment
    kiosk = app.test_client()
    with connected(app):
        _, code = new_enrollment("平板", default_station())
    page = kiosk.get("/kiosk/enroll/%s" % code, base_url="https://localhost")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    enrolled = kiosk.post("/kiosk/enroll/%s" % code, base_url="https://localhost",
                          data={"csrf_token": token},
                          headers={"Referer": "https://localhost/kiosk/enroll/%s" % code})
    assert enrolled.status_code == 302
    device = flags(cookie_named(enrolled, "kiosk_device"))
    assert "secure" in device and "httponly" in device
    assert device["samesite"].lower() == "samesite=strict"


def test_secure_cookie_setting_applies_on_http(tmp_path):
    """With SESSION_COOKIE_SECURE on, is the cookie Secure even when a proxy hides HTTPS?"""
    app = create_app({"TESTING": True, "RATELIMIT_ENABLED": False, "DEMO_DATA": False,
                      "SESSION_COOKIE_SECURE": True}, instance_path=str(tmp_path / "i"))
    with connected(app):
        migrate()
        ensure_default_station(app)
        user = gen_user("staff")
    client = app.test_client()
    response = login_as(client, user)
    assert "secure" in flags(cookie_named(response, app.config["SESSION_COOKIE_NAME"]))
    close_database(app.extensions["database"])


# --- logging in -------------------------------------------------------------------

def wrong_login(client, username, password="not the password"):
    return client.post("/admin/login", data={"username": username, "password": password,
                                             "csrf_token": csrf_token(client)})


def test_login_rate_limited_per_address(tmp_path):
    """After the allowed number of login attempts, is the next one refused with 429 and a
    message in Chinese, whatever the password?"""
    app = create_app({"TESTING": True, "RATELIMIT_ENABLED": True, "DEMO_DATA": False,
                      "LOGIN_RATE_LIMIT": "3 per minute", "LOGIN_MAX_FAILURES": 100},
                     instance_path=str(tmp_path / "i"))
    with connected(app):
        migrate()
        ensure_default_station(app)
        user = gen_user("staff")
    limiter.reset()
    client = app.test_client()
    for _ in range(3):
        assert wrong_login(client, user.username).status_code == 401
    refused = client.post("/admin/login", data={"username": user.username, "password": PASSWORD,
                                                "csrf_token": csrf_token(client)})
    assert refused.status_code == 429
    assert "尝试次数过多" in refused.get_data(as_text=True)
    assert "staff_id" not in str(refused.headers.getlist("Set-Cookie"))
    # Another address is not punished for this one.
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.0.0.9"
    assert wrong_login(other, user.username).status_code == 401
    limiter.reset()
    close_database(app.extensions["database"])


def test_wait_lifted_at_once_by_unlock_staff(app, client, runner):
    """After too many wrong passwords, does `unlock-staff` let that device try again at once,
    audited?"""
    with connected(app):
        user = gen_user("staff", username="wanglei")
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert wrong_login(client, "wanglei").status_code == 401
    waiting = login_as(client, user)
    assert waiting.status_code == 401
    assert "请等待" in waiting.get_data(as_text=True)

    result = runner.invoke(args=["unlock-staff", "wanglei"])
    assert result.exit_code == 0, result.output
    assert "unlocked" in result.output
    with connected(app):
        assert StaffUser.get_by_id(user.id).failed_logins == 0
        row = AuditLog.get(AuditLog.action == "staff.unlock")
        assert row.actor_label == "cli" and row.object_id == user.id
        assert json.loads(row.before) == {"failed_logins": 5, "addresses_waiting": 1}
    assert login_as(client, user).status_code == 302
    assert client.get("/admin/").status_code == 200


def test_unlock_staff_unknown_or_not_locked(app, runner):
    """Does `unlock-staff` say so for an unknown account and for one that is not locked?"""
    missing = runner.invoke(args=["unlock-staff", "nobody"])
    assert missing.exit_code != 0 and "No account" in missing.output
    with connected(app):
        gen_user("staff", username="zhaomin")
    fine = runner.invoke(args=["unlock-staff", "zhaomin"])
    assert fine.exit_code == 0 and "not locked" in fine.output
    with connected(app):
        assert not AuditLog.select().where(AuditLog.action == "staff.unlock").exists()


# --- sizes and escaping -----------------------------------------------------------

def test_request_size_limit(app, client):
    """Is a body over MAX_CONTENT_LENGTH refused with 413 and a clear message, storing nothing?"""
    limit = app.config["MAX_CONTENT_LENGTH"]
    token = csrf_token(client)
    response = client.post("/admin/login", data={"username": "x" * (limit + 1), "password": "y",
                                                 "csrf_token": token})
    assert response.status_code == 413
    assert "太大" in response.get_data(as_text=True)
    with connected(app):
        assert not AuditLog.select().where(AuditLog.action.startswith("staff")).exists()


def test_user_text_is_escaped_in_admin_log(app, client):
    """Is a person named like a script shown as text in the admin log, never run?"""
    name = '<script>alert("x")</script><img src=x onerror=alert(1)>'[:50]
    with connected(app):
        person, payload = gen_person("resident", name=name)
        attendance.check_in(person, default_station(), client_id="esc-00000001")
        user = gen_user("staff")
    login_as(client, user)
    html = client.get("/admin/").get_data(as_text=True)
    assert "&lt;script&gt;alert(" in html
    assert "<script>alert(" not in html and "<img src=x" not in html


# --- database failures ---------------------------------------------------------------

@pytest.mark.parametrize("message,expected", [
    ("database is locked", "驿站电脑正忙"),
    ("attempt to write a readonly database", "磁盘已满或无法写入"),
    ("database or disk is full", "磁盘已满或无法写入"),
    ("disk I/O error", "磁盘已满或无法写入"),
])
def test_database_errors_become_clear_503(app, client, monkeypatch, message, expected):
    """Does a locked, read-only, full or failing database give the kiosk a 503 in Chinese
    (JSON) and staff a page, storing nothing?"""
    with connected(app):
        _, payload = gen_person()
    _, token = enroll_kiosk(app, client)

    def failing(*args, **kwargs):
        raise OperationalError(message)
    monkeypatch.setattr(attendance, "check_in", failing)
    response = scan(client, token, payload)
    assert response.status_code == 503
    data = response.get_json()
    assert data["ok"] is False and expected in data["message"]
    assert response.headers["Retry-After"]
    with connected(app):
        assert Visit.select().count() == 0

    monkeypatch.setattr(StaffUser, "get_or_none", failing)
    page = client.post("/admin/login", data={"username": "a", "password": "b",
                                             "csrf_token": csrf_token(client)})
    assert page.status_code == 503
    assert page.mimetype == "text/html" and expected in page.get_data(as_text=True)


def test_database_error_in_english(app, client, monkeypatch):
    """Does a person who chose English get the database message in English?"""
    client.get("/admin/login?lang=en")

    def failing(*args, **kwargs):
        raise OperationalError("database or disk is full")
    monkeypatch.setattr(StaffUser, "get_or_none", failing)
    page = client.post("/admin/login", data={"username": "a", "password": "b",
                                             "csrf_token": csrf_token(client)})
    assert page.status_code == 503
    assert "cannot save right now" in page.get_data(as_text=True)


# --- logs ---------------------------------------------------------------------------

def test_nothing_sensitive_in_logs(app, client, caplog):
    """During a check-in, a failed login and a crash, do the logs hold no badge payload,
    token, name, phone or password?"""
    caplog.set_level(logging.DEBUG)
    with connected(app):
        person, payload = gen_person("resident", name="欧阳秀娟")
        person.phone = "13912345678"
        person.save()
        user = gen_user("staff", username="liuyang")

    @app.route("/boom-test")
    def boom():
        raise ValueError("card 11010519900307123X62, phone 13912345678, badge %s" % payload)
    _, token = enroll_kiosk(app, client)
    assert scan(client, token, payload).get_json()["state"] == "checked_in"
    assert scan(client, token, payload + "X").status_code == 422
    staff = app.test_client()
    assert wrong_login(staff, "liuyang", "Secret-Pass-4711").status_code == 401

    app.config["PROPAGATE_EXCEPTIONS"] = False
    crashed = staff.get("/boom-test")
    assert crashed.status_code == 500

    logged = caplog.text + "".join(
        (r.exc_text or "") for r in caplog.records)
    assert "Exception on /boom-test" in logged  # the crash is logged, only without values
    token_part = payload.split(":", 1)[1]
    for secret in (payload, token_part, "Secret-Pass-4711", "11010519900307123X62", "欧阳秀娟",
                   "13912345678", user.password_hash):
        assert secret not in logged, secret
    with connected(app):
        assert Visit.select().count() == 1


def test_redact_blanks_values_and_keeps_the_rest():
    """Does the log filter blank payloads, ID and card numbers, phones and passwords only?"""
    text = ("scan YZ1:0123456789ABCDEFGHJKMN by 110105199003071234 tel 13812345678 "
            "password=hunter2&next=/admin/ at /kiosk/api/scan status 200")
    cleaned = redact(text)
    for secret in ("0123456789ABCDEFGHJKMN", "110105199003071234", "13812345678", "hunter2"):
        assert secret not in cleaned
    assert "/kiosk/api/scan status 200" in cleaned and "next=/admin/" in cleaned


def test_nul_character_in_a_form_is_refused(app, client):
    """Is a NUL character in a form field or query refused with 400 (PostgreSQL cannot store
    it), storing nothing?"""
    with connected(app):
        user = gen_user("staff", username="sunli")
    response = client.post("/admin/login", data={"username": "sunli\x00", "password": "x",
                                                 "csrf_token": csrf_token(client)})
    assert response.status_code == 400
    assert "没有保存" in response.get_data(as_text=True)
    assert client.get("/admin/login?next=/admin/%00").status_code == 400
    with connected(app):
        assert StaffUser.get_by_id(user.id).failed_logins == 0
