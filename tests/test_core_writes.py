"""The core's write functions: the audited change, consent and sensitive data, the import's
transaction, and the small writes the screens used to make themselves."""
import datetime
import io
import json

import openpyxl
import pytest

from core import attendance, audited, kiosk_auth, people, roster_apply, roster_import
from core.stations import default_station
from models import AuditLog, Consent, HelpRequest, KioskDevice, Person, db
from tests.helpers import connected, gen_person, gen_user, local_today

CARD = "51010219560312004X43"  # ID 51010219560312004X, category 4, level 3


def _log(action):
    rows = list(AuditLog.select().where(AuditLog.action == action).order_by(AuditLog.id))
    return rows[-1] if rows else None


def test_an_audited_change_writes_only_what_differs(app):
    """Does the helper store and log only the fields that changed, and nothing when none did?"""
    with connected(app):
        person, _ = gen_person("resident", name="王秀英")
        admin = gen_user("admin")
        Person.update(address="石井坡街道 3 号").where(Person.id == person.id).execute()
        changed = audited.update(person, {"phone": "13900001111", "name": "王秀英"},
                                 action="person.update", actor=admin)
        assert changed == {"phone": "13900001111"}
        stored = Person.get_by_id(person.id)
        # Another change made meanwhile is not overwritten with the old value held in memory.
        assert (stored.phone, stored.address) == ("13900001111", "石井坡街道 3 号")
        row = _log("person.update")
        assert json.loads(row.before) == {"phone": ""}
        assert json.loads(row.after) == {"phone": "13900001111"}
        assert (row.actor_id, row.object_id, row.station_id) == (admin.id, person.id,
                                                                  person.station_id)
        count = AuditLog.select().count()
        assert audited.update(person, {"phone": "13900001111"}, action="person.update") == {}
        assert AuditLog.select().count() == count


def test_hidden_fields_are_logged_as_changed_without_their_values(app):
    """Does a hidden field's change reach the row while the log shows neither value?"""
    with connected(app):
        person, _ = gen_person("resident")
        audited.update(person, {"id_number": "51010219560312004X"}, action="person.x",
                       hide=("id_number",))
        assert Person.get_by_id(person.id).id_number == "51010219560312004X"
        row = _log("person.x")
        assert "51010219560312004X" not in row.before + row.after
        assert json.loads(row.after) == {"id_number": audited.HIDDEN}


def test_a_consent_for_a_child_is_a_guardians_by_the_day_it_was_given(app):
    """Is a child's own consent refused, a guardian's recorded, and age counted on the day?"""
    with connected(app):
        person, _ = gen_person("resident")
        today = local_today()
        person.birth_date = today.replace(year=today.year - 14) + datetime.timedelta(days=1)
        person.save()
        assert people.age_on(person.birth_date, today) == 13
        assert people.guardian_must_consent(person.birth_date, today)
        assert not people.guardian_must_consent(person.birth_date,
                                                today + datetime.timedelta(days=1))
        assert not people.guardian_must_consent(None, today)
        with pytest.raises(people.GuardianRequired):
            people.record_consent(person, method="paper", given_on=today)
        assert not Consent.select().where(Consent.person == person).exists()
        consent = people.record_consent(person, method="paper", given_on=today,
                                        given_by="guardian", guardian_name="孙建军")
        assert (consent.given_by, consent.guardian_name) == ("guardian", "孙建军")
        assert json.loads(_log("consent.record").after)["given_by"] == "guardian"


def test_withdrawing_the_last_consent_clears_sensitive_data_in_the_log_without_values(app):
    """Does withdrawal clear every sensitive field, once, with no value in the audit log?"""
    with connected(app):
        person, _ = gen_person("resident")
        admin = gen_user("social_worker")
        consent = people.record_consent(person, method="paper", given_on=local_today())
        changed = people.set_sensitive(person, card=CARD, id_type="居民身份证",
                                       id_number=CARD[:18], actor=admin)
        assert set(changed) == set(people.SENSITIVE_FIELDS)
        assert people.withdraw_consent(consent, actor=admin) is True
        assert people.withdraw_consent(consent, actor=admin) is False
        stored = Person.get_by_id(person.id)
        assert (stored.disability_card, stored.disability_category, stored.id_number) == (
            "", None, "")
        assert Consent.get_by_id(consent.id).withdrawn_at is not None
        rows = AuditLog.select().where(AuditLog.object_id == person.id)
        assert all(CARD[:18] not in r.before + r.after for r in rows)
        assert _log("person.clear_sensitive").detail == "consent withdrawn"
        with pytest.raises(people.ConsentRequired):
            people.set_sensitive(person, card=CARD)


def test_a_form_replaces_the_whole_sensitive_set(app):
    """With replace, does a field left empty on the form clear what was stored?"""
    with connected(app):
        person, _ = gen_person("resident")
        people.record_consent(person, method="paper", given_on=local_today())
        people.set_sensitive(person, card=CARD)
        people.set_sensitive(person, id_type="居民身份证", id_number=CARD[:18])
        assert Person.get_by_id(person.id).disability_card == CARD  # kept without replace
        people.set_sensitive(person, category=2, id_type="", id_number="", replace=True)
        stored = Person.get_by_id(person.id)
        assert (stored.disability_card, stored.disability_category, stored.disability_level,
                stored.id_number) == ("", 2, None, "")


def test_resolving_a_help_request_is_once_and_audited(app):
    """Is a help request resolved once, with who and the note, and checked in at the desk?"""
    with connected(app):
        station = default_station()
        admin = gen_user("staff")
        person, _ = gen_person("resident")
        call, _ = attendance.request_help(station)
        visit, created = attendance.check_in_at_desk(person, station, recorded_by=admin,
                                                     help_request=call)
        assert created and visit.source == "staff"
        stored = HelpRequest.get_by_id(call.id)
        assert stored.resolved_by_id == admin.id and stored.note == "checked in #%d" % person.id
        assert attendance.resolve_help(call, actor=admin, note="again") is False
        assert AuditLog.select().where(AuditLog.action == "help.resolve").count() == 1
        second, _ = attendance.request_help(station)
        with pytest.raises(attendance.AlreadyCheckedIn):
            attendance.check_in_at_desk(person, station, recorded_by=admin, help_request=second)
        assert HelpRequest.get_by_id(second.id).note == "already checked in #%d" % person.id


def test_a_kiosk_is_renamed_and_seen_through_the_core(app):
    """Does a rename change and log only a new name, and does seen() store the time?"""
    with connected(app):
        station = default_station()
        device, _code = kiosk_auth.new_enrollment("平板一", station)
        assert kiosk_auth.rename(device, "平板一") is False
        assert kiosk_auth.rename(device, "前台平板", actor=gen_user("admin")) is True
        assert KioskDevice.get_by_id(device.id).name == "前台平板"
        kiosk_auth.seen(device)
        assert KioskDevice.get_by_id(device.id).last_seen_at == device.last_seen_at


def _roster(rows):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["姓名", "联系电话", "出生日期"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return roster_import.read_table(out.getvalue(), "roster.xlsx")


def test_the_import_reads_and_plans_before_its_transaction(app, monkeypatch):
    """Are the rows parsed and matched outside the transaction that writes them?"""
    seen = []
    for name in ("parse_rows", "match_rows"):
        original = getattr(roster_apply, name)

        def spy(*args, _original=original, _name=name, **kwargs):
            seen.append((_name, db.in_transaction()))
            return _original(*args, **kwargs)
        monkeypatch.setattr(roster_apply, name, spy)
    with connected(app):
        station = default_station()
        table = _roster([["李建国", "13900001111", "1950-01-02"]])
        result = roster_apply.apply(station, table, roster_import.recognise(table.header))
        assert len(result.created) == 1
    assert seen == [("parse_rows", False), ("match_rows", False)]


def test_someone_registered_while_the_import_was_planned_is_not_created_twice(app,
                                                                              monkeypatch):
    """When a person is registered between the plan and the write, is the row matched again?"""
    original = roster_apply.match_rows
    calls = []

    def match_then_register(station, *args, **kwargs):
        preview = original(station, *args, **kwargs)
        if not calls:  # staff register the same person while the file is being planned
            people.add_person(station, "李建国", "resident", phone="13900001111")
        calls.append(preview)
        return preview
    monkeypatch.setattr(roster_apply, "match_rows", match_then_register)
    with connected(app):
        station = default_station()
        table = _roster([["李建国", "13900001111", "1950-01-02"],
                         ["张桂兰", "13900002222", "1948-05-06"]])
        mapping = roster_import.recognise(table.header)
        result = roster_apply.apply(station, table, mapping)
        assert len(calls) == 2
        assert Person.select().where(Person.name == "李建国").count() == 1
        assert Person.select().where(Person.name == "张桂兰").count() == 1
        assert len(result.created) == 1 and len(result.updated) == 1
        assert Person.get(Person.name == "李建国").birth_date == datetime.date(1950, 1, 2)
