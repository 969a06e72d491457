#!/bin/sh
# glibc_floor.sh BUILD-DIR [FLOOR]   (make test-glibc)
#
# Fails if libws needs a glibc newer than FLOOR (default 2.17):
#  1. BUILD-DIR/libws.so.1: no symbol version GLIBC_x newer than FLOOR in
#     objdump -T; and if it binds pthread_create to a pre-2.34 name,
#     libpthread.so.0 must be NEEDED (before glibc 2.34 it lives there).
#  2. BUILD-DIR/libws.a: a C program (floor_prog.c) linked with it needs
#     nothing newer than FLOOR beyond what the same program without libws
#     needs (its own start files: __libc_start_main@GLIBC_2.34 when linked
#     on glibc >= 2.34, shown below). The program is also run.
# CC, OBJDUMP, READELF and RUN (a launcher such as qemu) may be set for
# another CPU (mk/cross.mk).
set -eu
build=${1:?usage: glibc_floor.sh BUILD-DIR [FLOOR]}
FLOOR=${2:-2.17}
CC=${CC:-cc}
OBJDUMP=${OBJDUMP:-objdump}
READELF=${READELF:-readelf}
RUN=${RUN:-}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
fail=0
bad() { echo "glibc_floor: FAIL: $*" >&2; fail=1; }

for t in $(echo "$CC" | cut -d' ' -f1) "$OBJDUMP" "$READELF"; do
	command -v "$t" >/dev/null 2>&1 || { echo "glibc_floor: '$t' is required (Debian: gcc, binutils)" >&2; exit 1; }
done
for f in "$build/libws.so.1" "$build/libws.a"; do
	[ -f "$f" ] || { echo "glibc_floor: $f is missing (make lib)" >&2; exit 1; }
done

# versions FILE: "symbol version" for each undefined GLIBC_ reference.
versions() {
	"$OBJDUMP" -T "$1" | awk '$0 ~ /\*UND\*/ && $0 ~ /GLIBC_[0-9]/ {
		for (i = 1; i <= NF; i++) if ($i ~ /GLIBC_[0-9]/) { v = $i; gsub(/[()]|GLIBC_/, "", v); print $NF, v }
	}' | sort -u
}
# newer FILE-OF-"sym ver": the lines whose version is newer than FLOOR.
newer() {
	awk -v floor="$FLOOR" '
	function gt(a, b,   x, y, n, i) {
		n = split(a, x, "."); split(b, y, ".")
		for (i = 1; i <= (n > 3 ? n : 3); i++) {
			if (x[i] + 0 > y[i] + 0) return 1
			if (x[i] + 0 < y[i] + 0) return 0
		}
		return 0
	}
	gt($2, floor)' "$1"
}
maxver() { awk '{print $2}' "$1" | sort -t. -k1,1n -k2,2n -k3,3n | tail -n 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# 1. The shared library.
versions "$build/libws.so.1" >"$tmp/so"
[ -s "$tmp/so" ] || bad "objdump -T found no GLIBC_ references in $build/libws.so.1 (not a glibc build?)"
newer "$tmp/so" >"$tmp/so.new"
if [ -s "$tmp/so.new" ]; then
	bad "libws.so.1 needs symbols newer than GLIBC_$FLOOR:"
	sed 's/^/    /' "$tmp/so.new" >&2
fi
echo "libws.so.1: $(wc -l <"$tmp/so") glibc symbols, newest GLIBC_$(maxver "$tmp/so") (floor $FLOOR)"
if awk '$1 == "pthread_create" && $2 != "2.34"' "$tmp/so" | grep -q . &&
	! "$READELF" -d "$build/libws.so.1" | grep -q 'NEEDED.*\[libpthread\.so\.0\]'; then
	bad "libws.so.1 binds pthread_* to pre-2.34 versions but does not need libpthread.so.0"
fi

# 2. A program linked with the static archive, against its baseline.
$CC -O2 -I"$root/include" -o "$tmp/prog" "$here/floor_prog.c" "$build/libws.a" -lpthread
$CC -O2 -DBASELINE -o "$tmp/base" "$here/floor_prog.c" -lpthread
versions "$tmp/prog" >"$tmp/prog.v"
versions "$tmp/base" >"$tmp/base.v"
newer "$tmp/prog.v" >"$tmp/prog.new"
newer "$tmp/base.v" >"$tmp/base.new"
comm -23 "$tmp/prog.new" "$tmp/base.new" >"$tmp/added"
if [ -s "$tmp/added" ]; then
	bad "a program linked with libws.a needs symbols newer than GLIBC_$FLOOR that libws.a brings:"
	sed 's/^/    /' "$tmp/added" >&2
fi
echo "libws.a: a program linked with it: $(wc -l <"$tmp/prog.v") glibc symbols, newest from libws.a: GLIBC_$(comm -23 "$tmp/prog.v" "$tmp/base.v" | maxver /dev/stdin)"
if [ -s "$tmp/base.new" ]; then
	echo "  (the same program without libws needs $(awk '{printf "%s%s@GLIBC_%s", (NR > 1 ? ", " : ""), $1, $2}' "$tmp/base.new"): its start files; link on the old host for those)"
fi
if ! $RUN "$tmp/prog"; then
	bad "the program linked with libws.a did not run"
fi

[ "$fail" = 0 ] || exit 1
echo "glibc floor: ok (GLIBC_$FLOOR)"
