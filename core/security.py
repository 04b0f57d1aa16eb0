"""Defences shared by both faces: security headers, rate limits, passwords."""
from flask import request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from werkzeug.security import check_password_hash, generate_password_hash

# No inline script or style anywhere: every page's JS and CSS come from static/.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob: mediastream:",
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
])

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(self), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}

limiter = Limiter(key_func=get_remote_address, default_limits=[], storage_uri="memory://",
                  headers_enabled=False)


def hash_password(password):
    """A salted, slow hash of a staff password."""
    return generate_password_hash(password, method="scrypt")


def verify_password(password_hash, password):
    """True when the password matches the stored hash."""
    return check_password_hash(password_hash, password)


def init_app(app):
    """Add the security headers to every response and start the rate limiter."""
    app.config.setdefault("RATELIMIT_ENABLED", True)
    limiter.init_app(app)

    @app.after_request
    def _headers(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if request.path.startswith(("/admin", "/kiosk/api")):
            response.headers.setdefault("Cache-Control", "no-store")
        return response
