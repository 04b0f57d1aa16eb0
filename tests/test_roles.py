"""The role table: every admin route, as every role and as nobody, answers as the table says.

Routes are enumerated from the app's URL map, so a screen added later is covered too.
"""
import datetime

import pytest

import models
from core import attendance
from core.demo import ensure_catalogue
from core.kiosk_auth import new_enrollment
from core.stations import default_station
from models import ROLES, Activity, Consent, StaffUser
from station_admin.roles import PERMISSIONS, PUBLIC_ENDPOINTS, can
from tests.helpers import connected, csrf_token, gen_person, gen_user, local_today, login_as


def admin_routes(app):
    """(endpoint, rule, method) for every admin route and method."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("station_admin."):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint, rule, method))
    return sorted(found, key=lambda r: (r[0], r[2]))


def arrange(app):
    """One of everything a route may name in its URL; the values to build URLs with."""
    with connected(app):
        station = default_station()
        services = ensure_catalogue(station)
        resident, _ = gen_person("resident")
        volunteer, _ = gen_person("volunteer")
        visit, _ = attendance.check_in(resident, station)
        record = attendance.record_services(resident, station, services[:1])[0]
        shift, _ = attendance.start_shift(volunteer, station)
        help_request, _ = attendance.request_help(station)
        consent = Consent.create(person=resident, method="paper",
                                 given_on=local_today())
        device, _code = new_enrollment("平板", station)
        other = gen_user("staff", username="someone-else")
        activity = Activity.create(station=station, name="手工课", starts_at=models.utcnow(),
                                   local_date=attendance.local_date(station))
        attendance_row, _ = attendance.record_attendance(activity, resident)
        # The station's own service: a shared one is the district's (403 for a station admin).
        own = models.Service.create(station=station, code="own", name_zh="本站服务")
        return {"person_id": resident.id, "entry_id": visit.id, "kind": "visit",
                "help_id": help_request.id, "service_id": own.id,
                "device_id": device.id, "user_id": other.id, "consent_id": consent.id,
                "activity_id": activity.id, "attendance_id": attendance_row.id,
                "record_id": record.id, "shift_id": shift.id, "token": "0" * 32, "fmt": "csv"}


def build_url(app, rule, values):
    """The rule's URL with every argument filled in."""
    arguments = {name: values.get(name, 1) for name in rule.arguments}
    with app.test_request_context():
        return app.url_map.bind("localhost").build(rule.endpoint, arguments)


def table_counts():
    """Rows in every table, to show that a refused request stored nothing."""
    return {model.__name__: model.select().count() for model in models.MODELS}


def test_every_route_names_a_permission_from_the_table(app):
    """Does every admin route carry a permission, and is that permission in the role table?"""
    missing, unknown = [], []
    for endpoint, rule, method in admin_routes(app):
        if endpoint in PUBLIC_ENDPOINTS:
            continue
        permission = getattr(app.view_functions[endpoint], "permission", None)
        if permission is None:
            missing.append(endpoint)
        elif permission not in PERMISSIONS:
            unknown.append((endpoint, permission))
    assert missing == [] and unknown == []


def test_nobody_is_sent_to_sign_in(app, client):
    """Is every admin route, asked by someone not signed in, answered with the sign-in page?"""
    values = arrange(app)
    token = csrf_token(client)  # so that POSTs reach the permission check
    with connected(app):
        before = table_counts()
    checked = 0
    for endpoint, rule, method in admin_routes(app):
        if endpoint in PUBLIC_ENDPOINTS:
            continue
        url = build_url(app, rule, values)
        response = client.open(url, method=method, data={"csrf_token": token}
                               if method == "POST" else None)
        assert response.status_code == 302, (endpoint, method, response.status_code)
        assert "/admin/login" in response.headers["Location"], endpoint
        checked += 1
    assert checked > 40
    with connected(app):
        assert table_counts() == before


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_what_the_table_says(app, client, role):
    """As each role, is every route allowed or refused (403, nothing stored) as the table says?"""
    values = arrange(app)
    with connected(app):
        user = gen_user(role)
    assert login_as(client, user).status_code == 302
    token = csrf_token(client, "/admin/")
    allowed = refused = 0
    for endpoint, rule, method in admin_routes(app):
        if endpoint in PUBLIC_ENDPOINTS:
            continue
        permission = app.view_functions[endpoint].permission
        url = build_url(app, rule, values)
        with connected(app):
            before = table_counts()
        response = client.open(url, method=method, data={"csrf_token": token}
                               if method == "POST" else None)
        if can(role, permission):
            allowed += 1
            assert response.status_code not in (401, 403), (endpoint, method)
            assert response.status_code < 500, (endpoint, method, response.status_code)
            location = response.headers.get("Location", "")
            assert "/admin/login" not in location, (endpoint, method)
        else:
            refused += 1
            assert response.status_code == 403, (endpoint, method, response.status_code)
            assert "没有权限" in response.get_data(as_text=True)
            with connected(app):
                assert table_counts() == before, (endpoint, method)
    assert allowed > 0
    if role != "admin":
        assert refused > 0
    # Still signed in as the same account after every route (nothing signed us out).
    with connected(app):
        assert StaffUser.get_by_id(user.id).active


def test_every_form_needs_its_csrf_token(app, client):
    """Is a POST without the CSRF token refused on every admin form, with nothing stored?"""
    values = arrange(app)
    with connected(app):
        user = gen_user("admin")
        district = gen_user("district_admin")
    posts = [(e, r) for e, r, m in admin_routes(app) if m == "POST"]
    assert len(posts) > 20
    for account in (user, district):
        login_as(client, account)
        for endpoint, rule in posts:
            with connected(app):
                before = table_counts()
            response = client.post(build_url(app, rule, values),
                                   data={"reason": "x", "name": "x", "active": "1"})
            assert response.status_code == 400, (endpoint, response.status_code)
            assert "表单已过期" in response.get_data(as_text=True)
            with connected(app):
                assert table_counts() == before, endpoint


def test_table_keeps_sensitive_data_to_few_roles():
    """Do only administrators and social workers see sensitive data, and only admins erase?"""
    for role in ("admin", "social_worker", "staff"):
        assert can(role, "check_in_people") and can(role, "edit_log")
    assert not can("district_admin", "edit_log")
    assert not can("staff", "view_sensitive") and not can("staff", "erase_person")
    assert [r for r in ROLES if can(r, "erase_person")] == ["admin"]
    for permission in ("view_sensitive", "edit_sensitive", "export_person_data"):
        assert {r for r in ROLES if can(r, permission)} == {"admin", "social_worker"}
