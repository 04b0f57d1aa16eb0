"""The kiosk: the public touch screen at the station, for enrolled devices only.

This module holds enrollment and the page itself (on the blueprint of kiosk/blueprint.py);
the JSON calls the page makes live in ``kiosk/api.py``.
"""
import os

from flask import current_app, g, make_response, redirect, render_template, request, url_for

from flask_babel import get_locale

from core import kiosk_auth
from core.activities import current_activity
from core.i18n import _
from core.security import limiter
from kiosk.blueprint import bp, enrolled_device_required
from models import Service

# A choice screen that asked "还需要时间吗?" waits this long for an answer (design: >= 20 s).
CHOICE_GRACE_SECONDS = 30
PICTOGRAM_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                             "static", "img", "services")


@bp.route("/enroll", methods=["GET", "POST"])
@limiter.limit("30 per hour", methods=["POST"])
def enroll_by_code():
    """Typing the short enrollment code that the admin view shows, instead of opening the link."""
    if request.method == "POST":
        code = "".join(ch for ch in request.form.get("code", "")[:40].upper()
                       if ch.isalnum())
        if code and kiosk_auth.pending_for_code(code) is not None:
            return redirect(url_for("kiosk.enroll", code=code))
        return render_template("kiosk/enroll_code.html", error=True), 404
    return render_template("kiosk/enroll_code.html")


@bp.route("/enroll/<code>", methods=["GET", "POST"])
@limiter.limit("30 per hour", methods=["POST"])
def enroll(code):
    """The one-time enrollment link: confirm, then this browser becomes the kiosk."""
    device = kiosk_auth.pending_for_code(code)
    if device is None:
        return render_template("kiosk/enroll.html", invalid=True), 404
    if request.method == "GET":
        return render_template("kiosk/enroll.html", device=device, code=code)
    key = kiosk_auth.enroll(device)
    response = make_response(redirect(url_for("kiosk.start")))
    response.set_cookie(kiosk_auth.COOKIE, key, max_age=kiosk_auth.COOKIE_MAX_AGE, httponly=True,
                        samesite="Strict", secure=current_app.config["SESSION_COOKIE_SECURE"],
                        path="/kiosk")
    return response


def pictogram_file(service):
    """The pictogram file of a service (static/img/services/), 'other' when it has none."""
    name = service.pictogram or "other"
    if not name.replace("_", "").replace("-", "").isalnum() \
            or not os.path.exists(os.path.join(PICTOGRAM_DIR, name + ".svg")):
        name = "other"
    return "img/services/%s.svg" % name


def kiosk_strings():
    """The sentences the kiosk's script fills in (names, services, durations), translated."""
    return {
        "hello": _("Hello, %(name)s!"),
        "checkedIn": _("You are checked in."),
        "alreadyIn": _("%(name)s, you have already checked in today."),
        "alreadyOut": _("%(name)s, you have already checked out today."),
        "volunteerHello": _("Hello, volunteer %(name)s!"),
        "staffHello": _("Hello, %(name)s (staff)!"),
        "logFor": _("Services for %(name)s"),
        "doneServices": _("Done. Recorded: %(services)s."),
        "doneNoServices": _("Done. Have a good day!"),
        "doneCheckout": _("%(name)s, you are checked out. Goodbye!"),
        "shiftStarted": _("Your shift has started. Thank you!"),
        "shiftEnded": _("Your shift has ended: %(duration)s. Thank you!"),
        "hoursMinutes": _("%(hours)s h %(minutes)s min"),
        "minutesOnly": _("%(minutes)s min"),
        "logged": _("Recorded for %(name)s: %(services)s."),
        "attended": _("%(name)s, you are signed in!"),
        "attendedAgain": _("%(name)s, you were already signed in."),
        "welcomeTo": _("Welcome to: %(activity)s"),
        "chooseFirst": _("Nothing chosen yet. Tap a service, or tap “Skip, no service”."),
        "network": _("The kiosk cannot reach the server. Please try again or ask staff."),
        "listSeparator": _(", "),
        "cameraOn": _("The camera is on."),
        "cameraOff": _("No camera: please use the scanner."),
        "selected": _("Chosen"),
        "pickTitle": _("What did you come for today? You can choose several."),
        "logTitle": _("Which services did you give? You can choose several."),
        "statusOk": _("Done"),
        "statusFail": _("Not accepted"),
        "statusHelp": _("Staff are coming"),
        "helpTitle": _("Staff have been called and are coming to help you."),
        "helpDetail": _("Please wait here. Staff will check you in."),
    }


@bp.route("/")
@enrolled_device_required
def start():
    """The kiosk page: every screen of the flow, shown one at a time by static/js/kiosk.js."""
    device = g.device
    kiosk_auth.seen(device)
    lang = get_locale().language  # runs the locale selector: ?lang=, session, device
    default_lang = device.language or current_app.config["DEFAULT_LANGUAGE"]
    services = [{"id": s.id, "label": s.label(lang), "pictogram": pictogram_file(s)}
                for s in Service.for_station(g.station)]
    activity = current_activity(device)
    config = {
        "idleSeconds": current_app.config["KIOSK_IDLE_SECONDS"],
        "choiceSeconds": current_app.config["KIOSK_CHOICE_SECONDS"],
        "graceSeconds": CHOICE_GRACE_SECONDS,
        "repeatSeconds": current_app.config["KIOSK_REPEAT_SECONDS"],
        "lang": lang,
        "defaultLang": default_lang if default_lang in ("zh", "en") else "zh",
        "speechLang": "zh-CN" if lang == "zh" else "en-US",
        "activity": activity.name if activity else None,
        "sounds": {"success": url_for("static", filename="audio/success.wav"),
                   "failure": url_for("static", filename="audio/failure.wav"),
                   "help": url_for("static", filename="audio/help.wav")},
        "urls": {name: url_for("kiosk.api_" + name) for name in
                 ("scan", "recipient", "services", "checkout", "shift_start", "shift_end",
                  "help")},
    }
    return render_template("kiosk/start.html", device=device, activity=activity,
                           services=services, config=config, strings=kiosk_strings())

