"""The admin view's blueprint, at /admin: every screen module registers its routes on it."""
from flask import Blueprint

bp = Blueprint("station_admin", __name__, url_prefix="/admin", template_folder="templates")
