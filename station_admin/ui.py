"""Small helpers the admin screens share: local times, labels, form parsing, messages."""
import datetime
import functools

from core import bounds
from core.clock import local_to_utc, to_local
from core.i18n import _
from core.vocabulary import (ACTIVITY_KIND_LABELS, DAY_STATUS_LABELS, PERSON_KIND_LABELS,
                             PERSON_KIND_PLURALS, PERSON_KINDS, SHIFT_STATUS_LABELS,
                             SOURCE_LABELS, VISIT_KIND_LABELS, label, person_name)
from models import service_name
from station_admin.blueprint import bp


def correction_message(code):
    """The message staff see when a correction is refused (core.corrections codes)."""
    return {
        "reason_required": _("Please give a reason. Nothing was changed."),
        "reason_too_long": _("The reason is too long (at most 200 characters). "
                             "Nothing was changed."),
        "field_not_correctable": _("This field cannot be corrected here. Nothing was changed."),
        "voided": _("This entry is void and cannot be changed. Nothing was changed."),
        "nothing_changed": _("The new values are the same as the old ones. Nothing was changed."),
        "other_day": _("The time must stay on the same day. To move an entry to another day, "
                       "void it and add a missed entry. Nothing was changed."),
        "minutes_out_of_range": _("Minutes must be between 0 and 1440. Nothing was changed."),
        "end_before_start": _("The end is before the start. Nothing was changed."),
        "shift_too_long": _("A shift cannot be longer than 24 hours. Nothing was changed."),
        "minutes_longer_than_shift": _("The minutes cannot be more than the time between start "
                                       "and end. Nothing was changed."),
        "shift_open": _("This shift has not ended yet. Nothing was changed."),
        "already_confirmed": _("This shift is already confirmed."),
        "not_a_volunteer": _("Only volunteers have shifts. Nothing was changed."),
        "in_future": _("That time is in the future. Nothing was changed."),
    }.get(code, _("This change is not possible. Nothing was changed."))


@bp.app_template_filter("localtime")
def localtime_filter(at, station, fmt="%H:%M"):
    """A stored UTC time shown as the station's local time."""
    if at is None:
        return ""
    return to_local(station, at).strftime(fmt)


@bp.app_template_global("service_name")
def _service_name(name_zh, name_en, lang):
    """A service's name in `lang` (models.service_name), for rows that are not Service objects."""
    return service_name(name_zh, name_en, lang)


# A template filter per table of the vocabulary: `person.kind|kind_label` shows the label of
# a stored value in the user's language (the value itself when it has none).
LABEL_FILTERS = {
    "kind_label": PERSON_KIND_LABELS,  # resident, volunteer, staff member
    "kinds_label": PERSON_KIND_PLURALS,  # the same in the plural, for lists
    "source_label": SOURCE_LABELS,  # where an entry came from: camera, scanner, staff...
    "visit_kind_label": VISIT_KIND_LABELS,  # check-in, check-out
    "day_status_label": DAY_STATUS_LABELS,  # in today? not yet, checked in, checked out
    "shift_status_label": SHIFT_STATUS_LABELS,  # pending, confirmed, void
    "activity_kind_label": ACTIVITY_KIND_LABELS,  # group, community event, class
}
for _name, _labels in LABEL_FILTERS.items():
    bp.add_app_template_filter(functools.partial(label, _labels), _name)


@bp.app_context_processor
def _vocabulary():
    """The kinds of person, in the order every list and form offers them."""
    return {"person_kinds": PERSON_KINDS}


@bp.app_template_filter("person_name")
def person_name_filter(person):
    """A person's full name for staff, or the erased-person placeholder."""
    return person_name(person)


def parse_local_time(station, day, text):
    """A local 'HH:MM' on a day as naive UTC, or None when the text is not a time."""
    try:
        parsed = datetime.datetime.strptime((text or "").strip(), "%H:%M").time()
    except ValueError:
        return None
    return local_to_utc(station, day, parsed)


def parse_date(text, default=None):
    """A 'YYYY-MM-DD' date within core.bounds' days, or the default."""
    return bounds.parse_day(text, default)


def parse_int(text, low=None, high=None):
    """An integer within bounds (and never beyond what the database holds), or None."""
    return bounds.parse_int(text, low, high)


def parse_id(text):
    """A row id from a form or query field, or None (core.bounds)."""
    return bounds.parse_id(text)
