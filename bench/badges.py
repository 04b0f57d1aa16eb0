"""How long a 500-badge PDF takes, as a ratio to making the same 500 QR images bare.

The bare images are `qrcode.make(payload)` (the library's defaults), so the ratio
shows what the card layout, the Chinese text and the PDF cost on top of the QR codes.
"""
import os
import sys
import time

import qrcode

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from core import badge_print, badge_sheets, badges  # noqa: E402

NAMES = ["欧阳小娟", "王芳", "李建国", "张伟", "谭嘉懿", "陈志愿"]
KINDS = ["resident", "resident", "resident", "volunteer", "resident", "staff"]


def cards(count):
    """`count` cards with distinct tokens, masked Chinese names and every kind."""
    result = []
    for i in range(count):
        payload = badges.payload_for(badges.derive_token("bench-key", i + 1, 1))
        name = NAMES[i % len(NAMES)]
        result.append(badge_print.Card("石·井和居驿站", name[0] + "*" * (len(name) - 1),
                                       KINDS[i % len(KINDS)], payload, "No. %d-1" % (i + 1)))
    return result


def main(count=500):
    """Time both, print them and the ratio; return the numbers."""
    items = cards(count)
    badge_sheets.sheet_pdf(items[:2])  # load fonts and libraries outside the timing

    started = time.perf_counter()
    for item in items:
        qrcode.make(item.payload)
    bare = time.perf_counter() - started

    started = time.perf_counter()
    pdf = badge_sheets.sheet_pdf(items, layout="a4")
    built = time.perf_counter() - started

    ratio = built / bare
    print("badges: %d bare QR images (qrcode.make): %.2f s" % (count, bare))
    print("badges: %d-badge A4 PDF (%d pages, %.1f MB): %.2f s" % (
        count, -(-count // badge_sheets.PER_PAGE["a4"]), len(pdf) / 1e6, built))
    print("badges: ratio PDF / bare QR = %.1f" % ratio)
    return {"count": count, "bare_seconds": bare, "pdf_seconds": built, "ratio": ratio,
            "pdf_bytes": len(pdf)}


if __name__ == "__main__":
    main()
