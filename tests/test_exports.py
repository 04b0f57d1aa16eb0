"""Exports: CSV that opens as Chinese text, XLSX with the right cells, the CLI's --format xlsx,
every export audited, and no sensitive field in an export."""
import csv
import datetime
import io

import openpyxl
import pytest

from core import people
from models import AuditLog, Consent, Person
from tests.helpers import connected, sign_in
from tests.test_reports import make_month

ID_NUMBER = "500103195603082345"
CARD = "50010319560308234541"


def read_csv(raw):
    assert raw.startswith(b"\xef\xbb\xbf"), "no UTF-8 BOM: Excel would show mojibake"
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


@pytest.fixture
def month(app):
    with connected(app):
        data = make_month()
        a = data["A"]
        Consent.create(person=a, method="paper", given_on=datetime.date(2026, 11, 1))
        people.set_sensitive(a, card=CARD, id_type="居民身份证", id_number=ID_NUMBER)
        a.save()
        return {k: v.id for k, v in data.items()}


def test_report_csv_reads_back_as_chinese(app, month):
    """Does the report CSV carry a BOM and read back with csv as Chinese rows and figures?"""
    client = app.test_client()
    sign_in(app, client)
    response = client.get("/admin/reports/export.csv?month=2026-11")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    rows = read_csv(response.data)
    summary = {r[0]: r[1] for r in rows if len(r) == 2}
    assert summary["服务人次"] == "7" and summary["受益人数"] == "3"
    assert summary["志愿服务时长（已确认，小时）"] == "5.5"
    assert ["康复训练", "2", "2", "1.0"] in rows or ["康复训练", "2", "2", "1"] in rows
    assert ["2026-11-03", "3", "2", "2", "2"] in rows


def test_report_xlsx_has_the_right_cells(app, month):
    """Does the XLSX open with openpyxl, one sheet per table, with the figures in their cells?"""
    client = app.test_client()
    sign_in(app, client, "social_worker")
    response = client.get("/admin/reports/export.xlsx?start=2026-11-01&end=2026-11-30")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book.sheetnames[:3] == ["汇总", "按日", "按服务项目"]
    summary = book["汇总"]
    values = {summary.cell(r, 1).value: summary.cell(r, 2).value
              for r in range(1, summary.max_row + 1)}
    assert values["服务人次"] == 7 and values["受益人数"] == 3
    by_day = book["按日"]
    assert [c.value for c in by_day[1]] == ["日期", "服务人次", "受益人数", "签到人次", "服务记录"]
    assert by_day.max_row == 31
    assert [c.value for c in by_day[4]] == ["2026-11-03", 3, 2, 2, 2]
    vols = book["志愿服务时长"]
    rows = {vols.cell(r, 1).value: [c.value for c in vols[r]] for r in range(2, vols.max_row + 1)}
    assert rows["志愿者一"][2:] == [2, 3.5, 2.25, 5.75]


def test_log_export_for_a_day_and_a_range(app, month):
    """Does the log export hold every entry of the day, or of each day of a range, with a BOM?"""
    client = app.test_client()
    user = sign_in(app, client)
    rows = read_csv(client.get("/admin/reports/log?date=2026-11-03&format=csv").data)
    assert rows[0][0] == "时间 Time"
    kinds = [r[1] for r in rows[1:]]
    # Nov 3: A and B check in, A's two services, V1's shift.
    assert sorted(kinds) == sorted(["签到 check-in"] * 2 + ["服务 service"] * 2
                                   + ["志愿服务 shift"])
    book = openpyxl.load_workbook(io.BytesIO(
        client.get("/admin/reports/log?start=2026-11-01&end=2026-11-30&format=xlsx").data))
    sheet = book.active
    cells = [sheet.cell(r, 3).value for r in range(2, sheet.max_row + 1)]
    assert cells.count("甲居民") == 5  # 3 check-ins and 2 services of A in November
    page = client.get("/admin/reports/log?date=2026-11-03")
    assert page.status_code == 200 and "format=xlsx" in page.get_data(as_text=True)
    with connected(app):
        audited = [r.detail for r in AuditLog.select().where(
            (AuditLog.action == "export.log") & (AuditLog.actor == user.id))]
    assert len(audited) == 2  # the page offering the files is not an export


def test_sensitive_fields_never_in_exports(app, month):
    """Do the ID and card numbers stay out of every report and log export, for every role?"""
    for role in ("admin", "social_worker", "district_admin"):
        client = app.test_client()
        sign_in(app, client, role)
        station = "&station=" + app.config["STATION_CODE"] if role == "district_admin" else ""
        for url in ("/admin/reports/export.csv?month=2026-11",
                    "/admin/reports/log?start=2026-11-01&end=2026-11-30&format=csv",
                    "/admin/reports/log?date=2026-11-03&format=xlsx"):
            response = client.get(url + station)
            assert response.status_code == 200, (role, url)
            body = response.data
            if url.endswith("xlsx"):
                book = openpyxl.load_workbook(io.BytesIO(body))
                body = "\n".join(str(c.value) for ws in book for row in ws.iter_rows()
                                 for c in row).encode()
            for secret in (ID_NUMBER, CARD, ID_NUMBER[-4:] + "4"):
                assert secret.encode() not in body, (role, url)


def test_bad_export_range_is_refused_in_chinese(app, month):
    """Is an export for a range that ends before it starts refused with a Chinese message?"""
    client = app.test_client()
    sign_in(app, client)
    response = client.get("/admin/reports/export.csv?start=2026-11-30&end=2026-11-01")
    assert response.status_code == 400
    assert "结束日期早于开始日期" in response.get_data(as_text=True)
    response = client.get("/admin/reports/log?date=2026-13-01&format=csv")
    assert response.status_code == 400 and "2026-11-03" in response.get_data(as_text=True)


def test_cli_export_xlsx(app, runner, month, tmp_path):
    """Does `flask export --format xlsx` write a workbook of the day's log, and audit it?"""
    out = tmp_path / "day.xlsx"
    result = runner.invoke(args=["export", "--date", "2026-11-03", "--format", "xlsx",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(out)
    sheet = book.active
    assert sheet.title == "2026-11-03"
    assert sheet.cell(1, 1).value == "时间 Time"
    assert sheet.max_row == 6
    assert sheet.cell(2, 1).value.startswith("2026-11-03 09:00")  # V1's shift starts first
    with connected(app):
        assert AuditLog.select().where((AuditLog.action == "export.day_log")
                                       & AuditLog.detail.contains("xlsx")).exists()
        assert Person.get_by_id(month["A"]).id_number == ID_NUMBER
