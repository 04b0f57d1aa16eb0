"""Reading a roster file (XLSX, or CSV in UTF-8, BOM or GBK) as a header and rows.

The reading itself is bounded in core.table_files; this finds the header row (the one of the
first rows naming most known columns), trims empty columns and rows, and counts the rows.
"""
import dataclasses
import hashlib

from openpyxl.utils import get_column_letter

from core import table_files
from core.i18n import _
from core.roster_cells import cell_text
from core.roster_fields import norm_header, recognise
from core.table_files import ImportFileError

MAX_ROWS = 5000
HEADER_SCAN_ROWS = 10


@dataclasses.dataclass
class Table:
    """A roster as read from the file: header cells and (line number, cells) per data row."""

    header: list
    rows: list
    filename: str = ""
    sheet: str = ""
    sheets: tuple = ()

    @property
    def signature(self):
        """A hash of the header row: the key of the remembered mapping."""
        text = "\x1f".join(norm_header(h) for h in self.header)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def column_label(self, index):
        """The column's header, or its spreadsheet letter when the header is empty."""
        text = cell_text(self.header[index]) if index < len(self.header) else ""
        if text:
            return text
        return _("Column %(letter)s", letter=get_column_letter(index + 1))



def read_table(data, filename="", sheet=None):
    """Read a roster from XLSX or CSV bytes; raises ImportFileError with a message in words.

    The reading is bounded (core.table_files): size, unpacked size, columns, cell length,
    rows and time are checked before anything of the file is shown back.
    """
    table_files.check_size(data or b"")
    if not data or not data.strip():
        raise ImportFileError(_("The file is empty."))
    keep = MAX_ROWS + HEADER_SCAN_ROWS
    if data[:4] == b"PK\x03\x04":
        rows, sheet, sheets, count = table_files.xlsx_rows(data, sheet, keep, cell_text)
    elif data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise ImportFileError(_("This is an old Excel file (.xls). Open it in Excel or WPS, "
                                "choose \"Save as\" and the .xlsx format, then upload that "
                                "file."))
    else:
        rows, count = table_files.csv_rows(data, keep)
        sheet, sheets = "", ()
    if count > keep:
        raise ImportFileError(_("The file has %(count)d rows; at most %(max)d can be imported "
                                "at once. Split it into smaller files.",
                                count=count, max=MAX_ROWS))
    header_at = _find_header(rows)
    if header_at is None:
        raise ImportFileError(_("The file has no rows."))
    header_line, header = rows[header_at]
    width = max([len(header)] + [len(cells) for _line, cells in rows[header_at + 1:]])
    while width and not cell_text(header[width - 1] if width - 1 < len(header) else None) \
            and not any(width - 1 < len(c) and cell_text(c[width - 1])
                        for _line, c in rows[header_at + 1:]):
        width -= 1
    header = [cell_text(h) for h in list(header) + [None] * (width - len(header))][:width]
    body = []
    for line, cells in rows[header_at + 1:]:
        cells = (list(cells) + [None] * width)[:width]
        if any(cell_text(c) for c in cells):
            body.append((line, cells))
    if len(body) > MAX_ROWS:
        raise ImportFileError(_("The file has %(count)d rows; at most %(max)d can be imported "
                                "at once. Split it into smaller files.",
                                count=len(body), max=MAX_ROWS))
    if not body:
        raise ImportFileError(_("The file has a header row but no people under it."))
    return Table(header=header, rows=body, filename=filename, sheet=sheet, sheets=sheets)


def _find_header(rows):
    """The index of the header row: the one of the first few naming most known columns."""
    if not rows:
        return None
    best, best_score = 0, 0
    for index, (_line, cells) in enumerate(rows[:HEADER_SCAN_ROWS]):
        score = sum(1 for field in recognise([cell_text(c) for c in cells]) if field)
        if score > best_score:
            best, best_score = index, score
    if best_score == 0:  # no known header: the first row with two filled cells
        for index, (_line, cells) in enumerate(rows[:HEADER_SCAN_ROWS]):
            if sum(1 for c in cells if cell_text(c)) >= 2:
                return index
    return best
