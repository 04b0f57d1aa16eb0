"""Staff accounts: create, change role, unlock a locked account, deactivate."""
import json

from models import AuditLog, StaffUser
from tests.helpers import PASSWORD, connected, csrf_token, gen_user, login_as, sign_in


def test_create_an_account_that_can_sign_in(app, client):
    """Does a new social-worker account get created and then sign in?"""
    sign_in(app, client)
    token = csrf_token(client, "/admin/staff")
    response = client.post("/admin/staff/add", data={
        "csrf_token": token, "username": "wang.sg", "display_name": "王社工",
        "role": "social_worker", "password": "long enough 1"})
    assert response.status_code == 302
    other = app.test_client()
    with connected(app):
        account = StaffUser.get(StaffUser.username == "wang.sg")
        assert account.role == "social_worker"
        assert "long enough" not in AuditLog.get(AuditLog.action == "staff.create").after
    assert login_as(other, account, password="long enough 1").status_code == 302


def test_bad_account_input(app, client):
    """Are a short password, a taken name and a district role (for a station admin) refused?"""
    admin = sign_in(app, client)
    token = csrf_token(client, "/admin/staff")
    html = client.post("/admin/staff/add", data={
        "csrf_token": token, "username": admin.username, "role": "district_admin",
        "password": "short"}).get_data(as_text=True)
    assert "已被使用" in html and "请选择角色" in html and "至少需要 8 个字符" in html
    with connected(app):
        assert StaffUser.select().count() == 1


def test_let_in_now_after_wrong_passwords(app, client):
    """When a device must wait after wrong passwords, does the staff page say so, and can an
    administrator let it try again at once (audited)?"""
    sign_in(app, client)
    token = csrf_token(client, "/admin/staff")
    with connected(app):
        waiting = gen_user("staff")
    other = app.test_client()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        login_as(other, waiting, password="not it at all")
    assert "请等待" in login_as(other, waiting).get_data(as_text=True)
    page = client.get("/admin/staff").get_data(as_text=True)
    assert "密码错误次数过多" in page and "上次登录后输错密码 5 次" in page
    client.post("/admin/staff/%d/unlock" % waiting.id, data={"csrf_token": token})
    assert login_as(other, waiting).status_code == 302
    with connected(app):
        row = AuditLog.get(AuditLog.action == "staff.unlock")
        assert json.loads(row.before)["failed_logins"] == 5


def test_deactivate_signs_out_and_keeps_self(app, client):
    """Does deactivating an account end its session at once; is one's own account safe?"""
    admin = sign_in(app, client)
    token = csrf_token(client, "/admin/staff")
    with connected(app):
        worker = gen_user("staff")
    other = app.test_client()
    login_as(other, worker)
    assert other.get("/admin/").status_code == 200
    client.post("/admin/staff/%d/active" % worker.id, data={"csrf_token": token, "active": "0"})
    assert other.get("/admin/").status_code == 302
    assert login_as(other, worker, PASSWORD).status_code == 401
    response = client.post("/admin/staff/%d/active" % admin.id,
                           data={"csrf_token": token, "active": "0"}, follow_redirects=True)
    assert "不能停用自己的账号" in response.get_data(as_text=True)
    with connected(app):
        assert StaffUser.get_by_id(admin.id).active is True


def test_change_role_and_password(app, client):
    """Does changing a role and password take effect, old password refused, and is it audited?"""
    sign_in(app, client)
    token = csrf_token(client, "/admin/staff")
    with connected(app):
        worker = gen_user("staff")
    client.post("/admin/staff/%d" % worker.id, data={
        "csrf_token": token, "display_name": "刘社工", "role": "social_worker",
        "password": "a new password"})
    other = app.test_client()
    assert login_as(other, worker).status_code == 401
    assert login_as(other, worker, "a new password").status_code == 302
    with connected(app):
        assert StaffUser.get_by_id(worker.id).role == "social_worker"
        row = AuditLog.get(AuditLog.action == "staff.update")
        assert json.loads(row.before)["role"] == "staff"
        assert "a new password" not in row.after
