"""An uploaded table (XLSX or CSV) read as rows of cells, with bounded work and memory.

A roster comes from outside: a file of a few kilobytes can claim a sheet of a million rows
by sixteen thousand columns, or unpack to gigabytes. So nothing here trusts what a file
says about itself:

- an XLSX is a zip: its parts are counted and their unpacked sizes and compression ratios
  checked before openpyxl opens it (Python's zip reader never unpacks more than a part
  declares, so the declared sizes bound the work);
- the worksheet's XML is streamed cell by cell, ignoring its declared dimension: only cells
  that are there are read, empty cells far out are skipped, and a value beyond MAX_COLUMNS,
  a cell longer than MAX_CELL_CHARS or more than MAX_WORKBOOK_ELEMENTS elements (shared
  strings and worksheet together) stop the reading;
- a CSV is read line by line with the same column and cell limits;
- every loop also stops at a deadline.

Each refusal is an ImportFileError whose message says what to do, in the reader's language.
"""
import csv
import io
import time
import warnings
import zipfile

from openpyxl.utils import get_column_letter

from core.i18n import _

MAX_FILE_BYTES = 8 * 1024 * 1024  # as uploaded
MAX_UNPACKED_BYTES = 64 * 1024 * 1024  # all parts of an XLSX, unpacked
MAX_SHEET_BYTES = 32 * 1024 * 1024  # one worksheet, unpacked (streamed, with a budget)
MAX_STRINGS_BYTES = 16 * 1024 * 1024  # the shared strings, unpacked (streamed, with a budget)
MAX_OTHER_PART_BYTES = 4 * 1024 * 1024  # styles, workbook, relations...
MAX_PARTS = 300
MAX_RATIO = 100  # unpacked / packed, for parts over RATIO_FROM bytes
RATIO_FROM = 1024 * 1024
MAX_COLUMNS = 200
MAX_CELL_CHARS = 10000
MAX_WORKBOOK_ELEMENTS = 1_200_000  # XML elements read: shared strings and the worksheet
MAX_LINES = 200_000  # physical lines of a CSV, blank ones included
MAX_LINE_SEPARATORS = 20_000
SECONDS = 10  # the deadline for reading one file
MAX_SHEETS = 100


def _part_limit(name):
    """The largest a part of a workbook may unpack to, by its name."""
    name = name.lower()
    if name.startswith("xl/worksheets/"):
        return MAX_SHEET_BYTES
    if name == "xl/sharedstrings.xml":
        return MAX_STRINGS_BYTES
    return MAX_OTHER_PART_BYTES


class ImportFileError(ValueError):
    """The file cannot be read as a roster; the message says why, in the reader's language."""


def _too_big():
    return ImportFileError(_("The file unpacks to too much data to be a roster (at most "
                             "%(mb)d MB). Save only the sheet with the people in a new "
                             "workbook and upload that.", mb=MAX_UNPACKED_BYTES // 2 ** 20))


def _too_slow():
    return ImportFileError(_("Reading the file took too long; it is not an ordinary roster. "
                             "Copy the rows with the people into a new workbook and upload "
                             "that."))


def _too_many_columns(where):
    return ImportFileError(_("The file has data in column %(column)s; a roster can have at "
                             "most %(max)d columns. Delete the columns that are not part of "
                             "the roster and upload the file again.", column=where,
                             max=MAX_COLUMNS))


def _cell_too_long(where):
    return ImportFileError(_("Cell %(cell)s holds more than %(max)d characters; no roster "
                             "field is that long. Shorten it and upload the file again.",
                             cell=where, max=MAX_CELL_CHARS))


def check_size(data):
    """Refuse a file larger than MAX_FILE_BYTES before reading any of it."""
    if len(data) > MAX_FILE_BYTES:
        raise ImportFileError(_("The file is larger than %(mb)d MB; a roster of people is "
                                "much smaller. Save only the sheet with the people and upload "
                                "that.", mb=MAX_FILE_BYTES // 2 ** 20))


class _Budget:
    """Counts the work done on one file and stops it at its limits."""

    def __init__(self):
        self.deadline = time.monotonic() + SECONDS
        self.steps = 0

    def step(self, limit, error):
        self.steps += 1
        if self.steps > limit:
            raise error()
        if not self.steps % 1024 and time.monotonic() > self.deadline:
            raise _too_slow()


# --- XLSX ---------------------------------------------------------------------------------

def check_workbook_zip(data):
    """Refuse an XLSX whose parts are too many, unpack too large, or are packed too tightly."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise _unreadable_workbook()
    if len(parts) > MAX_PARTS:
        raise _unreadable_workbook()
    total = 0
    for part in parts:
        total += part.file_size
        if part.file_size > _part_limit(part.filename) or total > MAX_UNPACKED_BYTES:
            raise _too_big()
        if part.file_size > RATIO_FROM \
                and part.file_size > MAX_RATIO * max(part.compress_size, 1):
            raise ImportFileError(_("The file is packed in a way no spreadsheet program "
                                    "packs a roster (a part unpacks to more than %(ratio)d "
                                    "times its size). Open it, save it again as .xlsx and "
                                    "upload that.", ratio=MAX_RATIO))


def _unreadable_workbook():
    return ImportFileError(_("The file could not be read as an Excel workbook (.xlsx). "
                             "It may be damaged or protected by a password."))


def xlsx_rows(data, sheet=None, keep_rows=None, cell_text=str):
    """(rows, sheet title, sheet titles) of a workbook; rows are (row number, cells).

    Only rows with a value are returned, at most `keep_rows` of them (the rest are only
    counted: the count is the fourth value returned).
    """
    check_size(data)
    check_workbook_zip(data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # styles other programs write, dates out of range
        return _read_workbook(data, sheet, keep_rows, cell_text)


def _read_workbook(data, sheet, keep_rows, cell_text):
    """openpyxl reads the workbook's parts but no worksheet: its read-only worksheets scan a
    whole sheet for its size when the sheet declares none, with no bound on the work."""
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.styles.stylesheet import apply_stylesheet
    budget = _Budget()
    try:
        reader = ExcelReader(io.BytesIO(data), read_only=True, data_only=True,
                             keep_links=False)
        reader.read_manifest()
        reader.shared_strings = _shared_strings(reader, budget)
        reader.read_workbook()
        apply_stylesheet(reader.archive, reader.wb)  # which number formats are dates
        listed = [(found.name, rel.target, rel.Type)
                  for found, rel in reader.parser.find_sheets()]
    except Exception:
        raise _unreadable_workbook()
    try:
        worksheets = [(name, path) for name, path, kind in listed[:MAX_SHEETS]
                      if path in reader.valid_files and kind.endswith("/worksheet")]
        if not worksheets:
            raise _unreadable_workbook()
        names = tuple(name for name, _path in worksheets if len(name) <= 100)
        active = reader.wb._active_sheet_index
        chosen = dict(worksheets).get(sheet) if sheet in names else None
        if chosen is None:
            in_front = listed[active][:2] if 0 <= active < len(listed) else None
            sheet, chosen = in_front if in_front in worksheets else worksheets[0]
        with reader.archive.open(chosen) as source:
            rows, count = _worksheet_rows(reader, source, budget, keep_rows, cell_text)
        return rows, sheet, names, count
    except ImportFileError:
        raise
    except Exception:
        raise _unreadable_workbook()
    finally:
        reader.archive.close()


def _shared_strings(reader, budget):
    """The workbook's shared strings, streamed within the budget (openpyxl's reader has none).

    A string is its text, or the text of its runs; phonetic guides (rPh) are left out, as
    openpyxl does. Each element is dropped once read.
    """
    from openpyxl.xml.constants import SHARED_STRINGS, SHEET_MAIN_NS
    from openpyxl.xml.functions import iterparse
    part = reader.package.find(SHARED_STRINGS)
    if part is None:
        return []
    item, text, run = ("{%s}%s" % (SHEET_MAIN_NS, t) for t in ("si", "t", "r"))
    strings, pieces, open_elements = [], [], []
    with reader.archive.open(part.PartName[1:]) as source:
        for event, element in iterparse(source, events=("start", "end")):
            budget.step(MAX_WORKBOOK_ELEMENTS, _too_slow)
            if event == "start":
                open_elements.append(element)
                continue
            open_elements.pop()
            parent = open_elements[-1].tag if open_elements else None
            if element.tag == text and parent in (item, run):
                pieces.append(element.text or "")
            elif element.tag == item:
                strings.append("".join(pieces).replace("x005F_", ""))
                pieces = []
            element.clear()
            if open_elements:
                del open_elements[-1][-1]
    return strings


def _row_number(element, previous):
    """The row's number from its r attribute (as openpyxl reads it), else the next one."""
    value = element.get("r")
    if value is None:
        return previous + 1
    number = float(value)
    if not number.is_integer() or not 1 <= number <= 1048576:
        raise ValueError(value)
    return int(number)


def _worksheet_rows(reader, source, budget, keep_rows, cell_text):
    """Stream the sheet's XML: the cells that are there, never the declared dimension.

    Each element is dropped once read (detached from its parent, the last child at its end),
    so memory holds the current cell and its ancestors, whatever the file holds.
    """
    from openpyxl.worksheet._reader import CELL_TAG, ROW_TAG, WorkSheetParser
    from openpyxl.xml.constants import SHEET_MAIN_NS
    from openpyxl.xml.functions import iterparse  # defusedxml's: no entities, no DTD

    sheet_data_tag = "{%s}sheetData" % SHEET_MAIN_NS
    # openpyxl's own cell reader (shared strings, dates, inline text), cell by cell.
    book = reader.wb
    parser = WorkSheetParser(None, reader.shared_strings, data_only=True, epoch=book.epoch,
                             date_formats=book._date_formats,
                             timedelta_formats=book._timedelta_formats)
    rows, count, cells = [], 0, {}
    open_elements, in_cell = [], False
    for event, element in iterparse(source, events=("start", "end")):
        budget.step(MAX_WORKBOOK_ELEMENTS, _too_slow)
        tag = element.tag
        if event == "start":
            open_elements.append(element)
            if tag == ROW_TAG:
                parser.row_counter = _row_number(element, parser.row_counter)
                parser.col_counter = 0
                cells = {}
            elif tag == CELL_TAG:
                in_cell = True
            continue
        open_elements.pop()
        if in_cell and tag != CELL_TAG:
            continue  # a cell's value and text: read with the cell
        if tag == CELL_TAG:
            in_cell = False
            cell = parser.parse_cell(element)
            value = cell["value"]
            if value is not None and cell_text(value):
                column = get_column_letter(min(cell["column"], 16384))
                if cell["column"] > MAX_COLUMNS:
                    raise _too_many_columns(column)
                if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
                    raise _cell_too_long("%s%d" % (column, cell["row"]))
                cells[cell["column"]] = value
        elif tag == ROW_TAG and cells:
            count += 1
            if keep_rows is None or count <= keep_rows:
                rows.append((parser.row_counter,
                             [cells.get(c) for c in range(1, max(cells) + 1)]))
        element.clear()
        if open_elements:
            del open_elements[-1][-1]
        if tag == sheet_data_tag:
            break  # the rest of the sheet is formatting
    return rows, count


# --- CSV ----------------------------------------------------------------------------------

def decode_text(data):
    """CSV bytes as text: UTF-8 (with or without BOM) when valid, else GB18030 (GBK)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise ImportFileError(_("The file's text encoding is not UTF-8 or GBK. In Excel, save "
                                "it as \"CSV UTF-8\" or as an .xlsx workbook."))


def csv_rows(data, keep_rows=None):
    """(rows, count) of CSV bytes: rows with a value as (line number, cells), bounded."""
    check_size(data)
    text = decode_text(data)
    if "\x00" in text:
        raise ImportFileError(_("This file is neither an Excel workbook (.xlsx) nor a CSV "
                                "file."))
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    delimiter = max(",\t;，", key=first.count) if first else ","
    if delimiter == "，":  # a full-width comma is never a CSV separator Excel writes
        delimiter = ","
    budget = _Budget()

    def lines():
        for number, line in enumerate(io.StringIO(text, newline=""), start=1):
            budget.step(MAX_LINES, _too_many_lines)
            if line.count(delimiter) > MAX_LINE_SEPARATORS:  # before the csv module splits it
                raise ImportFileError(_("Line %(line)d of the file has more than %(max)d "
                                        "columns; a roster has far fewer. Save only the "
                                        "columns of the roster and upload it again.",
                                        line=number, max=MAX_COLUMNS))
            yield line

    reader = csv.reader(lines(), delimiter=delimiter)
    rows, count = [], 0
    try:
        for number, cells in enumerate(reader, start=1):
            while cells and not cells[-1].strip():
                cells.pop()  # trailing empty cells are not columns
            if not cells or not any(c.strip() for c in cells):
                continue
            if len(cells) > MAX_COLUMNS:
                raise _too_many_columns(get_column_letter(len(cells)))
            for index, value in enumerate(cells):
                if len(value) > MAX_CELL_CHARS:
                    raise _cell_too_long("%s%d" % (get_column_letter(index + 1), number))
            count += 1
            if keep_rows is None or count <= keep_rows:
                rows.append((number, cells))
    except csv.Error:
        # The csv module stops at a field over its limit (131,072 characters) or at text
        # it cannot split; either way no roster looks like that.
        raise ImportFileError(_("Line %(line)d of the file cannot be read as CSV: a cell is "
                                "far too long or a quotation mark is not closed.",
                                line=reader.line_num))
    return rows, count


def _too_many_lines():
    return ImportFileError(_("The file has more than %(max)d lines; a roster is much shorter. "
                             "Delete the empty lines and upload it again.", max=MAX_LINES))
