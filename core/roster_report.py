"""The error report of a roster import: the refused rows as XLSX, with a reason column."""
import datetime
import io

import openpyxl
from openpyxl.utils import get_column_letter

from core.exports import write_rows  # every cell written as data, never as a formula
from core.i18n import _
from core.roster_cells import cell_text


def error_report(table, plans):
    """The refused rows as XLSX: the original header and cells, then a reason column."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "错误 errors"
    rows = [list(table.header) + [_("Reason for refusal")]]
    rows += [[_report_cell(c) for c in plan.cells] + [plan.reason]
             for plan in plans if plan.action == "error"]
    write_rows(sheet, rows)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, (datetime.date, datetime.datetime)):
                cell.number_format = "yyyy-mm-dd"
    for index, _h in enumerate(sheet[1], start=1):
        sheet.column_dimensions[get_column_letter(index)].width = 16
    sheet.column_dimensions[get_column_letter(sheet.max_column)].width = 60
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _report_cell(value):
    # Long digit strings (ID and card numbers) stay text, or Excel would round them.
    if isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) >= 1e11:
        return cell_text(value)
    return value
