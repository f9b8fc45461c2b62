#!/usr/bin/env bash
# verify.sh [STAMPD]: check deploy/systemd/stampd.service with
# `systemd-analyze verify` and print its `systemd-analyze security` exposure.
#
# verify needs the ExecStart binary to exist, so the unit is checked as a
# temporary copy whose ExecStart points at STAMPD (default: bin/stampd,
# built with `go build` when missing). Nothing outside a temp dir is touched.
# Set MAX_EXPOSURE (default 2.5) to fail when the score gets worse.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
unit=$here/stampd.service
max=${MAX_EXPOSURE:-2.5}

die() { echo "verify.sh: FAIL: $*" >&2; exit 1; }
if ! command -v systemd-analyze >/dev/null; then
	[[ -n ${CI:-} ]] && die "systemd-analyze not found (apt-get install systemd)"
	echo "verify.sh: SKIP: systemd-analyze not found (apt-get install systemd); fails when CI is set"
	exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

stampd=${1:-$root/bin/stampd}
if [[ ! -x $stampd ]]; then
	echo "verify.sh: $stampd missing; building it"
	(cd "$root" && CGO_ENABLED=0 go build -o "$tmp/stampd" ./cmd/stampd) || die "go build ./cmd/stampd"
	stampd=$tmp/stampd
fi
stampd=$(cd "$(dirname "$stampd")" && pwd)/$(basename "$stampd")

grep -q '^ExecStart=/usr/bin/stampd ' "$unit" || die "$unit: ExecStart no longer starts /usr/bin/stampd; update verify.sh"
sed "s|^ExecStart=/usr/bin/stampd |ExecStart=$stampd |" "$unit" >"$tmp/stampd.service"

# verify prints warnings but exits 0 for some of them; treat any output as failure.
out=$(systemd-analyze verify --man=no "$tmp/stampd.service" 2>&1) || die "systemd-analyze verify:
$out"
[[ -z $out ]] || die "systemd-analyze verify warned:
$out"
echo "verify.sh: systemd-analyze verify stampd.service: ok"

sec=$(systemd-analyze security --offline=yes "$tmp/stampd.service" 2>&1) || true
score=$(sed -n 's/.*Overall exposure level for stampd.service: \([0-9.]*\).*/\1/p' <<<"$sec")
[[ -n $score ]] || die "no exposure level in systemd-analyze security output:
$sec"
echo "verify.sh: systemd-analyze security --offline=yes: exposure $score (max $max)"
grep '^✗' <<<"$sec" | sed 's/  */ /g; s/^/  /'
awk -v s="$score" -v m="$max" 'BEGIN { exit !(s <= m) }' || die "exposure $score is above $max"
