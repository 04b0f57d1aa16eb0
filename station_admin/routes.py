"""Every screen of the admin view, named here: importing this module registers their routes."""
from station_admin import (activities, audit, auth, badges, certificates, charts,  # noqa: F401
                           imports, kiosks, log, nav, people, report_exports, report_labels,
                           report_request, reports, roles, services, sign_in_sheets, staff,
                           today, ui)
from station_admin.blueprint import bp

__all__ = ["bp"]
