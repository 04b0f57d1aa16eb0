"""Reports for the funder, their exports, the day's 签到表 and the 志愿服务记录证明."""
import datetime
import re

from flask import abort, g, make_response, render_template, request
from markupsafe import Markup, escape

from core import exports, presence, sheets
from core import reports as rq
from core.bounds import parse_day, parse_id, year_in_bounds
from core.clock import local_date, to_local
from core.i18n import _
from core.people import has_consent
from core.vocabulary import (DISABILITY_LABELS, NOT_RECORDED, PERSON_KIND_PLURALS, label,
                             person_name)
from models import AuditLog, Person, Station, audit, db, service_name
from station_admin.blueprint import bp
from station_admin.auth import permission_required
from station_admin.roles import can

MAX_LOG_DAYS = 366


class RangeError(ValueError):
    """A range the person asked for that cannot be shown; the message is for them."""


def _category_label(category):
    return str(DISABILITY_LABELS.get(category, NOT_RECORDED))


def _kind_label(kind):
    return label(PERSON_KIND_PLURALS, kind)


def _station_scope():
    """(station or None for every station, station code or 'all') for the signed-in account."""
    if g.user.station_id is not None:
        return g.user.station, g.user.station.code
    code = request.values.get("station", "all")
    if code in ("", "all"):
        return None, "all"
    station = Station.get_or_none(Station.code == code)
    if station is None:
        abort(404)
    return station, station.code


def _parse_range(station):
    """The range asked for: ?month=YYYY-MM, ?quarter=YYYY-Qn or ?start=&end=; this month else."""
    args = request.values
    try:
        if args.get("start") or args.get("end"):
            start, end = parse_day(args.get("start")), parse_day(args.get("end"))
            if start is None or end is None:
                raise RangeError(_("Please give both dates of the range, like 2026-11-01."))
            rq.check_range(start, end)
            return start, end, "range"
        if args.get("quarter"):
            match = re.fullmatch(r"(\d{4})-?Q([1-4])", args["quarter"].strip(), re.I)
            if not match or not year_in_bounds(int(match.group(1))):
                raise RangeError(_("A quarter looks like 2026-Q4."))
            start, end = rq.quarter_range(int(match.group(1)), int(match.group(2)))
            return start, end, "quarter"
        if args.get("month"):
            match = re.fullmatch(r"(\d{4})-(\d{1,2})", args["month"].strip())
            if not match or not 1 <= int(match.group(2)) <= 12 \
                    or not year_in_bounds(int(match.group(1))):
                raise RangeError(_("A month looks like 2026-11."))
            start, end = rq.month_range(int(match.group(1)), int(match.group(2)))
            return start, end, "month"
    except rq.BadRange as error:
        if error.code == "order":
            raise RangeError(_("The end of the range is before its start. Please swap the "
                               "dates."))
        raise RangeError(_("The range is longer than three years. Please choose a shorter "
                           "one."))
    today = local_date(station or Station.select().first())
    start, end = rq.month_range(today.year, today.month)
    return start, end, "month"


def _period_label(start, end):
    if start.day == 1 and end == rq.month_range(start.year, start.month)[1]:
        return _("%(year)d-%(month)02d", year=start.year, month=start.month)
    return _("%(start)s to %(end)s", start=start.isoformat(), end=end.isoformat())


# --- charts: server-rendered SVG (presentation attributes, no inline style) -------------------

BAR = "#0b3d91"
BAR2 = "#b35c00"


def _nice_max(value):
    if value <= 5:
        return 5
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        top = step * magnitude
        if top >= value:
            return int(top) if top == int(top) else top
    return value


def _fmt(value):
    if isinstance(value, float):
        return ("%.2f" % value).rstrip("0").rstrip(".")
    return str(value)


def hbar_chart(chart_id, title, items):
    """A horizontal bar chart of (label, value) with the value written at each bar's end."""
    row_h, label_w, width = 30, 170, 640
    height = max(1, len(items)) * row_h + 12
    top = _nice_max(max([v for _, v in items] + [0]))
    plot_w = width - label_w - 70
    parts = ['<svg class="chart" viewBox="0 0 %d %d" role="img" aria-labelledby="%s-t" '
             'xmlns="http://www.w3.org/2000/svg">' % (width, height, chart_id),
             '<title id="%s-t">%s</title>' % (chart_id, escape(title))]
    for i, (label, value) in enumerate(items):
        y = 6 + i * row_h
        w = 0 if not top else plot_w * value / top
        parts.append('<text x="%d" y="%d" text-anchor="end" fill="#111" font-size="15">%s'
                     '</text>' % (label_w - 8, y + 19, escape(label)))
        parts.append('<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"/>'
                     % (label_w, y + 4, max(w, 1 if value else 0), row_h - 8, BAR))
        parts.append('<text x="%.1f" y="%d" fill="#111" font-size="15">%s</text>'
                     % (label_w + w + 6, y + 19, escape(_fmt(value))))
    parts.append('<line x1="%d" y1="4" x2="%d" y2="%d" stroke="#444"/>'
                 % (label_w, label_w, height - 4))
    parts.append("</svg>")
    return Markup("".join(parts))


def vbar_chart(chart_id, title, labels, series, legend=()):
    """A vertical bar chart: `labels` along the bottom, one or two `series` of values."""
    width, height, left, bottom, top_pad = 720, 260, 44, 40, 24
    n = max(1, len(labels))
    plot_w, plot_h = width - left - 10, height - bottom - top_pad
    top = _nice_max(max([v for s in series for v in s] + [0]))
    slot = plot_w / n
    bar_w = max(1.0, slot * 0.8 / len(series))
    colours = (BAR, BAR2)
    parts = ['<svg class="chart" viewBox="0 0 %d %d" role="img" aria-labelledby="%s-t" '
             'xmlns="http://www.w3.org/2000/svg">' % (width, height, chart_id),
             '<title id="%s-t">%s</title>' % (chart_id, escape(title))]
    for tick in (0, top / 2, top):
        y = top_pad + plot_h - (plot_h * tick / top if top else 0)
        parts.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#bbb"/>'
                     % (left, y, width - 10, y))
        parts.append('<text x="%d" y="%.1f" text-anchor="end" fill="#111" font-size="13">%s'
                     '</text>' % (left - 4, y + 4, escape(_fmt(tick))))
    every = max(1, int(round(n / 16.0)))
    for i, label in enumerate(labels):
        x0 = left + i * slot + slot * 0.1
        for s, values in enumerate(series):
            h = plot_h * values[i] / top if top else 0
            parts.append('<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>'
                         % (x0 + s * bar_w, top_pad + plot_h - h, bar_w, h, colours[s % 2]))
        if i % every == 0:
            parts.append('<text x="%.1f" y="%d" text-anchor="middle" fill="#111" '
                         'font-size="13">%s</text>' % (left + i * slot + slot / 2,
                                                       height - bottom + 18, escape(label)))
    for s, name in enumerate(legend):
        x = left + s * 200
        parts.append('<rect x="%d" y="4" width="14" height="14" fill="%s"/>'
                     % (x, colours[s % 2]))
        parts.append('<text x="%d" y="16" fill="#111" font-size="14">%s</text>'
                     % (x + 20, escape(name)))
    parts.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#444"/>'
                 % (left, top_pad + plot_h, width - 10, top_pad + plot_h))
    parts.append("</svg>")
    return Markup("".join(parts))


def _by_period(data):
    """By day for ranges up to two months, else by month (so a year stays readable)."""
    if (data["end"] - data["start"]).days <= 62:
        return [(d["day"].strftime("%m-%d"), d) for d in data["by_day"]], "day"
    months = {}
    for d in data["by_day"]:
        key = d["day"].strftime("%Y-%m")
        row = months.setdefault(key, {"service_count": 0, "checkins": 0, "records": 0})
        for field in row:
            row[field] += d[field]
    return list(months.items()), "month"


def _charts(data):
    periods, unit = _by_period(data)
    services = [(service_name(s["name_zh"], s["name_en"], g.get("lang", "zh")), s["records"])
                for s in data["by_service"]]
    categories = [(_category_label(c["category"]), c["service_count"])
                  for c in data["by_category"]]
    return {
        "period": vbar_chart("chart-period", _("Service count by day") if unit == "day"
                             else _("Service count by month"),
                             [label for label, _row in periods],
                             [[row["service_count"] for _label, row in periods]]),
        "service": hbar_chart("chart-service", _("Service records by service"), services),
        "category": hbar_chart("chart-category", _("Service count by disability category"),
                               categories),
        "hour": vbar_chart("chart-hour", _("Check-ins and service records by hour"),
                           ["%02d" % h for h in range(24)],
                           [data["by_hour"]["checkins"], data["by_hour"]["records"]],
                           legend=(_("Check-ins"), _("Service records"))),
        "volunteers": hbar_chart("chart-volunteers", _("Volunteer hours per volunteer"),
                                 [(person_name(v["volunteer"], v["volunteer_id"]), v["total"])
                                  for v in data["volunteers"][:15]]),
    }, periods, unit


# --- the report as rows, for CSV and XLSX ----------------------------------------------------

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
        summary.append([_("New registrations: %(kind)s", kind=_kind_label(kind)), n])
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
    by_category += [[_category_label(c["category"]), c["service_count"], c["people"]]
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


def _download(data, mimetype, filename):
    response = make_response(data)
    response.headers["Content-Type"] = mimetype
    response.headers["Content-Disposition"] = "attachment; filename=%s" % filename
    return response


CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _render_report(status=200, error=None, data=None, start=None, end=None, kind="month",
                   station=None, scope="all"):
    context = {"error": error, "data": data, "start": start, "end": end, "kind": kind,
               "station": station, "scope": scope, "all_stations": g.user.station_id is None,
               "stations": list(Station.select().order_by(Station.code))
               if g.user.station_id is None else []}
    if start is not None:
        context["month_value"] = start.strftime("%Y-%m")
        context["quarter_year"] = start.year
        context["quarter"] = (start.month - 1) // 3 + 1
    if data is not None:
        context["charts"], context["periods"], context["period_unit"] = _charts(data)
        context["category_label"] = _category_label
        context["kind_label"] = _kind_label
        context["person_name"] = person_name
        context["period_label"] = _period_label(start, end)
        context["query"] = _query(start, end, scope)
        if g.user.station_id is None:
            context["comparison"] = rq.compare_stations(start, end)
            context["comparison_chart"] = hbar_chart(
                "chart-stations", _("Service count by station"),
                [(row["station"].name, row["service_count"]) for row in context["comparison"]])
    return render_template("station_admin/reports.html", **context), status


def _query(start, end, scope):
    query = {"start": start.isoformat(), "end": end.isoformat()}
    if g.user.station_id is None:
        query["station"] = scope
    return query


@bp.route("/reports")
@permission_required("view_reports")
def reports():
    """The report for a month, a quarter or any range, with charts beside the tables."""
    station, scope = _station_scope()
    try:
        start, end, kind = _parse_range(station)
    except RangeError as error:
        today = local_date(station or Station.select().first())
        start, end = rq.month_range(today.year, today.month)
        return _render_report(400, error=str(error), start=start, end=end, station=station,
                              scope=scope)
    data = rq.report(station, start, end)
    return _render_report(data=data, start=start, end=end, kind=kind, station=station,
                          scope=scope)


def _export_range(station):
    try:
        return _parse_range(station)[:2]
    except RangeError as error:
        abort(make_response(render_template("station_admin/report_error.html",
                                            error=str(error)), 400))


@bp.route("/reports/export.<fmt>")
@permission_required("export_reports")
def report_export(fmt):
    """The report as CSV (UTF-8 with BOM) or XLSX (one sheet per table)."""
    if fmt not in ("csv", "xlsx"):
        abort(404)
    station, scope = _station_scope()
    start, end = _export_range(station)
    data = rq.report(station, start, end)
    tables = report_sheets(data)
    name = "report-%s-%s-%s.%s" % (scope, start.isoformat(), end.isoformat(), fmt)
    with db.atomic():
        audit("export.report", actor=g.user, station=station,
              detail="%s %s..%s %s" % (scope, start, end, fmt))
    if fmt == "csv":
        return _download(exports.to_csv(_sheets_to_csv_rows(tables)), CSV_TYPE, name)
    return _download(exports.to_xlsx_sheets(tables), XLSX_TYPE, name)


@bp.route("/reports/log")
@permission_required("export_reports")
def export_log():
    """The log of a day (?date=) or a range (?start=&end=) as CSV or XLSX (?format=).

    Without a format, a page offers both files for the day or range.
    """
    fmt = request.args.get("format")
    station, scope = _station_scope()
    if station is None:
        station = Station.select().order_by(Station.code).first()
        scope = station.code
    if request.args.get("date"):
        start = end = parse_day(request.args["date"])
        if start is None:
            abort(make_response(render_template(
                "station_admin/report_error.html",
                error=_("The date must look like 2026-11-03.")), 400))
    else:
        start, end = _export_range(station)
    if (end - start).days + 1 > MAX_LOG_DAYS:
        abort(make_response(render_template(
            "station_admin/report_error.html",
            error=_("The log can be exported for at most a year at a time.")), 400))
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
        return _download(exports.to_csv(rows), CSV_TYPE, name)
    return _download(exports.to_xlsx(rows, sheet=_("Log")), XLSX_TYPE, name)


# --- the day's 签到表 ----------------------------------------------------------------------

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
    station, _scope = _station_scope()
    if station is None:
        station = Station.select().order_by(Station.code).first()
    day = parse_day(request.args.get("date"))
    if day is None:
        abort(make_response(render_template(
            "station_admin/report_error.html",
            error=_("The date must look like 2026-11-03.")), 400))
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
    response = make_response(pdf)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = "inline; filename=sign-in-%s.pdf" % day
    return response


# --- the 志愿服务记录证明 ---------------------------------------------------------------

def mask_id(number):
    """An ID number with all but its first three and last four characters hidden."""
    number = number or ""
    if len(number) <= 7:
        return "*" * len(number)
    return number[:3] + "*" * (len(number) - 7) + number[-4:]


def _volunteer(station, volunteer_id):
    vid = parse_id(volunteer_id)
    if vid is None:
        return None
    person = Person.get_or_none((Person.id == vid) & (Person.kind == "volunteer"))
    if person is None or (station is not None and person.station_id != station.id):
        return None
    return person


def _certificate_context(station):
    errors = []
    volunteer = _volunteer(station, request.values.get("volunteer"))
    if request.values.get("volunteer") and volunteer is None:
        errors.append(_("Please choose a volunteer of this station."))
    try:
        start, end, _kind = _parse_range(station)
    except RangeError as error:
        errors.append(str(error))
        start = end = None
    shifts = rq.volunteer_shifts(volunteer, start, end) if volunteer and start else []
    return volunteer, start, end, shifts, errors


def _certificate_station():
    if g.user.station_id is not None:
        return g.user.station
    code = request.values.get("station")
    station = Station.get_or_none(Station.code == code) if code else None
    return station or Station.select().order_by(Station.code).first()


@bp.route("/certificates")
@permission_required("certificates")
def certificates():
    """Choose a volunteer and a range; see the shifts a certificate would be made of."""
    station = _certificate_station()
    volunteers = list(Person.select().where((Person.station == station)
                                            & (Person.kind == "volunteer")
                                            & Person.name.is_null(False))
                      .order_by(Person.name))
    volunteer, start, end, shifts, errors = _certificate_context(station)
    confirmed = sum(s.minutes for s in shifts if s.status == "confirmed")
    pending = sum(s.minutes for s in shifts if s.status == "pending")
    return render_template("station_admin/certificates.html", station=station,
                           volunteers=volunteers, volunteer=volunteer, start=start, end=end,
                           shifts=shifts, errors=errors, confirmed_hours=round(confirmed / 60, 2),
                           pending_hours=round(pending / 60, 2),
                           to_local=lambda at: to_local(station, at)), 400 if errors else 200


def next_certificate_number(station, issued_on):
    """'<station code>-<year>-<n>': n counts this station's certificates of the year."""
    prefix = "%s-%d-" % (station.code, issued_on.year)
    issued = (AuditLog.select().where((AuditLog.action == "certificate.issue")
                                      & (AuditLog.station == station)
                                      & AuditLog.detail.startswith(prefix)).count())
    return "%s%04d" % (prefix, issued + 1)


def _hours_text(minutes):
    return ("%.2f" % (minutes / 60.0)).rstrip("0").rstrip(".")


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
    sensitive_ok = has_consent(volunteer) and bool(volunteer.id_number)
    shows_full_id = sensitive_ok and can(g.user.role, "view_sensitive")
    if not sensitive_ok:
        id_type, id_number = _("Not recorded"), _("Not recorded")
    else:
        id_type = volunteer.id_type or _("Resident identity card")
        id_number = volunteer.id_number if shows_full_id else mask_id(volunteer.id_number)
    minutes = sum(s.minutes for s in confirmed)
    contents = list(dict.fromkeys(s.content for s in confirmed if s.content)) \
        or [_("Volunteer service at the station")]
    content = "、".join(contents)
    organisation = station.organisation or station.name
    issued_on = local_date(station)
    clerk = g.user.display_name or g.user.username

    def cn_date(day):
        return _("%(year)d-%(month)02d-%(day)02d", year=day.year, month=day.month, day=day.day)

    with db.atomic():
        number = next_certificate_number(station, issued_on)
        audit("certificate.issue", actor=g.user, station=station, obj=volunteer,
              detail="%s %s..%s %s min %d shifts%s" % (
                  number, start, end, minutes, len(confirmed),
                  " id shown" if shows_full_id else ""))
    body = _("This certifies that %(name)s took part in volunteer service organised by "
             "%(organisation)s from %(start)s to %(end)s, %(hours)s hours of service time in "
             "all. Service: %(content)s.", name=volunteer.name, organisation=organisation,
             start=cn_date(start), end=cn_date(end), hours=_hours_text(minutes),
             content=content) + "\n" + _("This is to certify.")
    facts = [(_("Name"), volunteer.name), (_("ID type"), id_type), (_("ID number"), id_number),
             (_("Volunteer number"), volunteer.volunteer_number or _("Not recorded")),
             (_("Service period"), "%s — %s" % (cn_date(start), cn_date(end))),
             (_("Hours of service"), _("%(hours)s hours", hours=_hours_text(minutes))),
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
                    _hours_text(s.minutes)] for s in confirmed]
    pdf = sheets.volunteer_certificate_pdf(
        title=_("Volunteer service record certificate"), body=body, facts=facts,
        records_title=_("Service records (confirmed)"),
        record_columns=[_("Date"), _("Time"), _("Service"), _("Place"), _("Organiser"),
                        _("Hours")],
        record_rows=record_rows, issuer_lines=issuer,
        footer=_("Certificate number %(number)s", number=number))
    response = make_response(pdf)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = "inline; filename=certificate-%s.pdf" % number
    return response

