"""The service catalogue: add, rename, order, pictogram, retire and reactivate."""
import json

import models
from core.demo import ensure_catalogue
from core.stations import default_station
from models import AuditLog, Service
from tests.helpers import connected, csrf_token, gen_user, login_as, sign_in


def ordered_names():
    return [s.name_zh for s in Service.select().order_by(Service.sort_order, Service.id)]


def test_add_a_service_at_the_end(app, client):
    """Is a new service added last, with its pictogram, and audited?"""
    with connected(app):
        ensure_catalogue(default_station())
    sign_in(app, client)
    token = csrf_token(client, "/admin/services")
    response = client.post("/admin/services/add", data={
        "csrf_token": token, "name_zh": "义剪", "name_en": "Free haircut",
        "pictogram": "care", "default_minutes": "20"})
    assert response.status_code == 302
    with connected(app):
        assert ordered_names()[-1] == "义剪"
        service = Service.get(Service.name_zh == "义剪")
        assert (service.pictogram, service.default_minutes, service.active) == ("care", 20, True)
        assert AuditLog.get(AuditLog.action == "service.create").object_id == service.id
    assert "义剪" in client.get("/admin/services").get_data(as_text=True)


def test_bad_service_input(app, client):
    """Do an empty name, an unknown pictogram and a duplicate name each get a message?"""
    with connected(app):
        ensure_catalogue(default_station())
    sign_in(app, client)
    token = csrf_token(client, "/admin/services")
    with connected(app):
        count = Service.select().count()
    html = client.post("/admin/services/add", data={
        "csrf_token": token, "name_zh": "", "pictogram": "../../etc",
        "default_minutes": "abc"}).get_data(as_text=True)
    assert "请填写服务项目的中文名称" in html and "请选择一个图标" in html and "分钟数" in html
    response = client.post("/admin/services/add", data={
        "csrf_token": token, "name_zh": "助餐", "pictogram": "meals", "default_minutes": "30"})
    assert response.status_code == 422 and "已有同名" in response.get_data(as_text=True)
    with connected(app):
        assert Service.select().count() == count


def station_order(station=None):
    """The names as the station's kiosk and services page list them."""
    return [s.name_zh for s in Service.for_station(station or default_station(),
                                                   active_only=False)]


def test_rename_keeps_old_name_in_audit(app, client):
    """Does a rename of a station's own service store the new names and keep the old ones in
    the audit log?"""
    with connected(app):
        ensure_catalogue(default_station())
    sign_in(app, client)
    token = csrf_token(client, "/admin/services")
    client.post("/admin/services/add", data={
        "csrf_token": token, "name_zh": "义剪", "name_en": "Haircut", "pictogram": "care",
        "default_minutes": "20"})
    with connected(app):
        haircut = Service.get(Service.name_zh == "义剪")
    client.post("/admin/services/%d" % haircut.id, data={
        "csrf_token": token, "name_zh": "爱心义剪", "name_en": "Free haircut",
        "pictogram": "care", "default_minutes": "20"})
    with connected(app):
        assert Service.get_by_id(haircut.id).name_zh == "爱心义剪"
        row = AuditLog.get(AuditLog.action == "service.update")
        assert json.loads(row.before) == {"name_zh": "义剪", "name_en": "Haircut"}


def test_move_up_and_retire(app, client):
    """Does moving a service up swap it with the one before in this station's order; does
    retiring keep it listed, and offering it again bring it back?"""
    with connected(app):
        ensure_catalogue(default_station())
    sign_in(app, client)
    token = csrf_token(client, "/admin/services")
    with connected(app):
        names = station_order()
        third = Service.get(Service.name_zh == names[2])
    client.post("/admin/services/%d/move" % third.id, data={"csrf_token": token,
                                                            "direction": "up"})
    with connected(app):
        assert station_order()[:3] == [names[0], names[2], names[1]]
    client.post("/admin/services/%d/active" % third.id, data={"csrf_token": token,
                                                              "active": "0"})
    with connected(app):
        offered = Service.for_station(default_station())
        assert third.id not in [s.id for s in offered]
    html = client.get("/admin/services").get_data(as_text=True)
    assert names[2] in html and "本站重新提供" in html
    client.post("/admin/services/%d/active" % third.id, data={"csrf_token": token,
                                                              "active": "1"})
    with connected(app):
        assert third.id in [s.id for s in Service.for_station(default_station())]
        assert [a.action for a in AuditLog.select().where(
            AuditLog.action.startswith("service.")).order_by(AuditLog.id)] == [
            "service.reorder", "service.retire", "service.reactivate"]


def test_a_station_cannot_change_what_every_station_shares(app, client):
    """Can one station's administrator neither rename nor retire a shared service for the
    other stations, while choosing for their own kiosk what it offers and in what order?"""
    with connected(app):
        ensure_catalogue(default_station())
    sign_in(app, client)
    token = csrf_token(client, "/admin/services")
    with connected(app):
        other = models.Station.create(code="HJ2", name="和居二号驿站")
        meals = Service.get(Service.code == "meals")
        before = station_order(other)
    refused = client.post("/admin/services/%d" % meals.id, data={
        "csrf_token": token, "name_zh": "本站助餐", "name_en": "", "pictogram": "meals",
        "default_minutes": "30"})
    assert refused.status_code == 403
    assert "只有区级管理员可以修改" in refused.get_data(as_text=True)
    assert client.get("/admin/services/%d" % meals.id).status_code == 403
    page = client.get("/admin/services").get_data(as_text=True)
    assert "各驿站共用" in page and "/admin/services/%d\"" % meals.id not in page
    client.post("/admin/services/%d/active" % meals.id, data={"csrf_token": token,
                                                              "active": "0"})
    client.post("/admin/services/%d/move" % meals.id, data={"csrf_token": token,
                                                            "direction": "up"})
    with connected(app):
        stored = Service.get_by_id(meals.id)
        assert (stored.name_zh, stored.active) == ("助餐", True)
        assert meals.id in [s.id for s in Service.for_station(other)]  # still offered there
        assert station_order(other) == before  # and in its order
        assert meals.id not in [s.id for s in Service.for_station(default_station())]
        retire = AuditLog.get(AuditLog.action == "service.retire")
        assert json.loads(retire.after)["for"] == "station"
        assert not AuditLog.select().where(AuditLog.action == "service.update").exists()


def test_a_district_administrator_renames_and_retires_shared_services(app, client):
    """Does a district administrator's rename of a shared service reach every station, and
    can a station not offer again what the district retired?"""
    with connected(app):
        ensure_catalogue(default_station())
        other = models.Station.create(code="HJ2", name="和居二号驿站")
        district, admin = gen_user("district_admin"), gen_user("admin")
        meals = Service.get(Service.code == "meals")
    login_as(client, district)
    token = csrf_token(client, "/admin/services")
    client.post("/admin/services/%d" % meals.id, data={
        "csrf_token": token, "name_zh": "长者助餐", "name_en": "Meals for elders",
        "pictogram": "meals", "default_minutes": "30"})
    client.post("/admin/services/%d/active" % meals.id, data={"csrf_token": token,
                                                              "active": "0"})
    with connected(app):
        assert Service.get_by_id(meals.id).name_zh == "长者助餐"
        for station in (default_station(), other):
            assert meals.id not in [s.id for s in Service.for_station(station)]
        row = AuditLog.get(AuditLog.action == "service.update")
        assert json.loads(row.before) == {"name_zh": "助餐", "name_en": "Meals"}
    station_admin = app.test_client()
    login_as(station_admin, admin)
    refused = station_admin.post("/admin/services/%d/active" % meals.id, data={
        "csrf_token": csrf_token(station_admin, "/admin/services"), "active": "1"})
    assert refused.status_code == 403 and "区里已为所有驿站停用" in refused.get_data(as_text=True)
