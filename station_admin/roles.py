"""Which role may do what: the one table every admin route is checked against.

Every admin route names one permission (``@permission_required("...")`` in auth.py);
tests/test_roles.py visits every route as every role and checks the answer against
this table, so a route added without a permission, or with one missing here, fails.
"""
from core.i18n import lazy_gettext as _l

ROLE_LABELS = {
    "admin": _l("Administrator"),
    "social_worker": _l("Social worker"),
    "staff": _l("Staff"),
    "district_admin": _l("District administrator"),
}

# permission -> roles that hold it
PERMISSIONS = {
    # Today and the log
    "view_today": {"admin", "social_worker", "staff", "district_admin"},
    "check_in_people": {"admin", "social_worker", "staff"},   # help requests, check in/out
    "view_log": {"admin", "social_worker", "staff", "district_admin"},
    "edit_log": {"admin", "social_worker", "staff"},          # add a missed entry, correct
    "void_log": {"admin", "social_worker"},
    "confirm_shifts": {"admin", "social_worker"},
    # People
    "view_people": {"admin", "social_worker", "staff", "district_admin"},
    "edit_people": {"admin", "social_worker", "staff"},
    "view_sensitive": {"admin", "social_worker"},
    "edit_sensitive": {"admin", "social_worker"},
    "record_consent": {"admin", "social_worker"},
    "export_person_data": {"admin", "social_worker"},
    "erase_person": {"admin"},
    "manage_badges": {"admin", "social_worker", "staff"},
    # The station
    "manage_services": {"admin", "district_admin"},  # shared entries: district only
    "view_reports": {"admin", "social_worker", "district_admin"},
    "export_reports": {"admin", "social_worker", "district_admin"},
    "certificates": {"admin", "social_worker"},
    "manage_activities": {"admin", "social_worker", "staff"},
    "manage_kiosks": {"admin"},
    "manage_staff": {"admin", "district_admin"},
    "import_people": {"admin", "social_worker"},
    "view_audit": {"admin", "district_admin"},
    "all_stations": {"district_admin"},
}

# Admin endpoints anyone may reach (signing in and out); every other route needs a permission.
PUBLIC_ENDPOINTS = {"station_admin.login", "station_admin.logout"}


def can(role, permission):
    """True when the role holds the permission."""
    return role in PERMISSIONS.get(permission, set())


def role_label(role):
    """The role's name in the user's language."""
    return ROLE_LABELS.get(role, role)
