"""Reading the cells of a roster: each value as the station wrote it, checked and made uniform.

Every parser takes a cell as read from the file and returns the stored value, or raises
RowProblem with the reason in the reader's language.
"""
import datetime
import re

from openpyxl.utils.datetime import from_excel

from core import people
from core.i18n import _
from core.roster_fields import FIELDS
from models import utcnow


class RowProblem(ValueError):
    """A value in a row that cannot be used; the message says why."""


def cell_text(value):
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
    raw = cell_text(value)
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
    raw = cell_text(value)
    if not raw:
        return None
    text = re.sub(r"\s|残疾|级别|级|等|第|level", "", raw, flags=re.IGNORECASE)
    level = _small_number(text)
    if level in (1, 2, 3, 4):
        return level
    raise RowProblem(_("The disability level \"%(value)s\" is not 一级 to 四级 (1 to 4).",
                       value=raw[:20]))


def _excel_serial(number):
    if not 1 <= number < 2958466:
        raise ValueError(number)
    return from_excel(number).date()


def parse_date(value, today=None):
    """A date from a date cell, an Excel serial number, or text in any common form."""
    today = today or utcnow().date()
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    raw = cell_text(value)
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
    raw = cell_text(value)
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
    raw = cell_text(value)
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


def phones(text):
    """The numbers of a phone cell as a set, a mainland mobile without its +86."""
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
    raw = cell_text(value)
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
    raw = cell_text(value)
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
    raw = cell_text(value)
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
    text = cell_text(value)
    if not text.strip():
        raise RowProblem(_("The row has no name."))
    try:
        return people.clean_name(text)
    except people.InvalidName as problem:
        raise RowProblem(str(problem))


def parse_guardian(value):
    """The guardian's name, checked like any name; may be empty."""
    try:
        return people.clean_name(cell_text(value), required=False)
    except people.InvalidName as problem:
        raise RowProblem("%s: %s" % (FIELDS["guardian_name"], problem))
