#!/bin/sh
# The interop matrix (make test runs it): every surface of libws against
# real, independent peers over 127.0.0.1. See README.md.
#
#   tests/interop/run.sh                     every cell; writes MATRIX.md
#   tests/interop/run.sh 'clients/chromium/*' 'servers/*/c'    some cells
#   tests/interop/run.sh --list              the cells
#
# Prepares everything first: Debian packages (installed with apt-get when
# run as root, otherwise named in an error), libws.so, the C programs, the
# Go programs (modules from the Go module proxy), the npm packages (npm ci,
# from package-lock.json). A missing peer fails the run; nothing is
# skipped. INTEROP_JOBS sets how many cells run at once (default 4).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
PYTHON=${PYTHON:-/usr/bin/python3}
export PYTHON

say() { echo "interop: $*"; }

# ---- Debian packages ------------------------------------------------------------
missing=""
need() { # need DEBIAN-PACKAGE CHECK-COMMAND...: the package, unless the check passes
	pkg=$1; shift
	"$@" >/dev/null 2>&1 || missing="$missing $pkg"
}
need python3 test -x "$PYTHON"
need python3-websockets "$PYTHON" -c 'import websockets'
need nodejs sh -c 'command -v node'
need chromium test -x "${CHROMIUM:-/usr/bin/chromium}"
need libmojolicious-perl perl -MMojolicious -e 1
need libffi-platypus-perl perl -MFFI::Platypus -e 1
need libhttp-message-perl perl -MHTTP::Response -e 1
need gcc sh -c 'command -v cc'
need make sh -c 'command -v make'
if command -v node >/dev/null 2>&1; then
	need npm sh -c 'command -v npm' # nodesource's nodejs brings its own npm
fi
if [ -n "$missing" ]; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		say "installing Debian packages:$missing"
		# shellcheck disable=SC2086
		apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null ||
			{ say "apt-get install$missing failed" >&2; exit 1; }
		# nodejs without npm (a fresh Debian): npm is its own package there.
		command -v npm >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null ||
			{ say "apt-get install npm failed" >&2; exit 1; }
	else
		say "missing Debian packages:$missing — install them (as root: apt-get install$missing)" >&2
		exit 1
	fi
fi
if ! command -v go >/dev/null 2>&1; then
	say "the go command is missing (Go >= 1.26, as for the rest of libws)" >&2
	exit 1
fi

# ---- builds -----------------------------------------------------------------------
make -s -C "$root" lib
make -s -C "$here/c"
(cd "$here/go" && go build -o "$here/build/interop-go" .)

# ---- npm packages: npm ci when package-lock.json changed -----------------------------
lock_sum=$(sha256sum "$here/node/package-lock.json" | cut -d' ' -f1)
stamp="$here/node/node_modules/.libws-lock-sha256"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_sum" ]; then
	say "npm ci (node/package-lock.json)"
	(cd "$here/node" && npm ci --prefer-offline --no-audit --no-fund --loglevel=error >/dev/null)
	echo "$lock_sum" >"$stamp"
fi

# ---- the matrix ----------------------------------------------------------------------
# Each cell bounds its own waits; this is the last resort.
exec timeout -k 5 600 "$PYTHON" "$here/matrix.py" "$@"
