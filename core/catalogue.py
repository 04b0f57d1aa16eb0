"""The service catalogue: the only code that adds, changes, orders and retires services.

Two kinds of entry. A station's own entry (``station`` set) is its administrator's to change.
A shared entry (``station`` empty) is the district's: every station's kiosk offers it and
every report counts it under one name, so only a district administrator renames it, changes
its pictogram or usual time, or retires it for everyone. A station still decides for itself
whether its own kiosk offers a shared entry and where in its order (StationService), and
nothing it decides reaches another station.

We chose this over copying a shared entry when a station edits it: a copy would split one
service's records over two ids, and the district's figures "by service" with them.
"""
import uuid

from core import audited
from models import Service, StationService, audit, db


class SharedEntry(Exception):
    """A station account tried to change what every station shares."""


class RetiredByDistrict(Exception):
    """A station tried to offer a shared entry the district has retired for everyone."""


def add_service(station, values, *, actor):
    """Add a station's own service at the end of its catalogue; the new service."""
    with db.atomic():
        last = max([s.sort_order for s in Service.for_station(station, active_only=False)]
                   or [0])
        service = Service.create(station=station, code="c-%s" % uuid.uuid4().hex[:8],
                                 sort_order=last + 10, **values)
        audit("service.create", actor=actor, station=station, obj=service, after=values)
    return service


def update_service(service, values, *, actor, district, station):
    """Rename a service or change its pictogram or usual time; the fields changed.

    ``district``: the actor answers for every station (only then may a shared entry change).
    Raises SharedEntry.
    """
    with db.atomic():
        service = Service.get_by_id(service.id)
        if service.shared and not district:
            raise SharedEntry()
        return audited.update(service, values, action="service.update", actor=actor,
                              station=service.station_id or station,
                              detail="shared by every station" if service.shared else "")


def set_offered(service, station, active, *, actor, district):
    """Retire a service or offer it again; True when something changed.

    A station's own entry, or a shared entry changed by a district administrator: the entry
    itself (for a shared one: every station). A shared entry changed by a station account:
    that station's choice only. Raises RetiredByDistrict.
    """
    with db.atomic():
        service = Service.get_by_id(service.id)
        if service.shared and not district:
            choice = _choice(station, service)
            if active and not service.active:
                raise RetiredByDistrict()
            if choice.active == active:
                return False
            choice.active = active
            choice.save()
            scope = "station"
        else:
            if service.active == active:
                return False
            service.active = active
            service.save()
            scope = "district" if service.shared else "station"
        audit("service.reactivate" if active else "service.retire", actor=actor,
              station=station, obj=service, before={"active": not active},
              after={"active": active, "for": scope})
    return True


def move_service(service, station, direction, *, actor):
    """Move a service one place up or down in the station's order; True when it moved.

    The order is the station's own: shared entries take their place through the station's
    choices, so no other station's kiosk changes.
    """
    with db.atomic():
        ordered = Service.for_station(station, active_only=False)
        ids = [s.id for s in ordered]
        if service.id not in ids:
            return False
        index = ids.index(service.id)
        other = index - 1 if direction == "up" else index + 1
        if not 0 <= other < len(ordered):
            return False
        ordered[index], ordered[other] = ordered[other], ordered[index]
        choices = {c.service_id: c for c in StationService.select().where(
            StationService.station == station)}
        for position, row in enumerate(ordered):
            place = (position + 1) * 10
            if row.shared:
                choice = choices.get(row.id) or _choice(station, row)
                if choice.sort_order != place:
                    choice.sort_order = place
                    choice.save()
            elif row.sort_order != place:
                Service.update(sort_order=place).where(Service.id == row.id).execute()
        audit("service.reorder", actor=actor, station=station, obj=service,
              before={"order": ids}, after={"order": [s.id for s in ordered]})
    return True


def _choice(station, service):
    """The station's choice row for a shared entry, made (as the district set it) if new."""
    choice = StationService.get_or_none((StationService.station == station)
                                        & (StationService.service == service.id))
    if choice is None:
        stored = Service.get_by_id(service.id)
        choice = StationService.create(station=station, service=service.id, active=True,
                                       sort_order=stored.sort_order)
    return choice
