"""Chinese first: every message in the code and templates has a Chinese translation."""
import glob
import os

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

from core.i18n import SOURCE_DIR, merged_catalogue

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


def test_every_message_id_has_one_home():
    """Does each message id live in one catalogue file, so that it translates one way only?"""
    homes = {}
    for path in sorted(glob.glob(os.path.join(SOURCE_DIR, "*", "*.po"))):
        lang = os.path.basename(os.path.dirname(path))
        with open(path, "rb") as fh:
            for message in read_po(fh, locale=lang):
                if message.id:
                    homes.setdefault((lang, message.id), []).append(
                        "%s: %s" % (os.path.basename(path), message.string))
    twice = {msgid: where for (lang, msgid), where in homes.items() if len(where) > 1}
    assert twice == {}


def test_the_server_never_writes_into_the_code_tree(tmp_path, monkeypatch):
    """Without make's build, are the catalogues compiled into the instance folder, not the code?"""
    from app import create_app
    from core import i18n
    monkeypatch.setattr(i18n, "BUILD_DIR", str(tmp_path / "no-build"))
    app = create_app({"TESTING": True}, instance_path=str(tmp_path / "instance"))
    directory = app.config["BABEL_TRANSLATION_DIRECTORIES"]
    assert directory == str(tmp_path / "instance" / "translations")
    assert not os.path.exists(tmp_path / "no-build")
    with app.test_request_context("/?lang=zh"):
        assert str(i18n._("Badge no.")) == "编号"


def test_every_catalogue_entry_is_used():
    """Is every translated message still used by the code or templates (no stale words)?"""
    used = set(message_ids())
    stale = []
    for path in sorted(glob.glob(os.path.join(SOURCE_DIR, "*", "*.po"))):
        with open(path, "rb") as fh:
            for message in read_po(fh, locale=os.path.basename(os.path.dirname(path))):
                msgid = message.id if isinstance(message.id, str) else (message.id or ("",))[0]
                if msgid and msgid not in used:
                    stale.append("%s: %s" % (os.path.basename(path), msgid))
    assert stale == []
