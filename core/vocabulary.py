"""Every word of the domain in one place: the values the database stores and their labels.

A stored value (a person's kind, a disability category, a source, a shift's status...) is
named here once, with the label staff read for it, so that every screen, export, badge and
sheet says the same thing. Labels are lazy translations (``Word``): they become text in
the reader's language when shown. A bilingual file or a badge prints a word in Chinese
and English whatever the reader's language: ``in_chinese``, ``in_english``, ``bilingual``.

Some values are stored in Chinese because that is what the station's paper forms say
(a sex, an identity document type); their labels translate them for an English reader.
"""
import functools

from flask_babel import gettext
from flask_babel.speaklater import LazyString

from core.i18n import merged_catalogue


class Word(LazyString):
    """A label: text in the reader's language when shown, its message id kept for bilingual use."""

    def __init__(self, msgid):
        super().__init__(gettext, msgid)
        self.msgid = msgid


_l = Word  # the name the catalogue extractor looks for

# --- people -----------------------------------------------------------------------------------

PERSON_KINDS = ("resident", "volunteer", "staff")
PERSON_KIND_LABELS = {"resident": _l("Resident"), "volunteer": _l("Volunteer"),
                      "staff": _l("Staff member")}
PERSON_KIND_PLURALS = {"resident": _l("Residents"), "volunteer": _l("Volunteers"),
                       "staff": _l("Staff members")}
# Inside a sentence: "Already registered as %(kind)s".
PERSON_KIND_IN_SENTENCE = {"resident": _l("a resident"), "volunteer": _l("a volunteer"),
                           "staff": _l("staff")}

SEXES = ("女", "男")
SEX_LABELS = {"女": _l("Female"), "男": _l("Male")}

ID_CARD = "居民身份证"  # the second-generation resident identity card (18 characters)
ID_TYPES = (ID_CARD, "护照", "其他")
ID_TYPE_LABELS = {ID_CARD: _l("Resident identity card"), "护照": _l("Passport"),
                  "其他": _l("Other")}

# Erasure keeps a person's anonymous rows; where a name was, staff read this placeholder.
ERASED = _l("(erased #%(id)d)")
# What erasure writes into stored text in place of a name or number (data, not a label).
ERASED_MARK = "[已删除]"

# --- disability (GB/T 26341-2010: the digit after the ID on a 残疾人证) -------------------------

DISABILITY_CATEGORIES = {1: "vision", 2: "hearing", 3: "speech", 4: "physical",
                         5: "intellectual", 6: "psychiatric", 7: "multiple"}
DISABILITY_LABELS = {1: _l("Vision"), 2: _l("Hearing"), 3: _l("Speech"), 4: _l("Physical"),
                     5: _l("Intellectual"), 6: _l("Psychiatric"), 7: _l("Multiple")}
DISABILITY_LEVELS = (1, 2, 3, 4)
LEVEL_LABELS = {1: _l("Level 1 (most severe)"), 2: _l("Level 2"), 3: _l("Level 3"),
                4: _l("Level 4")}
NOT_RECORDED = _l("Not recorded")

# --- consent ------------------------------------------------------------------------------------

CONSENT_SCOPE_LABELS = {
    "sensitive": _l("Sensitive data: disability category, level, card and ID numbers"),
    "general": _l("Personal data for the station's services (name, phone, address)")}
CONSENT_METHOD_LABELS = {"paper": _l("Signed on paper"), "verbal": _l("Said aloud, witnessed"),
                         "electronic": _l("Electronically")}
CONSENT_GIVER_LABELS = {"self": _l("The person"), "guardian": _l("A guardian")}

# --- the log ------------------------------------------------------------------------------------

SOURCES = ("camera", "scanner", "staff", "auto", "import")
SOURCE_LABELS = {"camera": _l("Camera"), "scanner": _l("Scanner"), "staff": _l("Added by staff"),
                 "auto": _l("Automatic"), "import": _l("Imported")}

# Is the person in today? (core.presence.day_status)
DAY_STATUSES = ("none", "in", "out")
DAY_STATUS_LABELS = {"none": _l("Not yet"), "in": _l("Checked in"), "out": _l("Checked out")}

VISIT_KINDS = ("check_in", "check_out")
VISIT_KIND_LABELS = {"check_in": _l("Check-in"), "check_out": _l("Check-out")}
# The kinds of entry in a day's log: a visit is labelled by its own kind (check-in/out).
ENTRY_LABELS = {"service": _l("Service given"), "shift": _l("Volunteer shift")}

SHIFT_STATUSES = ("pending", "confirmed", "voided")
SHIFT_STATUS_LABELS = {"pending": _l("Pending"), "confirmed": _l("Confirmed"),
                       "voided": _l("Void")}
VOID = SHIFT_STATUS_LABELS["voided"]  # any voided entry, not only a shift
IN_PROGRESS = _l("in progress")
AUTO_CLOSED = _l("closed automatically")

# --- activities (funders count 小组, 社区活动 and classes separately) ---------------------------

ACTIVITY_KINDS = ("group", "event", "class")
ACTIVITY_KIND_LABELS = {"group": _l("Group"), "event": _l("Community event"),
                        "class": _l("Class")}


def label(labels, value):
    """The label of a stored value in the reader's language; the value itself when unknown."""
    found = labels.get(value)
    return str(found) if found is not None else ("" if value is None else str(value))


def erased_name(person_id):
    """The placeholder staff read where an erased person's name was."""
    return gettext(ERASED.msgid, id=person_id or 0)


def person_name(person, person_id=None):
    """A person's full name for staff, or the erased placeholder (also for a missing row)."""
    if person is not None and person.name:
        return person.name
    return erased_name(person.id if person is not None else person_id)


@functools.lru_cache(maxsize=None)
def _catalogue(lang):
    return merged_catalogue(lang)


def in_chinese(word, **values):
    """The word in Chinese, whatever the reader's language (bilingual files, badges)."""
    message = _catalogue("zh").get(word.msgid)
    text = message.string if message is not None and message.string else word.msgid
    return text % values if values else text


def in_english(word, **values):
    """The word in English (its message id), whatever the reader's language."""
    return word.msgid % values if values else word.msgid


def bilingual(word, lower=False):
    """'签到 check-in': the word in Chinese, then in English (lower case inside a table cell)."""
    english = in_english(word)
    return "%s %s" % (in_chinese(word), english.lower() if lower else english)
