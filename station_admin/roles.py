"""Which role may do what: the one table every admin route is checked against."""

# permission -> roles that hold it
PERMISSIONS = {
    "view_today": {"admin", "social_worker", "staff", "district_admin"},
    "view_log": {"admin", "social_worker", "staff", "district_admin"},
    "edit_log": {"admin", "social_worker", "staff"},
    "void_log": {"admin", "social_worker"},
    "view_people": {"admin", "social_worker", "staff", "district_admin"},
    "edit_people": {"admin", "social_worker", "staff"},
    "view_sensitive": {"admin", "social_worker"},
    "edit_sensitive": {"admin", "social_worker"},
    "record_consent": {"admin", "social_worker"},
    "export_person_data": {"admin", "social_worker"},
    "erase_person": {"admin"},
    "manage_badges": {"admin", "social_worker", "staff"},
    "manage_services": {"admin"},
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


def can(role, permission):
    """True when the role holds the permission."""
    return role in PERMISSIONS.get(permission, set())
