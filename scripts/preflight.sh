#!/bin/sh
# preflight.sh: the first step of `make test`. Says in one line what the
# run will install before anything is installed, then installs the Debian
# packages in one apt-get call when run as root (the steps' own checks,
# scripts/need.sh and friends, stay as a safety net and for running a
# step alone). Not root: it names the packages to install and goes on;
# the steps that need them then fail saying so.
#
# What make test fetches besides: Go modules (go.sum, from the module
# proxy) and npm packages (npm ci from tests/interop/node's
# package-lock.json); the legacy test builds a
# Debian 11 root with debootstrap (build/legacy, once).

# Every Debian package a make test step may need (see each step's script).
DEBS="gcc g++ make binutils coreutils python3 python3-websockets python3-wsproto python3-venv
libcmocka-dev perl libffi-platypus-perl libhttp-message-perl libcall-context-perl
libmojolicious-perl nodejs chromium debootstrap debian-archive-keyring gpgv pkg-config
qemu-user util-linux zlib1g-dev"

missing=""
if command -v dpkg-query >/dev/null 2>&1; then
	for p in $DEBS; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
	done
	# Node from elsewhere (nodesource) brings its own npm; Debian's nodejs does not.
	command -v npm >/dev/null 2>&1 || missing="$missing npm"
else
	echo "make test: not a Debian system (no dpkg-query): the steps check for what they need themselves"
	exit 0
fi

npm_note="npm packages (npm ci) for the interop tests, Go modules from the module proxy, and a Debian 11 root (debootstrap) for the legacy test"
if [ -z "$missing" ]; then
	echo "make test: every Debian package it needs is installed; it may still fetch $npm_note"
	exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "make test: installing Debian packages with apt-get:$missing; later steps may fetch $npm_note"
	apt-get update -qq >/dev/null &&
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null ||
		echo "make test: apt-get install failed; the steps that need these packages will say which" >&2
else
	echo "make test: missing Debian packages:$missing (as root: apt-get install$missing);" \
		"the steps that need them will fail until they are installed" >&2
fi
exit 0
