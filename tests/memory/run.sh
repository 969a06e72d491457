#!/bin/sh
# The hostile-peer memory tests of issue 11 (make test-memory):
#
#   tests/memory/run.sh [FILTER...]      e.g. run.sh c: python:takeover
#
# Builds mem_host against the library, writes the scenario streams
# (gen.py; kept while gen.py is unchanged) into build/memory, and runs
# run.py, which prints the table and fails if any row is over its budget
# (the budgets are derived in run.py's docstring).
#
# Environment: LIBWS_ROOT (the tree whose library and bindings are
# tested; default this checkout), LIBWS_LIBRARY (the library; default
# LIBWS_ROOT/build/libws.so.1), MEM_BUILD (default build/memory of this
# checkout), PYTHON (default /usr/bin/python3), PERL, CC, MEM_REPORT (a
# file for the table). The header is always this checkout's include/ws.h.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
LIBWS_ROOT=${LIBWS_ROOT:-$root}
LIBWS_LIBRARY=${LIBWS_LIBRARY:-$LIBWS_ROOT/build/libws.so.1}
MEM_BUILD=${MEM_BUILD:-$root/build/memory}
PYTHON=${PYTHON:-/usr/bin/python3}
CC=${CC:-cc}
export LIBWS_ROOT LIBWS_LIBRARY PYTHON

if [ ! -e "$LIBWS_LIBRARY" ]; then
	echo "memory: $LIBWS_LIBRARY is missing: build it first (make -C $LIBWS_ROOT lib)" >&2
	exit 1
fi
for cmd in "$PYTHON" "${PERL:-perl}" "$CC"; do
	if ! command -v "$cmd" >/dev/null 2>&1; then
		echo "memory: $cmd not found (Debian packages: python3, perl, gcc)" >&2
		exit 1
	fi
done
if ! "${PERL:-perl}" -MHTTP::Request -e 1 2>/dev/null; then
	echo "memory: the Perl demo server needs HTTP::Request (Debian package libhttp-message-perl)" >&2
	exit 1
fi

mkdir -p "$MEM_BUILD"
libdir=$(cd "$(dirname "$LIBWS_LIBRARY")" && pwd)
lib="$libdir/$(basename "$LIBWS_LIBRARY")"
"$CC" -O2 -Wall -Wextra -o "$MEM_BUILD/mem_host" "$here/mem_host.c" "$lib" -Wl,-rpath,"$libdir"
"$PYTHON" "$here/gen.py" "$MEM_BUILD"
exec "$PYTHON" "$here/run.py" "$MEM_BUILD" "$@"
