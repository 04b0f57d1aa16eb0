"""Security commands of the CLI: lift a login lock-out (`unlock-staff USERNAME`)."""
import click
from flask.cli import with_appcontext

from models import StaffUser, audit, db


def unlock_staff(user, actor=None, actor_label=""):
    """Lift the lock-out of a staff account and forget its failed logins; audited."""
    with db.atomic():
        before = {"locked_at": user.locked_at, "failed_logins": user.failed_logins}
        user.locked_at = None
        user.failed_logins = 0
        user.save(only=[StaffUser.locked_at, StaffUser.failed_logins])
        audit("staff.unlock", actor=actor, actor_label=actor_label, station=user.station_id,
              obj=user, before=before, after={"locked_at": None, "failed_logins": 0})
    return user


@click.command("unlock-staff")
@click.argument("username")
@with_appcontext
def unlock_staff_command(username):
    """Unlock a staff account locked after too many wrong passwords."""
    with db.connection_context():
        user = StaffUser.get_or_none(StaffUser.username == username)
        if user is None:
            raise click.ClickException("No account named %r." % username)
        if user.locked_at is None and not user.failed_logins:
            click.echo("Account %r is not locked." % username)
            return
        unlock_staff(user, actor_label="cli")
    click.echo("Account %r unlocked; it may sign in again." % username)


COMMANDS = [unlock_staff_command]
