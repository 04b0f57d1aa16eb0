"""Who is in today, and the day's visits: one reader of each question (core.presence)."""
import re

from core import attendance, corrections, presence
from core.stations import default_station
from models import Visit, db
from tests.helpers import connected, gen_person, gen_user, local_today, login_as


def _arrange(app):
    """A is in; B came and left; C's check-in was voided; D has not come."""
    with connected(app):
        station = default_station()
        admin = gen_user("admin")
        people = {key: gen_person("resident", name="居民%s" % key)[0] for key in "ABCD"}
        attendance.check_in(people["A"], station, source="staff")
        attendance.check_in(people["B"], station, source="staff")
        attendance.check_out(people["B"], station, source="staff")
        visit, _created = attendance.check_in(people["C"], station, source="staff")
        corrections.void(visit, actor=admin, reason="扫错了卡")
    return admin, people


def test_who_is_in_has_one_answer(app):
    """Do the one-person and many-people readers and the list of who is here agree?"""
    _admin, people = _arrange(app)
    expected = {"A": "in", "B": "out", "C": "none", "D": "none"}
    with connected(app):
        station = default_station()
        many = presence.day_statuses(station, list(people.values()))
        for key, person in people.items():
            assert presence.day_status(person, station) == expected[key], key
            assert many[person.id] == expected[key], key
        here = presence.here(presence.visits(station, local_today()))
        assert [v.person_id for v in here] == [people["A"].id]


def test_the_screens_say_who_is_in_as_the_reader_does(app, client):
    """Do the today screen, the staff check-in search and a person's page say the same?"""
    admin, people = _arrange(app)
    login_as(client, admin)
    today = client.get("/admin/").get_data(as_text=True)
    assert "居民A" in today and "居民B" not in today and "居民C" not in today
    search = client.get("/admin/check-in?q=居民").get_data(as_text=True)
    said = dict(re.findall(r"<td>(居民[A-D])</td>.*?<td>.*?</td>.*?<td>(尚未签到|已签到|已签退)</td>",
                           search, re.S))
    assert said == {"居民A": "已签到", "居民B": "已签退", "居民C": "尚未签到", "居民D": "尚未签到"}
    page = client.get("/admin/people/%d" % people["B"].id).get_data(as_text=True)
    assert re.search(r"<dd>已签退</dd>", page)


def test_the_log_keeps_voided_visits_and_the_day_does_not(app):
    """Does the log list a voided check-in while the day's visits leave it out?"""
    _admin, people = _arrange(app)
    with connected(app):
        station, day = default_station(), local_today()
        logged = [e.person_id for _at, kind, e in presence.log_entries(station, day, day)
                  if kind == "visit"]
        valid = [v.person_id for v in presence.visits(station, day)]
    assert people["C"].id in logged and people["C"].id not in valid
    assert sorted(valid) == sorted([people["A"].id, people["B"].id, people["B"].id])


def test_a_kiosk_check_in_is_one_read_and_one_insert(app):
    """Does a check-in still cost the database one SELECT and one INSERT, no more?"""
    with connected(app):
        station = default_station()
        person, _payload = gen_person("resident")
        statements = []
        execute = db.obj.execute_sql

        def counted(sql, params=None, *args, **kwargs):
            statements.append(sql.split(None, 1)[0].upper())
            return execute(sql, params, *args, **kwargs)

        db.obj.execute_sql = counted
        try:
            visit, created = attendance.check_in(person, station, client_id="kiosk-abcdefgh")
        finally:
            del db.obj.execute_sql
        assert created and Visit.get_by_id(visit.id).person_id == person.id
    assert [s for s in statements if s in ("SELECT", "INSERT", "UPDATE", "DELETE")] \
        == ["SELECT", "INSERT"]
