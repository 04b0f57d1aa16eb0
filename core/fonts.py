"""Finding a font that has Chinese glyphs, for badges and PDFs."""
import os

from flask import current_app, has_app_context

CANDIDATES = [
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
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


class NoCJKFont(RuntimeError):
    """No font with Chinese glyphs was found; badges would show empty boxes."""

    def __str__(self):
        return ("No font with Chinese characters was found. Install one (Debian: "
                "apt-get install fonts-noto-cjk) or set CJK_FONT_PATH in instance/config.py.")


def cjk_font_path(bold=False):
    """The configured CJK font, or the first one found on the machine."""
    configured = current_app.config.get("CJK_FONT_PATH") if has_app_context() else ""
    if configured:
        if os.path.exists(configured):
            return configured
        raise NoCJKFont()
    for path in (BOLD_CANDIDATES if bold else []) + CANDIDATES:
        if os.path.exists(path):
            return path
    raise NoCJKFont()
