"""Configuration is read once, typed once: the rest of the server reads typed values."""
import datetime

import pytest

from app import create_app
from core.settings import SettingError


def test_every_source_is_typed_at_load(tmp_path, monkeypatch):
    """Do config.py text, environment text and defaults all arrive as the setting's type?"""
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text('KIOSK_IDLE_SECONDS = "40"\nCLOSING_TIME = "18:30"\n'
                                        'DEMO_DATA = "no"\n')
    monkeypatch.setenv("BACKUP_KEEP_DAILY", "3")
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "yes")
    app = create_app({"TESTING": True}, instance_path=str(instance))
    assert app.config["KIOSK_IDLE_SECONDS"] == 40
    assert app.config["CLOSING_TIME"] == datetime.time(18, 30)
    assert app.config["DEMO_DATA"] is False
    assert app.config["BACKUP_KEEP_DAILY"] == 3
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["PORT"] == 8000 and app.config["MAX_CONTENT_LENGTH"] == 8 * 1024 * 1024


def test_a_value_that_cannot_be_used_is_refused_with_its_name(tmp_path, monkeypatch):
    """Does a bad value stop the start with a message naming the setting and what it expects?"""
    monkeypatch.setenv("KIOSK_IDLE_SECONDS", "half a minute")
    with pytest.raises(SettingError, match="KIOSK_IDLE_SECONDS must be a whole number"):
        create_app({"TESTING": True}, instance_path=str(tmp_path / "a"))
    monkeypatch.delenv("KIOSK_IDLE_SECONDS")
    with pytest.raises(SettingError, match="CLOSING_TIME must look like 21:00"):
        create_app({"TESTING": True, "CLOSING_TIME": "9pm"}, instance_path=str(tmp_path / "b"))
