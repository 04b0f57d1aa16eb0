"""A person's rights: the copy of their data holds every record; erasure removes their personal
data from every table while the month's 服务人次 and 受益人数 stay the same."""
import datetime
import io
import json
import os

from peewee import CharField, TextField

import models
from core import attendance, corrections, people
from core.database import is_sqlite
from core.demo import ensure_catalogue
from core.stations import default_station
from models import (Activity, AuditLog, Badge, Consent, Person, ServiceRecord, StaffUser, Visit,
                    VolunteerShift, db)
from tests.helpers import connected, csrf_token, gen_person, gen_user, local_today, login_as

NAME, PHONE = "欧阳丽娟", "13912345678"
ID_NUMBER = "50010219560308123X"
CARD = ID_NUMBER + "22"
GUARDIAN = "欧阳建国"


def arrange_month(app):
    """A month with the person and others: visits, services, shifts, notes, audit rows."""
    with connected(app):
        station = default_station()
        services = ensure_catalogue(station)
        person, _ = gen_person("resident", name=NAME)
        person.phone, person.guardian_name, person.address = PHONE, GUARDIAN, "石井坡街道 12 号"
        person.birth_date = datetime.date(1956, 3, 8)
        person.save()
        Consent.create(person=person, method="paper", given_on=local_today(),
                       note="%s 本人签字" % NAME)
        people.set_sensitive(person, card=CARD, id_type="居民身份证", id_number=ID_NUMBER)
        person.save()
        other, _ = gen_person("resident", name="李建国")
        volunteer, _ = gen_person("volunteer", name="马红梅")
        admin = gen_user("admin")
        today = attendance.local_date(station)
        first = today.replace(day=1)
        days = [first + datetime.timedelta(days=n) for n in range(0, min(today.day, 5))]
        for day in days:
            at = attendance.local_to_utc(station, day, datetime.time(9, 0))
            for who in (person, other):
                attendance.check_in(who, station, at=at)
                attendance.record_services(who, station, services[:2], provider=volunteer,
                                           at=at + datetime.timedelta(minutes=10))
        # Another resident's note names her; a correction's audit row too.
        note_record = attendance.record_services(other, station, [services[3]],
                                                 note="和%s一起做康复，电话%s" % (NAME, PHONE))[0]
        visit = Visit.get((Visit.person == person) & (Visit.local_date == days[0]))
        corrections.correct(visit, {"at": visit.at + datetime.timedelta(minutes=5)},
                            actor=admin, reason="%s 说她九点零五到" % NAME)
        shift, _ = attendance.start_shift(volunteer, station)
        attendance.end_shift(volunteer, station)
        activity = Activity.create(station=station, name="手工课", starts_at=models.utcnow(),
                                   local_date=today)
        attendance.record_attendance(activity, person)
        people.issue_badge(person, actor_label="test", reason="lost")
        return {"person": person.id, "other": other.id, "volunteer": volunteer.id,
                "admin": admin, "month": (first, today), "note_record": note_record.id,
                "shift": shift.id}


def month_figures(station_id, first, last):
    """服务人次 (valid visits, valid service records) and 受益人数, counted straight from SQL."""
    database = db.obj
    visits = database.execute_sql(
        "SELECT COUNT(*) FROM visit WHERE station_id = ? AND kind = 'check_in' "
        "AND voided_at IS NULL AND local_date BETWEEN ? AND ?".replace("?", _mark()),
        (station_id, first, last)).fetchone()[0]
    records = database.execute_sql(
        "SELECT COUNT(*) FROM service_record WHERE station_id = ? AND voided_at IS NULL "
        "AND local_date BETWEEN ? AND ?".replace("?", _mark()),
        (station_id, first, last)).fetchone()[0]
    people_served = database.execute_sql(
        "SELECT COUNT(DISTINCT person_id) FROM (SELECT person_id FROM visit WHERE station_id = ? "
        "AND kind = 'check_in' AND voided_at IS NULL AND local_date BETWEEN ? AND ? UNION "
        "SELECT recipient_id FROM service_record WHERE station_id = ? AND voided_at IS NULL "
        "AND local_date BETWEEN ? AND ?) AS served".replace("?", _mark()),
        (station_id, first, last, station_id, first, last)).fetchone()[0]
    return {"visits": visits, "service_records": records, "people": people_served}


def _mark():
    return "?" if is_sqlite() else "%s"


def text_columns():
    for model in models.MODELS:
        for field in model._meta.sorted_fields:
            if isinstance(field, (CharField, TextField)):
                yield model, field


def places_holding(needle):
    """Every (table, column) where some row's text contains the needle."""
    return [(model.__name__, field.name) for model, field in text_columns()
            if model.select().where(field.contains(needle)).exists()]


def test_erase_removes_personal_data_everywhere_and_keeps_the_counts(app, client):
    """After erasure, is the name, phone, card and ID gone from every table, the counts the same?"""
    ids = arrange_month(app)
    first, last = ids["month"]
    with connected(app):
        station_id = default_station().id
        before = month_figures(station_id, first, last)
        assert before["people"] == 2 and before["visits"] >= 2
        for needle in (NAME, PHONE, CARD, ID_NUMBER, GUARDIAN):
            assert places_holding(needle), needle  # the test data does hold them
    login_as(client, ids["admin"])
    token = csrf_token(client, "/admin/people/%d/erase" % ids["person"])
    response = client.post("/admin/people/%d/erase" % ids["person"],
                           data={"csrf_token": token, "confirm_name": NAME})
    assert response.status_code == 302
    with connected(app):
        for needle in (NAME, PHONE, CARD, ID_NUMBER, GUARDIAN, "石井坡街道"):
            assert places_holding(needle) == [], needle
        assert month_figures(station_id, first, last) == before
        person = Person.get_by_id(ids["person"])
        assert person.erased_at is not None and person.name is None
        assert person.birth_date is None and person.disability_level is None
        assert Badge.select().where((Badge.person == person)
                                    & Badge.revoked_at.is_null()).count() == 0
        assert Consent.select().where((Consent.person == person)
                                      & Consent.withdrawn_at.is_null()).count() == 0
        # Other people keep their names; the other resident's note keeps its service.
        assert Person.get_by_id(ids["other"]).name == "李建国"
        assert "康复" in ServiceRecord.get_by_id(ids["note_record"]).note
        row = AuditLog.get(AuditLog.action == "person.erase")
        assert row.actor_id == ids["admin"].id and row.object_id == ids["person"]
    # The erased person is gone from lists and searches.
    assert NAME not in client.get("/admin/people?q=欧阳").get_data(as_text=True)


def test_erase_needs_the_name_typed(app, client):
    """Is an erasure with the wrong name typed refused, with nothing erased?"""
    with connected(app):
        person, _ = gen_person("resident", name="陈桂英")
        admin = gen_user("admin")
    login_as(client, admin)
    token = csrf_token(client, "/admin/people/%d/erase" % person.id)
    response = client.post("/admin/people/%d/erase" % person.id,
                           data={"csrf_token": token, "confirm_name": "陈桂"})
    assert response.status_code == 422
    assert "姓名不一致" in response.get_data(as_text=True)
    with connected(app):
        assert Person.get_by_id(person.id).name == "陈桂英"


def test_only_an_administrator_may_erase(app, client):
    """Is a social worker refused the erase screen and the erase itself?"""
    with connected(app):
        person, _ = gen_person("resident", name="赵玉兰")
        worker = gen_user("social_worker")
    login_as(client, worker)
    token = csrf_token(client, "/admin/")
    assert client.get("/admin/people/%d/erase" % person.id).status_code == 403
    assert client.post("/admin/people/%d/erase" % person.id,
                       data={"csrf_token": token, "confirm_name": "赵玉兰"}).status_code == 403
    with connected(app):
        assert Person.get_by_id(person.id).erased_at is None


def expected_records(ids):
    """Every record the station holds about the person, straight from the tables."""
    pid = ids["person"]
    return {
        "visits": {v.id for v in Visit.select().where(Visit.person == pid)},
        "services_received": {r.id for r in ServiceRecord.select()
                              .where(ServiceRecord.recipient == pid)},
        "consents": {c.id for c in Consent.select().where(Consent.person == pid)},
        "badges": {b.id for b in Badge.select().where(Badge.person == pid)},
        "activity_attendance": {a.id for a in models.Attendance.select()
                                .where(models.Attendance.person == pid)},
        "audit_log": {a.id for a in AuditLog.select().where(
            ((AuditLog.object_type == "Person") & (AuditLog.object_id == pid))
            | ((AuditLog.object_type == "Visit") & AuditLog.object_id.in_(
                [v.id for v in Visit.select().where(Visit.person == pid)])))},
    }


def test_copy_of_data_holds_every_record(app, client):
    """Does the JSON copy hold every visit, service, consent, badge, attendance and audit row?"""
    ids = arrange_month(app)
    with connected(app):
        worker = gen_user("social_worker")
        expected = expected_records(ids)
        assert all(expected.values())
    login_as(client, worker)
    response = client.get("/admin/people/%d/copy?format=json" % ids["person"])
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.data.decode("utf-8"))
    assert data["person"]["name"] == NAME and data["person"]["phone"] == PHONE
    assert data["person"]["disability_card"] == CARD  # a social worker may see it
    for section, wanted in expected.items():
        assert {r["id"] for r in data[section]} >= wanted, section
    assert {r["id"] for r in data["visits"]} == expected["visits"]
    assert {r["id"] for r in data["services_received"]} == expected["services_received"]
    with connected(app):
        row = AuditLog.select().where(AuditLog.action == "person.copy_of_data").get()
        assert row.actor_id == worker.id and row.object_id == ids["person"]


def test_copy_of_data_as_xlsx(app, client):
    """Does the XLSX copy open with openpyxl, one sheet per kind of record, every row there?"""
    from openpyxl import load_workbook
    ids = arrange_month(app)
    with connected(app):
        worker = gen_user("admin")
        expected = expected_records(ids)
        volunteer_shifts = {s.id for s in VolunteerShift.select()
                            .where(VolunteerShift.volunteer == ids["volunteer"])}
    login_as(client, worker)
    book = load_workbook(io.BytesIO(
        client.get("/admin/people/%d/copy?format=xlsx" % ids["person"]).data))
    fields = {row[0]: row[1] for row in book["person"].iter_rows(min_row=2, values_only=True)}
    assert fields["name"] == NAME and fields["id_number"] == ID_NUMBER
    for section in ("visits", "services_received", "consents", "badges"):
        sheet = book[section]
        header = [c.value for c in sheet[1]]
        got = {row[header.index("id")] for row in sheet.iter_rows(min_row=2, values_only=True)}
        assert got == expected[section], section
    # The volunteer's copy holds their shifts and the services they gave.
    data = json.loads(client.get("/admin/people/%d/copy" % ids["volunteer"]).data)
    assert {s["id"] for s in data["volunteer_shifts"]} == volunteer_shifts
    with connected(app):
        given = {r.id for r in ServiceRecord.select()
                 .where(ServiceRecord.provider == ids["volunteer"])}
    assert {r["id"] for r in data["services_given"]} == given and given
    # Other people appear only masked in someone else's copy.
    assert "李建国" not in json.dumps(data, ensure_ascii=False)


def test_staff_account_of_an_erased_staff_member_loses_the_name(app, client):
    """Is the display name of a staff member's account cleared when they are erased?"""
    with connected(app):
        person, _ = gen_person("staff", name="谢晓燕")
        account = gen_user("staff")
        account.person, account.display_name = person, "谢晓燕"
        account.save()
        admin = gen_user("admin")
    login_as(client, admin)
    token = csrf_token(client, "/admin/people/%d/erase" % person.id)
    client.post("/admin/people/%d/erase" % person.id,
                data={"csrf_token": token, "confirm_name": "谢晓燕"})
    with connected(app):
        assert StaffUser.get_by_id(account.id).display_name == ""
        assert places_holding("谢晓燕") == []


# --- every copy, every former value -----------------------------------------------------------

FORMER = {  # what the person's record held at one time or another, field by field
    "name": ["欧阳丽", "欧阳丽娟"],
    "phone": ["13911112222", "13933334444"],
    "address": ["石井坡街道 3 号", "石井坡街道 99 号"],
    "guardian_name": ["欧阳建华"],
    "guardian_phone": ["13955556666"],
    "skills": ["剪纸和编织"],
    "notes": ['她说"腿疼得厉害"\n要借轮椅', "独居，女儿在外地打工"],
}


def _person_form(client, url, **fields):
    data = {"csrf_token": csrf_token(client, url), "kind": "resident", "active": "1"}
    data.update(fields)
    return client.post(url, data=data)


def test_erasure_leaves_no_former_detail_in_any_table(app, client, runner, tmp_path):
    """After a person's details were changed many ways (admin edits, consent, a roster
    import, a corrected service note, a waiting upload), does erasure leave none of the
    former details in any table, audit before/after/detail included, and the counts as
    they were?"""
    with connected(app):
        admin = gen_user("admin")
        station = default_station()
        services = ensure_catalogue(station)
    login_as(client, admin)
    response = _person_form(client, "/admin/people/new", name=FORMER["name"][0],
                            phone=FORMER["phone"][0], address=FORMER["address"][0],
                            notes=FORMER["notes"][0], skills=FORMER["skills"][0],
                            birth_date="1956-03-08", sex="女")
    person_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    edit = "/admin/people/%d/edit" % person_id
    assert _person_form(client, edit, name=FORMER["name"][1], phone=FORMER["phone"][1],
                        address=FORMER["address"][0], notes=FORMER["notes"][1],
                        guardian_name=FORMER["guardian_name"][0],
                        guardian_phone=FORMER["guardian_phone"][0], skills=FORMER["skills"][0],
                        birth_date="1956-03-09", sex="女").status_code == 302
    client.post("/admin/people/%d/consent" % person_id, data={
        "csrf_token": csrf_token(client, "/admin/people/%d" % person_id), "scope": "sensitive",
        "method": "paper", "given_by": "guardian", "guardian_name": FORMER["guardian_name"][0],
        "given_on": local_today().isoformat(), "note": "监护人%s代签" % FORMER["guardian_name"][0]})
    client.post("/admin/people/%d/sensitive/edit" % person_id, data={
        "csrf_token": csrf_token(client, "/admin/people/%d/sensitive" % person_id),
        "disability_card": CARD, "id_type": "居民身份证", "id_number": ID_NUMBER})
    roster_file = tmp_path / "花名册.csv"
    roster_file.write_text("姓名,出生日期,住址\n%s,1956-03-09,%s\n"
                           % (FORMER["name"][1], FORMER["address"][1]), encoding="utf-8")
    result = runner.invoke(args=["import-people", str(roster_file)])
    assert result.exit_code == 0 and "更新 1 人" in result.output, result.output
    with connected(app):
        person = Person.get_by_id(person_id)
        assert person.address == FORMER["address"][1] and person.id_number == ID_NUMBER
        first = local_today().replace(day=1)
        at = attendance.local_to_utc(station, local_today(), datetime.time(9, 0))
        attendance.check_in(person, station, at=at)
        record = attendance.record_services(person, station, [services[0]], at=at,
                                            note="%s 腰疼" % FORMER["name"][1])[0]
        corrections.correct(record, {"note": "腰疼好些了，电话 %s" % FORMER["phone"][1]},
                            actor=admin, reason="改备注")
        before = month_figures(station.id, first, local_today())
        everything = [v for values in FORMER.values() for v in values] + [ID_NUMBER, CARD]
        for value in everything:  # the test data does hold them (in JSON, escaped)
            assert places_holding(value) or places_holding(
                json.dumps(value, ensure_ascii=False)[1:-1]), value
    client.get("/admin/people/%d/copy?format=xlsx" % person_id)
    # A roster waiting to be imported that names her, and one that does not.
    for text in ("姓名,联系电话\n%s,%s\n" % (FORMER["name"][1], FORMER["phone"][1]),
                 "姓名,联系电话\n李建国,13800000000\n"):
        token = csrf_token(client, "/admin/import")
        assert client.post("/admin/import", data={
            "csrf_token": token, "kind": "resident",
            "file": (io.BytesIO(text.encode("utf-8")), "名单.csv")},
            content_type="multipart/form-data").status_code == 302
    waiting = os.path.join(app.instance_path, "imports")
    assert len([n for n in os.listdir(waiting) if n.endswith(".bin")]) == 2

    response = client.post("/admin/people/%d/erase" % person_id, data={
        "csrf_token": csrf_token(client, "/admin/people/%d/erase" % person_id),
        "confirm_name": FORMER["name"][1]})
    assert response.status_code == 302

    with connected(app):
        for value in everything + ["腿疼", "轮椅", "独居", "腰疼", "代签"]:
            for line in value.split("\n"):
                assert places_holding(line) == [], line
        about_her = [r for r in AuditLog.select() if r.object_type == "Person"
                     and r.object_id == person_id and r.action != "person.erase"]
        assert {r.action for r in about_her} >= {"person.create", "person.update"}
        for row in about_her:
            for text in (row.before, row.after):
                for date in ("1956-03-08", "1956-03-09", "女"):
                    assert date not in text, (row.action, text)
        assert month_figures(station.id, first, local_today()) == before
        erase_row = AuditLog.get(AuditLog.action == "person.erase")
        assert json.loads(erase_row.after)["waiting_uploads_discarded"] == 1
    left = [n for n in os.listdir(waiting) if n.endswith(".bin")]
    assert len(left) == 1
    with open(os.path.join(waiting, left[0]), encoding="utf-8") as fh:
        assert "李建国" in fh.read()  # another person's upload is left alone
