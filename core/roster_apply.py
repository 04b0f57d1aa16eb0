"""Applying a roster import: every valid row in one transaction, which only writes.

The file is parsed and planned before the transaction begins, so kiosks do not wait behind
a 5,000-row import being read. Inside, the plan is checked against the station's people as
they are then (how many, the newest); when someone was added or erased meanwhile, the rows
are matched again (their values stay as parsed), so a person is never created twice. Every
write goes through core.people (people, consent, sensitive data) and core.import_mappings.
"""
import dataclasses

from peewee import fn

from core import import_mappings, people
from core.roster_plan import Preview, match_rows, parse_rows
from core.database import is_sqlite
from core.vocabulary import ID_CARD
from models import Person, Station, audit, db

_STORED_SENSITIVE = ("disability_card", "disability_category", "disability_level", "id_number")


@dataclasses.dataclass
class ImportResult:
    """What an import wrote: the people created, updated and left as they were."""

    created: list
    updated: list
    unchanged: list
    skipped: int
    errors: list
    consents: int
    preview: Preview

    @property
    def imported(self):
        """Everyone the file names that is now in the database (new, updated or unchanged)."""
        return self.created + self.updated + self.unchanged


def _people_stamp(station):
    """How many people the station has (not erased) and the newest id: the plan's ground."""
    return tuple(Person.select(fn.COUNT(Person.id), fn.MAX(Person.id))
                 .where((Person.station == station) & Person.erased_at.is_null()
                        & Person.name.is_null(False)).tuples().first() or (0, None))


def _one_import_at_a_time(station):
    """Queue imports of one station behind each other (SQLite already queues every writer).

    PostgreSQL: a row lock on the station that kiosks' inserts do not need (their foreign
    key takes KEY SHARE, which NO KEY UPDATE leaves free).
    """
    if not is_sqlite():
        list(Station.select(Station.id).where(Station.id == station.id)
             .for_update("FOR NO KEY UPDATE"))


def _consent_for(person, consent, plan, actor, actor_label):
    """Record the import's consent for the person: a guardian's when they were under 14."""
    birth = plan.values.get("birth_date") or person.birth_date
    minor = people.guardian_must_consent(birth, consent.given_on)
    people.record_consent(
        person, method=consent.method, given_on=consent.given_on,
        given_by="guardian" if minor else "self",
        guardian_name=(plan.values.get("guardian_name") or person.guardian_name) if minor else "",
        recorded_by=consent.recorded_by, note=consent.note or "roster import",
        actor=actor, actor_label=actor_label)


def _set_sensitive(person, plan, actor, actor_label):
    values = plan.sensitive
    people.set_sensitive(
        person, card=values.get("disability_card_raw") or None,
        category=values.get("disability_category"), level=values.get("disability_level"),
        id_type=ID_CARD if values.get("id_number") else None,
        id_number=values.get("id_number") or None,
        actor=actor, actor_label=actor_label, detail="roster import")


def _write_new(station, plan, consent, actor, actor_label):
    person, _badge = people.add_person(station, plan.name, plan.kind, actor=actor,
                                       actor_label=actor_label, **plan.values)
    if plan.needs_consent:
        _consent_for(person, consent, plan, actor, actor_label)
        _set_sensitive(person, plan, actor, actor_label)
    return person


def _write_update(plan, consent, actor, actor_label):
    """Update an existing person; True when a consent was recorded for them."""
    person = Person.get_by_id(plan.person_id)
    people.update_person(person, {f: plan.values[f] for f in plan.changes if f in plan.values},
                         actor=actor, actor_label=actor_label, detail="roster import")
    if not any(f in _STORED_SENSITIVE for f in plan.changes):
        return False
    consented = not people.has_consent(person)
    if consented:
        _consent_for(person, consent, plan, actor, actor_label)
    _set_sensitive(person, plan, actor, actor_label)
    return consented


def apply(station, table, mapping, *, default_kind="resident", consent=None, actor=None,
          actor_label="", remember=True):
    """Write every valid row in one transaction, with an audit row; returns an ImportResult."""
    parsed = parse_rows(table, mapping, default_kind=default_kind, consent=consent)
    stamp = _people_stamp(station)
    plan = match_rows(station, parsed, mapping, consent=consent)
    created, updated, unchanged, consents = [], [], [], 0
    with db.atomic():
        _one_import_at_a_time(station)
        if _people_stamp(station) != stamp:  # someone was added or erased since: match again
            plan = match_rows(station, parsed, mapping, consent=consent)
        for row in plan.plans:
            if row.action == "new":
                created.append(_write_new(station, row, consent, actor, actor_label).id)
                consents += row.needs_consent
            elif row.action == "update":
                consents += _write_update(row, consent, actor, actor_label)
                updated.append(row.person_id)
            elif row.action == "skip" and row.person_id is not None:
                unchanged.append(row.person_id)
        if remember:
            import_mappings.save_mapping(station, table, mapping)
        skipped = plan.count("skip")
        audit("import.people", actor=actor, actor_label=actor_label, station=station,
              after={"created": len(created), "updated": len(updated), "skipped": skipped,
                     "errors": plan.count("error"), "consents": consents},
              detail="%s%s" % (table.filename[:100],
                               " consent:%s %s" % (consent.method, consent.given_on)
                               if consent else " no consent: sensitive columns dropped"))
    return ImportResult(created=created, updated=updated, unchanged=list(dict.fromkeys(unchanged)),
                        skipped=skipped, errors=plan.errors, consents=consents, preview=plan)
