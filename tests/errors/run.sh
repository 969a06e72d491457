#!/bin/sh
# tests/errors/run.sh: the error-message table (cases.tsv) on the C,
# Python and Perl surfaces, judged by check.py (make test-errors). Needs
# build/libws.so (make lib), cc, python3, perl with FFI::Platypus (the
# Perl binding's own run-tests.sh installs it; so does make test).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out="$root/build/tests-errors"
mkdir -p "$out"
cc -std=c99 -Wall -Wextra -Werror -O2 -I"$root/include" -o "$out/messages" "$here/messages.c" \
	-L"$root/build" -lws -Wl,-rpath,"$root/build"
unset LIBWS_LIBRARY
timeout 60 "$out/messages" "$here/cases.tsv" >"$out/c.txt"
PYTHONPATH="$root/bindings/python" timeout 120 /usr/bin/python3 "$here/messages.py" "$here/cases.tsv" >"$out/python.txt"
timeout 60 perl -I"$root/bindings/perl/lib" "$here/messages.pl" "$here/cases.tsv" >"$out/perl.txt"
exec /usr/bin/python3 "$here/check.py" "$here/cases.tsv" c="$out/c.txt" python="$out/python.txt" perl="$out/perl.txt"
