"""Words of the report screens: disability categories, person kinds, names, periods."""
from core import reports as rq
from core.i18n import _
from core.vocabulary import (DISABILITY_LABELS, NOT_RECORDED, PERSON_KIND_PLURALS, label,
                             person_name)

__all__ = ["category_label", "kind_label", "period_label", "person_name"]


def category_label(category):
    """A disability category's name ('Not recorded' for none)."""
    return str(DISABILITY_LABELS.get(category, NOT_RECORDED))


def kind_label(kind):
    """A person kind as a group of people ('Residents')."""
    return label(PERSON_KIND_PLURALS, kind)


def period_label(start, end):
    """A month as 2026-11, any other range as 'start to end'."""
    if start.day == 1 and end == rq.month_range(start.year, start.month)[1]:
        return _("%(year)d-%(month)02d", year=start.year, month=start.month)
    return _("%(start)s to %(end)s", start=start.isoformat(), end=end.isoformat())
