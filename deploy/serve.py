"""Serve the station with waitress (never Flask's development server).

    .venv/bin/python deploy/serve.py            host, port and threads from the configuration

The access log goes to a rotating file (ACCESS_LOG, default instance/logs/access.log), one
line per request with its status and duration but never its query string, nor the code of
an enrollment link; waitress's "task queue depth" warnings are kept out of the console.
Every file the server writes is private to its account (umask 077, whoever starts it).
A database that is missing beside backups, empty or damaged is refused with the backup to
restore (exit status 78, which the systemd unit does not restart on). Health problems (see
/healthz) are logged once at start. SIGTERM (systemctl stop) ends the server like Ctrl+C.
"""
import logging
import logging.handlers
import os
import signal
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from waitress import serve  # noqa: E402

from app import create_app  # noqa: E402
from core import dbcheck, instance_files  # noqa: E402
from core.security import redact  # noqa: E402


class AccessLog:
    """WSGI middleware writing one line per request (no query strings: they may hold names)."""

    def __init__(self, app, logger):
        self.app, self.logger = app, logger

    def __call__(self, environ, start_response):
        status_holder = {}

        def _start(status, headers, exc_info=None):
            status_holder["status"] = status.split(" ", 1)[0]
            return start_response(status, headers, exc_info)

        started = time.monotonic()
        try:
            result = self.app(environ, _start)
        except Exception:
            status_holder["status"] = "500"
            raise
        finally:
            # redact(): a path may be a one-time enrollment link (/kiosk/enroll/CODE).
            self.logger.info('%s "%s %s" %s %dms', environ.get("REMOTE_ADDR", "-"),
                             environ.get("REQUEST_METHOD"),
                             redact(environ.get("PATH_INFO") or ""),
                             status_holder.get("status", "-"),
                             (time.monotonic() - started) * 1000)
        return result


def access_logger(path):
    """A logger writing to a file rotated at 5 MB, 5 files kept."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    logger = logging.getLogger("station.access")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=5 * 1024 * 1024,
                                                   backupCount=5, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    logger.addHandler(handler)
    return logger


def main():
    """Start waitress with the configured host, port and threads."""
    os.umask(instance_files.PRIVATE_UMASK)  # before the first file (create_app does it too)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    app = create_app()
    with app.app_context():
        try:
            dbcheck.refuse_unless_sound(app)
        except dbcheck.DatabaseRefused as refused:
            print(refused.message, file=sys.stderr, flush=True)
            sys.exit(dbcheck.EXIT_REFUSED)
    cfg = app.config
    log_path = cfg["ACCESS_LOG"] or os.path.join(app.instance_path, "logs", "access.log")
    wsgi = AccessLog(app, access_logger(log_path))
    host, port = cfg["HOST"], cfg["PORT"]
    with app.app_context():
        from core import health
        for problem in health.report(app)[1]:  # said once at start, then at /healthz
            logging.getLogger("station").warning("health: %s", problem)
    from core import keeper
    keeper.start(app)  # hourly: a backup when one is due, open shifts past closing time
    # systemd stops the service with SIGTERM: leave the serving loop like on Ctrl+C.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    print("Serving on http://%s:%d  (kiosk: /kiosk/, admin: /admin/)" % (host, port), flush=True)
    serve(wsgi, host=host, port=port, threads=cfg["THREADS"], ident="station",
          clear_untrusted_proxy_headers=True, channel_timeout=60)


if __name__ == "__main__":
    main()
