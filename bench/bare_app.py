"""The floor for a check-in: Flask + peewee + SQLite doing only a look-up and an insert.

No sessions, CSRF, device check, i18n, audit, day status or access log: a badge row is looked
up by the hash of the payload and a visit row inserted, in one transaction, with the same
SQLite pragmas and connection-per-request pattern (peewee's documented Flask integration) as
the station server, served by waitress with the same number of threads.

    .venv/bin/python -m bench.bare_app DB_PATH PORT
"""
import datetime
import hashlib
import sys

from flask import Flask, jsonify, request
from peewee import CharField, DateTimeField, IntegerField, Model, SqliteDatabase

from core.database import SQLITE_PRAGMAS as PRAGMAS  # noqa: E402  the station's own pragmas

db = SqliteDatabase(None, pragmas=PRAGMAS, check_same_thread=False, lock_type="IMMEDIATE")


class Badge(Model):
    token_hash = CharField(max_length=64, unique=True)
    person_id = IntegerField()

    class Meta:
        database = db


class Visit(Model):
    person_id = IntegerField()
    client_id = CharField(max_length=64, unique=True)
    at = DateTimeField()

    class Meta:
        database = db


def payload_hash(payload):
    """What the table stores for a badge payload."""
    return hashlib.sha256(payload.encode()).hexdigest()


def populate(path, payloads):
    """Create the tables and one badge row per payload (person ids 1..n)."""
    db.init(path)
    with db.connection_context():
        db.create_tables([Badge, Visit])
        with db.atomic():
            rows = [{"token_hash": payload_hash(p), "person_id": i + 1}
                    for i, p in enumerate(payloads)]
            for start in range(0, len(rows), 500):
                Badge.insert_many(rows[start:start + 500]).execute()


def create_app(path):
    """The bare app: POST /scan {"payload", "client_id"} -> {"ok", "visit_id"}."""
    db.init(path)
    app = Flask(__name__)

    @app.before_request
    def _connect():
        db.connect(reuse_if_open=True)

    @app.teardown_request
    def _close(exc):
        if not db.is_closed():
            db.close()

    @app.post("/scan")
    def scan():
        data = request.get_json()
        badge = Badge.get_or_none(Badge.token_hash == payload_hash(data["payload"]))
        if badge is None:
            return jsonify(ok=False), 422
        with db.atomic():
            visit = Visit.create(person_id=badge.person_id, client_id=data["client_id"],
                                 at=datetime.datetime.utcnow())
        return jsonify(ok=True, visit_id=visit.id)

    return app


def serve_forever():
    """Serve the bare app with waitress on 127.0.0.1 (no main(): `make bench` runs it only
    as the baseline inside bench/checkin.py)."""
    from waitress import serve
    path, port = sys.argv[1], int(sys.argv[2])
    print("bare app on 127.0.0.1:%d" % port, flush=True)
    serve(create_app(path), host="127.0.0.1", port=port, threads=8, ident="bare",
          channel_timeout=60)


if __name__ == "__main__":
    serve_forever()
