"""Activities in a real browser: staff switch a kiosk into activity mode, badges are scanned,
the attendance shows up on the activity's page; the activity screens pass axe-core."""
import datetime

import pytest

from core import activities
from core.attendance import record_attendance
from core.stations import default_station
from models import Activity, Attendance, KioskDevice
from tests.browser.conftest import axe_violations
from tests.helpers import gen_person

pytestmark = pytest.mark.browser


def _activity(name, kind="event"):
    station = default_station()
    today = activities.local_today(station)
    fields = dict(name=name, kind=kind, day=today, start=datetime.time(9, 30),
                  end=datetime.time(11, 30), place="一楼活动室", at_station=True,
                  organiser="石·井和居驿站", capacity=30, notes="", service_ids=[], weeks=1)
    return activities.create_activity(station, fields, actor=None)[0]


def test_kiosk_in_activity_mode_records_two_badges(live, kiosk_page, admin_page):
    """Do staff switch a kiosk to an activity, and do two scanned badges appear on its page?"""
    with live.data():
        activity = _activity("国际残疾人日游园会")
        device = KioskDevice.select().order_by(KioskDevice.id.desc()).first()
        first, first_payload = gen_person("resident", name="张秀娟")
        second, second_payload = gen_person("volunteer", name="马红梅")
    admin = admin_page("social_worker")
    admin.goto("%s/admin/activities/%d" % (live.url, activity.id))
    form = admin.locator("form:has(input[name=device_id][value='%d'])" % device.id)
    form.get_by_role("button").click()
    admin.get_by_text("现在为此活动签到").first.wait_for(timeout=5000)
    with live.data():
        assert KioskDevice.get_by_id(device.id).activity_id == activity.id

    kiosk_page.reload()
    kiosk_page.get_by_text("国际残疾人日游园会").first.wait_for(timeout=5000)
    for payload, masked in ((first_payload, "张*娟"), (second_payload, "马*梅")):
        kiosk_page.keyboard.type(payload)
        kiosk_page.keyboard.press("Enter")
        kiosk_page.get_by_text(masked).first.wait_for(timeout=5000)
    with live.data():
        attended = {a.person_id for a in Attendance.select()
                    .where(Attendance.activity == activity.id)}
        assert attended == {first.id, second.id}

    admin.reload()
    table = admin.locator("table.attendance")
    assert table.get_by_text("张秀娟").count() == 1
    assert table.get_by_text("马红梅").count() == 1
    assert admin.get_by_role("heading", name="签到名单 (2 / 30)").count() == 1

    # Nothing on the kiosk leads back to normal mode: no admin address, no such control.
    kiosk_html = kiosk_page.content()
    assert "/admin" not in kiosk_html and "恢复日常签到" not in kiosk_html
    assert kiosk_page.locator("a[href*='admin'], form[action*='admin']").count() == 0
    # The kiosk browser itself has no staff session: the admin route sends it to sign in.
    kiosk_page.goto("%s/admin/activities/%d" % (live.url, activity.id))
    assert "/admin/login" in kiosk_page.url
    with live.data():
        assert KioskDevice.get_by_id(device.id).activity_id == activity.id

    # Staff switch it back from the activity's page.
    admin.get_by_role("button", name="恢复日常签到：%s" % device.name).click()
    admin.get_by_text("已恢复日常签到").first.wait_for(timeout=5000)
    with live.data():
        assert KioskDevice.get_by_id(device.id).activity_id is None


def test_walk_in_from_the_activity_page(live, admin_page):
    """Can staff find a registered person by name and add them, and register a newcomer?"""
    with live.data():
        activity = _activity("手工编织小组", kind="group")
        gen_person("resident", name="欧阳丽娟")
    page = admin_page("staff")
    page.goto("%s/admin/activities/%d" % (live.url, activity.id))
    page.fill("#q", "丽娟")
    page.get_by_role("button", name="查找").click()
    page.get_by_role("button", name="为 欧阳丽娟 签到").click()
    page.get_by_text("已将 欧阳丽娟 加入签到名单。").wait_for(timeout=5000)
    page.fill("#new-name", "钱多多")
    page.get_by_label("志愿者").check()
    page.get_by_role("button", name="登记并签到").click()
    page.get_by_text("已将 钱多多 加入签到名单。").wait_for(timeout=5000)
    rows = page.locator("table.attendance tbody tr")
    assert rows.count() == 2
    assert "钱多多" in rows.nth(1).inner_text() and "志愿者" in rows.nth(1).inner_text()


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 800},
                                      {"width": 800, "height": 1280}])
def test_activity_screens_pass_axe(live, admin_page, viewport, tmp_path):
    """Do the list, the form (also with errors) and an activity's page pass axe-core?"""
    with live.data():
        activity = _activity("康复操课程", kind="class")
        person, _p = gen_person("resident", name="陈桂英")
        row, _c = record_attendance(activity, person)
        other, _p = gen_person("resident", name="黄文华")
        voided, _c = record_attendance(activity, other)
        activities.void_attendance(voided, "误签", actor=None)
    page = admin_page("admin", viewport=viewport)
    screens = []
    page.goto(live.url + "/admin/activities")
    assert page.get_by_role("link", name="康复操课程").count() >= 1
    screens.append(("list", axe_violations(page)))
    page.goto(live.url + "/admin/activities/new")
    screens.append(("form", axe_violations(page)))
    page.fill("#name", "")
    page.fill("#capacity", "abc")
    page.evaluate("document.querySelector('form.activity-form').noValidate = true")
    page.get_by_role("button", name="保存").click()
    page.get_by_text("请填写活动名称。").wait_for(timeout=5000)
    screens.append(("form with errors", axe_violations(page)))
    page.goto("%s/admin/activities/%d?q=桂英" % (live.url, activity.id))
    page.get_by_text("作废: 误签").wait_for(timeout=5000)
    page.locator("details summary").first.click()
    screens.append(("activity", axe_violations(page)))
    page.screenshot(path=str(tmp_path / "activity.png"), full_page=True)
    assert [(name, v) for name, v in screens if v] == []


def test_activity_is_a_cancelled_one_shown_as_cancelled(live, admin_page):
    """Does a cancelled activity say so in words on the list, not only by colour?"""
    with live.data():
        activity = _activity("游园会（取消）")
        activities.cancel_activity(activity, "暴雨预警", actor=None)
    page = admin_page("social_worker")
    page.goto(live.url + "/admin/activities")
    row = page.locator("tr", has_text="游园会（取消）")
    assert "已取消" in row.inner_text()
    with live.data():
        assert Activity.get_by_id(activity.id).cancel_reason == "暴雨预警"
