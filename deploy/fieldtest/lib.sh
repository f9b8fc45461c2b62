# lib.sh: the machinery the tests on a booted Debian share (run.sh, the
# field test; upgrade.sh, the upgrade test). Sourced, not run: the caller
# sets `test_name` first, then calls, in order,
#
#   ft_require          skip without root, systemd-nspawn, mmdebstrap, cgroups
#   ft_lock             one such test at a time on a kernel (the clock status)
#   ft_setup            the work directory, the cleanup trap, zeitserver and
#                       kernelsync built into it
#   ft_root             the cached Debian root, extracted into $root
#   ft_zeitserver       the Zeiterfassung test server on https://$zhost
#   ft_prepare          the site's DNS and CA, a technician `tech` with sudo
#   ft_boot             systemd-nspawn -b, waits for systemd; then `inside`
#   ft_clock_synced     the kernel clock marked synchronised (and held so)
#
# and may set `on_failure` to a function printing more when a test fails.
# Every variable named below is global; the caller reads $work, $root,
# $leader, $clock_status.

ft_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$ft_here/../.." && pwd)
cache=${FIELD_TEST_CACHE:-/var/cache/stampclock-field-test}
suite=bookworm
packages=systemd,systemd-sysv,dbus,sudo,procps # procps: /bin/kill for ExecReload (a Depends)
zhost=zeit.example.com
zaddr=127.44.0.1 # a loopback address of its own, so port 443 is free
password=field-test-api-password
start_time=$SECONDS
work= root= nspawn_pid= zeit_pid= clock_status= hold_pid= leader= on_failure=

skip() {
	if [[ -n ${CI:-} ]]; then
		echo "FAIL $test_name: $* (CI is set: the $test_name must run)" >&2
		exit 1
	fi
	echo "SKIP $test_name: $*"
	exit 0
}
step() { echo "--- $* ($((SECONDS - start_time))s)"; }
ok() { echo "ok   $*"; }
fail() {
	echo "FAIL: $*" >&2
	# The kernel clock's status is the host's: say what it was at the
	# failure, in case something outside the test changed it.
	[[ -x ${work:-}/kernelsync ]] && echo "kernel clock at the failure: $("$work/kernelsync" 2>&1)" >&2
	exit 1
}

# wait_for SECONDS CMD...: run CMD every 0.1 s until it succeeds; false
# when it has not within SECONDS.
wait_for() {
	local n=$(($1 * 10))
	shift
	for ((i = 0; i < n; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

ft_require() {
	[[ $(id -u) == 0 ]] || skip "needs root (mmdebstrap, systemd-nspawn, dpkg inside the container)"
	local t
	for t in systemd-nspawn mmdebstrap nsenter dpkg-deb; do
		command -v "$t" >/dev/null || skip "$t not installed (apt-get install systemd-container mmdebstrap)"
	done
	[[ -d /sys/fs/cgroup ]] || skip "no cgroup file system: systemd-nspawn cannot boot a container here"
}

# One test on a booted Debian at a time on a kernel: the clock status it
# marks and restores is the host's, and a second run restoring it would
# change the first one's clock under it.
ft_lock() {
	exec 9>/run/lock/stampclock-field-test.lock
	flock -w 1800 9 || fail "another field test has held /run/lock/stampclock-field-test.lock for 30 min"
}

# hold keeps the kernel clock marked synchronised while the test runs, as
# an NTP daemon would: on some machines something steps the time from
# outside (measured here: +0.5 ms every 0.1 to 0.4 s), and every step sets
# STA_UNSYNC again.
start_hold() {
	"$work/kernelsync" hold >"$work/hold.out" 2>&1 &
	hold_pid=$!
}
stop_hold() {
	if [[ -n $hold_pid ]]; then
		kill "$hold_pid" 2>/dev/null && wait "$hold_pid" 2>/dev/null
		hold_pid=
		cat "$work/hold.out" 2>/dev/null
	fi
}

ft_stop_container() {
	if [[ -n $nspawn_pid ]] && kill -0 "$nspawn_pid" 2>/dev/null; then
		local l
		l=$(pgrep -P "$nspawn_pid" | head -1)
		[[ -n $l ]] && nsenter -t "$l" -a -- /bin/systemctl poweroff >/dev/null 2>&1
		for _ in $(seq 100); do kill -0 "$nspawn_pid" 2>/dev/null || break; sleep 0.1; done
		kill -0 "$nspawn_pid" 2>/dev/null && kill "$nspawn_pid"
		wait "$nspawn_pid" 2>/dev/null
	fi
	nspawn_pid=
}

ft_cleanup() {
	rc=$?
	set +e
	((rc != 0)) && [[ -n $on_failure ]] && $on_failure >&2
	ft_stop_container
	[[ -n $zeit_pid ]] && kill "$zeit_pid" 2>/dev/null && wait "$zeit_pid" 2>/dev/null
	stop_hold
	[[ -n $clock_status ]] && "$work/kernelsync" restore "$clock_status"
	if ((rc != 0)); then
		echo "--- container boot log (tail)" >&2
		tail -n 30 "$work/boot.log" >&2 2>/dev/null
		echo "--- zeitserver log (tail)" >&2
		tail -n 20 "$work/zeit.log" >&2 2>/dev/null
	fi
	if [[ -n ${FIELD_TEST_KEEP:-} ]]; then
		echo "kept $work"
	else
		rm -rf "$work"
	fi
	((rc == 0)) && echo "PASS $test_name ($((SECONDS - start_time))s)" || echo "FAILED $test_name (exit $rc)" >&2
}

ft_setup() {
	work=$(mktemp -d /var/tmp/stampclock-field-test.XXXXXX)
	root=$work/root
	trap ft_cleanup EXIT
	(cd "$repo" && CGO_ENABLED=0 nice go build -o "$work/" ./cmd/zeitserver ./deploy/fieldtest/kernelsync)
}

# ft_build_deb SRC VERSION OUTDIR: the amd64 .deb of the source tree SRC
# (this repository or an older commit's worktree), built with that tree's
# own mkdeb.sh; prints its path.
ft_build_deb() {
	local src=$1 version=$2 out=$3
	(cd "$src" && CGO_ENABLED=0 GOOS=linux GOARCH=amd64 nice go build -trimpath \
		-ldflags "-s -w -X main.version=$version -X main.buildDate=$(date -u +%Y-%m-%d)" \
		-o "$out/bin/" ./cmd/stampd ./cmd/stampctl) >&2
	bash "$src/deploy/deb/mkdeb.sh" amd64 "$version" "$out/bin" "$out/dist"
}

ft_root() {
	local key tarball
	key=$(printf '%s %s minbase' "$suite" "$packages" | sha256sum | cut -c1-16)
	tarball=$cache/$suite-$key.tar
	if [[ ! -s $tarball ]]; then
		mkdir -p "$cache"
		# The name must end in .tar: mmdebstrap picks the format by it.
		rm -f "$cache/$suite-$key.partial.tar"
		nice mmdebstrap --quiet --variant=minbase --include="$packages" "$suite" "$cache/$suite-$key.partial.tar" ||
			fail "mmdebstrap failed (it needs the Debian mirror)"
		mv "$cache/$suite-$key.partial.tar" "$tarball"
		ok "made $tarball"
	else
		ok "cached $tarball"
	fi
	mkdir "$root"
	tar -C "$root" -xf "$tarball"
}

# ft_zeitserver [FLAGS...]: zeitserver on https://$zhost ($zaddr:443),
# stored entries in $work/zeit.log.
ft_zeitserver() {
	"$work/zeitserver" -addr "$zaddr:443" -tls-host "$zhost" -tls-ca "$work/ca.pem" \
		-email admin@example.com -password "$password" "$@" \
		>"$work/zeit.log" 2>&1 &
	zeit_pid=$!
	wait_for 10 grep -q 'listening on' "$work/zeit.log"
	grep -q 'listening on https' "$work/zeit.log" || fail "zeitserver did not start: $(cat "$work/zeit.log")"
	ok "$(head -1 "$work/zeit.log")"
}

ft_prepare() {
	echo "$zaddr $zhost" >>"$root/etc/hosts"
	install -D -m 0644 "$work/ca.pem" "$root/etc/ssl/certs/zeitserver-test-ca.pem"
	install -d -m 0755 "$root/field-test"
	printf '%s\n' "$password" >"$root/field-test/password"
	echo 'tech ALL=(ALL) NOPASSWD: ALL' >"$root/etc/sudoers.d/tech"
	chmod 0440 "$root/etc/sudoers.d/tech"
	echo stampclock-ft >"$root/etc/hostname"
}

# inside CMD...: run CMD in the container as root, with a clean environment.
inside() { nsenter -t "$leader" -a -- /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"; }

ft_boot() {
	systemd-nspawn --register=no --keep-unit --quiet --console=read-only \
		--system-call-filter=adjtimex --machine=stampclock-ft -D "$root" -b \
		</dev/null >"$work/boot.log" 2>&1 &
	nspawn_pid=$!
	# The container's PID 1 is nspawn's child once it has exec'ed systemd.
	local state=
	leader=
	for _ in $(seq 300); do
		kill -0 "$nspawn_pid" 2>/dev/null || fail "systemd-nspawn exited"
		leader=$(pgrep -P "$nspawn_pid" | head -1 || true)
		[[ -n $leader && $(readlink "/proc/$leader/exe" 2>/dev/null) == */systemd ]] && break
		leader=
		sleep 0.1
	done
	[[ -n $leader ]] || fail "no systemd in the container after 30s"
	for _ in $(seq 300); do
		state=$(inside systemctl is-system-running 2>/dev/null || true)
		[[ $state == running || $state == degraded ]] && break
		sleep 0.1
	done
	[[ $state == running || $state == degraded ]] || fail "container systemd is '$state' after 30s"
	ok "systemd is PID 1 in the container ($state)"
	inside useradd --create-home --shell /bin/bash tech
}

# ft_clock_synced: without NTP, mark the kernel clock synchronised for the
# test and hold it so; the status word is restored by the cleanup.
ft_clock_synced() {
	local clock
	clock=$("$work/kernelsync")
	ok "kernel clock: $clock"
	if [[ $clock == unsynced ]]; then
		clock_status=$("$work/kernelsync" mark)
		start_hold
		[[ $("$work/kernelsync") == synced ]] || fail "could not mark the kernel clock synchronised"
		ok "no NTP here: kernel clock marked synchronised for the test and held so (status word $clock_status restored at the end)"
	fi
}
