"""Unicode rules for text people type: which characters draw nothing, and how a name is tidied.

A name copied from a chat, a web page or another spreadsheet may carry characters nobody
sees: a zero-width space (U+200B), a byte-order mark, a text-direction override (U+202E,
which makes "张三" display as something else), a control character. They break printing,
searching and matching, and can disguise a name. ``refused`` finds them in new text;
``printable`` removes them from text already stored before it is drawn.
"""
import re
import unicodedata

# Controls, formatting and text-direction marks (Cf: U+200B-U+200F, U+202A-U+202E,
# U+2060-U+206F, U+FEFF...), surrogates, private-use and unassigned code points, and the
# line and paragraph separators.
REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
# Letters and marks that draw nothing although their category is not Cf (Unicode's
# Default_Ignorable_Code_Point), and the blank-looking letters used to fake an empty name.
BLANK_LOOKING = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u180b\u180c\u180d\u180e\u180f"
                          "\u2800\u3164\uffa0")
VARIATION_SELECTORS = re.compile("[\ufe00-\ufe0f\U000e0100-\U000e01ef]")
# A Chinese name keeps no spaces inside ("张 三" is 张三); the interpunct joins minority and
# foreign names written in characters (阿卜杜·热合曼).
_IDEOGRAPHS = ("\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
               "\ufe00-\ufe0f\U000e0100-\U000e01ef")
_CHINESE_NAME_RE = re.compile("^[%s·•\\s]+$" % _IDEOGRAPHS)
_HAS_IDEOGRAPH_RE = re.compile("[%s]" % _IDEOGRAPHS)


def code_points(chars):
    """Characters as people can look them up: 'U+200B, U+202E'."""
    return ", ".join("U+%04X" % ord(c) for c in dict.fromkeys(chars))


def refused(text):
    """The characters of `text` that no name or printed text should hold, in order."""
    return [c for c in text or ""
            if c in BLANK_LOOKING or unicodedata.category(c) in REFUSED_CATEGORIES]


def is_nonstandard(char):
    """True for a private-use, unassigned or surrogate code point (no standard meaning)."""
    return unicodedata.category(char) in ("Co", "Cn", "Cs")


def normalise_spaces(text):
    """NFC, every kind of space as one ordinary space, no space at either end."""
    text = unicodedata.normalize("NFC", text or "")
    text = "".join(" " if unicodedata.category(c) == "Zs" else c for c in text)
    return re.sub(" {2,}", " ", text).strip(" ")


def tidy_name(text):
    """A name as typed, normalised: NFC, single spaces, none inside a Chinese name."""
    text = normalise_spaces(text)
    if _CHINESE_NAME_RE.match(text):
        text = text.replace(" ", "")
    return text


def has_letter(text):
    """True when the text holds at least one letter (a Chinese character is a letter)."""
    return any(unicodedata.category(c).startswith("L") and c not in BLANK_LOOKING
               for c in text or "")


def is_chinese(text):
    """True when the text holds a Chinese character (masking and layout differ)."""
    return bool(_HAS_IDEOGRAPH_RE.search(text or ""))


def printable(text):
    """Text with every character that draws nothing removed; line breaks kept.

    For text already stored (a name saved before names were checked, a service or activity
    name): what is left is what a reader sees, so a PDF or an image can draw it.
    """
    out = []
    for char in str(text or ""):
        if char == "\n":
            out.append(char)
        elif char in "\t\r" or unicodedata.category(char) in ("Zl", "Zp"):
            out.append(" ")
        elif char in BLANK_LOOKING or VARIATION_SELECTORS.match(char) \
                or unicodedata.category(char) in ("Cc", "Cf", "Cs"):
            continue
        else:
            out.append(char)
    return "".join(out)
