"""Print sheets of badges as PDF: A4 pages of ten CR80 cards with cutting marks, or one
CR80-sized page per card (for a card printer).

Each card is placed as its 300-dpi image (core.badge_print.render_card), so the
Chinese text is exactly what the PNG shows and no font has to be embedded, and the
QR modules stay whole pixels at the printer's resolution.
"""
import contextlib
import io

from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from core.badge_print import render_card
from models import audit, utcnow

CARD_W_MM, CARD_H_MM = 85.6, 54.0
COLUMNS, ROWS = 2, 5
GAP_X_MM, GAP_Y_MM = 6.0, 2.0  # room for the scissors between cards
MARK_OFFSET_MM, MARK_LENGTH_MM = 2.0, 5.0  # cutting marks start 2 mm off the card
LAYOUTS = ("a4", "card")
PER_PAGE = {"a4": COLUMNS * ROWS, "card": 1}


def a4_positions():
    """Lower-left corners (points) of the cards on an A4 page, row by row from the top."""
    page_w, page_h = A4
    grid_w = COLUMNS * CARD_W_MM + (COLUMNS - 1) * GAP_X_MM
    grid_h = ROWS * CARD_H_MM + (ROWS - 1) * GAP_Y_MM
    left = (page_w / mm - grid_w) / 2
    top = (page_h / mm + grid_h) / 2
    positions = []
    for row in range(ROWS):
        for column in range(COLUMNS):
            x = left + column * (CARD_W_MM + GAP_X_MM)
            y = top - (row + 1) * CARD_H_MM - row * GAP_Y_MM
            positions.append((x * mm, y * mm))
    return positions


def _cutting_marks(pdf):
    """Marks in the page margin on the line of every card edge, and a hairline round each card."""
    positions = a4_positions()
    xs = sorted({x for x, _ in positions} | {x + CARD_W_MM * mm for x, _ in positions})
    ys = sorted({y for _, y in positions} | {y + CARD_H_MM * mm for _, y in positions})
    left, right, bottom, top = xs[0], xs[-1], ys[0], ys[-1]
    off, length = MARK_OFFSET_MM * mm, MARK_LENGTH_MM * mm
    pdf.setStrokeColorRGB(0, 0, 0)
    pdf.setLineWidth(0.5)
    for x in xs:
        pdf.line(x, top + off, x, top + off + length)
        pdf.line(x, bottom - off, x, bottom - off - length)
    for y in ys:
        pdf.line(left - off, y, left - off - length, y)
        pdf.line(right + off, y, right + off + length, y)


def _card_outlines(pdf, count):
    pdf.setStrokeColorRGB(0.72, 0.72, 0.72)
    pdf.setLineWidth(0.3)
    for x, y in a4_positions()[:count]:
        pdf.rect(x, y, CARD_W_MM * mm, CARD_H_MM * mm, stroke=1, fill=0)


def _place(pdf, card, x, y):
    image = render_card(card)
    pdf.drawImage(ImageReader(image), x, y, CARD_W_MM * mm, CARD_H_MM * mm)


@contextlib.contextmanager
def _binary_streams():
    """Binary image streams: ASCII85 would make the file a quarter larger and take most of
    the build time (reportlab encodes it in Python)."""
    saved = rl_config.useA85
    rl_config.useA85 = 0
    try:
        yield
    finally:
        rl_config.useA85 = saved


def sheet_pdf(cards, layout="a4", title="Badges"):
    """PDF bytes with the cards: layout "a4" (ten a page, cutting marks) or "card" (one a page)."""
    if layout not in LAYOUTS:
        raise ValueError("layout")
    cards = list(cards)
    if not cards:
        raise ValueError("no cards")
    with _binary_streams():
        return _build(cards, layout, title)


def _build(cards, layout, title):
    buffer = io.BytesIO()
    page_size = A4 if layout == "a4" else (CARD_W_MM * mm, CARD_H_MM * mm)
    pdf = canvas.Canvas(buffer, pagesize=page_size, pageCompression=1, invariant=1)
    pdf.setTitle(title)
    pdf.setCreator("station badges")
    per_page = PER_PAGE[layout]
    pages = [cards[i:i + per_page] for i in range(0, len(cards), per_page)]
    for number, page in enumerate(pages, 1):
        if layout == "card":
            _place(pdf, page[0], 0, 0)
        else:
            for card, (x, y) in zip(page, a4_positions()):
                _place(pdf, card, x, y)
            _card_outlines(pdf, len(page))
            _cutting_marks(pdf)
            pdf.setFont("Helvetica", 7)
            pdf.setFillColorRGB(0.3, 0.3, 0.3)
            pdf.drawString(4 * mm, A4[1] / 2, "%d / %d" % (number, len(pages)))
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def record_print(badges, *, actor=None, actor_label="", detail=""):
    """Mark badges printed now and write one audit row each; call inside db.atomic()."""
    now = utcnow()
    for badge in badges:
        badge.printed_at = now
        badge.save(only=[type(badge).printed_at])
        audit("badge.print", actor=actor, actor_label=actor_label,
              station=badge.person.station_id, obj=badge, after={"person": badge.person_id,
                                                                 "serial": badge.serial},
              detail=detail)


def record_download(badge, *, actor=None, actor_label="", detail=""):
    """Audit a badge picture taken away as a file; call inside db.atomic()."""
    audit("badge.download", actor=actor, actor_label=actor_label,
          station=badge.person.station_id, obj=badge,
          after={"person": badge.person_id, "serial": badge.serial}, detail=detail)
