"""Simultaneous scans: two kiosks read one badge at the same instant, through a live waitress
server. On PostgreSQL (the district server) the two requests really run side by side; the
database itself must refuse the second open visit, check-out or shift, and the request that
loses the race must get the answer a second scan a moment later gets."""
import http.client
import json
import logging
import re
import threading

import pytest
from peewee import fn

from core import kiosk_auth
from core.database import is_sqlite
from core.stations import default_station
from models import Visit, VolunteerShift
from tests.helpers import connected, gen_person

PAIRS = 200


class Kiosk:
    """One enrolled kiosk speaking HTTP to the live server over its own kept-alive connection."""

    def __init__(self, port, key, name):
        self.name = name
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies = {kiosk_auth.COOKIE: key}
        page = self.request("GET", "/kiosk/")[1]
        self.token = re.search(r'data-csrf="([^"]+)"', page).group(1)

    def request(self, method, path, body=None):
        headers = {"Cookie": "; ".join("%s=%s" % kv for kv in self.cookies.items())}
        if body is not None:
            headers.update({"Content-Type": "application/json", "X-CSRFToken": self.token})
            body = json.dumps(body)
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        text = response.read().decode()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return response.status, text

    def post(self, path, body):
        status, text = self.request("POST", "/kiosk/api/" + path, body)
        return status, json.loads(text)


@pytest.fixture
def live(app):
    """The test app served by waitress on a free port, in threads of this process."""
    from waitress import create_server
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield server.socket.getsockname()[1]
    server.close()
    thread.join(timeout=5)


def run_pairs(kiosks, path, payloads, tag):
    """Each kiosk posts `path` for every payload in turn, both at the same instant; the answers
    as [(kiosk 1's (status, json), kiosk 2's (status, json)), ...]."""
    barrier = threading.Barrier(len(kiosks))
    answers = [[None] * len(kiosks) for _ in payloads]
    failures = []

    def work(index, kiosk):
        try:
            for number, payload in enumerate(payloads):
                barrier.wait(timeout=60)
                answers[number][index] = kiosk.post(path, {
                    "payload": payload, "client_id": "%s-%s-%04d" % (tag, kiosk.name, number)})
        except Exception as error:  # reported below, with the pair it happened on
            failures.append(repr(error))
            barrier.abort()

    threads = [threading.Thread(target=work, args=(i, k)) for i, k in enumerate(kiosks)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures
    return answers


@pytest.mark.slow
def test_simultaneous_scans_never_duplicate(app, live, caplog):
    """When two kiosks send the same badge at the same instant, 200 times each for check-in,
    check-out, shift start and shift end, is exactly one of each pair recorded, and does the
    other get the answer a second scan gets (never a 500)?"""
    caplog.set_level(logging.DEBUG, logger="station.attendance")
    with connected(app):
        station = default_station()
        residents = [gen_person("resident", station=station) for _ in range(PAIRS)]
        volunteers = [gen_person("volunteer", station=station) for _ in range(PAIRS)]
        keys = []
        for name in ("kiosk-a", "kiosk-b"):
            device, code = kiosk_auth.new_enrollment(name, station)
            keys.append(kiosk_auth.enroll(device))
    kiosks = [Kiosk(live, key, name) for key, name in zip(keys, ("a", "b"))]
    resident_badges = [payload for _, payload in residents]
    volunteer_badges = [payload for _, payload in volunteers]

    def statuses(pair):
        return sorted((status, answer.get("state") or answer.get("error"))
                      for status, answer in pair)

    for pair in run_pairs(kiosks, "scan", resident_badges, "in"):
        assert statuses(pair) == [(200, "checked_in"), (200, "in")], pair
        assert [answer.get("created") for _, answer in pair].count(True) == 1, pair
    for pair in run_pairs(kiosks, "checkout", resident_badges, "out"):
        assert statuses(pair) == [(200, "out"), (409, "not_checked_in")], pair
        assert all(answer["message"] for status, answer in pair if status == 409)
    for pair in run_pairs(kiosks, "shift/start", volunteer_badges, "start"):
        assert statuses(pair) == [(200, "on_shift"), (409, "shift_open")], pair
    with connected(app):
        open_shifts = (VolunteerShift.select(VolunteerShift.volunteer,
                                             fn.COUNT(VolunteerShift.id))
                       .where(VolunteerShift.ended_at.is_null()).group_by(VolunteerShift.volunteer)
                       .tuples())
        assert sorted(count for _, count in open_shifts) == [1] * PAIRS
    for pair in run_pairs(kiosks, "shift/end", volunteer_badges, "end"):
        assert statuses(pair) == [(200, "off_shift"), (409, "no_shift")], pair

    refused = [r.getMessage().split(":")[0] for r in caplog.records
               if r.name == "station.attendance"]
    print("duplicates refused by the database and answered again: %s"
          % {step: refused.count(step) for step in sorted(set(refused))})
    if not is_sqlite():
        # The pairs really ran side by side (SQLite queues writers, so there they never do).
        assert {"check_in", "check_out", "start_shift"} <= set(refused)
    with connected(app):
        for kind in ("check_in", "check_out"):
            per_person = (Visit.select(Visit.person, fn.COUNT(Visit.id))
                          .where((Visit.kind == kind) & Visit.voided_at.is_null())
                          .group_by(Visit.person).tuples())
            assert sorted(count for _, count in per_person) == [1] * PAIRS, kind
        shifts = list(VolunteerShift.select())
        assert len(shifts) == PAIRS
        assert all(s.ended_at is not None and s.end_client_id for s in shifts)
