"""What the command modules share: the station a command works on."""
import click

from core.stations import default_station
from models import Station


def command_station(code=None):
    """The station named by --station CODE, else the default one; a ClickException if none."""
    if code:
        station = Station.get_or_none(Station.code == code)
        if station is None:
            raise click.ClickException("No station with code %r." % code)
        return station
    station = default_station()
    if station is None:
        raise click.ClickException("The database has no station yet: run `flask --app app "
                                   "init-db` first.")
    return station
