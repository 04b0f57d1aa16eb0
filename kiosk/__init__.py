"""The kiosk, at /kiosk: the public touch screen for enrolled devices.

The blueprint and its device guard are in blueprint.py; routes.py names every module with
routes (views.py: enrollment and the page; api.py: the JSON calls), so that importing it
registers them all. The rules the kiosk follows are the core's.
"""
