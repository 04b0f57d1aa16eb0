"""Which backups are kept: like restic's --keep-daily/--keep-weekly/--keep-monthly, the
newest copy of each of the last BACKUP_KEEP_DAILY days, BACKUP_KEEP_WEEKLY weeks and
BACKUP_KEEP_MONTHLY months is kept, every other one is deleted."""
import datetime
import os

from core.backup_files import list_backups


def rotation_keep(stamps, daily, weekly, monthly, zone=None):
    """The stamps to keep: the newest of each of the last `daily` days, `weekly` ISO weeks
    and `monthly` months (in the station's zone); the newest stamp is always kept."""
    zone = zone or datetime.timezone.utc
    ordered = sorted(stamps, reverse=True)

    def local(stamp):
        return stamp.replace(tzinfo=datetime.timezone.utc).astimezone(zone)

    periods = ((daily, lambda s: local(s).date()),
               (weekly, lambda s: local(s).isocalendar()[:2]),
               (monthly, lambda s: (local(s).year, local(s).month)))
    keep = set(ordered[:1])
    for count, period in periods:
        seen = set()
        for stamp in ordered:
            key = period(stamp)
            if key in seen:
                continue
            if len(seen) >= count:
                break
            seen.add(key)
            keep.add(stamp)
    return keep


def rotate(directory, daily, weekly, monthly, zone=None):
    """Delete the backups the rotation does not keep; return the deleted paths."""
    found = list_backups(directory)
    keep = rotation_keep([made for made, _ in found], daily, weekly, monthly, zone)
    deleted = []
    for made, path in found:
        if made not in keep:
            os.remove(path)
            deleted.append(path)
    return deleted
