"""The admin view's main menu: (endpoint, label, permission). Entries whose screen does not
exist yet, or that the signed-in role may not use, are not shown."""
from flask import current_app, g

from core.i18n import lazy_gettext as _l
from station_admin.blueprint import bp
from station_admin.roles import can

NAV = [
    ("station_admin.today", _l("Today"), "view_today"),
    ("station_admin.log", _l("Log"), "view_log"),
    ("station_admin.people", _l("People"), "view_people"),
    ("station_admin.activities", _l("Activities"), "manage_activities"),
    ("station_admin.reports", _l("Reports"), "view_reports"),
    ("station_admin.services", _l("Services"), "manage_services"),
    ("station_admin.badges", _l("Badges"), "manage_badges"),
    ("station_admin.import_people", _l("Import roster"), "import_people"),
    ("station_admin.kiosks", _l("Kiosk devices"), "manage_kiosks"),
    ("station_admin.staff", _l("Staff accounts"), "manage_staff"),
    ("station_admin.audit_log", _l("Audit log"), "view_audit"),
]


@bp.app_context_processor
def inject_nav():
    def menu():
        user = g.get("user")
        if user is None:
            return []
        return [(endpoint, label) for endpoint, label, permission in NAV
                if endpoint in current_app.view_functions and can(user.role, permission)]
    return {"admin_menu": menu}
