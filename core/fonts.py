"""Finding a font that has Chinese glyphs, for badges and PDFs, and proving it draws them.

Pillow draws a character the font lacks as the font's ``.notdef`` glyph (an empty
box, "tofu") or as nothing. ``missing_glyphs`` compares each character's bitmap with
those two; ``check_fonts`` uses it to prove the machine draws ordinary Chinese.

A name may hold what no Chinese font draws: an emoji, a rare character of CJK extension B
(𠀀), a character that draws nothing (U+200B). ``runs`` cuts any text into pieces, each
with a font that has its characters: the CJK font first, then the fallback fonts found
on the machine (DejaVu Sans, Symbola for emoji, HanaMin for rare characters); characters
that draw nothing are dropped (core.text.printable), and a character no font has is
printed as REPLACEMENT, the mark Chinese typesetting uses for a missing character. So a
sheet or a badge always prints.
"""
import functools
import os

from flask import current_app, has_app_context
from PIL import Image, ImageDraw, ImageFont

from core import text as text_rules

CANDIDATES = [
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/simhei.ttf",
    "C:/Windows/Fonts/simsun.ttc",
    "/System/Library/Fonts/PingFang.ttc",
]
BOLD_CANDIDATES = [
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Bold.ttc",
    "C:/Windows/Fonts/msyhbd.ttc",
]
# Fonts for what the CJK fonts lack, in order: Latin and symbols, emoji (outlines, so they
# print), then every CJK extension (Debian: fonts-dejavu-core, fonts-symbola, fonts-hanazono).
FALLBACK_CANDIDATES = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/ancient-scripts/Symbola_hint.ttf",
    "/usr/share/fonts/truetype/hanazono/HanaMinA.ttf",
    "/usr/share/fonts/truetype/hanazono/HanaMinB.ttf",
    "C:/Windows/Fonts/seguisym.ttf",
    "C:/Windows/Fonts/seguiemj.ttf",
    "C:/Windows/Fonts/simsunb.ttf",
]
# 〓 (geta mark): what Chinese typesetting prints for a character it has no type for.
REPLACEMENT = "\u3013"
# In a font collection, the face for Simplified Chinese (Noto's "SC", PingFang's "SC").
SIMPLIFIED_MARKERS = (" SC", "GB", "CN", "Hei", "YaHei", "Song", "Ming")
PROBE = "驿站服务对象志愿者"


class NoCJKFont(RuntimeError):
    """No font with Chinese glyphs was found; badges would show empty boxes."""

    def __str__(self):
        return ("No font with Chinese characters was found. Install one (Debian: "
                "apt-get install fonts-noto-cjk) or set CJK_FONT_PATH in instance/config.py.")


def _configured():
    return current_app.config.get("CJK_FONT_PATH") if has_app_context() else ""


def cjk_font_path(bold=False):
    """The configured CJK font, or the first one found on the machine."""
    configured = _configured()
    if configured:
        if os.path.exists(configured):
            return configured
        raise NoCJKFont()
    for path in (BOLD_CANDIDATES if bold else []) + CANDIDATES:
        if os.path.exists(path):
            return path
    raise NoCJKFont()


def font_paths(bold=False):
    """Every usable font path, best first: the configured one, then the ones found."""
    configured = _configured()
    if configured and not os.path.exists(configured):
        raise NoCJKFont()
    paths = [configured] if configured else []
    paths += [p for p in (BOLD_CANDIDATES if bold else []) + CANDIDATES if os.path.exists(p)]
    paths = list(dict.fromkeys(paths))
    if not paths:
        raise NoCJKFont()
    return paths


@functools.lru_cache(maxsize=64)
def face_index(path):
    """The index of the Simplified Chinese face in a collection (.ttc), else 0."""
    if not path.lower().endswith((".ttc", ".otc")):
        return 0
    faces = []
    for index in range(32):
        try:
            family = ImageFont.truetype(path, 12, index=index).getname()[0] or ""
        except OSError:
            break
        faces.append((index, family))
    for marker in SIMPLIFIED_MARKERS:
        for index, family in faces:
            if marker in family and "Mono" not in family:
                return index
    return 0


@functools.lru_cache(maxsize=256)
def load_font(path, size):
    """A Pillow font of the given size, the collection's Simplified Chinese face."""
    return ImageFont.truetype(path, size, index=face_index(path))


def _bitmap(font, char):
    size = int(font.size * 2)
    image = Image.new("L", (size, size), 0)
    ImageDraw.Draw(image).text((size // 4, size // 4), char, font=font, fill=255)
    return image.tobytes()


@functools.lru_cache(maxsize=64)
def _notdef(path, size):
    # U+FFFF is a non-character: no font maps it, so it draws as .notdef.
    return _bitmap(load_font(path, size), "\uffff")


@functools.lru_cache(maxsize=4096)
def _has_glyph(path, size, char):
    if char.isspace():
        return True
    drawn = _bitmap(load_font(path, size), char)
    return any(drawn) and drawn != _notdef(path, size)


def missing_glyphs(text, path, size=48):
    """The characters of `text` the font at `path` would draw as tofu or as nothing."""
    return [c for c in dict.fromkeys(text or "") if not _has_glyph(path, size, c)]


def check_fonts():
    """Raise NoCJKFont unless some font on the machine draws ordinary Chinese."""
    for path in font_paths():
        if not missing_glyphs(PROBE, path):
            return path
    raise NoCJKFont()


def fallback_paths():
    """The fallback fonts found on the machine, in order."""
    return [p for p in FALLBACK_CANDIDATES if os.path.exists(p)]


@functools.lru_cache(maxsize=32)
def character_map(path):
    """The code points a font file has glyphs for (read once per file: it takes ~0.1 s)."""
    from fontTools.ttLib import TTFont
    font = TTFont(path, fontNumber=face_index(path), lazy=True)
    try:
        return frozenset(font.getBestCmap() or ())
    finally:
        font.close()


@functools.lru_cache(maxsize=4096)
def _font_of(paths, char):
    """The first of `paths` whose character map has `char`, or None."""
    code = ord(char)
    for path in paths:
        if code in character_map(path):
            return path
    return None


def runs(text, bold=False):
    """[(font path, piece of text)] that draw `text`: each piece in a font that has it.

    The first CJK font is the main one; spaces and line breaks stay in it. Characters that
    draw nothing are dropped and a character no font has becomes REPLACEMENT.
    """
    paths = tuple(dict.fromkeys(font_paths(bold) + fallback_paths()))
    main = paths[0]
    pieces = []
    for char in text_rules.printable(text):
        path = main if char.isspace() else _font_of(paths, char)
        if path is None:
            char = REPLACEMENT
            path = _font_of(paths, char) or main
        if pieces and pieces[-1][0] == path:
            pieces[-1][1].append(char)
        else:
            pieces.append((path, [char]))
    return [(path, "".join(chars)) for path, chars in pieces]


def main_font_path(bold=False):
    """The font most text is drawn in (the first CJK font)."""
    return font_paths(bold)[0]


def text_width(text, size, bold=False):
    """The width in pixels of `text` drawn by draw_text at `size`."""
    return sum(load_font(path, size).getlength(piece) for path, piece in runs(text, bold))


def draw_text(draw, xy, text, size, bold=False, fill=None, anchor="lm"):
    """Draw `text` with Pillow, each piece in a font that has it, on one shared baseline.

    `anchor` is "lm" (left, middle) or "mm" (centre, middle), as Pillow's anchors; the
    middle is the main font's, so a name with a fallback character sits where it would
    without it.
    """
    x, y = xy
    main = load_font(main_font_path(bold), size)
    ascent, descent = main.getmetrics()
    baseline = y + (ascent - descent) / 2
    pieces = runs(text, bold)
    if anchor[0] == "m":
        x -= sum(load_font(p, size).getlength(t) for p, t in pieces) / 2
    for path, piece in pieces:
        font = load_font(path, size)
        draw.text((x, baseline), piece, font=font, fill=fill, anchor="ls")
        x += font.getlength(piece)
