"""Today: who is here now, volunteers on shift, help requests from the kiosk, live counts.

The page renders everything once; static/js/admin-today.js then polls ``today_data``,
which returns the same sections rendered again, and chimes when a new help request
arrives. Staff check a person in (or out) from here, e.g. someone who came without a card.
"""
from flask import (abort, flash, g, jsonify, redirect, render_template, request, url_for)

from core import attendance, presence
from core.clock import local_date
from core.i18n import _
from models import HelpRequest, Person, audit, db, utcnow
from station_admin.blueprint import bp
from station_admin.auth import check_station, current_station, permission_required
from station_admin.ui import parse_id


SEARCH_LIMIT = 20


def today_state(station):
    """Everything the today screen shows, computed from the stored rows."""
    day = local_date(station)
    visits = presence.visits(station, day)
    here = presence.here(visits)
    shifts = presence.on_shift(station)
    services = presence.services(station, day)
    help_requests = list(HelpRequest.select()
                         .where((HelpRequest.station == station)
                                & HelpRequest.resolved_at.is_null())
                         .order_by(HelpRequest.created_at))
    check_ins = [v for v in visits if v.kind == "check_in"]
    counts = {
        "check_ins": len(check_ins),
        "people": len({v.person_id for v in check_ins} | {r.recipient_id for r in services}),
        "services": len(services),
        "here": len(here),
        "on_shift": len(shifts),
        "help": len(help_requests),
    }
    return {"day": day, "here": here, "shifts": shifts, "help_requests": help_requests,
            "counts": counts, "now": utcnow()}


@bp.route("/")
@permission_required("view_today")
def today():
    """Today at the station."""
    station = current_station()
    return render_template("station_admin/today.html", station=station,
                           **today_state(station))


@bp.route("/today/data")
@permission_required("view_today")
def today_data():
    """The today screen's sections, rendered again, for the page's polling script."""
    station = current_station()
    state = today_state(station)
    sections = {}
    for name in ("counts", "help", "here", "shifts"):
        sections[name] = render_template("station_admin/_today_%s.html" % name,
                                         station=station, **state)
    return jsonify(ok=True, sections=sections,
                   help_ids=[h.id for h in state["help_requests"]],
                   counts=state["counts"])


def _open_help(help_id, station):
    if not help_id:
        return None
    request_row = HelpRequest.get_or_none(HelpRequest.id == help_id)
    if request_row is None or request_row.station_id != station.id:
        abort(404)
    return request_row


@bp.route("/help/<int:help_id>/resolve", methods=["POST"])
@permission_required("check_in_people")
def resolve_help(help_id):
    """Mark a kiosk's call for staff as dealt with."""
    station = current_station()
    help_request = _open_help(help_id, station)
    if attendance.resolve_help(help_request, actor=g.user,
                               note=request.form.get("note", "").strip()):
        flash(_("The help request is marked as resolved."))
    return redirect(url_for("station_admin.today"))


@bp.route("/check-in", methods=["GET", "POST"])
@permission_required("check_in_people")
def staff_check_in():
    """Find a person by name and check them in (from a help request, or a walk-in)."""
    station = current_station()
    help_request = _open_help(parse_id(request.values.get("help")), station)
    if request.method == "POST":
        person = Person.get_or_none(Person.id == parse_id(request.form.get("person_id")))
        if person is None or person.erased_at is not None:
            abort(404)
        check_station(person.station_id)
        try:
            attendance.check_in_at_desk(person, station, recorded_by=g.user,
                                        help_request=help_request)
            flash(_("%(name)s is checked in.", name=person.name))
        except attendance.AlreadyCheckedIn:
            flash(_("%(name)s is already checked in today.", name=person.name))
        return redirect(url_for("station_admin.today"))
    query = request.args.get("q", "").strip()[:50]
    results = []
    if query:
        results = list(Person.select()
                       .where((Person.station == station) & Person.erased_at.is_null()
                              & (Person.active == True) & Person.name.contains(query))  # noqa: E712
                       .order_by(Person.name).limit(SEARCH_LIMIT))
    statuses = presence.day_statuses(station, results)
    return render_template("station_admin/check_in.html", station=station, query=query,
                           results=results, statuses=statuses, help_request=help_request)


@bp.route("/check-out", methods=["POST"])
@permission_required("check_in_people")
def staff_check_out():
    """Check out a person who is here (they left without scanning)."""
    station = current_station()
    person = Person.get_or_none(Person.id == parse_id(request.form.get("person_id")))
    if person is None or person.erased_at is not None:
        abort(404)
    check_station(person.station_id)
    try:
        attendance.check_out(person, station, source="staff", recorded_by=g.user)
        flash(_("%(name)s is checked out.", name=person.name))
    except attendance.NotCheckedIn:
        flash(_("%(name)s is not checked in.", name=person.name))
    return redirect(url_for("station_admin.today"))
