"""People: register, edit, search, consent, and sensitive fields only for the right roles."""
import datetime
import io
import json

import pytest

from core import people
from models import AuditLog, Badge, Consent, Person
from station_admin.roles import can
from tests.helpers import connected, csrf_token, gen_person, local_today, sign_in
from tests.test_roles import admin_routes, arrange, build_url

ID_NUMBER = "50010219480517201X"
CARD = ID_NUMBER + "43"


def test_register_a_person(app, client):
    """Can staff register a resident, who then has a badge, and find them by name or phone?"""
    user = sign_in(app, client, "staff")
    token = csrf_token(client, "/admin/")
    response = client.post("/admin/people/new", data={
        "csrf_token": token, "kind": "resident", "name": "周凤英", "sex": "女",
        "birth_date": "1950-06-01", "phone": "13800001111", "address": "石井坡 3 号"})
    assert response.status_code == 302
    with connected(app):
        person = Person.get(Person.name == "周凤英")
        assert (person.kind, person.phone, person.birth_date) == (
            "resident", "13800001111", datetime.date(1950, 6, 1))
        assert Badge.select().where(Badge.person == person).count() == 1
        assert AuditLog.get(AuditLog.action == "person.create").actor_id == user.id
    assert "周凤英" in client.get("/admin/people?q=周").get_data(as_text=True)
    assert "周凤英" in client.get("/admin/people?q=1111").get_data(as_text=True)
    assert "周凤英" not in client.get("/admin/people?kind=volunteer").get_data(as_text=True)


def test_register_bad_input(app, client):
    """Do an empty name, a phone with letters and a future birth date each get a message?"""
    sign_in(app, client, "staff")
    token = csrf_token(client, "/admin/")
    response = client.post("/admin/people/new", data={
        "csrf_token": token, "kind": "resident", "name": " ", "phone": "call me",
        "birth_date": "2999-01-01"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "请填写姓名" in html and "电话号码" in html and "出生日期" in html
    with connected(app):
        assert Person.select().count() == 0


def test_edit_keeps_the_old_values_in_the_audit_log(app, client):
    """Does an edit store the new phone and keep the old one in the audit log?"""
    with connected(app):
        person, _ = gen_person("resident", name="吴国庆")
        person.phone = "13900000000"
        person.save()
    sign_in(app, client, "staff")
    token = csrf_token(client, "/admin/")
    response = client.post("/admin/people/%d/edit" % person.id, data={
        "csrf_token": token, "kind": "resident", "name": "吴国庆", "phone": "13911112222",
        "active": "1"})
    assert response.status_code == 302
    with connected(app):
        assert Person.get_by_id(person.id).phone == "13911112222"
        row = AuditLog.get(AuditLog.action == "person.update")
        assert json.loads(row.before) == {"phone": "13900000000"}
        assert json.loads(row.after) == {"phone": "13911112222"}


def test_consent_for_a_child_needs_a_guardian(app, client):
    """Is a consent for an under-14 refused unless a guardian gives it, then recorded with who?"""
    with connected(app):
        child, _ = gen_person("resident", name="孙小龙")
        child.birth_date = local_today().replace(year=local_today().year - 10)
        child.save()
    user = sign_in(app, client, "social_worker")
    token = csrf_token(client, "/admin/")
    today = local_today().isoformat()
    response = client.post("/admin/people/%d/consent" % child.id, data={
        "csrf_token": token, "scope": "sensitive", "method": "paper", "given_by": "self",
        "given_on": today}, follow_redirects=True)
    assert "须由监护人" in response.get_data(as_text=True)
    with connected(app):
        assert Consent.select().count() == 0
    client.post("/admin/people/%d/consent" % child.id, data={
        "csrf_token": token, "scope": "sensitive", "method": "paper", "given_by": "guardian",
        "guardian_name": "孙建军", "given_on": today})
    with connected(app):
        consent = Consent.get(Consent.person == child.id)
        assert (consent.given_by, consent.guardian_name, consent.recorded_by_id) == (
            "guardian", "孙建军", user.id)
    html = client.get("/admin/people/%d" % child.id).get_data(as_text=True)
    assert "孙建军" in html and "监护人" in html


def test_sensitive_data_needs_consent_and_each_view_is_audited(app, client):
    """Is sensitive data refused without consent, saved with it, and every view audited?"""
    with connected(app):
        person, _ = gen_person("resident", name="黄文华")
    user = sign_in(app, client, "social_worker")
    token = csrf_token(client, "/admin/")
    response = client.post("/admin/people/%d/sensitive/edit" % person.id, data={
        "csrf_token": token, "disability_card": CARD})
    assert response.status_code == 422 and "请先记录同意" in response.get_data(as_text=True)
    with connected(app):
        assert Person.get_by_id(person.id).disability_card == ""
        Consent.create(person=person, method="paper", given_on=local_today())
    response = client.post("/admin/people/%d/sensitive/edit" % person.id, data={
        "csrf_token": token, "disability_card": "1234"})
    assert response.status_code == 422 and "不是有效的残疾人证号" in response.get_data(
        as_text=True)
    response = client.post("/admin/people/%d/sensitive/edit" % person.id, data={
        "csrf_token": token, "disability_card": CARD, "id_type": "居民身份证",
        "id_number": ID_NUMBER})
    assert response.status_code == 302
    with connected(app):
        stored = Person.get_by_id(person.id)
        assert (stored.disability_category, stored.disability_level) == (4, 3)
        assert stored.id_number == ID_NUMBER
        row = AuditLog.get(AuditLog.action == "person.set_sensitive")
        assert CARD not in row.after and ID_NUMBER not in row.after  # values stay out
        views = AuditLog.select().where(AuditLog.action == "person.view_sensitive").count()
    html = client.get("/admin/people/%d/sensitive" % person.id).get_data(as_text=True)
    assert CARD in html and "肢体" in html and "三级" in html
    assert CARD not in client.get("/admin/people/%d" % person.id).get_data(as_text=True)
    client.get("/admin/people/%d/sensitive" % person.id)
    with connected(app):
        rows = list(AuditLog.select().where(AuditLog.action == "person.view_sensitive"))
        assert len(rows) == views + 2
        assert all(r.actor_id == user.id and r.object_id == person.id for r in rows[-2:])


def test_withdrawing_consent_removes_sensitive_data(app, client):
    """When the only sensitive-data consent is withdrawn, is the sensitive data removed?"""
    with connected(app):
        person, _ = gen_person("resident")
        consent = Consent.create(person=person, method="paper", given_on=local_today())
        people.set_sensitive(person, card=CARD)
        person.save()
    sign_in(app, client, "social_worker")
    token = csrf_token(client, "/admin/")
    client.post("/admin/people/%d/consent/%d/withdraw" % (person.id, consent.id),
                data={"csrf_token": token})
    with connected(app):
        stored = Person.get_by_id(person.id)
        assert stored.disability_card == "" and stored.disability_category is None
        assert Consent.get_by_id(consent.id).withdrawn_at is not None


def _texts(response):
    """What a response shows a person: its text, or the cells of a spreadsheet."""
    kind = response.headers.get("Content-Type", "")
    if "spreadsheetml" in kind:
        from openpyxl import load_workbook
        book = load_workbook(io.BytesIO(response.data))
        return " ".join(str(c) for sheet in book.worksheets
                        for row in sheet.iter_rows(values_only=True) for c in row)
    if "pdf" in kind or "image/" in kind:
        return None
    return response.data.decode("utf-8-sig", errors="replace")


@pytest.mark.parametrize("role", ["staff", "district_admin"])
def test_sensitive_fields_never_shown_to_roles_without_the_right(app, client, role):
    """Does no page or export a staff member or district admin may open show sensitive data?"""
    values = arrange(app)
    with connected(app):
        person = Person.get_by_id(values["person_id"])
        people.set_sensitive(person, card=CARD, id_type="居民身份证", id_number=ID_NUMBER)
        person.save()
    sign_in(app, client, role)
    assert not can(role, "view_sensitive")
    opened = 0
    for endpoint, rule, method in admin_routes(app):
        if method != "GET" or not can(role, getattr(app.view_functions[endpoint],
                                                    "permission", "")):
            continue
        url = build_url(app, rule, values)
        for query in ("", "?date=%s" % local_today().isoformat(), "?q=测试"):
            response = client.get(url + query)
            text = _texts(response)
            if text is None:
                continue
            opened += 1
            for secret in (CARD, ID_NUMBER, ID_NUMBER[:17]):
                assert secret not in text, (endpoint, query)
    assert opened > 10
    html = client.get("/admin/people/%d" % person.id).get_data(as_text=True)
    assert "您的角色不能查看敏感信息" in html and "肢体" not in html
    assert client.get("/admin/people/%d/sensitive" % person.id).status_code == 403
