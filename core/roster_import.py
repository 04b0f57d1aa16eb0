"""Importing a station's existing roster (花名册) of residents or volunteers from XLSX or CSV.

    read_table(data, filename)   the file as a header and rows (XLSX; CSV in UTF-8, BOM, GBK)
    mapping_for(station, table)  which column holds which field: remembered, else recognised
    preview(...)                 what each row would do, with each problem in words; no writes
    apply(...)                   every valid row in one transaction; the refused rows come back
    error_report(table, plans)   those rows as XLSX with a reason column

Sensitive columns (disability category, level, card number, ID number) are kept only when the
import carries a consent record (how it was obtained, when, who recorded it); without one they
are dropped and the preview says so. A row names the same person as an earlier import when the
card number matches, or the name with the phone or the birth date; importing a file again
changes nothing.
"""
import dataclasses
import datetime
import hashlib
import io
import json
import re

import click
from flask.cli import with_appcontext

from core import people, table_files
from core.clock import local_date
from core.i18n import _, lazy_gettext as _l
from core.table_files import ImportFileError, decode_text  # noqa: F401 (part of this API)
from models import Consent, ImportMapping, Person, audit, db, utcnow

MAX_ROWS = 5000
HEADER_SCAN_ROWS = 10

# field -> label, in the order the mapping screen offers them
FIELDS = {
    "name": _l("Name"),
    "sex": _l("Sex"),
    "birth_date": _l("Birth date"),
    "phone": _l("Phone"),
    "address": _l("Address"),
    "disability_category": _l("Disability category"),
    "disability_level": _l("Disability level"),
    "disability_card": _l("Disability card number"),
    "id_number": _l("ID card number"),
    "guardian_name": _l("Guardian"),
    "guardian_phone": _l("Guardian's phone"),
    "notes": _l("Notes"),
    "kind": _l("Resident or volunteer"),
    "skills": _l("Skills"),
    "volunteer_number": _l("Volunteer number"),
}
SENSITIVE = ("disability_category", "disability_level", "disability_card", "id_number")
KINDS = ("resident", "volunteer")
CONSENT_METHODS = ("paper", "electronic")
TEXT_LIMITS = {"address": 200, "guardian_name": 50, "notes": 2000, "skills": 200,
               "volunteer_number": 64}

# Headers as stations write them, compared after _norm_header (no spaces, marks or brackets).
HEADER_ALIASES = {
    "name": ["姓名", "名字", "姓 名", "服务对象姓名", "残疾人姓名", "居民姓名", "志愿者姓名",
             "name", "fullname"],
    "sex": ["性别", "sex", "gender"],
    "birth_date": ["出生日期", "出生年月", "出生年月日", "生日", "出生", "出生时间", "birthdate",
                   "birthday", "dateofbirth", "dob"],
    "phone": ["联系电话", "手机", "电话", "手机号", "手机号码", "联系方式", "电话号码", "本人电话",
              "联系手机", "本人手机", "phone", "mobile", "tel", "telephone"],
    "address": ["住址", "地址", "家庭住址", "居住地址", "现住址", "现居住地址", "居住地", "联系地址",
                "家庭地址", "户籍地址", "address"],
    "disability_category": ["残疾类别", "残疾类型", "残疾种类", "类别", "残疾类别代码", "残疾分类",
                            "disabilitycategory", "category"],
    "disability_level": ["残疾等级", "等级", "残疾级别", "级别", "残疾程度", "disabilitylevel",
                         "level"],
    "disability_card": ["残疾人证号", "残疾证号", "残疾人证号码", "残疾证号码", "残疾人证", "残疾证",
                        "残疾人证编号", "残疾证编号", "disabilitycard", "disabilitycardnumber",
                        "cardnumber"],
    "id_number": ["身份证号", "身份证号码", "身份证", "公民身份号码", "身份证件号码", "证件号码",
                  "idnumber", "idcard", "idcardnumber"],
    "guardian_name": ["监护人", "监护人姓名", "紧急联系人", "联系人", "guardian", "guardianname"],
    "guardian_phone": ["监护人电话", "监护人联系电话", "监护人手机", "监护人手机号", "联系人电话",
                       "紧急联系人电话", "紧急联系电话", "guardianphone"],
    "notes": ["备注", "说明", "备注说明", "notes", "note", "remarks", "remark"],
    "kind": ["类型", "身份", "人员类型", "人员类别", "人员身份", "kind", "type"],
    "skills": ["技能", "特长", "技能特长", "专长", "服务技能", "擅长", "skills", "skill"],
    "volunteer_number": ["志愿者编号", "志愿者号", "志愿者证号", "志愿者注册号", "注册编号",
                         "volunteernumber", "volunteerid"],
}
_ALIAS_INDEX = {}


def _norm_header(text):
    return re.sub(r"[\s\*＊:：()（）\[\]【】#＃.。、_\-]", "", str(text or "")).lower()


for _field, _aliases in HEADER_ALIASES.items():
    for _alias in _aliases:
        _ALIAS_INDEX.setdefault(_norm_header(_alias), _field)

# When no alias matches exactly: (words that must all appear, field), first match wins.
_HEADER_HINTS = [
    (("监护人", "电话"), "guardian_phone"), (("监护人", "手机"), "guardian_phone"),
    (("联系人", "电话"), "guardian_phone"), (("监护人",), "guardian_name"),
    (("残疾", "证"), "disability_card"), (("身份证",), "id_number"),
    (("残疾", "类"), "disability_category"), (("残疾", "级"), "disability_level"),
    (("出生",), "birth_date"), (("电话",), "phone"), (("手机",), "phone"),
    (("住址",), "address"), (("地址",), "address"), (("姓名",), "name"),
    (("备注",), "notes"), (("志愿者", "编号"), "volunteer_number"), (("特长",), "skills"),
    (("技能",), "skills"),
]


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
        text = "\x1f".join(_norm_header(h) for h in self.header)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def column_label(self, index):
        """The column's header, or its spreadsheet letter when the header is empty."""
        text = _cell_text(self.header[index]) if index < len(self.header) else ""
        if text:
            return text
        from openpyxl.utils import get_column_letter
        return _("Column %(letter)s", letter=get_column_letter(index + 1))


# --- reading the file ---------------------------------------------------------------------

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
        rows, sheet, sheets, count = table_files.xlsx_rows(data, sheet, keep, _cell_text)
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
    while width and not _cell_text(header[width - 1] if width - 1 < len(header) else None) \
            and not any(width - 1 < len(c) and _cell_text(c[width - 1])
                        for _line, c in rows[header_at + 1:]):
        width -= 1
    header = [_cell_text(h) for h in list(header) + [None] * (width - len(header))][:width]
    body = []
    for line, cells in rows[header_at + 1:]:
        cells = (list(cells) + [None] * width)[:width]
        if any(_cell_text(c) for c in cells):
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
        score = sum(1 for field in recognise([_cell_text(c) for c in cells]) if field)
        if score > best_score:
            best, best_score = index, score
    if best_score == 0:  # no known header: the first row with two filled cells
        for index, (_line, cells) in enumerate(rows[:HEADER_SCAN_ROWS]):
            if sum(1 for c in cells if _cell_text(c)) >= 2:
                return index
    return best


# --- the column mapping -------------------------------------------------------------------

def recognise_header(text):
    """The field a header names, or None."""
    key = _norm_header(text)
    if not key:
        return None
    if key in _ALIAS_INDEX:
        return _ALIAS_INDEX[key]
    for words, field in _HEADER_HINTS:
        if all(w in key for w in words):
            return field
    return None


def recognise(header):
    """One field (or None) per column; a field named by two columns goes to the first."""
    taken, fields = set(), []
    for text in header:
        field = recognise_header(text)
        if field in taken:
            field = None
        if field:
            taken.add(field)
        fields.append(field)
    return fields


def _mapping_keys(header):
    seen, keys = {}, []
    for text in header:
        text = _cell_text(text)
        seen[text] = seen.get(text, 0) + 1
        keys.append(text if seen[text] == 1 else "%s#%d" % (text, seen[text]))
    return keys


def remembered_mapping(station, table):
    """The mapping saved by the last import of a file with the same header row, or None."""
    saved = ImportMapping.get_or_none((ImportMapping.station == station)
                                      & (ImportMapping.header_signature == table.signature))
    if saved is None:
        return None
    try:
        stored = json.loads(saved.mapping)
    except ValueError:
        return None
    return [stored.get(key) if stored.get(key) in FIELDS else None
            for key in _mapping_keys(table.header)]


def mapping_for(station, table):
    """(mapping, remembered?): the remembered mapping, else the recognised headers."""
    remembered = remembered_mapping(station, table)
    if remembered is not None:
        return remembered, True
    return recognise(table.header), False


def save_mapping(station, table, mapping):
    """Remember the mapping for the next file with this header row (call inside a transaction)."""
    stored = json.dumps(dict(zip(_mapping_keys(table.header), mapping)), ensure_ascii=False)
    saved = ImportMapping.get_or_none((ImportMapping.station == station)
                                      & (ImportMapping.header_signature == table.signature))
    if saved is None:
        ImportMapping.create(station=station, header_signature=table.signature, mapping=stored)
    elif saved.mapping != stored:
        saved.mapping, saved.updated_at = stored, utcnow()
        saved.save()


def mapping_problems(mapping):
    """What is wrong with a mapping, in words (empty when it can be used)."""
    problems = []
    if "name" not in mapping:
        problems.append(_("No column is mapped to Name: every person needs a name."))
    for field in FIELDS:
        if mapping.count(field) > 1:
            problems.append(_("Two columns are mapped to \"%(field)s\"; choose one.",
                              field=FIELDS[field]))
    return problems


# --- reading cells ------------------------------------------------------------------------

class RowProblem(ValueError):
    """A value in a row that cannot be used; the message says why."""


def _cell_text(value):
    """A cell as trimmed text (whole numbers without '.0'; dates as YYYY-MM-DD)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0):
            return value.date().isoformat()
        return value.isoformat(" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = str(value).replace("\u3000", " ").replace("\u00a0", " ").strip()
    match = re.match(r'^="(.*)"$', text)  # ="0123" keeps leading zeros in CSV for Excel
    if match:
        text = match.group(1).strip()
    if text.startswith("'"):
        text = text[1:].strip()
    return text


_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "壹": 1, "贰": 2,
              "叁": 3, "肆": 4, "伍": 5, "陆": 6, "柒": 7, "两": 2, "Ⅰ": 1, "Ⅱ": 2, "Ⅲ": 3, "Ⅳ": 4}
_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4}
_CATEGORY_WORDS = {
    1: ("视力", "视残", "视觉", "盲", "vision", "visual", "视"),
    2: ("听力", "听残", "聋", "hearing", "听"),
    3: ("言语", "语言", "言残", "哑", "speech", "言"),
    4: ("肢体", "肢残", "physical", "肢"),
    5: ("智力", "智残", "intellectual", "智"),
    6: ("精神", "精残", "psychiatric", "mental", "精"),
    7: ("多重", "综合", "multiple", "多"),
}


def _small_number(text):
    """'4', '4.0', '四', 'Ⅳ', 'IV' -> 4; None when the text is none of these."""
    if re.fullmatch(r"\d+(\.0+)?", text):
        return int(float(text))
    if len(text) == 1 and text in _CN_DIGITS:
        return _CN_DIGITS[text]
    if text.upper() in _ROMAN:
        return _ROMAN[text.upper()]
    return None


def parse_category(value):
    """A disability category 1-7 from '肢体', '肢体残疾', '4', '四类', '第4类', 'physical'."""
    raw = _cell_text(value)
    if not raw:
        return None
    text = re.sub(r"[\s()（）]|残疾人?|类别|类|第|code", "", raw.lower())
    number = _small_number(text)
    found = {c for c, words in _CATEGORY_WORDS.items()
             if any(len(w) > 1 and w in text for w in words)}
    if not found and number is None:
        found = {c for c, words in _CATEGORY_WORDS.items() if text in words}
    if number is None:
        digits = re.findall(r"\d+", text)
        number = int(digits[0]) if len(digits) == 1 and found else None
    if number is not None:
        found.add(number)
    if 7 in found and any(w in text for w in _CATEGORY_WORDS[7][:2]):
        return 7  # 多重残疾 (视力、肢体) names the parts of a multiple disability
    if len(found) == 1:
        category = found.pop()
        if category in range(1, 8):
            return category
    raise RowProblem(_("The disability category \"%(value)s\" is not one of 视力, 听力, 言语, "
                       "肢体, 智力, 精神, 多重 (or 1 to 7).", value=raw[:20]))


def parse_level(value):
    """A disability level 1-4 from '三级', '3', '3级', 'III', 'Ⅲ', '叁级'."""
    raw = _cell_text(value)
    if not raw:
        return None
    text = re.sub(r"\s|残疾|级别|级|等|第|level", "", raw, flags=re.IGNORECASE)
    level = _small_number(text)
    if level in (1, 2, 3, 4):
        return level
    raise RowProblem(_("The disability level \"%(value)s\" is not 一级 to 四级 (1 to 4).",
                       value=raw[:20]))


def _excel_serial(number):
    from openpyxl.utils.datetime import from_excel
    if not 1 <= number < 2958466:
        raise ValueError(number)
    return from_excel(number).date()


def parse_date(value, today=None):
    """A date from a date cell, an Excel serial number, or text in any common form."""
    today = today or utcnow().date()
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    raw = _cell_text(value)
    try:
        if isinstance(value, datetime.datetime):
            day = value.date()
        elif isinstance(value, datetime.date):
            day = value
        elif isinstance(value, (int, float)) and not isinstance(value, bool) \
                and not re.fullmatch(r"\d{8}", raw):
            day = _excel_serial(float(value))
        else:
            day = _parse_date_text(raw)
    except (ValueError, OverflowError):
        raise RowProblem(_("The date \"%(value)s\" is not a date; write it like 1956-03-12.",
                           value=raw[:20]))
    if not datetime.date(1900, 1, 1) <= day <= today:
        raise RowProblem(_("The date \"%(value)s\" is not a possible birth date.",
                           value=raw[:20]))
    return day


def _parse_date_text(text):
    text = text.replace(" ", "") if re.search(r"[年月日]", text) else text
    match = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
                         r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?", text)
    if match:
        return datetime.date(*map(int, match.groups()))
    match = re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text)
    if match:
        return datetime.date(*map(int, match.groups()))
    match = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", text)
    if match:  # day and month in either order: only when the reading is not ambiguous
        a, b, year = map(int, match.groups())
        if a == b or a > 12 or b > 12:
            return datetime.date(year, b, a) if a > 12 else datetime.date(year, a, b)
        raise ValueError(text)
    match = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?", text)
    if match:  # 出生年月 without a day
        return datetime.date(int(match.group(1)), int(match.group(2)), 1)
    if re.fullmatch(r"\d{5}(\.\d+)?", text):  # an Excel serial number written as text
        return _excel_serial(float(text))
    raise ValueError(text)


def parse_sex(value):
    """'男' or '女' from 男/女, 男性/女性, M/F, male/female, 1/2."""
    raw = _cell_text(value)
    if not raw:
        return ""
    text = raw.lower()
    if text in ("男", "男性", "m", "male", "1"):
        return "男"
    if text in ("女", "女性", "f", "female", "2"):
        return "女"
    raise RowProblem(_("The sex \"%(value)s\" is not 男 or 女.", value=raw[:10]))


def parse_phone(value):
    """One or more phone numbers, digits only (a leading + kept), joined by ' / '."""
    raw = _cell_text(value)
    if not raw:
        return ""
    numbers = []
    for part in re.split(r"[/、,，;；]|\s{2,}|\s+或\s*", raw):
        part = part.strip()
        if not part:
            continue
        digits = re.sub(r"[\s\-()（）]", "", part)
        if not re.fullmatch(r"\+?\d{5,15}", digits):
            raise RowProblem(_("The phone number \"%(value)s\" is not a phone number.",
                               value=raw[:32]))
        numbers.append(digits)
    joined = " / ".join(numbers)
    if len(joined) > 32:
        raise RowProblem(_("Too many phone numbers in one cell: \"%(value)s\".", value=raw[:40]))
    return joined


def _phones(text):
    return {re.sub(r"^\+?86(?=1\d{10}$)", "", p) for p in (text or "").split(" / ") if p}


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _not_rounded(value):
    # Excel keeps 15 significant digits: a long number typed into a number cell lost its end.
    if isinstance(value, float) and abs(value) >= 1e15:
        raise RowProblem(_("A card or ID number was stored as a number in Excel, which lost "
                           "its last digits. Format the column as text and type it again."))


def parse_id_number(value):
    """An 18-character resident ID number (checksum verified), upper-case X."""
    _not_rounded(value)
    raw = _cell_text(value)
    if not raw:
        return ""
    text = raw.replace(" ", "").upper()
    if not re.fullmatch(r"\d{17}[\dX]", text):
        raise RowProblem(_("The ID card number is not 18 characters (17 digits and a digit or "
                           "X)."))
    total = sum(int(d) * w for d, w in zip(text[:17], _ID_WEIGHTS))
    if "10X98765432"[total % 11] != text[17]:
        raise RowProblem(_("The ID card number has a wrong check digit: a character is "
                           "mistyped."))
    return text


def parse_card(value):
    """A disability card number -> (normalised, category, level), through parse_card_number."""
    _not_rounded(value)
    raw = _cell_text(value)
    if not raw:
        return None
    try:
        return people.parse_card_number(raw)
    except people.InvalidCardNumber:
        raise RowProblem(_("The disability card number is not valid: it has 20 characters, the "
                           "18-character ID number, then the category (1-7) and the level "
                           "(1-4)."))


def parse_kind(value, default):
    """'resident' or 'volunteer' from the type column, else the import's default."""
    raw = _cell_text(value)
    if not raw:
        return default
    text = raw.lower()
    if text in ("居民", "服务对象", "残疾人", "对象", "resident", "残疾居民", "会员"):
        return "resident"
    if text in ("志愿者", "能人", "义工", "volunteer", "志愿者/能人"):
        return "volunteer"
    raise RowProblem(_("The type \"%(value)s\" is neither 服务对象 (resident) nor 志愿者 "
                       "(volunteer).", value=raw[:20]))


def parse_name(value):
    """The person's name, through people.clean_name (the one rule for every name)."""
    text = _cell_text(value)
    if not text.strip():
        raise RowProblem(_("The row has no name."))
    try:
        return people.clean_name(text)
    except people.InvalidName as problem:
        raise RowProblem(str(problem))


def parse_guardian(value):
    """The guardian's name, checked like any name; may be empty."""
    try:
        return people.clean_name(_cell_text(value), required=False)
    except people.InvalidName as problem:
        raise RowProblem("%s: %s" % (FIELDS["guardian_name"], problem))


# --- the plan for each row ----------------------------------------------------------------

@dataclasses.dataclass
class Consented:
    """How consent to hold sensitive data was obtained for the people of an import."""

    method: str
    given_on: datetime.date
    recorded_by: object = None  # StaffUser or None (the command line)
    note: str = ""


def check_consent(method, given_on, today=None):
    """A Consented from form or command-line values; RowProblem with a message when unusable.

    `today` is the station's local day (core.clock.local_date): a consent signed this
    morning in Chongqing is not "in the future" on a server whose clock runs in UTC.
    """
    today = today or utcnow().date()
    if method not in CONSENT_METHODS:
        raise RowProblem(_("Choose how consent was obtained."))
    if isinstance(given_on, str):
        try:
            given_on = datetime.date.fromisoformat(given_on.strip())
        except ValueError:
            raise RowProblem(_("The consent date must look like 2026-12-03."))
    if given_on is None:
        raise RowProblem(_("Give the date the consent forms were signed."))
    if given_on > today:
        raise RowProblem(_("The consent date is in the future."))
    return Consented(method=method, given_on=given_on)


ACTIONS = ("new", "update", "skip", "error")


@dataclasses.dataclass
class RowPlan:
    """What importing one row would do."""

    line: int
    cells: list
    name: str = ""
    kind: str = "resident"
    values: dict = dataclasses.field(default_factory=dict)
    sensitive: dict = dataclasses.field(default_factory=dict)
    problems: list = dataclasses.field(default_factory=list)
    notes: list = dataclasses.field(default_factory=list)
    action: str = "new"
    person_id: int = None
    changes: list = dataclasses.field(default_factory=list)
    needs_consent: bool = False

    @property
    def reason(self):
        """Every problem of the row in one line."""
        return " ".join(self.problems)


@dataclasses.dataclass
class Preview:
    """The plan for every row, with counts and notices for the whole file."""

    plans: list
    mapping: list
    notices: list
    sensitive_dropped: int = 0

    def count(self, action):
        """How many rows would have this action."""
        return sum(1 for p in self.plans if p.action == action)

    @property
    def errors(self):
        """The rows that would be refused."""
        return [p for p in self.plans if p.action == "error"]


_PARSERS = {"sex": parse_sex, "birth_date": parse_date, "phone": parse_phone,
            "guardian_phone": parse_phone, "guardian_name": parse_guardian}


def _read_row(plan, cells, mapping, default_kind, consent):
    """Fill the plan's values from the cells; record each problem in words."""
    by_field = {f: cells[i] for i, f in enumerate(mapping) if f and i < len(cells)}
    try:
        plan.name = parse_name(by_field.get("name"))
    except RowProblem as problem:
        plan.problems.append(str(problem))
    try:
        plan.kind = parse_kind(by_field.get("kind"), default_kind)
    except RowProblem as problem:
        plan.problems.append(str(problem))
    for field in ("sex", "birth_date", "phone", "address", "guardian_name", "guardian_phone",
                  "notes", "skills", "volunteer_number"):
        if field not in by_field:
            continue
        try:
            if field in _PARSERS:
                value = _PARSERS[field](by_field[field])
            else:
                value = _cell_text(by_field[field])
                if len(value) > TEXT_LIMITS[field]:
                    raise RowProblem(_("\"%(field)s\" is longer than %(max)d characters.",
                                       field=FIELDS[field], max=TEXT_LIMITS[field]))
            if value not in ("", None):
                plan.values[field] = value
        except RowProblem as problem:
            plan.problems.append(str(problem))
    offered = [f for f in SENSITIVE if _cell_text(by_field.get(f))]
    if not offered:
        return
    if consent is None:
        # Dropped: neither stored nor checked, but a valid card number still finds the person.
        try:
            card = parse_card(by_field.get("disability_card"))
            plan.sensitive["match_card"] = card[0] if card else None
        except RowProblem:
            pass
        plan.notes.append(_("Disability and ID columns not stored: no consent record."))
        return
    sensitive = {}
    for field, parser in (("disability_card", parse_card), ("disability_category", parse_category),
                          ("disability_level", parse_level), ("id_number", parse_id_number)):
        try:
            value = parser(by_field.get(field))
            if value not in ("", None):
                sensitive[field] = value
        except RowProblem as problem:
            plan.problems.append(str(problem))
    card = sensitive.get("disability_card")
    if card:
        number, category, level = card
        if sensitive.get("disability_category", category) != category:
            plan.problems.append(_("The disability category does not match the card number "
                                   "(its 19th character is %(digit)d).", digit=category))
        if sensitive.get("disability_level", level) != level:
            plan.problems.append(_("The disability level does not match the card number "
                                   "(its 20th character is %(digit)d).", digit=level))
        if sensitive.get("id_number", number[:18]) != number[:18]:
            plan.problems.append(_("The ID card number differs from the first 18 characters of "
                                   "the disability card number."))
        sensitive["disability_card"] = number
        sensitive["disability_card_raw"] = _cell_text(by_field.get("disability_card"))
        sensitive["disability_category"], sensitive["disability_level"] = category, level
        sensitive["match_card"] = number
    plan.sensitive = sensitive


_STORED_SENSITIVE = ("disability_card", "disability_category", "disability_level", "id_number")


def _changes(person, plan, consent):
    changes = [f for f, v in plan.values.items() if getattr(person, f) != v
               and not (f == "phone" and _phones(v) <= _phones(person.phone))]
    if consent is not None:
        changes += [f for f in _STORED_SENSITIVE
                    if f in plan.sensitive and getattr(person, f) != plan.sensitive[f]]
    return changes


class _Index:
    """Who is who: people by card number, by name and phone, by name and birth date."""

    def __init__(self):
        self.card, self.phone, self.birth = {}, {}, {}

    def add(self, key, card, name, phones, birth):
        if card:
            self.card.setdefault(card, key)
        for phone in phones:
            self.phone.setdefault((name, phone), key)
        if birth:
            self.birth.setdefault((name, birth), key)

    def find(self, card, name, phones, birth):
        if card and card in self.card:
            return self.card[card]
        for phone in sorted(phones):
            if (name, phone) in self.phone:
                return self.phone[(name, phone)]
        if birth and (name, birth) in self.birth:
            return self.birth[(name, birth)]
        return None


def preview(station, table, mapping, *, default_kind="resident", consent=None):
    """What importing the table would do, row by row; reads the database, writes nothing."""
    if default_kind not in KINDS:
        raise ValueError(default_kind)
    problems = mapping_problems(mapping)
    if problems:
        raise ImportFileError(" ".join(problems))
    known = _Index()
    existing = {}
    for person in (Person.select().where((Person.station == station)
                                         & Person.erased_at.is_null() & Person.name.is_null(False))):
        existing[person.id] = person
        known.add(person.id, person.disability_card, person.name, _phones(person.phone),
                  person.birth_date)
    in_file = _Index()
    plans, dropped = [], 0
    for line, cells in table.rows:
        plan = RowPlan(line=line, cells=cells)
        _read_row(plan, cells, mapping, default_kind, consent)
        plans.append(plan)
        if plan.problems:
            plan.action = "error"
            continue
        if consent is None and any(_cell_text(cells[i]) for i, f in enumerate(mapping)
                                   if f in SENSITIVE):
            dropped += 1
        card = plan.sensitive.get("match_card")
        phones, birth = _phones(plan.values.get("phone")), plan.values.get("birth_date")
        earlier = in_file.find(card, plan.name, phones, birth)
        if earlier is not None:
            plan.action = "skip"
            plan.notes.append(_("Same person as row %(line)d: this row is skipped.", line=earlier))
            continue
        in_file.add(line, card, plan.name, phones, birth)
        person_id = known.find(card, plan.name, phones, birth)
        if person_id is None:
            plan.action = "new"
            plan.needs_consent = consent is not None and any(
                f in plan.sensitive for f in _STORED_SENSITIVE)
            continue
        person = existing[person_id]
        plan.person_id = person_id
        plan.changes = _changes(person, plan, consent)
        if person.kind != plan.kind:
            plan.notes.append(_("Already registered as %(kind)s; that is not changed.",
                                kind=KIND_LABELS[person.kind]))
        if plan.changes:
            plan.action = "update"
            plan.needs_consent = (consent is not None
                                  and any(f in _STORED_SENSITIVE for f in plan.changes)
                                  and not people.has_consent(person))
            plan.notes.append(_("Changes: %(fields)s.",
                                fields=", ".join(str(FIELDS[f]) for f in plan.changes)))
        else:
            plan.action = "skip"
            plan.notes.append(_("Already registered with the same details."))
    notices = []
    if dropped:
        notices.append(_("%(count)d rows have disability or ID information. Without a consent "
                         "record these columns will not be stored; the other columns will.",
                         count=dropped))
    return Preview(plans=plans, mapping=mapping, notices=notices, sensitive_dropped=dropped)


KIND_LABELS = {"resident": _l("a resident"), "volunteer": _l("a volunteer"),
               "staff": _l("staff")}


# --- writing ------------------------------------------------------------------------------

@dataclasses.dataclass
class ImportResult:
    """What an import wrote: the people created, updated and left as they were."""

    created: list
    updated: list
    unchanged: list
    skipped: int
    errors: list
    consents: int
    preview: Preview

    @property
    def imported(self):
        """Everyone the file names that is now in the database (new, updated or unchanged)."""
        return self.created + self.updated + self.unchanged


def _record_consent(person, consent, plan, actor, actor_label):
    birth = plan.values.get("birth_date") or person.birth_date
    minor = birth is not None and _age(birth, consent.given_on) < 14
    record = Consent.create(
        person=person, scope="sensitive", method=consent.method,
        given_by="guardian" if minor else "self",
        guardian_name=(plan.values.get("guardian_name") or person.guardian_name) if minor else "",
        given_on=consent.given_on, recorded_by=consent.recorded_by,
        note=consent.note or "roster import")
    audit("consent.record", actor=actor, actor_label=actor_label, station=person.station_id,
          obj=record, after={"person": person.id, "method": consent.method,
                             "given_on": consent.given_on, "given_by": record.given_by})


def _age(birth, on):
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _set_sensitive(person, plan):
    values = plan.sensitive
    people.set_sensitive(
        person, card=values.get("disability_card_raw") or None,
        category=values.get("disability_category"), level=values.get("disability_level"),
        id_type="居民身份证" if values.get("id_number") else None,
        id_number=values.get("id_number") or None)


def apply(station, table, mapping, *, default_kind="resident", consent=None, actor=None,
          actor_label="", remember=True):
    """Write every valid row in one transaction, with an audit row; returns an ImportResult."""
    created, updated, unchanged, consents = [], [], [], 0
    with db.atomic():
        result_preview = preview(station, table, mapping, default_kind=default_kind,
                                 consent=consent)
        for plan in result_preview.plans:
            if plan.action == "new":
                person, _badge = people.add_person(station, plan.name, plan.kind,
                                                   actor=actor, actor_label=actor_label,
                                                   **plan.values)
                if plan.needs_consent:
                    _record_consent(person, consent, plan, actor, actor_label)
                    consents += 1
                    _set_sensitive(person, plan)
                    person.save()
                created.append(person.id)
            elif plan.action == "update":
                person = Person.get_by_id(plan.person_id)
                before = {f: getattr(person, f) for f in plan.changes if f not in SENSITIVE}
                for field in plan.changes:
                    if field in plan.values:
                        setattr(person, field, plan.values[field])
                if any(f in SENSITIVE for f in plan.changes):
                    if plan.needs_consent:
                        _record_consent(person, consent, plan, actor, actor_label)
                        consents += 1
                    _set_sensitive(person, plan)
                person.save()
                audit("person.update", actor=actor, actor_label=actor_label, station=station,
                      obj=person, before=before,
                      after={f: (plan.values[f] if f in plan.values else "(sensitive)")
                             for f in plan.changes},
                      detail="roster import")
                updated.append(person.id)
            elif plan.action == "skip" and plan.person_id is not None:
                unchanged.append(plan.person_id)
        if remember:
            save_mapping(station, table, mapping)
        skipped = result_preview.count("skip")
        audit("import.people", actor=actor, actor_label=actor_label, station=station,
              after={"created": len(created), "updated": len(updated), "skipped": skipped,
                     "errors": result_preview.count("error"), "consents": consents},
              detail="%s%s" % (table.filename[:100],
                               " consent:%s %s" % (consent.method, consent.given_on)
                               if consent else " no consent: sensitive columns dropped"))
    return ImportResult(created=created, updated=updated, unchanged=list(dict.fromkeys(unchanged)),
                        skipped=skipped, errors=result_preview.errors, consents=consents,
                        preview=result_preview)


def error_report(table, plans):
    """The refused rows as XLSX: the original header and cells, then a reason column."""
    import openpyxl
    from openpyxl.utils import get_column_letter
    from core.exports import write_rows  # every cell written as data, never as a formula
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
        return _cell_text(value)
    return value


# --- the command line ---------------------------------------------------------------------

def _parse_maps(pairs, table, mapping):
    mapping = list(mapping)
    for pair in pairs:
        header, sep, field = pair.rpartition("=")
        if not sep or (field and field not in FIELDS and field != "-"):
            raise click.ClickException(_("--map takes HEADER=FIELD; the fields are: %(fields)s",
                                         fields=", ".join(FIELDS)))
        matches = [i for i, h in enumerate(table.header) if _cell_text(h) == header.strip()]
        if not matches:
            raise click.ClickException(_("The file has no column named \"%(header)s\".",
                                         header=header))
        for i in matches:
            mapping[i] = None if field in ("", "-") else field
    return mapping


@click.command("import-people")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Show what would happen; write nothing.")
@click.option("--kind", type=click.Choice(KINDS), default="resident",
              help="For rows without a type column.")
@click.option("--consent-method", type=click.Choice(CONSENT_METHODS), default=None,
              help="How consent to hold disability and ID data was obtained (forms on file).")
@click.option("--consent-date", default=None, help="When the consent forms were signed.")
@click.option("--sheet", default=None, help="Worksheet name (default: the first).")
@click.option("--map", "maps", multiple=True, metavar="HEADER=FIELD",
              help="Map a column by hand (FIELD '-' ignores it); remembered for next time.")
@click.option("--errors-out", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write the refused rows with their reasons to this XLSX file.")
@click.option("--station", "station_code", default=None)
@with_appcontext
def import_people_command(file, dry_run, kind, consent_method, consent_date, sheet, maps,
                          errors_out, station_code):
    """Import a roster of residents or volunteers from XLSX or CSV (UTF-8 or GBK)."""
    from core.cli import _station  # not at the top: core.cli imports this module
    with db.connection_context():
        _import_people(file, dry_run, kind, consent_method, consent_date, sheet, maps,
                       errors_out, _station(station_code))


def _import_people(file, dry_run, kind, consent_method, consent_date, sheet, maps, errors_out,
                   station):
    consent = None
    if consent_method or consent_date:
        try:
            consent = check_consent(consent_method, consent_date, today=local_date(station))
        except RowProblem as problem:
            raise click.ClickException(str(problem))
        consent.note = "roster import (command line)"
    with open(file, "rb") as fh:
        data = fh.read(table_files.MAX_FILE_BYTES + 1)  # a larger file is refused unread
    try:
        table = read_table(data, file, sheet)
        mapping, remembered = mapping_for(station, table)
        mapping = _parse_maps(maps, table, mapping)
        if dry_run:
            result = preview(station, table, mapping, default_kind=kind, consent=consent)
        else:
            result = apply(station, table, mapping, default_kind=kind, consent=consent,
                           actor_label="cli").preview
    except ImportFileError as error:
        raise click.ClickException(str(error))
    for index, field in enumerate(mapping):
        click.echo("  %s -> %s" % (table.column_label(index),
                                   FIELDS[field] if field else _("(not imported)")))
    for plan in result.plans:
        if plan.action == "error":
            click.echo(_("Row %(line)d: %(reason)s", line=plan.line, reason=plan.reason))
    for notice in result.notices:
        click.echo(notice)
    counts = dict(new=result.count("new"), updated=result.count("update"),
                  skipped=result.count("skip"), errors=result.count("error"))
    if dry_run:
        click.echo(_("Dry run, nothing written: %(new)d would be new, %(updated)d updated, "
                     "%(skipped)d skipped, %(errors)d refused.", **counts))
    else:
        click.echo(_("Imported: %(new)d new, %(updated)d updated, %(skipped)d skipped, "
                     "%(errors)d refused.", **counts))
    if errors_out and result.errors:
        with open(errors_out, "wb") as fh:
            fh.write(error_report(table, result.plans))
        click.echo(_("The refused rows and their reasons are in %(file)s.", file=errors_out))


COMMANDS = [import_people_command]
