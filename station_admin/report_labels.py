"""Words of the report screens: disability categories, person kinds, names, periods."""
from core import reports as rq
from core.i18n import _


def category_label(category):
    """A disability category's name ('Not recorded' for none)."""
    labels = {1: _("Vision"), 2: _("Hearing"), 3: _("Speech"), 4: _("Physical"),
              5: _("Intellectual"), 6: _("Psychiatric"), 7: _("Multiple")}
    return labels.get(category, _("Not recorded"))


def kind_label(kind):
    """A person kind as a group of people ('Residents')."""
    return {"resident": _("Residents"), "volunteer": _("Volunteers"),
            "staff": _("Staff members")}.get(kind, kind)


def person_name(person, person_id=None):
    """A person's name, or the erased placeholder with their number."""
    if person is None or not person.name:
        return _("(erased #%(id)d)", id=person.id if person is not None else person_id or 0)
    return person.name


def period_label(start, end):
    """A month as 2026-11, any other range as 'start to end'."""
    if start.day == 1 and end == rq.month_range(start.year, start.month)[1]:
        return _("%(year)d-%(month)02d", year=start.year, month=start.month)
    return _("%(start)s to %(end)s", start=start.isoformat(), end=end.isoformat())
