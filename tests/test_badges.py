"""Badges: strict payloads, the kiosk refusing old, revoked and forged badges, a database
that holds nothing a badge can be made from, and the admin screens."""
import io
import json

import pypdfium2
import pytest
import zxingcpp
from PIL import Image

import models
from core import badges, people
from core.database import is_sqlite
from models import AuditLog, Badge, Person, Station, db
from tests.helpers import (connected, csrf_token, enroll_kiosk, gen_person, gen_user, login_as,
                           sign_in)


def scan(client, csrf, payload):
    return client.post("/kiosk/api/scan", json={"payload": payload, "source": "camera"},
                       headers={"X-CSRFToken": csrf})


def decode(png_bytes):
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png_bytes)))
    return found[0].text if found else None


def form_token(client, person_id=None):
    return csrf_token(client, "/admin/people/%d/badge" % person_id if person_id
                      else "/admin/badges")


# --- payload and token --------------------------------------------------------------

def test_payload_shape():
    """Is a payload YZ1: and 22 upper-case Crockford characters (110 bits), and stable?"""
    token = badges.derive_token("key", 7, 1)
    payload = badges.payload_for(token)
    assert payload.startswith("YZ1:") and len(token) == 22
    assert set(token) <= set(badges.ALPHABET)
    assert not set("ILOU") & set(badges.ALPHABET)
    assert len(badges.ALPHABET) ** badges.TOKEN_LENGTH >= 2 ** 110
    assert badges.derive_token("key", 7, 1) == token  # reprintable
    assert badges.derive_token("key", 7, 2) != token
    assert badges.derive_token("other key", 7, 1) != token
    assert badges.parse_payload(payload) == token
    assert badges.parse_payload(payload + "\r\n") == token  # a scanner's line end


@pytest.mark.parametrize("text,error", [
    ("", badges.NotABadge),
    ("https://weixin.qq.com/r/abc", badges.NotABadge),
    ("134567890123456789", badges.NotABadge),  # a pay code
    ("YZ1:" + "I" * 22, badges.NotABadge),  # I is not in the alphabet
    ("yz1:" + "A" * 22, badges.NotABadge),
    ("YZ1:" + "a" * 22, badges.NotABadge),
    ("YZ01:" + "A" * 22, badges.NotABadge),
    ("YZ1:" + "A" * 22 + "\nB", badges.NotABadge),
    ("YZ1: " + "A" * 22, badges.NotABadge),
    ("YZ1:" + "A" * 200, badges.NotABadge),
    ("YZ2:" + "A" * 22, badges.UnsupportedBadge),
    ("YZ1:" + "A" * 21, badges.UnsupportedBadge),
    ("YZ1:" + "A" * 23, badges.UnsupportedBadge),
])
def test_anything_else_is_not_a_badge(text, error):
    """Is every text that is not exactly one of our payloads refused, with the right kind?"""
    with pytest.raises(error):
        badges.parse_payload(text)


def test_parse_refuses_non_text():
    """Are a number or nothing refused as 'not a badge'?"""
    for value in (None, 12345, ["YZ1:"]):
        with pytest.raises(badges.NotABadge):
            badges.parse_payload(value)


# --- the kiosk refuses what it must ---------------------------------------------------

def test_kiosk_refuses_reissued_revoked_and_forged_badges(app, client):
    """Is a reissued badge's old code refused, a revoked one refused, a forged one of the right
    shape refused, the new one accepted, and no token written to the audit log?"""
    device, csrf = enroll_kiosk(app, client)
    with connected(app):
        reissued, old_payload = gen_person(name="王芳")
        new_badge = people.issue_badge(reissued, actor_label="test", reason="lost")
        new_payload = people.badge_payload(new_badge)
        revoked, revoked_payload = gen_person(name="李建国")
        people.revoke_badge(people.current_badge(revoked), actor_label="test", reason="left")
    forged = badges.payload_for(badges.derive_token("a guessed key", reissued.id, 3))

    response = scan(client, csrf, old_payload)
    assert response.status_code == 422
    assert response.get_json()["error"] == "revoked_badge"
    assert "停用" in response.get_json()["message"]  # "this card is no longer valid"

    response = scan(client, csrf, revoked_payload)
    assert response.get_json()["error"] == "revoked_badge"

    response = scan(client, csrf, forged)
    assert response.status_code == 422
    assert response.get_json()["error"] == "unknown_badge"

    response = scan(client, csrf, new_payload)
    assert response.status_code == 200 and response.get_json()["ok"] is True

    with connected(app):
        log = [(a.action, a.before, a.after, a.detail) for a in AuditLog.select()]
        text = json.dumps(log, ensure_ascii=False)
        assert "kiosk.revoked_badge" in text and "kiosk.unknown_badge" in text
        for payload in (old_payload, new_payload, revoked_payload, forged):
            assert payload[4:] not in text


def test_badge_from_a_stolen_database_is_refused(app, client):
    """Can someone holding the database (hashes, ids, serials) but not the badge key make a
    badge that the kiosk accepts? (They can only guess the key.)"""
    device, csrf = enroll_kiosk(app, client)
    with connected(app):
        person, _ = gen_person()
        badge = people.current_badge(person)
        stored = badge.token_hash
    for guess in (stored, stored[:22].upper(), "", "0" * 64):
        forged = badges.payload_for(badges.derive_token(guess, person.id, badge.serial))
        assert scan(client, csrf, forged).get_json()["error"] == "unknown_badge"


def _dump_every_table():
    """Every row of every table as text, and the SQLite file itself when there is one."""
    parts = []
    for model in models.MODELS:
        for row in model.select().dicts():
            parts.append(json.dumps(row, ensure_ascii=False, default=str))
    text = "\n".join(parts)
    if is_sqlite():
        text += "\n".join(db.obj.connection().iterdump())
    return text


def test_database_holds_no_token(app, client):
    """After issuing, reissuing, revoking, printing and downloading, does any table hold a
    token or payload from which a badge could be made?"""
    with connected(app):
        admin = gen_user("admin")
        made = []
        for i in range(4):
            person, payload = gen_person()
            made.append(payload)
            if i % 2:
                badge = people.issue_badge(person, actor=admin, reason="lost")
                made.append(people.badge_payload(badge))
        people.revoke_badge(people.current_badge(person), actor=admin, reason="left")
    login_as(client, admin)
    response = client.post("/admin/badges/print", data={
        "csrf_token": form_token(client), "scope": "unprinted", "layout": "a4"})
    assert response.mimetype == "application/pdf"
    first = made[0]
    with connected(app):
        first_person = Badge.select().order_by(Badge.id).first().person_id
    assert client.get("/admin/people/%d/badge/download.png?name=full" % first_person
                      ).status_code == 200
    with connected(app):
        dump = _dump_every_table()
        assert Badge.select().count() == 6
    assert dump  # the dump is not empty: it holds the hashes
    for payload in made:
        token = badges.parse_payload(payload)
        assert token not in dump
        assert payload not in dump
    assert first != made[1]


# --- the admin screens ---------------------------------------------------------------

@pytest.fixture
def admin_client(app, client):
    """The test client, signed in with a new administrator account."""
    sign_in(app, client)
    return client


def _person(app, name="欧阳小娟", kind="resident", station=None):
    with connected(app):
        return gen_person(kind=kind, name=name, station=station)


def _audit_actions(app):
    with connected(app):
        return [a.action for a in AuditLog.select().order_by(AuditLog.id)]


def test_who_may_manage_badges(app, client):
    """Is a signed-out visitor sent to sign in, a district admin refused, staff let in?"""
    person, _ = _person(app)
    assert client.get("/admin/people/%d/badge" % person.id).status_code == 302
    with connected(app):
        district = gen_user("district_admin")
        staff = gen_user("staff")
    login_as(client, district)
    assert client.get("/admin/people/%d/badge" % person.id).status_code == 403
    assert client.get("/admin/badges").status_code == 403
    client.post("/admin/logout", data={"csrf_token": csrf_token(client, "/admin/")})
    login_as(client, staff)
    assert client.get("/admin/people/%d/badge" % person.id).status_code == 200


def test_person_badge_page_shows_the_badge(app, admin_client):
    """Does a person's badge page show the card (masked), its number and the actions?"""
    person, payload = _person(app)
    html = admin_client.get("/admin/people/%d/badge" % person.id).get_data(as_text=True)
    assert "欧阳小娟的服务卡" in html
    assert "欧**娟" in html
    assert "尚未打印" in html
    assert "补发服务卡" in html and "作废服务卡" in html
    preview = admin_client.get("/admin/people/%d/badge/preview.png" % person.id)
    assert preview.mimetype == "image/png" and decode(preview.data) == payload
    assert "badge.download" not in _audit_actions(app)


def test_other_station_and_unknown_people_are_not_found(app, admin_client):
    """Is a person of another station, or no person at all, a 404?"""
    with connected(app):
        other = Station.create(code="other", name="别的驿站")
    person, _ = _person(app, station=other)
    assert admin_client.get("/admin/people/%d/badge" % person.id).status_code == 404
    assert admin_client.get("/admin/people/99999/badge").status_code == 404
    response = admin_client.post("/admin/badges/print", data={
        "csrf_token": form_token(admin_client), "person": str(person.id)})
    assert response.status_code == 400
    assert "不属于本驿站" in response.get_data(as_text=True)


def test_download_png_full_or_masked_is_audited(app, admin_client):
    """Does the PNG download carry the person's code, differ with the full name, and get
    audited; and is a made-up choice refused in Chinese without an audit row?"""
    person, payload = _person(app)
    masked = admin_client.get("/admin/people/%d/badge/download.png" % person.id)
    full = admin_client.get("/admin/people/%d/badge/download.png?name=full" % person.id)
    phone = admin_client.get("/admin/people/%d/badge/download.png?layout=phone" % person.id)
    assert "attachment" in masked.headers["Content-Disposition"]
    assert decode(masked.data) == decode(full.data) == decode(phone.data) == payload
    assert masked.data != full.data
    assert Image.open(io.BytesIO(phone.data)).size == (1080, 1920)
    assert _audit_actions(app).count("badge.download") == 3
    bad = admin_client.get("/admin/people/%d/badge/download.png?name=everything" % person.id)
    assert bad.status_code == 400
    assert "没有这个选项" in bad.get_data(as_text=True)
    assert _audit_actions(app).count("badge.download") == 3


def test_reissue_from_the_admin_screen(app, admin_client):
    """Does reissuing say so, stop the old badge at the kiosk at once, and audit it?"""
    person, old_payload = _person(app)
    response = admin_client.post("/admin/people/%d/badge/issue" % person.id, data={
        "csrf_token": form_token(admin_client, person.id), "reason": "丢失"},
        follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "已补发新服务卡" in html and "旧服务卡已立即作废" in html
    with connected(app):
        current = people.current_badge(person)
        assert current.serial == 2
        old = Badge.get((Badge.person == person.id) & (Badge.serial == 1))
        assert old.revoked_at is not None and old.revoke_reason == "丢失"
        row = AuditLog.get(AuditLog.action == "badge.reissue")
        assert row.actor_id is not None
    kiosk = app.test_client()
    _, csrf = enroll_kiosk(app, kiosk)
    assert scan(kiosk, csrf, old_payload).get_json()["error"] == "revoked_badge"
    new_payload = decode(admin_client.get("/admin/people/%d/badge/preview.png"
                                          % person.id).data)
    assert new_payload != old_payload
    assert scan(kiosk, csrf, new_payload).get_json()["ok"] is True


def test_revoke_needs_a_reason(app, admin_client):
    """Is revoking without a reason refused in Chinese with the badge still in force; with a
    reason, is it revoked, audited and refused at the kiosk?"""
    person, payload = _person(app)
    token = form_token(admin_client, person.id)
    response = admin_client.post("/admin/people/%d/badge/revoke" % person.id,
                                 data={"csrf_token": token, "reason": "  "})
    assert response.status_code == 400
    assert "请填写原因" in response.get_data(as_text=True)
    response = admin_client.post("/admin/people/%d/badge/revoke" % person.id,
                                 data={"csrf_token": token, "reason": "x" * 201})
    assert response.status_code == 400
    with connected(app):
        assert people.current_badge(person) is not None
    assert "badge.revoke" not in _audit_actions(app)
    response = admin_client.post("/admin/people/%d/badge/revoke" % person.id,
                                 data={"csrf_token": token, "reason": "搬走了"},
                                 follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "服务卡已作废" in html and "此人目前没有有效的服务卡" in html and "搬走了" in html
    assert "badge.revoke" in _audit_actions(app)
    kiosk = app.test_client()
    _, csrf = enroll_kiosk(app, kiosk)
    assert scan(kiosk, csrf, payload).get_json()["error"] == "revoked_badge"
    # Revoking again says there is nothing to revoke; issuing makes a working badge.
    again = admin_client.post("/admin/people/%d/badge/revoke" % person.id,
                              data={"csrf_token": token, "reason": "again"})
    assert again.status_code == 409
    admin_client.post("/admin/people/%d/badge/issue" % person.id, data={"csrf_token": token})
    assert _audit_actions(app).count("badge.issue") == 2  # the first, and this one


def test_print_one_card_pdf_marks_it_printed(app, admin_client):
    """Does printing one card give a one-page CR80 PDF that reads, mark the badge printed and
    audit it?"""
    person, payload = _person(app)
    response = admin_client.post("/admin/people/%d/badge/print" % person.id, data={
        "csrf_token": form_token(admin_client, person.id), "layout": "card", "name": "full"})
    assert response.mimetype == "application/pdf"
    document = pypdfium2.PdfDocument(response.data)
    assert len(document) == 1
    image = document[0].render(scale=300 / 72).to_pil()
    assert zxingcpp.read_barcodes(image)[0].text == payload
    with connected(app):
        assert people.current_badge(person).printed_at is not None
        row = AuditLog.get(AuditLog.action == "badge.print")
        assert "card" in row.detail and "full" in row.detail
    html = admin_client.get("/admin/people/%d/badge" % person.id).get_data(as_text=True)
    assert "最近打印" in html


def test_html_print_view(app, admin_client):
    """Does the browser print view show each chosen card with the print stylesheet, and
    count as printed?"""
    first, _ = _person(app, "王芳")
    second, _ = _person(app, "李建国", kind="volunteer")
    response = admin_client.post("/admin/badges/print", data={
        "csrf_token": form_token(admin_client), "person": [str(first.id), str(second.id)],
        "layout": "html", "name": "masked"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "css/print.css" in html and "js/print.js" in html
    assert html.count('class="print-card"') == 2
    assert "王*" in html and "李*国" in html and "李建国" not in html.split("<main")[1]
    assert "<script>" not in html and 'style="' not in html
    with connected(app):
        assert Badge.select().where(Badge.printed_at.is_null(False)).count() == 2


def test_batch_page_lists_unprinted_and_prints_a_selection(app, admin_client):
    """Does the batch page count unprinted badges, print only the chosen ones, and then the
    rest with 'everyone not printed yet'?"""
    chosen = [_person(app, n)[0] for n in ("张伟", "王芳")]
    rest = [_person(app, n)[0] for n in ("李建国", "谭嘉懿", "陈志愿")]
    html = admin_client.get("/admin/badges").get_data(as_text=True)
    assert "尚未打印的服务卡：5 张" in html
    response = admin_client.post("/admin/badges/print", data={
        "csrf_token": form_token(admin_client), "person": [str(p.id) for p in chosen],
        "layout": "a4"})
    assert response.mimetype == "application/pdf"
    page = pypdfium2.PdfDocument(response.data)[0].render(scale=300 / 72).to_pil()
    assert len(zxingcpp.read_barcodes(page)) == 2
    assert "尚未打印的服务卡：3 张" in admin_client.get("/admin/badges").get_data(as_text=True)
    response = admin_client.post("/admin/badges/print", data={
        "csrf_token": form_token(admin_client), "scope": "unprinted", "layout": "card"})
    assert len(pypdfium2.PdfDocument(response.data)) == len(rest)
    response = admin_client.post("/admin/badges/print", data={
        "csrf_token": form_token(admin_client), "scope": "unprinted"})
    assert response.status_code == 400
    assert "所有有效的服务卡都已打印过" in response.get_data(as_text=True)
    assert _audit_actions(app).count("badge.print") == 5


@pytest.mark.parametrize("form,message", [
    ({}, "请至少选择一人"),
    ({"person": "abc"}, "所选内容无效"),
    ({"person": "99999"}, "不属于本驿站"),
    ({"person": "1", "layout": "poster"}, "没有这个选项"),
    ({"person": "1", "name": "nickname"}, "没有这个选项"),
])
def test_bad_batch_requests_change_nothing(app, admin_client, form, message):
    """Is each bad batch request answered in Chinese, with nothing marked printed or audited?"""
    _person(app)
    data = dict(form, csrf_token=form_token(admin_client))
    response = admin_client.post("/admin/badges/print", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with connected(app):
        assert Badge.select().where(Badge.printed_at.is_null(False)).count() == 0
    assert "badge.print" not in _audit_actions(app)


def test_person_without_a_badge_cannot_be_batch_printed(app, admin_client):
    """Is a person whose badge was revoked named in the refusal, and can they be issued one?"""
    person, _ = _person(app, "周敏")
    with connected(app):
        people.revoke_badge(people.current_badge(person), actor_label="test", reason="lost")
    response = admin_client.post("/admin/badges/print", data={
        "csrf_token": form_token(admin_client), "person": str(person.id)})
    assert response.status_code == 400
    assert "没有有效的服务卡" in response.get_data(as_text=True) and "周敏" in \
        response.get_data(as_text=True)
    html = admin_client.get("/admin/people/%d/badge" % person.id).get_data(as_text=True)
    assert "发放服务卡" in html


def test_a_stored_name_no_font_can_draw_still_prints(app, admin_client):
    """Does a full name stored with a character no font here has (saved before names were
    checked) print, with 〓 in its place, and is the print recorded?"""
    person, _ = _person(app, "王明")
    with connected(app):
        Person.update(name="王\ue000明").where(Person.id == person.id).execute()
    token = form_token(admin_client, person.id)
    response = admin_client.post("/admin/people/%d/badge/print" % person.id, data={
        "csrf_token": token, "layout": "card", "name": "full"})
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    with connected(app):
        assert people.current_badge(person).printed_at is not None
    response = admin_client.get("/admin/people/%d/badge/preview.png?name=full" % person.id)
    assert response.status_code == 200 and response.mimetype == "image/png"


def test_english_interface(app, admin_client):
    """Is the batch page available in English?"""
    html = admin_client.get("/admin/badges?lang=en").get_data(as_text=True)
    assert "Badges not printed yet" in html
