"""The station's one clock: nothing else reads the system clock, and tests run at a fixed moment."""
import datetime
import os
import re

from core import clock
from tests.helpers import TEST_NOW

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SYSTEM_CLOCK = re.compile(r"date\.today\(\)|datetime\.now\(|datetime\.utcnow\(|"
                          r"\btime\.time\(\)|time\.localtime\(|time\.gmtime\(")
# Ages of files are compared with the file system's own clock, which is the system clock.
FILE_AGES = {os.path.join("station_admin", "imports.py"), os.path.join("tests", "test_import.py")}


def python_files():
    for top in ("app.py", "models.py", "core", "kiosk", "station_admin", "deploy", "tests"):
        path = os.path.join(ROOT, top)
        if path.endswith(".py"):
            yield os.path.relpath(path, ROOT)
            continue
        for folder, _dirs, files in os.walk(path):
            for name in files:
                if name.endswith(".py"):
                    yield os.path.relpath(os.path.join(folder, name), ROOT)


def test_only_the_clock_module_reads_the_system_clock():
    """Does every part of the server and of the suite ask core.clock for the time?"""
    readers = []
    for relative in python_files():
        if relative in FILE_AGES or relative == os.path.join("core", "clock.py") \
                or relative == os.path.join("tests", "test_clock.py"):
            continue
        with open(os.path.join(ROOT, relative), encoding="utf-8") as fh:
            for number, line in enumerate(fh, 1):
                if SYSTEM_CLOCK.search(line):
                    readers.append("%s:%d: %s" % (relative, number, line.strip()))
    assert readers == []


def test_the_suite_runs_at_its_fixed_moment():
    """Is the suite's "now" TEST_NOW (ticking on), whatever day it is run?"""
    assert datetime.timedelta(0) <= clock.utcnow() - TEST_NOW < datetime.timedelta(hours=2)


def test_running_from_moves_the_clock_and_puts_it_back():
    """Does a test that needs another moment get it, and the rest of the suite keep its own?"""
    before = clock.utcnow()
    with clock.running_from(datetime.datetime(2027, 2, 28, 15, 59, 30)):
        assert clock.utcnow().date() == datetime.date(2027, 2, 28)
        station = type("Station", (), {"timezone": "Asia/Shanghai"})()
        assert clock.local_date(station) == datetime.date(2027, 2, 28)  # 23:59:30 local
    assert clock.utcnow() - before < datetime.timedelta(minutes=5)
