"""Fuzzing with a fixed budget: the badge parser, the kiosk API and the admin forms take any
text, size and encoding without a 500 and without storing anything from a refused request."""
import json
import re

from hypothesis import HealthCheck, given, settings, strategies as st
from werkzeug.routing import IntegerConverter

from core import badges
from models import MODELS, AuditLog, LoginThrottle, StaffSession, Visit
from tests.helpers import connected, csrf_token, enroll_kiosk, gen_person, gen_user, login_as

FIXED = dict(deadline=None, derandomize=True, database=None,
             suppress_health_check=[HealthCheck.function_scoped_fixture,
                                    HealthCheck.too_slow, HealthCheck.data_too_large])

# Text a scanner, a camera or an attacker might send: any character but lone surrogates.
ANY_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=120)
BADGE_CHARS = st.sampled_from(badges.ALPHABET)
TOKENS = st.text(BADGE_CHARS, min_size=22, max_size=22)
WHITESPACE = st.text(st.sampled_from(" \t\r\n"), max_size=3)


# --- the badge parser ------------------------------------------------------------------

def near_badges():
    """Payload-like text: each part (prefix, version, separator, token) right half the time,
    otherwise wrong in a way a careless parser might forgive."""
    prefix = st.one_of(st.just("YZ"), st.sampled_from(["yz", "Yz", "YZZ", "Y", "", "ＹＺ", "YZ "]))
    version = st.one_of(st.just("1"),
                        st.sampled_from(["01", "2", "0", "", "1 ", "١", "¹", "１", "10", "-1",
                                         "+1", "99999999999999999999"]),
                        st.text(st.characters(categories=["Nd"]), min_size=1, max_size=3))
    separator = st.one_of(st.just(":"), st.sampled_from(["：", ";", "", "::", " :"]))
    token = st.one_of(TOKENS, st.text(BADGE_CHARS, max_size=30),
                      st.text(st.sampled_from(badges.ALPHABET.lower() + "ILOUilou-_=+/ \n\x00"),
                              min_size=1, max_size=26),
                      st.builds(lambda t, i, c: t[:i] + c + t[i + 1:], TOKENS,
                                st.integers(0, 21), ANY_TEXT.filter(lambda c: len(c) == 1)))
    return st.builds(lambda w1, p, v, s, t, w2: w1 + p + v + s + t + w2,
                     WHITESPACE, prefix, version, separator, token, WHITESPACE)


@settings(max_examples=600, **FIXED)
@given(st.one_of(near_badges(), near_badges(), near_badges(), ANY_TEXT, st.binary(max_size=80),
                 st.none(), st.integers(),
                 st.floats(), st.lists(st.text(max_size=5), max_size=3),
                 st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3),
                 st.text(max_size=200)))
def test_badge_parser_raises_only_its_own_errors_and_accepts_only_the_format(value):
    """Does the parser either return the token of an exact YZ1 payload, or raise NotABadge /
    UnsupportedBadge, for any value at all?"""
    try:
        token = badges.parse_payload(value)
    except (badges.NotABadge, badges.UnsupportedBadge):
        return
    assert isinstance(value, str)
    assert value.strip() == "YZ1:" + token
    assert len(token) == badges.TOKEN_LENGTH and set(token) <= set(badges.ALPHABET)


@settings(max_examples=200, **FIXED)
@given(WHITESPACE, TOKENS, WHITESPACE)
def test_badge_parser_accepts_every_exact_payload(before, token, after):
    """Is every well-formed payload accepted, with a scanner's whitespace around it?"""
    assert badges.parse_payload(before + badges.payload_for(token) + after) == token


WRONG_PARTS = {
    "prefix": st.one_of(st.sampled_from(["yz", "Yz", "YZZ", "Y", "", "ＹＺ", "YZ ", "XZ"]),
                        ANY_TEXT.filter(lambda t: t != "YZ")),
    "version": st.one_of(st.sampled_from(["01", "2", "0", "", "١", "¹", "１", "10", "+1", " 1"]),
                         st.text(st.characters(categories=["Nd"]), min_size=1, max_size=3)
                         .filter(lambda t: t != "1")),
    "separator": st.sampled_from(["：", ";", "", "::", " :", ": ", "-"]),
    "token": st.one_of(st.text(BADGE_CHARS, max_size=40).filter(lambda t: len(t) != 22),
                       st.builds(lambda t, i, c: t[:i] + c + t[i + 1:], TOKENS, st.integers(0, 21),
                                 st.characters(exclude_categories=("Cs",))
                                 .filter(lambda c: c not in badges.ALPHABET))),
}


@settings(max_examples=300, **FIXED)
@given(st.data())
def test_badge_parser_refuses_a_payload_with_any_one_part_wrong(data):
    """With the prefix, version, separator or token wrong (and the rest right), is the payload
    refused, never read as somebody's badge?"""
    parts = {"prefix": "YZ", "version": "1", "separator": ":",
             "token": data.draw(TOKENS)}
    wrong = data.draw(st.sampled_from(sorted(WRONG_PARTS)))
    parts[wrong] = data.draw(WRONG_PARTS[wrong])
    text = parts["prefix"] + parts["version"] + parts["separator"] + parts["token"]
    if text.strip() == "YZ1:" + parts["token"].strip() and len(parts["token"].strip()) == 22:
        return  # the wrong part was only surrounding whitespace, which a scanner adds
    try:
        token = badges.parse_payload(text)
    except (badges.NotABadge, badges.UnsupportedBadge):
        return
    raise AssertionError("accepted %r as token %r" % (text, token))


# --- the kiosk API ------------------------------------------------------------------------

JSON_LEAVES = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                        ANY_TEXT)
JSON_VALUES = st.recursive(JSON_LEAVES, lambda children: st.one_of(
    st.lists(children, max_size=4), st.dictionaries(ANY_TEXT, children, max_size=4)),
    max_leaves=12)
CLIENT_IDS = st.one_of(st.text(st.sampled_from("abcXYZ019_-"), min_size=8, max_size=64),
                       ANY_TEXT, JSON_LEAVES)


def kiosk_bodies(valid_payload):
    """(raw bytes, content type) of bodies a kiosk, a broken client or an attacker might send."""
    payloads = st.one_of(st.just(valid_payload), near_badges(), JSON_VALUES,
                         st.builds(lambda p, s: p + s, st.just(valid_payload), ANY_TEXT))
    objects = st.fixed_dictionaries(
        {}, optional={"payload": payloads, "client_id": CLIENT_IDS,
                      "source": st.one_of(st.sampled_from(["camera", "scanner", "staff"]),
                                          JSON_VALUES)})
    objects = st.builds(lambda base, extra: {**extra, **base}, objects,
                        st.dictionaries(ANY_TEXT, JSON_VALUES, max_size=3))
    encodings = st.sampled_from(["utf-8", "utf-16", "utf-32", "gb18030", "latin-1"])
    as_json = st.builds(lambda obj, enc: (json.dumps(obj, ensure_ascii=False)
                                          .encode(enc, errors="replace"), enc), objects, encodings)
    content_types = st.sampled_from(["application/json", "application/json; charset=utf-8",
                                     "application/json; charset=gb18030", "text/plain",
                                     "application/x-www-form-urlencoded", "multipart/form-data",
                                     "application/json; charset=nonsense", ""])
    well_formed = st.fixed_dictionaries(
        {"payload": st.sampled_from([valid_payload, " %s\r\n" % valid_payload,
                                     valid_payload.lower(), valid_payload[:-1]]),
         "client_id": st.text(st.sampled_from("abcXYZ019_-"), min_size=8, max_size=64),
         "source": st.sampled_from(["camera", "scanner", "staff", ""])})
    return st.one_of(
        st.builds(lambda obj: (json.dumps(obj).encode(), "application/json"), well_formed),
        st.builds(lambda body, ct: (body[0], ct), as_json, content_types),
        st.builds(lambda body, ct: (body, ct), st.binary(max_size=3000), content_types),
        st.builds(lambda text, ct: (text.encode("utf-8"), ct), JSON_VALUES.map(json.dumps),
                  content_types),
        st.builds(lambda n, ct: (b'{"payload": "' + b"Y" * n + b'"}', ct),
                  st.integers(0, 12000), content_types))


def counts():
    return {model.__name__: model.select().count() for model in MODELS}


def test_kiosk_api_survives_anything(app, client):
    """Does the scan API answer any body, encoding, size and header with 200 or a 4xx, and
    store nothing but the audit note of an unknown badge when it refuses?"""
    app.config["MAX_CONTENT_LENGTH"] = 8192
    with connected(app):
        _, payload = gen_person("resident")
    _, token = enroll_kiosk(app, client)
    stranger = app.test_client()

    @settings(max_examples=250, **FIXED)
    @given(body=kiosk_bodies(payload), with_token=st.sampled_from([True, True, True, False]),
           as_stranger=st.sampled_from([False] * 5 + [True]))
    def scan_anything(body, with_token, as_stranger):
        data, content_type = body
        headers = {"X-CSRFToken": token} if with_token else {}
        with connected(app):
            before = counts()
            last_audit = AuditLog.select().count()
        response = (stranger if as_stranger else client).post(
            "/kiosk/api/scan", data=data, content_type=content_type, headers=headers)
        assert response.status_code < 500, response.get_data(as_text=True)
        answer = response.get_json()
        assert isinstance(answer, dict) and "ok" in answer
        with connected(app):
            after = counts()
            new_audit = list(AuditLog.select().order_by(AuditLog.id).offset(last_audit))
        if response.status_code == 200:
            assert answer["ok"] is True
            assert not as_stranger and with_token
            assert after["Visit"] - before["Visit"] in (0, 1)
            return
        assert answer["ok"] is False and answer["message"]
        # A refused request stores nothing, except the note that an unknown badge was shown
        # (which holds no part of what was scanned).
        assert {k: v for k, v in after.items() if k != "AuditLog"} == \
            {k: v for k, v in before.items() if k != "AuditLog"}
        for row in new_audit:
            assert row.action in ("kiosk.unknown_badge", "kiosk.revoked_badge")
            assert not (row.before or row.after or row.detail)

    scan_anything()
    with connected(app):
        assert Visit.select().count() == 1  # the one resident, checked in once however asked
        for row in AuditLog.select():
            assert payload not in row.before + row.after + row.detail


# --- the admin forms ---------------------------------------------------------------------

def test_login_form_survives_any_text(app, client):
    """Does the sign-in form answer any user name and password without a 500, signing nobody
    in and storing, for unknown names, nothing but the throttle's keyed hashes?"""
    with connected(app):
        gen_user("staff", username="chenjing")
    token = csrf_token(client)

    @settings(max_examples=120, **FIXED)
    @given(username=st.one_of(ANY_TEXT, st.just("chenjing"), st.text(max_size=5000)),
           password=st.one_of(ANY_TEXT, st.text(max_size=5000)),
           extra=st.dictionaries(ANY_TEXT.filter(bool), ANY_TEXT, max_size=3),
           nxt=st.one_of(st.none(), ANY_TEXT, st.just("//evil.example/"),
                         st.just("https://evil.example/")))
    def login_anything(username, password, extra, nxt):
        form = dict(extra, username=username, password=password, csrf_token=token)
        with connected(app):
            before = counts()
        url = "/admin/login" if nxt is None else "/admin/login?" + \
            __import__("urllib.parse").parse.urlencode({"next": nxt})
        response = client.post(url, data=form)
        assert response.status_code in (400, 401, 413), response.status_code
        assert response.status_code == 400 or "staff_id" not in str(response.headers)
        with connected(app):
            after = counts()
            throttled = {"LoginThrottle", "AuditLog"}  # the wait, and a known name's note
            assert {k: v for k, v in after.items() if k not in throttled} == \
                {k: v for k, v in before.items() if k not in throttled}
            assert after["LoginThrottle"] - before["LoginThrottle"] in (0, 1)
            assert StaffSession.select().count() == 0
            name = username.strip()[:64]
            if len(name) >= 4 and not set(name) <= set("0123456789abcdef"):  # not hex by chance
                for row in LoginThrottle.select():
                    assert name not in row.account_key + row.address_key
            if username.strip()[:64] != "chenjing":
                assert after["AuditLog"] == before["AuditLog"]

    login_anything()
    assert client.get("/admin/").status_code == 302  # still nobody signed in


def admin_post_routes(app):
    """(url, field names) for every admin POST route; fields read from its own form if it has one."""
    adapter = app.url_map.bind("localhost")
    routes = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.endpoint.startswith("station_admin.") or "POST" not in rule.methods \
                or rule.endpoint in ("station_admin.login", "station_admin.logout"):
            continue
        values = {name: 1 if isinstance(conv, IntegerConverter) else "1"
                  for name, conv in rule._converters.items()}
        routes.append((rule.endpoint, adapter.build(rule.endpoint, values, method="POST"),
                       "GET" in rule.methods))
    return routes


FIELD_RE = re.compile(r'<(?:input|select|textarea)\b[^>]*\bname="([^"]+)"')
COMMON_FIELDS = ["name", "reason", "note", "date", "time", "person_id", "kind", "minutes",
                 "service_id", "services", "q", "station", "activity_id", "phone"]


def test_admin_forms_survive_any_text(app, client):
    """Does every admin form, sent any text in any of its fields by a signed-in administrator,
    answer without a 500?"""
    with connected(app):
        gen_person("resident")
        gen_person("volunteer")
        admin = gen_user("admin")
    assert login_as(client, admin).status_code == 302
    token = csrf_token(client, "/admin/login")
    routes = []
    for endpoint, url, has_get in admin_post_routes(app):
        fields = set(COMMON_FIELDS)
        if has_get:
            page = client.get(url)
            fields |= set(FIELD_RE.findall(page.get_data(as_text=True)))
        fields.discard("csrf_token")
        routes.append((endpoint, url, sorted(fields)))
    assert routes, "no admin POST routes found"

    @settings(max_examples=150, **FIXED)
    @given(data=st.data())
    def post_anything(data):
        endpoint, url, fields = data.draw(st.sampled_from(routes))
        chosen = data.draw(st.lists(st.sampled_from(fields), unique=True, max_size=len(fields)))
        form = {field: data.draw(st.one_of(ANY_TEXT, st.integers().map(str),
                                           st.sampled_from(["", "1", "2", "2026-13-45",
                                                            "9" * 40, "-1", "0"])))
                for field in chosen}
        form["csrf_token"] = token
        response = client.post(url, data=form)
        assert response.status_code < 500, (endpoint, form, response.status_code)

    post_anything()


# --- ids and dates in admin URLs, queries and forms ------------------------------------------

# Ids as an attacker writes them: past 32 and 64 bits, zero, negative, padded, non-ASCII digits.
HOSTILE_IDS = st.one_of(
    st.integers(min_value=-(10 ** 25), max_value=10 ** 25).map(str),
    st.sampled_from(["0", "1", "2147483647", "2147483648", "9223372036854775807",
                     "9223372036854775808", "99999999999999999999", "0001", "-1", "1e9",
                     "１２", "٣", " 7", "7 ", "0x1f", "1.0", ""]),
    st.text(st.sampled_from("0123456789"), min_size=11, max_size=40))
# Days as an attacker writes them: the first and last years Python knows, impossible days,
# other formats.
HOSTILE_DAYS = st.one_of(
    st.sampled_from(["0000-01-01", "0001-01-01", "0001-01-02", "9999-12-31", "9999-12-30",
                     "10000-01-01", "2026-02-30", "2026-13-01", "2026-00-10", "1899-12-31",
                     "2200-01-01", "+2026-01-01", "2026-1-1", "2026/01/01", "20260101",
                     "２０２６-０１-０１", "0000-00", "9999-12", "0001-01", "9999-Q4",
                     "0000-Q1", ""]),
    st.dates().map(lambda d: d.isoformat()),
    st.dates().map(lambda d: d.isoformat()[:7]))
QUERY_FIELDS = ["date", "from", "to", "start", "end", "month", "quarter", "help", "object_id",
                "page", "volunteer", "person_id", "ids", "activity_id", "given_on", "birth_date"]


def admin_routes_with_ids(app):
    """(rule text, methods, names of its id arguments) for every admin route."""
    routes = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.endpoint.startswith("station_admin."):
            continue
        ids = [name for name, conv in rule._converters.items()
               if isinstance(conv, IntegerConverter)]
        methods = sorted(rule.methods & {"GET", "POST"})
        routes.append((rule.rule, methods, ids))
    return routes


def fill_rule(rule, values):
    """The rule's path with each <converter:name> replaced by values[name] (or 1)."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>",
                  lambda m: __import__("urllib.parse").parse.quote(
                      str(values.get(m.group(1), 1)), safe=""), rule)


def test_admin_routes_survive_any_id_and_date(app, client):
    """Does every admin route, given any id in its URL and any id or date in its query or
    form fields (20-digit ids, years 0 and 9999, impossible days), answer without a 500?"""
    with connected(app):
        gen_person("resident")
        gen_person("volunteer")
        admin = gen_user("admin")
    assert login_as(client, admin).status_code == 302
    token = csrf_token(client, "/admin/login")
    routes = admin_routes_with_ids(app)
    assert any(ids for _, _, ids in routes), "no admin route with an id"

    @settings(max_examples=400, **FIXED)
    @given(data=st.data())
    def try_any(data):
        rule, methods, ids = data.draw(st.sampled_from(routes))
        if rule in ("/admin/login", "/admin/logout"):
            return
        method = data.draw(st.sampled_from(methods))
        path = fill_rule(rule, {name: data.draw(HOSTILE_IDS) for name in ids})
        fields = data.draw(st.lists(st.sampled_from(QUERY_FIELDS), unique=True, max_size=5))
        values = {f: data.draw(st.one_of(HOSTILE_DAYS, HOSTILE_IDS)) for f in fields}
        if method == "GET":
            response = client.get(path, query_string=values)
        else:
            response = client.post(path, data=dict(values, csrf_token=token))
        assert response.status_code < 500, (method, path, values, response.status_code)

    try_any()


def test_every_date_and_id_route_refuses_extremes_cleanly(app, client):
    """Are the worst single values (a 20-digit id, year 0, year 9999, the last day Python
    knows) answered with a clear 4xx or a normal page on each route that reads them?"""
    with connected(app):
        admin = gen_user("admin")
    login_as(client, admin)
    worst_ids = ["99999999999999999999", "9223372036854775808", "2147483648"]
    worst_days = ["0000-01-01", "0001-01-01", "9999-12-31"]
    checked = 0
    for rule, methods, ids in admin_routes_with_ids(app):
        if "GET" not in methods:
            continue
        for bad in worst_ids:
            if ids:
                response = client.get(fill_rule(rule, {name: bad for name in ids}))
                assert response.status_code == 404, (rule, bad, response.status_code)
                checked += 1
        if not ids:
            for day in worst_days:
                for field in ("date", "from", "to", "start", "end"):
                    response = client.get(rule, query_string={field: day, "end": day})
                    assert response.status_code < 500, (rule, field, day)
                    checked += 1
                for field, value in (("month", day[:7]), ("quarter", day[:4] + "-Q4")):
                    response = client.get(rule, query_string={field: value})
                    assert response.status_code < 500, (rule, field, value)
    assert checked > 100


# --- JSON nested past any sensible depth, at every kiosk endpoint -----------------------------

def nested(depth, opener, closer, inner=b"1"):
    return opener * depth + inner + closer * depth


def test_kiosk_api_survives_deep_json(app, client):
    """Does every kiosk endpoint answer a JSON body nested 10,000 deep (arrays, objects, inside
    a field) with a 4xx and a message, never a 500 or a RecursionError?"""
    with connected(app):
        _, payload = gen_person("resident")
    _, token = enroll_kiosk(app, client)
    endpoints = sorted(rule.rule for rule in app.url_map.iter_rules()
                       if rule.rule.startswith("/kiosk/api/") and "POST" in rule.methods)
    assert len(endpoints) >= 6

    @settings(max_examples=120, **FIXED)
    @given(endpoint=st.sampled_from(endpoints),
           depth=st.one_of(st.sampled_from([9, 50, 999, 1001, 10000, 100000]),
                           st.integers(1, 20000)),
           shape=st.sampled_from(["array", "object", "in_payload", "in_services", "mixed"]))
    def post_deep(endpoint, depth, shape):
        if shape == "array":
            body = nested(depth, b"[", b"]")
        elif shape == "object":
            body = nested(depth, b'{"a":', b"}")
        elif shape == "in_payload":
            body = b'{"payload": ' + nested(depth, b"[", b"]") + b', "client_id": "deep-0001"}'
        elif shape == "in_services":
            body = (b'{"payload": "' + payload.encode() + b'", "client_id": "deep-0002", '
                    b'"service_ids": ' + nested(depth, b"[", b"]") + b"}")
        else:
            body = nested(depth, b'[{"x":', b"}]")
        response = client.post(endpoint, data=body, content_type="application/json",
                               headers={"X-CSRFToken": token})
        assert response.status_code < 500, (endpoint, shape, depth, response.status_code)
        answer = response.get_json()
        assert isinstance(answer, dict) and "ok" in answer
        if depth > 8:
            assert response.status_code in (400, 413), (endpoint, shape, depth)
            assert answer["ok"] is False and answer["message"]

    post_deep()
