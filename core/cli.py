"""The `flask --app app …` commands of the station (the design's CLI contract)."""
import datetime
import secrets
import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from core import (backup_cli, badge_print, badge_sheets, dbcheck, demo, exports, people,
                  roster_cli, security_cli)
from core.attendance import close_all_open_shifts
from core.cli_common import command_station
from core.database import migrate
from core.kiosk_auth import ENROLL_HOURS, new_enrollment
from core.security import WeakPassword, create_staff
from core.stations import ensure_default_station
from models import ROLES, KioskDevice, Person, StaffUser, audit, db


def connected(fn):
    """Run a command inside an app context with an open database connection."""
    import functools

    @functools.wraps(fn)
    @with_appcontext
    def wrapper(*args, **kwargs):
        with db.connection_context():
            return fn(*args, **kwargs)
    return wrapper


@click.command("demo-data")
@click.option("--if-empty", is_flag=True, help="Only load when the database holds no people.")
@connected
def demo_data_command(if_empty):
    """Load a realistic demo station: catalogue, residents, volunteers, a week of history."""
    if if_empty and Person.select().exists():
        click.echo("The database already holds people; demo data not loaded.")
        return
    summary = demo.load(command_station())
    click.echo("Demo data loaded: %(residents)d residents, %(volunteers)d volunteers, %(activities)d activities, "
               "%(visits)d visits, %(services)d service records, %(shifts)d shifts." % summary)


def _read_password(username):
    if not sys.stdin.isatty():
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password for %s" % username, hide_input=True,
                                confirmation_prompt=True)
    return password


@click.command("create-staff")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True, help="What the account may do.")
@click.option("--station", "station_code", default=None,
              help="Station code; default: this server's station. Ignored for district_admin.")
@click.option("--name", "display_name", default="", help="Name shown in the admin view.")
@connected
def create_staff_command(username, role, station_code, display_name):
    """Create a staff account (the password is prompted, or read from standard input)."""
    if StaffUser.get_or_none(StaffUser.username == username):
        raise click.ClickException("An account named %r already exists." % username)
    password = _read_password(username)
    station = None if role == "district_admin" else command_station(station_code)
    try:
        create_staff(username, role, password, station, display_name, actor_label="cli")
    except WeakPassword as weak:
        raise click.ClickException(str(weak))
    click.echo("Created %s account %r." % (role, username))


@click.command("add-person")
@click.argument("name")
@click.option("--kind", type=click.Choice(["resident", "volunteer", "staff"]), required=True)
@click.option("--phone", default="")
@click.option("--station", "station_code", default=None)
@connected
def add_person_command(name, kind, phone, station_code):
    """Register a person; prints the new id and the badge payload."""
    try:
        person, badge = people.add_person(command_station(station_code), name, kind,
                                          phone=phone, actor_label="cli")
    except people.InvalidName as problem:
        raise click.ClickException(str(problem))
    click.echo("id: %d" % person.id)
    click.echo("payload: %s" % people.badge_payload(badge))


@click.command("badge")
@click.argument("person_id", type=int)
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True))
@click.option("--full-name", is_flag=True, help="Print the full name instead of the masked one.")
@connected
def badge_command(person_id, out, full_name):
    """Write the person's current badge as a PNG."""
    person = Person.get_or_none(Person.id == person_id)
    if person is None or person.erased_at:
        raise click.ClickException("No person with id %d." % person_id)
    badge = people.current_badge(person)
    if badge is None:
        raise click.ClickException("Person %d has no badge in force; issue one in the admin "
                                   "view." % person_id)
    image = badge_print.badge_png(person, badge, full_name=full_name)
    with open(out, "wb") as fh:
        fh.write(image)
    with db.atomic():  # a picture taken away, as the admin view's PNG download
        badge_sheets.record_download(badge, actor_label="cli", detail="png %s" % (
            "full name" if full_name else "masked name"))
    click.echo("Badge of person %d written to %s" % (person_id, out))


@click.command("enroll-kiosk")
@click.argument("name")
@click.option("--station", "station_code", default=None)
@click.option("--base-url", default=None, help="Address the tablet uses to reach this server.")
@connected
def enroll_kiosk_command(name, station_code, base_url):
    """Prepare a kiosk device; prints a one-time enrollment URL (valid 24 hours)."""
    device, code = new_enrollment(name, command_station(station_code), actor_label="cli")
    cfg = current_app.config
    base = (base_url or "http://%s:%s" % (cfg["HOST"], cfg["PORT"])).rstrip("/")
    click.echo("Open this address on the kiosk tablet within %d hours:" % ENROLL_HOURS)
    click.echo("%s/kiosk/enroll/%s" % (base, code))


@click.command("export")
@click.option("--date", "day", required=True, help="Local day, YYYY-MM-DD.")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True))
@click.option("--station", "station_code", default=None)
@connected
def export_command(day, fmt, out, station_code):
    """Export one day's log (check-ins, check-outs, services, shifts) as CSV or XLSX."""
    try:
        the_day = datetime.date.fromisoformat(day)
    except ValueError:
        raise click.ClickException("The date must look like 2026-12-03.")
    station = command_station(station_code)
    rows = exports.day_log_rows(station, the_day)
    data = exports.to_csv(rows) if fmt == "csv" else exports.to_xlsx(rows, sheet="%s" % day)
    with open(out, "wb") as fh:
        fh.write(data)
    with db.atomic():
        audit("export.day_log", actor_label="cli", station=station,
              detail="%s %s %d rows" % (day, fmt, len(rows) - 1))
    click.echo("%d entries of %s written to %s" % (len(rows) - 1, day, out))


@click.command("close-shifts")
@connected
def close_shifts_command():
    """Close volunteer shifts left open past closing time (run nightly by a timer)."""
    click.echo("%d open shifts closed and marked for review." % len(close_all_open_shifts()))


@click.command("first-run")
@with_appcontext
def first_run_command():
    """Migrate, load demo data into an empty database, and create the first administrator.

    Refused (exit status 78, the backup to restore named) when the database file is missing
    beside backups, empty or damaged: that is a station that lost its data, not a new one.
    The check comes before any connection, which would make an empty file look new.
    """
    dbcheck.refuse_unless_sound(current_app)
    with db.connection_context():
        _first_run()


def _first_run():
    migrate()
    station = ensure_default_station()
    if current_app.config["DEMO_DATA"] and not Person.select().exists():
        demo.load(station)
        click.echo("Demo data loaded into the empty database.")
    if not StaffUser.select().exists():
        password = secrets.token_urlsafe(12)
        create_staff("admin", "admin", password, station, "管理员", actor_label="first-run")
        click.echo("")
        click.echo("  First start: administrator account created.")
        click.echo("  user name: admin")
        click.echo("  password:  %s" % password)
        click.echo("  (shown once; change it after signing in)")
        click.echo("")
    if not KioskDevice.select().exists():
        _, code = new_enrollment("本机签到屏", station, actor_label="first-run")
        cfg = current_app.config
        click.echo("  Open this address once in the kiosk browser to enroll it (24 hours):")
        click.echo("  http://%s:%s/kiosk/enroll/%s" % (cfg["HOST"], cfg["PORT"], code))
        click.echo("")


COMMANDS = [demo_data_command, create_staff_command, add_person_command, badge_command,
            enroll_kiosk_command, export_command, close_shifts_command, first_run_command]
COMMANDS += backup_cli.COMMANDS
COMMANDS += security_cli.COMMANDS
COMMANDS += roster_cli.COMMANDS


def init_app(app):
    """Register every command of the CLI contract on the app."""
    for command in COMMANDS:
        app.cli.add_command(command)
