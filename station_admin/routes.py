"""Every screen of the admin view, named here: importing this module registers their routes."""
from station_admin import (activities, audit, auth, badges, imports, kiosks,  # noqa: F401
                           log, nav, people, reports, roles, services, staff, today,
                           ui)
from station_admin.blueprint import bp

__all__ = ["bp"]
