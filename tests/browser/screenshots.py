"""Every kiosk screen, walked through in Chromium; `make screenshots` saves each as a PNG.

    .venv/bin/python -m tests.browser.screenshots     docs/screenshots/kiosk-*.png

The walk (``walk``) is shared with the browser tests, which check axe-core, target
sizes and contrast on each screen it reaches. The camera helpers turn a badge picture
into a file Chromium's fake camera plays (Y4M).
"""
import contextlib
import io
import os
import sys
import tempfile
import threading

from PIL import Image

from core.database import close_database, migrate
from core.stations import default_station, ensure_default_station
from tests.helpers import connected

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT_DIR = os.path.join(ROOT, "docs", "screenshots")
LANDSCAPE = {"width": 1280, "height": 800}
PORTRAIT = {"width": 800, "height": 1280}


# ------------------------------------------------------------------ fake camera

def write_y4m(image, path, frames=2):
    """Write an RGB picture as a YUV4MPEG2 (4:2:0, BT.601 studio range) file for Chromium."""
    image = image.convert("RGB")
    w, h = image.size
    w, h = w - w % 2, h - h % 2
    image = image.crop((0, 0, w, h))
    y, cb, cr = image.convert("YCbCr").split()  # full range
    y = y.point(lambda v: round(16 + v * 219 / 255))
    cb, cr = (c.resize((w // 2, h // 2), Image.BOX).point(lambda v: round(16 + v * 224 / 255))
              for c in (cb, cr))
    frame = b"FRAME\n" + y.tobytes() + cb.tobytes() + cr.tobytes()
    with open(path, "wb") as fh:
        fh.write(b"YUV4MPEG2 W%d H%d F10:1 Ip A1:1 C420jpeg\n" % (w, h))
        for _ in range(frames):
            fh.write(frame)
    return path


def camera_frame(card_png=None, size=(640, 480)):
    """A camera picture: a badge card held up against a light wall (or the wall alone)."""
    frame = Image.new("RGB", size, (214, 210, 200))
    if card_png:
        card = Image.open(io.BytesIO(card_png)).convert("RGB")
        width = int(size[0] * 0.92)
        card = card.resize((width, round(card.height * width / card.width)), Image.LANCZOS)
        frame.paste(card, ((size[0] - card.width) // 2, (size[1] - card.height) // 2))
    return frame


# ------------------------------------------------------------------ driving the page

def screen_of(page):
    """The name of the screen the kiosk shows."""
    return page.evaluate("document.getElementById('kiosk').dataset.screen")


def wait_screen(page, name, timeout=8000):
    """Wait until the kiosk shows the named screen."""
    page.wait_for_function("n => document.getElementById('kiosk').dataset.screen === n",
                           arg=name, timeout=timeout)


def wait_message(page, text, timeout=8000):
    """Wait for the message screen to show a title containing text."""
    wait_screen(page, "message", timeout)
    page.locator("#message-title").filter(has_text=text).wait_for(timeout=timeout)


def scan(page, payload):
    """A USB scanner: the payload typed fast, then Enter, with nothing focused on purpose."""
    page.keyboard.type(payload)
    page.keyboard.press("Enter")


def tap(page, action):
    """Tap the visible control with this data-action."""
    page.locator('[data-action="%s"]:visible' % action).first.click()


def tap_service(page, index):
    """Tap the index-th service tile."""
    page.locator("[data-service-id]").nth(index).click()


def walk(page, badges, set_activity):
    """Visit every kiosk screen in a natural order; yields each screen's name once it shows.

    badges: payloads "resident", "resident2", "volunteer", "revoked"; set_activity(name or
    None) switches the kiosk device's activity mode. The page must be at the start screen.
    """
    wait_screen(page, "start")
    yield "start"
    scan(page, badges["resident"])
    wait_screen(page, "services")
    yield "services"
    tap_service(page, 0)
    tap_service(page, 2)
    yield "services-chosen"
    tap(page, "services-next")
    wait_screen(page, "review")
    yield "review"
    tap(page, "review-confirm")
    wait_screen(page, "message")
    yield "done"
    tap(page, "finish")
    wait_screen(page, "start")
    scan(page, badges["resident"])
    wait_screen(page, "returning")
    yield "returning"
    tap(page, "check-out")
    wait_screen(page, "message")
    yield "checked-out"
    tap(page, "finish")
    scan(page, badges["volunteer"])
    wait_screen(page, "volunteer")
    yield "volunteer"
    tap(page, "shift-start")
    wait_screen(page, "message")
    yield "shift-started"
    tap(page, "finish")
    scan(page, badges["volunteer"])
    wait_screen(page, "volunteer")
    tap(page, "log-service")
    wait_screen(page, "recipient")
    yield "recipient"
    scan(page, badges["resident2"])
    wait_screen(page, "services")
    yield "log-services"
    tap_service(page, 1)
    tap(page, "services-next")
    wait_screen(page, "review")
    tap(page, "review-confirm")
    wait_screen(page, "message")
    yield "logged"
    tap(page, "finish")
    scan(page, badges["volunteer"])
    wait_screen(page, "volunteer")
    tap(page, "shift-end")
    wait_screen(page, "message")
    yield "shift-ended"
    tap(page, "finish")
    tap(page, "no-card")
    wait_screen(page, "message")
    yield "help"
    tap(page, "finish")
    scan(page, "https://wx.tenpay.com/f2f?t=AQ2N8Z1")
    wait_screen(page, "message")
    yield "not-a-badge"
    tap(page, "finish")
    scan(page, "YZ1:" + "A" * 22)
    wait_screen(page, "message")
    yield "unknown-badge"
    tap(page, "finish")
    scan(page, badges["revoked"])
    wait_screen(page, "message")
    yield "revoked-badge"
    tap(page, "finish")
    scan(page, badges["resident2"])
    wait_screen(page, "services")
    page.clock.fast_forward(page.evaluate(
        "JSON.parse(document.getElementById('kiosk-config').textContent).choiceSeconds")
        * 1000 + 500)
    page.locator("#still-there").wait_for(state="visible")
    yield "more-time"
    tap(page, "give-up")
    wait_screen(page, "start")
    set_activity("国际残疾人日联欢会" if page.evaluate("document.documentElement.lang")
                 .startswith("zh") else "International Day of Persons with Disabilities")
    try:
        page.reload()
        wait_screen(page, "start")
        yield "activity-start"
        scan(page, badges["resident"])
        wait_screen(page, "message")
        yield "activity-done"
        tap(page, "finish")
    finally:
        set_activity(None)
    page.reload()
    wait_screen(page, "start")


# ------------------------------------------------------------------ the station for a walk

def make_people(station):
    """Demo catalogue, two residents, a volunteer and a resident whose badge was replaced."""
    from core import demo, people
    demo.ensure_catalogue(station)
    badges = {}
    for key, name, kind in (("resident", "张秀娟", "resident"), ("resident2", "李建国", "resident"),
                            ("volunteer", "马红梅", "volunteer"), ("revoked", "王淑芬", "resident")):
        person, badge = people.add_person(station, name, kind, actor_label="screenshots")
        badges[key] = people.badge_payload(badge)
        if key == "revoked":
            people.issue_badge(person, actor_label="screenshots", reason="lost")
    return badges


def activity_switch(device_id):
    """set_activity(name or None) for the walk: switch the kiosk device into activity mode."""
    import datetime

    import models
    from core import attendance

    def set_activity(name):
        device = models.KioskDevice.get_by_id(device_id)
        if name is None:
            device.activity = None
        else:
            station = device.station
            now = models.utcnow()
            device.activity = models.Activity.create(
                station=station, name=name, kind="event", starts_at=now,
                ends_at=now + datetime.timedelta(hours=2),
                local_date=attendance.local_date(station), place=station.name)
        device.save()
    return set_activity


def set_device_language(device_id, lang):
    """The kiosk's own language (it returns to it after each person)."""
    import models
    models.KioskDevice.update(language=lang).where(models.KioskDevice.id == device_id).execute()


@contextlib.contextmanager
def station_server(config=None):
    """A waitress server on a free port with a fresh database in a temporary folder."""
    from waitress import create_server

    from app import create_app
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(dict({"TESTING": False, "RATELIMIT_ENABLED": False,
                               "DEMO_DATA": False, "DATABASE_URL": ""}, **(config or {})),
                         instance_path=os.path.join(tmp, "instance"))
        with connected(app):
            migrate()
            ensure_default_station(app)
        server = create_server(app, host="127.0.0.1", port=0, threads=4)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        try:
            yield app, "http://127.0.0.1:%d" % server.socket.getsockname()[1]
        finally:
            server.close()
            thread.join(timeout=5)
            close_database(app.extensions["database"])


def enroll(app, url, context):
    """Enroll a browser context as a kiosk; returns the device id."""
    from core.kiosk_auth import new_enrollment
    with connected(app):
        device, code = new_enrollment("前台平板", default_station())
    page = context.new_page()
    page.goto("%s/kiosk/enroll/%s" % (url, code))
    page.locator("button[type=submit]").click()
    page.wait_for_url("**/kiosk/")
    page.close()
    return device.id


def backdate_open_shifts(minutes):
    """Move the start of every open shift back, as if the volunteer came in earlier."""
    import datetime

    import models
    for shift in models.VolunteerShift.select().where(models.VolunteerShift.ended_at.is_null()):
        shift.started_at -= datetime.timedelta(minutes=minutes)
        shift.save()


def shrink(path):
    """Store a screenshot with a 128-colour palette: the same picture at a third of the size."""
    image = Image.open(path).convert("RGB")
    image.quantize(colors=128, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE) \
        .save(path, optimize=True)


def main():
    """Regenerate docs/screenshots/kiosk-*.png: every screen at 1280x800, portrait and English."""
    import logging

    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM, browser_args
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    os.makedirs(OUT_DIR, exist_ok=True)
    wall = os.path.join(tempfile.mkdtemp(), "wall.y4m")
    write_y4m(camera_frame(), wall)
    args = browser_args(["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                         "--use-file-for-fake-video-capture=" + wall])
    runs = [("kiosk-%s.png", LANDSCAPE, "zh", None),
            ("kiosk-portrait-%s.png", PORTRAIT, "zh",
             {"start", "services-chosen", "review", "volunteer", "done", "activity-start"}),
            ("kiosk-en-%s.png", LANDSCAPE, "en",
             {"start", "services-chosen", "returning", "volunteer", "recipient", "help",
              "not-a-badge", "more-time", "activity-done"})]
    saved = []
    with station_server({"KIOSK_REPEAT_SECONDS": 0}) as (app, url), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
        for pattern, viewport, lang, only in runs:
            with connected(app):
                badges = make_people(default_station())
            context = browser.new_context(viewport=viewport, device_scale_factor=1,
                                          locale="zh-CN" if lang == "zh" else "en-US")
            context.grant_permissions(["camera"], origin=url)
            device_id = enroll(app, url, context)
            with connected(app):
                set_device_language(device_id, lang)
            page = context.new_page()
            page.clock.install()
            page.goto(url + "/kiosk/?lang=" + lang)
            switch = activity_switch(device_id)

            def set_activity(name):
                with connected(app):
                    switch(name)
            for name in walk(page, badges, set_activity):
                if name == "logged":  # a realistic shift length for the next screen
                    with connected(app):
                        backdate_open_shifts(minutes=135)
                if only is not None and name not in only:
                    continue
                page.wait_for_timeout(150)
                path = os.path.join(OUT_DIR, pattern % name)
                page.screenshot(path=path)
                shrink(path)
                saved.append(path)
            context.close()
        browser.close()
    for path in saved:
        print(os.path.relpath(path, ROOT), os.path.getsize(path))


if __name__ == "__main__":
    sys.exit(main())
