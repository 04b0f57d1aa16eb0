"""Signing in under attack: wrong passwords slow the guesser, never the owner; every user name
gets the same answer; signing out ends the session on the server; passwords follow a policy."""
import datetime
import re

from core import clock, signin
from models import AuditLog, LoginThrottle, StaffSession, StaffUser
from tests.helpers import PASSWORD, connected, csrf_token, gen_user, login_as

ATTACKER = "203.0.113.7"
OWNER = "192.168.1.20"


def client_at(app, address):
    """A browser at a given network address."""
    browser = app.test_client()
    browser.environ_base["REMOTE_ADDR"] = address
    return browser


def attempt(client, username, password):
    return client.post("/admin/login", data={"username": username, "password": password,
                                             "csrf_token": csrf_token(client)})


def page_text(response):
    """The page without what differs on every request (the CSRF token)."""
    return re.sub(r'name="csrf_token" value="[^"]+"', "", response.get_data(as_text=True))


def test_wrong_passwords_from_one_address_do_not_lock_the_owner_out(app):
    """After 5 wrong passwords for an account from one address, does the right password still
    work from another address, while the guessing address must wait?"""
    with connected(app):
        owner = gen_user("admin", username="zhangsg")
    attacker, at_desk = client_at(app, ATTACKER), client_at(app, OWNER)
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert attempt(attacker, "zhangsg", "guess guess").status_code == 401
    refused = attempt(attacker, "zhangsg", PASSWORD)
    assert refused.status_code == 401 and "请等待 5 分钟" in refused.get_data(as_text=True)
    assert attacker.get("/admin/").status_code == 302
    assert login_as(at_desk, owner).status_code == 302
    assert at_desk.get("/admin/").status_code == 200


def test_the_wait_expires_and_doubles(app):
    """Does the guessing address's wait end on its own, and does each further wrong password
    make the next wait longer (up to an hour)?"""
    with connected(app):
        owner = gen_user("staff", username="liyan")
    attacker = client_at(app, ATTACKER)
    for _ in range(5):
        attempt(attacker, "liyan", "guess guess")
    later = clock.utcnow() + datetime.timedelta(minutes=6)
    with clock.running_from(later):
        assert "请等待 10 分钟" in attempt(attacker, "liyan", "guess again").get_data(as_text=True)
    with clock.running_from(later + datetime.timedelta(minutes=11)):
        assert login_as(attacker, owner).status_code == 302
    with connected(app):
        assert not LoginThrottle.select().exists()  # forgotten after the right password
        assert StaffUser.get_by_id(owner.id).failed_logins == 0
        assert AuditLog.select().where(AuditLog.action == "staff.login_throttled").count() == 2


def test_known_and_unknown_user_names_get_the_same_answer(app, monkeypatch):
    """Do a wrong password for a real account and any password for a name nobody has get the
    same status and the same page, both before and after the wait begins, with a password
    hash checked in both cases (so the time taken does not tell them apart either)?"""
    with connected(app):
        gen_user("admin", username="realuser")
    checked = []
    real_verify = signin.verify_password
    monkeypatch.setattr(signin, "verify_password",
                        lambda hashed, password: checked.append(hashed) or
                        real_verify(hashed, password))
    known, unknown = client_at(app, ATTACKER), client_at(app, ATTACKER)
    for round_ in range(app.config["LOGIN_MAX_FAILURES"] + 1):
        a = attempt(known, "realuser", "guess guess")
        b = attempt(unknown, "nobodyhere", "guess guess")
        assert a.status_code == b.status_code == 401
        assert page_text(a) == page_text(b), round_
    assert "请等待" in page_text(a)
    # A hash was checked for every attempt before the wait, for both names alike.
    limit = app.config["LOGIN_MAX_FAILURES"]
    assert len(checked) == 2 * limit
    assert all(hashed.startswith("scrypt:") for hashed in checked)


def test_throttle_keeps_neither_names_nor_addresses(app):
    """Does the throttle store only keyed hashes, never the typed user name or the address?"""
    attacker = client_at(app, ATTACKER)
    attempt(attacker, "某个名字", "guess guess")
    with connected(app):
        rows = list(LoginThrottle.select())
        assert len(rows) == 1
        stored = rows[0].account_key + rows[0].address_key
        assert "某个名字" not in stored and ATTACKER not in stored
        assert not AuditLog.select().where(AuditLog.detail.contains("某个名字")).exists()


def test_a_cookie_saved_before_logout_is_refused_after_it(app, client):
    """Does a copy of the session cookie, taken while signed in, open nothing once its owner
    signed out?"""
    with connected(app):
        user = gen_user("admin")
    assert login_as(client, user).status_code == 302
    cookie = client.get_cookie("session").value
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    assert thief.get("/admin/").status_code == 200  # the copy works while the session lasts
    client.post("/admin/logout", data={"csrf_token": csrf_token(client, "/admin/")})
    assert thief.get("/admin/").status_code == 302
    assert thief.get("/admin/people").status_code == 302
    with connected(app):
        assert StaffSession.get().ended_at is not None


def test_the_cookie_holds_no_part_of_the_password_hash(app, client):
    """Does the signed session cookie carry only a random session id, nothing of the hash?"""
    with connected(app):
        user = gen_user("admin")
        stored_hash = StaffUser.get_by_id(user.id).password_hash
    login_as(client, user)
    cookie = client.get_cookie("session").value
    data = app.session_interface.get_signing_serializer(app).loads(cookie)
    assert set(data) <= {"sid", "lang", "csrf_token", "_permanent", "_fresh", "_flashes"}
    for part in (stored_hash[-16:], stored_hash.split("$")[-1][:16]):
        assert part not in str(data)


def test_sessions_expire_and_a_new_password_ends_the_others(app, client):
    """Does a session end after 12 hours, and does a new password end every other session of
    that account while the one that changed it stays signed in?"""
    with connected(app):
        admin = gen_user("admin")
    tablet, office = app.test_client(), app.test_client()
    login_as(tablet, admin)
    login_as(office, admin)
    with clock.running_from(clock.utcnow() + datetime.timedelta(hours=12, minutes=1)):
        assert tablet.get("/admin/").status_code == 302
    login_as(tablet, admin)
    office.post("/admin/staff/%d" % admin.id, data={
        "csrf_token": csrf_token(office, "/admin/staff"), "display_name": "",
        "role": "admin", "password": "kettle orchard violin"})
    assert office.get("/admin/").status_code == 200
    assert tablet.get("/admin/").status_code == 302


def test_next_with_a_line_break_goes_home(app, client):
    """Does a ?next= holding CR/LF, a backslash or another host send the signed-in user to
    the admin home, never a 500 or another site?"""
    with connected(app):
        user = gen_user("staff")
    for target in ("/admin/people\r\nSet-Cookie: x=1", "/admin\\\\evil.example",
                   "/admin/%0d%0aX: y", "/admin/../../", "https://evil.example/admin",
                   "/admin@evil.example"):
        token = csrf_token(client)
        response = client.post("/admin/login", query_string={"next": target},
                               data={"username": user.username, "password": PASSWORD,
                                     "csrf_token": token})
        assert response.status_code == 302, target
        location = response.headers["Location"]
        assert location.startswith("/admin") and "\n" not in location and "evil" not in location
        client.post("/admin/logout", data={"csrf_token": csrf_token(client, "/admin/")})
    response = client.post("/admin/login", query_string={"next": "/admin/people?q=1"},
                           data={"username": user.username, "password": PASSWORD,
                                 "csrf_token": csrf_token(client)})
    assert response.headers["Location"] == "/admin/people?q=1"


def test_common_passwords_are_refused(app, client):
    """Are 12345678, a pinyin favourite and the user name itself refused as new passwords,
    with a message in Chinese, and a passphrase accepted?"""
    with connected(app):
        admin = gen_user("admin")
    login_as(client, admin)
    token = csrf_token(client, "/admin/staff")
    for weak in ("12345678", "woaini1314", "88888888", "qwertyuiop", "wang.lei1"):
        response = client.post("/admin/staff/add", data={
            "csrf_token": token, "username": "wang.lei", "display_name": "王磊",
            "role": "staff", "password": weak})
        assert response.status_code == 422, weak
        assert "太容易被猜到" in response.get_data(as_text=True), weak
    with connected(app):
        assert not StaffUser.select().where(StaffUser.username == "wang.lei").exists()
    assert client.post("/admin/staff/add", data={
        "csrf_token": token, "username": "wang.lei", "display_name": "王磊", "role": "staff",
        "password": "lantern river pepper"}).status_code == 302
