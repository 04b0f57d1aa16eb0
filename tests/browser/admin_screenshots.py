"""The admin screens of issue 5 (part A), with a realistic station; saved as PNGs.

    .venv/bin/python -m tests.browser.admin_screenshots     docs/screenshots/admin-*.png

``arrange`` fills a station with a week of demo history plus today's activity (people
here, a volunteer on shift, a call from the kiosk, a shift closed automatically, a
correction); ``admin_pages`` lists the screens. The browser tests walk the same list
for axe-core.
"""
import datetime
import os
import sys

from core.stations import default_station
from tests.helpers import connected

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT_DIR = os.path.join(ROOT, "docs", "screenshots")
VIEWPORT = {"width": 1280, "height": 800}


def arrange(station):
    """Demo history plus a lively today; returns ids the screen list needs."""
    from core import attendance, corrections, demo, people
    from core.kiosk_auth import new_enrollment
    from models import (Consent, HelpRequest, Person, Service, ServiceRecord, StaffUser, Visit,
                        VolunteerShift, utcnow)
    from core.security import hash_password
    if not Person.select().where(Person.station == station).exists():
        demo.load(station, days=7)
    admin = StaffUser.get_or_none(StaffUser.username == "admin-demo") or StaffUser.create(
        username="admin-demo", display_name="陈站长", role="admin", station=station,
        password_hash=hash_password("demo password"))
    for username, name, role in (("sg-li", "李社工", "social_worker"),
                                 ("gz-wang", "王干事", "staff")):
        if StaffUser.get_or_none(StaffUser.username == username) is None:
            StaffUser.create(username=username, display_name=name, role=role, station=station,
                             password_hash=hash_password("demo password"),
                             failed_logins=5 if role == "staff" else 0)
    # Someone tried gz-wang's password five times from one device: that device waits.
    from core import signin
    from models import LoginThrottle
    if not LoginThrottle.select().exists():
        LoginThrottle.create(account_key=signin.account_key("gz-wang"),
                             address_key=signin.address_key("192.168.1.77"), failures=5,
                             last_failure_at=utcnow(),
                             locked_until=utcnow() + datetime.timedelta(minutes=5))
    residents = list(Person.select().where((Person.station == station)
                                           & (Person.kind == "resident")
                                           & Person.erased_at.is_null()).order_by(Person.id))
    volunteers = list(Person.select().where((Person.station == station)
                                            & (Person.kind == "volunteer")).order_by(Person.id))
    services = demo.ensure_catalogue(station)
    own = Service.get_or_none((Service.station == station) & (Service.code == "haircut")) \
        or Service.create(station=station, code="haircut", name_zh="爱心义剪",
                          name_en="Free haircut", pictogram="care", sort_order=135,
                          default_minutes=20)
    now = utcnow()
    today = attendance.local_date(station)
    # Early in the morning "90 minutes ago" is yesterday: keep today's rows on today.
    midnight = attendance.local_to_utc(station, today, datetime.time(0, 0))
    for index, resident in enumerate(residents[:5]):
        if attendance.day_status(resident, station) == "none":
            at = max(now - datetime.timedelta(minutes=90 - index * 15),
                     midnight + datetime.timedelta(minutes=1 + index))
            attendance.check_in(resident, station, at=at, source="camera")
            attendance.record_services(resident, station, [services[index % 4]],
                                       provider=volunteers[0], at=at + datetime.timedelta(
                                           minutes=5))
    if attendance.day_status(residents[4], station) == "in":
        attendance.check_out(residents[4], station)
    if attendance.open_shift(volunteers[0]) is None:
        attendance.start_shift(volunteers[0], station, content="康复辅助",
                               at=max(now - datetime.timedelta(hours=2), midnight))
    yesterday = today - datetime.timedelta(days=1)
    if not VolunteerShift.select().where(VolunteerShift.auto_closed == True).exists():  # noqa: E712
        start = attendance.local_to_utc(station, yesterday, datetime.time(15, 0))
        if attendance.open_shift(volunteers[1]) is None:
            attendance.start_shift(volunteers[1], station, at=start, content="陪聊")
            attendance.close_open_shifts(station, now=now)
    if not HelpRequest.select().where(HelpRequest.resolved_at.is_null()).exists():
        device, _code = new_enrollment("前台平板", station, actor=admin)
        HelpRequest.create(station=station, device=device,
                           created_at=now - datetime.timedelta(minutes=2))
        new_enrollment("活动室平板", station, actor=admin)
    record = (ServiceRecord.select().where((ServiceRecord.station == station)
                                           & (ServiceRecord.local_date == today))
              .order_by(ServiceRecord.id).first())
    if record.voided_at is None and record.minutes == record.service.default_minutes:
        corrections.correct(record, {"minutes": record.minutes + 15}, actor=admin,
                            reason="康复训练延长了一刻钟")
    visit = (Visit.select().where((Visit.station == station) & (Visit.local_date == yesterday))
             .order_by(Visit.id).first())
    if visit is not None and visit.voided_at is None:
        corrections.void(visit, actor=admin, reason="重复扫码")
    person = residents[0]
    if not Consent.select().where(Consent.person == person).exists():
        Consent.create(person=person, method="paper", given_on=today, recorded_by=admin)
    if not person.disability_card:
        people.set_sensitive(person, card="50010219510312004X12", id_type="居民身份证",
                             id_number="50010219510312004X")
        person.save()
    shift = VolunteerShift.get(VolunteerShift.auto_closed == True)  # noqa: E712
    return {"person": person.id, "volunteer": volunteers[0].id, "record": record.id,
            "shift": shift.id, "admin": admin.id, "service": own.id,
            "staff_user": StaffUser.get(StaffUser.username == "sg-li").id,
            "today": today.isoformat(), "yesterday": yesterday.isoformat(),
            "resident_name": residents[1].name}


def admin_pages(ids):
    """(name, path) of every screen this part of the admin view has."""
    return [
        ("today", "/admin/"),
        ("check-in", "/admin/check-in?q=%s" % ids["resident_name"][0]),
        ("log", "/admin/log"),
        ("log-yesterday", "/admin/log?date=%s" % ids["yesterday"]),
        ("log-add", "/admin/log/add"),
        ("log-correct-service", "/admin/log/service/%d" % ids["record"]),
        ("log-review-shift", "/admin/log/shift/%d" % ids["shift"]),
        ("people", "/admin/people"),
        ("person", "/admin/people/%d" % ids["person"]),
        ("person-volunteer", "/admin/people/%d" % ids["volunteer"]),
        ("person-new", "/admin/people/new"),
        ("person-edit", "/admin/people/%d/edit" % ids["person"]),
        ("person-sensitive", "/admin/people/%d/sensitive" % ids["person"]),
        ("person-erase", "/admin/people/%d/erase" % ids["person"]),
        ("services", "/admin/services"),
        ("service-edit", "/admin/services/%d" % ids["service"]),
        ("kiosks", "/admin/kiosks"),
        ("staff", "/admin/staff"),
        ("staff-edit", "/admin/staff/%d" % ids["staff_user"]),
        ("audit", "/admin/audit"),
        ("reports", "/admin/reports"),
        ("activities", "/admin/activities"),
        ("badges", "/admin/badges"),
        ("person-badge", "/admin/people/%d/badge" % ids["person"]),
        ("import", "/admin/import"),
    ]


PRINTOUTS = [  # (file name, admin URL of a PDF, page to show)
    ("print-sign-in-sheet", "/admin/reports/sign-in-sheet.pdf?date={today}", 0),
]


def render_pdf_page(data, path, page_index=0, scale=1.2):
    """Render one page of a PDF to a PNG (what a printer would put on paper)."""
    import pypdfium2
    pdf = pypdfium2.PdfDocument(data)
    pdf[page_index].render(scale=scale).to_pil().convert("L").save(path, optimize=True)
    pdf.close()


def printouts(app, page, url, ids):
    """PNGs of what staff print: a badge, a badge sheet, the day's 签到表."""
    from core import badge_print, badge_sheets, people
    from models import Person
    saved = []
    for name, target, index in PRINTOUTS:
        response = page.request.get(url + target.format(**ids))
        assert response.ok, (target, response.status)
        path = os.path.join(OUT_DIR, name + ".png")
        render_pdf_page(response.body(), path, index)
        saved.append(path)
    with connected(app):
        person = Person.get_by_id(ids["person"])
        badge = people.current_badge(person)
        path = os.path.join(OUT_DIR, "print-badge.png")
        with open(path, "wb") as fh:
            fh.write(badge_print.badge_png(person, badge))
        saved.append(path)
        cards = [badge_print.card_for(p, people.current_badge(p))
                 for p in Person.select().where(Person.erased_at.is_null())
                 .order_by(Person.id).limit(10) if people.current_badge(p)]
        path = os.path.join(OUT_DIR, "print-badge-sheet.png")
        render_pdf_page(badge_sheets.sheet_pdf(cards), path, 0, scale=0.8)
        saved.append(path)
    return saved


def sign_in(page, url, username="admin-demo", password="demo password"):
    """Sign in through the form."""
    page.goto(url + "/admin/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.locator("form.login-form button[type=submit]").click()
    page.wait_for_url("**/admin/**")


def main():
    """Regenerate docs/screenshots/admin-*.png at 1280x800 (and a kiosk enrollment code)."""
    import logging

    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM, browser_args
    from tests.browser.screenshots import station_server
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    os.makedirs(OUT_DIR, exist_ok=True)
    saved = []
    with station_server() as (app, url), sync_playwright() as p:
        with connected(app):
            ids = arrange(default_station())
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                    args=browser_args())
        context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
        page = context.new_page()
        page.goto(url + "/admin/login")
        path = os.path.join(OUT_DIR, "admin-login.png")
        page.screenshot(path=path)
        saved.append(path)
        sign_in(page, url)
        for name, target in admin_pages(ids):
            page.goto(url + target)
            page.wait_for_load_state("networkidle")
            path = os.path.join(OUT_DIR, "admin-%s.png" % name)
            page.screenshot(path=path, full_page=name in ("person", "log-add"))
            saved.append(path)
        page.goto(url + "/admin/kiosks")
        page.fill("#new-name", "接待室平板")
        page.locator("form[action$='/kiosks/add'] button").click()
        page.locator(".enroll-code").wait_for()
        path = os.path.join(OUT_DIR, "admin-kiosk-enroll.png")
        page.screenshot(path=path)
        saved.append(path)
        page.goto(url + "/admin/?lang=en")
        path = os.path.join(OUT_DIR, "admin-en-today.png")
        page.screenshot(path=path)
        saved.append(path)
        page.goto(url + "/admin/?lang=zh")
        saved += printouts(app, page, url, ids)
        context.close()
        browser.close()
    for path in saved:
        print(os.path.relpath(path, ROOT), os.path.getsize(path))


if __name__ == "__main__":
    sys.exit(main())
