"""The admin view for station staff, at /admin.

URL rules are grouped by screen, one module each (today.py, people.py, reports.py, ...), on
the blueprint of blueprint.py; routes.py names every screen module, so that importing it
registers them all.
"""
