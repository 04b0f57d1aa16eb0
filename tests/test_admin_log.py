"""The log of any day: add missed entries, correct and void with a reason, confirm shifts."""
import datetime
import json

import models
from core import attendance
from core.demo import ensure_catalogue
from core.stations import default_station
from models import AuditLog, ServiceRecord, Visit, VolunteerShift
from tests.helpers import connected, csrf_token, gen_person, sign_in


def local_hhmm(station, at):
    return attendance.to_local(station, at).strftime("%H:%M")


def test_log_lists_the_day(app, client):
    """Does the log show the day's check-ins, services and shifts with names?"""
    with connected(app):
        station = default_station()
        rehab = ensure_catalogue(station)[0]
        resident, _ = gen_person("resident", name="张秀娟")
        volunteer, _ = gen_person("volunteer", name="马红梅")
        attendance.check_in(resident, station)
        attendance.record_services(resident, station, [rehab], provider=volunteer)
        attendance.start_shift(volunteer, station)
    sign_in(app, client, "staff")
    html = client.get("/admin/log").get_data(as_text=True)
    assert "张秀娟" in html and "马红梅" in html
    assert "签到" in html and "康复训练" in html and "志愿服务" in html


def test_correction_keeps_the_old_value_in_the_audit_log(app, client):
    """Is a corrected service's old service and minutes kept, with who and why, in the audit log?"""
    with connected(app):
        station = default_station()
        services = ensure_catalogue(station)
        rehab, meals = services[0], services[2]
        resident, _ = gen_person("resident", name="李建国")
        record = attendance.record_services(resident, station, [rehab], minutes=45)[0]
        time_text = local_hhmm(station, record.at)
    user = sign_in(app, client, "social_worker")
    token = csrf_token(client, "/admin/")
    response = client.post("/admin/log/service/%d" % record.id, data={
        "csrf_token": token, "time": time_text, "service_id": str(meals.id), "minutes": "30",
        "provider_id": "", "note": "", "reason": "选错了服务项目"})
    assert response.status_code == 302
    with connected(app):
        stored = ServiceRecord.get_by_id(record.id)
        assert (stored.service_id, stored.minutes) == (meals.id, 30)
        row = AuditLog.get(AuditLog.action == "service_record.correct")
        assert row.actor_id == user.id and row.object_id == record.id
        assert row.detail == "选错了服务项目"
        before, after = json.loads(row.before), json.loads(row.after)
        assert before["minutes"] == 45 and before["service"]["id"] == rehab.id
        assert before["service"]["name"] == "康复训练"
        assert after["minutes"] == 30 and after["service"]["id"] == meals.id
    html = client.get("/admin/log/service/%d" % record.id).get_data(as_text=True)
    assert "选错了服务项目" in html and "service_record.correct" in html


def test_correction_without_reason_changes_nothing(app, client):
    """Is a correction without a reason refused in Chinese, with nothing stored?"""
    with connected(app):
        station = default_station()
        resident, _ = gen_person("resident")
        visit, _ = attendance.check_in(resident, station,
                                       at=models.utcnow() - datetime.timedelta(minutes=5))
        old_at = visit.at
    sign_in(app, client, "social_worker")
    token = csrf_token(client, "/admin/")
    with connected(app):
        audits = AuditLog.select().count()
    response = client.post("/admin/log/visit/%d" % visit.id, data={
        "csrf_token": token, "time": "00:00", "reason": "  "})
    assert response.status_code == 422
    assert "请填写原因" in response.get_data(as_text=True)
    with connected(app):
        assert Visit.get_by_id(visit.id).at == old_at
        assert AuditLog.select().count() == audits


def test_visit_time_cannot_move_to_another_day(app, client):
    """Is moving a check-in past midnight refused with a clear message?"""
    with connected(app):
        station = default_station()
        resident, _ = gen_person("resident")
        day = attendance.local_date(station) - datetime.timedelta(days=3)
        at = attendance.local_to_utc(station, day, datetime.time(23, 50))
        visit, _ = attendance.check_in(resident, station, at=at)
    sign_in(app, client, "social_worker")
    token = csrf_token(client, "/admin/")
    # 23:50 -> 23:55 is fine; the form cannot name another day, so the day stays.
    response = client.post("/admin/log/visit/%d" % visit.id, data={
        "csrf_token": token, "time": "23:55", "reason": "时间记错"})
    assert response.status_code == 302
    with connected(app):
        stored = Visit.get_by_id(visit.id)
        assert attendance.to_local(station, stored.at).strftime("%H:%M") == "23:55"
        assert stored.local_date == day


def test_void_keeps_the_entry_and_its_reason(app, client):
    """Does voiding keep the row, marked void with the reason, and take it out of today's count?"""
    with connected(app):
        station = default_station()
        resident, _ = gen_person("resident", name="王淑芬")
        visit, _ = attendance.check_in(resident, station)
    user = sign_in(app, client, "social_worker")
    token = csrf_token(client, "/admin/")
    assert client.get("/admin/today/data").get_json()["counts"]["check_ins"] == 1
    response = client.post("/admin/log/visit/%d/void" % visit.id,
                           data={"csrf_token": token, "reason": "重复签到"})
    assert response.status_code == 302
    with connected(app):
        stored = Visit.get_by_id(visit.id)
        assert stored.voided_at is not None and stored.voided_by_id == user.id
        assert stored.void_reason == "重复签到"
        row = AuditLog.get(AuditLog.action == "visit.void")
        assert json.loads(row.before) == {"voided": False} and row.detail == "重复签到"
    assert client.get("/admin/today/data").get_json()["counts"]["check_ins"] == 0
    html = client.get("/admin/log").get_data(as_text=True)
    assert "王淑芬" in html and "重复签到" in html and "作废" in html


def test_void_needs_a_reason(app, client):
    """Is a void without a reason refused, the entry still valid?"""
    with connected(app):
        resident, _ = gen_person("resident")
        visit, _ = attendance.check_in(resident, default_station())
    sign_in(app, client, "social_worker")
    token = csrf_token(client, "/admin/")
    client.post("/admin/log/visit/%d/void" % visit.id, data={"csrf_token": token, "reason": ""})
    with connected(app):
        assert Visit.get_by_id(visit.id).voided_at is None


def test_add_missed_check_in_once(app, client):
    """Can staff add a missed check-in for an earlier day, but not a second one that day?"""
    with connected(app):
        station = default_station()
        resident, _ = gen_person("resident", name="刘德明")
        day = attendance.local_date(station) - datetime.timedelta(days=2)
    user = sign_in(app, client, "staff")
    token = csrf_token(client, "/admin/")
    form = {"csrf_token": token, "date": day.isoformat(), "kind": "check_in",
            "person_id": str(resident.id), "time": "09:30"}
    assert client.post("/admin/log/add", data=form).status_code == 302
    response = client.post("/admin/log/add", data=dict(form, time="10:00"))
    assert response.status_code == 422
    assert "已经签到" in response.get_data(as_text=True)
    with connected(app):
        visits = list(Visit.select().where(Visit.person == resident.id))
        assert len(visits) == 1
        assert visits[0].local_date == day and visits[0].source == "staff"
        assert visits[0].recorded_by_id == user.id
        assert attendance.to_local(station, visits[0].at).strftime("%H:%M") == "09:30"
        assert AuditLog.select().where(AuditLog.action == "visit.add").count() == 1


def test_add_missed_entry_bad_input(app, client):
    """Do a missing person or a time that is not a time get a message and store nothing?"""
    with connected(app):
        resident, _ = gen_person("resident")
    sign_in(app, client, "staff")
    token = csrf_token(client, "/admin/")
    response = client.post("/admin/log/add", data={"csrf_token": token, "kind": "check_in",
                                                    "person_id": "", "time": "9点半"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "请选择一个人" in html and "09:30" in html
    with connected(app):
        assert Visit.select().count() == 0


def test_missed_service_and_shift(app, client):
    """Can staff add a missed service (with its provider) and a missed shift, pending?"""
    with connected(app):
        station = default_station()
        meals = ensure_catalogue(station)[2]
        resident, _ = gen_person("resident")
        volunteer, _ = gen_person("volunteer")
        day = attendance.local_date(station) - datetime.timedelta(days=1)
    sign_in(app, client, "social_worker")
    token = csrf_token(client, "/admin/")
    response = client.post("/admin/log/add", data={
        "csrf_token": token, "date": day.isoformat(), "kind": "service",
        "person_id": str(resident.id), "service_id": str(meals.id),
        "provider_id": str(volunteer.id), "time": "11:30", "minutes": ""})
    assert response.status_code == 302
    response = client.post("/admin/log/add", data={
        "csrf_token": token, "date": day.isoformat(), "kind": "shift",
        "person_id": str(volunteer.id), "time": "09:00", "end_time": "11:45",
        "content": "助餐", "reason": "平板没电"})
    assert response.status_code == 302
    with connected(app):
        record = ServiceRecord.get(ServiceRecord.recipient == resident.id)
        assert record.provider_id == volunteer.id and record.minutes == meals.default_minutes
        assert record.local_date == day and record.source == "staff"
        shift = VolunteerShift.get(VolunteerShift.volunteer == volunteer.id)
        assert shift.minutes == 165 and shift.status == "pending" and shift.local_date == day
        assert AuditLog.get(AuditLog.action == "shift.add").detail == "平板没电"


def test_auto_closed_shift_review_and_confirm(app, client):
    """Is a shift closed at closing time listed for review, correctable, then confirmable?"""
    with connected(app):
        station = default_station()
        volunteer, _ = gen_person("volunteer", name="何永刚")
        day = attendance.local_date(station) - datetime.timedelta(days=1)
        start = attendance.local_to_utc(station, day, datetime.time(14, 0))
        attendance.start_shift(volunteer, station, at=start)
        [shift] = attendance.close_open_shifts(station)
        assert shift.auto_closed and shift.minutes == 7 * 60
    user = sign_in(app, client, "social_worker")
    token = csrf_token(client, "/admin/")
    html = client.get("/admin/log").get_data(as_text=True)
    assert "自动结束" in html and "何永刚" in html
    response = client.post("/admin/log/shift/%d" % shift.id, data={
        "csrf_token": token, "time": "14:00", "end_time": "17:30", "minutes": "300",
        "content": "维修", "reason": "志愿者17:30离开"})
    # 300 minutes would be longer than 14:00-17:30: refused, nothing changed.
    assert response.status_code == 422
    assert "不能超过" in response.get_data(as_text=True)
    response = client.post("/admin/log/shift/%d" % shift.id, data={
        "csrf_token": token, "time": "14:00", "end_time": "17:30", "minutes": "",
        "content": "维修", "reason": "志愿者17:30离开"})
    assert response.status_code == 302
    assert client.post("/admin/log/shift/%d/confirm" % shift.id,
                       data={"csrf_token": token}).status_code == 302
    with connected(app):
        stored = VolunteerShift.get_by_id(shift.id)
        assert stored.minutes == 210 and stored.status == "confirmed"
        assert stored.confirmed_by_id == user.id
        row = AuditLog.get(AuditLog.action == "shift.correct")
        assert json.loads(row.before)["minutes"] == 420
        assert json.loads(row.after)["minutes"] == 210
    assert "请核对" not in client.get("/admin/log").get_data(as_text=True)
