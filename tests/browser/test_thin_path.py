"""The thin path in a real browser: a scanner's keystrokes check a resident in."""
import pytest

from models import Visit
from tests.browser.conftest import axe_violations
from tests.helpers import gen_person

pytestmark = pytest.mark.browser


def test_scanner_keystrokes_check_in(live, kiosk_page):
    """Does a USB scanner typing the payload and Enter, with no field focused, check in?"""
    with live.data():
        person, payload = gen_person("resident", name="李建国")
    kiosk_page.keyboard.type(payload)
    kiosk_page.keyboard.press("Enter")
    kiosk_page.get_by_text("李*国").first.wait_for(timeout=5000)
    with live.data():
        assert Visit.select().where(Visit.person == person.id).count() == 1


def test_login_page_accessible(live, browser):
    """Does the admin sign-in page pass axe-core's WCAG 2.2 A/AA rules?"""
    page = browser.new_page()
    page.goto(live.url + "/admin/login")
    assert axe_violations(page) == []
    page.close()


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 800},
                                      {"width": 800, "height": 1280}])
def test_enrollment_pages_accessible(live, browser, viewport):
    """Do the not-enrolled page and the enrollment-code page pass axe-core, with the code typed?"""
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    page = context.new_page()
    page.goto(live.url + "/kiosk/")
    assert "此设备尚未登记" in page.content()
    assert axe_violations(page) == []
    page.get_by_text("我有登记码").click()
    page.wait_for_url("**/kiosk/enroll")
    assert axe_violations(page) == []
    page.fill("#code", "WRONG23456")
    page.locator("form.enroll-form button[type=submit]").click()
    page.get_by_text("登记码无效").wait_for()
    assert axe_violations(page) == []
    box = page.locator("#code").bounding_box()
    assert box["height"] >= 60
    context.close()
