"""The day's 签到表: a printable A4 sign-in sheet of who came and what they were given."""
import datetime

from flask import g

from core import presence, sheets
from core.clock import to_local
from core.i18n import _
from models import audit, db
from station_admin.auth import permission_required
from station_admin.blueprint import bp
from station_admin.report_labels import person_name
from station_admin.report_request import asked_day, download, station_scope


def day_sheet_rows(station, day):
    """One row per person who checked in or was served that day: name, in, out, services."""
    people = {}

    def entry(person):
        return people.setdefault(person.id, {"person": person, "in": None, "out": None,
                                             "services": []})

    for visit in presence.visits(station, day):
        row = entry(visit.person)
        if visit.kind == "check_in" and row["in"] is None:
            row["in"] = visit.at
        elif visit.kind == "check_out":
            row["out"] = visit.at
    for record in presence.services(station, day):
        row = entry(record.recipient)
        name = record.service.label(g.get("lang", "zh"))
        if name not in row["services"]:
            row["services"].append(name)

    def clock(at):
        return to_local(station, at).strftime("%H:%M") if at else ""

    ordered = sorted(people.values(), key=lambda r: (r["in"] or datetime.datetime.max,
                                                     r["person"].id))
    return [[str(i), person_name(r["person"]), clock(r["in"]), clock(r["out"]),
             "、".join(r["services"])] for i, r in enumerate(ordered, start=1)]


@bp.route("/reports/sign-in-sheet.pdf")
@permission_required("export_reports")
def sign_in_sheet():
    """The printable 签到表 of a day (A4 PDF): date, name, time in, time out, services, 签名."""
    station, _scope = station_scope(one_station=True)
    day = asked_day()
    rows = day_sheet_rows(station, day)
    fields = [(_("Date"), _("%(year)d-%(month)02d-%(day)02d", year=day.year, month=day.month,
                            day=day.day)),
              (_("Place"), station.address or station.name),
              (_("Organiser"), station.organisation or station.name),
              (_("Number of people"), str(len(rows)))]
    title = _("%(station)s sign-in sheet", station=station.name)
    pdf = sheets.sign_in_sheet_pdf(title, fields, [_("No."), _("Name"), _("Time in"),
                                                   _("Time out"), _("Services")], rows)
    with db.atomic():
        audit("export.sign_in_sheet", actor=g.user, station=station,
              detail="%s %d people" % (day, len(rows)))
    return download(pdf, "application/pdf", "sign-in-%s.pdf" % day, disposition="inline")
