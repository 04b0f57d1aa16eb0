"""The station's one clock: the current time, and times as the station's local days.

Every part of the server asks this module for "now" (``utcnow``) and for the station's
day (``local_date``); nothing else reads the system clock. Times are stored as naive UTC;
a station's day is its own local calendar day (Asia/Shanghai unless configured).

Tests set the clock to a chosen moment with ``set_now`` (it then ticks on from there),
so that what they assert never depends on the day they run.
"""
import contextlib
import datetime
from zoneinfo import ZoneInfo

DEFAULT_ZONE = "Asia/Shanghai"

_offset = datetime.timedelta(0)


def _system_utcnow():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def utcnow():
    """The current time in UTC, naive, as every timestamp is stored."""
    return _system_utcnow() + _offset


def set_now(moment):
    """From now on, the clock reads `moment` (naive UTC) and ticks on from it (tests)."""
    global _offset
    _offset = moment - _system_utcnow()


@contextlib.contextmanager
def running_from(moment):
    """Inside the block the clock reads `moment` (naive UTC) and ticks on (tests)."""
    global _offset
    saved = _offset
    set_now(moment)
    try:
        yield
    finally:
        _offset = saved


def zone(name):
    """A time zone by name (the default zone when none is given)."""
    return ZoneInfo(name or DEFAULT_ZONE)


def station_zone(station):
    """The station's time zone."""
    return zone(station.timezone)


def local_date(station, at_utc=None):
    """The station's local calendar day of a UTC time (now by default)."""
    at_utc = at_utc or utcnow()
    aware = at_utc.replace(tzinfo=datetime.timezone.utc)
    return aware.astimezone(station_zone(station)).date()


def to_local(station, at_utc):
    """A stored UTC time as the station's local (aware) time."""
    if at_utc is None:
        return None
    return at_utc.replace(tzinfo=datetime.timezone.utc).astimezone(station_zone(station))


def local_to_utc(station, day, time):
    """A local day and time at the station as a naive UTC datetime."""
    aware = datetime.datetime.combine(day, time, tzinfo=station_zone(station))
    return aware.astimezone(datetime.timezone.utc).replace(tzinfo=None)
