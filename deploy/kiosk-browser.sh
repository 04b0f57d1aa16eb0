#!/usr/bin/env bash
# Open the kiosk page full screen in Chromium once the station server answers.
#
#   deploy/kiosk-browser.sh            wait for the server, then run Chromium (replaces this shell)
#   deploy/kiosk-browser.sh --print    print the command, one argument a line, and exit
#
# The flags come from deploy/chromium-flags.txt (the same file the browser tests read).
# Camera and sound are allowed by /etc/chromium/policies/managed/station.json
# (deploy/chromium-policy.json, installed by deploy/install-linux.sh).
# KIOSK_URL, KIOSK_PROFILE and CHROMIUM override the defaults below.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
URL=${KIOSK_URL:-http://127.0.0.1:${PORT:-8000}/kiosk/}
PROFILE=${KIOSK_PROFILE:-${XDG_STATE_HOME:-$HOME/.local/state}/station-kiosk}
BROWSER=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || command -v google-chrome || echo chromium)}
MODE=${1:-run}

args=()
while IFS= read -r line || [ -n "$line" ]; do
  line=${line%%#*}
  line=${line//[[:space:]]/}
  [ -n "$line" ] && args+=("$line")
done < "$HERE/chromium-flags.txt"
args+=("--user-data-dir=$PROFILE" "--app=$URL")

if [ "$MODE" = "--print" ]; then
  printf '%s\n' "$BROWSER" "${args[@]}"
  exit 0
fi

# Wait for the server (up to 5 minutes after power-on), then open the page anyway.
hostport=${URL#*://}
hostport=${hostport%%/*}
host=${hostport%%:*}
port=${hostport##*:}
[ "$port" = "$host" ] && port=80
for _ in $(seq 150); do
  (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null && break
  sleep 2
done

# After a power cut Chromium would offer to "restore pages": tell it the last exit was clean.
prefs="$PROFILE/Default/Preferences"
if [ -f "$prefs" ]; then
  sed -i -e 's/"exited_cleanly":false/"exited_cleanly":true/' \
         -e 's/"exit_type":"[A-Za-z]*"/"exit_type":"Normal"/' "$prefs"
fi
exec "$BROWSER" "${args[@]}"
