#!/bin/sh
# Runs the Perl binding's tests (called by the top-level "make test").
#
# Needs libws built (make lib), FFI::Platypus and HTTP::Message (Debian:
# libffi-platypus-perl, libhttp-message-perl), Call::Context (Debian:
# libcall-context-perl, so that split_tokens' Call::Context path is tested;
# the binding itself does not need it) and, for the interop and t/compat
# socket tests, Debian's python3-websockets, and nodejs and chromium (the
# echo demo against headless Chromium, driven by tests/interop/node). Missing Debian packages are
# installed with apt-get when run as root (it says which first); otherwise
# this says which to install.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$HERE"

if [ ! -e "$ROOT/build/libws.so.1" ]; then
    echo "run-tests.sh: $ROOT/build/libws.so.1 is missing: run 'make lib' in $ROOT first" >&2
    exit 1
fi

missing=""
perl -MFFI::Platypus -e1 2>/dev/null || missing="$missing libffi-platypus-perl"
perl -MHTTP::Headers::Util -e1 2>/dev/null || missing="$missing libhttp-message-perl"
perl -MCall::Context -e1 2>/dev/null || missing="$missing libcall-context-perl"
/usr/bin/python3 -c 'import websockets' 2>/dev/null || missing="$missing python3-websockets"
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || missing="$missing chromium"
command -v prove >/dev/null 2>&1 || missing="$missing perl"

if [ -n "$missing" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "run-tests.sh: installing Debian packages:$missing"
        # shellcheck disable=SC2086
        apt-get install -y -q $missing >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q $missing >/dev/null; }
    else
        echo "run-tests.sh: missing Debian packages:$missing" >&2
        echo "  install them as root: apt-get install$missing" >&2
        exit 1
    fi
fi

# The tests load the library from the source tree (the default lookup
# finds $ROOT/build/libws.so.1 next to the distribution).
unset LIBWS_LIBRARY LIBWS_NO_SIGNAL_FORWARD
exec prove -lr ${PROVE_FLAGS:-} t
