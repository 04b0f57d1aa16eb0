"""Badge images: a card-shaped PNG with the QR code, the station, the name and the kind."""
import io

from PIL import Image, ImageDraw, ImageFont

from core import badges
from core.fonts import cjk_font_path
from core.people import badge_payload, masked_name

KIND_STYLE = {  # words and colour band: never colour alone
    "resident": ("服务对象", "Resident", (11, 92, 173)),
    "volunteer": ("志愿者", "Volunteer", (196, 30, 58)),
    "staff": ("工作人员", "Staff", (60, 60, 60)),
}

# A CR80 card at 300 dpi: 85.6 x 54 mm.
CARD_W, CARD_H = 1011, 638


def _font(size, bold=False):
    return ImageFont.truetype(cjk_font_path(bold=bold), size)


def _fit(draw, text, max_width, size, bold=False, min_size=24):
    """The largest font size <= size at which text fits max_width."""
    while size > min_size:
        font = _font(size, bold)
        if draw.textlength(text, font=font) <= max_width:
            return font
        size -= 4
    return _font(min_size, bold)


def card_image(person, payload, station_name, full_name=False):
    """The badge as a CR80-proportioned RGB image at 300 dpi."""
    kind_zh, kind_en, colour = KIND_STYLE.get(person.kind, KIND_STYLE["resident"])
    card = Image.new("RGB", (CARD_W, CARD_H), "white")
    draw = ImageDraw.Draw(card)
    band_h = 110
    draw.rectangle([0, 0, CARD_W, band_h], fill=colour)
    draw.text((36, band_h // 2), station_name, font=_fit(draw, station_name, CARD_W - 72, 56,
                                                         True), fill="white", anchor="lm")
    # The QR code: quiet zone of 4 modules included, as large as the card allows.
    qr_side = CARD_H - band_h - 40
    qr = badges.qr_image(payload, box_size=12, border=4).resize((qr_side, qr_side),
                                                                Image.NEAREST)
    card.paste(qr, (CARD_W - qr_side - 20, band_h + 20))
    text_w = CARD_W - qr_side - 20 - 60
    name = person.name if full_name else masked_name(person.name)
    draw.text((36, band_h + 60), name, font=_fit(draw, name, text_w, 110, True), fill="black",
              anchor="lm")
    draw.rectangle([36, band_h + 150, 36 + text_w, band_h + 250], fill=colour)
    draw.text((56, band_h + 200), kind_zh, font=_fit(draw, kind_zh, text_w - 40, 64, True),
              fill="white", anchor="lm")
    draw.text((36, band_h + 300), kind_en, font=_font(44), fill="black", anchor="lm")
    draw.text((36, CARD_H - 40), "No. %d" % person.id, font=_font(36), fill=(60, 60, 60),
              anchor="lm")
    return card


def badge_png(person, badge, full_name=False, station_name=None):
    """PNG bytes of a person's current badge."""
    payload = badge_payload(badge)
    image = card_image(person, payload, station_name or person.station.name, full_name)
    buffer = io.BytesIO()
    image.save(buffer, "PNG", dpi=(300, 300))
    return buffer.getvalue()
