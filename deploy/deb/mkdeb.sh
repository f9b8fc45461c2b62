#!/usr/bin/env bash
# mkdeb.sh ARCH VERSION BINDIR OUTDIR: build OUTDIR/stampclock_<version>_<ARCH>.deb
#
#   ARCH     amd64, arm64 or armhf (Debian architecture names)
#   VERSION  e.g. 1.2.0, v1.2.0-3-gabc123 or abc123-dirty (git describe);
#            made into a Debian version: leading v dropped, '-' -> '+',
#            prefixed with 0~ when it does not start with a digit
#   BINDIR   directory holding stampd and stampctl built for ARCH:
#            amd64 bin/, arm64 bin/linux-arm64/, armhf bin/linux-armv6/
#            (GOARM=6 runs on every Pi and on Debian's armv7 armhf)
#   OUTDIR   where the .deb goes (created)
#
# Needs only bash, coreutils, awk, od and dpkg-deb; no Go toolchain, no root
# (--root-owner-group makes every file root:root; postinst sets the
# stampclock group on /etc/stampclock).
set -euo pipefail

die() { echo "mkdeb.sh: $*" >&2; exit 1; }
[[ $# -eq 4 ]] || die "usage: mkdeb.sh ARCH VERSION BINDIR OUTDIR"
arch=$1 version=$2 bindir=$3 outdir=$4
here=$(cd "$(dirname "$0")" && pwd)
deploy=$(cd "$here/.." && pwd)

# ELF e_machine of each architecture, to refuse a binary built for another.
case $arch in
amd64) machine=62 ;;  # EM_X86_64
arm64) machine=183 ;; # EM_AARCH64
armhf) machine=40 ;;  # EM_ARM
*) die "ARCH $arch: want amd64, arm64 or armhf" ;;
esac

debversion=${version#v}
debversion=${debversion//-/+}
debversion=${debversion//_/+}
[[ $debversion =~ ^[0-9] ]] || debversion=0~$debversion
[[ $debversion =~ ^[0-9][A-Za-z0-9.+~]*$ ]] || die "VERSION $version: cannot make a Debian version of it (got $debversion)"

for b in stampd stampctl; do
	[[ -x $bindir/$b ]] || die "$bindir/$b: missing or not executable (make build / make build-arm)"
	[[ $(head -c4 "$bindir/$b" | od -An -c | tr -d ' ') == '177ELF' ]] || die "$bindir/$b: not an ELF binary"
	m=$(od -An -tu2 -j18 -N2 "$bindir/$b" | tr -d ' ')
	[[ $m == "$machine" ]] || die "$bindir/$b: ELF machine $m, want $machine for $arch"
done

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root=$stage/root
install -d -m 0755 "$root/DEBIAN" "$root/usr/bin" "$root/lib/systemd/system" \
	"$root/lib/udev/rules.d" "$root/usr/share/doc/stampclock"
install -d -m 0750 "$root/etc/stampclock"

install -m 0755 "$bindir/stampd" "$bindir/stampctl" "$root/usr/bin/"
install -m 0644 "$deploy/systemd/stampd.service" "$root/lib/systemd/system/"
install -m 0644 "$deploy/udev/99-stampclock.rules" "$root/lib/udev/rules.d/"
install -m 0644 "$deploy/stampd.example.toml" "$here/copyright" "$here/README" \
	"$root/usr/share/doc/stampclock/"

# The packaged config: the example, made inert so stampd starts out of the
# box (the example's uplinks need password files that do not exist yet).
# Only the core tables stay active; every other table — uplinks such as
# [zeiterfassung] and [mqtt], the example [[badge]]s, tables added later —
# is commented out, and device.id is left to default to the host name.
# `stampctl init` fills it in.
{
	cat <<'HDR'
# /etc/stampclock/stampd.toml as packaged: valid, but inert — the simulated
# reader, no uplink, no badges. Run `stampctl init` (or edit this file and
# `systemctl restart stampd`). Every key is explained in
# /usr/share/doc/stampclock/stampd.example.toml.
#
HDR
	awk '
		BEGIN { keep["[device]"] = keep["[reader]"] = keep["[store]"] = keep["[control]"] = keep["[punch]"] = keep["[log]"] = 1 }
		/^[[:space:]]*\[/ { table = $0; sub(/[[:space:]]*#.*/, "", table); gsub(/[[:space:]]/, "", table) }
		/^[[:space:]]*(#|$)/ { print; next }
		table != "" && !(table in keep) { print "# " $0; next }
		table == "[device]" && /^[[:space:]]*id[[:space:]]*=/ { print "# " $0; next }
		{ print }
	' "$deploy/stampd.example.toml"
} >"$stage/stampd.toml"
# The packaged config goes to /usr/share/stampclock, not /etc: it is not a
# conffile. `stampctl init` rewrites /etc/stampclock/stampd.toml, and a
# conffile a program rewrote makes dpkg ask at every upgrade whose packaged
# config changed (and fail with "end of file on stdin at conffile prompt"
# when no one is there to answer). postinst copies it to /etc when there is
# none there and never replaces the technician's (README "Upgrading").
# init replaces a config equal to this copy without --force.
install -D -m 0644 "$stage/stampd.toml" "$root/usr/share/stampclock/stampd.toml"
grep -Eq '^[[:space:]]*(url|urls|password|password_file)[[:space:]]*=' "$stage/stampd.toml" &&
	die "packaged config still enables an uplink; fix the awk above"

# Man pages; stampd.toml(5) carries the example config, so it cannot drift.
install -d -m 0755 "$root/usr/share/man/man8" "$root/usr/share/man/man5" "$root/usr/share/bash-completion/completions"
for m in stampd.8 stampctl.8; do
	gzip -9n <"$deploy/man/$m" >"$root/usr/share/man/man8/$m.gz"
done
{
	cat "$deploy/man/stampd.toml.5.head"
	sed -e 's/\\/\\e/g' -e "s/^\([.']\)/\\\&\1/" "$deploy/stampd.example.toml"
	printf '.fi\n.SH SEE ALSO\n.BR stampd (8),\n.BR stampctl (8)\n'
} | gzip -9n >"$root/usr/share/man/man5/stampd.toml.5.gz"
chmod 0644 "$root"/usr/share/man/man*/*.gz
install -m 0644 "$deploy/completion/stampctl" "$root/usr/share/bash-completion/completions/stampctl"

install -m 0755 "$here/postinst" "$here/prerm" "$here/postrm" "$root/DEBIAN/"

size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
cat >"$root/DEBIAN/control" <<CTRL
Package: stampclock
Version: $debversion
Architecture: $arch
Maintainer: ${DEB_MAINTAINER:-stampclock maintainers <stampclock@localhost>}
Installed-Size: $size
Depends: adduser | passwd, procps
Section: misc
Priority: optional
Description: RFID stamp clock terminal daemon and CLI
 stampd turns badge taps at a wall-mounted terminal (MFRC522, Wiegand or
 keyboard-wedge reader) into punches, keeps them in a durable queue and
 delivers them to the time-tracking system. stampctl sets the terminal up,
 enrols badges and inspects the queue through stampd's control socket.
 .
 Runs as the hardened systemd service stampd.service under its own user.
CTRL
chmod 0644 "$root/DEBIAN/control"

# Reproducible: same inputs, same .deb.
epoch=${SOURCE_DATE_EPOCH:-$(git -C "$deploy" log -1 --format=%ct 2>/dev/null || echo 0)}
find "$root" -exec touch -h -d "@$epoch" {} +

mkdir -p "$outdir"
deb=$outdir/stampclock_${debversion}_${arch}.deb
SOURCE_DATE_EPOCH=$epoch dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "$deb"
