"""What an id or a date from outside (a URL, a form, a file) may be, parsed in one place.

An id is a positive whole number that fits the database's integer columns (PostgreSQL's
``integer``: at most 2**31 - 1); a larger one cannot name a row, and passing it on makes
SQLite raise OverflowError. A day lies between FIRST_DAY and LAST_DAY: wide enough for any
birth date or record, narrow enough that a day or a time zone either side of it still
exists (9999-12-31 plus a day is an OverflowError).
"""
import datetime
import re

ID_MAX = 2 ** 31 - 1
INT_LIMIT = ID_MAX  # no number in the station's forms is larger
FIRST_DAY = datetime.date(1900, 1, 1)
LAST_DAY = datetime.date(2199, 12, 31)

_DIGITS = re.compile(r"^[0-9]{1,10}$")
_INTEGER = re.compile(r"^[+-]?[0-9]{1,10}$")
_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def parse_id(text):
    """A row id (1 to ID_MAX) from text or a number, or None."""
    if isinstance(text, int) and not isinstance(text, bool):
        return text if 1 <= text <= ID_MAX else None
    text = (text or "").strip() if isinstance(text, str) else ""
    if not _DIGITS.match(text):
        return None
    value = int(text)
    return value if 1 <= value <= ID_MAX else None


def parse_int(text, low=None, high=None):
    """A whole number within bounds (never beyond ±INT_LIMIT), or None."""
    text = (text or "").strip() if isinstance(text, str) else ""
    if not _INTEGER.match(text):
        return None
    value = int(text)
    low = -INT_LIMIT if low is None else max(low, -INT_LIMIT)
    high = INT_LIMIT if high is None else min(high, INT_LIMIT)
    return value if low <= value <= high else None


def day_in_bounds(day):
    """True when a date lies between FIRST_DAY and LAST_DAY."""
    return isinstance(day, datetime.date) and FIRST_DAY <= day <= LAST_DAY


def parse_day(text, default=None):
    """A 'YYYY-MM-DD' day between FIRST_DAY and LAST_DAY, or the default."""
    text = (text or "").strip() if isinstance(text, str) else ""
    if not _DAY.match(text):
        return default
    try:
        day = datetime.date.fromisoformat(text)
    except ValueError:
        return default
    return day if day_in_bounds(day) else default


def year_in_bounds(year):
    """True when every day of the year lies within the bounds."""
    return FIRST_DAY.year <= year <= LAST_DAY.year
