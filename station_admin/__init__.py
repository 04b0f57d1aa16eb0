"""The admin view for station staff, at /admin. URL rules are grouped by screen, one module each."""
from flask import Blueprint

bp = Blueprint("station_admin", __name__, url_prefix="/admin", template_folder="templates")

from station_admin import auth, today  # noqa: E402,F401  (registers the routes)
