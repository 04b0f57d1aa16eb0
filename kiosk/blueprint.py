"""The kiosk's blueprint, at /kiosk: the enrolled-device guard its screens and calls wear, and
the Server-Timing header of its calls. kiosk/routes.py names the modules with its routes."""
import functools
import time

from flask import Blueprint, g, jsonify, render_template, request

from core import kiosk_auth
from core.i18n import _

bp = Blueprint("kiosk", __name__, url_prefix="/kiosk", template_folder="templates")


def enrolled_device_required(view):
    """Answer only an enrolled, unrevoked kiosk device."""
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        device = kiosk_auth.device_for_key(request.cookies.get(kiosk_auth.COOKIE))
        if device is None:
            if request.path.startswith("/kiosk/api/"):
                return jsonify(ok=False, error="not_enrolled",
                               message=_("This device is not enrolled as a kiosk. "
                                         "Ask staff to enroll it.")), 403
            return render_template("kiosk/not_enrolled.html"), 403
        g.device = device
        g.station = device.station
        if device.language:
            g.preferred_lang = device.language
        return view(*args, **kwargs)
    return wrapped


@bp.before_request
def _start_timer():
    g.kiosk_started = time.perf_counter()


@bp.after_request
def _server_timing(response):
    """Say how long the server took, so the kiosk's round trip can be split (make bench)."""
    started = g.get("kiosk_started")
    if started is not None and request.path.startswith("/kiosk/api/"):
        response.headers["Server-Timing"] = "app;dur=%.2f" % (
            (time.perf_counter() - started) * 1000)
    return response
