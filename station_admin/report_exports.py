"""The report's files: the report as CSV or XLSX (one table per sheet), and the log of a
day or a range. Every export is audited."""
from flask import abort, g, render_template, request

from core import exports
from core import reports as rq
from core.i18n import _
from models import audit, db
from station_admin.auth import permission_required
from station_admin.blueprint import bp
from station_admin.report_labels import category_label, kind_label, person_name
from station_admin.report_request import (CSV_TYPE, XLSX_TYPE, asked_day, download,
                                          export_range, refuse, station_scope)

MAX_LOG_DAYS = 366


def report_sheets(data):
    """[(sheet name, rows)] of a report: summary, by day, service, category, hour, volunteers."""
    station_name = data["station"].name if data["station"] is not None else _("All stations")
    summary = [[_("Figure"), _("Value")],
               [_("Station"), station_name],
               [_("From"), data["start"].isoformat()], [_("To"), data["end"].isoformat()],
               [_("Service count"), data["service_count"]],
               [_("People served"), data["people"]],
               [_("Check-ins"), data["checkins"]], [_("Service records"), data["records"]],
               [_("Volunteer hours, confirmed"), data["volunteer_hours"]["confirmed"]],
               [_("Volunteer hours, pending"), data["volunteer_hours"]["pending"]],
               [_("New registrations"), data["new_people"]]]
    for kind, n in data["registrations"].items():
        summary.append([_("New registrations: %(kind)s", kind=kind_label(kind)), n])
    if data.get("activities"):
        summary += [[_("Activities held"), data["activities"]["activities"]],
                    [_("Activity attendances"), data["activities"]["attendances"]],
                    [_("Activity participants"), data["activities"]["people"]]]
    by_day = [[_("Date"), _("Service count"), _("People served"), _("Check-ins"),
               _("Service records")]]
    by_day += [[d["day"].isoformat(), d["service_count"], d["people"], d["checkins"],
                d["records"]] for d in data["by_day"]]
    by_service = [[_("Service"), _("Service records"), _("People served"), _("Hours")]]
    by_service += [[s["name_zh"], s["records"], s["people"], s["hours"]]
                   for s in data["by_service"]]
    by_category = [[_("Disability category"), _("Service count"), _("People served")]]
    by_category += [[category_label(c["category"]), c["service_count"], c["people"]]
                    for c in data["by_category"]]
    by_hour = [[_("Hour"), _("Check-ins"), _("Service records")]]
    by_hour += [["%02d:00" % h, data["by_hour"]["checkins"][h], data["by_hour"]["records"][h]]
                for h in range(24)]
    volunteers = [[_("Volunteer"), _("Volunteer number"), _("Shifts"), _("Hours, confirmed"),
                   _("Hours, pending"), _("Hours in all")]]
    volunteers += [[person_name(v["volunteer"], v["volunteer_id"]),
                    v["volunteer"].volunteer_number if v["volunteer"] is not None else "",
                    v["shifts"], v["confirmed"], v["pending"], v["total"]]
                   for v in data["volunteers"]]
    return [(_("Summary"), summary), (_("By day"), by_day), (_("By service"), by_service),
            (_("By disability category"), by_category), (_("By hour"), by_hour),
            (_("Volunteer hours"), volunteers)]


def _sheets_to_csv_rows(sheets_):
    rows = []
    for name, table in sheets_:
        if rows:
            rows.append([])
        rows.append(["# " + name])
        rows.extend(table)
    return rows


@bp.route("/reports/export.<fmt>")
@permission_required("export_reports")
def report_export(fmt):
    """The report as CSV (UTF-8 with BOM) or XLSX (one sheet per table)."""
    if fmt not in ("csv", "xlsx"):
        abort(404)
    station, scope = station_scope()
    start, end = export_range(station)
    data = rq.report(station, start, end)
    tables = report_sheets(data)
    name = "report-%s-%s-%s.%s" % (scope, start.isoformat(), end.isoformat(), fmt)
    with db.atomic():
        audit("export.report", actor=g.user, station=station,
              detail="%s %s..%s %s" % (scope, start, end, fmt))
    if fmt == "csv":
        return download(exports.to_csv(_sheets_to_csv_rows(tables)), CSV_TYPE, name)
    return download(exports.to_xlsx_sheets(tables), XLSX_TYPE, name)


@bp.route("/reports/log")
@permission_required("export_reports")
def export_log():
    """The log of a day (?date=) or a range (?start=&end=) as CSV or XLSX (?format=).

    Without a format, a page offers both files for the day or range.
    """
    fmt = request.args.get("format")
    station, scope = station_scope(one_station=True)
    if request.args.get("date"):
        start = end = asked_day()
    else:
        start, end = export_range(station)
    if (end - start).days + 1 > MAX_LOG_DAYS:
        refuse(_("The log can be exported for at most a year at a time."))
    if fmt not in ("csv", "xlsx"):
        query = {"station": scope} if g.user.station_id is None else {}
        if request.args.get("date"):
            query["date"] = start.isoformat()
        else:
            query.update(start=start.isoformat(), end=end.isoformat())
        return render_template("station_admin/report_log.html", station=station, start=start,
                               end=end, query=query)
    rows = exports.log_rows(station, start, end)
    name = "log-%s-%s-%s.%s" % (scope, start.isoformat(), end.isoformat(), fmt)
    with db.atomic():
        audit("export.log", actor=g.user, station=station,
              detail="%s..%s %s %d rows" % (start, end, fmt, len(rows) - 1))
    if fmt == "csv":
        return download(exports.to_csv(rows), CSV_TYPE, name)
    return download(exports.to_xlsx(rows, sheet=_("Log")), XLSX_TYPE, name)
