"""A kiosk's client id names its own action only: another kiosk that replays it, or the same
kiosk with another person's badge, is refused and learns nothing about the first entry."""
import json

import pytest

from core import demo
from models import HelpRequest, ServiceRecord, Visit, VolunteerShift
from tests.helpers import connected, enroll_kiosk, gen_person


@pytest.fixture
def kiosks(app):
    """Two enrolled kiosks of the station: post functions for each."""
    with connected(app):
        demo.ensure_catalogue()
    posts = []
    for name in ("前台", "活动室"):
        browser = app.test_client()
        _device, token = enroll_kiosk(app, browser, name=name)

        def post(path, body, browser=browser, token=token):
            return browser.post("/kiosk/api/" + path, data=json.dumps(body),
                                content_type="application/json",
                                headers={"X-CSRFToken": token})
        posts.append(post)
    return posts


def test_another_kiosk_replaying_a_client_id_gets_nothing_back(app, kiosks):
    """When kiosk B sends kiosk A's client id with the same badge, or with another badge, is it
    refused (409) without the visit's id, and is nothing written?"""
    front, other = kiosks
    with connected(app):
        _zhang, zhang_badge = gen_person("resident", name="张秀娟")
        _li, li_badge = gen_person("resident", name="李建国")
    first = front("scan", {"payload": zhang_badge, "client_id": "front-visit-1"})
    assert first.status_code == 200 and first.get_json()["created"] is True
    assert front("scan", {"payload": zhang_badge, "client_id": "front-visit-1"}
                 ).get_json()["visit_id"] == first.get_json()["visit_id"]  # a real retry
    for badge in (zhang_badge, li_badge):
        replay = other("scan", {"payload": badge, "client_id": "front-visit-1"})
        assert replay.status_code == 409, replay.get_json()
        answer = replay.get_json()
        assert answer["ok"] is False and "visit_id" not in answer and answer["message"]
    same_kiosk_other_person = front("scan", {"payload": li_badge, "client_id": "front-visit-1"})
    assert same_kiosk_other_person.status_code == 409
    with connected(app):
        assert Visit.select().count() == 1


def test_every_kiosk_call_binds_its_client_id(app, kiosks):
    """Are services, check-out, shifts and help calls replayed by another kiosk refused too?"""
    front, other = kiosks
    with connected(app):
        _resident, resident = gen_person("resident")
        _volunteer, volunteer = gen_person("volunteer")
        service_id = demo.ensure_catalogue()[0].id
    front("scan", {"payload": resident, "client_id": "scan-000001"})
    calls = [("services", {"payload": resident, "service_ids": [service_id],
                           "client_id": "svc-0000001"}),
             ("checkout", {"payload": resident, "client_id": "out-0000001"}),
             ("shift/start", {"payload": volunteer, "client_id": "start-00001"}),
             ("shift/end", {"payload": volunteer, "client_id": "end-0000001"}),
             ("help", {"client_id": "help-000001"})]
    for path, body in calls:
        assert front(path, body).status_code == 200, path
    with connected(app):
        before = [m.select().count() for m in (Visit, ServiceRecord, VolunteerShift, HelpRequest)]
    for path, body in calls:
        if path == "shift/end":
            continue  # an end is matched by the volunteer's badge, whichever kiosk reads it
        replay = other(path, body)
        assert replay.status_code == 409, (path, replay.get_json())
    with connected(app):
        after = [m.select().count() for m in (Visit, ServiceRecord, VolunteerShift, HelpRequest)]
    assert after == before
