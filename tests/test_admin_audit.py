"""The audit log view: newest first, filterable by action, person and record."""
import models
from core import attendance, corrections
from models import db
from tests.conftest import gen_person, gen_user, login_as


def test_audit_log_filters(app, client):
    """Can an administrator find a correction by its action and by its record number?"""
    with app.app_context(), db.connection_context():
        station = models.default_station()
        admin = gen_user("admin", username="boss")
        resident, _ = gen_person("resident")
        visit, _ = attendance.check_in(resident, station,
                                       at=models.utcnow().replace(second=0, microsecond=0))
        corrections.void(visit, actor=admin, reason="扫错了人")
    login_as(client, admin)
    html = client.get("/admin/audit").get_data(as_text=True)
    assert "visit.void" in html and "staff.login" in html and "扫错了人" in html
    rows = client.get("/admin/audit?action=visit.").get_data(as_text=True).split("<tbody>")[1]
    assert "visit.void" in rows and "staff.login" not in rows
    html = client.get("/admin/audit?object_type=Visit&object_id=%d" % visit.id
                      ).get_data(as_text=True)
    assert "扫错了人" in html and "共 1 条" in html
    html = client.get("/admin/audit?who=nobody-like-this").get_data(as_text=True)
    assert "共 0 条" in html
    html = client.get("/admin/audit?from=2000-01-01&to=2000-01-31").get_data(as_text=True)
    assert "共 0 条" in html
