"""Certificates: choose a volunteer and a range, see the shifts, issue the
志愿服务记录证明 (A4 PDF). The rules (whom, which number, which ID) are core/certificates.py."""
from flask import g, make_response, render_template, request

from core import sheets
from core import reports as rq
from core.certificates import (hours_text, identity_shown, issue_certificate,
                               volunteer_of, volunteers_of)
from core.clock import local_date, to_local
from core.i18n import _
from core.stations import UnknownStation, first_station, station_reported_on
from station_admin.auth import permission_required
from station_admin.blueprint import bp
from station_admin.report_request import RangeError, download, parse_range
from station_admin.roles import can


def _certificate_context(station):
    errors = []
    volunteer = volunteer_of(station, request.values.get("volunteer"))
    if request.values.get("volunteer") and volunteer is None:
        errors.append(_("Please choose a volunteer of this station."))
    try:
        start, end, _kind = parse_range(station)
    except RangeError as error:
        errors.append(str(error))
        start = end = None
    shifts = rq.volunteer_shifts(volunteer, start, end) if volunteer and start else []
    return volunteer, start, end, shifts, errors


def _certificate_station():
    """The station whose volunteers are certified: a code no station has means the first."""
    try:
        return station_reported_on(g.user, request.values.get("station"), one_station=True)
    except UnknownStation:
        return first_station()


@bp.route("/certificates")
@permission_required("certificates")
def certificates():
    """Choose a volunteer and a range; see the shifts a certificate would be made of."""
    station = _certificate_station()
    volunteers = volunteers_of(station)
    volunteer, start, end, shifts, errors = _certificate_context(station)
    confirmed = sum(s.minutes for s in shifts if s.status == "confirmed")
    pending = sum(s.minutes for s in shifts if s.status == "pending")
    return render_template("station_admin/certificates.html", station=station,
                           volunteers=volunteers, volunteer=volunteer, start=start, end=end,
                           shifts=shifts, errors=errors, confirmed_hours=round(confirmed / 60, 2),
                           pending_hours=round(pending / 60, 2),
                           to_local=lambda at: to_local(station, at)), 400 if errors else 200


@bp.route("/certificates/issue", methods=["POST"])
@permission_required("certificates")
def certificate_issue():
    """Issue a 志愿服务记录证明 (A4 PDF) for the volunteer's confirmed shifts in the range."""
    station = _certificate_station()
    volunteer, start, end, shifts, errors = _certificate_context(station)
    if volunteer is None and not errors:
        errors.append(_("Please choose a volunteer of this station."))
    confirmed = [s for s in shifts if s.status == "confirmed"]
    if not errors and not confirmed:
        errors.append(_("This volunteer has no confirmed service time in the range. Confirm "
                        "the shifts first (Log), then issue the certificate."))
    if errors:
        return make_response(render_template("station_admin/report_error.html",
                                             error=" ".join(errors)), 400)
    id_type, id_number, shows_full_id = identity_shown(
        volunteer, can(g.user.role, "view_sensitive"))
    minutes = sum(s.minutes for s in confirmed)
    contents = list(dict.fromkeys(s.content for s in confirmed if s.content)) \
        or [_("Volunteer service at the station")]
    content = "、".join(contents)
    organisation = station.organisation or station.name
    issued_on = local_date(station)
    clerk = g.user.display_name or g.user.username

    def cn_date(day):
        return _("%(year)d-%(month)02d-%(day)02d", year=day.year, month=day.month, day=day.day)

    number = issue_certificate(station, volunteer, g.user, start, end, confirmed, issued_on,
                               id_shown=shows_full_id)
    body = _("This certifies that %(name)s took part in volunteer service organised by "
             "%(organisation)s from %(start)s to %(end)s, %(hours)s hours of service time in "
             "all. Service: %(content)s.", name=volunteer.name, organisation=organisation,
             start=cn_date(start), end=cn_date(end), hours=hours_text(minutes),
             content=content) + "\n" + _("This is to certify.")
    facts = [(_("Name"), volunteer.name), (_("ID type"), id_type), (_("ID number"), id_number),
             (_("Volunteer number"), volunteer.volunteer_number or _("Not recorded")),
             (_("Service period"), "%s — %s" % (cn_date(start), cn_date(end))),
             (_("Hours of service"), _("%(hours)s hours", hours=hours_text(minutes))),
             (_("Service"), content),
             (_("Certificate number"), number)]
    issuer = [_("Issuing organisation (seal): %(org)s", org=organisation),
              _("Person in charge: %(name)s", name=station.person_in_charge or "________"),
              _("Clerk: %(name)s", name=clerk),
              _("Contact: %(contact)s", contact=" ".join(
                  x for x in (station.contact_phone, station.address) if x) or "________"),
              _("Date of issue: %(date)s", date=cn_date(issued_on))]
    record_rows = [[cn_date(s.local_date),
                    "%s–%s" % (to_local(station, s.started_at).strftime("%H:%M"),
                               to_local(station, s.ended_at).strftime("%H:%M")
                               if s.ended_at else ""),
                    s.content or "", s.place or station.name, s.organiser or organisation,
                    hours_text(s.minutes)] for s in confirmed]
    pdf = sheets.volunteer_certificate_pdf(
        title=_("Volunteer service record certificate"), body=body, facts=facts,
        records_title=_("Service records (confirmed)"),
        record_columns=[_("Date"), _("Time"), _("Service"), _("Place"), _("Organiser"),
                        _("Hours")],
        record_rows=record_rows, issuer_lines=issuer,
        footer=_("Certificate number %(number)s", number=number))
    return download(pdf, "application/pdf", "certificate-%s.pdf" % number,
                    disposition="inline")
