"""Badges: a person's badge (show, download, print, reissue, revoke) and batch printing."""
from flask import (abort, current_app, flash, g, redirect, render_template, request, url_for)
from flask import Response

from core import badge_print, badge_sheets, people
from core.clock import to_local
from core.fonts import NoCJKFont
from core.i18n import _
from core.vocabulary import PERSON_KINDS
from models import Badge, Person, db
from station_admin.blueprint import bp
from station_admin.auth import current_station, permission_required

MAX_BATCH = 500
REASON_MAX = 200
NAME_MODES = ("masked", "full")
PRINT_LAYOUTS = ("a4", "card", "html")
IMAGE_LAYOUTS = ("card", "phone")


class BadRequest(ValueError):
    """A form value a person must correct; the message is already translated."""


def _person_or_404(person_id):
    """A person of the signed-in account's station who has not been erased."""
    person = Person.get_or_none(Person.id == person_id)
    if person is None or person.erased_at is not None or person.name is None:
        abort(404)
    if person.station_id != current_station().id:
        abort(404)
    return person


def _choice(value, allowed, default):
    if value in (None, ""):
        return default
    if value not in allowed:
        raise BadRequest(_("That choice is not offered. Please choose again."))
    return value


def _reason(required):
    reason = (request.form.get("reason") or "").strip()
    if required and not reason:
        raise BadRequest(_("Please give a reason."))
    if len(reason) > REASON_MAX:
        raise BadRequest(_("The reason is too long (at most %(n)d characters).", n=REASON_MAX))
    return reason


def _font_message():
    return _("The badge cannot be drawn: no font with Chinese characters was found. Ask the "
             "administrator to install one (Debian: fonts-noto-cjk) or set CJK_FONT_PATH.")


def _local(station):
    """A formatter of stored UTC times as the station's local time."""
    return lambda at, fmt="%Y-%m-%d %H:%M": to_local(station, at).strftime(fmt) if at else ""


def _history(person):
    return list(Badge.select().where(Badge.person == person).order_by(Badge.serial.desc()))


def _person_page(person, status=200, error=None):
    current = people.current_badge(person)
    person_url = (url_for("station_admin.person", person_id=person.id)
                  if "station_admin.person" in current_app.view_functions else None)
    return render_template("station_admin/badges_person.html", person=person, badge=current,
                           history=_history(person), error=error, person_url=person_url,
                           masked=people.masked_name(person.name),
                           local=_local(person.station)), status


@bp.route("/people/<int:person_id>/badge")
@permission_required("manage_badges")
def person_badge(person_id):
    """A person's badge: the card, its history, and what can be done with it."""
    return _person_page(_person_or_404(person_id))[0]


def _image_response(person, download):
    try:
        name = _choice(request.args.get("name"), NAME_MODES, "masked")
        layout = _choice(request.args.get("layout"), IMAGE_LAYOUTS, "card")
    except BadRequest as error:
        return _person_page(person, 400, str(error))
    badge = people.current_badge(person)
    if badge is None:
        abort(404)
    try:
        png = badge_print.badge_png(person, badge, full_name=name == "full", layout=layout)
    except NoCJKFont:
        return _person_page(person, 500, _font_message())
    response = Response(png, mimetype="image/png")
    response.headers["Cache-Control"] = "no-store"
    if download:
        with db.atomic():
            badge_sheets.record_download(badge, actor=g.user, detail="png %s %s name"
                                         % (layout, name))
        response.headers["Content-Disposition"] = (
            'attachment; filename="badge-%d-%d-%s.png"' % (person.id, badge.serial, layout))
    return response


@bp.route("/people/<int:person_id>/badge/preview.png")
@permission_required("manage_badges")
def badge_preview(person_id):
    """The badge picture shown on the admin screens and in the print view."""
    return _image_response(_person_or_404(person_id), download=False)


@bp.route("/people/<int:person_id>/badge/download.png")
@permission_required("manage_badges")
def badge_download(person_id):
    """The badge picture as a file to keep or send (audited)."""
    return _image_response(_person_or_404(person_id), download=True)


@bp.route("/people/<int:person_id>/badge/issue", methods=["POST"])
@permission_required("manage_badges")
def badge_issue(person_id):
    """Issue a badge, or reissue one: the badge in force stops working at once."""
    person = _person_or_404(person_id)
    try:
        reason = _reason(required=False)
    except BadRequest as error:
        return _person_page(person, 400, str(error))
    had_badge = people.current_badge(person) is not None
    badge = people.issue_badge(person, actor=g.user, reason=reason)
    if had_badge:
        flash(_("A new badge (No. %(serial)d) was issued. The old badge no longer works.",
                serial=badge.serial))
    else:
        flash(_("A badge (No. %(serial)d) was issued.", serial=badge.serial))
    return redirect(url_for("station_admin.person_badge", person_id=person.id))


@bp.route("/people/<int:person_id>/badge/revoke", methods=["POST"])
@permission_required("manage_badges")
def badge_revoke(person_id):
    """Revoke the badge in force with a reason: it is refused at the kiosk from now on."""
    person = _person_or_404(person_id)
    badge = people.current_badge(person)
    if badge is None:
        return _person_page(person, 409, _("This person has no badge in force."))
    try:
        reason = _reason(required=True)
    except BadRequest as error:
        return _person_page(person, 400, str(error))
    people.revoke_badge(badge, actor=g.user, reason=reason)
    flash(_("The badge was revoked. It no longer works at the kiosk."))
    return redirect(url_for("station_admin.person_badge", person_id=person.id))


def _print(pairs, name, layout, on_error):
    """Render the badges, then record the print: nothing is stored if rendering fails."""
    full = name == "full"
    if layout == "html":
        for person, badge in pairs:  # draw them once, so a missing glyph fails here
            try:
                badge_print.check_card(badge_print.card_for(person, badge, full))
            except NoCJKFont:
                return on_error(_font_message())
        with db.atomic():
            badge_sheets.record_print([b for _p, b in pairs], actor=g.user,
                                      detail="html %s name" % name)
        return render_template("station_admin/badges_print.html", pairs=pairs, name=name,
                               masked_name=people.masked_name,
                               count=len(pairs))
    try:
        pdf = badge_sheets.sheet_pdf([badge_print.card_for(p, b, full) for p, b in pairs],
                                     layout=layout, title=_("Badges"))
    except NoCJKFont:
        return on_error(_font_message())
    with db.atomic():
        badge_sheets.record_print([b for _p, b in pairs], actor=g.user,
                                  detail="pdf %s %s name" % (layout, name))
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = 'attachment; filename="badges-%s-%d.pdf"' % (
        layout, len(pairs))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/people/<int:person_id>/badge/print", methods=["POST"])
@permission_required("manage_badges")
def badge_print_one(person_id):
    """Print one person's badge: PDF (A4 sheet or CR80 card) or the HTML print view."""
    person = _person_or_404(person_id)
    badge = people.current_badge(person)
    if badge is None:
        return _person_page(person, 409, _("This person has no badge in force."))
    try:
        name = _choice(request.form.get("name"), NAME_MODES, "masked")
        layout = _choice(request.form.get("layout"), PRINT_LAYOUTS, "a4")
    except BadRequest as error:
        return _person_page(person, 400, str(error))
    return _print([(person, badge)], name, layout,
                  lambda message: _person_page(person, 422, message))


# --- batch printing -----------------------------------------------------------------

def _station_rows(station, kind=""):
    """(person, current badge or None) for every person of the station, by kind and name."""
    query = Person.select().where((Person.station == station) & Person.erased_at.is_null())
    if kind:
        query = query.where(Person.kind == kind)
    persons = list(query.order_by(Person.kind, Person.name, Person.id))
    current = {}
    for badge in (Badge.select(Badge, Person).join(Person)
                  .where((Person.station == station) & Badge.revoked_at.is_null())
                  .order_by(Badge.serial)):
        current[badge.person_id] = badge
    return [(p, current.get(p.id)) for p in persons]


def _batch_page(status=200, error=None, selected=()):
    station = current_station()
    kind = request.values.get("kind", "")
    if kind not in ("",) + PERSON_KINDS:
        kind = ""
    show = request.values.get("show", "all" if selected else "unprinted")
    rows = _station_rows(station, kind)
    unprinted = [r for r in rows if r[1] is not None and r[1].printed_at is None]
    listed = unprinted if show == "unprinted" else rows
    return render_template("station_admin/badges.html", rows=listed, kind=kind, show=show,
                           unprinted_count=len(unprinted), error=error,
                           selected={int(s) for s in selected if str(s).isdigit()},
                           local=_local(station),
                           max_batch=MAX_BATCH), status


@bp.route("/badges")
@permission_required("manage_badges")
def badges():
    """Batch printing: choose people, or everyone whose badge has not been printed yet.

    ``?ids=1,2,3`` (as the roster import links here) pre-selects those people.
    """
    ids = [i for i in request.args.get("ids", "").split(",") if i.strip().isdigit()][:MAX_BATCH]
    return _batch_page(selected=ids)[0]


@bp.route("/badges/print", methods=["POST"])
@permission_required("manage_badges")
def badges_print():
    """Print the chosen badges, or every badge not printed yet."""
    station = current_station()
    raw_ids = request.form.getlist("person")
    try:
        name = _choice(request.form.get("name"), NAME_MODES, "masked")
        layout = _choice(request.form.get("layout"), PRINT_LAYOUTS, "a4")
        if request.form.get("scope") == "unprinted":
            pairs = [(p, b) for p, b in _station_rows(station)
                     if b is not None and b.printed_at is None]
            if not pairs:
                raise BadRequest(_("Every badge in force has been printed already."))
        else:
            if not raw_ids:
                raise BadRequest(_("Choose at least one person."))
            if not all(i.isdigit() and len(i) < 12 for i in raw_ids):
                raise BadRequest(_("The selection is not valid. Please choose again."))
            wanted = list(dict.fromkeys(int(i) for i in raw_ids))
            by_id = {p.id: (p, b) for p, b in _station_rows(station)}
            if any(i not in by_id for i in wanted):
                raise BadRequest(_("Some of the chosen people are not at this station. "
                                   "Please choose again."))
            pairs = [by_id[i] for i in wanted]
            lacking = [p.name for p, b in pairs if b is None]
            if lacking:
                raise BadRequest(_("These people have no badge in force; issue one on their "
                                   "badge page first: %(names)s", names="、".join(lacking)))
        if len(pairs) > MAX_BATCH:
            raise BadRequest(_("At most %(n)d badges can be printed at once. Please choose "
                               "fewer.", n=MAX_BATCH))
    except BadRequest as error:
        return _batch_page(400, str(error), raw_ids)
    return _print(pairs, name, layout, lambda message: _batch_page(422, message, raw_ids))
