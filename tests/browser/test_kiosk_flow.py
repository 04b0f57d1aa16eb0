"""The kiosk in Debian's Chromium: camera and scanner check-in, services, volunteers, activity mode."""
import os

import pytest

import models
from core import badge_print, people
from core.stations import default_station
from models import (Activity, Attendance, AuditLog, HelpRequest, ServiceRecord, Visit,
                    VolunteerShift)
from tests.browser.conftest import enroll_context
from tests.browser.screenshots import (camera_frame, scan, screen_of, tap, tap_service,
                                       wait_message, wait_screen, write_y4m)
from tests.helpers import gen_person

pytestmark = pytest.mark.browser

# Records what the page asked to say and to play.
RECORDER = """
window.__spoken = [];
window.__played = [];
(function () {
  var speak = window.speechSynthesis.speak.bind(window.speechSynthesis);
  window.speechSynthesis.speak = function (u) {
    window.__spoken.push({text: u.text, lang: u.lang});
    try { speak(u); } catch (e) {}
  };
  var play = HTMLMediaElement.prototype.play;
  HTMLMediaElement.prototype.play = function () {
    window.__played.push(this.currentSrc || this.src);
    return play.call(this).catch(function () {});
  };
})();
"""


@pytest.fixture
def settings(live):
    """Change the live server's kiosk settings for one test (restored afterwards)."""
    saved = dict(live.app.config)

    def _set(**values):
        live.app.config.update(values)
    yield _set
    for key in ("KIOSK_REPEAT_SECONDS", "KIOSK_IDLE_SECONDS", "KIOSK_CHOICE_SECONDS"):
        live.app.config[key] = saved[key]


@pytest.fixture
def kiosk(live, browser, settings):
    """kiosk(lang="zh", viewport=None, repeat=0) -> (page, device id) at the start screen."""
    contexts = []

    def _open(lang="zh", viewport=None, repeat=0, **config):
        settings(KIOSK_REPEAT_SECONDS=repeat, **config)
        context = browser.new_context(viewport=viewport or {"width": 1280, "height": 800},
                                      locale="zh-CN")
        contexts.append(context)
        device_id = enroll_context(live, context)
        if lang != "zh":
            with live.data():
                models.KioskDevice.update(language=lang).where(
                    models.KioskDevice.id == device_id).execute()
        page = context.new_page()
        page.add_init_script(RECORDER)
        page.clock.install()
        page.goto(live.url + "/kiosk/")
        wait_screen(page, "start")
        return page, device_id
    yield _open
    for context in contexts:
        context.close()


def count(live, model, *where):
    with live.data():
        query = model.select()
        return (query.where(*where) if where else query).count()


def catalogue(live):
    from core import demo
    with live.data():
        return [s.id for s in demo.ensure_catalogue()]


def spoken(page):
    return page.evaluate("window.__spoken")


def played(page):
    return [os.path.basename(src) for src in page.evaluate("window.__played")]


def test_fake_camera_badge_checks_in(live, browser, launch, tmp_path):
    """Does a real badge picture shown to the camera check the resident in, once?"""
    # Enrolled elsewhere first: the enrollment page itself opens the kiosk (and its camera).
    enrolling = browser.new_context()
    enroll_context(live, enrolling)
    state = enrolling.storage_state()
    enrolling.close()
    with live.data():
        person, _ = gen_person("resident", name="陈桂英")
        card = badge_print.badge_png(person, people.current_badge(person))
    video = write_y4m(camera_frame(card), str(tmp_path / "badge.y4m"))
    camera_browser = launch(["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                      "--use-file-for-fake-video-capture=" + video])
    context = camera_browser.new_context(viewport={"width": 1280, "height": 800},
                                         storage_state=state)
    context.grant_permissions(["camera"], origin=live.url)
    page = context.new_page()
    page.add_init_script(RECORDER)
    page.goto(live.url + "/kiosk/")
    wait_screen(page, "services", timeout=15000)
    assert "陈*英" in page.locator("[data-screen=services] .banner").inner_text()
    page.wait_for_timeout(1500)  # the badge stays in view: it must still count once
    with live.data():
        visits = list(Visit.select().where(Visit.person == person.id))
    assert [(v.kind, v.source) for v in visits] == [("check_in", "camera")]
    assert "陈桂英" not in page.content()
    context.close()


def test_scanner_check_in_two_services_spoken(live, kiosk):
    """Does a scanned resident hear the greeting, pick two services, and are both stored?"""
    ids = catalogue(live)
    page, _ = kiosk()
    with live.data():
        person, payload = gen_person("resident", name="张秀娟")
    scan(page, payload)
    wait_screen(page, "services")
    greeting = [s for s in spoken(page) if "张*娟，您好" in s["text"]]
    assert greeting and greeting[0]["lang"] == "zh-CN"
    assert "签到成功" in greeting[0]["text"]
    assert "success.wav" in played(page)
    assert count(live, Visit, Visit.person == person.id) == 1
    tap_service(page, 0)
    tap_service(page, 2)
    assert page.locator("[data-service-id][aria-pressed=true]").count() == 2
    tap(page, "services-next")
    wait_screen(page, "review")
    assert page.locator(".chosen-list li").all_inner_texts() == ["康复训练", "助餐"]
    tap(page, "review-confirm")
    wait_message(page, "已记录：康复训练、助餐")
    assert any("已记录" in s["text"] for s in spoken(page))
    with live.data():
        stored = sorted(r.service_id for r in ServiceRecord.select().where(
            ServiceRecord.recipient == person.id))
    assert stored == sorted([ids[0], ids[2]])
    page.locator('[data-action="repeat"]').click()
    assert spoken(page)[-1]["text"].count("已记录") == 1


def test_second_scan_offers_check_out(live, kiosk):
    """Does a second scan the same day offer 'add a service' or 'check out', never a check-in?"""
    page, _ = kiosk()
    with live.data():
        person, payload = gen_person("resident", name="刘德明")
    scan(page, payload)
    wait_screen(page, "services")
    tap(page, "services-skip")
    wait_message(page, "好了")
    tap(page, "finish")
    scan(page, payload)
    wait_screen(page, "returning")
    assert "刘*明，您今天已经签到了" in page.locator("#returning-title").inner_text()
    assert page.locator('[data-action="check-out"]').is_visible()
    assert page.locator('[data-action="add-service"]').is_visible()
    tap(page, "check-out")
    wait_message(page, "签退成功")
    with live.data():
        kinds = [v.kind for v in Visit.select().where(Visit.person == person.id)
                 .order_by(Visit.id)]
    assert kinds == ["check_in", "check_out"]
    tap(page, "finish")
    scan(page, payload)
    wait_screen(page, "returning")
    assert not page.locator('[data-action="check-out"]').is_visible()


def test_volunteer_shift_and_logged_service(live, kiosk):
    """Does a volunteer start a shift, log a service for a resident, and end the shift?"""
    ids = catalogue(live)
    page, _ = kiosk()
    with live.data():
        volunteer, vpayload = gen_person("volunteer", name="何永刚")
        resident, rpayload = gen_person("resident", name="赵玉兰")
    scan(page, vpayload)
    wait_screen(page, "volunteer")
    assert "志愿者何*刚" in page.locator("#volunteer-title").inner_text()
    assert not page.locator('[data-action="shift-end"]').is_visible()
    tap(page, "shift-start")
    wait_message(page, "值班开始了")
    assert count(live, VolunteerShift, VolunteerShift.volunteer == volunteer.id) == 1
    tap(page, "finish")
    scan(page, vpayload)
    wait_screen(page, "volunteer")
    assert not page.locator('[data-action="shift-start"]').is_visible()
    tap(page, "log-service")
    wait_screen(page, "recipient")
    scan(page, vpayload)  # their own badge is not a resident's
    page.locator("[data-fill=recipient-hint]").filter(has_text="不是服务对象").wait_for()
    assert screen_of(page) == "recipient"
    scan(page, rpayload)
    wait_screen(page, "services")
    assert "为赵*兰记录服务" in page.locator("[data-screen=services] .banner").inner_text()
    tap_service(page, 4)
    tap(page, "services-next")
    wait_screen(page, "review")
    tap(page, "review-confirm")
    wait_message(page, "已为赵*兰记录")
    with live.data():
        record, = ServiceRecord.select().where(ServiceRecord.recipient == resident.id)
        assert (record.provider_id, record.service_id) == (volunteer.id, ids[4])
        assert Visit.select().where(Visit.person == resident.id).count() == 0
    tap(page, "finish")
    scan(page, vpayload)
    wait_screen(page, "volunteer")
    tap(page, "shift-end")
    wait_message(page, "值班结束了")
    with live.data():
        shift, = VolunteerShift.select().where(VolunteerShift.volunteer == volunteer.id)
        assert shift.ended_at is not None and shift.minutes is not None


def test_no_card_calls_staff(live, kiosk):
    """Does 'I have no card' store a help request and tell the person staff are coming?"""
    page, device_id = kiosk()
    before = count(live, HelpRequest)
    tap(page, "no-card")
    wait_message(page, "已经通知工作人员")
    assert page.locator(".message-status").inner_text() == "工作人员马上来"
    assert "help.wav" in played(page)
    assert any("工作人员" in s["text"] for s in spoken(page))
    with live.data():
        assert HelpRequest.select().count() == before + 1
        assert HelpRequest.select().order_by(HelpRequest.id.desc()).first().device_id == device_id


@pytest.mark.parametrize("kind,expected", [
    ("foreign", "这不是驿站的卡"), ("unknown", "系统不认识这张卡"), ("revoked", "这张卡已经停用")])
def test_refused_codes_show_and_say_their_message(live, kiosk, kind, expected):
    """Do a foreign code, an unknown badge and a revoked badge each get their own message?"""
    page, _ = kiosk()
    with live.data():
        person, payload = gen_person("resident")
        if kind == "revoked":
            people.issue_badge(models.Person.get_by_id(person.id), actor_label="test")
    code = {"foreign": "https://wx.tenpay.com/f2f?t=AQ2N8Z1SECRET",
            "unknown": "YZ1:" + "B" * 22, "revoked": payload}[kind]
    rows = [count(live, m) for m in (Visit, ServiceRecord, VolunteerShift, Attendance)]
    scan(page, code)
    wait_message(page, expected)
    assert page.locator(".message-status").inner_text() == "没有成功"
    assert page.locator("[data-fill=message-icon]").get_attribute("src").endswith("cancel.svg")
    assert any(expected in s["text"] for s in spoken(page))
    assert played(page)[-1] == "failure.wav"
    assert [count(live, m) for m in (Visit, ServiceRecord, VolunteerShift, Attendance)] == rows
    with live.data():
        assert not any("tenpay" in (a.detail + a.after) for a in AuditLog.select())


def test_same_badge_within_seconds_counts_once(live, kiosk):
    """Is one badge read twice within KIOSK_REPEAT_SECONDS taken as one read?"""
    page, _ = kiosk(repeat=5)
    with live.data():
        person, payload = gen_person("resident")
    scan(page, payload)
    scan(page, payload)
    wait_screen(page, "services")
    page.wait_for_timeout(500)
    assert screen_of(page) == "services"
    assert count(live, Visit, Visit.person == person.id) == 1


def test_choice_screen_asks_for_more_time(live, kiosk):
    """Does a choice screen ask '还需要时间吗?', wait at least 20 s, then go back to the start?"""
    page, _ = kiosk(KIOSK_CHOICE_SECONDS=45, KIOSK_IDLE_SECONDS=30)
    with live.data():
        _, payload = gen_person("resident")
    scan(page, payload)
    wait_screen(page, "services")
    page.clock.run_for(40_000)
    tap_service(page, 1)  # someone is acting: the screen waits for them again
    page.clock.run_for(40_000)
    assert not page.locator("#still-there").is_visible()
    page.clock.run_for(6_000)
    page.locator("#still-there").wait_for(state="visible")
    assert any("还需要时间吗" in s["text"] for s in spoken(page))
    tap(page, "more-time")
    assert screen_of(page) == "services"
    assert page.locator("[data-service-id][aria-pressed=true]").count() == 1
    page.clock.run_for(46_000)
    page.locator("#still-there").wait_for(state="visible")
    page.clock.run_for(20_000)
    assert page.locator("#still-there").is_visible() and screen_of(page) == "services"
    page.clock.run_for(11_000)
    wait_screen(page, "start")
    assert not page.locator("#still-there").is_visible()


def test_message_screen_returns_to_start(live, kiosk):
    """Does a message screen go back to the start after KIOSK_IDLE_SECONDS?"""
    page, _ = kiosk(KIOSK_IDLE_SECONDS=30)
    scan(page, "NOT-A-BADGE-123")
    wait_screen(page, "message")
    page.clock.run_for(25_000)
    assert screen_of(page) == "message"
    page.clock.run_for(6_000)
    wait_screen(page, "start")


def test_english_and_back_to_chinese(live, kiosk):
    """Does the language toggle speak English, and does the kiosk return to Chinese after?"""
    page, _ = kiosk(KIOSK_IDLE_SECONDS=30)
    page.locator("#language").click()
    wait_screen(page, "start")
    assert page.locator("#start-title").inner_text() == "Please show your badge"
    with live.data():
        _, payload = gen_person("resident", name="Mary Smith")
    scan(page, payload)
    wait_screen(page, "services")
    greeting = [s for s in spoken(page) if "Hello, M*** S****" in s["text"]]
    assert greeting and greeting[0]["lang"] == "en-US"
    tap(page, "services-skip")
    wait_screen(page, "message")
    tap(page, "finish")
    page.wait_for_function("document.documentElement.lang === 'zh-CN'")
    wait_screen(page, "start")
    assert page.locator("#start-title").inner_text() == "请出示您的服务卡"


def test_larger_text_toggle(live, kiosk):
    """Does 'larger text' make the text larger, and say so to assistive technology?"""
    page, _ = kiosk()
    size = "parseFloat(getComputedStyle(document.querySelector('#start-title + .lead')).fontSize)"
    before = page.evaluate(size)
    page.locator("#text-size").click()
    assert page.locator("#text-size").get_attribute("aria-pressed") == "true"
    assert page.evaluate(size) >= before * 1.25


def test_activity_mode(live, kiosk):
    """In activity mode, are two scans two attendances, the title shown, and no way out?"""
    page, device_id = kiosk()
    with live.data():
        station = default_station()
        activity = Activity.create(station=station, name="手工编织小组", kind="group",
                                   starts_at=models.utcnow(), local_date=models.utcnow().date())
        models.KioskDevice.update(activity=activity).where(
            models.KioskDevice.id == device_id).execute()
        resident, rpayload = gen_person("resident", name="周凤英")
        volunteer, vpayload = gen_person("volunteer", name="冯丽")
    page.reload()
    wait_screen(page, "start")
    assert "手工编织小组" in page.locator("#activity-banner").inner_text()
    scan(page, rpayload)
    wait_message(page, "周*英，签到成功")
    assert "手工编织小组" in page.locator("#activity-banner").inner_text()
    assert "欢迎参加：手工编织小组" in page.locator("[data-fill=message-detail]").inner_text()
    tap(page, "finish")
    scan(page, vpayload)
    wait_message(page, "冯*，签到成功")
    with live.data():
        people_there = sorted(a.person_id for a in Attendance.select().where(
            Attendance.activity == activity.id))
        shift = VolunteerShift.get(VolunteerShift.volunteer == volunteer.id)
        assert Visit.select().where(Visit.person << [resident.id, volunteer.id]).count() == 0
    assert people_there == sorted([resident.id, volunteer.id])
    assert shift.activity_id == activity.id
    # No control on the kiosk leaves activity mode: every one of them, tapped, keeps it.
    tap(page, "finish")
    actions = page.evaluate("""Array.from(document.querySelectorAll('[data-action]'))
        .map(b => b.dataset.action)""")
    assert not [a for a in actions if "activity" in a or "mode" in a]
    hrefs = page.evaluate("Array.from(document.querySelectorAll('a[href]')).map(a => a.href)")
    assert all("lang=" in h for h in hrefs)
    page.locator("#language").click()
    wait_screen(page, "start")
    assert "手工编织小组" in page.locator("#activity-banner").inner_text()
    with live.data():
        assert models.KioskDevice.get_by_id(device_id).activity_id == activity.id


def test_unenrolled_browser_refused(live, browser):
    """Does a browser that is not an enrolled kiosk get a refusal page, and no scan form?"""
    context = browser.new_context()
    page = context.new_page()
    response = page.goto(live.url + "/kiosk/")
    assert response.status == 403
    assert "此设备尚未登记为签到机" in page.locator("h1").inner_text()
    assert page.locator("#kiosk").count() == 0
    api = context.request.post(live.url + "/kiosk/api/help", data={"client_id": "nobody-01"})
    assert api.status in (400, 403)
    context.close()
