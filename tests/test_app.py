"""The factory, the configuration and the secret keys."""
import os

from app import create_app
from core.database import is_sqlite
from tests.helpers import connected


def test_defaults_then_instance_config_then_environment(tmp_path, monkeypatch):
    """Does instance/config.py override a default, and an environment variable override both?"""
    instance = tmp_path / "inst"
    instance.mkdir()
    (instance / "config.py").write_text('STATION_TIMEZONE = "Asia/Urumqi"\nPORT = 9001\n')
    app = create_app(instance_path=str(instance))
    assert app.config["STATION_TIMEZONE"] == "Asia/Urumqi"
    assert app.config["PORT"] == 9001
    assert app.config["KIOSK_REPEAT_SECONDS"] == 5  # a default
    monkeypatch.setenv("PORT", "9100")
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "true")
    app = create_app(instance_path=str(instance))
    assert app.config["PORT"] == 9100
    assert app.config["SESSION_COOKIE_SECURE"] is True
    app = create_app({"PORT": 1234}, instance_path=str(instance))
    assert app.config["PORT"] == 1234


def test_secret_key_generated_once_into_instance_folder(tmp_path):
    """Is the secret key random, kept in the instance folder, private, and stable across starts?"""
    first = create_app(instance_path=str(tmp_path / "a"))
    again = create_app(instance_path=str(tmp_path / "a"))
    other = create_app(instance_path=str(tmp_path / "b"))
    assert len(first.config["SECRET_KEY"]) == 64
    assert first.config["SECRET_KEY"] == again.config["SECRET_KEY"]
    assert first.config["SECRET_KEY"] != other.config["SECRET_KEY"]
    assert first.config["BADGE_KEY"] != first.config["SECRET_KEY"]
    path = tmp_path / "a" / "secret_key"
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"


def test_sqlite_pragmas_on_every_connection(app):
    """Does every SQLite connection run in WAL mode with foreign keys and a busy timeout?"""
    if not is_sqlite():
        return
    database = app.extensions["database"]
    with database.connection_context():
        assert database.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert database.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
        assert database.execute_sql("PRAGMA busy_timeout").fetchone()[0] == 10000


def test_landing_page_links_both_faces(client):
    """Does the start page point at the kiosk and the admin view, in Chinese by default?"""
    html = client.get("/").get_data(as_text=True)
    assert "/kiosk/" in html and "/admin/" in html
    assert "工作人员管理后台" in html
    assert 'lang="zh-CN"' in html


def test_english_on_request(client):
    """Can a person switch the interface to English?"""
    html = client.get("/?lang=en").get_data(as_text=True)
    assert "Admin view for staff" in html
    assert 'lang="en"' in client.get("/").get_data(as_text=True)  # remembered in the session


def test_unknown_page_has_a_clear_message(client):
    """Does a missing page say so in Chinese with status 404?"""
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "此页面不存在" in response.get_data(as_text=True)


def test_default_station_follows_the_configuration(app, runner):
    """Do the configured name, time zone and closing time reach the station at init-db?"""
    import datetime

    from models import AuditLog, Station
    app.config.update(STATION_NAME="和居二号驿站", CLOSING_TIME="18:30",
                      STATION_TIMEZONE="Asia/Urumqi")
    assert runner.invoke(args=["init-db"]).exit_code == 0
    with connected(app):
        station = Station.get(Station.code == app.config["STATION_CODE"])
        assert station.name == "和居二号驿站" and station.timezone == "Asia/Urumqi"
        assert station.closing_time == datetime.time(18, 30)
        assert AuditLog.select().where(AuditLog.action == "station.configure").count() == 1
    app.config["CLOSING_TIME"] = "half past six"
    result = runner.invoke(args=["init-db"])
    assert result.exit_code != 0 and "21:00" in result.output
