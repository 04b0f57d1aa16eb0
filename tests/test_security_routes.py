"""Every admin route that changes something refuses strangers: no login, the wrong role, no
CSRF token. The routes are read from the app's URL map, so a new screen is covered at once."""
import pytest
from werkzeug.routing import IntegerConverter

import models
from models import MODELS, ROLES
from station_admin.roles import PERMISSIONS
from tests.helpers import connected, csrf_token, gen_person, gen_user, login_as

PUBLIC = {"station_admin.login", "station_admin.logout"}


def post_routes(app):
    """(endpoint, url) for every station_admin rule that accepts POST, arguments filled in."""
    adapter = app.url_map.bind("localhost")
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("station_admin.") or "POST" not in rule.methods:
            continue
        values = {name: 1 if isinstance(conv, IntegerConverter) else "1"
                  for name, conv in rule._converters.items()}
        found.append((rule.endpoint, adapter.build(rule.endpoint, values, method="POST")))
    return sorted(found)


def row_counts(app):
    """How many rows each table holds."""
    with connected(app):
        return {model.__name__: model.select().count() for model in MODELS}


def arrange(app):
    """A station with one of everything a form might act on (person id 1, and so on)."""
    with connected(app):
        gen_person("resident")
        gen_person("volunteer")


def form_for(token=None):
    data = {"name": "x", "reason": "x", "note": "x", "username": "x", "role": "staff",
            "person_id": "1", "kind": "resident", "date": "2026-01-01"}
    if token:
        data["csrf_token"] = token
    return data


def test_admin_has_post_routes(app):
    """Does the enumeration find the admin's POST routes at all (login at least)?"""
    endpoints = [endpoint for endpoint, _ in post_routes(app)]
    assert "station_admin.login" in endpoints


def test_every_admin_post_needs_login(app, client):
    """Does each admin POST route, with a valid CSRF token but no login, send the visitor to
    the sign-in page and store nothing?"""
    arrange(app)
    token = csrf_token(client)
    before = row_counts(app)
    for endpoint, url in post_routes(app):
        if endpoint in PUBLIC:
            continue
        response = client.post(url, data=form_for(token))
        assert response.status_code == 302, (endpoint, response.status_code)
        assert "/admin/login" in response.headers["Location"], endpoint
    assert row_counts(app) == before


def test_every_admin_post_needs_csrf(app, client):
    """Does each admin POST route refuse a signed-in administrator's POST without a CSRF token
    (400, nothing stored)?"""
    arrange(app)
    with connected(app):
        user = gen_user("admin")
    assert login_as(client, user).status_code == 302
    before = row_counts(app)
    for endpoint, url in post_routes(app):
        response = client.post(url, data=form_for())
        assert response.status_code == 400, (endpoint, response.status_code)
        assert "没有保存" in response.get_data(as_text=True), endpoint
        wrong = client.post(url, data=form_for("not-a-token"))
        assert wrong.status_code == 400, endpoint
    assert row_counts(app) == before
    assert client.get("/admin/login").status_code in (200, 302)  # still signed in or not: no 500


@pytest.mark.parametrize("role", ROLES)
def test_every_admin_post_refuses_the_wrong_role(app, client, role):
    """Does each admin POST route answer 403 to a role its permission does not include,
    storing nothing?"""
    arrange(app)
    with connected(app):
        user = gen_user(role)
    assert login_as(client, user).status_code == 302
    token = csrf_token(client, "/admin/login")
    before = row_counts(app)
    for endpoint, url in post_routes(app):
        permission = getattr(app.view_functions[endpoint], "permission", None)
        if endpoint in PUBLIC:
            continue
        assert permission in PERMISSIONS, "%s has no known permission" % endpoint
        if role in PERMISSIONS[permission]:
            continue
        response = client.post(url, data=form_for(token))
        assert response.status_code in (403, 404), (endpoint, role, response.status_code)
    assert row_counts(app) == before
    with connected(app):
        assert models.StaffUser.get_by_id(user.id).role == role
