"""What a report request asks for: the station (core.stations.station_reported_on decides)
and the range; the refusal page and the download every report screen answers with."""
import re

from flask import abort, g, make_response, render_template, request

from core import reports as rq
from core.bounds import parse_day, year_in_bounds
from core.clock import local_date
from core.i18n import _
from core.stations import UnknownStation, station_reported_on
from models import Station

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class RangeError(ValueError):
    """A range the person asked for that cannot be shown; the message is for them."""


def station_scope(one_station=False):
    """(station or None for every station, station code or 'all') for the signed-in account
    and ?station=; a station code no station has is a 404."""
    try:
        station = station_reported_on(g.user, request.values.get("station"), one_station)
    except UnknownStation:
        abort(404)
    return station, station.code if station is not None else "all"


def parse_range(station):
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
    return this_month(station) + ("month",)


def this_month(station):
    """(first day, last day) of the month it is at `station` (the first station for all)."""
    today = local_date(station or Station.select().first())
    return rq.month_range(today.year, today.month)


def refuse(message):
    """Stop with the report error page (400) saying `message`."""
    abort(make_response(render_template("station_admin/report_error.html", error=message), 400))


def export_range(station):
    """The range asked for, or the error page when it cannot be given."""
    try:
        return parse_range(station)[:2]
    except RangeError as error:
        refuse(str(error))


def asked_day():
    """The day of ?date=, or the error page when it is not a date."""
    day = parse_day(request.args.get("date"))
    if day is None:
        refuse(_("The date must look like 2026-11-03."))
    return day


def download(data, mimetype, filename, disposition="attachment"):
    """A response that hands `data` over as a file."""
    response = make_response(data)
    response.headers["Content-Type"] = mimetype
    response.headers["Content-Disposition"] = "%s; filename=%s" % (disposition, filename)
    return response
