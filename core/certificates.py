"""The 志愿服务记录证明 (volunteer service record certificate): whom a station certifies, the
identity number it shows, its number, and its issue (numbered and audited at once).

The number counts this station's certificates of the year in the audit log; the count and
the audit row that makes the next number are one transaction.
"""
from core.bounds import parse_id
from core.i18n import _
from core.people import has_consent
from models import AuditLog, Person, audit, db


def volunteers_of(station):
    """The station's volunteers a certificate can be made for (not erased), by name."""
    return list(Person.select().where((Person.station == station)
                                      & (Person.kind == "volunteer")
                                      & Person.name.is_null(False))
                .order_by(Person.name))


def volunteer_of(station, volunteer_id):
    """The volunteer with this id (text from a form), if one of `station` (any when None)."""
    vid = parse_id(volunteer_id)
    if vid is None:
        return None
    person = Person.get_or_none((Person.id == vid) & (Person.kind == "volunteer"))
    if person is None or (station is not None and person.station_id != station.id):
        return None
    return person


def mask_id(number):
    """An ID number with all but its first three and last four characters hidden."""
    number = number or ""
    if len(number) <= 7:
        return "*" * len(number)
    return number[:3] + "*" * (len(number) - 7) + number[-4:]


def identity_shown(volunteer, may_view_sensitive):
    """(ID type, ID number, whether the whole number is shown) for the certificate.

    Only with a current consent and a recorded number; whole only for a reader who may see
    sensitive data, masked otherwise.
    """
    if not (has_consent(volunteer) and volunteer.id_number):
        return _("Not recorded"), _("Not recorded"), False
    id_type = volunteer.id_type or _("Resident identity card")
    if may_view_sensitive:
        return id_type, volunteer.id_number, True
    return id_type, mask_id(volunteer.id_number), False


def hours_text(minutes):
    """Minutes as hours with at most two decimals and no trailing zeros (90 -> '1.5')."""
    return ("%.2f" % (minutes / 60.0)).rstrip("0").rstrip(".")


def next_certificate_number(station, issued_on):
    """'<station code>-<year>-<n>': n counts this station's certificates of the year."""
    prefix = "%s-%d-" % (station.code, issued_on.year)
    issued = (AuditLog.select().where((AuditLog.action == "certificate.issue")
                                      & (AuditLog.station == station)
                                      & AuditLog.detail.startswith(prefix)).count())
    return "%s%04d" % (prefix, issued + 1)


def issue_certificate(station, volunteer, actor, start, end, shifts, issued_on, id_shown=False):
    """Number a certificate for `volunteer`'s `shifts` from `start` to `end` and audit its
    issue (one transaction); return the number."""
    minutes = sum(s.minutes for s in shifts)
    with db.atomic():
        number = next_certificate_number(station, issued_on)
        audit("certificate.issue", actor=actor, station=station, obj=volunteer,
              detail="%s %s..%s %s min %d shifts%s" % (
                  number, start, end, minutes, len(shifts), " id shown" if id_shown else ""))
    return number
