#!/usr/bin/env bash
# version.sh: the version of this checkout, for binaries and packages.
#
#   RELEASE                  on the commit that set the file VERSION (a release)
#   RELEASE+N.gHASH          N commits later (N counts every commit since
#                            VERSION last changed, so it only grows between
#                            releases and versions sort by commit order)
#   …-dirty                  uncommitted changes
#
# RELEASE is the first line of the file VERSION at the top of the repository.
# dpkg and Go builds take the output as it is (mkdeb.sh turns '-' into '+').
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
release=$(head -n1 "$top/VERSION")
[[ $release =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "version.sh: VERSION: want N.N.N, got '$release'" >&2; exit 1; }
cd "$top"
if ! git rev-parse --git-dir >/dev/null 2>&1; then
	echo "$release"
	exit 0
fi
since=$(git log -n1 --format=%H -- VERSION)
if [[ -n $since ]]; then
	n=$(git rev-list --count "$since..HEAD")
else
	n=$(git rev-list --count HEAD)
fi
v=$release
((n == 0)) || v+="+$n.g$(git rev-parse --short=7 HEAD)"
git diff --quiet HEAD -- 2>/dev/null || v+="-dirty"
echo "$v"
