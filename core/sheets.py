"""Printable PDFs on A4 with correct Chinese: the 签到表 (sign-in sheet) and the
志愿服务记录证明 (volunteer service certificate).

The font. ReportLab embeds only TrueType outlines, and the CJK fonts a Debian station
has (Noto Sans CJK, fonts-noto-cjk) are CFF ("PostScript") collections. ReportLab's
built-in CID font (STSong-Light) is not embedded: a printer PC without Adobe's Asian
font pack prints it as blanks or boxes. So each document gets its own small font:
the characters it uses are cut out of the machine's CJK font (``core.fonts``: the
configured one, else the first found that has every character) with fontTools, their
outlines converted to TrueType quadratics (cu2qu, error below 1/1000 em), and the
subset is embedded. The PDF then looks the same in every viewer and on every printer,
and its text stays searchable (pdftotext reads it back).

A character the CJK font lacks (an emoji, a rare character of CJK extension B) is cut
from a fallback font (``core.fonts.runs``) and set in that font within the same line;
characters that draw nothing are left out and one no font has prints as 〓. A stored
name of any kind prints: the sheet of the day never fails because of one name.
"""
import functools
import hashlib
import io
import threading

from flask import has_app_context
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.ttfonts import TTFont as ReportLabTTFont
from reportlab.pdfgen import canvas as pdfcanvas
from reportlab.platypus import (KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table,
                                TableStyle)
from xml.sax.saxutils import escape

from core import fonts
from core.text import printable
from core.vocabulary import Word as _l, in_chinese

_lock = threading.Lock()
PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 15 * mm


# The few words this module writes itself (the callers pass everything else translated).
SIGNATURE = _l("Signature")
PAGE_OF = _l("Page %(page)d of %(total)d")


def _t(word):
    """A word in the reader's language when a Flask app is active, else in Chinese."""
    return str(word) if has_app_context() else in_chinese(word)


# --- the embedded font ----------------------------------------------------------

def _to_unicode_cmap(fontname, subset, _original=ttfonts.makeToUnicodeCMap):
    """ReportLab's ToUnicode map, with characters beyond U+FFFF written as UTF-16 pairs.

    ReportLab writes every character as four hex digits, so an emoji or a character of CJK
    extension B would be read back (copied, searched, pdftotext) as another character.
    """
    cmap = _original(fontname, subset)
    for index, code in enumerate(subset):
        if code > 0xFFFF:
            pair = chr(code).encode("utf-16-be").hex().upper()
            cmap = cmap.replace("<%02X> <%04X>" % (index, code), "<%02X> <%s>" % (index, pair))
    return cmap


ttfonts.makeToUnicodeCMap = _to_unicode_cmap


@functools.lru_cache(maxsize=32)
def _subset_truetype(path, chars):
    """TrueType bytes holding just `chars` from the font at `path` (CFF converted to glyf)."""
    from fontTools import subset
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import TTFont, newTable

    font = TTFont(path, fontNumber=fonts.face_index(path), lazy=True)
    options = subset.Options()
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.layout_features = []
    options.hinting = False
    options.desubroutinize = True
    options.drop_tables = options.drop_tables + ["FFTM"]  # FontForge's timestamp: not needed
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=chars)
    subsetter.subset(font)
    if "CFF " in font:
        order = font.getGlyphOrder()
        glyph_set = font.getGlyphSet()
        glyf = newTable("glyf")
        glyf.glyphOrder = order
        glyf.glyphs = {}
        for name in order:
            pen = TTGlyphPen(glyph_set)
            # max error 1 unit of a 1000-unit em; CFF winds the other way round.
            glyph_set[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
            glyf.glyphs[name] = pen.glyph()
        font["glyf"] = glyf
        font["loca"] = newTable("loca")
        del font["CFF "]
        if "VORG" in font:
            del font["VORG"]
        maxp = font["maxp"]
        maxp.tableVersion = 0x00010000
        for attr in ("maxPoints", "maxContours", "maxCompositePoints", "maxCompositeContours",
                     "maxTwilightPoints", "maxStorage", "maxFunctionDefs",
                     "maxInstructionDefs", "maxStackElements", "maxSizeOfInstructions",
                     "maxComponentElements", "maxComponentDepth"):
            setattr(maxp, attr, 0)
        maxp.maxZones = 1
        font["head"].indexToLocFormat = 0
        font["head"].glyphDataFormat = 0
        font["post"].formatType = 3.0
        font.sfntVersion = "\x00\x01\x00\x00"
    # ReportLab keeps one font object per PostScript name (pdfmetrics._dynFaceNames): a
    # second subset under the same name would be drawn with the first one's glyphs. So each
    # subset gets its own name.
    tag = hashlib.sha1(("%s|%s" % (path, chars)).encode("utf-8")).hexdigest()[:10].upper()
    name_table = font["name"]
    base = (name_table.getDebugName(6) or "CJK").replace(" ", "")[:40]
    for record in list(name_table.names):
        if record.nameID == 6:
            name_table.removeNames(nameID=6)
            break
    name_table.setName("%s-%s" % (base, tag), 6, 3, 1, 0x409)
    name_table.setName("%s-%s" % (base, tag), 6, 1, 0, 0)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


# Characters the layout adds around the caller's text.
EXTRA_CHARS = "0123456789/-:.()：、，。（） 第页共" + fonts.REPLACEMENT


class _DocumentFonts:
    """The fonts of one document, registered with ReportLab while it is built.

    The main font (the CJK font) holds every character it has, plus EXTRA_CHARS; each
    fallback font holds the characters only it has. ``markup`` writes a text as
    Paragraph markup with each piece in its font; ``name`` is the main font's.
    """

    def __init__(self, text):
        main = fonts.main_font_path()
        chars = {main: set(EXTRA_CHARS)}
        for path, piece in fonts.runs(text + EXTRA_CHARS):
            chars.setdefault(path, set()).update(piece)
        self.names, self.fonts = {}, []
        for path, used in chars.items():
            data = _subset_truetype(path, "".join(sorted(used)))
            name = "CJK-" + hashlib.sha1(data).hexdigest()[:12]
            self.names[path] = name
            self.fonts.append(ReportLabTTFont(name, io.BytesIO(data)))
        self.name = self.names[main]

    def markup(self, text):
        """Paragraph markup for `text`: escaped, line breaks kept, fallback pieces in their font."""
        out = []
        for path, piece in fonts.runs("" if text is None else str(text)):
            piece = escape(piece).replace("\n", "<br/>")
            name = self.names.get(path, self.name)
            out.append(piece if name == self.name else '<font name="%s">%s</font>'
                       % (name, piece))
        return "".join(out)

    def plain(self, text):
        """`text` in the main font alone, for canvas strings: other pieces show as 〓."""
        main = fonts.main_font_path()
        return "".join(piece if path == main else fonts.REPLACEMENT * len(piece)
                       for path, piece in fonts.runs(text or ""))

    def __enter__(self):
        _lock.acquire()
        for font in self.fonts:
            pdfmetrics.registerFont(font)
        return self

    def __exit__(self, *exc):
        for font in self.fonts:
            pdfmetrics._fonts.pop(font.fontName, None)
            pdfmetrics._dynFaceNames.pop(font.face.name, None)
        _lock.release()


def _all_text(*parts):
    out = []
    for part in parts:
        if part is None:
            continue
        if isinstance(part, (list, tuple)):
            out.append(_all_text(*part))
        elif isinstance(part, dict):
            out.append(_all_text(*part.keys(), *part.values()))
        else:
            out.append(str(part))
    return "".join(out)


# --- page furniture --------------------------------------------------------------

def _numbered_canvas(font_name, footer_left):
    """A canvas class that writes "page N of M" on each page once the total is known."""

    class NumberedCanvas(pdfcanvas.Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._saved = []

        def showPage(self):
            self._saved.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._saved)
            for state in self._saved:
                self.__dict__.update(state)
                self.setFont(font_name, 9)
                self.setFillColor(colors.black)
                label = _t(PAGE_OF) % {"page": self._pageNumber,
                                                            "total": total}
                self.drawRightString(PAGE_WIDTH - MARGIN, 9 * mm, label)
                if footer_left:
                    self.drawString(MARGIN, 9 * mm, footer_left)
                super().showPage()
            super().save()

    return NumberedCanvas


def _styles(font_name):
    base = ParagraphStyle("base", fontName=font_name, fontSize=10.5, leading=14,
                          wordWrap="CJK", alignment=TA_LEFT)
    return {
        "title": ParagraphStyle("title", parent=base, fontSize=20, leading=26,
                                alignment=TA_CENTER, spaceAfter=4 * mm),
        "field": ParagraphStyle("field", parent=base, fontSize=11, leading=16),
        "cell": base,
        "head": ParagraphStyle("head", parent=base, alignment=TA_CENTER),
        "body": ParagraphStyle("body", parent=base, fontSize=13, leading=24,
                               firstLineIndent=26),
        "right": ParagraphStyle("right", parent=base, fontSize=12, leading=20,
                                alignment=TA_RIGHT),
        "small": ParagraphStyle("small", parent=base, fontSize=9, leading=12),
    }


def _paragraphs(doc_fonts):
    """A maker of Paragraphs whose text is set in the document's fonts."""
    return lambda text, style: Paragraph(doc_fonts.markup(text), style)


def _fields_table(fields, styles, width, p):
    """Header fields (label, value) laid out two to a row."""
    cells = [p("%s：%s" % (label, value), styles["field"]) for label, value in fields]
    if not cells:
        return None
    if len(cells) % 2:
        cells.append("")
    rows = [cells[i:i + 2] for i in range(0, len(cells), 2)]
    table = Table(rows, colWidths=[width / 2, width / 2])
    table.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("BOTTOMPADDING", (0, 0), (-1, -1), 3)]))
    return table


def _column_widths(columns, rows, width, signature_index):
    """Widths in proportion to the longest text of each column, the signature column wide."""
    def text_len(value):
        return sum(2 if ord(c) > 0x2E80 else 1 for c in str(value or ""))

    weights = []
    for index, header in enumerate(columns):
        if index == signature_index:
            weights.append(14)
            continue
        longest = max([text_len(header)] + [text_len(r[index]) for r in rows if index < len(r)])
        weights.append(min(max(longest, 4), 28))
    total = sum(weights)
    return [width * w / total for w in weights]


# --- the sign-in sheet -----------------------------------------------------------

def sign_in_sheet_pdf(title, fields, columns, rows, signature_column=True):
    """A 签到表 on A4: the title, header fields, and a table of `columns` and `rows`.

    `fields` is a list of (label, value) pairs (date, place, organiser...), already in the
    reader's language; `columns` the column headers; `rows` lists of cells. With
    `signature_column` (True, or the header text to use) an empty 签名 column is added,
    with rows tall enough to sign in. The table header repeats on every page and each page
    is numbered "第 N 页 / 共 M 页". Returns the PDF bytes.
    """
    columns = list(columns)
    rows = [list(r) + [""] * (len(columns) - len(r)) for r in rows]
    signature_index = None
    if signature_column:
        label = signature_column if isinstance(signature_column, str) else _t(SIGNATURE)
        columns.append(label)
        rows = [r + [""] for r in rows]
        signature_index = len(columns) - 1
    with _DocumentFonts(_all_text(title, fields, columns, rows,
                                  _t(PAGE_OF))) as doc_fonts:
        styles, p = _styles(doc_fonts.name), _paragraphs(doc_fonts)
        buffer = io.BytesIO()
        doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN,
                                topMargin=MARGIN, bottomMargin=18 * mm,
                                title=printable(title), author="", subject=printable(title),
                                creator="station")
        width = PAGE_WIDTH - 2 * MARGIN
        story = [p(title, styles["title"])]
        header = _fields_table(list(fields or []), styles, width, p)
        if header is not None:
            story += [header, Spacer(1, 4 * mm)]
        data = [[p(c, styles["head"]) for c in columns]]
        data += [[p(c, styles["cell"]) for c in r] for r in rows]
        if len(data) == 1:  # an empty sheet still prints blank lines to sign on
            data += [[""] * len(columns) for _ in range(15)]
        row_heights = [None] + [11 * mm if signature_index is not None else None] * (len(data) - 1)
        table = Table(data, colWidths=_column_widths(columns, rows, width, signature_index),
                      rowHeights=row_heights, repeatRows=1)
        table.setStyle(TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("LEFTPADDING", (0, 0), (-1, -1), 3),
            ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ]))
        story.append(table)
        doc.build(story, canvasmaker=_numbered_canvas(doc_fonts.name, ""))
        return buffer.getvalue()


# --- the volunteer service certificate ------------------------------------------

def volunteer_certificate_pdf(*, title, body, facts, records_title, record_columns,
                              record_rows, issuer_lines, footer=""):
    """A 志愿服务记录证明 on A4.

    The caller (station_admin/certificates.py) composes every word in the reader's language:
    `body` the paragraph of the certificate (name, ID, hours, what the service was);
    `facts` (label, value) pairs shown as a table (name, ID type and number — already
    masked for a role without view_sensitive — volunteer number, period, total hours,
    certificate number); `record_rows` the shifts it is made of; `issuer_lines` the
    issuing organisation, its person in charge, the clerk, contact details and date,
    right-aligned above the seal. Returns the PDF bytes.
    """
    with _DocumentFonts(_all_text(title, body, facts, records_title, record_columns,
                                  record_rows, issuer_lines, footer,
                                  _t(PAGE_OF))) as doc_fonts:
        styles, p = _styles(doc_fonts.name), _paragraphs(doc_fonts)
        buffer = io.BytesIO()
        doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=22 * mm, rightMargin=22 * mm,
                                topMargin=22 * mm, bottomMargin=20 * mm,
                                title=printable(title), creator="station")
        width = PAGE_WIDTH - 44 * mm
        story = [Spacer(1, 4 * mm), p(title, styles["title"]), Spacer(1, 2 * mm)]
        facts_table = Table([[p(k, styles["head"]), p(v, styles["field"])] for k, v in facts],
                            colWidths=[width * 0.3, width * 0.7])
        facts_table.setStyle(TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
            ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#eeeeee")),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 0), (-1, -1), 5), ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
        ]))
        story += [facts_table, Spacer(1, 6 * mm)]
        for paragraph in str(body).split("\n"):
            story.append(p(paragraph, styles["body"]))
        story.append(Spacer(1, 6 * mm))
        sign_block = [p(line, styles["right"]) for line in issuer_lines]
        story.append(KeepTogether([Spacer(1, 4 * mm)] + sign_block))
        if record_rows:
            story += [Spacer(1, 8 * mm), p(records_title, styles["field"]), Spacer(1, 2 * mm)]
            data = [[p(c, styles["head"]) for c in record_columns]]
            data += [[p(c, styles["small"]) for c in r] for r in record_rows]
            table = Table(data, colWidths=_column_widths(record_columns, record_rows, width,
                                                         None), repeatRows=1)
            table.setStyle(TableStyle([
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]))
            story.append(table)
        doc.build(story, canvasmaker=_numbered_canvas(doc_fonts.name,
                                                      doc_fonts.plain(footer)))
        return buffer.getvalue()
