"""Every module of the kiosk with routes, named here: importing this module registers them."""
from kiosk import api, views  # noqa: F401
from kiosk.blueprint import bp

__all__ = ["bp"]
