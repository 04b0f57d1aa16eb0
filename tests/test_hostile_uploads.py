"""A hostile roster cannot stop the station: every upload is read with bounded work and memory,
refused in words before anything of it is shown back."""
import functools
import io
import os
import time
import tracemalloc
import zipfile

import pytest

from core import roster_import, table_files
from models import Person
from tests.helpers import connected, sign_in
from tests.test_import import roster, upload, xlsx_bytes

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE = "http://schemas.openxmlformats.org/package/2006/relationships"
TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
SPREADSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml"
# The limits the issue sets for a hostile file: refused within 2 s and 100 MB.
SECONDS, MEGABYTES = 2.0, 100


def workbook(sheet_data, dimension=None, shared_strings=None, prolog="", level=9):
    """A workbook written by hand, part by part, as an attacker would: the worksheet's XML
    `sheet_data`, a declared `dimension`, and shared strings given as chunks of bytes."""
    types = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="%s">'
             '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
             'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
             '<Override PartName="/xl/workbook.xml" ContentType="%s.sheet.main+xml"/>'
             '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="%s.worksheet+xml"/>'
             % (TYPES, SPREADSHEET, SPREADSHEET))
    book_rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="%s">'
                 '<Relationship Id="rId1" Type="%s/worksheet" Target="worksheets/sheet1.xml"/>'
                 % (PACKAGE, REL))
    if shared_strings is not None:
        types += ('<Override PartName="/xl/sharedStrings.xml" '
                  'ContentType="%s.sharedStrings+xml"/>' % SPREADSHEET)
        book_rels += ('<Relationship Id="rId2" Type="%s/sharedStrings" '
                      'Target="sharedStrings.xml"/>' % REL)
    sheet = '<?xml version="1.0" encoding="UTF-8"?>%s<worksheet xmlns="%s">' % (prolog, MAIN)
    if dimension:
        sheet += '<dimension ref="%s"/>' % dimension
    sheet += "<sheetData>%s</sheetData></worksheet>" % sheet_data
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        archive.writestr("[Content_Types].xml", types + "</Types>")
        archive.writestr("_rels/.rels", (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="%s"><Relationship '
            'Id="rId1" Type="%s/officeDocument" Target="xl/workbook.xml"/></Relationships>'
            % (PACKAGE, REL)))
        archive.writestr("xl/workbook.xml", (
            '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="%s" xmlns:r="%s"><sheets>'
            '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>' % (MAIN, REL)))
        archive.writestr("xl/_rels/workbook.xml.rels", book_rels + "</Relationships>")
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        if shared_strings is not None:
            with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
                for chunk in shared_strings:
                    part.write(chunk)
    return out.getvalue()


def inline(ref, text):
    return '<c r="%s" t="inlineStr"><is><t>%s</t></is></c>' % (ref, text)


def dimension_bomb():
    """The issue's file: a sheet that declares A1:XFD1048576, with one cell at XFD1048576."""
    return workbook('<row r="1048576">%s</row>' % inline("XFD1048576", "x"),
                    dimension="A1:XFD1048576")


@functools.lru_cache(maxsize=None)
def zip_bomb():
    """The issue's file: about 1 MB that unpacks to one shared string of 1000 x 1 MiB."""
    def chunks():
        yield ('<?xml version="1.0" encoding="UTF-8"?><sst xmlns="%s"><si><t>姓名</t></si>'
               '<si><t>' % MAIN).encode("utf-8")
        chunk = b"A" * 2 ** 20
        for _ in range(1000):
            yield chunk
        yield b"</t></si></sst>"
    return workbook('<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
                    '<row r="2"><c r="A2" t="s"><v>1</v></c></row>', shared_strings=chunks())


def packed_tight():
    """A smaller bomb, under the size limits, caught by its compression ratio (~1000:1)."""
    def chunks():
        yield ('<?xml version="1.0" encoding="UTF-8"?><sst xmlns="%s"><si><t>' % MAIN).encode()
        for _ in range(6):
            yield b"B" * 2 ** 20
        yield b"</t></si></sst>"
    return workbook('<row r="1"><c r="A1" t="s"><v>0</v></c></row>', shared_strings=chunks())


def measured(call):
    """(result or exception, CPU seconds of this thread, peak MB allocated) of call()."""
    tracemalloc.start()
    started = time.thread_time()
    try:
        result = call()
    except Exception as error:  # noqa: BLE001 - the caller looks at what came back
        result = error
    seconds = time.thread_time() - started
    peak = tracemalloc.get_traced_memory()[1] / 2 ** 20
    tracemalloc.stop()
    return result, seconds, peak


def waiting_files(app):
    folder = os.path.join(app.instance_path, "imports")
    return os.listdir(folder) if os.path.exists(folder) else []


@pytest.mark.parametrize("build, words", [
    (dimension_bomb, "XFD 列有内容"),
    (zip_bomb, "解压后的数据太多"),
    (packed_tight, "压缩方式不像表格软件保存的花名册"),
])
def test_a_bomb_is_refused_in_words_within_the_limits(app, client, build, words):
    """Is the dimension bomb, the zip bomb or a tightly packed part refused with a clear
    Chinese message within 2 s and 100 MB, nothing kept and no mapping page shown?"""
    sign_in(app, client)
    data = build()
    response, seconds, peak = measured(lambda: upload(client, data, "花名册.xlsx"))
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and words in page, page[-2000:]
    assert seconds < SECONDS and peak < MEGABYTES, (seconds, peak)
    assert len(response.data) < 100_000  # nothing of the file echoed back
    assert waiting_files(app) == []


def test_the_zip_bomb_is_the_one_the_issue_describes():
    """Is the test's zip bomb really about 1 MB that unpacks to 1000 MiB of shared strings?"""
    data = zip_bomb()
    assert len(data) < 1.1 * 2 ** 20
    parts = {p.filename: p.file_size for p in zipfile.ZipFile(io.BytesIO(data)).infolist()}
    assert parts["xl/sharedStrings.xml"] > 1000 * 2 ** 20


def test_the_command_line_refuses_a_bomb_too(app, runner, tmp_path):
    """Does import-people refuse the dimension bomb with a message and a non-zero exit?"""
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(dimension_bomb())
    result = runner.invoke(args=["import-people", str(path)])
    assert result.exit_code != 0 and "XFD" in result.output


def test_a_declared_dimension_is_not_trusted_either_way(app, client):
    """Is a real roster whose sheet claims A1:XFD1048576, with formatted empty cells far out,
    read by its cells (two people, two columns), quickly?"""
    sign_in(app, client)
    cells = ('<row r="1">%s%s</row><row r="2">%s%s</row><row r="3">%s%s</row>'
             '<row r="1048576"><c r="XFD1048576" s="0"/></row>'
             % (inline("A1", "姓名"), inline("B1", "联系电话"), inline("A2", "王秀英"),
                inline("B2", "13900000001"), inline("A3", "李桂兰"), inline("B3", "13900000002")))
    data = workbook(cells, dimension="A1:XFD1048576")
    with app.test_request_context():
        table, seconds, peak = measured(lambda: roster_import.read_table(data, "x.xlsx"))
    assert table.header == ["姓名", "联系电话"]
    assert [cells[0] for _line, cells in table.rows] == ["王秀英", "李桂兰"]
    assert seconds < SECONDS and peak < MEGABYTES


def test_xml_entities_are_not_expanded(app, client):
    """Is a worksheet with an entity-expansion bomb (a DTD) refused as unreadable?"""
    sign_in(app, client)
    laughs = ('<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">'
              + "".join('<!ENTITY %s "%s">' % (chr(98 + i), ("&%s;" % chr(97 + i)) * 10)
                        for i in range(8)) + "]>")
    data = workbook('<row r="1">%s</row>' % inline("A1", "&i;"), prolog=laughs)
    response, seconds, peak = measured(lambda: upload(client, data))
    assert response.status_code == 400
    assert "无法按 Excel 工作簿" in response.get_data(as_text=True)
    assert seconds < SECONDS and peak < MEGABYTES


@pytest.mark.parametrize("text, words", [
    ("姓名," + ",".join("c%d" % i for i in range(200000)) + "\n王秀英,1\n", "超过 200 列"),
    ("姓名,电话" + "," * 200000 + "\n王秀英,13900000000\n", "超过 200 列"),
    ("姓名,备注\n王秀英," + "x" * 200000 + "\n", "无法按 CSV 读取"),
    ("姓名,备注\n王秀英,\"" + "x" * 140000 + "\"\n", "无法按 CSV 读取"),
    ("姓名,备注\n王秀英," + "x" * 20000 + "\n", "单元格 B2 超过 10000 个字"),
    ("姓名" + ",c" * 250 + "\n王秀英\n", "文件的 IQ 列有内容"),
])
def test_a_hostile_csv_is_refused_in_words(app, client, text, words):
    """Are a CSV of 200,001 columns and one with a huge cell refused with a message (not a
    500, not a mapping page of megabytes), within the limits, nothing kept?"""
    sign_in(app, client)
    data = text.encode("utf-8")
    response, seconds, peak = measured(lambda: upload(client, data, "花名册.csv"))
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and words in page, page[-1500:]
    assert len(response.data) < 100_000
    assert seconds < SECONDS and peak < MEGABYTES, (seconds, peak)
    assert waiting_files(app) == []


def test_a_huge_cell_in_a_workbook_is_refused(app, client):
    """Is an XLSX cell of 20,000 characters refused, naming the cell?"""
    sign_in(app, client)
    data = workbook('<row r="1">%s%s</row><row r="2">%s%s</row>' % (
        inline("A1", "姓名"), inline("B1", "备注"), inline("A2", "王秀英"),
        inline("B2", "长" * 20000)))
    response = upload(client, data)
    assert response.status_code == 400
    assert "单元格 B2 超过 10000 个字" in response.get_data(as_text=True)


def test_a_file_over_the_size_limit_is_refused_unread(app, runner, tmp_path):
    """Is a file larger than the limit refused before it is read, on the command line too?"""
    path = tmp_path / "big.csv"
    path.write_bytes(b"\xe5\xa7\x93\xe5\x90\x8d\n" + b"x" * (table_files.MAX_FILE_BYTES + 10))
    result = runner.invoke(args=["import-people", str(path)])
    assert result.exit_code != 0 and "MB" in result.output


def test_the_mapping_page_shows_only_a_glimpse(app, client):
    """With long values and many columns (within the limits), does the mapping page show at
    most 40 characters of a value, and stay small?"""
    sign_in(app, client)
    header, rows, _reasons = roster(20, bad=False)
    header = header + ["附加%d" % i for i in range(150)]
    rows = [row + ["很长的备注" * 1800] + ["v"] * 149 for row in rows]
    response = upload(client, xlsx_bytes(header, rows))
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "很长的备注" * 8 + "…" in page and "很长的备注" * 9 not in page
    assert len(page) < 600_000


def test_a_legitimate_roster_still_imports(app, client):
    """After all these limits, does an ordinary roster of 200 people still import?"""
    sign_in(app, client)
    header, rows, _reasons = roster(200, bad=False)
    response = upload(client, xlsx_bytes(header, rows))
    assert response.status_code == 302
    with app.test_request_context():
        table = roster_import.read_table(xlsx_bytes(header, rows), "x.xlsx")
    assert len(table.rows) == 200
    with connected(app):
        assert Person.select().count() == 0  # nothing written before the confirmation


@pytest.mark.parametrize("limit, value, fmt", [
    ("SECONDS", 0, "xlsx"), ("MAX_WORKBOOK_ELEMENTS", 500, "xlsx"),
    ("SECONDS", 0, "csv"), ("MAX_LINES", 100, "csv"),
])
def test_reading_stops_at_the_time_and_work_limits(app, monkeypatch, limit, value, fmt):
    """Does the reading of an ordinary roster stop, in words, when it reaches the deadline
    or the most XML elements or lines allowed (here set low)?"""
    header, rows, _reasons = roster(1200, bad=False)
    if fmt == "xlsx":
        data = xlsx_bytes(header, rows)
    else:
        data = "\n".join(",".join(r) for r in [header] + rows).encode("utf-8")
    monkeypatch.setattr(table_files, limit, value)
    with app.test_request_context(), pytest.raises(table_files.ImportFileError) as refused:
        roster_import.read_table(data, "x." + fmt)
    assert "太长" in str(refused.value) or "超过 100 行" in str(refused.value)


def test_a_sheet_without_a_declared_size_is_not_scanned_whole(app, monkeypatch):
    """Is a sheet that declares no dimension, with a million empty cells, stopped by the
    reading's own budget (here 20,000 elements) rather than scanned whole first?"""
    import random
    generator = random.Random(13)
    # 300 different rows in turn: 150 KB apart, beyond deflate's reach, so no ratio alarm
    bodies = ["".join('<c s="%d"/>' % generator.randint(0, 99) for _ in range(50))
              for _ in range(300)]
    cells = "".join('<row r="%d">%s</row>' % (n, bodies[n % 300]) for n in range(1, 24001))
    data = workbook(cells, level=1)
    monkeypatch.setattr(table_files, "MAX_WORKBOOK_ELEMENTS", 20000)
    with app.test_request_context():
        refused, seconds, peak = measured(lambda: roster_import.read_table(data, "x.xlsx"))
    assert isinstance(refused, table_files.ImportFileError) and "用时太长" in str(refused)
    assert seconds < SECONDS and peak < MEGABYTES, (seconds, peak)


def test_shared_strings_are_read_as_excel_writes_them(app):
    """Does a workbook with shared strings, as Excel and WPS save them (rich-text runs,
    phonetic guides, a date cell), read as openpyxl itself reads it?"""
    strings = ['<si><t>姓名</t></si>', '<si><t>出生日期</t></si>',
               '<si><r><t>王</t></r><r><rPr><b/></rPr><t xml:space="preserve">秀英</t></r>'
               '<rPh sb="0" eb="1"><t>ワン</t></rPh></si>',
               '<si><t>李桂兰</t></si>']
    data = workbook('<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
                    '<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2"><v>20524</v></c></row>'
                    '<row r="4"><c r="A4" t="s"><v>3</v></c></row>',
                    shared_strings=[('<?xml version="1.0" encoding="UTF-8"?><sst xmlns="%s">'
                                     % MAIN + "".join(strings) + "</sst>").encode("utf-8")])
    import openpyxl
    expected = [list(row) for row in openpyxl.load_workbook(
        io.BytesIO(data), read_only=True, data_only=True).active.iter_rows(values_only=True)]
    with app.test_request_context():
        table = roster_import.read_table(data, "x.xlsx")
    assert table.header == ["姓名", "出生日期"] == expected[0]
    assert [(line, cells) for line, cells in table.rows] == [
        (2, ["王秀英", 20524]), (4, ["李桂兰", None])]
    assert expected[1] == ["王秀英", 20524]  # what openpyxl reads from the same file
