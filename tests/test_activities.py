"""Activities: staff create, edit and cancel them, take attendance, print the 签到表, count them."""
import datetime
import random
import re
import subprocess

import models
from core import activities
from core.attendance import record_attendance
from core.clock import local_date
from core.stations import default_station
from models import Activity, ActivitySeries, Attendance, AuditLog, KioskDevice, Person
from tests.helpers import (connected, csrf_token, enroll_kiosk, gen_person, gen_user, local_today,
                           login_as, sign_in)

DAY = datetime.date(2026, 12, 3)


def _make_activity(name="国际残疾人日联欢会", kind="event", day=DAY, start="09:30", end="11:30",
                   user=None, **extra):
    station = default_station()
    fields = dict(name=name, kind=kind, day=day, start=datetime.time.fromisoformat(start),
                  end=datetime.time.fromisoformat(end) if end else None, place="活动室",
                  at_station=True, organiser="石·井和居驿站", capacity=None, notes="",
                  service_ids=[], weeks=1)
    fields.update(extra)
    return activities.create_activity(station, fields, actor=user)[0]


def _form(**overrides):
    data = {"name": "手工编织小组", "kind": "group", "date": "2026-12-10", "start": "14:00",
            "end": "16:00", "place": "二楼活动室", "at_station": "1", "organiser": "社工小王",
            "capacity": "12", "notes": "", "weeks": "1"}
    data.update(overrides)
    return data


def _post(client, path, data):
    data = dict(data, csrf_token=csrf_token(client, "/admin/activities"))
    return client.post(path, data=data)


def _text(response):
    return response.get_data(as_text=True)


# --- creating, editing, cancelling --------------------------------------------------------

def test_staff_create_an_activity_and_see_it_listed(app, client):
    """Does a social worker's form create the activity, audited, and list it?"""
    user = sign_in(app, client, "social_worker")
    response = _post(client, "/admin/activities/new", _form())
    assert response.status_code == 302
    with connected(app):
        activity = Activity.get()
        assert (activity.name, activity.kind, activity.local_date) == \
            ("手工编织小组", "group", datetime.date(2026, 12, 10))
        # 14:00 in Chongqing is 06:00 UTC.
        assert activity.starts_at == datetime.datetime(2026, 12, 10, 6, 0)
        assert activity.ends_at == datetime.datetime(2026, 12, 10, 8, 0)
        assert (activity.place, activity.organiser, activity.capacity) == \
            ("二楼活动室", "社工小王", 12)
        assert activity.created_by_id == user.id
        row = AuditLog.get(AuditLog.action == "activity.create")
        assert row.actor_id == user.id and row.object_id == activity.id
    page = _text(client.get("/admin/activities?month=2026-12"))
    assert "手工编织小组" in page and "小组" in page and "14:00–16:00" in page


def test_bad_activity_form_says_why_in_chinese_and_stores_nothing(app, client):
    """Does a form with no name, a bad date and an end before the start change nothing?"""
    sign_in(app, client, "social_worker")
    response = _post(client, "/admin/activities/new",
                     _form(name="  ", date="2026-13-45", start="14:00", end="13:00",
                           capacity="-3"))
    assert response.status_code == 422
    page = _text(response)
    assert "请填写活动名称。" in page
    assert "请按“年-月-日”填写日期" in page
    assert "人数上限须为不小于 1 的整数" in page
    response = _post(client, "/admin/activities/new", _form(start="14:00", end="13:00"))
    assert response.status_code == 422 and "结束时间必须晚于开始时间。" in _text(response)
    assert "二楼活动室" in _text(response)  # what was typed is kept
    with connected(app):
        assert Activity.select().count() == 0
        assert not AuditLog.select().where(AuditLog.action == "activity.create").exists()


def test_weekly_series_creates_its_sessions(app, client):
    """Does a weekly class of 4 sessions create 4 activities a week apart in one series?"""
    sign_in(app, client, "social_worker")
    with connected(app):
        from core.demo import ensure_catalogue
        rehab = ensure_catalogue()[0]
    response = _post(client, "/admin/activities/new",
                     dict(_form(name="康复操课程", kind="class", weeks="4"),
                          services=[str(rehab.id)]))
    assert response.status_code == 302
    with connected(app):
        series = ActivitySeries.get()
        sessions = list(Activity.select().where(Activity.series == series)
                        .order_by(Activity.starts_at))
        assert [s.local_date for s in sessions] == [datetime.date(2026, 12, 10)
                                                    + datetime.timedelta(weeks=w)
                                                    for w in range(4)]
        assert all(s.kind == "class" and s.name == "康复操课程" for s in sessions)
        assert all([l.service_id for l in s.service_links] == [rehab.id] for s in sessions)
        first = sessions[0].id
    page = _text(client.get("/admin/activities/%d" % first))
    assert "本系列每周活动共 4 场" in page and "康复训练" in page


def test_edit_changes_the_activity_and_keeps_the_before(app, client):
    """Does editing save the new details and audit the old ones?"""
    sign_in(app, client, "social_worker")
    with connected(app):
        activity_id = _make_activity(name="政策宣讲").id
    response = _post(client, "/admin/activities/%d/edit" % activity_id,
                     _form(name="残疾人两项补贴政策宣讲", kind="event", date="2026-12-04",
                           start="15:00", end="", at_station="", place="社区广场"))
    assert response.status_code == 302
    with connected(app):
        activity = Activity.get_by_id(activity_id)
        assert activity.name == "残疾人两项补贴政策宣讲"
        assert activity.local_date == datetime.date(2026, 12, 4)
        assert activity.ends_at is None and activity.at_station is False
        row = AuditLog.get(AuditLog.action == "activity.update")
        assert "政策宣讲" in row.before and "残疾人两项补贴政策宣讲" in row.after
    page = _text(client.get("/admin/activities/%d" % activity_id))
    assert "社区广场" in page and "站外" not in page


def test_cancel_needs_a_reason_and_sends_kiosks_back_to_normal(app, client):
    """Is cancelling refused without a reason, and does it put its kiosk back in normal mode?"""
    user = sign_in(app, client, "social_worker")
    device, _token = enroll_kiosk(app, app.test_client())
    with connected(app):
        activity = _make_activity()
        activities.use_kiosk_for(KioskDevice.get_by_id(device.id), activity, actor=user)
    response = _post(client, "/admin/activities/%d/cancel" % activity.id, {"reason": " "})
    assert response.status_code == 422 and "请填写原因。" in _text(response)
    with connected(app):
        assert Activity.get_by_id(activity.id).cancelled_at is None
    response = _post(client, "/admin/activities/%d/cancel" % activity.id, {"reason": "暴雨"})
    assert response.status_code == 302
    with connected(app):
        cancelled = Activity.get_by_id(activity.id)
        assert cancelled.cancelled_at is not None and cancelled.cancel_reason == "暴雨"
        assert KioskDevice.get_by_id(device.id).activity_id is None
        assert AuditLog.get(AuditLog.action == "activity.cancel").detail == "暴雨"
        assert AuditLog.select().where(AuditLog.action == "kiosk.normal_mode").count() == 1
    page = _text(client.get("/admin/activities/%d" % activity.id))
    assert "已取消" in page and "暴雨" in page
    assert "登记并签到" not in page  # no walk-ins on a cancelled activity


def test_cancel_later_sessions_of_a_series(app, client):
    """Does 'also the later sessions' cancel this and later sessions, not earlier ones?"""
    user = sign_in(app, client, "social_worker")
    with connected(app):
        station = default_station()
        fields = activities.parse_activity_form(_form(kind="class", weeks="5"), station)
        sessions = activities.create_activity(station, fields, actor=user)
    response = _post(client, "/admin/activities/%d/cancel" % sessions[2].id,
                     {"reason": "老师调走", "later": "1"})
    assert response.status_code == 302
    with connected(app):
        states = [Activity.get_by_id(s.id).cancelled_at is not None for s in sessions]
    assert states == [False, False, True, True, True]


# --- attendance -----------------------------------------------------------------------------

def test_kiosk_scans_record_attendance_once_per_person(app, client):
    """Do repeated scans, by core and by an enrolled kiosk in activity mode, store one row each?"""
    user = sign_in(app, client, "social_worker")
    kiosk = app.test_client()
    device, token = enroll_kiosk(app, kiosk)
    with connected(app):
        in_three_days = local_date(default_station()) + datetime.timedelta(days=3)
        activity = _make_activity(day=in_three_days)
        resident, payload = gen_person("resident", name="张秀娟")
        other, other_payload = gen_person("resident", name="李建国")
        # The core function alone: a second call, even with another client id, adds nothing.
        first, created = record_attendance(activity, resident, client_id="a" * 16)
        again, created_again = record_attendance(activity, resident, client_id="b" * 16)
        assert created and not created_again and again.id == first.id
    response = _post(client, "/admin/activities/%d/kiosk" % activity.id,
                     {"device_id": str(device.id)})
    assert response.status_code == 302
    page = _text(client.get(response.headers["Location"]))
    assert "现在为此活动签到" in page and "不是今天" in page
    for p in (payload, other_payload, other_payload, payload):
        response = kiosk.post("/kiosk/api/scan", json={"payload": p, "source": "scanner"},
                              headers={"X-CSRFToken": token})
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["ok"]
    with connected(app):
        rows = list(Attendance.select().where(Attendance.activity == activity))
        assert sorted(r.person_id for r in rows) == sorted([resident.id, other.id])
        assert KioskDevice.get_by_id(device.id).activity_id == activity.id
        audit_row = AuditLog.get(AuditLog.action == "kiosk.activity_mode")
        assert audit_row.actor_id == user.id
    page = _text(client.get("/admin/activities/%d" % activity.id))
    assert "张秀娟" in page and "李建国" in page  # full names for staff


def test_walk_in_existing_and_new_person(app, client):
    """Can staff add a registered person by name, and register a newcomer on the spot?"""
    user = sign_in(app, client, "staff")
    with connected(app):
        activity = _make_activity()
        known, _payload = gen_person("resident", name="王淑芬")
    page = _text(client.get("/admin/activities/%d?q=淑芬" % activity.id))
    assert "王淑芬" in page and "为 王淑芬 签到" in page
    response = _post(client, "/admin/activities/%d/walk-in" % activity.id,
                     {"person_id": str(known.id)})
    assert response.status_code == 302
    response = _post(client, "/admin/activities/%d/walk-in" % activity.id,
                     {"name": "赵大海", "kind": "volunteer", "phone": "13800000000"})
    assert response.status_code == 302
    with connected(app):
        newcomer = Person.get(Person.name == "赵大海")
        assert (newcomer.kind, newcomer.phone) == ("volunteer", "13800000000")
        assert newcomer.badges.count() == 1  # a badge, so next time they can scan
        rows = {r.person_id: r for r in Attendance.select().where(Attendance.activity == activity)}
        assert set(rows) == {known.id, newcomer.id}
        assert all(r.source == "staff" and r.recorded_by_id == user.id for r in rows.values())
        assert AuditLog.select().where(AuditLog.action == "attendance.add").count() == 2
        assert AuditLog.select().where(AuditLog.action == "person.create",
                                       AuditLog.actor == user.id).count() == 1
    page = _text(client.get("/admin/activities/%d" % activity.id))
    assert "王淑芬" in page and "赵大海" in page


def test_bad_walk_in_changes_nothing(app, client):
    """Is a walk-in with no name, or of another station's person, refused with nothing stored?"""
    sign_in(app, client, "social_worker")
    with connected(app):
        activity = _make_activity()
        elsewhere = models.Station.create(code="other", name="别的驿站")
        stranger, _p = gen_person("resident", name="外站居民", station=elsewhere)
        people_before = Person.select().count()
    response = _post(client, "/admin/activities/%d/walk-in" % activity.id,
                     {"name": "  ", "kind": "resident"})
    assert response.status_code == 422 and "请填写姓名。" in _text(response)
    response = _post(client, "/admin/activities/%d/walk-in" % activity.id,
                     {"name": "某人", "kind": "staff"})
    assert response.status_code == 422 and "请选择服务对象或志愿者。" in _text(response)
    response = _post(client, "/admin/activities/%d/walk-in" % activity.id,
                     {"person_id": str(stranger.id)})
    assert response.status_code == 422 and "此人未在本驿站登记。" in _text(response)
    with connected(app):
        assert Person.select().count() == people_before
        assert Attendance.select().count() == 0


def test_void_attendance_with_reason_and_restore(app, client):
    """Is a voided attendance kept with its reason, left off the count, and restorable?"""
    user = sign_in(app, client, "social_worker")
    with connected(app):
        activity = _make_activity()
        person, _p = gen_person("resident", name="刘德明")
        row, _c = record_attendance(activity, person)
    path = "/admin/activities/%d/attendance/%d/void" % (activity.id, row.id)
    response = _post(client, path, {"reason": ""})
    assert response.status_code == 422 and "请填写原因。" in _text(response)
    response = _post(client, path, {"reason": "扫错了卡"})
    assert response.status_code == 302
    with connected(app):
        voided = Attendance.get_by_id(row.id)
        assert voided.voided_at is not None and voided.void_reason == "扫错了卡"
        assert voided.voided_by_id == user.id
        assert AuditLog.get(AuditLog.action == "attendance.void").detail == "扫错了卡"
        figures = activities.activity_figures(default_station(), DAY, DAY)
        assert figures["attendances"] == 0 and figures["activities"] == 1
    page = _text(client.get("/admin/activities/%d" % activity.id))
    assert "签到名单 (0)" in page and "作废: 扫错了卡" in page
    response = _post(client, "/admin/activities/%d/walk-in" % activity.id,
                     {"person_id": str(person.id)})
    assert response.status_code == 302
    with connected(app):
        assert Attendance.get_by_id(row.id).voided_at is None
        assert AuditLog.select().where(AuditLog.action == "attendance.restore").count() == 1


# --- the kiosk's activity mode ----------------------------------------------------------------

def test_kiosk_cookie_alone_cannot_leave_activity_mode(app, client):
    """Does the admin's 'back to normal mode' refuse a kiosk without a staff login?"""
    user = sign_in(app, client, "social_worker")
    kiosk = app.test_client()
    device, token = enroll_kiosk(app, kiosk)
    with connected(app):
        activity = _make_activity()
        activities.use_kiosk_for(KioskDevice.get_by_id(device.id), activity, actor=user)
    # The kiosk's own page hands out a valid CSRF token; it is still not a staff login.
    response = kiosk.post("/admin/activities/kiosks/%d/normal" % device.id,
                          data={"csrf_token": token})
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]
    response = kiosk.post("/admin/activities/%d/kiosk" % activity.id,
                          data={"csrf_token": token, "device_id": str(device.id)})
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]
    page = _text(kiosk.get("/kiosk/"))
    assert "/admin/" not in page and "恢复日常签到" not in page
    with connected(app):
        assert KioskDevice.get_by_id(device.id).activity_id == activity.id
    # Staff can.
    response = _post(client, "/admin/activities/kiosks/%d/normal" % device.id, {})
    assert response.status_code == 302
    with connected(app):
        assert KioskDevice.get_by_id(device.id).activity_id is None
        assert AuditLog.get(AuditLog.action == "kiosk.normal_mode").actor_id == user.id


def test_district_admin_and_other_stations(app, client):
    """Is a role without manage_activities refused, and another station's activity not found?"""
    with connected(app):
        elsewhere = models.Station.create(code="other", name="别的驿站")
        foreign = _make_activity(name="外站活动")
        foreign.station = elsewhere
        foreign.save()
        district = gen_user("district_admin")
    login_as(client, district)
    assert client.get("/admin/activities").status_code == 403
    other = app.test_client()
    sign_in(app, other, "social_worker")
    assert other.get("/admin/activities/%d" % foreign.id).status_code == 404
    assert other.get("/admin/activities/%d/sheet.pdf" % foreign.id).status_code == 404


def test_cancelled_activity_takes_no_kiosk_or_walk_in(app, client):
    """Is a cancelled activity refused for activity mode and walk-ins?"""
    user = sign_in(app, client, "social_worker")
    device, _t = enroll_kiosk(app, app.test_client())
    with connected(app):
        activity = _make_activity()
        activities.cancel_activity(activity, "取消", actor=user)
        person, _p = gen_person()
    response = _post(client, "/admin/activities/%d/kiosk" % activity.id,
                     {"device_id": str(device.id)})
    assert response.status_code == 422 and "此活动已取消" in _text(response)
    response = _post(client, "/admin/activities/%d/walk-in" % activity.id,
                     {"person_id": str(person.id)})
    assert response.status_code == 422
    with connected(app):
        assert KioskDevice.get_by_id(device.id).activity_id is None
        assert Attendance.select().count() == 0


# --- the 签到表 --------------------------------------------------------------------------------

def _pdf_text(data, tmp_path):
    path = tmp_path / "sheet.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def test_sign_in_sheet_lists_exactly_the_attendees(app, client, tmp_path):
    """Does the 签到表 PDF carry the details and exactly the attendees (not voided, not others)?"""
    user = sign_in(app, client, "social_worker")
    with connected(app):
        activity = _make_activity(name="助残日手工坊", kind="group", organiser="社工李敏")
        names = ["张秀娟", "欧阳丽娟", "何永刚"]
        present = [gen_person("volunteer" if n == "何永刚" else "resident", name=n)[0]
                   for n in names]
        for p in present:
            record_attendance(activity, p)
        voided_person, _p = gen_person(name="杨志强")
        row, _c = record_attendance(activity, voided_person)
        activities.void_attendance(row, "误签", actor=user)
        gen_person(name="周凤英")  # at the station, never at this activity
    response = client.get("/admin/activities/%d/sheet.pdf" % activity.id)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    text = _pdf_text(response.data, tmp_path)
    for expected in ("签到表", "助残日手工坊", "2026-12-03", "09:30–11:30", "活动室",
                     "社工李敏", "小组", "签名", "姓名"):
        assert expected in text, expected
    listed = re.findall(r"^\s*(\d+)\s+(\S+)\s+(服务对象|志愿者)\s+(\d\d:\d\d)", text, re.M)
    assert sorted(name for _n, name, _k, _t in listed) == sorted(names)
    assert [n for n, *_rest in listed] == ["1", "2", "3"]
    assert "杨志强" not in text and "周凤英" not in text


# --- figures for the reports ------------------------------------------------------------------

def test_activity_figures_match_an_independent_count(app):
    """Do activity_figures agree with a count made by hand on generated data?"""
    rng = random.Random(8)
    with connected(app):
        station = default_station()
        user = gen_user("social_worker")
        crowd = [gen_person(rng.choice(["resident", "resident", "volunteer"]))[0]
                 for _ in range(15)]
        start, end = datetime.date(2026, 11, 1), datetime.date(2026, 11, 30)
        expected = {k: {"activities": 0, "attendances": 0, "people": set()}
                    for k in ("group", "event", "class")}
        voided_done = False
        for i in range(18):
            kind = ("group", "event", "class")[i % 3]
            # Some fall outside the month: 2026-10-31 and 2026-12-01 must not count.
            day = [datetime.date(2026, 10, 31), datetime.date(2026, 12, 1)][i % 2] \
                if i in (4, 9) else start + datetime.timedelta(days=rng.randrange(30))
            activity = _make_activity(name="活动%d" % i, kind=kind, day=day, user=user)
            goers = rng.sample(crowd, rng.randrange(0, 9))
            for person in goers:
                record_attendance(activity, person)
                record_attendance(activity, person)  # a repeat scan counts once
            cancelled = i in (2, 7, 11)
            if cancelled:
                activities.cancel_activity(activity, "天气", actor=user)
            in_range = start <= day <= end
            if goers and in_range and not cancelled and not voided_done:
                row = Attendance.get((Attendance.activity == activity)
                                     & (Attendance.person == goers[0]))
                activities.void_attendance(row, "误签", actor=user)
                goers = goers[1:]
                voided_done = True
            if in_range and not cancelled:
                expected[kind]["activities"] += 1
                expected[kind]["attendances"] += len(goers)
                expected[kind]["people"] |= {p.id for p in goers}
        assert voided_done
        other = models.Station.create(code="other", name="别的驿站")
        foreign = _make_activity(name="外站", day=datetime.date(2026, 11, 5))
        foreign.station = other
        foreign.save()
        record_attendance(foreign, crowd[0])

        figures = activities.activity_figures(station, start, end)
    for kind, counts in expected.items():
        got = figures["by_kind"][kind]
        assert (got["activities"], got["attendances"], got["people"]) == \
            (counts["activities"], counts["attendances"], len(counts["people"])), kind
    assert figures["activities"] == sum(c["activities"] for c in expected.values())
    assert figures["attendances"] == sum(c["attendances"] for c in expected.values())
    everyone = set().union(*(c["people"] for c in expected.values()))
    assert figures["people"] == len(everyone)
    assert list(figures["by_kind"]) == ["group", "event", "class"]
    assert figures["attendances"] > figures["people"] > 0  # repeat attendees across activities


def test_scan_after_a_void_restores_the_attendance(app):
    """Does a kiosk scan of a person whose attendance staff voided count them again, audited?"""
    import datetime
    from core import activities, attendance
    from core.stations import default_station
    from models import Activity, AuditLog, Attendance, utcnow
    with connected(app):
        station = default_station()
        now = utcnow()
        activity = Activity.create(station=station, name="手工小组", kind="group", starts_at=now,
                                   local_date=attendance.local_date(station, now))
        person, _ = gen_person()
        staff = gen_user("staff")
        row, _ = attendance.record_attendance(activity, person, source="scanner")
        activities.void_attendance(row, "扫错了", actor=staff)
        again, created = attendance.record_attendance(activity, person, source="camera")
        assert created and again.id == row.id
        stored = Attendance.get_by_id(row.id)
        assert stored.voided_at is None and stored.source == "camera"
        assert Attendance.select().count() == 1
        assert AuditLog.select().where(AuditLog.action == "attendance.restore").count() == 1
        assert (local_today() - stored.at.date()).days <= 1
