"""The roster import on the command line: `flask --app app import-people FILE`."""
import click
from flask.cli import with_appcontext

from core import table_files
from core.cli_common import command_station
from core.clock import local_date
from core.i18n import _
from core.roster_apply import apply
from core.roster_cells import RowProblem, cell_text
from core.roster_fields import FIELDS, KINDS
from core.roster_plan import CONSENT_METHODS, check_consent, preview
from core.roster_read import read_table
from core.roster_report import error_report
from core.table_files import ImportFileError
from core.import_mappings import mapping_for
from models import db


def _parse_maps(pairs, table, mapping):
    mapping = list(mapping)
    for pair in pairs:
        header, sep, field = pair.rpartition("=")
        if not sep or (field and field not in FIELDS and field != "-"):
            raise click.ClickException(_("--map takes HEADER=FIELD; the fields are: %(fields)s",
                                         fields=", ".join(FIELDS)))
        matches = [i for i, h in enumerate(table.header) if cell_text(h) == header.strip()]
        if not matches:
            raise click.ClickException(_("The file has no column named \"%(header)s\".",
                                         header=header))
        for i in matches:
            mapping[i] = None if field in ("", "-") else field
    return mapping


@click.command("import-people")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Show what would happen; write nothing.")
@click.option("--kind", type=click.Choice(KINDS), default="resident",
              help="For rows without a type column.")
@click.option("--consent-method", type=click.Choice(CONSENT_METHODS), default=None,
              help="How consent to hold disability and ID data was obtained (forms on file).")
@click.option("--consent-date", default=None, help="When the consent forms were signed.")
@click.option("--sheet", default=None, help="Worksheet name (default: the first).")
@click.option("--map", "maps", multiple=True, metavar="HEADER=FIELD",
              help="Map a column by hand (FIELD '-' ignores it); remembered for next time.")
@click.option("--errors-out", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write the refused rows with their reasons to this XLSX file.")
@click.option("--station", "station_code", default=None)
@with_appcontext
def import_people_command(file, dry_run, kind, consent_method, consent_date, sheet, maps,
                          errors_out, station_code):
    """Import a roster of residents or volunteers from XLSX or CSV (UTF-8 or GBK)."""
    with db.connection_context():
        _import_people(file, dry_run, kind, consent_method, consent_date, sheet, maps,
                       errors_out, command_station(station_code))


def _import_people(file, dry_run, kind, consent_method, consent_date, sheet, maps, errors_out,
                   station):
    consent = None
    if consent_method or consent_date:
        try:
            consent = check_consent(consent_method, consent_date, today=local_date(station))
        except RowProblem as problem:
            raise click.ClickException(str(problem))
        consent.note = "roster import (command line)"
    with open(file, "rb") as fh:
        data = fh.read(table_files.MAX_FILE_BYTES + 1)  # a larger file is refused unread
    try:
        table = read_table(data, file, sheet)
        mapping, remembered = mapping_for(station, table)
        mapping = _parse_maps(maps, table, mapping)
        if dry_run:
            result = preview(station, table, mapping, default_kind=kind, consent=consent)
        else:
            result = apply(station, table, mapping, default_kind=kind, consent=consent,
                           actor_label="cli").preview
    except ImportFileError as error:
        raise click.ClickException(str(error))
    for index, field in enumerate(mapping):
        click.echo("  %s -> %s" % (table.column_label(index),
                                   FIELDS[field] if field else _("(not imported)")))
    for plan in result.plans:
        if plan.action == "error":
            click.echo(_("Row %(line)d: %(reason)s", line=plan.line, reason=plan.reason))
    for notice in result.notices:
        click.echo(notice)
    counts = dict(new=result.count("new"), updated=result.count("update"),
                  skipped=result.count("skip"), errors=result.count("error"))
    if dry_run:
        click.echo(_("Dry run, nothing written: %(new)d would be new, %(updated)d updated, "
                     "%(skipped)d skipped, %(errors)d refused.", **counts))
    else:
        click.echo(_("Imported: %(new)d new, %(updated)d updated, %(skipped)d skipped, "
                     "%(errors)d refused.", **counts))
    if errors_out and result.errors:
        with open(errors_out, "wb") as fh:
            fh.write(error_report(table, result.plans))
        click.echo(_("The refused rows and their reasons are in %(file)s.", file=errors_out))


COMMANDS = [import_people_command]
