"""Languages: Chinese first, English available.

Message ids are English. Each area keeps its own Chinese catalogue in
i18n/zh/<area>.po (core, kiosk, admin, badges, reports, ...); every message id has one
home (words shared by several areas live in core.po), so it translates one way
everywhere. ``make`` merges and compiles them into build/translations/ (not committed:
``python -m core.i18n``); a server started without that build compiles them into its
instance folder instead, never into the code tree. Tests check that every message id of
the code and templates has Chinese, and that no id has two homes.
"""
import glob
import os

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import current_app, g, request, session
from flask_babel import Babel, gettext as _, lazy_gettext

LANGUAGES = {"zh": "中文", "en": "English"}
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCE_DIR = os.path.join(ROOT, "i18n")
BUILD_DIR = os.path.join(ROOT, "build", "translations")

babel = Babel()


def merged_catalogue(lang, source_dir=SOURCE_DIR):
    """Every i18n/<lang>/*.po merged into one catalogue (each id has one home; see the tests)."""
    merged = Catalog(locale=lang)
    for path in sorted(glob.glob(os.path.join(source_dir, lang, "*.po"))):
        with open(path, "rb") as fh:
            for message in read_po(fh, locale=lang):
                if message.id and message.string and message.id not in merged:
                    merged.add(message.id, message.string)
    return merged


def _stale(source_dir, build_dir):
    """The languages whose compiled catalogue is missing or older than one of its sources."""
    stale = []
    for lang_dir in glob.glob(os.path.join(source_dir, "*")):
        lang = os.path.basename(lang_dir)
        sources = glob.glob(os.path.join(lang_dir, "*.po"))
        mo = os.path.join(build_dir, lang, "LC_MESSAGES", "messages.mo")
        newest = max([os.path.getmtime(p) for p in sources] + [os.path.getmtime(lang_dir)])
        if not os.path.exists(mo) or os.path.getmtime(mo) < newest:
            stale.append(lang)
    return stale


def compile_catalogues(source_dir=SOURCE_DIR, build_dir=BUILD_DIR):
    """Compile each language's merged catalogue whose .mo is missing or older than a source."""
    for lang in _stale(source_dir, build_dir):
        mo = os.path.join(build_dir, lang, "LC_MESSAGES", "messages.mo")
        os.makedirs(os.path.dirname(mo), exist_ok=True)
        tmp = mo + ".tmp%d" % os.getpid()
        with open(tmp, "wb") as fh:
            write_mo(fh, merged_catalogue(lang, source_dir))
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
    """Set up Flask-Babel with the compiled catalogues (make's build, else the instance's)."""
    directory = BUILD_DIR
    if _stale(SOURCE_DIR, BUILD_DIR):
        directory = os.path.join(app.instance_path, "translations")
        compile_catalogues(build_dir=directory)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", directory)
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


if __name__ == "__main__":  # make: compile the catalogues into build/translations
    compile_catalogues()
