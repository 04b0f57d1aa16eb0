"""Badge pictures and print sheets, read back with a real QR decoder (zxing-cpp).

The camera: a kiosk tablet's 720p front camera (1280 px across) with a 70° horizontal
field of view sees, at 40 cm, a strip 2 x 400 mm x tan(35°) = 560 mm wide, i.e.
2.29 px/mm. A CR80 card (85.6 x 54 mm) then covers 196 x 123 px and one QR module
(1.27 mm) 2.9 px; a phone screen 64 mm wide covers 146 px.
"""
import io
import math

import pypdfium2
import pytest
import zxingcpp
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageStat

from core import badge_print, badge_sheets, badges, fonts
from models import AuditLog, Badge, Station
from tests.helpers import connected, csrf_token, gen_person, gen_user, login_as

CAMERA_PX_PER_MM = 1280 / (2 * 400 * math.tan(math.radians(35)))
CARD_ON_CAMERA = (round(85.6 * CAMERA_PX_PER_MM), round(54 * CAMERA_PX_PER_MM))  # (196, 123)
PHONE_WIDTH_MM = 64
STATION = "石·井和居驿站"


def payloads(n, key="test-key"):
    return [badges.payload_for(badges.derive_token(key, i, 1)) for i in range(1, n + 1)]


def decode_all(image):
    """Every QR code zxing-cpp finds in the image: [(text, barcode)]."""
    return [(b.text, b) for b in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)]


def decode(image):
    found = decode_all(image)
    return found[0][0] if found else None


def card(payload, name="欧阳小娟", kind="resident"):
    return badge_print.Card(STATION, name, kind, payload, "No. 1-1")


def pdf_pages(pdf, dpi=300):
    document = pypdfium2.PdfDocument(pdf)
    return [document[i].render(scale=dpi / 72).to_pil() for i in range(len(document))]


def test_camera_pixel_size_is_what_the_docstring_says():
    """Is the camera model the tests use the one stated (2.29 px/mm, a card 196 x 123 px)?"""
    assert round(CAMERA_PX_PER_MM, 2) == 2.29
    assert CARD_ON_CAMERA == (196, 123)


def test_qr_is_at_most_version_3_with_level_h():
    """Is every badge's QR code version 3 or lower, at error correction level H, as decoded?"""
    worst = badges.payload_for("Z" * badges.TOKEN_LENGTH)
    for payload in payloads(60) + [worst]:
        assert badges.qr_code(payload).version <= 3
    for payload in payloads(10) + [worst]:
        (text, barcode), = decode_all(badge_print.render_card(card(payload)))
        assert text == payload
        assert int(barcode.extra["Version"]) <= 3
        assert barcode.ec_level == "H"


def test_card_decodes_at_the_size_a_720p_camera_sees_it_at_40_cm():
    """Does each badge still read when shrunk to 196 x 123 px (2.9 px a module)?"""
    for payload in payloads(25):
        small = badge_print.render_card(card(payload)).resize(CARD_ON_CAMERA, Image.BOX)
        assert decode(small) == payload


def test_card_decodes_after_blur():
    """Does a badge read when out of focus: blurred on paper and blurred in the camera?"""
    for payload in payloads(25):
        image = badge_print.render_card(card(payload))
        # 0.5 mm of blur on the printed card (a worn laminate)...
        assert decode(image.filter(ImageFilter.GaussianBlur(6))) == payload
        # ...and a 1-pixel blur in the camera's picture at 40 cm.
        small = image.resize(CARD_ON_CAMERA, Image.BOX).filter(ImageFilter.GaussianBlur(1.0))
        assert decode(small) == payload


def _covered(image, fraction, where, colour):
    """The card with `fraction` of the QR symbol's area (quiet zone excluded) covered."""
    module, border = badge_print.MODULE, badge_print.QR_BORDER
    x0, y0 = badge_print.QR_BOX[0] + border * module, badge_print.QR_BOX[1] + border * module
    size = 29 * module
    side = int(size * math.sqrt(fraction))
    corner = {"bottom-right": (x0 + size - side, y0 + size - side),
              "centre": (x0 + (size - side) // 2, y0 + (size - side) // 2),
              "bottom": (x0 + (size - side) // 2, y0 + size - side),
              "right": (x0 + size - side, y0 + (size - side) // 2)}[where]
    image = image.copy()
    ImageDraw.Draw(image).rectangle([corner[0], corner[1], corner[0] + side - 1,
                                     corner[1] + side - 1], fill=colour)
    return image


@pytest.mark.parametrize("where", ["bottom-right", "centre", "bottom", "right"])
def test_card_decodes_with_part_of_the_code_covered(where):
    """Does a badge read with a black or white patch over 12 % of its code, wherever it lies
    off the three finder squares?"""
    for payload in payloads(30):
        image = badge_print.render_card(card(payload))
        for colour in ("black", "white"):
            assert decode(_covered(image, 0.12, where, colour)) == payload, (where, colour)


def test_card_with_a_fifth_of_the_code_covered_in_the_free_corner():
    """How often does a badge read with 20 % of the code covered at the corner without a
    finder square? (Measured: about half; a 13 x 13-module patch touches ~28 of the 70
    codewords while level H corrects 22, so a square patch of 20 % is beyond any version-3 code.)"""
    found = 0
    tries = payloads(40)
    for payload in tries:
        image = badge_print.render_card(card(payload))
        found += decode(_covered(image, 0.20, "bottom-right", "white")) == payload
    assert found >= len(tries) * 0.3


def test_phone_picture_decodes_on_a_phone_screen_seen_by_the_camera():
    """Does the phone picture read full size, and as a 64 mm phone screen at 40 cm (146 px)?"""
    width = round(PHONE_WIDTH_MM * CAMERA_PX_PER_MM)
    for payload in payloads(15):
        phone = badge_print.render_phone(card(payload, "欧**娟"))
        assert phone.size == (badge_print.PHONE_W, badge_print.PHONE_H)
        assert decode(phone) == payload
        seen = phone.resize((width, round(width * phone.height / phone.width)), Image.BOX)
        assert decode(seen) == payload
        # The card picture shown full width on the same phone.
        card_image = badge_print.render_card(card(payload))
        on_phone = card_image.resize((width, round(width * 54 / 85.6)), Image.BOX)
        assert decode(on_phone) == payload


def test_sheet_of_50_from_the_admin_screen_decodes_from_the_300_dpi_pdf(app, client):
    """Does every one of 50 badges printed on A4 sheets read from the PDF rendered at 300 dpi,
    and are exactly those 50 marked printed and audited?"""
    with connected(app):
        expected = {gen_person(kind="volunteer" if i % 5 == 0 else "resident")[1]
                    for i in range(50)}
        admin = gen_user("admin")
    login_as(client, admin)
    response = client.post("/admin/badges/print", data={
        "csrf_token": csrf_token(client, "/admin/badges"), "scope": "unprinted",
        "layout": "a4", "name": "full"})
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    pages = pdf_pages(response.data)
    assert len(pages) == 5
    read = []
    for page in pages:
        assert page.size == (2481, 3508)  # A4 at 300 dpi
        texts = [text for text, _ in decode_all(page)]
        assert len(texts) == 10
        read += texts
    assert sorted(read) == sorted(expected)
    with connected(app):
        assert Badge.select().where(Badge.printed_at.is_null(False)).count() == 50
        assert AuditLog.select().where(AuditLog.action == "badge.print").count() == 50


def test_single_card_pdf_pages_are_cr80_and_decode():
    """Is the card layout one 85.6 x 54 mm page per badge, each readable?"""
    codes = payloads(3)
    pdf = badge_sheets.sheet_pdf([card(p) for p in codes], layout="card")
    document = pypdfium2.PdfDocument(pdf)
    assert len(document) == 3
    for i, payload in enumerate(codes):
        width, height = document[i].get_size()
        assert (round(width / 72 * 25.4, 1), round(height / 72 * 25.4, 1)) == (85.6, 54.0)
        image = document[i].render(scale=300 / 72).to_pil()
        assert decode(image) == payload


def test_a4_sheet_has_cutting_marks_outside_the_cards():
    """Are there marks in the margin on the line of each card edge, and none over a card?"""
    page, = pdf_pages(badge_sheets.sheet_pdf([card(p) for p in payloads(10)]), dpi=300)
    grey = page.convert("L")
    px = 300 / 25.4
    positions = badge_sheets.a4_positions()
    left_edge = positions[0][0] / 72 * 25.4  # mm from the page's left
    top_edge = 297 - (positions[0][1] / 72 * 25.4 + badge_sheets.CARD_H_MM)
    # A vertical mark above the grid on the left edge of the first card...
    x = round(left_edge * px)
    y = round((top_edge - badge_sheets.MARK_OFFSET_MM - 2) * px)
    assert min(grey.getpixel((x + dx, y)) for dx in (-1, 0, 1)) < 100
    # ...and nothing in the margin half-way along the card's top edge.
    assert grey.getpixel((round((left_edge + 40) * px), y)) > 240


# --- Chinese text -----------------------------------------------------------------

NAMES = ["欧阳小娟", "张*娟", "石·井和居驿站", "服务对象", "志愿者", "谭嘉懿", "覃", "犇鑫淼"]


def test_every_character_of_ordinary_names_has_a_glyph():
    """Does the font on this machine draw each character, not its tofu (.notdef) box?"""
    path = fonts.check_fonts()
    for name in NAMES:
        assert fonts.missing_glyphs(name, path) == [], name


def test_glyph_check_finds_tofu():
    """Would a character the font lacks be caught, and is it printed as 〓 (the mark for a
    missing character), never as a box, on a badge?"""
    path = fonts.check_fonts()
    assert fonts.missing_glyphs("王\ue000", path) == ["\ue000"]
    payload = badges.payload_for("A" * 22)
    drawn = _name_crop(badge_print.render_card(card(payload, name="王\ue000")))
    marked = _name_crop(badge_print.render_card(card(payload, name="王〓")))
    assert _difference(drawn, marked) == 0
    assert _difference(drawn, _name_crop(_tofu_card(payload, "王\ue000"))) > 1


def _name_crop(image):
    return image.convert("L").crop(badge_print.NAME_BOX)


def _tofu_card(payload, name):
    """The same card with every character of the name drawn as the font's .notdef glyph."""
    image = badge_print.render_card(card(payload, name="A"))
    draw = ImageDraw.Draw(image)
    draw.rectangle(badge_print.NAME_BOX, fill="white")
    font = fonts.load_font(fonts.cjk_font_path(bold=True), 132)
    box = badge_print.NAME_BOX
    draw.text((box[0], (box[1] + box[3]) // 2), "\uffff" * len(name), font=font, fill="black",
              anchor="lm")
    return image


def _difference(a, b):
    return ImageStat.Stat(ImageChops.difference(a, b)).mean[0]


def test_name_renders_as_chinese_in_png_and_pdf():
    """Does the name on the PNG and on the PDF page match the Chinese render and differ from
    a render of the same number of tofu boxes?"""
    payload = payloads(1)[0]
    name = "欧阳小娟"
    png = Image.open(io.BytesIO(badge_print.png_bytes(badge_print.render_card(card(payload,
                                                                               name)))))
    tofu = _name_crop(_tofu_card(payload, name))
    blank = Image.new("L", tofu.size, 255)
    assert _difference(_name_crop(png), tofu) > 20
    assert _difference(_name_crop(png), blank) > 20
    page, = pdf_pages(badge_sheets.sheet_pdf([card(payload, name)], layout="card"))
    page = page.resize((badge_print.CARD_W, badge_print.CARD_H), Image.BICUBIC)
    assert _difference(_name_crop(page), _name_crop(png)) < 6
    assert _difference(_name_crop(page), tofu) > 20


def test_kind_is_in_words_and_colour():
    """Does a volunteer's card carry the word 志愿者 band in red and a resident's in blue?"""
    payload = payloads(1)[0]
    for kind, colour in (("resident", (11, 92, 173)), ("volunteer", (196, 30, 58))):
        image = badge_print.render_card(card(payload, kind=kind))
        assert image.getpixel((5, badge_print.CARD_H - 5)) == colour
        assert image.getpixel((5, 5)) == colour
    assert badge_print.kind_style("volunteer")[0] == "志愿者"


def test_missing_font_is_a_clear_error(tmp_path, app):
    """With CJK_FONT_PATH pointing nowhere, is there a clear error rather than tofu?"""
    app.config["CJK_FONT_PATH"] = str(tmp_path / "none.ttc")
    with app.app_context():
        with pytest.raises(fonts.NoCJKFont) as caught:
            badge_print.render_card(card(payloads(1)[0]))
    assert "CJK_FONT_PATH" in str(caught.value)


def test_bench_reports_the_ratio(capsys):
    """Does the benchmark print both times and their ratio?"""
    from bench import badges as bench_badges
    result = bench_badges.main(count=20)
    out = capsys.readouterr().out
    assert "ratio" in out and result["ratio"] > 1
    assert result["bare_seconds"] > 0 and result["pdf_seconds"] > 0


def test_other_station_badge_prints_its_own_station_name(app):
    """Does a person of a second station get that station's name on the card?"""
    with connected(app):
        other = Station.create(code="second", name="第二驿站")
        person, payload = gen_person(station=other)
        image = Image.open(io.BytesIO(badge_print.badge_png(person, person.badges[0])))
        assert decode(image) == payload
        named = badge_print.render_card(badge_print.Card("第二驿站", "测*", "resident", payload))
        assert _difference(image.convert("L").crop((0, 0, 400, 120)),
                           named.convert("L").crop((0, 0, 400, 120))) < 1


def test_batch_page_preselects_ids_from_the_roster_import(app, client):
    """Does /admin/badges?ids=… (the import's 'print everyone imported') tick exactly those people?"""
    with connected(app):
        chosen = [gen_person()[0] for _ in range(2)]
        other, _ = gen_person()
        user = gen_user("staff")
    login_as(client, user)
    ids = ",".join(str(p.id) for p in chosen)
    html = client.get("/admin/badges?ids=%s" % ids).get_data(as_text=True)
    for person in chosen:
        assert 'value="%d" id="p%d" checked' % (person.id, person.id) in html
    assert 'value="%d" id="p%d" checked' % (other.id, other.id) not in html
    assert 'value="%d" id="p%d"' % (other.id, other.id) in html
