#!/usr/bin/env bash
# Install the station on a Debian/Ubuntu tablet or mini PC (run as root from the checkout):
#
#   sudo deploy/install-linux.sh KIOSK_USER [--port 8000] [--systemd-user]
#
# KIOSK_USER is the desktop account that logs in automatically and shows the kiosk screen.
# What it does, step by step (safe to run again, e.g. after an upgrade):
#   1. Debian packages: Python, Chromium, Chinese fonts.
#   2. The code in /opt/station (this checkout is copied there unless it already is /opt/station),
#      its .venv with the pinned dependencies, owned by root and read-only to the server.
#   3. A system user "station"; data, keys, backups and logs in /var/lib/station (mode 0700).
#   4. The systemd units: station.service (server), station-backup.timer (02:30 nightly),
#      station-close-shifts.timer (23:45 nightly); enabled and started.
#   5. The Chromium policy that allows the camera and sound for the kiosk address only.
#   6. The kiosk screen for KIOSK_USER: an XDG autostart entry (any desktop), or with
#      --systemd-user the user unit station-kiosk.service (desktops with graphical-session.target).
set -euo pipefail
[ "$(id -u)" = 0 ] || { echo "Run as root: sudo $0 KIOSK_USER" >&2; exit 1; }
KIOSK_USER=${1:-}
[ -n "$KIOSK_USER" ] && id "$KIOSK_USER" >/dev/null 2>&1 || {
  echo "Usage: sudo $0 KIOSK_USER [--port 8000] [--systemd-user] (an existing desktop account)" >&2
  exit 1
}
shift
PORT=8000
SYSTEMD_USER=no
while [ $# -gt 0 ]; do
  case "$1" in
    --port) PORT=$2; shift 2 ;;
    --systemd-user) SYSTEMD_USER=yes; shift ;;
    *) echo "Unknown option $1" >&2; exit 1 ;;
  esac
done
SRC=$(cd "$(dirname "$0")/.." && pwd)
DEST=/opt/station

echo "1/6 Debian packages"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv make chromium \
  fonts-noto-cjk fonts-symbola fonts-hanazono >/dev/null

echo "2/6 Code in $DEST"
if [ "$SRC" != "$DEST" ]; then
  mkdir -p "$DEST"
  tar -C "$SRC" --exclude=.venv --exclude=instance --exclude=.git -cf - . | tar -C "$DEST" -xf -
fi
make -C "$DEST" deps >/dev/null
mkdir -p "$DEST/translations"

echo "3/6 User station and /var/lib/station"
id station >/dev/null 2>&1 || useradd --system --home-dir /var/lib/station --shell /usr/sbin/nologin station
install -d -o station -g station -m 0700 /var/lib/station
chown -R station:station "$DEST/translations"
if [ ! -e /etc/default/station ]; then
  printf '# Settings of the station server (see the README table), e.g.\n# STATION_NAME=石·井和居驿站\nPORT=%s\nDEMO_DATA=0\n' "$PORT" >/etc/default/station
fi

echo "4/6 systemd units"
for unit in station.service station-backup.service station-backup.timer \
            station-close-shifts.service station-close-shifts.timer; do
  install -m 0644 "$DEST/deploy/$unit" /etc/systemd/system/$unit
done
systemctl daemon-reload
as_station() {
  (cd "$DEST" && set -a && . /etc/default/station && set +a &&
   runuser -u station -- env INSTANCE_PATH=/var/lib/station DEMO_DATA=0 "$@")
}
if [ -e /var/lib/station/station.sqlite3 ] || grep -q '^DATABASE_URL=' /etc/default/station; then
  echo "    a backup before the upgrade"
  as_station "$DEST/.venv/bin/flask" --app app backup || echo "    (backup failed: see above)"
fi
as_station "$DEST/.venv/bin/flask" --app app first-run
systemctl enable station.service station-backup.timer station-close-shifts.timer
systemctl restart station.service  # after an upgrade: the new code, migrated on start
systemctl start station-backup.timer station-close-shifts.timer

echo "5/6 Chromium policy (camera and sound for http://127.0.0.1:$PORT only)"
install -d /etc/chromium/policies/managed
sed "s/:8000/:$PORT/g" "$DEST/deploy/chromium-policy.json" >/etc/chromium/policies/managed/station.json

echo "6/6 Kiosk screen for $KIOSK_USER"
home=$(getent passwd "$KIOSK_USER" | cut -d: -f6)
if [ "$SYSTEMD_USER" = yes ]; then
  install -d /etc/systemd/user
  sed "s/:8000/:$PORT/" "$DEST/deploy/station-kiosk.service" >/etc/systemd/user/station-kiosk.service
  runuser -u "$KIOSK_USER" -- mkdir -p "$home/.config/systemd/user/graphical-session.target.wants"
  ln -sf /etc/systemd/user/station-kiosk.service \
    "$home/.config/systemd/user/graphical-session.target.wants/station-kiosk.service"
else
  runuser -u "$KIOSK_USER" -- mkdir -p "$home/.config/autostart"
  sed "s#^Exec=.*#Exec=env KIOSK_URL=http://127.0.0.1:$PORT/kiosk/ $DEST/deploy/kiosk-browser.sh#" \
    "$DEST/deploy/station-kiosk.desktop" >"$home/.config/autostart/station-kiosk.desktop"
  chown "$KIOSK_USER:" "$home/.config/autostart/station-kiosk.desktop"
fi

echo ""
echo "Done. The server runs now and after every start; check it: curl http://127.0.0.1:$PORT/healthz"
echo "Next: sign in at http://127.0.0.1:$PORT/admin/ (password printed above on the first run),"
echo "enroll this tablet (Admin > Kiosk devices), then log in as $KIOSK_USER: the kiosk opens by itself."
echo "Turn on automatic login for $KIOSK_USER in the desktop's settings (see deploy/GUIDE.md)."
