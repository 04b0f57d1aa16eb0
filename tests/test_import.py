"""The first day at a station: importing the existing roster from Excel or CSV."""
import csv
import datetime
import hashlib
import io
import json
import os
import re

import openpyxl
import pytest

import models
from core import roster_import
from core.database import close_database, is_sqlite
from core.stations import default_station
from models import AuditLog, Badge, Consent, ImportMapping, Person, db
from tests.helpers import connected, csrf_token, gen_person, sign_in

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["秀英", "建国", "桂兰", "志强", "玉梅", "德明", "淑珍", "国庆", "凤英", "文华"]
HEADER = ["序号", "姓名", "性别", "出生日期", "联系电话", "住址", "残疾类别", "残疾等级",
          "残疾人证号", "监护人", "监护人电话", "备注", "类型"]
CATEGORY_FORMS = ["肢体", "4", "肢体残疾", "四类"]  # all mean category 4 (physical)
LEVEL_FORMS = ["三级", "3", "3级", "III"]            # all mean level 3
CONSENT = ["--consent-method", "paper", "--consent-date", "2026-01-05"]

# (row index, what is wrong, the cells to change, words the reason must contain)
BAD_ROWS = [
    (5, "no name", {"姓名": ""}, "没有姓名"),
    (25, "card too short", {"残疾人证号": "51010219560312"}, "残疾人证号无效"),
    (45, "category", {"残疾类别": "九类"}, "残疾类别"),
    (65, "level", {"残疾等级": "五级"}, "残疾等级"),
    (85, "date", {"出生日期": "1956-13-45"}, "不是日期"),
    (105, "phone", {"联系电话": "不详"}, "不是电话号码"),
    (125, "card and category disagree", {"残疾类别": "视力"}, "与残疾人证号不符"),
    (145, "sex", {"性别": "未知"}, "性别"),
    (165, "year-less date", {"出生日期": "三月"}, "不是日期"),
    (185, "type", {"类型": "居委会"}, "服务对象"),
]


def id_number(birth, serial):
    """A valid 18-character ID number (with its check digit) for a birth date."""
    body = "500103%s%03d" % (birth.strftime("%Y%m%d"), serial % 1000)
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights)) % 11]


def roster(count=200, bad=True):
    """A roster as a station keeps it: (header, rows of text), with 10 bad rows when asked."""
    rows = []
    for i in range(count):
        name = SURNAMES[i % 20] + GIVEN[i // 20 % 10] + ("" if i < 200 else str(i))
        birth = datetime.date(1940 + i % 60, 1 + i % 12, 1 + i % 28)
        date_text = [birth.isoformat(), birth.strftime("%Y/%m/%d"),
                     "%d年%d月%d日" % (birth.year, birth.month, birth.day),
                     birth.strftime("%Y%m%d")][i % 4]
        card = id_number(birth, i) + "43"
        rows.append({"序号": str(i + 1), "姓名": name, "性别": "男女"[i % 2],
                     "出生日期": date_text, "联系电话": "139%08d" % (i * 7919),
                     "住址": "重庆市渝中区石油路%d号" % (i + 1),
                     "残疾类别": CATEGORY_FORMS[i % 4], "残疾等级": LEVEL_FORMS[i % 4],
                     "残疾人证号": card, "监护人": "", "监护人电话": "", "备注": "", "类型": ""})
    reasons = {}
    if bad:
        for index, _what, change, words in BAD_ROWS:
            if index >= count:
                continue
            rows[index].update(change)
            reasons[index] = words
    header = list(HEADER)
    return header, [[row[h] for h in header] for row in rows], reasons


def write_xlsx(path, header, rows, real_dates=True):
    """Save as Excel does: dates as date cells or serial numbers, the rest as text."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["石·井和居驿站 残疾人花名册"])  # a title row above the header
    sheet.append(header)
    date_col = header.index("出生日期")
    for i, row in enumerate(rows):
        cells = list(row)
        try:
            birth = roster_import.parse_date(cells[date_col])
        except roster_import.RowProblem:
            birth = None
        if birth and real_dates and i % 3 == 0:
            cells[date_col] = datetime.datetime.combine(birth, datetime.time())
        elif birth and real_dates and i % 3 == 1:
            cells[date_col] = (birth - datetime.date(1899, 12, 30)).days  # an Excel serial
        cells[header.index("序号")] = i + 1
        sheet.append(cells)
    book.save(path)


def write_csv(path, header, rows, encoding):
    with open(path, "w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)


def write_roster(tmp_path, fmt, header, rows):
    if fmt == "xlsx":
        path = tmp_path / "花名册.xlsx"
        write_xlsx(path, header, rows)
    else:
        path = tmp_path / ("花名册-%s.csv" % fmt)
        write_csv(path, header, rows, {"utf8": "utf-8", "utf8-bom": "utf-8-sig",
                                       "gbk": "gbk"}[fmt])
    return str(path)


def table_checksums(app, tables=(Person, Badge, Consent, ImportMapping, AuditLog)):
    """A checksum of every row of each table."""
    with connected(app):
        sums = {}
        for model in tables:
            rows = list(model.select().order_by(model.id).tuples())
            sums[model.__name__] = hashlib.sha256(repr(rows).encode()).hexdigest()
        return sums


def count(app, model, *where):
    with connected(app):
        query = model.select()
        if where:
            query = query.where(*where)
        return query.count()


def read_report(path):
    book = openpyxl.load_workbook(path)
    rows = list(book.active.iter_rows(values_only=True))
    return rows[0], rows[1:]


# --- the file formats ---------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["xlsx", "utf8", "utf8-bom", "gbk"])
def test_roster_of_200_with_10_bad_rows(app, runner, tmp_path, fmt):
    """Does a 200-row roster with 10 bad rows import 190 people, report exactly the 10 with
    their reasons, and does importing it again change nothing?"""
    header, rows, reasons = roster()
    path = write_roster(tmp_path, fmt, header, rows)
    report = str(tmp_path / "errors.xlsx")
    result = runner.invoke(args=["import-people", path, "--errors-out", report] + CONSENT)
    assert result.exit_code == 0, result.output
    assert "新增 190 人" in result.output
    assert count(app, Person) == 190
    assert count(app, Badge) == 190
    assert count(app, Consent) == 190
    with connected(app):
        first = Person.get(Person.name == "王秀英")
        assert (first.sex, first.birth_date, first.phone) == ("男", datetime.date(1940, 1, 1),
                                                              "13900000000")
        # category and level written four ways each, all understood
        assert {p.disability_category for p in Person.select()} == {4}
        assert {p.disability_level for p in Person.select()} == {3}
        assert first.disability_card == id_number(datetime.date(1940, 1, 1), 0) + "43"
        assert first.address == "重庆市渝中区石油路1号"
        consent = Consent.get(Consent.person == first)
        assert (consent.method, consent.given_on) == ("paper", datetime.date(2026, 1, 5))
        log = AuditLog.get(AuditLog.action == "import.people")
        assert json.loads(log.after)["created"] == 190

    report_header, report_rows = read_report(report)
    assert list(report_header) == header + ["错误原因"]
    assert len(report_rows) == 10
    by_serial = {int(r[0]): r for r in report_rows}
    assert sorted(by_serial) == sorted(i + 1 for i in reasons)
    for index, words in reasons.items():
        row = by_serial[index + 1]
        assert words in row[-1], (index, row[-1])
        assert str(row[1] or "") == rows[index][1]  # the original name cell, unchanged

    before = table_checksums(app, (Person, Badge, Consent, ImportMapping))
    audit_rows = count(app, AuditLog)
    again = runner.invoke(args=["import-people", path] + CONSENT)
    assert again.exit_code == 0, again.output
    assert "新增 0 人，更新 0 人，跳过 190 行" in again.output
    assert table_checksums(app, (Person, Badge, Consent, ImportMapping)) == before
    assert count(app, AuditLog) == audit_rows + 1  # only the import itself is logged


def test_dry_run_leaves_database_file_identical(app, runner, tmp_path):
    """Does a dry run leave the database byte-for-byte the same (on PostgreSQL: every row)?"""
    header, rows, _reasons = roster(40)
    path = write_roster(tmp_path, "xlsx", header, rows)
    db_path = os.path.join(app.instance_path, "station.sqlite3")

    def state():
        if not is_sqlite():
            return table_checksums(app, models.MODELS)
        db.close() if not db.is_closed() else None
        close_database(app.extensions["database"])
        found = {}
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(db_path + suffix):
                with open(db_path + suffix, "rb") as fh:
                    found[suffix] = hashlib.sha256(fh.read()).hexdigest()
        assert "" in found
        return found

    before = state()
    result = runner.invoke(args=["import-people", path, "--dry-run"] + CONSENT)
    assert result.exit_code == 0, result.output
    assert "未写入任何内容" in result.output
    assert "将新增 38 人" in result.output
    assert state() == before


def test_dry_run_writes_no_rows(app, runner, tmp_path):
    """Does a dry run leave every table as it was (checked row by row)?"""
    header, rows, _reasons = roster(30)
    path = write_roster(tmp_path, "gbk", header, rows)
    before = table_checksums(app)
    result = runner.invoke(args=["import-people", path, "--dry-run"])
    assert result.exit_code == 0, result.output
    assert table_checksums(app) == before


def test_without_consent_sensitive_columns_are_not_stored(app, runner, tmp_path):
    """Without a consent record, are category, level, card and ID numbers left out of the
    database (and does the command say so), while the other columns are imported?"""
    header, rows, _reasons = roster(12, bad=False)
    header.append("身份证号")
    for row in rows:
        row.append(row[header.index("残疾人证号")][:18])
    path = write_roster(tmp_path, "utf8", header, rows)
    result = runner.invoke(args=["import-people", path])
    assert result.exit_code == 0, result.output
    assert "有 12 行含残疾信息或身份证号。没有同意记录，这几列不会保存" in result.output
    with connected(app):
        stored = list(Person.select())
        assert len(stored) == 12
        assert [(p.disability_category, p.disability_level, p.disability_card,
                 p.disability_card_raw, p.id_number, p.id_type) for p in stored] \
            == [(None, None, "", "", "", "")] * 12
        assert all(p.phone and p.birth_date and p.address for p in stored)
        assert Consent.select().count() == 0
        # nothing sensitive slipped into the audit log either
        card = rows[0][header.index("残疾人证号")]
        assert not AuditLog.select().where(AuditLog.after.contains(card[:18])
                                           | AuditLog.detail.contains(card[:18])).exists()


def test_consent_given_later_stores_the_sensitive_columns(app, runner, tmp_path):
    """Importing again with a consent record adds the sensitive columns to the same people
    (updates, no new people, one consent each)?"""
    header, rows, _reasons = roster(8, bad=False)
    path = write_roster(tmp_path, "xlsx", header, rows)
    assert runner.invoke(args=["import-people", path]).exit_code == 0
    result = runner.invoke(args=["import-people", path] + CONSENT)
    assert "新增 0 人，更新 8 人" in result.output, result.output
    with connected(app):
        assert Person.select().count() == 8
        assert Badge.select().count() == 8
        assert Consent.select().count() == 8
        assert {p.disability_category for p in Person.select()} == {4}


def test_same_person_found_across_imports(app, runner, tmp_path):
    """Is a person recognised by card number, or by name with phone, or by name with birth
    date, even when the second file writes the values differently?"""
    with connected(app):
        gen_person("resident", name="王秀英")  # registered by hand, no phone: a namesake
    header, rows, _reasons = roster(3, bad=False)
    first = write_roster(tmp_path, "xlsx", header, rows)
    assert runner.invoke(args=["import-people", first] + CONSENT).exit_code == 0
    # 王秀英 by card only; 李秀英 by name and phone (written with spaces); 张秀英 by name and
    # birth date (a different phone, which becomes an update)
    second = tmp_path / "second.csv"
    write_csv(second, ["姓名", "手机", "出生年月日", "残疾证号"], [
        ["王秀英", "", "", rows[0][header.index("残疾人证号")]],
        ["李 秀 英", "139 0000 7919", "", ""],
        ["张秀英", "13812345678", "1942-03-03", ""],
        ["张秀英", "", "1942/3/3", ""],
    ], "gbk")
    result = runner.invoke(args=["import-people", str(second)] + CONSENT)
    assert result.exit_code == 0, result.output
    assert "新增 0 人，更新 1 人，跳过 3 行" in result.output
    with connected(app):
        assert Person.select().count() == 4
        assert Person.get(Person.name == "张秀英").phone == "13812345678"
        log = AuditLog.get(AuditLog.action == "person.update")
        assert json.loads(log.before) == {"phone": "13900015838"}


def test_a_row_repeated_in_the_file_is_imported_once(app, runner, tmp_path):
    """Is the second row of the same person in one file skipped, saying which row it repeats?"""
    path = tmp_path / "dup.csv"
    write_csv(path, ["姓名", "联系电话"], [["周凤英", "13900000001"], ["周凤英", "13900000001"]],
              "utf-8")
    result = runner.invoke(args=["import-people", str(path), "--dry-run"])
    assert "将新增 1 人，更新 0 人，跳过 1 行" in result.output
    with connected(app):
        preview = roster_import.preview(default_station(),
                                        roster_import.read_table(path.read_bytes(), "dup.csv"),
                                        ["name", "phone"])
    assert preview.plans[1].action == "skip"
    assert preview.plans[1].notes == ["与第 2 行是同一个人，跳过这一行。"]


def test_volunteer_list_with_skills(app, runner, tmp_path):
    """Does a volunteer list (name, phone, skills, volunteer number) import as volunteers?"""
    path = tmp_path / "志愿者.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["志愿者姓名", "手机号码", "特长", "志愿者编号"])
    book.active.append(["马红梅", 13912345678, "理发、陪聊", "CQ2024001"])
    book.active.append(["何永刚", 13987654321, "维修", "CQ2024002"])
    book.save(path)
    result = runner.invoke(args=["import-people", str(path), "--kind", "volunteer"])
    assert result.exit_code == 0, result.output
    with connected(app):
        person = Person.get(Person.name == "马红梅")
        assert (person.kind, person.phone, person.skills, person.volunteer_number) \
            == ("volunteer", "13912345678", "理发、陪聊", "CQ2024001")


@pytest.mark.parametrize("content, message", [
    (b"", "文件是空的"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "旧版 Excel 文件"),
    (b"PK\x03\x04not really a workbook", "无法按 Excel 工作簿"),
    ("姓名,电话\n".encode("utf-8"), "只有表头"),
])
def test_unreadable_files_are_refused_in_words(app, runner, tmp_path, content, message):
    """Is a file that is not a roster refused with a message in Chinese, writing nothing?"""
    path = tmp_path / "bad.xlsx"
    path.write_bytes(content)
    before = table_checksums(app)
    result = runner.invoke(args=["import-people", str(path)])
    assert result.exit_code != 0
    assert message in result.output
    assert table_checksums(app) == before


def test_consent_needs_a_date(app, runner, tmp_path):
    """Is a consent method without its date refused before anything is read or written?"""
    header, rows, _reasons = roster(3, bad=False)
    path = write_roster(tmp_path, "utf8", header, rows)
    result = runner.invoke(args=["import-people", path, "--consent-method", "paper"])
    assert result.exit_code != 0
    assert "请填写同意书的签署日期" in result.output
    assert count(app, Person) == 0


def test_manual_mapping_on_the_command_line_is_remembered(app, runner, tmp_path):
    """Can a column the import does not know be mapped by hand, and is that remembered?"""
    path = tmp_path / "own.csv"
    write_csv(path, ["姓名", "联系电话", "居住小区"], [["黄文华", "13911112222", "石油路"]],
              "utf-8-sig")
    result = runner.invoke(args=["import-people", str(path), "--map", "居住小区=address"])
    assert result.exit_code == 0, result.output
    write_csv(path, ["姓名", "联系电话", "居住小区"], [["赵玉兰", "13933334444", "井和居"]],
              "utf-8-sig")
    result = runner.invoke(args=["import-people", str(path)])
    assert result.exit_code == 0, result.output
    with connected(app):
        assert Person.get(Person.name == "赵玉兰").address == "井和居"


# --- the normalisers ----------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    ("肢体", 4), ("4", 4), ("肢体残疾", 4), ("四类", 4), ("第4类", 4), ("4类", 4), (4.0, 4),
    ("视力残疾", 1), ("听力", 2), ("言语残疾", 3), ("智力", 5), ("精神残疾", 6), ("多重", 7),
    ("多重残疾（视力、肢体）", 7), ("physical", 4), ("七", 7), ("", None),
])
def test_category_forms(value, expected):
    """Is a disability category understood however the roster writes it?"""
    assert roster_import.parse_category(value) == expected


@pytest.mark.parametrize("value", ["九类", "8", "肢体3", "残疾", "abc"])
def test_category_nonsense(app, value):
    """Is a category that is none of 1-7 refused, naming the value?"""
    with app.test_request_context():
        with pytest.raises(roster_import.RowProblem, match="无法识别"):
            roster_import.parse_category(value)


@pytest.mark.parametrize("value, expected", [
    ("三级", 3), ("3", 3), ("3级", 3), ("III", 3), ("Ⅲ", 3), ("叁级", 3), ("一级", 1),
    (4, 4), ("四级残疾", 4), ("", None),
])
def test_level_forms(value, expected):
    """Is a disability level understood however the roster writes it?"""
    assert roster_import.parse_level(value) == expected


@pytest.mark.parametrize("value", ["五级", "0", "V", "重度"])
def test_level_nonsense(app, value):
    """Is a level that is not 1-4 refused?"""
    with app.test_request_context():
        with pytest.raises(roster_import.RowProblem):
            roster_import.parse_level(value)


@pytest.mark.parametrize("value", [
    "2020-1-2", "2020/01/02", "2020年1月2日", "2020 年 1 月 2 日", "20200102", 20200102,
    "2020.1.2", "2020-01-02 00:00:00", 43832, 43832.0, "43832",
    datetime.datetime(2020, 1, 2), datetime.date(2020, 1, 2), "13/1/2020",
])
def test_date_forms(value):
    """Is a date understood in any common form, Excel serial numbers included?"""
    expected = datetime.date(2020, 1, 13) if value == "13/1/2020" else datetime.date(2020, 1, 2)
    assert roster_import.parse_date(value) == expected


@pytest.mark.parametrize("value", ["2020-13-45", "1956", "3/4/2020", "明年", "2999-01-01"])
def test_date_nonsense(app, value):
    """Is an impossible, ambiguous or future birth date refused?"""
    with app.test_request_context():
        with pytest.raises(roster_import.RowProblem):
            roster_import.parse_date(value)


def test_header_recognition():
    """Are the usual Chinese headers recognised, a title row above them skipped, and the
    guardian's phone not taken for the person's phone?"""
    data = "驿站花名册\n序号,姓 名,性别*,出生年月,手机号码,家庭住址,残疾类别,残疾等级,残疾证号," \
           "身份证号码,监护人姓名,监护人联系电话,备注,人员类型,特长,志愿者编号,小区\n" \
           "1,张三,男,1950-01-01,13900000000,x,肢体,一级,,,,,,,,,\n"
    table = roster_import.read_table(data.encode("gb18030"), "a.csv")
    assert roster_import.recognise(table.header) == [
        None, "name", "sex", "birth_date", "phone", "address", "disability_category",
        "disability_level", "disability_card", "id_number", "guardian_name", "guardian_phone",
        "notes", "kind", "skills", "volunteer_number", None]
    assert table.rows[0][0] == 3


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_encodings(encoding):
    """Is a CSV read the same in UTF-8, UTF-8 with BOM, GBK and GB18030?"""
    text = "姓名,住址\n欧阳丽娟,重庆市渝中区石油路街道\n"
    table = roster_import.read_table(text.encode(encoding), "x.csv")
    assert table.header == ["姓名", "住址"]
    assert table.rows == [(2, ["欧阳丽娟", "重庆市渝中区石油路街道"])]


# --- the admin screens --------------------------------------------------------------------

def xlsx_bytes(header, rows):
    out = io.BytesIO()
    book = openpyxl.Workbook()
    book.active.append(header)
    for row in rows:
        book.active.append(row)
    book.save(out)
    return out.getvalue()


def upload(client, data, filename="花名册.xlsx", kind="resident"):
    token = csrf_token(client, "/admin/import")
    return client.post("/admin/import", data={"csrf_token": token, "kind": kind,
                                              "file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def test_admin_import_from_upload_to_result(app, client, tmp_path):
    """Can staff upload a roster, see recognised columns, map one by hand, see the preview
    without anything written, confirm, and get the error report and a badge link?"""
    if "station_admin.badges" not in app.view_functions:  # the badge screen is built apart
        app.add_url_rule("/admin/badges", "station_admin.badges", lambda: "badges")
    sign_in(app, client)
    header, rows, _reasons = roster(20)
    header[header.index("住址")] = "居住小区"  # not a header the import knows
    rows[10][header.index("残疾人证号")] = "5001031950"  # row 5 has no name: two bad rows
    response = upload(client, xlsx_bytes(header, rows))
    assert response.status_code == 302
    mapping_url = response.headers["Location"]
    token = mapping_url.split("/")[-2]
    stored = os.path.join(app.instance_path, "imports", token + ".bin")
    assert os.stat(stored).st_mode & 0o077 == 0  # the waiting roster is readable by the server only
    page = client.get(mapping_url).get_data(as_text=True)
    assert "文件中找到 20 行人员信息" in page
    assert re.search(r'id="col-1" name="col-1">.*?<option value="name" selected>', page, re.S)
    assert re.search(r'id="col-5" name="col-5">\s*<option value="">（不导入）</option>\s*'
                     r'(<option value="[a-z_]+">[^<]+</option>\s*)+</select>', page)
    card_samples = re.search(r"残疾人证号</label></th>\s*<td>(.*?)</td>", page, re.S).group(1)
    assert card_samples == "（敏感信息，不显示）"  # card numbers are not shown as samples
    form = {"csrf_token": csrf_token(client, mapping_url), "kind": "resident",
            "consent": "paper", "consent_date": "2026-01-05"}
    for index, field in enumerate(roster_import.recognise(header)):
        form["col-%d" % index] = field or ""
    form["col-5"] = "address"
    before = table_checksums(app)
    response = client.post(mapping_url, data=form)
    assert response.status_code == 302
    preview_url = response.headers["Location"]
    page = client.get(preview_url).get_data(as_text=True)
    assert "还没有保存任何内容" in page
    assert page.count('class="tag tag-new"') == 1 + 18
    assert page.count('class="tag tag-error"') == 1 + 2
    assert "这一行没有姓名。" in page and "残疾人证号无效" in page
    assert table_checksums(app) == before  # the preview wrote nothing

    apply_url = preview_url.replace("/preview", "/apply")
    response = client.post(apply_url, data={"csrf_token": csrf_token(client, preview_url)})
    assert response.status_code == 302
    assert not os.path.exists(stored)  # the upload is gone once imported
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "导入完成：新增 18 人，更新 0 人，跳过 0 行，2 行有错误未导入" in page
    with connected(app):
        ids = [p.id for p in Person.select().order_by(Person.id)]
        assert len(ids) == 18
        assert Person.get(Person.name == "王秀英").address == "重庆市渝中区石油路1号"
        assert Consent.select().count() == 18
        assert Consent.select().first().recorded_by.role == "admin"
        saved = ImportMapping.get()
        assert json.loads(saved.mapping)["居住小区"] == "address"
    assert 'href="/admin/badges?ids=%s"' % ",".join(map(str, ids)) in page
    report = client.get("/admin/import/%s/errors.xlsx" % token)
    assert report.status_code == 200
    report_rows = list(openpyxl.load_workbook(io.BytesIO(report.data)).active
                       .iter_rows(values_only=True))
    assert len(report_rows) == 1 + 2
    with connected(app):
        assert AuditLog.select().where(AuditLog.action == "import.error_report").count() == 1

    # the same file again: the remembered mapping is offered, and nothing changes
    response = upload(client, xlsx_bytes(header, rows))
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "上次导入相同表头的文件时" in page
    assert re.search(r'id="col-5" name="col-5">.*?<option value="address" selected>', page, re.S)


def test_double_confirm_imports_once(app, client):
    """Does pressing confirm twice import the roster once?"""
    sign_in(app, client)
    response = upload(client, xlsx_bytes(["姓名", "电话"], [["孙小龙", "13900001111"]]))
    mapping_url = response.headers["Location"]
    token = csrf_token(client, mapping_url)
    client.post(mapping_url, data={"csrf_token": token, "col-0": "name", "col-1": "phone",
                                   "kind": "resident", "consent": "none"})
    apply_url = mapping_url.replace("/mapping", "/apply")
    assert client.post(apply_url, data={"csrf_token": token}).status_code == 302
    assert client.post(apply_url, data={"csrf_token": token}).status_code == 302
    assert count(app, Person) == 1


def test_mapping_without_a_name_column_is_refused(app, client):
    """Is a mapping without a name column refused with a message, and nothing imported?"""
    sign_in(app, client)
    response = upload(client, xlsx_bytes(["甲", "乙"], [["孙小龙", "13900001111"]]))
    mapping_url = response.headers["Location"]
    response = client.post(mapping_url, data={"csrf_token": csrf_token(client, mapping_url),
                                              "col-0": "", "col-1": "phone", "consent": "none"})
    assert response.status_code == 400
    assert "没有哪一列对应“姓名”" in response.get_data(as_text=True)
    response = client.post(mapping_url, data={"csrf_token": csrf_token(client, mapping_url),
                                              "col-0": "name", "col-1": "name"})
    assert "有两列都对应“姓名”" in response.get_data(as_text=True)
    response = client.post(mapping_url, data={"csrf_token": csrf_token(client, mapping_url),
                                              "col-0": "name", "col-1": "phone",
                                              "consent": "paper", "consent_date": "2999-01-01"})
    assert "同意日期不能晚于今天" in response.get_data(as_text=True)
    assert count(app, Person) == 0


def test_bad_upload_is_refused_in_chinese(app, client):
    """Is an old .xls file refused with a clear message, and nothing kept?"""
    sign_in(app, client)
    response = upload(client, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "旧.xls")
    assert response.status_code == 400
    assert "这是旧版 Excel 文件（.xls）" in response.get_data(as_text=True)
    folder = os.path.join(app.instance_path, "imports")
    assert not os.path.exists(folder) or os.listdir(folder) == []


def test_staff_role_may_not_import(app, client):
    """Is the import closed to the plain staff role?"""
    sign_in(app, client, role="staff")
    assert client.get("/admin/import").status_code == 403


def test_another_account_cannot_open_an_upload(app, client):
    """Can an upload be seen only by the account that made it?"""
    sign_in(app, client)
    mapping_url = upload(client, xlsx_bytes(["姓名"], [["孙小龙"]])).headers["Location"]
    other = app.test_client()
    sign_in(app, other)
    assert other.get(mapping_url).status_code == 404
    assert other.get("/admin/import/..%2F..%2Fsecret_key/mapping").status_code == 404


def test_old_uploads_are_deleted_after_a_day(app, client):
    """Is an upload nobody imported deleted after a day?"""
    sign_in(app, client)
    mapping_url = upload(client, xlsx_bytes(["姓名"], [["孙小龙"]])).headers["Location"]
    token = mapping_url.split("/")[-2]
    stored = os.path.join(app.instance_path, "imports", token + ".bin")
    old = datetime.datetime.now().timestamp() - 25 * 3600
    for suffix in (".bin", ".json"):
        os.utime(stored.replace(".bin", suffix), (old, old))
    client.get("/admin/import")
    assert not os.path.exists(stored)
    response = client.get(mapping_url)
    assert response.status_code == 404


def test_preview_counts_every_outcome(app, client):
    """Does the preview's summary name each outcome in words with its count?"""
    sign_in(app, client)
    with connected(app):
        gen_person("resident", name="李建国")
        Person.update(phone="13900002222").execute()
    data = xlsx_bytes(["姓名", "联系电话", "住址"], [["李建国", "13900002222", "石油路2号"],
                                                  ["张秀娟", "13900001111", ""],
                                                  ["张秀娟", "13900001111", ""], ["", "1", ""]])
    mapping_url = upload(client, data).headers["Location"]
    client.post(mapping_url, data={"csrf_token": csrf_token(client, mapping_url), "col-0": "name",
                                   "col-1": "phone", "col-2": "address", "consent": "none"})
    page = client.get(mapping_url.replace("/mapping", "/preview")).get_data(as_text=True)
    summary = re.search(r'<ul class="import-summary".*?</ul>', page, re.S).group(0)
    words = re.sub(r"<[^>]+>|\s+", " ", summary).split()
    assert words == ["新增", "1", "更新已有人员", "1", "跳过（已存在）", "1", "有错误，不导入", "1"]
    assert "将更改：住址。" in page
