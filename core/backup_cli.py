"""The backup commands: `flask --app app backup` and `flask --app app restore FILE`."""
import os

import click
from flask.cli import with_appcontext

from core.backup import backup_and_rotate
from core.backup_files import BackupError
from core.restore import restore


def _describe(manifest):
    counts = manifest.get("counts", {})
    return ("%d station(s), %d people, %d visits, %d service records, %d volunteer shifts"
            % (counts.get("station", 0), counts.get("person", 0), counts.get("visit", 0),
               counts.get("service_record", 0), counts.get("volunteer_shift", 0)))


@click.command("backup")
@with_appcontext
def backup_command():
    """Back up the database and the instance keys (safe while kiosks are in use), then rotate."""
    try:
        path, manifest, deleted = backup_and_rotate()
    except BackupError as exc:
        raise click.ClickException(str(exc))
    click.echo("Backup written and checked: %s" % path)
    click.echo("It holds %s, and the instance keys (keep it private)." % _describe(manifest))
    for old in deleted:
        click.echo("Rotated out: %s" % os.path.basename(old))


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_command(file, yes):
    """Restore a backup FILE (checked first; what it replaces is kept). Stop the server first."""
    if not yes and not click.confirm(
            "Replace this server's data with %s? (stop the station server first; the current "
            "data is kept as a before-restore file)" % file, default=False):
        raise click.ClickException("Nothing was changed.")
    try:
        manifest, saved, warnings = restore(file)
    except BackupError as exc:
        raise click.ClickException(str(exc))
    click.echo("Restored %s (made %s): %s." % (os.path.basename(file), manifest["created_at"],
                                               _describe(manifest)))
    click.echo("What was replaced is kept in %s" % saved)
    for warning in warnings:
        click.echo(warning)
    click.echo("Start the station server again (systemctl restart station, or start-station) "
               "so it uses the restored data and keys.")


COMMANDS = [backup_command, restore_command]
