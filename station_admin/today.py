"""Today and the log of any day."""
import datetime

from flask import g, render_template, request

from core import exports
from core.attendance import local_date
from models import Station, default_station
from station_admin import bp
from station_admin.auth import permission_required


def current_station():
    """The station the signed-in account works for (a district admin may choose with ?station=)."""
    if g.user is not None and g.user.station_id is None:
        code = request.args.get("station")
        if code:
            station = Station.get_or_none(Station.code == code)
            if station is not None:
                return station
        return default_station()
    return g.user.station if g.user is not None else default_station()


@bp.route("/")
@permission_required("view_today")
def today():
    """Today: the day's log so far."""
    station = current_station()
    day = local_date(station)
    rows = exports.day_log_rows(station, day)
    return render_template("station_admin/log.html", station=station, day=day, rows=rows,
                           is_today=True)


@bp.route("/log")
@permission_required("view_log")
def log():
    """The log of any day (?date=YYYY-MM-DD)."""
    station = current_station()
    try:
        day = datetime.date.fromisoformat(request.args.get("date", ""))
    except ValueError:
        day = local_date(station)
    rows = exports.day_log_rows(station, day)
    return render_template("station_admin/log.html", station=station, day=day, rows=rows,
                           is_today=day == local_date(station))
