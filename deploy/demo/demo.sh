#!/usr/bin/env bash
# make demo: stampd with the simulated reader against a local Zeiterfassung
# test server. Shows taps -> committed to the queue -> delivered.
set -euo pipefail
bin=${1:-bin}
root=$(cd "$(dirname "$0")/../.." && pwd)
state=$root/demo-state
rm -rf "$state"
mkdir -p "$state"
sock=$(mktemp -u /tmp/stampclock-demo.XXXXXX.sock)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -f "$sock"
}
trap cleanup EXIT

echo "== starting the Zeiterfassung test server"
"$bin/zeitserver" -addr 127.0.0.1:0 -users maier@example.com,huber@example.com,schulz@example.com >"$state/server.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do grep -q listening "$state/server.log" && break; sleep 0.05; done
url=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$state/server.log" | head -1)
[ -n "$url" ] || { echo "test server did not start:"; cat "$state/server.log"; exit 1; }
echo "   $url"

printf 'test-api-password\n' >"$state/api.secret"
chmod 600 "$state/api.secret"
cat >"$state/stampd.toml" <<TOML
[device]
id = "demo-terminal"
[reader]
type = "sim"
script = "$root/deploy/demo/taps.txt"
[store]
path = "$state/queue.db"
[control]
socket = "$sock"
[punch]
timezone = "Europe/Berlin"
[web]
listen = "${STAMPCLOCK_DEMO_WEB:-127.0.0.1:0}"
[zeiterfassung]
url = "$url"
allow_http = true
email = "admin@example.com"
password_file = "$state/api.secret"
timetype_id = "arbeitszeit"
[[badge]]
uid = "04A1B2C3"
email = "maier@example.com"
name = "Anna Maier"
[[badge]]
uid = "04556677 88AABB"
email = "huber@example.com"
[[badge]]
uid = "0A0B0C0D0E0F10"
email = "schulz@example.com"
TOML

webpw=$("$bin/stampctl" web passwd --config "$state/stampd.toml" --generate demo | sed -n 's/^password: //p')

echo "== starting stampd (simulated reader replays deploy/demo/taps.txt)"
"$bin/stampd" --config "$state/stampd.toml" 2>"$state/stampd.log" &
pids+=($!)
ctl() { "$bin/stampctl" --socket "$sock" "$@"; }
for _ in $(seq 100); do ctl status >/dev/null 2>&1 && break; sleep 0.05; done

echo "== taps as the terminal saw them (feedback and commits from the stampd log)"
sleep 3
grep -E 'msg=(feedback|committed)' "$state/stampd.log" | sed -E 's/^time=[^ ]+ level=[A-Z]+ //' || true

echo
echo "== an interactive tap: stampctl tap 04A1B2C3 --at 2026-03-03T07:55:00+01:00"
ctl tap 04A1B2C3 --at 2026-03-03T07:55:00+01:00

for _ in $(seq 100); do
  ctl status --json | grep -q '"pending": 0' && break
  sleep 0.1
done
echo
echo "== stampctl status"
ctl status
echo
echo "== entries the Zeiterfassung test server received"
grep 'stored' "$state/server.log" || cat "$state/server.log"
echo
echo "Demo state (config, queue, logs) is in $state."
weburl=$(sed -n 's/.*msg="web page listening".* url=\([^ ]*\).*/\1/p' "$state/stampd.log" | head -1)
echo
echo "== the terminal's web page (self-signed certificate: the browser asks once)"
echo "   address   $weburl"
echo "   login     demo"
echo "   password  $webpw"
"$bin/stampctl" web --config "$state/stampd.toml" | grep fingerprint || true
if [ -t 0 ]; then
  echo "   taps:     $bin/stampctl --socket $sock tap 04A1B2C3"
  read -r -p "The demo keeps running; press Enter to stop it. " _ || true
fi
echo "Done."
