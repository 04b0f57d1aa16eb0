"""The printed PDFs: A4, Chinese text that is really drawn (not tofu), the sign-in sheet's
signature column and page numbers, and the volunteer certificate's fields."""
import datetime
import subprocess

import pypdfium2
import pytest

from core import people
from core.sheets import sign_in_sheet_pdf
from models import AuditLog, Consent, Station
from tests.helpers import connected, csrf_token, gen_user, login_as
from tests.test_reports import make_month

A4_POINTS = (595.28, 841.89)


def pdf_text(data, tmp_path):
    path = tmp_path / "x.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def assert_a4(data):
    doc = pypdfium2.PdfDocument(data)
    assert len(doc) >= 1
    for page in doc:
        width, height = page.get_size()
        assert abs(width - A4_POINTS[0]) < 1 and abs(height - A4_POINTS[1]) < 1
    return doc


def glyph_bitmaps(doc, text, scale=4):
    """The rendered pixels inside each character box of the first occurrence of `text`."""
    page = doc[0]
    textpage = page.get_textpage()
    full = textpage.get_text_range()
    start = full.index(text)
    image = page.render(scale=scale, grayscale=True).to_pil()
    height = page.get_size()[1]
    crops = []
    for i in range(start, start + len(text)):
        left, bottom, right, top = textpage.get_charbox(i)
        box = (int(left * scale), int((height - top) * scale), int(right * scale) + 1,
               int((height - bottom) * scale) + 1)
        crops.append(image.crop(box).resize((32, 32)).tobytes())
    return crops


def assert_really_drawn(doc, text):
    """Each character has ink and no two differ only as the same box would (tofu)."""
    crops = glyph_bitmaps(doc, text)
    for crop in crops:
        assert min(crop) < 100, "a character left no ink"
    assert len(set(crops)) == len(set(text)), "characters render alike: tofu"


def test_sign_in_sheet_is_a4_chinese_and_numbered(tmp_path):
    """Does a long sheet print on A4 pages, with the header and 签名 on each and page numbers?"""
    rows = [[str(i), "张秀娟%d" % i, "09:%02d" % (i % 60), "", "康复训练、助餐"]
            for i in range(1, 46)]
    data = sign_in_sheet_pdf("石·井和居驿站 签到表",
                             [("日期", "2026年11月3日"), ("地点", "石井坡街道"),
                              ("组织者", "社工 李明")],
                             ["序号", "姓名", "签到时间", "签退时间", "服务项目"], rows)
    doc = assert_a4(data)
    assert len(doc) == 3
    text = pdf_text(data, tmp_path)
    assert "石·井和居驿站 签到表" in text and "组织者：社工 李明" in text
    assert text.count("签名") == 3  # the header repeats on each page
    compact = text.replace(" ", "")
    assert "第1页/共3页" in compact and "第3页/共3页" in compact
    assert "张秀娟45" in text
    assert_really_drawn(doc, "井和居驿站")


def test_empty_sign_in_sheet_has_lines_to_sign(tmp_path):
    """Does a sheet with nobody on it still print a table with blank lines and 签名?"""
    data = sign_in_sheet_pdf("活动签到表", [("日期", "2026年11月3日")], ["序号", "姓名"], [])
    assert_a4(data)
    assert "签名" in pdf_text(data, tmp_path)


def test_rare_name_character_is_embedded(tmp_path):
    """Is a name with a rare but common-font character (堃, 喆) drawn, not boxed?"""
    data = sign_in_sheet_pdf("签到表", [], ["姓名"], [["王堃喆"]])
    doc = assert_a4(data)
    assert "王堃喆" in pdf_text(data, tmp_path)
    assert_really_drawn(doc, "王堃喆")


@pytest.fixture
def month(app):
    with connected(app):
        data = make_month()
        station = Station.get()
        station.organisation = "石井坡街道残疾人协会"
        station.person_in_charge = "王主任"
        station.contact_phone = "023-65000000"
        station.save()
        v1 = data["V1"]
        v1.volunteer_number = "CQ2026000123"
        Consent.create(person=v1, method="paper", given_on=datetime.date(2026, 10, 1))
        people.set_sensitive(v1, id_type="居民身份证", id_number="500103199001011234")
        v1.save()
        return {k: v.id for k, v in data.items()}


def test_day_sign_in_sheet_from_the_log(app, client, month, tmp_path):
    """Does the day's 签到表 list who came, their times and services, with a signature column?"""
    with connected(app):
        user = gen_user("social_worker")
    login_as(client, user)
    response = client.get("/admin/reports/sign-in-sheet.pdf?date=2026-11-03")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert_a4(response.data)
    text = pdf_text(response.data, tmp_path)
    assert "签到表" in text and "2026年11月3日" in text and "签名" in text
    lines = [line for line in text.splitlines() if "甲居民" in line]
    assert lines and "09:10" in lines[0] and "康复训练、助餐" in lines[0]
    assert any("乙居民" in line and "10:05" in line for line in text.splitlines())
    assert "丙居民" not in text  # C came on the 4th, not the 3rd
    with connected(app):
        assert AuditLog.select().where(AuditLog.action == "export.sign_in_sheet").count() == 1


def test_certificate_has_the_fields_and_confirmed_hours(app, client, month, tmp_path):
    """Does the 志愿服务记录证明 carry name, ID, number, confirmed hours, issuer, clerk, number?"""
    with connected(app):
        user = gen_user("social_worker")
        user.display_name = "李社工"
        user.save()
    login_as(client, user)
    page = client.get("/admin/certificates?volunteer=%d&start=2026-11-01&end=2026-11-30"
                      % month["V1"])
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "3.5" in html and "2.25" in html
    import re
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    form = {"csrf_token": token, "volunteer": month["V1"], "start": "2026-11-01",
            "end": "2026-11-30"}
    response = client.post("/admin/certificates/issue", data=form)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    doc = assert_a4(response.data)
    text = pdf_text(response.data, tmp_path)
    for expected in ("志愿服务记录证明", "志愿者一", "居民身份证", "500103199001011234",
                     "CQ2026000123", "3.5 小时", "陪同康复训练", "石井坡街道残疾人协会",
                     "负责人：王主任", "经办人：李社工", "023-65000000", "SJHJ-2026-0001",
                     "特此证明"):
        assert expected in text, expected
    assert "助餐服务" not in text  # the pending shift is not certified
    assert_really_drawn(doc, "志愿服务记录证明")
    second = client.post("/admin/certificates/issue", data=form)
    assert "SJHJ-2026-0002" in pdf_text(second.data, tmp_path)
    with connected(app):
        issued = list(AuditLog.select().where(AuditLog.action == "certificate.issue"))
    assert len(issued) == 2 and issued[0].actor_id == user.id


def test_certificate_without_consent_prints_no_id(app, client, month, tmp_path):
    """Once consent is withdrawn, is the ID number left off the certificate?"""
    with connected(app):
        Consent.update(withdrawn_at=datetime.datetime(2026, 11, 29)).execute()
        user = gen_user("admin")
    login_as(client, user)
    token = csrf_token(client, "/admin/certificates")
    response = client.post("/admin/certificates/issue", data={
        "csrf_token": token, "volunteer": month["V2"], "start": "2026-11-01",
        "end": "2026-11-30"})
    text = pdf_text(response.data, tmp_path)
    assert "志愿者二" in text and "2 小时" in text and "未记录" in text
    response = client.post("/admin/certificates/issue", data={
        "csrf_token": token, "volunteer": month["V1"], "start": "2026-11-01",
        "end": "2026-11-30"})
    assert "1234" not in pdf_text(response.data, tmp_path).replace("CQ2026000123", "")


def test_certificate_refuses_no_confirmed_time(app, client, month):
    """Is a certificate for a range without confirmed shifts refused with a clear message?"""
    with connected(app):
        user = gen_user("admin")
    login_as(client, user)
    token = csrf_token(client, "/admin/certificates")
    response = client.post("/admin/certificates/issue", data={
        "csrf_token": token, "volunteer": month["V1"], "start": "2026-12-01",
        "end": "2026-12-31"})
    assert response.status_code == 400
    assert "没有已确认的服务时长" in response.get_data(as_text=True)


def test_mask_id():
    """Does masking keep only the first three and last four characters?"""
    from core.certificates import mask_id
    assert mask_id("500103199001011234") == "500***********1234"
