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
# driver, the Go surface and the C adapter. Needs Go, a C compiler,
# /usr/bin/python3 and, for the Perl surface, perl with FFI::Platypus and
# HTTP::Message (Debian packages installed with apt-get when run as root;
# otherwise the run fails saying what to install). The exit status is 1
# when a case FAILED.
set -eu
set -f # case patterns like 7.9.* are not file names
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
GO=${GO:-go}
CC=${CC:-cc}
PYTHON=${PYTHON:-/usr/bin/python3}

full=
args=
surfaces= # the surfaces named with --surface (all when none)
next_surface=
for a in "$@"; do
	if [ -n "$next_surface" ]; then
		surfaces="$surfaces,$a"
		next_surface=
	fi
	case $a in
	--full) full=1; args="$args -full" ;;
	--surface) args="$args -surface"; next_surface=1 ;;
	--surface=*) args="$args -surface ${a#--surface=}"; surfaces="$surfaces,${a#--surface=}" ;;
	--*) args="$args -${a#--}" ;;
	*) args="$args $a" ;;
	esac
done

if ! command -v "$PYTHON" >/dev/null 2>&1; then
	sh "$root/scripts/need.sh" python3 python3
fi

# need_perl MODULE DEBIAN-PACKAGE: as scripts/need.sh, for a Perl module.
need_perl() {
	perl -M"$1" -e 1 2>/dev/null && return 0
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		echo "run.sh: installing $2 (for perl -M$1)"
		apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null || true
		perl -M"$1" -e 1 2>/dev/null && return 0
	fi
	echo "run.sh: the Perl surface needs $1: install the Debian package $2 (e.g. sudo apt-get install $2)," >&2
	echo "  or leave Perl out: --surface c --surface python --surface go" >&2
	exit 1
}
case ",$surfaces," in
,, | *,perl,*)
	sh "$root/scripts/need.sh" perl perl
	need_perl FFI::Platypus libffi-platypus-perl
	need_perl HTTP::Response libhttp-message-perl
	;;
esac

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
build "$GO" build -o build/goecho-ws ./cmd/goecho-ws
build "$GO" build -o build/go-example-echo github.com/libws/libws/examples/go/echo
build "$CC" -std=c99 -D_XOPEN_SOURCE=700 -Wall -Wextra -Werror -O2 -I"$root/include" \
	adapters/c/fuzz_client.c -o build/c_fuzz_client -L"$root/build" -lws -Wl,-rpath,"$root/build"

md=
if [ -n "$full" ]; then
	md="-md $here/SUMMARY.md"
fi
# shellcheck disable=SC2086 # word splitting of the options is intended
exec "$here/build/conformance" -root "$root" -json "$here/build/results.json" $md $args
