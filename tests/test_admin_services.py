"""The service catalogue: add, rename, order, pictogram, retire and reactivate."""
import json

import models
from core.demo import ensure_catalogue
from models import AuditLog, Service, db
from tests.conftest import csrf_token, gen_user, login_as


def sign_in(app, client):
    with app.app_context(), db.connection_context():
        ensure_catalogue(models.default_station())
        user = gen_user("admin")
    login_as(client, user)
    return csrf_token(client, "/admin/services")


def ordered_names():
    return [s.name_zh for s in Service.select().order_by(Service.sort_order, Service.id)]


def test_add_a_service_at_the_end(app, client):
    """Is a new service added last, with its pictogram, and audited?"""
    token = sign_in(app, client)
    response = client.post("/admin/services/add", data={
        "csrf_token": token, "name_zh": "义剪", "name_en": "Free haircut",
        "pictogram": "care", "default_minutes": "20"})
    assert response.status_code == 302
    with app.app_context(), db.connection_context():
        assert ordered_names()[-1] == "义剪"
        service = Service.get(Service.name_zh == "义剪")
        assert (service.pictogram, service.default_minutes, service.active) == ("care", 20, True)
        assert AuditLog.get(AuditLog.action == "service.create").object_id == service.id
    assert "义剪" in client.get("/admin/services").get_data(as_text=True)


def test_bad_service_input(app, client):
    """Do an empty name, an unknown pictogram and a duplicate name each get a message?"""
    token = sign_in(app, client)
    with app.app_context(), db.connection_context():
        count = Service.select().count()
    html = client.post("/admin/services/add", data={
        "csrf_token": token, "name_zh": "", "pictogram": "../../etc",
        "default_minutes": "abc"}).get_data(as_text=True)
    assert "请填写服务项目的中文名称" in html and "请选择一个图标" in html and "分钟数" in html
    response = client.post("/admin/services/add", data={
        "csrf_token": token, "name_zh": "助餐", "pictogram": "meals", "default_minutes": "30"})
    assert response.status_code == 422 and "已有同名" in response.get_data(as_text=True)
    with app.app_context(), db.connection_context():
        assert Service.select().count() == count


def test_rename_keeps_old_name_in_audit(app, client):
    """Does a rename store the new names and keep the old ones in the audit log?"""
    token = sign_in(app, client)
    with app.app_context(), db.connection_context():
        meals = Service.get(Service.code == "meals")
    client.post("/admin/services/%d" % meals.id, data={
        "csrf_token": token, "name_zh": "长者助餐", "name_en": "Meals for elders",
        "pictogram": "meals", "default_minutes": "30"})
    with app.app_context(), db.connection_context():
        assert Service.get_by_id(meals.id).name_zh == "长者助餐"
        row = AuditLog.get(AuditLog.action == "service.update")
        assert json.loads(row.before) == {"name_zh": "助餐", "name_en": "Meals"}


def test_move_up_and_retire(app, client):
    """Does moving a service up swap it with the one before; does retiring keep it listed?"""
    token = sign_in(app, client)
    with app.app_context(), db.connection_context():
        names = ordered_names()
        third = Service.get(Service.name_zh == names[2])
    client.post("/admin/services/%d/move" % third.id, data={"csrf_token": token,
                                                            "direction": "up"})
    with app.app_context(), db.connection_context():
        assert ordered_names()[:3] == [names[0], names[2], names[1]]
    client.post("/admin/services/%d/active" % third.id, data={"csrf_token": token,
                                                              "active": "0"})
    with app.app_context(), db.connection_context():
        assert Service.get_by_id(third.id).active is False
    html = client.get("/admin/services").get_data(as_text=True)
    assert names[2] in html and "重新启用" in html
    client.post("/admin/services/%d/active" % third.id, data={"csrf_token": token,
                                                              "active": "1"})
    with app.app_context(), db.connection_context():
        assert Service.get_by_id(third.id).active is True
        assert [a.action for a in AuditLog.select().where(
            AuditLog.action.startswith("service.")).order_by(AuditLog.id)] == [
            "service.reorder", "service.retire", "service.reactivate"]
