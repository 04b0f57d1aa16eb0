"""The audit log view: newest first, filterable by action, person and record."""
import models
from core import attendance, corrections
from core.stations import default_station
from tests.helpers import connected, gen_person, gen_user, login_as


def test_audit_log_filters(app, client):
    """Can an administrator find a correction by its action and by its record number?"""
    with connected(app):
        station = default_station()
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


def test_a_station_admin_sees_only_their_stations_rows(app, client):
    """Does a station's administrator see their station's audit rows, and none of the
    district's (rows with no station) or another station's, nor their action names?"""
    with connected(app):
        other = models.Station.create(code="HJ2", name="和居二号驿站")
        admin = gen_user("admin", username="station-boss")
        models.audit("district.secret_action", actor_label="district-boss",
                     detail="区里的事")
        models.audit("other.station_action", actor_label="other-boss", station=other,
                     detail="二号站的事")
    login_as(client, admin)
    html = client.get("/admin/audit").get_data(as_text=True)
    assert "staff.login" in html  # the station's own rows
    for hidden in ("district.secret_action", "区里的事", "other.station_action", "二号站的事"):
        assert hidden not in html, hidden
    html = client.get("/admin/audit?action=district.").get_data(as_text=True)
    assert "共 0 条" in html
