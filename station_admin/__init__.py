"""The admin view for station staff, at /admin.

URL rules are grouped by screen, one module each (today.py, people.py, reports.py, ...);
every module of this package is imported here so that its routes are registered.
"""
import importlib
import pkgutil

from flask import Blueprint

bp = Blueprint("station_admin", __name__, url_prefix="/admin", template_folder="templates")

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module("%s.%s" % (__name__, _module.name))
