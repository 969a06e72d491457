#!/bin/sh
# The conformance suite: Autobahn|Testsuite's case catalogue, re-implemented
# as a raw-socket driver, against every surface of libws — our echo servers
# (the driver is the client) and our echo clients (the driver is the
# fuzzing server).
#
#   tests/conformance/run.sh                     short profile (make test)
#   tests/conformance/run.sh --full              every case; writes SUMMARY.md (make conformance)
#   tests/conformance/run.sh --surface c --surface python
#   tests/conformance/run.sh --mode servers --cases 6.4,7.9 -v
#
# Other options go to the driver (build/conformance -h). Builds what it
# needs: libws.so and the C examples (make lib examples at the top), the
# driver, the Go surface and the C adapter. Needs Go, a C compiler and
# /usr/bin/python3 (installed with apt-get when run as root). The exit
# status is 1 when a case FAILED.
set -eu
set -f # case patterns like 7.9.* are not file names
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
GO=${GO:-go}
CC=${CC:-cc}
PYTHON=${PYTHON:-/usr/bin/python3}

full=
args=
for a in "$@"; do
	case $a in
	--full) full=1; args="$args -full" ;;
	--surface) args="$args -surface" ;;
	--surface=*) args="$args -surface ${a#--surface=}" ;;
	--*) args="$args -${a#--}" ;;
	*) args="$args $a" ;;
	esac
done

if ! command -v "$PYTHON" >/dev/null 2>&1; then
	sh "$root/scripts/need.sh" python3 python3
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
build() {
	if ! "$@" >"$log" 2>&1; then
		cat "$log" >&2
		echo "run.sh: build failed: $*" >&2
		exit 1
	fi
}
build make -C "$root" lib examples
mkdir -p "$here/build"
cd "$here"
build "$GO" build -o build/conformance ./cmd/conformance
build "$GO" build -o build/goecho ./cmd/goecho
build "$GO" build -o build/go-example-echo github.com/libws/libws/examples/go/echo
build "$CC" -std=c99 -D_XOPEN_SOURCE=700 -Wall -Wextra -Werror -O2 -I"$root/include" \
	adapters/c/fuzz_client.c -o build/c_fuzz_client -L"$root/build" -lws -Wl,-rpath,"$root/build"

md=
if [ -n "$full" ]; then
	md="-md $here/SUMMARY.md"
fi
# shellcheck disable=SC2086 # word splitting of the options is intended
exec "$here/build/conformance" -root "$root" -json "$here/build/results.json" $md $args
