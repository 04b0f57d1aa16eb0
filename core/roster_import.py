"""Importing a station's existing roster (花名册) of residents or volunteers from XLSX or CSV.

The import's public names, from the modules that hold them (each one idea):

    core.roster_read      read_table(data, filename)   the header and rows (XLSX; CSV in
                                                        UTF-8, BOM, GBK), bounded
    core.roster_fields    FIELDS, recognise(header)    which field a column holds
    core.import_mappings  mapping_for(station, table)  remembered, else recognised
    core.roster_cells     parse_*(cell), RowProblem    each value checked, in words
    core.roster_plan      preview(...)                 what each row would do; no writes
    core.roster_apply     apply(...)                   parse and plan, then one transaction
                                                        that only writes
    core.roster_report    error_report(table, plans)   the refused rows as XLSX
    core.roster_cli       import-people                the command line

Sensitive columns (disability category, level, card number, ID number) are kept only when the
import carries a consent record (how it was obtained, when, who recorded it); without one they
are dropped and the preview says so. Importing a file again changes nothing.
"""
from core.import_mappings import mapping_for, remembered_mapping, save_mapping  # noqa: F401
from core.roster_apply import ImportResult, apply  # noqa: F401
from core.roster_cells import (RowProblem, cell_text, parse_card, parse_category,  # noqa: F401
                               parse_date, parse_guardian, parse_id_number, parse_kind,
                               parse_level, parse_name, parse_phone, parse_sex)
from core.roster_fields import (FIELDS, KINDS, SENSITIVE, mapping_problems,  # noqa: F401
                                recognise, recognise_header)
from core.roster_plan import (CONSENT_METHODS, Consented, Preview, RowPlan,  # noqa: F401
                              check_consent, preview)
from core.roster_read import MAX_ROWS, Table, read_table  # noqa: F401
from core.roster_report import error_report  # noqa: F401
from core.table_files import ImportFileError, decode_text  # noqa: F401
