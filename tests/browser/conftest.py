"""Browser fixtures: a live waitress server, Debian's Chromium through Playwright, axe-core.

    live            the running server: .url, .app, .data() context manager for arranging rows
    browser         one headless Chromium for the module
    launch(...)     a separate Chromium with extra flags (e.g. a fake camera file)
    kiosk_page      a page in a context enrolled as a kiosk (1280x800 unless parametrised)
    admin_page(role)  a page signed in to the admin view with a new account of that role
    axe_violations(page)  WCAG 2.2 A/AA violations found by axe-core on the current page
"""
import contextlib
import os
import threading

import pytest

from app import create_app
from core.database import close_database, migrate
from core.kiosk_auth import new_enrollment
from core.stations import default_station, ensure_default_station
from tests.helpers import PASSWORD, connected, gen_user, reset_postgres

CHROMIUM = "/usr/bin/chromium"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FLAGS_FILE = os.path.join(ROOT, "deploy", "chromium-flags.txt")
QUIET_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run",
               "--disable-quic"]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def kiosk_flags():
    """The Chromium flags the station's kiosk uses (deploy/chromium-flags.txt), minus kiosk-only."""
    flags = []
    if os.path.exists(FLAGS_FILE):
        with open(FLAGS_FILE) as fh:
            for line in fh:
                line = line.split("#", 1)[0].strip()
                if line and line not in ("--kiosk", "--start-fullscreen") \
                        and not line.startswith(("--app=", "--user-data-dir")):
                    flags.append(line)
    return flags


def browser_args(extra=()):
    """Flags for a test browser: quiet on a closed network, plus the kiosk's own flags."""
    args = list(QUIET_FLAGS)
    for flag in kiosk_flags() + list(extra):
        if flag not in args:
            args.append(flag)
    return args


class LiveServer:
    """A station server on a free port, with its own instance folder and database."""

    def __init__(self, app, url, server, thread):
        self.app, self.url, self._server, self._thread = app, url, server, thread

    @contextlib.contextmanager
    def data(self):
        """An app context with a connection, to arrange or inspect rows directly."""
        with connected(self.app):
            yield

    def stop(self):
        self._server.close()
        self._thread.join(timeout=5)


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """A running server for the module's browser tests."""
    from waitress import create_server
    url = os.environ.get("TEST_DATABASE_URL", "")
    if url:
        reset_postgres(url)
    app = create_app({"TESTING": False, "RATELIMIT_ENABLED": False, "DEMO_DATA": False,
                      "DATABASE_URL": url},
                     instance_path=str(tmp_path_factory.mktemp("live") / "instance"))
    with connected(app):
        migrate()
        ensure_default_station(app)
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    port = server.socket.getsockname()[1]
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    live_server = LiveServer(app, "http://127.0.0.1:%d" % port, server, thread)
    yield live_server
    live_server.stop()
    close_database(app.extensions["database"])


@pytest.fixture(scope="module")
def playwright_instance():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright_instance):
    """One headless Debian Chromium for the module."""
    b = playwright_instance.chromium.launch(executable_path=CHROMIUM, headless=True,
                                            args=browser_args())
    yield b
    b.close()


@pytest.fixture
def launch(playwright_instance):
    """Start a separate Chromium with extra flags (closed after the test)."""
    started = []

    def _launch(extra=()):
        b = playwright_instance.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                args=browser_args(extra))
        started.append(b)
        return b
    yield _launch
    for b in started:
        b.close()


def enroll_context(live, context, name="前台平板"):
    """Enroll a browser context as a kiosk through the one-time link; returns the device id."""
    with live.data():
        device, code = new_enrollment(name, default_station())
    page = context.new_page()
    page.goto("%s/kiosk/enroll/%s" % (live.url, code))
    page.locator("button[type=submit]").click()
    page.wait_for_url("**/kiosk/")
    page.close()
    return device.id


@pytest.fixture
def kiosk_page(live, browser):
    """A 1280x800 page in a context enrolled as a kiosk, at the start screen."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    context.grant_permissions(["camera"], origin=live.url)
    enroll_context(live, context)
    page = context.new_page()
    page.goto(live.url + "/kiosk/")
    yield page
    context.close()


@pytest.fixture
def admin_page(live, browser):
    """admin_page(role) -> a 1280x800 page signed in with a new account of that role."""
    contexts = []

    def _admin(role="admin", viewport=None):
        with live.data():
            user = gen_user(role)
        context = browser.new_context(viewport=viewport or {"width": 1280, "height": 800},
                                      locale="zh-CN")
        contexts.append(context)
        page = context.new_page()
        page.goto(live.url + "/admin/login")
        page.fill("#username", user.username)
        page.fill("#password", PASSWORD)
        page.locator("form.login-form button[type=submit]").click()
        page.wait_for_url("**/admin/**")
        return page
    yield _admin
    for context in contexts:
        context.close()


def axe_violations(page):
    """axe-core's WCAG 2.2 A/AA violations on the page: [(rule id, [targets])]."""
    from axe_playwright_python.sync_playwright import Axe
    result = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    return [(v["id"], [n["target"] for n in v["nodes"]]) for v in result.response["violations"]]
