#!/usr/bin/env bash
# Installs what spiral needs to build and test, if anything is missing
# (Debian 12 packages only).  Used by the quick start and by tests/run.
# zsh and fish: t-complete drives their completion scripts; libcsv: import --csv;
# openssl and strace: t-transport's HTTPS server, and which files a command opens.
set -eu
packages="gcc clang libclang-rt-14-dev meson ninja-build pkg-config libgit2-dev libinih-dev
libcmocka-dev libutf8proc-dev libcsv-dev libssl-dev git mandoc python3 util-linux jq
lighttpd openssh-server openssh-client openssl strace chromium zsh fish"
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
# lighttpd and openssh-server are only run by the tests themselves, on
# 127.0.0.1 and high ports (tests/cli/servers.sh): keep their packages from
# starting system services during the install (policy-rc.d, which
# invoke-rc.d and deb-systemd-invoke obey), unless one is already there.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
	trap '$sudo rm -f "$policy"' EXIT
	printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
	$sudo chmod 0755 "$policy"
fi
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
	--no-install-recommends $missing >/dev/null
