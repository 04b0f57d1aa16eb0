"""The first hour at a station, in a real browser: upload the roster, check it, import it."""
import os

import openpyxl
import pytest

from models import Consent, Person
from tests.browser.conftest import axe_violations

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("SCREENSHOT_DIR", "")


def shot(page, name):
    """Keep a screenshot of the page when SCREENSHOT_DIR is set (to look at the screens)."""
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        page.screenshot(path=os.path.join(SHOTS, name), full_page=True)


def write_roster(path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["石·井和居驿站 残疾人花名册"])
    sheet.append(["序号", "姓名", "性别", "出生日期", "联系电话", "家庭住址", "残疾类别", "残疾等级",
                  "残疾人证号", "居住小区"])
    sheet.append([1, "张秀娟", "女", "1951-03-08", "13900001111", "石油路1号", "视力", "二级",
                  "50010319510308002X12", "井和居"])
    sheet.append([2, "李建国", "男", "1948/7/1", "13900002222", "石油路2号", "肢体残疾", "3",
                  "", "井和居"])
    sheet.append([3, "", "男", "1960年1月1日", "13900003333", "石油路3号", "四类", "III", "",
                  "井和居"])
    sheet.append([4, "王淑芬", "女", 20564, "13900004444", "石油路4号", "听力", "2级",
                  "5001031956", "石井"])
    book.save(path)


def test_upload_preview_confirm_and_find_the_people(live, admin_page, tmp_path):
    """Can staff upload a roster in the admin view, see the preview, confirm, and find the
    people, with every import screen free of axe-core violations?"""
    roster = tmp_path / "花名册.xlsx"
    write_roster(roster)
    page = admin_page("social_worker")
    page.goto(live.url + "/admin/import")
    assert axe_violations(page) == []
    shot(page, "import-1-upload.png")
    page.set_input_files("#file", str(roster))
    page.get_by_role("button", name="上传并继续").click()
    page.wait_for_url("**/mapping")
    assert page.locator("#col-1").input_value() == "name"
    assert page.locator("#col-9").input_value() == ""  # 居住小区: staff decide
    page.select_option("#col-9", "notes")
    page.get_by_label("这些人签署的纸质同意书已存档").check()
    page.fill("#consent_date", "2026-01-05")
    assert axe_violations(page) == []
    shot(page, "import-2-mapping.png")
    page.get_by_role("button", name="预览").click()
    page.wait_for_url("**/preview")
    body = page.locator("main").inner_text()
    assert "还没有保存任何内容" in body
    assert "这一行没有姓名。" in body and "残疾人证号无效" in body
    with live.data():
        assert Person.select().count() == 0
    assert axe_violations(page) == []
    shot(page, "import-3-preview.png")
    page.locator("#confirm-import").click()
    page.wait_for_url("**/result")
    assert "导入完成：新增 2 人" in page.locator("main").inner_text()
    assert axe_violations(page) == []
    shot(page, "import-4-result.png")
    with live.data():
        people = {p.name: p for p in Person.select()}
        assert set(people) == {"张秀娟", "李建国"}
        assert (people["张秀娟"].address, people["张秀娟"].notes) == ("石油路1号", "井和居")
        assert people["张秀娟"].disability_category == 1
        assert Consent.select().count() == 2
    link = page.get_by_role("link", name="为新增的 2 人打印胸卡")
    if link.count():  # the badge batch screen, where it exists
        link.click()
        page.wait_for_load_state()
        assert "张秀娟" in page.content() or "张*娟" in page.content()
