"""Security commands of the CLI: let an account be tried again at once (`unlock-staff USERNAME`)."""
import click
from flask.cli import with_appcontext

from core.signin import lift_lockouts
from models import StaffUser, db


@click.command("unlock-staff")
@click.argument("username")
@with_appcontext
def unlock_staff_command(username):
    """Let every address try an account again at once, after too many wrong passwords."""
    with db.connection_context():
        user = StaffUser.get_or_none(StaffUser.username == username)
        if user is None:
            raise click.ClickException("No account named %r." % username)
        if not lift_lockouts(user, actor_label="cli"):
            click.echo("Account %r is not locked." % username)
            return
    click.echo("Account %r unlocked; it may sign in again from every address." % username)


COMMANDS = [unlock_staff_command]
