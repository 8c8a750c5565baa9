#!/usr/bin/env bash
# Installs what spiral needs to build and test, if anything is missing
# (Debian 12 packages only).  Used by the quick start and by tests/run.
set -eu
packages="gcc meson ninja-build pkg-config libgit2-dev libinih-dev
libcmocka-dev git mandoc python3 util-linux"
missing=
for p in $packages; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo
echo "Installing:$missing" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
	--no-install-recommends $missing >/dev/null
