"""Badge images: a CR80 card and a phone-screen picture with the QR code, the station, the
name and the kind (in words and by colour band).

Every image is drawn at 300 dpi with whole pixels per QR module, so the code prints
sharp on an office printer; its quiet zone of 4 modules is white and nothing is drawn
over it. Text is drawn piece by piece, each in a font that has it (core.fonts.draw_text):
an emoji or a rare character comes from a fallback font, a character no font has prints
as 〓, never as a box, and a badge always prints.
"""
import dataclasses
import io

from PIL import Image, ImageDraw

from core import badges
from core.fonts import draw_text, runs, text_width
from core.people import badge_payload, masked_name
from core.vocabulary import PERSON_KIND_LABELS, Word as _l, in_chinese, in_english

# The kind is printed in words (Chinese and English) and as a colour band: never colour alone.
KIND_COLOURS = {"resident": (11, 92, 173), "volunteer": (196, 30, 58), "staff": (60, 60, 60)}
INK = (0, 0, 0)
GREY = (70, 70, 70)

# A CR80 card at 300 dpi: 85.6 x 54 mm.
DPI = 300
CARD_W, CARD_H = 1011, 638
# The QR code: 15 px (1.27 mm) a module; version 3 is 29 modules, 37 with its quiet zone.
MODULE = 15
QR_BORDER = 4
QR_SIDE = (4 * 3 + 17 + 2 * QR_BORDER) * MODULE  # 555 px = 47 mm with the quiet zone
QR_BOX = (CARD_W - QR_SIDE - 10, 28)  # top-left corner of the quiet zone
STRIPE_H = 40  # the kind's colour along the bottom edge
BAND_H = 124  # the kind's colour behind the station name
TEXT_X = 36
TEXT_W = QR_BOX[0] - TEXT_X  # up to the quiet zone, not into it
NAME_BOX = (TEXT_X, BAND_H + 14, QR_BOX[0], BAND_H + 174)  # where the person's name is drawn

# A picture for a phone screen (WeChat, a photo album): portrait, 9:16.
PHONE_W, PHONE_H = 1080, 1920
PHONE_MODULE = 24  # 37 modules x 24 = 888 px, 82 % of the screen's width
PHONE_HINT = _l("Show this code to the kiosk camera")


@dataclasses.dataclass(frozen=True)
class Card:
    """What one badge shows: the text is already chosen (full or masked name)."""

    station: str
    name: str
    kind: str
    payload: str
    number: str = ""


def card_for(person, badge, full_name=False, station_name=None, badge_key=None):
    """The Card of a person's badge, with the full or the masked name."""
    return Card(station=station_name or person.station.name,
                name=person.name if full_name else masked_name(person.name),
                kind=person.kind, payload=badge_payload(badge, badge_key),
                number="No. %d-%d" % (person.id, badge.serial))


def kind_style(kind):
    """(Chinese word, English word, colour) of a kind of person."""
    kind = kind if kind in KIND_COLOURS else "resident"
    word = PERSON_KIND_LABELS[kind]
    return in_chinese(word), in_english(word), KIND_COLOURS[kind]


def _fit(text, max_width, size, bold=False, min_size=28):
    """The largest size <= size (pixels) at which text fits max_width."""
    while size > min_size:
        if text_width(text, size, bold) <= max_width:
            return size
        size -= 4
    return min_size


def check_card(card):
    """Raise NoCJKFont unless the machine has a font to draw the card's text with."""
    for text in (card.station, card.name, card.number):
        runs(text, True)


def qr_block(payload, module=MODULE):
    """The QR code with its white quiet zone, whole pixels per module, as an L image."""
    return badges.qr_image(payload, box_size=module, border=QR_BORDER)


def render_card(card):
    """The badge as a CR80 RGB image at 300 dpi."""
    kind_zh, kind_en, colour = kind_style(card.kind)
    image = Image.new("RGB", (CARD_W, CARD_H), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 0, QR_BOX[0] - 1, BAND_H - 1], fill=colour)
    draw.rectangle([0, CARD_H - STRIPE_H, CARD_W, CARD_H], fill=colour)
    draw_text(draw, (TEXT_X, BAND_H // 2), card.station,
              _fit(card.station, TEXT_W - 24, 60, True), True, fill="white")
    draw_text(draw, (TEXT_X, (NAME_BOX[1] + NAME_BOX[3]) // 2), card.name,
              _fit(card.name, TEXT_W - 20, 132, True), True, fill=INK)

    top = NAME_BOX[3] + 22
    draw.rounded_rectangle([TEXT_X, top, TEXT_X + TEXT_W - 28, top + 118], radius=14,
                           fill=colour)
    draw_text(draw, (TEXT_X + 24, top + 59), kind_zh, _fit(kind_zh, TEXT_W - 80, 80, True),
              True, fill="white")
    draw_text(draw, (TEXT_X, top + 176), kind_en, _fit(kind_en, TEXT_W - 28, 52, True), True,
              fill=INK)
    if card.number:
        draw_text(draw, (TEXT_X, CARD_H - STRIPE_H - 30), card.number, 34, fill=GREY)
    image.paste(qr_block(card.payload), QR_BOX)
    return image


def render_phone(card):
    """The badge as a portrait picture for a phone screen: the QR code fills the width."""
    kind_zh, kind_en, colour = kind_style(card.kind)
    image = Image.new("RGB", (PHONE_W, PHONE_H), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 0, PHONE_W, 200], fill=colour)
    draw_text(draw, (PHONE_W // 2, 100), card.station, _fit(card.station, PHONE_W - 100, 96, True),
              True, fill="white", anchor="mm")
    qr = qr_block(card.payload, PHONE_MODULE)
    image.paste(qr, ((PHONE_W - qr.width) // 2, 260))
    y = 260 + qr.height + 110
    draw_text(draw, (PHONE_W // 2, y), card.name, _fit(card.name, PHONE_W - 120, 150, True),
              True, fill=INK, anchor="mm")
    y += 190
    draw.rounded_rectangle([140, y - 75, PHONE_W - 140, y + 75], radius=20, fill=colour)
    kind_text = "%s  %s" % (kind_zh, kind_en)
    draw_text(draw, (PHONE_W // 2, y), kind_text, _fit(kind_text, PHONE_W - 360, 84, True),
              True, fill="white", anchor="mm")
    y += 190
    for line, size in ((in_chinese(PHONE_HINT), 56), (in_english(PHONE_HINT), 44)):
        draw_text(draw, (PHONE_W // 2, y), line, _fit(line, PHONE_W - 120, size), fill=GREY,
                  anchor="mm")
        y += 80
    if card.number:
        draw_text(draw, (PHONE_W // 2, PHONE_H - 130), card.number, 40, fill=GREY,
                  anchor="mm")
    draw.rectangle([0, PHONE_H - 60, PHONE_W, PHONE_H], fill=colour)
    return image


def png_bytes(image):
    """PNG bytes of an image, marked as 300 dpi."""
    buffer = io.BytesIO()
    image.save(buffer, "PNG", dpi=(DPI, DPI), optimize=False)
    return buffer.getvalue()


def badge_png(person, badge, full_name=False, station_name=None, layout="card"):
    """PNG bytes of a person's badge: a CR80 card, or a phone picture (layout="phone")."""
    card = card_for(person, badge, full_name, station_name)
    return png_bytes(render_phone(card) if layout == "phone" else render_card(card))
