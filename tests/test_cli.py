"""The CLI contract: every command of the design, through Flask's test runner."""
import csv
import io

import zxingcpp
from PIL import Image

import models
from models import KioskDevice, Person, ServiceRecord, StaffUser, Visit
from tests.helpers import connected, csrf_token


def test_add_person_prints_id_and_payload_and_badge_decodes(app, runner, tmp_path):
    """Does `badge` write a PNG whose QR code decodes to the payload `add-person` printed?"""
    result = runner.invoke(args=["add-person", "张秀娟", "--kind", "resident"])
    assert result.exit_code == 0, result.output
    lines = dict(line.split(": ", 1) for line in result.output.strip().splitlines())
    person_id, payload = int(lines["id"]), lines["payload"]
    assert payload.startswith("YZ1:")
    out = tmp_path / "badge.png"
    result = runner.invoke(args=["badge", str(person_id), "--out", str(out)])
    assert result.exit_code == 0, result.output
    decoded = [r.text for r in zxingcpp.read_barcodes(Image.open(out))]
    assert decoded == [payload]
    with connected(app):
        assert Person.get_by_id(person_id).name == "张秀娟"


def test_add_person_rejects_bad_kind_and_empty_name(app, runner):
    """Are a wrong kind and an empty name refused with a message, storing nothing?"""
    assert runner.invoke(args=["add-person", "某人", "--kind", "visitor"]).exit_code != 0
    result = runner.invoke(args=["add-person", "  ", "--kind", "resident"])
    assert result.exit_code != 0 and "姓名" in result.output
    with connected(app):
        assert Person.select().count() == 0


def test_badge_for_unknown_person(runner, tmp_path):
    """Does `badge` for a missing id say so?"""
    result = runner.invoke(args=["badge", "999", "--out", str(tmp_path / "x.png")])
    assert result.exit_code != 0 and "No person" in result.output


def test_create_staff_reads_password_from_stdin(app, runner):
    """Does create-staff take a piped password and store only a hash of it?"""
    result = runner.invoke(args=["create-staff", "liwei", "--role", "social_worker"],
                           input="a long password\n")
    assert result.exit_code == 0, result.output
    with connected(app):
        user = StaffUser.get(StaffUser.username == "liwei")
        assert user.role == "social_worker"
        assert "a long password" not in user.password_hash
    again = runner.invoke(args=["create-staff", "liwei", "--role", "staff"], input="x" * 10)
    assert again.exit_code != 0 and "already exists" in again.output
    short = runner.invoke(args=["create-staff", "wang", "--role", "staff"], input="short\n")
    assert short.exit_code != 0 and "8 个字符" in short.output
    common = runner.invoke(args=["create-staff", "wang", "--role", "staff"], input="12345678\n")
    assert common.exit_code != 0 and "太容易被猜到" in common.output
    bad_role = runner.invoke(args=["create-staff", "zhao", "--role", "boss"], input="x" * 10)
    assert bad_role.exit_code != 0


def test_enroll_kiosk_prints_one_time_url(app, runner, client):
    """Does enroll-kiosk print a URL that enrolls this browser once, and only once?"""
    result = runner.invoke(args=["enroll-kiosk", "前台平板"])
    assert result.exit_code == 0, result.output
    url = [w for w in result.output.split() if "/kiosk/enroll/" in w][0]
    path = url[url.index("/kiosk/"):]
    token = csrf_token(client, path)
    assert client.post(path, data={"csrf_token": token}).status_code == 302
    assert client.get("/kiosk/").status_code == 200
    assert client.get(path).status_code == 404  # spent
    with connected(app):
        assert KioskDevice.get().enrolled_at is not None


def test_demo_data_loads_a_week(app, runner):
    """Does demo-data give a catalogue in Chinese, residents, volunteers and a week of history?"""
    result = runner.invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output
    with connected(app):
        assert models.Service.select().where(models.Service.name_zh == "康复训练").exists()
        assert Person.select().where(Person.kind == "resident").count() >= 10
        assert Person.select().where(Person.kind == "volunteer").count() >= 3
        days = {v.local_date for v in Visit.select()}
        assert 5 <= len(days) <= 7
        assert ServiceRecord.select().count() > 0
    again = runner.invoke(args=["demo-data", "--if-empty"])
    assert "not loaded" in again.output


def test_export_day_csv(app, runner, tmp_path):
    """Does export write the day's log as CSV with a BOM, one row per entry?"""
    runner.invoke(args=["demo-data"])
    with connected(app):
        visit = Visit.select().order_by(Visit.at).first()
        day = visit.local_date
        expected = (Visit.select().where(Visit.local_date == day).count()
                    + ServiceRecord.select().where(ServiceRecord.local_date == day).count()
                    + models.VolunteerShift.select()
                    .where(models.VolunteerShift.local_date == day).count())
    out = tmp_path / "day.csv"
    result = runner.invoke(args=["export", "--date", day.isoformat(), "--format", "csv",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][0] == "时间 Time"
    assert len(rows) - 1 == expected
    with connected(app):
        assert models.AuditLog.select().where(models.AuditLog.action == "export.day_log").exists()


def test_export_rejects_bad_date(runner, tmp_path):
    """Is a malformed date refused with an example of the right form?"""
    result = runner.invoke(args=["export", "--date", "3/12/2026", "--out", str(tmp_path / "x")])
    assert result.exit_code != 0 and "2026-12-03" in result.output


def test_first_run_creates_admin_once(app, runner):
    """Does first-run create one administrator with a printed random password, only once?"""
    app.config["DEMO_DATA"] = True
    result = runner.invoke(args=["first-run"])
    assert result.exit_code == 0, result.output
    assert "password:" in result.output
    assert "/kiosk/enroll/" in result.output
    again = runner.invoke(args=["first-run"])
    assert "password:" not in again.output
    assert "/kiosk/enroll/" not in again.output
    with connected(app):
        assert StaffUser.select().count() == 1
        assert Person.select().count() > 0
