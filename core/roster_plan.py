"""The plan of a roster import: what each row would do, with each problem in words.

    parse_rows(table, mapping)       each row's values read and checked; no database
    match_rows(station, parsed, ...) new, update or skip among the station's people (reads)
    preview(...)                     both: what the admin screen and --dry-run show

A row names the same person as an earlier import when the card number matches, or the name
with the phone or the birth date; a row naming the same person as an earlier row of the file
is skipped. Sensitive columns are read only when the import carries a consent record.
"""
import dataclasses
import datetime

from core import people
from core.i18n import _
from core.roster_cells import (RowProblem, cell_text, parse_card, parse_category, parse_date,
                               parse_guardian, parse_id_number, parse_kind, parse_level,
                               parse_name, parse_phone, parse_sex, phones)
from core.roster_fields import FIELDS, KINDS, SENSITIVE, TEXT_LIMITS, mapping_problems
from core.table_files import ImportFileError
from core.vocabulary import PERSON_KIND_IN_SENTENCE
from models import Person, utcnow

CONSENT_METHODS = ("paper", "electronic")


@dataclasses.dataclass
class Consented:
    """How consent to hold sensitive data was obtained for the people of an import."""

    method: str
    given_on: datetime.date
    recorded_by: object = None  # StaffUser or None (the command line)
    note: str = ""


def check_consent(method, given_on, today=None):
    """A Consented from form or command-line values; RowProblem with a message when unusable.

    `today` is the station's local day (core.clock.local_date): a consent signed this
    morning in Chongqing is not "in the future" on a server whose clock runs in UTC.
    """
    today = today or utcnow().date()
    if method not in CONSENT_METHODS:
        raise RowProblem(_("Choose how consent was obtained."))
    if isinstance(given_on, str):
        try:
            given_on = datetime.date.fromisoformat(given_on.strip())
        except ValueError:
            raise RowProblem(_("The consent date must look like 2026-12-03."))
    if given_on is None:
        raise RowProblem(_("Give the date the consent forms were signed."))
    if given_on > today:
        raise RowProblem(_("The consent date is in the future."))
    return Consented(method=method, given_on=given_on)


ACTIONS = ("new", "update", "skip", "error")


@dataclasses.dataclass
class RowPlan:
    """What importing one row would do."""

    line: int
    cells: list
    name: str = ""
    kind: str = "resident"
    values: dict = dataclasses.field(default_factory=dict)
    sensitive: dict = dataclasses.field(default_factory=dict)
    problems: list = dataclasses.field(default_factory=list)
    notes: list = dataclasses.field(default_factory=list)
    action: str = "new"
    person_id: int = None
    changes: list = dataclasses.field(default_factory=list)
    needs_consent: bool = False

    @property
    def reason(self):
        """Every problem of the row in one line."""
        return " ".join(self.problems)


@dataclasses.dataclass
class Preview:
    """The plan for every row, with counts and notices for the whole file."""

    plans: list
    mapping: list
    notices: list
    sensitive_dropped: int = 0

    def count(self, action):
        """How many rows would have this action."""
        return sum(1 for p in self.plans if p.action == action)

    @property
    def errors(self):
        """The rows that would be refused."""
        return [p for p in self.plans if p.action == "error"]


_PARSERS = {"sex": parse_sex, "birth_date": parse_date, "phone": parse_phone,
            "guardian_phone": parse_phone, "guardian_name": parse_guardian}


def _read_row(plan, cells, mapping, default_kind, consent):
    """Fill the plan's values from the cells; record each problem in words."""
    by_field = {f: cells[i] for i, f in enumerate(mapping) if f and i < len(cells)}
    try:
        plan.name = parse_name(by_field.get("name"))
    except RowProblem as problem:
        plan.problems.append(str(problem))
    try:
        plan.kind = parse_kind(by_field.get("kind"), default_kind)
    except RowProblem as problem:
        plan.problems.append(str(problem))
    for field in ("sex", "birth_date", "phone", "address", "guardian_name", "guardian_phone",
                  "notes", "skills", "volunteer_number"):
        if field not in by_field:
            continue
        try:
            if field in _PARSERS:
                value = _PARSERS[field](by_field[field])
            else:
                value = cell_text(by_field[field])
                if len(value) > TEXT_LIMITS[field]:
                    raise RowProblem(_("\"%(field)s\" is longer than %(max)d characters.",
                                       field=FIELDS[field], max=TEXT_LIMITS[field]))
            if value not in ("", None):
                plan.values[field] = value
        except RowProblem as problem:
            plan.problems.append(str(problem))
    offered = [f for f in SENSITIVE if cell_text(by_field.get(f))]
    if not offered:
        return
    if consent is None:
        # Dropped: neither stored nor checked, but a valid card number still finds the person.
        try:
            card = parse_card(by_field.get("disability_card"))
            plan.sensitive["match_card"] = card[0] if card else None
        except RowProblem:
            pass
        plan.notes.append(_("Disability and ID columns not stored: no consent record."))
        return
    sensitive = {}
    for field, parser in (("disability_card", parse_card), ("disability_category", parse_category),
                          ("disability_level", parse_level), ("id_number", parse_id_number)):
        try:
            value = parser(by_field.get(field))
            if value not in ("", None):
                sensitive[field] = value
        except RowProblem as problem:
            plan.problems.append(str(problem))
    card = sensitive.get("disability_card")
    if card:
        number, category, level = card
        if sensitive.get("disability_category", category) != category:
            plan.problems.append(_("The disability category does not match the card number "
                                   "(its 19th character is %(digit)d).", digit=category))
        if sensitive.get("disability_level", level) != level:
            plan.problems.append(_("The disability level does not match the card number "
                                   "(its 20th character is %(digit)d).", digit=level))
        if sensitive.get("id_number", number[:18]) != number[:18]:
            plan.problems.append(_("The ID card number differs from the first 18 characters of "
                                   "the disability card number."))
        sensitive["disability_card"] = number
        sensitive["disability_card_raw"] = cell_text(by_field.get("disability_card"))
        sensitive["disability_category"], sensitive["disability_level"] = category, level
        sensitive["match_card"] = number
    plan.sensitive = sensitive


_STORED_SENSITIVE = ("disability_card", "disability_category", "disability_level", "id_number")


def _changes(person, plan, consent):
    changes = [f for f, v in plan.values.items() if getattr(person, f) != v
               and not (f == "phone" and phones(v) <= phones(person.phone))]
    if consent is not None:
        changes += [f for f in _STORED_SENSITIVE
                    if f in plan.sensitive and getattr(person, f) != plan.sensitive[f]]
    return changes


class _Index:
    """Who is who: people by card number, by name and phone, by name and birth date."""

    def __init__(self):
        self.card, self.phone, self.birth = {}, {}, {}

    def add(self, key, card, name, phones, birth):
        """Know `key` by the card, by the name with each phone, by the name and birth date."""
        if card:
            self.card.setdefault(card, key)
        for phone in phones:
            self.phone.setdefault((name, phone), key)
        if birth:
            self.birth.setdefault((name, birth), key)

    def find(self, card, name, phones, birth):
        """The key first known by the card, else by name and phone, else name and birth."""
        if card and card in self.card:
            return self.card[card]
        for phone in sorted(phones):
            if (name, phone) in self.phone:
                return self.phone[(name, phone)]
        if birth and (name, birth) in self.birth:
            return self.birth[(name, birth)]
        return None


def parse_rows(table, mapping, *, default_kind="resident", consent=None):
    """Each row's values read and checked (action "error" with its problems); no database."""
    if default_kind not in KINDS:
        raise ValueError(default_kind)
    problems = mapping_problems(mapping)
    if problems:
        raise ImportFileError(" ".join(problems))
    plans = []
    for line, cells in table.rows:
        plan = RowPlan(line=line, cells=cells)
        _read_row(plan, cells, mapping, default_kind, consent)
        if plan.problems:
            plan.action = "error"
        plans.append(plan)
    return plans


def match_rows(station, parsed, mapping, *, consent=None):
    """What each parsed row would do among the station's people; a Preview. Reads, no writes.

    ``parsed`` (from parse_rows) is not changed: the plans are copies.
    """
    known = _Index()
    existing = {}
    for person in (Person.select().where((Person.station == station)
                                         & Person.erased_at.is_null() & Person.name.is_null(False))):
        existing[person.id] = person
        known.add(person.id, person.disability_card, person.name, phones(person.phone),
                  person.birth_date)
    in_file = _Index()
    plans, dropped = [], 0
    for plan in parsed:
        plan = dataclasses.replace(plan, notes=list(plan.notes), changes=[])
        plans.append(plan)
        if plan.action == "error":
            continue
        if consent is None and any(cell_text(plan.cells[i]) for i, f in enumerate(mapping)
                                   if f in SENSITIVE and i < len(plan.cells)):
            dropped += 1
        card = plan.sensitive.get("match_card")
        numbers, birth = phones(plan.values.get("phone")), plan.values.get("birth_date")
        earlier = in_file.find(card, plan.name, numbers, birth)
        if earlier is not None:
            plan.action = "skip"
            plan.notes.append(_("Same person as row %(line)d: this row is skipped.", line=earlier))
            continue
        in_file.add(plan.line, card, plan.name, numbers, birth)
        person_id = known.find(card, plan.name, numbers, birth)
        if person_id is None:
            plan.action = "new"
            plan.needs_consent = consent is not None and any(
                f in plan.sensitive for f in _STORED_SENSITIVE)
            continue
        person = existing[person_id]
        plan.person_id = person_id
        plan.changes = _changes(person, plan, consent)
        if person.kind != plan.kind:
            plan.notes.append(_("Already registered as %(kind)s; that is not changed.",
                                kind=PERSON_KIND_IN_SENTENCE[person.kind]))
        if plan.changes:
            plan.action = "update"
            plan.needs_consent = (consent is not None
                                  and any(f in _STORED_SENSITIVE for f in plan.changes)
                                  and not people.has_consent(person))
            plan.notes.append(_("Changes: %(fields)s.",
                                fields=", ".join(str(FIELDS[f]) for f in plan.changes)))
        else:
            plan.action = "skip"
            plan.notes.append(_("Already registered with the same details."))
    notices = []
    if dropped:
        notices.append(_("%(count)d rows have disability or ID information. Without a consent "
                         "record these columns will not be stored; the other columns will.",
                         count=dropped))
    return Preview(plans=plans, mapping=mapping, notices=notices, sensitive_dropped=dropped)


def preview(station, table, mapping, *, default_kind="resident", consent=None):
    """What importing the table would do, row by row; reads the database, writes nothing."""
    parsed = parse_rows(table, mapping, default_kind=default_kind, consent=consent)
    return match_rows(station, parsed, mapping, consent=consent)


