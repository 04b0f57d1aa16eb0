"""The reports page in Chromium: pick a month, see the figures and a chart; axe-core clean."""
import pytest

from tests.browser.conftest import axe_violations
from tests.test_reports import make_month

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def november(live):
    with live.data():
        make_month()


def test_pick_a_month_and_see_figures_and_charts(live, admin_page, november):
    """Does choosing November show 服务人次 7, 受益人数 3 and drawn bar charts?"""
    page = admin_page("social_worker")
    page.get_by_role("link", name="统计报表").click()
    page.wait_for_url("**/admin/reports")
    page.fill("#month", "2026-11")
    page.locator("#show-month").click()
    page.wait_for_url("**month=2026-11**")
    assert page.locator("#fig-service-count .value").inner_text() == "7"
    assert page.locator("#fig-people .value").inner_text() == "3"
    assert page.locator("#fig-hours .value").inner_text() == "5.5"
    chart = page.locator("svg#chart-service, svg[aria-labelledby=chart-service-t]").first
    chart.wait_for()
    box = chart.bounding_box()
    assert box["width"] > 200 and box["height"] > 40  # laid out beside its table, visible
    bars = page.locator("svg[aria-labelledby=chart-service-t] rect")
    assert bars.count() == 2
    widths = [float(bars.nth(i).get_attribute("width")) for i in range(2)]
    assert widths[0] > 10 and abs(widths[0] - widths[1]) < 0.5  # 2 records each


def test_reports_page_has_no_axe_violations(live, admin_page, november):
    """Does the reports page pass axe-core's WCAG 2.2 A/AA rules?"""
    page = admin_page("admin")
    page.goto(live.url + "/admin/reports?month=2026-11")
    assert axe_violations(page) == []


def test_certificates_page_has_no_axe_violations(live, admin_page, november):
    """Does the certificates page, with a volunteer chosen, pass axe-core?"""
    page = admin_page("admin")
    page.goto(live.url + "/admin/certificates?start=2026-11-01&end=2026-11-30")
    page.select_option("#volunteer", label="志愿者一")
    page.get_by_role("button", name="显示").click()
    page.get_by_text("3.5").first.wait_for()
    assert axe_violations(page) == []
