"""Signing in and out of the admin view."""
from models import StaffUser
from tests.helpers import PASSWORD, connected, csrf_token, gen_user, login_as


def test_login_and_logout(app, client):
    """Can staff sign in, see today, and sign out again?"""
    with connected(app):
        user = gen_user("staff")
    assert client.get("/admin/").status_code == 302
    response = login_as(client, user)
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200
    token = csrf_token(client, "/admin/")
    response = client.post("/admin/logout", data={"csrf_token": token})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 302


def test_wrong_password(app, client):
    """Does a wrong password get a clear message in Chinese and no session?"""
    with connected(app):
        user = gen_user("staff")
    response = login_as(client, user, password="wrong password")
    assert response.status_code == 401
    assert "用户名或密码错误" in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


def test_login_without_csrf_refused(app, client):
    """Is a login form posted without its CSRF token refused?"""
    with connected(app):
        user = gen_user("staff")
    response = client.post("/admin/login", data={"username": user.username,
                                                 "password": PASSWORD})
    assert response.status_code == 400
    assert "表单已过期" in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


def test_wait_after_repeated_failures(app, client):
    """After too many wrong passwords from one device, must that device wait, even with the
    right password, and is it told for how long?"""
    with connected(app):
        user = gen_user("staff")
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        login_as(client, user, password="nope nope")
    response = login_as(client, user)
    assert response.status_code == 401
    assert "请等待 5 分钟" in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


def test_next_parameter_cannot_leave_the_site(app, client):
    """Does a crafted ?next= send a signed-in user only inside /admin?"""
    with connected(app):
        user = gen_user("staff")
    token = csrf_token(client)
    response = client.post("/admin/login?next=//evil.example/x",
                           data={"username": user.username, "password": PASSWORD,
                                 "csrf_token": token})
    assert response.headers["Location"].endswith("/admin/")
