"""The reports screen: the figures of a month, a quarter or any range, with charts beside
the tables (district accounts also compare the stations)."""
from flask import g, render_template

from core import reports as rq
from core.i18n import _
from models import Station, service_name
from station_admin.auth import permission_required
from station_admin.blueprint import bp
from station_admin.charts import hbar_chart, vbar_chart
from station_admin.report_labels import category_label, kind_label, period_label, person_name
from station_admin.report_request import RangeError, parse_range, station_scope, this_month


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
    categories = [(category_label(c["category"]), c["service_count"])
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
        context["category_label"] = category_label
        context["kind_label"] = kind_label
        context["person_name"] = person_name
        context["period_label"] = period_label(start, end)
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
    station, scope = station_scope()
    try:
        start, end, kind = parse_range(station)
    except RangeError as error:
        start, end = this_month(station)
        return _render_report(400, error=str(error), start=start, end=end, station=station,
                              scope=scope)
    data = rq.report(station, start, end)
    return _render_report(data=data, start=start, end=end, kind=kind, station=station,
                          scope=scope)
