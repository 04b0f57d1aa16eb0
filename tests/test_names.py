"""Names: one rule for every way a name comes in (no control, text-direction or invisible
characters), masked on the kiosk, and printed on every sheet and badge whatever it holds."""
import datetime
import io
import json
import subprocess
import unicodedata

import openpyxl
import pypdfium2
import pytest

from core import activities, people
from core.attendance import check_in, record_attendance
from core.clock import local_to_utc
from core.stations import default_station
from models import AuditLog, Person
from tests.helpers import connected, csrf_token, enroll_kiosk, gen_person, local_today, sign_in

# What the issue found breaking the 签到表, and what else a name may hold.
STORED = {
    "zero width space": "王\u200b秀英",
    "right-to-left override": "李\u202e明华",
    "emoji": "张三😀",
    "extension B": "𠀀明",
    "extension A": "㐀华",
    "zwj family": "刘👨\u200d👩\u200d👧家",
    "private use": "周\ue000芳",
}
# What each should read as on paper: invisible characters gone, the rest drawn.
PRINTED = {"王秀英", "李明华", "张三😀", "𠀀明", "㐀华", "刘👨👩👧家", "周〓芳"}


def new_person_form(client, **fields):
    data = {"csrf_token": csrf_token(client, "/admin/people/new"), "kind": "resident",
            "name": "王秀英"}
    data.update(fields)
    return client.post("/admin/people/new", data=data)


def pdf_text(data, tmp_path):
    path = tmp_path / "sheet.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def stored_people(app):
    """People saved before names were checked, with each kind of awkward name."""
    with connected(app):
        made = []
        for _what, name in STORED.items():
            person, _payload = gen_person("resident", name="占位")
            Person.update(name=name).where(Person.id == person.id).execute()
            made.append(Person.get_by_id(person.id))
        return made


# --- the rule, through every door -----------------------------------------------------------

@pytest.mark.parametrize("name, code", [
    ("王\u200b秀英", "U+200B"), ("李\u202e明华", "U+202E"), ("\ufeff张三", "U+FEFF"),
    ("赵\x07四", "U+0007"), ("孙\u2028五", "U+2028"), ("钱\u2066六\u2069", "U+2066"),
    ("\u3164", "U+3164"),
])
def test_the_admin_form_refuses_invisible_and_control_characters(app, client, name, code):
    """Is a name with an invisible, control or text-direction character refused with a
    Chinese message naming the character, and nothing stored?"""
    sign_in(app, client)
    response = new_person_form(client, name=name)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "看不见的字符或控制字符" in page and code in page
    with connected(app):
        assert Person.select().count() == 0


def test_the_admin_form_tidies_and_checks_names(app, client):
    """Is a name normalised (NFC, spaces), are emoji and rare characters kept, and are a
    private-use character, a name without a letter and a too-long name refused?"""
    sign_in(app, client)
    for typed, stored in (("  欧阳 丽娟 ", "欧阳丽娟"),
                          ("Jose\u0301  Garci\u0301a", "José García"),
                          ("张三😀", "张三😀"), ("𠀀明", "𠀀明"),
                          ("阿卜杜·热合曼", "阿卜杜·热合曼")):
        assert new_person_form(client, name=typed).status_code == 302, typed
        with connected(app):
            person = Person.select().order_by(Person.id.desc()).first()
            assert person.name == stored and unicodedata.is_normalized("NFC", person.name)
    for name, words in (("周\ue000芳", "非标准字符"), ("😀😀", "至少要有一个汉字或字母"),
                        ("王" * 51, "姓名超过了 50 个字")):
        response = new_person_form(client, name=name)
        assert response.status_code == 422, name
        assert words in response.get_data(as_text=True), name


def test_editing_and_guardians_follow_the_same_rule(app, client):
    """Does editing a person refuse a bidi override in the name or the guardian's name, keep
    the stored values, and write nothing to the audit log?"""
    sign_in(app, client)
    with connected(app):
        person, _payload = gen_person("resident", name="王秀英")
        audited = AuditLog.select().count()
    url = "/admin/people/%d/edit" % person.id
    for field, value in (("name", "王\u202e秀英"), ("guardian_name", "王\u200b建国")):
        data = {"csrf_token": csrf_token(client, url), "kind": "resident", "name": "王秀英",
                "active": "1", field: value}
        response = client.post(url, data=data)
        assert response.status_code == 422 and "看不见的字符" in response.get_data(as_text=True)
    with connected(app):
        assert Person.get_by_id(person.id).name == "王秀英"
        assert Person.get_by_id(person.id).guardian_name == ""
        assert AuditLog.select().count() == audited


def test_the_command_line_and_walk_ins_follow_the_same_rule(app, client, runner):
    """Are add-person and an activity walk-in refused for a name with U+202E?"""
    result = runner.invoke(args=["add-person", "李\u202e明", "--kind", "resident"])
    assert result.exit_code != 0 and "U+202E" in result.output
    sign_in(app, client, "social_worker")
    with connected(app):
        fields = dict(name="手工课", kind="group", day=local_today(),
                      start=datetime.time(9, 30), end=None, place="", at_station=True,
                      organiser="", capacity=None, notes="", service_ids=[], weeks=1)
        activity = activities.create_activity(default_station(), fields, actor=None)[0]
    response = client.post("/admin/activities/%d/walk-in" % activity.id, data={
        "csrf_token": csrf_token(client, "/admin/activities"), "name": "赵\u200b大海",
        "kind": "resident"})
    assert response.status_code == 422 and "U+200B" in response.get_data(as_text=True)
    with connected(app):
        assert Person.select().count() == 0


def test_the_roster_import_follows_the_same_rule(app, runner, tmp_path):
    """Is a roster row whose name holds U+200B refused with the reason, the others imported?"""
    path = tmp_path / "花名册.xlsx"
    book = openpyxl.Workbook()
    for row in (["姓名", "联系电话", "监护人"], ["王\u200b秀英", "13900000001", ""],
                ["李 桂兰", "13900000002", "李\u202e建国"], ["张国庆", "13900000003", "张大山"]):
        book.active.append(row)
    book.save(path)
    errors = tmp_path / "errors.xlsx"
    result = runner.invoke(args=["import-people", str(path), "--errors-out", str(errors)])
    assert result.exit_code == 0, result.output
    assert "U+200B" in result.output and "U+202E" in result.output
    with connected(app):
        assert [p.name for p in Person.select().order_by(Person.id)] == ["张国庆"]
    reasons = [r[-1] for r in openpyxl.load_workbook(errors).active.iter_rows(
        min_row=2, values_only=True)]
    assert len(reasons) == 2 and "看不见的字符" in reasons[0]


# --- masking ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name, masked", [
    ("张秀娟", "张*娟"), ("王五", "王*"), ("覃", "覃*"), ("A", "A*"), ("J Smith", "J* S****"),
    ("John Smith", "J*** S****"), ("Zoë", "Z**"), ("王\u200b秀英", "王*英"),
    ("李\u202e明华", "李*华"), ("", "***"), ("\u200b", "***"),
])
def test_masked_names_hide_the_name(name, masked):
    """Is every name masked on the kiosk, a single Latin letter and invisible characters
    included?"""
    assert people.masked_name(name) == masked


def test_the_kiosk_masks_a_single_letter_name(app, client):
    """Does the kiosk greet a person named "A" as A*, not A?"""
    with connected(app):
        _person, payload = gen_person("resident", name="A")
    _device, token = enroll_kiosk(app, client)
    response = client.post("/kiosk/api/scan", data=json.dumps({"payload": payload,
                                                                "client_id": "scan-a-1"}),
                           content_type="application/json", headers={"X-CSRFToken": token})
    assert response.get_json()["person"]["masked_name"] == "A*"


# --- printing what is already stored ----------------------------------------------------------

def test_the_days_sign_in_sheet_prints_every_stored_name(app, client, tmp_path):
    """Does the day's 签到表 print for names with U+200B, U+202E, emoji and rare CJK
    characters (saved before names were checked), each drawn, none a 500?"""
    sign_in(app, client)
    made = stored_people(app)
    day = local_today()
    with connected(app):
        station = default_station()
        for index, person in enumerate(made):
            check_in(person, station, at=local_to_utc(station, day, datetime.time(9, index)))
    response = client.get("/admin/reports/sign-in-sheet.pdf?date=%s" % day)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data, tmp_path)
    for name in PRINTED:
        assert name in text, (name, text)
    assert text.count("〓") == 1  # only the private-use character had no font
    assert len(pypdfium2.PdfDocument(response.data)) == 1


def test_an_activity_sheet_prints_every_stored_name_and_is_audited(app, client, tmp_path):
    """Does an activity's 签到表 (full names) print for the same names, and is each one made
    written to the audit log?"""
    user = sign_in(app, client, "social_worker")
    made = stored_people(app)
    with connected(app):
        fields = dict(name="国际残疾人日联欢会😀", kind="event", day=local_today(),
                      start=datetime.time(9, 30), end=datetime.time(11, 0), place="活动室",
                      at_station=True, organiser="社工\u200b李敏", capacity=None, notes="",
                      service_ids=[], weeks=1)
        activity = activities.create_activity(default_station(), fields, actor=user)[0]
        for person in made:
            record_attendance(activity, person)
    response = client.get("/admin/activities/%d/sheet.pdf" % activity.id)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data, tmp_path)
    for name in PRINTED | {"国际残疾人日联欢会😀", "社工李敏"}:
        assert name in text, (name, text)
    with connected(app):
        row = AuditLog.get(AuditLog.action == "export.activity_sign_in_sheet")
        assert (row.actor_id, row.object_id) == (user.id, activity.id)
        assert row.detail == "%d people" % len(made)


def test_a_badge_prints_for_every_stored_name(app, client):
    """Does the full-name badge picture of each stored name come out as a PNG, not an error?"""
    sign_in(app, client)
    for person in stored_people(app):
        response = client.get("/admin/people/%d/badge/preview.png?name=full" % person.id)
        assert response.status_code == 200 and response.mimetype == "image/png", person.name
        assert response.data.startswith(b"\x89PNG")


def test_the_sheet_module_prints_them_without_an_app(tmp_path):
    """Does the PDF module itself print these names, with the rare character readable back
    (its text is searchable, not mapped to another character)?"""
    from core.sheets import sign_in_sheet_pdf
    rows = [[str(i + 1), name] for i, name in enumerate(STORED.values())]
    text = pdf_text(sign_in_sheet_pdf("签到表", [], ["序号", "姓名"], rows), tmp_path)
    assert "𠀀明" in text and "张三😀" in text
    image = pypdfium2.PdfDocument(io.BytesIO(sign_in_sheet_pdf(
        "签到表", [], ["姓名"], [["𠀀明"]])))[0].render(scale=1).to_pil()
    assert image.getbbox() is not None
