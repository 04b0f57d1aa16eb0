"""The admin view in Chromium: sign in, today updating by itself, a correction, axe-core."""
import json

import pytest

from core import attendance
from core.stations import default_station
from models import AuditLog, HelpRequest, ServiceRecord
from tests.browser.admin_screenshots import admin_pages, arrange
from tests.browser.conftest import axe_violations
from tests.helpers import gen_person

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def station(live):
    """A station with a week of history and a lively today (shared by the module)."""
    with live.data():
        return arrange(default_station())


def test_sign_in_wrong_then_right(live, browser, station):
    """Does a wrong password show a message in Chinese, and the right one open today?"""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    page = context.new_page()
    page.goto(live.url + "/admin/")
    page.wait_for_url("**/admin/login**")
    page.fill("#username", "admin-demo")
    page.fill("#password", "not the password")
    page.locator("form.login-form button[type=submit]").click()
    assert "用户名或密码错误" in page.locator("[role=alert]").inner_text()
    page.fill("#username", "admin-demo")
    page.fill("#password", "demo password")
    page.locator("form.login-form button[type=submit]").click()
    page.wait_for_url("**/admin/")
    assert page.locator("h1").inner_text().startswith("今日")
    assert page.get_by_role("button", name="退出").is_visible()
    context.close()


def test_today_updates_without_a_reload(live, admin_page, station):
    """Does a kiosk check-in and a kiosk call appear on today without reloading, with a chime?"""
    page = admin_page("staff")
    page.goto(live.url + "/admin/")
    page.evaluate("window.__sameDocument = true")
    here = page.locator('[data-section="here"]')
    assert "欧阳丽娟" not in here.inner_text()
    with live.data():
        person, _ = gen_person("resident", name="欧阳丽娟")
        attendance.check_in(person, default_station(), source="camera")
        HelpRequest.create(station=default_station())
    here.get_by_text("欧阳丽娟").wait_for(timeout=12000)
    page.locator("#live-status").get_by_text("有人没带卡").wait_for(timeout=12000)
    assert page.evaluate("window.__sameDocument") is True  # the page was not reloaded
    assert int(page.locator("#today").get_attribute("data-chimed")) >= 1
    assert page.locator(".help-item").count() >= 1


def test_help_call_check_in_from_today(live, admin_page, station):
    """Can staff go from a kiosk call to the person and check them in with two clicks?"""
    with live.data():
        person, _ = gen_person("resident", name="钱淑珍")
        call = HelpRequest.create(station=default_station())
    page = admin_page("staff")
    page.goto(live.url + "/admin/")
    page.locator('.help-item[data-help-id="%d"] a' % call.id).click()
    page.fill("#q", "淑珍")
    page.get_by_role("button", name="搜索").click()
    page.get_by_role("button", name="为 钱淑珍 签到").click()
    page.wait_for_url("**/admin/")
    assert "钱淑珍 已签到" in page.locator(".flash").inner_text()
    assert "钱淑珍" in page.locator('[data-section="here"]').inner_text()
    with live.data():
        assert HelpRequest.get_by_id(call.id).resolved_at is not None
        assert attendance.day_status(person, default_station()) == "in"


def test_a_correction_in_the_browser(live, admin_page, station):
    """Can a social worker correct a service's minutes with a reason, the old value kept?"""
    page = admin_page("social_worker")
    page.goto(live.url + "/admin/log")
    with live.data():
        record = ServiceRecord.get_by_id(station["record"])
        old_minutes = record.minutes
    page.goto(live.url + "/admin/log/service/%d" % record.id)
    page.fill("#minutes", str(old_minutes + 10))
    page.get_by_role("button", name="保存更正").click()
    # The reason is required: the browser keeps the form until it is given.
    assert page.url.endswith("/admin/log/service/%d" % record.id)
    page.fill("#reason", "实际多做了十分钟")
    page.get_by_role("button", name="保存更正").click()
    page.wait_for_url("**/admin/log?date=**")
    assert "原来的数值保留在审计日志中" in page.locator(".flash").inner_text()
    with live.data():
        assert ServiceRecord.get_by_id(record.id).minutes == old_minutes + 10
        row = (AuditLog.select().where((AuditLog.action == "service_record.correct")
                                       & (AuditLog.object_id == record.id))
               .order_by(AuditLog.id.desc()).first())
        assert json.loads(row.before)["minutes"] == old_minutes
        assert row.detail == "实际多做了十分钟"
    page.goto(live.url + "/admin/log/service/%d" % record.id)
    assert "实际多做了十分钟" in page.locator("table.audit").inner_text()


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 800},
                                      {"width": 1920, "height": 1080}])
def test_admin_pages_have_no_axe_violations(live, admin_page, station, viewport):
    """Does every screen of this part of the admin view pass axe-core (tablet and PC)?"""
    page = admin_page("admin", viewport=viewport)
    found = {}
    for name, path in admin_pages(station):
        page.goto(live.url + path)
        violations = axe_violations(page)
        if violations:
            found[name] = violations
        # Nothing sticks out sideways on the tablet.
        if viewport["width"] == 1280:
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 1280, (name, width)
    assert found == {}


def test_english_today_has_no_axe_violations(live, admin_page, station):
    """Does today in English pass axe-core too?"""
    page = admin_page("social_worker")
    page.goto(live.url + "/admin/?lang=en")
    assert page.locator("h1").inner_text().startswith("Today")
    assert axe_violations(page) == []
    page.goto(live.url + "/admin/?lang=zh")
