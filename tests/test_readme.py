"""The README documents every setting and every command."""
import os

from core.cli import COMMANDS
from core.settings import SETTINGS

README = open(os.path.join(os.path.dirname(__file__), "..", "README.md"), encoding="utf-8").read()


def test_readme_starts_with_run_and_test():
    """Are `make run` and `make test` the first commands a reader meets?"""
    first_commands = [line.strip() for line in README.splitlines() if line.startswith("    ")][:2]
    assert first_commands == ["make run", "make test"]


def test_every_setting_documented():
    """Is every configuration key in the README's table?"""
    missing = [s.name for s in SETTINGS if "| `%s` |" % s.name not in README]
    assert not missing


def test_every_command_documented():
    """Is every CLI command in the README?"""
    missing = [c.name for c in COMMANDS if "`%s" % c.name not in README]
    assert not missing
