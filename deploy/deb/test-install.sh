#!/usr/bin/env bash
# test-install.sh DEB: the CI install/purge check of the stampclock package.
# Run as root on a scratch Debian machine or container (systemd need not be
# PID 1). It installs DEB, checks files, modes, owners, the user, the unit
# and a short real run of stampd as the service user, then removes,
# reinstalls and purges it, checking what each step keeps and deletes.
# Exits non-zero with "FAIL: ..." on the first broken expectation.
set -euo pipefail

deb=${1:?usage: test-install.sh stampclock_VERSION_ARCH.deb}
[[ -f $deb ]] || { echo "FAIL: $deb: no such file" >&2; exit 1; }
[[ $(id -u) == 0 ]] || { echo "FAIL: run as root (dpkg -i, useradd)" >&2; exit 1; }

step() { echo "--- $*"; }
ok() { echo "ok   $*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
stampd_pid=

cleanup() {
	rc=$?
	[[ -n $stampd_pid ]] && kill "$stampd_pid" 2>/dev/null || true
	if dpkg-query -W -f='${Status}' stampclock 2>/dev/null | grep -qv 'not-installed'; then
		echo "(cleanup: purging stampclock)"
		dpkg --purge stampclock >/dev/null 2>&1 || true
	fi
	rm -rf /var/backups/stampclock
	[[ $rc == 0 ]] && echo "PASS: $deb installs, runs, removes and purges cleanly" || echo "FAILED (exit $rc)" >&2
}

# expect_stat PATH MODE OWNER GROUP
expect_stat() {
	[[ -e $1 ]] || fail "$1: missing"
	local got
	got=$(stat -c '%a %U %G' "$1")
	[[ $got == "$2 $3 $4" ]] || fail "$1: mode/owner/group are '$got', want '$2 $3 $4'"
	ok "$1 $2 $3:$4"
}
gone() { [[ ! -e $1 && ! -L $1 ]] || fail "$1: still there after $2"; ok "$1 gone after $2"; }
kept() { [[ -e $1 ]] || fail "$1: deleted by $2, should be kept"; ok "$1 kept after $2"; }

if dpkg-query -W -f='${Status}' stampclock 2>/dev/null | grep -q 'installed'; then
	fail "stampclock is already installed here; this test needs a clean machine"
fi
getent passwd stampclock >/dev/null && fail "user stampclock exists before install; clean machine needed"
trap cleanup EXIT

step "dpkg -i $deb"
dpkg -i "$deb" 2>&1 | tee /tmp/stampclock-install.$$ || fail "dpkg -i failed"
grep -q 'sudo stampctl init' /tmp/stampclock-install.$$ || fail "dpkg -i did not print the next step (stampctl init)"
rm -f /tmp/stampclock-install.$$
ok "dpkg -i printed the next step"
dpkg-query -W -f='${Status}\n' stampclock | grep -qx 'install ok installed' || fail "dpkg does not report stampclock installed"
ok "installed: $(dpkg-query -W -f='${Package} ${Version} ${Architecture}' stampclock)"

step "files"
expect_stat /usr/bin/stampd 755 root root
expect_stat /usr/bin/stampctl 755 root root
expect_stat /lib/systemd/system/stampd.service 644 root root
expect_stat /lib/udev/rules.d/99-stampclock.rules 644 root root
expect_stat /etc/stampclock 750 root stampclock
expect_stat /etc/stampclock/stampd.toml 640 root stampclock
expect_stat /var/lib/stampclock 750 stampclock stampclock
expect_stat /usr/share/doc/stampclock/copyright 644 root root
expect_stat /usr/share/doc/stampclock/stampd.example.toml 644 root root
expect_stat /usr/share/stampclock/stampd.toml 644 root root
cmp -s /usr/share/stampclock/stampd.toml /etc/stampclock/stampd.toml || fail "the packaged copy differs from /etc/stampclock/stampd.toml"
for m in man8/stampd.8 man8/stampctl.8 man5/stampd.toml.5; do
	expect_stat "/usr/share/man/$m.gz" 644 root root
	gzip -t "/usr/share/man/$m.gz" || fail "/usr/share/man/$m.gz: not gzip"
done
expect_stat /usr/share/bash-completion/completions/stampctl 644 root root
bash -n /usr/share/bash-completion/completions/stampctl || fail "bash completion: syntax error"
# Not a conffile (stampctl init rewrites it; dpkg would ask at upgrades):
# postinst copied it from /usr/share/stampclock (deploy/deb/mkdeb.sh).
dpkg-query -W -f='${Conffiles}\n' stampclock | grep -q '/etc/stampclock/stampd.toml' &&
	fail "/etc/stampclock/stampd.toml is a conffile: dpkg would ask about it at upgrades"
ok "stampd.toml installed by postinst, not a conffile"

step "user and groups"
IFS=: read -r _ _ uid gid _ home shell < <(getent passwd stampclock) || fail "user stampclock missing"
((uid < 1000)) || fail "stampclock has uid $uid, want a system uid (<1000)"
[[ $(getent group "$gid" | cut -d: -f1) == stampclock ]] || fail "primary group of stampclock is gid $gid, want group stampclock"
[[ $home == /var/lib/stampclock ]] || fail "home of stampclock is $home, want /var/lib/stampclock"
[[ $shell == */nologin ]] || fail "shell of stampclock is $shell, want nologin"
ok "user stampclock uid $uid, group stampclock, home $home, shell $shell"
for g in gpio spi i2c input; do
	getent group "$g" >/dev/null || fail "group $g missing (the unit's SupplementaryGroups would fail)"
	id -nG stampclock | tr ' ' '\n' | grep -qx "$g" || fail "stampclock is not in group $g"
done
ok "stampclock is in gpio spi i2c input"

step "unit"
wants=/etc/systemd/system/multi-user.target.wants/stampd.service
[[ -L $wants ]] || fail "$wants: missing; the service was not enabled"
[[ $(readlink -f "$wants") == /lib/systemd/system/stampd.service || $(readlink -f "$wants") == /usr/lib/systemd/system/stampd.service ]] ||
	fail "$wants points at $(readlink "$wants")"
ok "enabled: $wants"
if command -v systemd-analyze >/dev/null; then
	out=$(systemd-analyze verify --man=no /lib/systemd/system/stampd.service 2>&1) || fail "systemd-analyze verify: $out"
	[[ -z $out ]] || fail "systemd-analyze verify warned: $out"
	ok "systemd-analyze verify stampd.service"
	score=$(systemd-analyze security --offline=yes /lib/systemd/system/stampd.service 2>&1 |
		sed -n 's/.*Overall exposure level for stampd.service: \([0-9.]*\).*/\1/p')
	ok "systemd-analyze security exposure: ${score:-?}"
elif [[ -n ${CI:-} ]]; then
	fail "systemd-analyze not installed (apt-get install systemd)"
else
	echo "skip systemd-analyze verify: systemd-analyze not installed"
fi

step "binaries"
v=$(stampd --version) || fail "stampd --version failed"
[[ $v == stampd\ * ]] || fail "stampd --version printed '$v'"
ok "stampd --version: $v"

step "stampd runs as stampclock with the packaged config"
# What systemd would do: RuntimeDirectory=stampclock, User=, groups, UMask.
install -d -m 0750 -o stampclock -g stampclock /run/stampclock
log=$(mktemp)
(umask 0027 && exec setpriv --reuid=stampclock --regid=stampclock --init-groups \
	/usr/bin/stampd --config /etc/stampclock/stampd.toml) >"$log" 2>&1 &
stampd_pid=$!
for _ in $(seq 50); do
	[[ -S /run/stampclock/stampd.sock ]] && break
	kill -0 "$stampd_pid" 2>/dev/null || { cat "$log" >&2; fail "stampd exited at start with the packaged config (log above)"; }
	sleep 0.1
done
[[ -S /run/stampclock/stampd.sock ]] || { cat "$log" >&2; fail "no control socket after 5s"; }
expect_stat /run/stampclock/stampd.sock 660 stampclock stampclock
stampctl status >/dev/null || fail "stampctl status (root) against the running stampd failed"
setpriv --reuid=stampclock --regid=stampclock --init-groups stampctl status >/dev/null ||
	fail "stampctl status as a member of group stampclock failed"
ok "stampctl status answers (root and group stampclock)"
[[ $(stat -c %U /var/lib/stampclock/queue.db) == stampclock ]] || fail "queue.db is not owned by stampclock"
ok "queue.db created by the service user"
kill -TERM "$stampd_pid"
wait "$stampd_pid" || { cat "$log" >&2; fail "stampd exited non-zero on SIGTERM"; }
stampd_pid=
ok "stampd stopped cleanly on SIGTERM"
rm -rf /run/stampclock "$log"

step "dpkg --remove keeps queue, config and user"
echo "# local change" >>/etc/stampclock/stampd.toml
dpkg --remove stampclock || fail "dpkg --remove failed"
gone /usr/bin/stampd remove
gone /lib/systemd/system/stampd.service remove
kept /var/lib/stampclock/queue.db remove
kept /etc/stampclock/stampd.toml remove
getent passwd stampclock >/dev/null || fail "user stampclock deleted by remove, should be kept"
ok "user stampclock kept after remove"

step "reinstall keeps the edited config"
dpkg -i "$deb" </dev/null || fail "dpkg -i (reinstall) failed"
grep -q '^# local change' /etc/stampclock/stampd.toml || fail "reinstall overwrote the edited /etc/stampclock/stampd.toml"
ok "edited stampd.toml kept"
expect_stat /etc/stampclock/stampd.toml 640 root stampclock

step "dpkg --purge"
dpkg --purge stampclock || fail "dpkg --purge failed"
dpkg-query -W -f='${Status}\n' stampclock 2>/dev/null | grep -q 'not-installed' ||
	! dpkg-query -W stampclock >/dev/null 2>&1 || fail "dpkg still knows stampclock after purge"
for p in /usr/bin/stampd /usr/bin/stampctl /lib/systemd/system/stampd.service \
	/lib/udev/rules.d/99-stampclock.rules /etc/stampclock /var/lib/stampclock \
	/usr/share/doc/stampclock "$wants"; do
	gone "$p" purge
done
getent passwd stampclock >/dev/null && fail "user stampclock still exists after purge"
getent group stampclock >/dev/null && fail "group stampclock still exists after purge"
ok "user and group stampclock gone after purge"
ls /var/backups/stampclock/queue-*.db >/dev/null 2>&1 || fail "purge deleted queue.db without a copy in /var/backups/stampclock"
ok "queue saved to $(ls /var/backups/stampclock/queue-*.db)"
