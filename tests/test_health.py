"""/healthz: the database, free disk and the last backup, said in words."""
import collections
import datetime
import json
import shutil

from core import backup
from models import utcnow
from tests.helpers import gen_person

DiskUsage = collections.namedtuple("DiskUsage", "total used free")
MB = 1024 * 1024


def _plenty_of_disk(monkeypatch):
    monkeypatch.setattr(shutil, "disk_usage", lambda path: DiskUsage(64000 * MB, 1000 * MB,
                                                                     63000 * MB))


def test_healthy_after_a_backup(app, client, monkeypatch):
    """With a fresh backup and enough disk, does /healthz answer ok with no problems?"""
    _plenty_of_disk(monkeypatch)
    backup.make_backup(app)
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["ok"] is True and body["problems"] == []
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["free_disk_mb"] == 63000
    assert body["checks"]["last_backup_age_hours"] < 1


def test_no_backup_yet(app, client, monkeypatch):
    """Before any backup, does /healthz say so (in Chinese by default) with HTTP 503?"""
    _plenty_of_disk(monkeypatch)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["problems"] == ["还没有任何备份。请运行备份命令，或检查自动备份定时任务。"]


def test_stale_backup_reported_in_words(app, client, monkeypatch):
    """Is a backup older than BACKUP_MAX_AGE_HOURS reported with its age?"""
    _plenty_of_disk(monkeypatch)
    backup.make_backup(app, now=utcnow() - datetime.timedelta(hours=50))
    response = client.get("/healthz?lang=en")
    assert response.status_code == 503
    body = response.get_json()
    assert body["ok"] is False
    assert body["problems"] == [
        "The last backup is 50 hours old (it should be at most 36). Check that the backup "
        "timer runs and that the backup folder can be written."]
    assert body["checks"]["last_backup_age_hours"] >= 50


def test_full_disk_reported_in_words(app, client, monkeypatch):
    """Is a nearly full disk reported with the space left and the space needed?"""
    backup.make_backup(app)
    monkeypatch.setattr(shutil, "disk_usage", lambda path: DiskUsage(32000 * MB, 31880 * MB,
                                                                     120 * MB))
    response = client.get("/healthz?lang=en")
    assert response.status_code == 503
    assert response.get_json()["problems"] == [
        "Only 120 MB of disk space is left (at least 500 MB are needed). Copy old backups to a "
        "USB stick and delete them from the tablet."]
    response = client.get("/healthz?lang=zh")
    assert "磁盘剩余空间只有 120 MB（至少需要 500 MB）" in response.get_json()["problems"][0]


def test_database_down_reported_in_words(app, client, monkeypatch):
    """When the database does not answer, does /healthz still answer and say so?"""
    _plenty_of_disk(monkeypatch)
    backup.make_backup(app)
    database = app.extensions["database"]

    def refuse(*args, **kwargs):
        raise database.OperationalError("connection refused")  # what a stopped server gives

    monkeypatch.setattr(database, "connect", refuse)
    response = client.get("/healthz?lang=en")
    assert response.status_code == 503
    body = response.get_json()
    assert body["checks"]["database"] == "error"
    assert body["problems"][0].startswith("The database does not answer.")


def test_health_holds_no_personal_data(app, client, monkeypatch):
    """Does the health answer stay free of names and other personal data?"""
    _plenty_of_disk(monkeypatch)
    with app.app_context():
        from models import db
        with db.connection_context():
            person, payload = gen_person("resident", name="王秀英")
    text = json.dumps(client.get("/healthz").get_json(), ensure_ascii=False)
    assert "王秀英" not in text and payload not in text and "秀" not in text
    assert set(client.get("/healthz").get_json()) == {"ok", "problems", "checks"}
