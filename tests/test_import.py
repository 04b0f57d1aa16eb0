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
from models import AuditLog, Badge, Consent, ImportMapping, Person, db
from tests.conftest import csrf_token, gen_person, gen_user, login_as

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
    with app.app_context(), db.connection_context():
        sums = {}
        for model in tables:
            rows = list(model.select().order_by(model.id).tuples())
            sums[model.__name__] = hashlib.sha256(repr(rows).encode()).hexdigest()
        return sums


def count(app, model, *where):
    with app.app_context(), db.connection_context():
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
    with app.app_context(), db.connection_context():
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
    """Does a dry run leave the SQLite database byte-for-byte the same?"""
    if not models.is_sqlite():
        pytest.skip("compares SQLite files; PostgreSQL is covered by the checksum test")
    header, rows, _reasons = roster(40)
    path = write_roster(tmp_path, "xlsx", header, rows)
    db_path = os.path.join(app.instance_path, "station.sqlite3")

    def files():
        db.close() if not db.is_closed() else None
        app.extensions["database"].close()
        found = {}
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(db_path + suffix):
                with open(db_path + suffix, "rb") as fh:
                    found[suffix] = hashlib.sha256(fh.read()).hexdigest()
        return found

    before = files()
    assert "" in before
    result = runner.invoke(args=["import-people", path, "--dry-run"] + CONSENT)
    assert result.exit_code == 0, result.output
    assert "未写入任何内容" in result.output
    assert "将新增 38 人" in result.output
    assert files() == before


def test_dry_run_writes_no_rows(app, runner, tmp_path):
    """Does a dry run leave every table as it was (checked row by row)?"""
    header, rows, _reasons = roster(30)
    path = write_roster(tmp_path, "gbk", header, rows)
    before = table_checksums(app)
    result = runner.invoke(args=["import-people", path, "--dry-run"])
    assert result.exit_code == 0, result.output
    assert table_checksums(app) == before
