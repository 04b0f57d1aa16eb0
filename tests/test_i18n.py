"""Chinese first: every message in the code and templates has a Chinese translation."""
import os

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir

from core.i18n import merged_catalogue

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
METHODS = [(".venv/**", "ignore"), ("tests/**", "ignore"), ("bench/**", "ignore"),
           ("**.py", "python"), ("**/templates/**.html", "jinja2")]


KEYWORDS = dict(DEFAULT_KEYWORDS, _l=None, lazy_gettext=None)


def message_ids():
    """Every translatable message id in the project, with where it is."""
    found = {}
    for filename, lineno, message, comments, context in extract_from_dir(ROOT, METHODS, keywords=KEYWORDS):
        ids = message if isinstance(message, tuple) else (message,)
        for msgid in ids:
            if msgid:
                found.setdefault(msgid, "%s:%d" % (filename, lineno))
    return found


def test_every_message_has_chinese():
    """Does the Chinese catalogue translate every message id the code and templates use?"""
    catalogue = merged_catalogue("zh")
    missing = {m: where for m, where in message_ids().items()
               if catalogue.get(m) is None or not catalogue.get(m).string}
    assert not missing, "untranslated: %s" % missing
