"""People: residents, volunteers and staff; search; a person's page and history; consent;
the sensitive fields (only with consent, only for roles that may see them, every view
audited); a copy of a person's data; erasure.
"""
import re

from flask import (Response, abort, current_app, flash, g, redirect, render_template, request,
                   url_for)
from peewee import fn

from core import attendance, people as core_people, privacy
from core.clock import local_date
from core.i18n import _, lazy_gettext as _l
# The labels are the vocabulary's; the names here are the ones the screens below use.
from core.vocabulary import (CONSENT_GIVER_LABELS as CONSENT_GIVERS,
                             CONSENT_METHOD_LABELS as CONSENT_METHODS,
                             CONSENT_SCOPE_LABELS as CONSENT_SCOPES, DISABILITY_LABELS, ID_CARD,
                             ID_TYPE_LABELS as ID_TYPES, LEVEL_LABELS, PERSON_KINDS,
                             SEX_LABELS as SEXES)
from models import (Attendance, Badge, Consent, Person, ServiceRecord, Visit, VolunteerShift,
                    audit, db, utcnow)
from station_admin.blueprint import bp
from station_admin.auth import check_station, current_station, permission_required
from station_admin.roles import can
from station_admin.ui import parse_date, parse_int

PAGE_SIZE = 50
HISTORY_LIMIT = 30
PHONE_RE = re.compile(r"^[0-9+\- ]{5,32}$")
ID_CARD_RE = re.compile(r"^\d{17}[\dX]$")

TEXT_FIELDS = (("name", 50), ("phone", 32), ("address", 200), ("guardian_name", 50),
               ("guardian_phone", 32), ("skills", 200), ("volunteer_number", 64),
               ("notes", 2000))


def _get_person(person_id, allow_erased=False):
    person = Person.get_or_none(Person.id == person_id)
    if person is None or (person.erased_at is not None and not allow_erased):
        abort(404)
    check_station(person.station_id)
    return person


@bp.route("/people")
@permission_required("view_people")
def people():
    """Everyone the station knows, searchable by name or phone, by kind."""
    station = current_station()
    query_text = request.args.get("q", "").strip()[:50]
    kind = request.args.get("kind", "")
    show_inactive = request.args.get("inactive") == "1"
    page = parse_int(request.args.get("page"), 1, 10 ** 6) or 1
    query = Person.select().where((Person.station == station) & Person.erased_at.is_null())
    if kind in PERSON_KINDS:
        query = query.where(Person.kind == kind)
    if not show_inactive:
        query = query.where(Person.active == True)  # noqa: E712
    if query_text:
        query = query.where(Person.name.contains(query_text) | Person.phone.contains(query_text)
                            | Person.volunteer_number.contains(query_text))
    total = query.count()
    rows = list(query.order_by(Person.name, Person.id).paginate(page, PAGE_SIZE))
    ids = [p.id for p in rows]
    last_visit = dict(Visit.select(Visit.person, fn.MAX(Visit.local_date))
                      .where(Visit.person.in_(ids) & Visit.voided_at.is_null())
                      .group_by(Visit.person).tuples()) if ids else {}
    badged = {b for (b,) in Badge.select(Badge.person)
              .where(Badge.person.in_(ids) & Badge.revoked_at.is_null()).tuples()} if ids else set()
    consented = {c for (c,) in Consent.select(Consent.person)
                 .where(Consent.person.in_(ids) & (Consent.scope == "sensitive")
                        & Consent.withdrawn_at.is_null()).tuples()} if ids else set()
    return render_template("station_admin/people.html", station=station, rows=rows,
                           query=query_text, kind=kind, show_inactive=show_inactive,
                           page=page, pages=max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE),
                           total=total, last_visit=last_visit, badged=badged,
                           consented=consented)


def _read_person_form(errors, creating):
    """The person's ordinary (not sensitive) fields from the form, validated."""
    form = request.form
    values = {}
    for field, limit in TEXT_FIELDS:
        value = form.get(field, "").strip()
        if len(value) > limit and field not in ("name", "guardian_name"):  # see clean_name
            errors.append(_("%(field)s is too long (at most %(limit)d characters).",
                            field=FIELD_LABELS[field], limit=limit))
        values[field] = value
    for field in ("name", "guardian_name"):
        try:
            values[field] = core_people.clean_name(values[field], required=field == "name")
        except core_people.InvalidName as problem:
            errors.append(str(problem) if field == "name"
                          else "%s: %s" % (FIELD_LABELS[field], problem))
    for field in ("phone", "guardian_phone"):
        if values[field] and not PHONE_RE.match(values[field]):
            errors.append(_("%(field)s should be a phone number (digits only).",
                            field=FIELD_LABELS[field]))
    kind = form.get("kind", "")
    if kind not in PERSON_KINDS:
        errors.append(_("Please choose whether this is a resident, a volunteer or staff."))
    values["kind"] = kind
    sex = form.get("sex", "")
    values["sex"] = sex if sex in SEXES else ""
    birth = form.get("birth_date", "").strip()
    values["birth_date"] = None
    if birth:
        values["birth_date"] = parse_date(birth)
        if values["birth_date"] is None or values["birth_date"] > local_date(current_station()) \
                or values["birth_date"].year < 1900:
            errors.append(_("Please give the date of birth as a real date, e.g. 1956-03-08."))
    if not creating:
        values["active"] = form.get("active") == "1"
    return values


FIELD_LABELS = {"name": _l("Name"), "phone": _l("Phone"), "address": _l("Address"),
                "guardian_name": _l("Guardian's name"), "guardian_phone": _l("Guardian's phone"),
                "skills": _l("Skills"), "volunteer_number": _l("Volunteer number"),
                "notes": _l("Notes"), "sex": _l("Sex"), "birth_date": _l("Date of birth"),
                "kind": _l("Kind"), "active": _l("Active")}


@bp.route("/people/new", methods=["GET", "POST"])
@permission_required("edit_people")
def person_new():
    """Register a person; their first badge is issued at once."""
    station = current_station()
    errors = []
    form = request.form if request.method == "POST" else {
        "name": request.args.get("name", "")[:50], "kind": request.args.get("kind", "resident")}
    if request.method == "POST":
        values = _read_person_form(errors, creating=True)
        if not errors:
            name, kind = values.pop("name"), values.pop("kind")
            person, _badge = core_people.add_person(station, name, kind, actor=g.user, **values)
            flash(_("%(name)s is registered and has a badge.", name=person.name))
            return redirect(url_for("station_admin.person", person_id=person.id))
    return render_template("station_admin/person_form.html", station=station, person=None,
                           form=form, errors=errors, sexes=SEXES,
                           labels=FIELD_LABELS), 422 if errors else 200


@bp.route("/people/<int:person_id>/edit", methods=["GET", "POST"])
@permission_required("edit_people")
def person_edit(person_id):
    """Change a person's ordinary details (the old values go to the audit log)."""
    person = _get_person(person_id)
    errors = []
    form = request.form
    if request.method == "GET":
        form = {f: getattr(person, f) or "" for f, _limit in TEXT_FIELDS}
        form.update(kind=person.kind, sex=person.sex, active="1" if person.active else "",
                    birth_date=person.birth_date.isoformat() if person.birth_date else "")
    else:
        values = _read_person_form(errors, creating=False)
        if not errors:
            if core_people.update_person(person, values, actor=g.user):
                flash(_("The changes are saved."))
            else:
                flash(_("Nothing was changed."))
            return redirect(url_for("station_admin.person", person_id=person.id))
    return render_template("station_admin/person_form.html", station=person.station,
                           person=person, form=form, errors=errors, sexes=SEXES,
                           labels=FIELD_LABELS), 422 if errors else 200


def person_history(person):
    """The person's recent records, newest first, and their totals."""
    station = person.station
    visits = (Visit.select().where(Visit.person == person)
              .order_by(Visit.at.desc()))
    received = (ServiceRecord.select().where(ServiceRecord.recipient == person)
                .order_by(ServiceRecord.at.desc()))
    given = (ServiceRecord.select().where(ServiceRecord.provider == person)
             .order_by(ServiceRecord.at.desc()))
    shifts = (VolunteerShift.select().where(VolunteerShift.volunteer == person)
              .order_by(VolunteerShift.started_at.desc()))
    attended = (Attendance.select().where(Attendance.person == person)
                .order_by(Attendance.at.desc()))
    valid_minutes = (VolunteerShift.select(fn.COALESCE(fn.SUM(VolunteerShift.minutes), 0))
                     .where((VolunteerShift.volunteer == person)
                            & (VolunteerShift.status == "confirmed")
                            & VolunteerShift.voided_at.is_null()).scalar())
    return {
        "station": station,
        "visits": list(visits.limit(HISTORY_LIMIT)), "visit_count": visits.count(),
        "received": list(received.limit(HISTORY_LIMIT)), "received_count": received.count(),
        "given": list(given.limit(HISTORY_LIMIT)), "given_count": given.count(),
        "shifts": list(shifts.limit(HISTORY_LIMIT)), "shift_count": shifts.count(),
        "attended": list(attended.limit(HISTORY_LIMIT)), "attended_count": attended.count(),
        "confirmed_hours": round((valid_minutes or 0) / 60, 1),
    }


@bp.route("/people/<int:person_id>")
@permission_required("view_people")
def person(person_id):
    """A person's page: details, badge, consent, history; what staff may do next."""
    person = _get_person(person_id, allow_erased=True)
    consents = list(Consent.select().where(Consent.person == person).order_by(Consent.id.desc()))
    badge = core_people.current_badge(person)
    badge_endpoint = "station_admin.person_badge" \
        if "station_admin.person_badge" in current_app.view_functions else None
    today = attendance.local_date(person.station)
    return render_template("station_admin/person.html", person=person, consents=consents,
                           badge=badge, badge_endpoint=badge_endpoint,
                           has_consent=core_people.has_consent(person),
                           age=core_people.age_on(person.birth_date, today),
                           guardian_age=core_people.GUARDIAN_AGE,
                           status=attendance.day_status(person, person.station),
                           sexes=SEXES, scopes=CONSENT_SCOPES, methods=CONSENT_METHODS,
                           givers=CONSENT_GIVERS, today=today, **person_history(person))


@bp.route("/people/<int:person_id>/consent", methods=["POST"])
@permission_required("record_consent")
def consent_add(person_id):
    """Record a consent given by the person, or by a guardian (required under 14)."""
    person = _get_person(person_id)
    form = request.form
    errors = []
    scope, method, given_by = form.get("scope"), form.get("method"), form.get("given_by")
    guardian = form.get("guardian_name", "").strip()
    note = form.get("note", "").strip()
    today = attendance.local_date(person.station)
    given_on = parse_date(form.get("given_on"), None)
    if scope not in CONSENT_SCOPES:
        errors.append(_("Please choose what the consent covers."))
    if method not in CONSENT_METHODS:
        errors.append(_("Please choose how the consent was given."))
    if given_by not in CONSENT_GIVERS:
        errors.append(_("Please choose who gave the consent."))
    if given_on is None or given_on > today:
        errors.append(_("Please give the date the consent was given (not in the future)."))
    if given_by != "guardian" and given_on is not None \
            and core_people.guardian_must_consent(person.birth_date, given_on):
        errors.append(_("This person is under 14: a guardian must give the consent."))
    if given_by == "guardian" and not guardian:
        errors.append(_("Please give the guardian's name."))
    try:
        guardian = core_people.clean_name(guardian, required=False)
    except core_people.InvalidName as problem:
        errors.append("%s: %s" % (FIELD_LABELS["guardian_name"], problem))
    if len(guardian) > 50 or len(note) > 500:
        errors.append(_("The guardian's name or the note is too long."))
    if errors:
        for error in errors:
            flash(error)
        return redirect(url_for("station_admin.person", person_id=person.id) + "#consent")
    core_people.record_consent(person, scope=scope, method=method, given_by=given_by,
                               guardian_name=guardian, given_on=given_on, note=note,
                               recorded_by=g.user, actor=g.user)
    flash(_("The consent is recorded."))
    return redirect(url_for("station_admin.person", person_id=person.id) + "#consent")


@bp.route("/people/<int:person_id>/consent/<int:consent_id>/withdraw", methods=["POST"])
@permission_required("record_consent")
def consent_withdraw(person_id, consent_id):
    """Record that a consent was withdrawn; without consent the sensitive data is removed."""
    person = _get_person(person_id)
    consent = Consent.get_or_none((Consent.id == consent_id) & (Consent.person == person))
    if consent is None:
        abort(404)
    if core_people.withdraw_consent(consent, actor=g.user):
        flash(_("The consent is withdrawn. Without consent, the sensitive data is removed."))
    return redirect(url_for("station_admin.person", person_id=person.id) + "#consent")


@bp.route("/people/<int:person_id>/sensitive")
@permission_required("view_sensitive")
def person_sensitive(person_id):
    """The sensitive fields, for roles that may see them; every view is in the audit log."""
    person = _get_person(person_id)
    has = core_people.has_consent(person)
    with db.atomic():
        audit("person.view_sensitive", actor=g.user, station=person.station_id, obj=person)
    return render_template("station_admin/person_sensitive.html", person=person,
                           has_consent=has, categories=DISABILITY_LABELS, levels=LEVEL_LABELS,
                           id_types=ID_TYPES, errors=[], form={})


@bp.route("/people/<int:person_id>/sensitive/edit", methods=["POST"])
@permission_required("edit_sensitive")
def person_sensitive_edit(person_id):
    """Set the sensitive fields (only with a current consent)."""
    person = _get_person(person_id)
    form = request.form
    errors = []
    card = form.get("disability_card", "").strip()
    category = parse_int(form.get("disability_category"), 1, 7)
    level = parse_int(form.get("disability_level"), 1, 4)
    id_type = form.get("id_type", "")
    id_number = form.get("id_number", "").strip().upper().replace(" ", "")
    if not core_people.has_consent(person):
        errors.append(_("There is no current consent for sensitive data. Record the consent "
                        "first. Nothing was saved."))
    if card:
        try:
            core_people.parse_card_number(card)
        except core_people.InvalidCardNumber:
            errors.append(_("This is not a disability card number: 20 characters, the 18 of "
                            "the ID card, then the category (1-7) and the level (1-4). "
                            "Nothing was saved."))
    if id_type and id_type not in ID_TYPES:
        errors.append(_("Please choose the kind of ID document."))
    if id_number and not id_type:
        errors.append(_("Please choose the kind of ID document."))
    if id_type == ID_CARD and id_number and not ID_CARD_RE.match(id_number):
        errors.append(_("An identity card number has 18 characters (the last may be X). "
                        "Nothing was saved."))
    if len(id_number) > 32:
        errors.append(_("The ID number is too long. Nothing was saved."))
    if errors:
        with db.atomic():
            audit("person.view_sensitive", actor=g.user, station=person.station_id, obj=person)
        return render_template("station_admin/person_sensitive.html", person=person,
                               has_consent=core_people.has_consent(person),
                               categories=DISABILITY_LABELS, levels=LEVEL_LABELS,
                               id_types=ID_TYPES, errors=errors, form=form), 422
    core_people.set_sensitive(person, card=card or None, category=category, level=level,
                              id_type=id_type, id_number=id_number, replace=True,
                              actor=g.user)
    flash(_("The sensitive data is saved."))
    return redirect(url_for("station_admin.person", person_id=person.id))


@bp.route("/people/<int:person_id>/copy")
@permission_required("export_person_data")
def person_copy(person_id):
    """A copy of everything held about the person, as a JSON or XLSX file (audited)."""
    person = _get_person(person_id)
    fmt = request.args.get("format", "json")
    if fmt not in ("json", "xlsx"):
        abort(404)
    sensitive = can(g.user.role, "view_sensitive")
    data = privacy.copy_of_data(person, include_sensitive=sensitive)
    with db.atomic():
        audit("person.copy_of_data", actor=g.user, station=person.station_id, obj=person,
              detail="%s%s" % (fmt, ", sensitive fields included" if sensitive else ""))
    filename = "person-%d-%s.%s" % (person.id, utcnow().strftime("%Y%m%d"), fmt)
    if fmt == "json":
        body, mimetype = privacy.to_json(data), "application/json"
    else:
        body = privacy.to_xlsx(data)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": "attachment; filename=%s" % filename})


@bp.route("/people/<int:person_id>/erase", methods=["GET", "POST"])
@permission_required("erase_person")
def person_erase(person_id):
    """Erase a person: personal data removed everywhere, anonymous records kept."""
    person = _get_person(person_id)
    error = None
    if request.method == "POST":
        if request.form.get("confirm_name", "").strip() != person.name:
            error = _("The name typed does not match. Nothing was erased.")
        else:
            privacy.erase(person, actor=g.user)
            flash(_("The person's personal data is erased. Their past visits stay in the "
                    "counts without a name."))
            return redirect(url_for("station_admin.people"))
    history = person_history(person)
    return render_template("station_admin/person_erase.html", person=person, error=error,
                           **history), 422 if error else 200
