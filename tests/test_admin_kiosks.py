"""Kiosk devices: enroll with a one-time link or short code, rename, revoke, last seen."""
import re

from models import AuditLog, KioskDevice
from tests.helpers import connected, csrf_token, sign_in


def test_enroll_with_the_link_shown(app, client):
    """Does a new device show a one-time link and code that enroll a tablet exactly once?"""
    sign_in(app, client)
    token = csrf_token(client, "/admin/kiosks")
    html = client.post("/admin/kiosks/add", data={"csrf_token": token, "name": "前台平板"}
                       ).get_data(as_text=True)
    code = re.search(r'class="enroll-code"[^>]*>([A-Z0-9]+)<', html).group(1)
    assert len(code) == 10 and not set(code) & set("01ILOU")
    assert "/kiosk/enroll/%s" % code in html
    assert "等待平板启用" in html
    tablet = app.test_client()
    page = tablet.get("/kiosk/enroll/%s" % code)
    assert page.status_code == 200
    tablet_token = re.search(r'name="csrf_token" value="([^"]+)"',
                             page.get_data(as_text=True)).group(1)
    assert tablet.post("/kiosk/enroll/%s" % code,
                       data={"csrf_token": tablet_token}).status_code == 302
    assert tablet.get("/kiosk/enroll/%s" % code).status_code == 404  # used once only
    assert "使用中" in client.get("/admin/kiosks").get_data(as_text=True)
    with connected(app):
        device = KioskDevice.get(KioskDevice.name == "前台平板")
        assert device.enrolled_at is not None and device.enroll_code_hash is None


def test_rename_and_revoke(app, client):
    """Can a device be renamed (audited), and once revoked is it shown as revoked?"""
    sign_in(app, client)
    token = csrf_token(client, "/admin/kiosks")
    client.post("/admin/kiosks/add", data={"csrf_token": token, "name": "平板一"})
    with connected(app):
        device = KioskDevice.get(KioskDevice.name == "平板一")
    client.post("/admin/kiosks/%d/rename" % device.id, data={"csrf_token": token,
                                                             "name": "活动室平板"})
    client.post("/admin/kiosks/%d/revoke" % device.id, data={"csrf_token": token})
    with connected(app):
        stored = KioskDevice.get_by_id(device.id)
        assert stored.name == "活动室平板" and stored.revoked_at is not None
        assert AuditLog.get(AuditLog.action == "kiosk.rename").before == '{"name": "平板一"}'
    assert "已停用" in client.get("/admin/kiosks").get_data(as_text=True)


def test_device_needs_a_name(app, client):
    """Is a device without a name refused with a message and nothing created?"""
    sign_in(app, client)
    token = csrf_token(client, "/admin/kiosks")
    response = client.post("/admin/kiosks/add", data={"csrf_token": token, "name": "  "})
    assert response.status_code == 422 and "起个名字" in response.get_data(as_text=True)
    with connected(app):
        assert KioskDevice.select().count() == 0


def test_enroll_by_typing_the_code(app, client):
    """Can staff enroll a tablet by typing the short code (any case, with spaces) on it?"""
    sign_in(app, client)
    token = csrf_token(client, "/admin/kiosks")
    html = client.post("/admin/kiosks/add", data={"csrf_token": token, "name": "活动室平板"}
                       ).get_data(as_text=True)
    code = re.search(r'class="enroll-code"[^>]*>([A-Z0-9]+)<', html).group(1)
    tablet = app.test_client()
    refused = tablet.get("/kiosk/")
    assert refused.status_code == 403 and "/kiosk/enroll" in refused.get_data(as_text=True)
    page = tablet.get("/kiosk/enroll").get_data(as_text=True)
    tablet_token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    wrong = tablet.post("/kiosk/enroll", data={"csrf_token": tablet_token, "code": "ABCDE23456"})
    assert wrong.status_code == 404 and "登记码无效" in wrong.get_data(as_text=True)
    typed = code[:5].lower() + " " + code[5:]
    response = tablet.post("/kiosk/enroll", data={"csrf_token": tablet_token, "code": typed})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/kiosk/enroll/%s" % code)
    assert tablet.post("/kiosk/enroll/%s" % code,
                       data={"csrf_token": tablet_token}).status_code == 302
    assert tablet.get("/kiosk/").status_code == 200
