"""Every configuration key, declared once with its default and its help text.

Order of precedence: these defaults, then the instance folder's ``config.py``,
then environment variables of the same name, then the test mapping.
The README's configuration table is checked against this list by a test.
"""
import datetime
from dataclasses import dataclass


@dataclass(frozen=True)
class Setting:
    """One configuration key: its name, default value, type and help text."""

    name: str
    default: object
    help: str
    type: type = str


SETTINGS = [
    Setting("INSTANCE_PATH", "",
            "Environment only: the instance folder (config.py, keys, SQLite database, "
            "backups, logs). Empty: ./instance beside app.py."),
    Setting("DATABASE_URL", "",
            "Database to use. Empty means SQLite at instance/station.sqlite3; "
            "`postgresql://user:pass@host/db` for a district server."),
    Setting("STATION_TIMEZONE", "Asia/Shanghai",
            "Time zone of the station's local day (reports, 'today', sign-in sheets)."),
    Setting("STATION_CODE", "SJHJ",
            "Short code of the station this server serves by default (used when a "
            "kiosk or account names no station)."),
    Setting("STATION_NAME", "石·井和居驿站",
            "Name of the default station, printed on badges, sheets and certificates."),
    Setting("DEFAULT_LANGUAGE", "zh",
            "Language of the kiosk and admin view when nobody has chosen one: `zh` or `en`."),
    Setting("HOST", "127.0.0.1",
            "Address waitress listens on. Keep 127.0.0.1 unless other devices on the LAN "
            "must reach the server."),
    Setting("PORT", 8000, "Port waitress listens on.", int),
    Setting("THREADS", 8, "Waitress worker threads.", int),
    Setting("SECRET_KEY", None,
            "Signs sessions and CSRF tokens. Generated into instance/secret_key on first "
            "start; set it only to share one key between servers."),
    Setting("BADGE_KEY", None,
            "Key that derives badge tokens. Generated into instance/badge_key on first "
            "start; keep it outside the database and in every backup of the instance folder."),
    Setting("CJK_FONT_PATH", "",
            "Path of a font with Chinese glyphs for badges and PDFs. Empty: found "
            "automatically (Noto Sans CJK, WenQuanYi, Microsoft YaHei, SimHei, ...)."),
    Setting("MAX_CONTENT_LENGTH", 8 * 1024 * 1024,
            "Largest request body accepted, in bytes (roster uploads are the largest).", int),
    Setting("KIOSK_REPEAT_SECONDS", 5,
            "A badge read again within this many seconds counts once.", int),
    Setting("KIOSK_IDLE_SECONDS", 30,
            "A kiosk screen with nothing to choose returns to the start after this pause.",
            int),
    Setting("KIOSK_CHOICE_SECONDS", 45,
            "A kiosk screen that needs a choice asks '还需要时间吗?' after this pause, "
            "then waits at least 20 s more.", int),
    Setting("CLOSING_TIME", "21:00",
            "Local time after which open volunteer shifts are closed automatically and "
            "marked for review.", datetime.time),
    Setting("LOGIN_MAX_FAILURES", 5,
            "Wrong passwords in a row for one user name from one address before that address "
            "must wait (LOGIN_LOCK_MINUTES) to try that name again; other addresses, the "
            "owner's included, are not held up.", int),
    Setting("LOGIN_LOCK_MINUTES", 5,
            "How long that address waits; each further wrong password doubles it, up to an "
            "hour. An administrator can lift it at once (Staff accounts, or `unlock-staff`).",
            int),
    Setting("LOGIN_RATE_LIMIT", "10 per minute",
            "Login attempts allowed per client address (Flask-Limiter notation)."),
    Setting("SESSION_COOKIE_SECURE", False,
            "Send the session cookie over HTTPS only. Turn on when the server is behind HTTPS.",
            bool),
    Setting("BACKUP_DIR", "",
            "Where `flask --app app backup` writes copies. Empty: instance/backups."),
    Setting("BACKUP_EVERY_HOURS", 24,
            "While the server runs it makes a backup when the newest is older than this "
            "(0: only the backup command and its timer make backups).", int),
    Setting("BACKUP_KEEP_DAILY", 7, "Daily backups kept.", int),
    Setting("BACKUP_KEEP_WEEKLY", 5, "Weekly backups kept.", int),
    Setting("BACKUP_KEEP_MONTHLY", 12, "Monthly backups kept.", int),
    Setting("BACKUP_MAX_AGE_HOURS", 36,
            "/healthz reports a problem when the newest backup is older than this.", int),
    Setting("MIN_FREE_DISK_MB", 500,
            "/healthz reports a problem when less free disk than this is left.", int),
    Setting("ACCESS_LOG", "",
            "File for the waitress access log (rotated). Empty: instance/logs/access.log."),
    Setting("DEMO_DATA", True,
            "`make run` loads the demo station into an empty database.", bool),
]

BY_NAME = {s.name: s for s in SETTINGS}


class SettingError(ValueError):
    """A configuration value that cannot be used; ``str()`` says which and what is expected."""


TRUE_WORDS = {"1", "true", "yes", "on"}


def convert(setting, value):
    """A setting's value as its type, from what a source gave (text, a number, a bool).

    Configuration is converted once, when it is loaded (app.load_config); the rest of the
    server reads typed values.
    """
    if value is None or setting.type is str:
        return value
    if setting.type is bool:
        return value if isinstance(value, bool) else str(value).strip().lower() in TRUE_WORDS
    if setting.type is int:
        try:
            return int(value)
        except (TypeError, ValueError):
            raise SettingError("%s must be a whole number, not %r." % (setting.name, value))
    if setting.type is datetime.time:
        if isinstance(value, datetime.time):
            return value
        try:
            return datetime.datetime.strptime(str(value).strip(), "%H:%M").time()
        except ValueError:
            raise SettingError("%s must look like %s, not %r." % (setting.name, setting.default,
                                                                  value))
    return value


def parse_value(setting, raw):
    """Turn an environment variable's text into the setting's type."""
    return convert(setting, raw)
