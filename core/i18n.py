"""Languages: Chinese first, English available.

Message catalogues live beside the code that uses them (translations/,
kiosk/translations/, station_admin/translations/); Flask-Babel merges them.
Message ids are English; the Chinese catalogue must cover every one of them
(a test extracts the ids and checks). Catalogues are compiled at start-up
whenever a .po file is newer than its .mo file.
"""
import os

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import current_app, g, request, session
from flask_babel import Babel, gettext as _, lazy_gettext

LANGUAGES = {"zh": "中文", "en": "English"}
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CATALOGUE_DIRS = ["translations", "kiosk/translations", "station_admin/translations"]

babel = Babel()


def compile_catalogues(root=ROOT):
    """Compile every messages.po under the catalogue folders whose .mo is missing or stale."""
    for rel in CATALOGUE_DIRS:
        base = os.path.join(root, rel)
        if not os.path.isdir(base):
            continue
        for lang in os.listdir(base):
            po = os.path.join(base, lang, "LC_MESSAGES", "messages.po")
            mo = po[:-3] + ".mo"
            if not os.path.exists(po):
                continue
            if os.path.exists(mo) and os.path.getmtime(mo) >= os.path.getmtime(po):
                continue
            with open(po, "rb") as fh:
                catalog = read_po(fh, locale=lang)
            tmp = mo + ".tmp%d" % os.getpid()
            with open(tmp, "wb") as fh:
                write_mo(fh, catalog)
            os.replace(tmp, mo)


def select_locale():
    """The session's choice, then the signed-in user's, then the kiosk's or station's default."""
    lang = request.args.get("lang") if request else None
    if lang in LANGUAGES:
        session["lang"] = lang
    lang = session.get("lang") if request else None
    if lang not in LANGUAGES:
        lang = g.get("preferred_lang") or current_app.config["DEFAULT_LANGUAGE"]
    if lang not in LANGUAGES:
        lang = "zh"
    g.lang = lang
    return lang


def init_app(app):
    """Set up Flask-Babel with the merged catalogues."""
    compile_catalogues()
    dirs = ";".join(os.path.join(ROOT, d) for d in CATALOGUE_DIRS)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", dirs)
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "zh")
    babel.init_app(app, locale_selector=select_locale,
                   timezone_selector=lambda: app.config["STATION_TIMEZONE"])
    app.jinja_env.globals["LANGUAGES"] = LANGUAGES


ERROR_KEYS = {400: "bad_request", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
              413: "too_large", 429: "too_many_requests", 500: "server_error",
              503: "unavailable"}


def error_key(code):
    """A stable machine-readable name for an HTTP error."""
    return ERROR_KEYS.get(code, "error")


def error_message(code, error=None):
    """The message a person sees for an HTTP error, in their language."""
    from flask_wtf.csrf import CSRFError
    if isinstance(error, CSRFError):
        return _("This form has expired or did not come from this site. "
                 "Please go back, reload the page and try again. Nothing was saved.")
    description = getattr(error, "user_message", None)
    if description:
        return description
    messages = {
        400: _("The request could not be understood. Nothing was saved."),
        403: _("You are not allowed to do this."),
        404: _("This page does not exist."),
        405: _("This action is not allowed here."),
        413: _("What was sent is too large. Nothing was saved."),
        429: _("Too many attempts. Please wait a minute and try again."),
        500: _("Something went wrong on the server. Nothing was lost; please try again "
               "or call staff."),
        503: _("The system is busy. Please try again in a moment."),
    }
    return messages.get(code, _("Something went wrong."))


__all__ = ["_", "lazy_gettext", "LANGUAGES", "babel", "compile_catalogues", "init_app"]
