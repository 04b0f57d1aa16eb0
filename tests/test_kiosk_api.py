"""The kiosk's JSON calls through the test client: what each stores, and what it refuses."""
import datetime
import json

import pytest

import models
from core import attendance, demo, people
from core.stations import default_station
from models import (Activity, Attendance, AuditLog, HelpRequest, ServiceRecord, Visit,
                    VolunteerShift)
from tests.helpers import connected, enroll_kiosk, gen_person


@pytest.fixture
def kiosk(app, client):
    """An enrolled kiosk with the demo catalogue: (post(path, body) -> response, device id)."""
    with connected(app):
        demo.ensure_catalogue()
    device, token = enroll_kiosk(app, client)

    def post(path, body, **headers):
        return client.post("/kiosk/api/" + path, data=json.dumps(body),
                           content_type="application/json",
                           headers=dict({"X-CSRFToken": token}, **headers))
    return post, device.id


def rows(app, model, *where):
    with connected(app):
        query = model.select()
        if where:
            query = query.where(*where)
        return list(query)


def service_ids(app, *codes):
    with connected(app):
        return [models.Service.get(models.Service.code == c).id for c in codes]


def make(app, kind="resident", name=None):
    with connected(app):
        person, payload = gen_person(kind, name=name)
    return person, payload


def test_page_carries_settings_services_and_strings(app, client, kiosk):
    """Does the kiosk page hand its script the timings, the catalogue and translated sentences?"""
    app.config.update(KIOSK_IDLE_SECONDS=17, KIOSK_CHOICE_SECONDS=33, KIOSK_REPEAT_SECONDS=4)
    html = client.get("/kiosk/").get_data(as_text=True)
    config = json.loads(html.split('id="kiosk-config">', 1)[1].split("</script>", 1)[0])
    strings = json.loads(html.split('id="kiosk-strings">', 1)[1].split("</script>", 1)[0])
    assert (config["idleSeconds"], config["choiceSeconds"], config["repeatSeconds"]) == (17, 33, 4)
    assert config["graceSeconds"] >= 20
    assert config["speechLang"] == "zh-CN" and config["activity"] is None
    assert strings["hello"] == "%(name)s，您好！"
    assert "康复训练" in html and "助浴/义剪/义诊" in html
    assert "img/services/rehab.svg" in html
    assert "没带卡" in html and "再听一遍" in html
    english = client.get("/kiosk/?lang=en").get_data(as_text=True)
    assert "Rehabilitation exercise" in english and "I have no card" in english
    assert '"speechLang": "en-US"' in english


def test_resident_picks_two_services(app, kiosk):
    """Does a resident's check-in and choice of two services store one visit and two records?"""
    post, device_id = kiosk
    person, payload = make(app, name="王淑芬")
    scan = post("scan", {"payload": payload, "client_id": "visit-0001", "source": "camera"})
    assert scan.status_code == 200 and scan.get_json()["state"] == "checked_in"
    assert scan.headers["Server-Timing"].startswith("app;dur=")
    ids = service_ids(app, "rehab", "meals")
    body = {"payload": payload, "service_ids": ids, "client_id": "svc-00001"}
    first = post("services", body)
    assert first.status_code == 200, first.get_json()
    post("services", body)  # a retry
    stored = rows(app, ServiceRecord, ServiceRecord.recipient == person.id)
    assert sorted(r.service_id for r in stored) == sorted(ids)
    assert all(r.provider_id is None and r.device_id == device_id for r in stored)
    visit = rows(app, Visit, Visit.person == person.id)
    assert [v.source for v in visit] == ["camera"]


@pytest.mark.parametrize("bad", [[], "1", [True], [1, 1], [999999], None, ["rehab"]])
def test_bad_service_lists_store_nothing(app, kiosk, bad):
    """Is an empty, repeated, unknown or malformed service list refused in Chinese?"""
    post, _ = kiosk
    _, payload = make(app)
    response = post("services", {"payload": payload, "service_ids": bad,
                                 "client_id": "svc-bad-01"})
    assert response.status_code == 422
    assert "没有保存" in response.get_json()["message"]
    assert rows(app, ServiceRecord) == []


def test_second_scan_then_check_out(app, kiosk):
    """Does a second scan report 'in', and the check-out store a check-out visit?"""
    post, _ = kiosk
    person, payload = make(app)
    post("scan", {"payload": payload, "client_id": "scan-00001"})
    again = post("scan", {"payload": payload, "client_id": "scan-00002"}).get_json()
    assert again["state"] == "in"
    out = post("checkout", {"payload": payload, "client_id": "out-000001"})
    assert out.status_code == 200 and out.get_json()["state"] == "out"
    kinds = [v.kind for v in rows(app, Visit, Visit.person == person.id)]
    assert sorted(kinds) == ["check_in", "check_out"]
    third = post("scan", {"payload": payload, "client_id": "scan-00003"}).get_json()
    assert third["state"] == "out"
    refused = post("checkout", {"payload": payload, "client_id": "out-000002"})
    assert refused.status_code == 409 and "签退" in refused.get_json()["message"]
    assert len(rows(app, Visit, Visit.person == person.id)) == 2


def test_volunteer_shift_and_logged_service(app, kiosk):
    """Does a volunteer start a shift, log a service for a resident, and end the shift?"""
    post, _ = kiosk
    volunteer, vpayload = make(app, "volunteer", name="马红梅")
    resident, rpayload = make(app, "resident", name="李建国")
    scan = post("scan", {"payload": vpayload, "client_id": "vol-scan-1"}).get_json()
    assert scan["state"] == "off_shift" and scan["person"]["kind"] == "volunteer"
    assert rows(app, Visit) == []  # a volunteer's scan is not a resident's check-in
    assert post("shift/start", {"payload": vpayload, "client_id": "shift-0001"}).status_code == 200
    again = post("shift/start", {"payload": vpayload, "client_id": "shift-0002"})
    assert again.status_code == 409
    assert post("scan", {"payload": vpayload, "client_id": "vol-scan-2"}).get_json()["state"] \
        == "on_shift"
    who = post("recipient", {"payload": rpayload}).get_json()
    assert who == {"ok": True, "person": {"masked_name": "李*国", "kind": "resident"}}
    assert rows(app, Visit) == []  # identifying the recipient stores nothing
    ids = service_ids(app, "care")
    logged = post("services", {"payload": rpayload, "provider_payload": vpayload,
                               "service_ids": ids, "client_id": "log-00001"})
    assert logged.status_code == 200
    record, = rows(app, ServiceRecord)
    assert (record.recipient_id, record.provider_id, record.service_id) == \
        (resident.id, volunteer.id, ids[0])
    ended = post("shift/end", {"payload": vpayload, "client_id": "shift-end-1"})
    assert ended.status_code == 200 and ended.get_json()["minutes"] == 0
    shift, = rows(app, VolunteerShift)
    assert shift.ended_at is not None and shift.volunteer_id == volunteer.id
    assert post("shift/end", {"payload": vpayload, "client_id": "shift-end-2"}).status_code == 409


def test_roles_are_checked(app, kiosk):
    """Can a resident not start a shift, and can a volunteer not be logged as a recipient?"""
    post, _ = kiosk
    _, vpayload = make(app, "volunteer")
    _, rpayload = make(app, "resident")
    refused = post("shift/start", {"payload": rpayload, "client_id": "shift-bad1"})
    assert refused.status_code == 422 and refused.get_json()["error"] == "not_a_volunteer"
    assert post("recipient", {"payload": vpayload}).get_json()["error"] == "not_a_resident"
    by_resident = post("services", {"payload": rpayload, "provider_payload": rpayload,
                                    "service_ids": service_ids(app, "meals"),
                                    "client_id": "svc-bad-02"})
    assert by_resident.status_code == 422
    assert rows(app, VolunteerShift) == [] and rows(app, ServiceRecord) == []


def test_help_request_is_stored_once(app, kiosk):
    """Does 'I have no card' store one help request for this kiosk, even when retried?"""
    post, device_id = kiosk
    for _ in range(2):
        response = post("help", {"client_id": "help-00001"})
        assert response.status_code == 200
    stored = rows(app, HelpRequest)
    assert len(stored) == 1 and stored[0].device_id == device_id
    assert stored[0].resolved_at is None


def test_revoked_badge_refused_everywhere(app, kiosk):
    """Is a revoked badge refused with its own message by every call, storing nothing?"""
    post, _ = kiosk
    person, payload = make(app)
    with connected(app):
        people.issue_badge(models.Person.get_by_id(person.id), actor_label="test")
    for path, body in (("scan", {}), ("services", {"service_ids": service_ids(app, "meals")}),
                       ("checkout", {}), ("recipient", {})):
        response = post(path, dict(body, payload=payload, client_id="revoked-01"))
        assert response.status_code == 422
        assert response.get_json()["error"] == "revoked_badge"
        assert "停用" in response.get_json()["message"]
    assert rows(app, Visit) == [] and rows(app, ServiceRecord) == []


def test_english_messages(app, client, kiosk):
    """Are refusals given in English once the kiosk is switched to English?"""
    post, _ = kiosk
    client.get("/kiosk/?lang=en")
    response = post("scan", {"payload": "HELLO-WORLD", "client_id": "english-01"})
    assert response.get_json()["message"].startswith("This is not a station badge")


def activity_for(app, device_id, name="国际残疾人日联欢会", cancelled=False):
    with connected(app):
        station = default_station()
        now = models.utcnow()
        activity = Activity.create(station=station, name=name, kind="event", starts_at=now,
                                   local_date=attendance.local_date(station),
                                   cancelled_at=now if cancelled else None)
        device = models.KioskDevice.get_by_id(device_id)
        device.activity = activity
        device.save()
    return activity


def test_activity_mode_records_attendance(app, client, kiosk):
    """In activity mode, is each scan one attendance, and does a volunteer's shift start?"""
    post, device_id = kiosk
    activity = activity_for(app, device_id)
    resident, rpayload = make(app)
    volunteer, vpayload = make(app, "volunteer")
    html = client.get("/kiosk/").get_data(as_text=True)
    assert "国际残疾人日联欢会" in html and "活动签到" in html
    first = post("scan", {"payload": rpayload, "client_id": "act-00001"}).get_json()
    assert first["state"] == "attended" and first["created"] is True
    assert first["activity"]["name"] == "国际残疾人日联欢会"
    second = post("scan", {"payload": rpayload, "client_id": "act-00002"}).get_json()
    assert second["created"] is False
    vol = post("scan", {"payload": vpayload, "client_id": "act-00003"}).get_json()
    assert vol["state"] == "attended" and vol["shift_started"] is True
    again = post("scan", {"payload": vpayload, "client_id": "act-00004"}).get_json()
    assert again["shift_started"] is False
    stored = rows(app, Attendance, Attendance.activity == activity.id)
    assert sorted(a.person_id for a in stored) == sorted([resident.id, volunteer.id])
    shift, = rows(app, VolunteerShift)
    assert shift.activity_id == activity.id and shift.ended_at is None
    assert rows(app, Visit) == []  # attendance, not a counter check-in
    staff = make(app, "staff")[1]
    assert post("scan", {"payload": staff, "client_id": "act-00005"}).status_code == 422


def test_cancelled_activity_is_normal_mode(app, client, kiosk):
    """Does a kiosk switched to a cancelled activity check residents in as usual?"""
    post, device_id = kiosk
    activity_for(app, device_id, cancelled=True)
    _, payload = make(app)
    assert post("scan", {"payload": payload, "client_id": "act-00009"}).get_json()["state"] \
        == "checked_in"
    assert rows(app, Attendance) == []


def test_unenrolled_and_revoked_device_refused(app, client, kiosk):
    """Are the follow-up calls refused once the kiosk device is revoked?"""
    post, device_id = kiosk
    from core import kiosk_auth
    with connected(app):
        kiosk_auth.revoke(models.KioskDevice.get_by_id(device_id))
    for path in ("scan", "help", "services", "checkout", "shift/start", "shift/end",
                 "recipient"):
        response = post(path, {"payload": "x", "client_id": "revoked-dev"})
        assert response.status_code == 403, path
        assert "登记" in response.get_json()["message"]
    assert client.get("/kiosk/").status_code == 403
    assert rows(app, HelpRequest) == []


def test_foreign_code_never_stored(app, kiosk):
    """Is a health code refused as not a badge, its content nowhere in the audit log?"""
    post, _ = kiosk
    response = post("scan", {"payload": "HC:healthcode-0f9a-secret", "client_id": "foreign-1"})
    assert response.get_json()["error"] == "not_a_badge"
    assert not any("healthcode" in (r.detail + r.before + r.after)
                   for r in rows(app, AuditLog))
    assert rows(app, Visit) == []


def test_shift_time_counts(app, kiosk):
    """Does ending a shift report its length in minutes, as stored?"""
    post, _ = kiosk
    volunteer, payload = make(app, "volunteer")
    with connected(app):
        attendance.start_shift(models.Person.get_by_id(volunteer.id), default_station(),
                               at=models.utcnow() - datetime.timedelta(minutes=95),
                               client_id="shift-early")
    data = post("shift/end", {"payload": payload, "client_id": "shift-end-9"}).get_json()
    assert data["minutes"] == 95
    assert rows(app, VolunteerShift)[0].minutes == 95
