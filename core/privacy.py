"""A person's rights over their data (PIPL art. 45, 47): a copy of everything, and erasure.

``copy_of_data`` gathers every record the station holds about one person; ``erase``
removes their personal data from every table while keeping the anonymous rows (visits,
services, shifts, attendance) so that past counts (服务人次, 受益人数, hours) do not change.

Erasure reaches every copy: the person's row and consents; in the audit rows about them
(their edits, consents, records, staff account) every personal field of before/after,
including old values (a former phone number, notes); wherever else any text holds their
name or numbers, now or as they were before a change; and roster uploads still waiting
to be imported that name them. Backups are not rewritten: they age out by rotation.
"""
import datetime
import json

from flask import current_app, has_app_context
from peewee import CharField, TextField, fn

from core import waiting_uploads
from core.clock import to_local
from core.exports import to_xlsx_sheets
from core.people import SENSITIVE_FIELDS, masked_name
from core.vocabulary import ERASED_MARK
from models import (MODELS, Attendance, AuditLog, Badge, Consent, Person, ServiceRecord,
                    StaffUser, Visit, VolunteerShift, audit, db, utcnow)

PERSON_FIELDS = ("id", "kind", "name", "sex", "birth_date", "phone", "address",
                 "guardian_name", "guardian_phone", "notes", "skills", "volunteer_number",
                 "active", "created_at", "erased_at")

# Text columns that are identifiers or codes, never free text about a person.
_NOT_SCRUBBED = {"username", "password_hash", "token_hash", "key_hash", "enroll_code_hash",
                 "client_id", "end_client_id", "code", "action", "object_type",
                 "header_signature", "timezone", "language", "role", "kind", "source",
                 "status", "pictogram", "scope", "method", "given_by"}


def _value(value):
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _local(station, at):
    return to_local(station, at).strftime("%Y-%m-%d %H:%M:%S") if at else None


def copy_of_data(person, include_sensitive=False):
    """Everything held about the person, as plain data (sections of records)."""
    station = person.station
    data = {"generated_at": _value(utcnow()) + " UTC", "station": station.name}
    info = {f: _value(getattr(person, f)) for f in PERSON_FIELDS}
    if include_sensitive:
        info.update({f: _value(getattr(person, f)) for f in SENSITIVE_FIELDS})
    data["person"] = info
    data["consents"] = [
        {"id": c.id, "scope": c.scope, "method": c.method, "given_by": c.given_by,
         "guardian_name": c.guardian_name, "given_on": _value(c.given_on),
         "recorded_by": c.recorded_by.username if c.recorded_by else "",
         "recorded_at": _value(c.recorded_at), "withdrawn_at": _value(c.withdrawn_at),
         "note": c.note}
        for c in Consent.select().where(Consent.person == person).order_by(Consent.id)]
    data["badges"] = [
        {"id": b.id, "serial": b.serial, "issued_at": _value(b.issued_at),
         "revoked_at": _value(b.revoked_at), "revoke_reason": b.revoke_reason,
         "printed_at": _value(b.printed_at)}
        for b in Badge.select().where(Badge.person == person).order_by(Badge.serial)]
    data["visits"] = [
        {"id": v.id, "kind": v.kind, "time": _local(station, v.at),
         "date": _value(v.local_date), "source": v.source,
         "voided": v.voided_at is not None, "void_reason": v.void_reason}
        for v in Visit.select().where(Visit.person == person).order_by(Visit.at, Visit.id)]
    data["services_received"] = [
        {"id": r.id, "time": _local(station, r.at), "date": _value(r.local_date),
         "service": r.service.name_zh, "minutes": r.minutes,
         "provider": masked_name(r.provider.name) if r.provider_id else "",
         "note": r.note, "source": r.source, "voided": r.voided_at is not None,
         "void_reason": r.void_reason}
        for r in ServiceRecord.select().where(ServiceRecord.recipient == person)
        .order_by(ServiceRecord.at, ServiceRecord.id)]
    data["services_given"] = [
        {"id": r.id, "time": _local(station, r.at), "date": _value(r.local_date),
         "service": r.service.name_zh, "minutes": r.minutes,
         "recipient": masked_name(r.recipient.name), "voided": r.voided_at is not None}
        for r in ServiceRecord.select().where(ServiceRecord.provider == person)
        .order_by(ServiceRecord.at, ServiceRecord.id)]
    data["volunteer_shifts"] = [
        {"id": s.id, "date": _value(s.local_date), "start": _local(station, s.started_at),
         "end": _local(station, s.ended_at), "minutes": s.minutes, "content": s.content,
         "place": s.place, "organiser": s.organiser, "status": s.status,
         "auto_closed": s.auto_closed, "void_reason": s.void_reason}
        for s in VolunteerShift.select().where(VolunteerShift.volunteer == person)
        .order_by(VolunteerShift.started_at, VolunteerShift.id)]
    data["activity_attendance"] = [
        {"id": a.id, "activity": a.activity.name, "date": _value(a.activity.local_date),
         "time": _local(station, a.at), "voided": a.voided_at is not None}
        for a in Attendance.select().where(Attendance.person == person).order_by(Attendance.at)]
    data["staff_accounts"] = [
        {"id": u.id, "username": u.username, "role": u.role, "active": u.active,
         "created_at": _value(u.created_at), "last_login_at": _value(u.last_login_at)}
        for u in StaffUser.select().where(StaffUser.person == person)]
    data["audit_log"] = [
        {"id": a.id, "time": _value(a.at), "who": a.actor_label, "action": a.action,
         "object": "%s %s" % (a.object_type, a.object_id or ""), "before": a.before,
         "after": a.after, "detail": a.detail}
        for a in _audit_rows(person, data, include_sensitive)]
    return data


def _audit_rows(person, data, include_sensitive):
    """Audit rows about the person or any of their records."""
    targets = [("Person", [person.id]), ("Consent", [c["id"] for c in data["consents"]]),
               ("Badge", [b["id"] for b in data["badges"]]),
               ("Visit", [v["id"] for v in data["visits"]]),
               ("ServiceRecord", [r["id"] for r in data["services_received"]]),
               ("VolunteerShift", [s["id"] for s in data["volunteer_shifts"]]),
               ("Attendance", [a["id"] for a in data["activity_attendance"]])]
    clause = None
    for object_type, ids in targets:
        if not ids:
            continue
        part = (AuditLog.object_type == object_type) & AuditLog.object_id.in_(ids)
        clause = part if clause is None else (clause | part)
    rows = list(AuditLog.select().where(clause).order_by(AuditLog.at, AuditLog.id))
    if not include_sensitive:  # sensitive values written at consent time stay out
        rows = [r for r in rows if r.action not in ("person.set_sensitive",)]
    return rows


def to_json(data):
    """The copy as a UTF-8 JSON file."""
    return json.dumps(data, ensure_ascii=False, indent=2, default=str).encode("utf-8")


def to_xlsx(data):
    """The copy as an XLSX workbook: the person first, then one sheet per kind of record."""
    person = [["field", "value"], ["station", data["station"]],
              ["generated_at", data["generated_at"]]]
    person += [[key, value] for key, value in data["person"].items()]
    sheets = [("person", person)]
    for section, records in data.items():
        if not isinstance(records, list):
            continue
        if not records:
            sheets.append((section, [["(none)"]]))
            continue
        header = list(records[0].keys())
        sheets.append((section, [header] + [[record[k] for k in header] for record in records]))
    return to_xlsx_sheets(sheets)


# Fields of a person (and of their consents, records and staff account) that identify them or
# say something about them: in an audit row about the person, their values are scrubbed.
PERSONAL_KEYS = frozenset({
    "name", "sex", "birth_date", "phone", "address", "guardian_name", "guardian_phone",
    "notes", "skills", "volunteer_number", "id_type", "id_number", "disability_card",
    "disability_card_raw", "display_name", "note", "guardian"})
# Of those, the ones specific enough to be looked for in free text anywhere (a name, a phone
# number); a note or a birth date is not searched for in other people's text.
IDENTIFIER_KEYS = ("name", "phone", "address", "guardian_name", "guardian_phone",
                   "volunteer_number", "id_number", "disability_card", "disability_card_raw",
                   "display_name", "guardian")


def _person_audit_rows(person):
    """Audit rows whose object is the person, their consents, badges, records or account."""
    targets = [
        ("Person", [person.id]),
        ("Consent", Consent.select(Consent.id).where(Consent.person == person)),
        ("Badge", Badge.select(Badge.id).where(Badge.person == person)),
        ("Visit", Visit.select(Visit.id).where(Visit.person == person)),
        ("ServiceRecord", ServiceRecord.select(ServiceRecord.id)
         .where(ServiceRecord.recipient == person)),
        ("VolunteerShift", VolunteerShift.select(VolunteerShift.id)
         .where(VolunteerShift.volunteer == person)),
        ("Attendance", Attendance.select(Attendance.id).where(Attendance.person == person)),
        ("StaffUser", StaffUser.select(StaffUser.id).where(StaffUser.person == person)),
    ]
    clause = None
    for object_type, ids in targets:
        part = (AuditLog.object_type == object_type) & AuditLog.object_id.in_(ids)
        clause = part if clause is None else (clause | part)
    return list(AuditLog.select().where(clause))


def _audit_values(row):
    """The before and after of an audit row as dicts ({} when empty or not a dict)."""
    values = []
    for text in (row.before, row.after):
        try:
            value = json.loads(text) if text else {}
        except ValueError:
            value = {}
        values.append(value if isinstance(value, dict) else {})
    return values


def _needles(person, rows):
    """The strings that identify the person, now and in the past, longest first."""
    values = [getattr(person, f) for f in IDENTIFIER_KEYS if f in Person._meta.fields]
    values += [c.guardian_name for c in Consent.select().where(Consent.person == person)]
    values += [u.display_name for u in StaffUser.select().where(StaffUser.person == person)]
    for row in rows:  # what the person was called, and their numbers, before a change
        for value in _audit_values(row):
            values += [value.get(key) for key in IDENTIFIER_KEYS]
    found = set()
    for value in values:
        if not isinstance(value, str):
            continue
        for part in [value] + value.split(" / "):  # a cell of several phone numbers
            part = part.strip()
            if len(part) >= 2:
                found.add(part)
                # as json.dumps wrote it into an audit row (quotes, backslashes, newlines)
                found.add(json.dumps(part, ensure_ascii=False)[1:-1])
    # Longest first, so a phone number is not half-replaced by a shorter needle.
    return sorted(found, key=len, reverse=True)


def _scrub_audit_rows(rows):
    """Replace the person's values in the before/after of the audit rows about them."""
    for row in rows:
        changed = {}
        for column, value in zip(("before", "after"), _audit_values(row)):
            personal = [k for k in value if k in PERSONAL_KEYS and value[k] not in (None, "")]
            if personal:
                value.update({k: ERASED_MARK for k in personal})
                changed[column] = json.dumps(value, ensure_ascii=False, default=str)
        if changed:
            AuditLog.update(changed).where(AuditLog.id == row.id).execute()


def _scrub_everywhere(person, needles):
    """Replace the needles in every free-text column of every table; rows changed."""
    changed = 0
    for model in MODELS:
        for field in model._meta.sorted_fields:
            if not isinstance(field, (CharField, TextField)) or field.name in _NOT_SCRUBBED:
                continue
            if model is Person and field.name == "name":
                continue  # another person's name is theirs; the erased row is cleared below
            for needle in needles:
                changed += (model.update({field: fn.REPLACE(field, needle, ERASED_MARK)})
                            .where(field.contains(needle)).execute())
    return changed


def erase(person, *, actor):
    """Remove the person's personal data everywhere; keep anonymous records. One transaction.

    The disability category is kept on the anonymous row (no name, no number) so that past
    reports by category do not change; everything else about the person is removed, their
    badges are revoked and their consents closed.
    """
    if person.erased_at is not None:
        raise ValueError("already erased")
    with db.atomic():
        person = Person.get_by_id(person.id)
        about_them = _person_audit_rows(person)
        needles = _needles(person, about_them)
        now = utcnow()
        kept = {"visits": Visit.select().where(Visit.person == person).count(),
                "services": ServiceRecord.select().where(
                    (ServiceRecord.recipient == person) | (ServiceRecord.provider == person))
                .count(),
                "shifts": VolunteerShift.select().where(VolunteerShift.volunteer == person)
                .count()}
        for badge in Badge.select().where((Badge.person == person) & Badge.revoked_at.is_null()):
            badge.revoked_at, badge.revoked_by, badge.revoke_reason = now, actor, "erased"
            badge.save()
        (Consent.update(guardian_name="", note="",
                        withdrawn_at=fn.COALESCE(Consent.withdrawn_at, now))
         .where(Consent.person == person).execute())
        ServiceRecord.update(note="").where(ServiceRecord.recipient == person).execute()
        (StaffUser.update(display_name="", person=None)
         .where(StaffUser.person == person).execute())
        person.name = None
        for field in ("sex", "phone", "address", "guardian_name", "guardian_phone", "notes",
                      "skills", "volunteer_number", "id_type", "id_number", "disability_card",
                      "disability_card_raw"):
            setattr(person, field, "")
        person.birth_date = None
        person.disability_level = None
        person.active = False
        person.erased_at = now
        person.save()
        _scrub_audit_rows(about_them)
        scrubbed = _scrub_everywhere(person, needles)
        # A roster upload waiting to be imported is a copy too.
        uploads = (waiting_uploads.discard_holding(current_app.instance_path, needles)
                   if has_app_context() else 0)
        audit("person.erase", actor=actor, station=person.station_id, obj=person,
              after={"erased": True, "kept_anonymous": kept, "text_fields_scrubbed": scrubbed,
                     "waiting_uploads_discarded": uploads})
    return person
