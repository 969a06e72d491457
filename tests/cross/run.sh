#!/bin/sh
# run.sh ARCH [--quick]   (make test-cross: ARCH is arm64 or i386)
#
# libws for another CPU, built with Debian's cross toolchain and run under
# qemu-user (no binfmt registration needed: every program is started
# through qemu explicitly):
#   1. make lib for GOARCH=arm64/386 with aarch64-linux-gnu-gcc or
#      i686-linux-gnu-gcc into build/cross/ARCH/build (the same flags as
#      the native build: netgo, the glibc pins of capi/glibc_compat.h)
#   2. the glibc floor (tests/legacy/glibc_floor.sh with the cross
#      binutils; its libws.a program runs under qemu)
#   3. the Go tests of ws/ (go test -exec qemu): the generic mask and
#      UTF-8 paths, since ws/'s assembly is amd64-only
#   4. the C test suite (tests/c, make test: every step) built with the
#      cross compiler against that library; each test program is replaced
#      by a two-line launcher that runs it under qemu. cmocka for ARCH is
#      Debian's libcmocka-dev:ARCH, fetched with apt-get download into a
#      private apt state under build/cross (the host's dpkg is untouched).
# Under emulation the C suite runs with LeakSanitizer off (its
# stop-the-world tracer does not work under qemu-user; ASan and UBSan stay
# on) and shorter soak and fuzz steps (SOAK_QUICK, FUZZ_QUICK below);
# --quick shortens them further.
set -u
ARCH=${1:?usage: run.sh arm64|i386 [--quick]}
quick=0
[ "${2:-}" = --quick ] && quick=1
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
NEED="sh $top/scripts/need.sh"
case $ARCH in
arm64) GOARCH=arm64 TRIPLE=aarch64-linux-gnu MULTI=aarch64-linux-gnu QEMU=qemu-aarch64 ;;
i386) GOARCH=386 TRIPLE=i686-linux-gnu MULTI=i386-linux-gnu QEMU=qemu-i386 ;;
*) echo "cross: unknown ARCH '$ARCH' (arm64 or i386)" >&2; exit 1 ;;
esac
B=$top/build/cross/$ARCH
SYSROOT=/usr/$TRIPLE
GO=${GO:-go}

$NEED $TRIPLE-gcc gcc-$TRIPLE libc6-dev-$ARCH-cross || exit 1
$NEED $TRIPLE-g++ g++-$TRIPLE || exit 1
$NEED $QEMU qemu-user || exit 1
$NEED dpkg-deb dpkg || exit 1
$NEED apt-get apt || exit 1

failed=""
step() { # NAME COMMAND...
	name=$1; shift
	echo "==== cross $ARCH: $name"
	start=$(date +%s)
	if "$@"; then echo "==== cross $ARCH: $name: ok ($(($(date +%s) - start)) s)"
	else echo "==== cross $ARCH: $name: FAILED" >&2; failed="$failed $name"; fi
}

# Tools named as tests/c and glibc_floor.sh call them, for ARCH: cc, c++
# (cross compilers that also find cmocka in the private sysroot), nm,
# readelf, objdump (cross binutils). Each is one command, as abi_check.sh
# wants.
mkdir -p "$B/bin" "$B/sysroot"
CM=$B/sysroot/usr
cat >"$B/bin/cc" <<W
#!/bin/sh
exec $TRIPLE-gcc -isystem $CM/include -L$CM/lib/$MULTI -Wl,-rpath,$CM/lib/$MULTI "\$@"
W
cat >"$B/bin/c++" <<W
#!/bin/sh
exec $TRIPLE-g++ -isystem $CM/include -L$CM/lib/$MULTI -Wl,-rpath,$CM/lib/$MULTI "\$@"
W
for t in nm readelf objdump; do ln -sf "$(command -v $TRIPLE-$t)" "$B/bin/$t"; done
chmod +x "$B/bin/cc" "$B/bin/c++"
RUN="$QEMU -L $SYSROOT"

cmocka() {
	[ -f "$CM/include/cmocka.h" ] && ls "$CM/lib/$MULTI"/libcmocka.so.0* >/dev/null 2>&1 && return 0
	sh "$here/fetch-debs.sh" "$ARCH" "$B/sysroot" libcmocka0 libcmocka-dev
}

lib() {
	GOARCH=$GOARCH CGO_ENABLED=1 make -s -C "$top" --no-print-directory BUILD="$B/build" CC=$TRIPLE-gcc lib &&
	file_arch=$("$B/bin/readelf" -h "$B/build/libws.so.1" | sed -n 's/^ *Machine: *//p') &&
	echo "build/cross/$ARCH/build/libws.so.1: $file_arch"
}

floor() {
	CC="$B/bin/cc" OBJDUMP="$B/bin/objdump" READELF="$B/bin/readelf" RUN="$RUN" \
		sh "$top/tests/legacy/glibc_floor.sh" "$B/build" 2.17
}

gotest() {
	# ws/ has no cgo: a static test binary, run by qemu directly.
	(cd "$top" && CGO_ENABLED=0 GOARCH=$GOARCH $GO test -count=1 -exec "$QEMU" ./ws/)
}

SOAK=20000 FUZZ=3
[ "$quick" = 1 ] && SOAK=5000 FUZZ=1
T=$B/tests/c/build
csuite() {
	cmocka || return 1
	mk="make -C $top/tests/c --no-print-directory OUT=$T LIBDIR=$B/build CC=$B/bin/cc CXX=$B/bin/c++ SOAK_QUICK=$SOAK FUZZ_QUICK=$FUZZ"
	# Fresh binaries each run (a launcher must never stand for a stale one).
	rm -rf "$T"
	PATH="$B/bin:$PATH" $mk all || return 1
	for f in "$T"/*; do
		[ -f "$f" ] && [ -x "$f" ] || continue
		case $f in *.bin) continue ;; esac
		mv "$f" "$f.bin"
		printf '#!/bin/sh\nexec %s "$0.bin" "$@"\n' "$RUN" >"$f"
		chmod +x "$f"
	done
	PATH="$B/bin:$PATH" $mk test \
		SAN_ENV="ASAN_OPTIONS=detect_leaks=0:halt_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1"
}

step lib lib
step glibc-floor floor
step go-test-ws gotest
step c-suite csuite
echo "===="
if [ -n "$failed" ]; then echo "cross $ARCH: FAILED:$failed" >&2; exit 1; fi
echo "cross $ARCH: all passed"
