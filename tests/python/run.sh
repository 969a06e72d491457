#!/bin/sh
# The Python binding's tests (unittest), run by `make test` at the top:
#
#   tests/python/run.sh [unittest arguments...]     e.g. run.sh test_interop -v
#
# Builds nothing: libws.so must exist in build/ (`make lib`). Runs under
# /usr/bin/python3 (PYTHON=... to override), the interpreter that has the
# Debian peers python3-websockets and python3-wsproto; when they are
# missing they are installed with apt-get if run as root, otherwise the
# run fails saying what to install. A missing peer is never skipped.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
PYTHON=${PYTHON:-/usr/bin/python3}

if [ ! -e "$root/build/libws.so" ]; then
	echo "run.sh: $root/build/libws.so is missing: build it first (make -C $root lib)" >&2
	exit 1
fi
if ! command -v "$PYTHON" >/dev/null 2>&1; then
	echo "run.sh: $PYTHON not found: install the Debian package python3" >&2
	exit 1
fi

need() { sh "$root/scripts/need_py.sh" "$PYTHON" "$1" "$2" || exit 1; }
need websockets python3-websockets
need wsproto python3-wsproto

cd "$here"
export PYTHONPATH="$root/bindings/python${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONDONTWRITEBYTECODE=1
unset LIBWS_LIBRARY
if [ $# -eq 0 ]; then
	set -- discover -s "$here" -t "$here" -p 'test_*.py'
fi
# Every test bounds its own waits; this is the last resort.
exec timeout -k 5 300 "$PYTHON" -X faulthandler -W error::ResourceWarning -m unittest "$@"
