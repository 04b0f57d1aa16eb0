"""Changing a row with its before and after in the audit log: the one helper every edit uses.

    changed = audited.update(person, {"phone": "139..."}, action="person.update", actor=user)

Only the fields whose value differs are written (``save(only=...)``, so a field changed by
someone else meanwhile is not overwritten with an old value) and logged; nothing at all is
written when nothing differs. A field named in ``hide`` is logged as changed without its
values (sensitive data, password hashes). A foreign key is compared and logged by its id.
"""
from peewee import Model

from models import audit, db

HIDDEN = "(not logged)"


def _raw(value):
    """What a field stores: a row given for a foreign key stands for its id."""
    return value.get_id() if isinstance(value, Model) else value


def _stored(obj, name):
    field = obj._meta.fields[name]
    return obj.__data__.get(field.name, None)


def differences(obj, changes):
    """The changes whose value differs from the row's, as {field: new value}."""
    fields = obj._meta.fields
    for name in changes:
        if name not in fields:
            raise KeyError("%s has no field %r" % (type(obj).__name__, name))
    return {name: value for name, value in changes.items()
            if _stored(obj, name) != _raw(value)}


def update(obj, changes, *, action, actor=None, actor_label="", station=None, detail="",
           hide=()):
    """Apply the changes that differ to the row, save them and audit them; what changed.

    One transaction (a savepoint inside the caller's). ``station`` defaults to the row's
    own station. Returns {field: new value} of the fields that changed (empty: nothing was
    written, nothing logged).
    """
    changed = differences(obj, changes)
    if not changed:
        return changed
    with db.atomic():
        before = {name: HIDDEN if name in hide else _raw(_stored(obj, name))
                  for name in changed}
        after = {name: HIDDEN if name in hide else _raw(value)
                 for name, value in changed.items()}
        for name, value in changed.items():
            setattr(obj, name, value)
        obj.save(only=[obj._meta.fields[name] for name in changed])
        if station is None:
            station = getattr(obj, "station_id", None)
        audit(action, actor=actor, actor_label=actor_label, station=station, obj=obj,
              before=before, after=after, detail=detail)
    return changed
