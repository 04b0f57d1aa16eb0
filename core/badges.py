"""Badge tokens and payloads: pure functions, no request objects.

A badge payload is ``YZ1:`` followed by 22 characters of Crockford's base-32
alphabet (no I, L, O or U), i.e. 110 random-looking bits. Upper case, digits and
``:`` keep the QR code in alphanumeric mode, so the code stays at version 3
with error correction level H.

The token of badge number ``serial`` of person ``person_id`` is derived by
HMAC-SHA256 under BADGE_KEY, a key kept in the instance folder and never in the
database. The database stores only SHA-256 of the token, so a stolen database
alone cannot produce a badge, while a current badge can be reprinted at any time.
"""
import hashlib
import hmac
import re

PREFIX = "YZ"
VERSION = 1
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base 32
TOKEN_LENGTH = 22  # 22 x 5 = 110 bits
PAYLOAD_RE = re.compile(r"^%s([1-9]\d{0,3}):([%s]+)\Z" % (PREFIX, ALPHABET))
MAX_PAYLOAD_LENGTH = 64
MAX_QR_VERSION = 3  # 29 x 29 modules: coarse enough for a cheap front camera


class NotABadge(ValueError):
    """A code that is not one of our badges (a pay code, a health code, a URL...)."""


class UnsupportedBadge(ValueError):
    """One of our badges, but of a version or shape this server does not accept."""


def _base32(data, length):
    """Encode bytes in the badge alphabet, `length` characters long."""
    number = int.from_bytes(data, "big")
    chars = []
    for _ in range(length):
        number, index = divmod(number, 32)
        chars.append(ALPHABET[index])
    return "".join(chars)


def derive_token(badge_key, person_id, serial):
    """The token of a person's badge number `serial`; same inputs, same token."""
    key = badge_key.encode() if isinstance(badge_key, str) else badge_key
    message = ("badge:v%d:%d:%d" % (VERSION, person_id, serial)).encode()
    return _base32(hmac.new(key, message, hashlib.sha256).digest(), TOKEN_LENGTH)


def token_hash(token):
    """What the database stores to find a badge by its token."""
    return hashlib.sha256(("%s%d:%s" % (PREFIX, VERSION, token)).encode()).hexdigest()


def payload_for(token):
    """The text encoded in the QR code."""
    return "%s%d:%s" % (PREFIX, VERSION, token)


def parse_payload(text):
    """Return the token of a badge payload, or raise NotABadge / UnsupportedBadge.

    Strict: prefix, version, alphabet and length must all match. Surrounding
    whitespace (a scanner's CR or LF) is ignored; nothing else is forgiven.
    """
    if not isinstance(text, str) or len(text) > MAX_PAYLOAD_LENGTH:
        raise NotABadge()
    text = text.strip()
    if not text.startswith(PREFIX):
        raise NotABadge()
    match = PAYLOAD_RE.match(text)
    if not match:
        raise NotABadge()
    version, token = int(match.group(1)), match.group(2)
    if version != VERSION or len(token) != TOKEN_LENGTH:
        raise UnsupportedBadge()
    return token


def qr_code(payload):
    """A QRCode object for the payload: error correction H, smallest version that fits."""
    import qrcode
    from qrcode.constants import ERROR_CORRECT_H
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_H, box_size=10, border=4)
    code.add_data(qrcode.util.QRData(payload, mode=qrcode.util.MODE_ALPHA_NUM))
    code.make(fit=True)
    if code.version > MAX_QR_VERSION:
        raise ValueError("payload too long for a version %d code" % MAX_QR_VERSION)
    return code


def qr_image(payload, box_size=10, border=4):
    """The QR code alone as a black-on-white PIL image (with its quiet zone)."""
    code = qr_code(payload)
    code.box_size, code.border = box_size, border
    return code.make_image(fill_color="black", back_color="white").get_image().convert("L")
