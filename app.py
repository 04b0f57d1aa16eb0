"""The station server: the application factory.

    flask --app app run            development only
    make run                       waitress, as at a station
"""
import os
import secrets

from flask import Flask, g, jsonify, render_template
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.routing import IntegerConverter

from core import cli, database, i18n, instance_files, security
from core.bounds import ID_MAX
from core.health import bp as health_bp
from core.settings import SETTINGS, convert, parse_value
from kiosk.routes import bp as kiosk_bp
from station_admin.routes import bp as admin_bp

csrf = CSRFProtect()

ERROR_PAGES = (400, 403, 404, 405, 413, 429, 500, 503)


def load_config(app, test_config=None):
    """Defaults, then instance/config.py, then environment variables, then the test mapping.

    Outside tests, the instance folder is made private first (core.instance_files): the
    secret keys created below, the database and the logs are this account's only.
    """
    for setting in SETTINGS:
        app.config[setting.name] = setting.default
    app.config.from_pyfile("config.py", silent=True)
    for setting in SETTINGS:
        raw = os.environ.get(setting.name)
        if raw is not None and raw != "":
            app.config[setting.name] = parse_value(setting, raw)
    if test_config:
        app.config.update(test_config)
    for setting in SETTINGS:  # typed once here: the rest of the server reads typed values
        app.config[setting.name] = convert(setting, app.config.get(setting.name))
    os.makedirs(app.instance_path, mode=0o700, exist_ok=True)
    if not app.config.get("TESTING"):
        instance_files.make_private(app.instance_path, also=[app.config.get("BACKUP_DIR")])
    for name, filename in (("SECRET_KEY", "secret_key"), ("BADGE_KEY", "badge_key")):
        if not app.config.get(name):
            app.config[name] = instance_secret(app.instance_path, filename)
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,  # a kiosk page stays open all day
        WTF_CSRF_SSL_STRICT=False,
        PERMANENT_SESSION_LIFETIME=12 * 3600,
    )


def instance_secret(instance_path, filename):
    """Read a random secret from the instance folder, creating it on first start."""
    path = os.path.join(instance_path, filename)
    if not os.path.exists(path):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    with open(path) as fh:
        return fh.read().strip()


class IdConverter(IntegerConverter):
    """A row id in a URL: at most ten digits and ID_MAX, so a 20-digit id is a 404, never an
    OverflowError in the database. It also serves as ``<int:...>``: every whole number in a
    URL of this application is an id."""

    regex = r"\d{1,10}"

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", ID_MAX)
        super().__init__(url_map, *args, **kwargs)


def register_errors(app):
    """One handler per error status: JSON for API calls, a page in the user's language for people."""
    def render_error(error):
        code = getattr(error, "code", 500) or 500
        message = i18n.error_message(code, error)
        if security.wants_json():
            return jsonify(ok=False, error=i18n.error_key(code), message=message), code
        return render_template("errors/error.html", code=code, message=message), code

    for code in ERROR_PAGES:
        app.register_error_handler(code, render_error)
    app.register_error_handler(CSRFError, render_error)


def create_app(test_config=None, instance_path=None):
    """Build the station server (instance folder: argument, INSTANCE_PATH, or ./instance)."""
    instance_path = instance_path or os.environ.get("INSTANCE_PATH") or None
    app = Flask(__name__, instance_relative_config=True, instance_path=instance_path)
    app.url_map.converters.update(int=IdConverter, id=IdConverter)  # before any route
    load_config(app, test_config)
    app.json.ensure_ascii = False  # Chinese in JSON as it is, not \u escapes

    database.init_app(app)
    i18n.init_app(app)
    csrf.init_app(app)
    security.init_app(app)
    register_errors(app)

    app.register_blueprint(kiosk_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(health_bp)
    cli.init_app(app)

    @app.route("/")
    def index():
        """A landing page that points at the two faces of the product."""
        return render_template("index.html")

    @app.context_processor
    def inject_globals():
        return {"station_name": app.config["STATION_NAME"], "lang": g.get("lang", "zh")}

    return app
