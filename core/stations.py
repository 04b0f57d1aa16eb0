"""Stations: the default one this server serves, brought in line with the configuration,
and which station a request reports on."""
import click
from flask import current_app, g

from core.settings import BY_NAME, SettingError, convert
from models import Station, audit, db


def ensure_default_station(app=None):
    """The station named in the configuration, created or brought in line with it.

    The configuration is where the default station's name, time zone, language and closing
    time are set; init-db and first-run apply them (one transaction, audited when changed).
    """
    app = app or current_app
    cfg = app.config
    try:  # typed at load; checked again for a value set on the running app
        closing = convert(BY_NAME["CLOSING_TIME"], cfg["CLOSING_TIME"])
    except SettingError as exc:
        raise click.ClickException(str(exc))
    wanted = {"name": cfg["STATION_NAME"], "timezone": cfg["STATION_TIMEZONE"],
              "language": cfg["DEFAULT_LANGUAGE"], "closing_time": closing}
    with db.atomic():
        station = Station.get_or_none(Station.code == cfg["STATION_CODE"])
        if station is None:
            return Station.create(code=cfg["STATION_CODE"], **wanted)
        before = {k: getattr(station, k) for k in wanted if getattr(station, k) != wanted[k]}
        if before:
            for key in before:
                setattr(station, key, wanted[key])
            station.save()
            audit("station.configure", actor_label="config", station=station, obj=station,
                  before=before, after={k: wanted[k] for k in before})
    return station


def default_station():
    """The station this server serves by default (cached per request)."""
    if "default_station" not in g:
        g.default_station = Station.get_or_none(
            Station.code == current_app.config["STATION_CODE"]) or Station.select().first()
    return g.default_station


def first_station():
    """The first station by code: the one a district account sees when it names none."""
    return Station.select().order_by(Station.code).first()


class UnknownStation(LookupError):
    """A station code that no station has."""


def station_reported_on(user, code, one_station=False):
    """The station a request by `user` reports on, asking for station `code`.

    An account of one station reports on its own, whatever it asks for. A district account
    reports on the station whose code it names (UnknownStation when none has it), or on
    every station (None) when it names none or 'all'; with `one_station`, on the first
    station instead of every station.
    """
    if user.station_id is not None:
        return user.station
    station = None
    if code not in (None, "", "all"):
        station = Station.get_or_none(Station.code == code)
        if station is None:
            raise UnknownStation(code)
    if station is None and one_station:
        station = first_station()
    return station
