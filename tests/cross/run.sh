#!/bin/sh
# run.sh ARCH [--quick]   (make test-cross: ARCH is arm64 or i386)
#
# libws for another CPU, built with Debian's cross toolchain; arm64 runs
# under qemu-user (no binfmt registration: every program is started
# through qemu explicitly), i386 natively (see RUN below):
#   1. make lib for GOARCH=arm64/386 with aarch64-linux-gnu-gcc or
#      i686-linux-gnu-gcc into build/cross/ARCH/build (the same flags as
#      the native build: netgo, the glibc pins of capi/glibc_compat.h)
#   2. the glibc floor (tests/legacy/glibc_floor.sh with the cross
#      binutils; its libws.a program runs under qemu)
#   3. the Go tests of ws/ (go test -exec qemu): the generic mask and
#      UTF-8 paths, since ws/'s assembly is amd64-only
#   4. the C test suite (tests/c, make test's steps but those qemu-user
#      cannot run, named at csuite below and printed in the log) built with
#      the cross compiler against that library; each test program is
#      replaced by a two-line launcher that runs it under qemu. cmocka for ARCH is
#      Debian's libcmocka-dev:ARCH, fetched with apt-get download into a
#      private apt state under build/cross (the host's dpkg is untouched).
# Under emulation the C suite runs with LeakSanitizer off (its
# stop-the-world tracer does not work under qemu-user; ASan and UBSan stay
# on) and shorter soak and fuzz steps (SOAK_QUICK, FUZZ_QUICK below);
# --quick shortens them further and runs the Go tests with -short.
set -u
ARCH=${1:?usage: run.sh arm64|i386 [--quick]}
quick=0
[ "${2:-}" = --quick ] && quick=1
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
NEED="sh $top/scripts/need.sh"
case $ARCH in
arm64) GOARCH=arm64 TRIPLE=aarch64-linux-gnu MULTI=aarch64-linux-gnu QEMU=qemu-aarch64 ;;
i386) GOARCH=386 TRIPLE=i686-linux-gnu MULTI=i386-linux-gnu QEMU= ;;
*) echo "cross: unknown ARCH '$ARCH' (arm64 or i386)" >&2; exit 1 ;;
esac
B=$top/build/cross/$ARCH
SYSROOT=/usr/$TRIPLE
GO=${GO:-go}

$NEED $TRIPLE-gcc gcc-$TRIPLE libc6-dev-$ARCH-cross || exit 1
$NEED $TRIPLE-g++ g++-$TRIPLE || exit 1
[ -z "$QEMU" ] || $NEED $QEMU qemu-user || exit 1
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
# i386 runs natively on the x86-64 kernel (IA32 compat mode), through the
# cross libc's loader: qemu-i386 (7.2) cannot run Go's 386 runtime (seen:
# "fatal: bad g in signal handler" at start, "morestack on g0" in a cgo
# program), so for i386 the CPU is real and only arm64 is emulated.
if [ -n "$QEMU" ]; then
	RUN="$QEMU -L $SYSROOT"
else
	[ -e /proc/sys/fs/binfmt_misc ] || true
	RUN="$SYSROOT/lib/ld-linux.so.2 --library-path $SYSROOT/lib"
fi

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

GOTEST_FLAGS=
[ "$quick" = 1 ] && GOTEST_FLAGS=-short
gotest() {
	# ws/ has no cgo: a static test binary, run by qemu directly.
	(cd "$top" && CGO_ENABLED=0 GOARCH=$GOARCH $GO test -count=1 $GOTEST_FLAGS ${QEMU:+-exec "$QEMU"} ./ws/)
}

SOAK=20000 FUZZ=3
[ "$quick" = 1 ] && SOAK=5000 FUZZ=1
# The C suite's steps that run under qemu-user, and the ones that cannot:
#  nomem: qemu-user does not apply RLIMIT_AS (its setrlimit leaves AS, DATA
#    and STACK to the host process, qemu's own), and test_nomem checks
#    that the limit is in force before trusting its results: it fails so.
#  asan (and fuzz-quick's ASan half) on arm64 under qemu: qemu puts the guest stack
#    low, so ASan infers a 39-bit address space, and the Go heap, mapped
#    above 2^39, is "wild" to it (every check crashes). ASan and UBSan
#    run on i386, without LeakSanitizer (its tracer cannot run under qemu;
#    off on i386 too, for one setting).
case $ARCH in
arm64) CSTEPS="abi cxx api fork threads signals soak-quick" FUZZ_PLAIN=1
	NOTRUN="nomem (RLIMIT_AS not applied by qemu-user), asan and fuzz-quick's ASan half (ASan's 39-bit layout under qemu)" ;;
i386) CSTEPS="abi cxx api fork threads signals soak-quick asan fuzz-quick nomem" FUZZ_PLAIN=0
	NOTRUN="none" ;;
esac
T=$B/tests/c/build
csuite() {
	cmocka || return 1
	mk="make -C $top/tests/c --no-print-directory OUT=$T LIBDIR=$B/build CC=$B/bin/cc CXX=$B/bin/c++ SOAK_QUICK=$SOAK FUZZ_QUICK=$FUZZ"
	# Fresh binaries each run (a launcher must never stand for a stale one).
	rm -rf "$T"
	# Every program of the steps run (not "all": no cmocka-free extras).
	progs="test_api test_api_asan test_fork test_fork_dlopen test_threads test_signals test_signals_control test_soak header_cxx fuzz_capi fuzz_capi_asan test_nomem"
	PATH="$B/bin:$PATH" $mk $(for p in $progs; do echo "$T/$p"; done) || return 1
	for f in "$T"/*; do
		[ -f "$f" ] && [ -x "$f" ] || continue
		case $f in *.bin) continue ;; esac
		mv "$f" "$f.bin"
		printf '#!/bin/sh\nexec %s "$0.bin" "$@"\n' "$RUN" >"$f"
		chmod +x "$f"
	done
	echo "tests/c steps NOT RUN for $ARCH (not counted as passed): $NOTRUN"
	ok=0
	PATH="$B/bin:$PATH" $mk test STEPS="$CSTEPS" \
		SAN_ENV="ASAN_OPTIONS=detect_leaks=0:halt_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1" || ok=1
	if [ "$FUZZ_PLAIN" = 1 ]; then
		echo "==== fuzz-quick (plain half)"
		timeout -k 10 $((FUZZ + 120)) "$T/fuzz_capi" "$FUZZ" || ok=1
	fi
	return $ok
}

step lib lib
step glibc-floor floor
step go-test-ws gotest
step c-suite csuite
echo "===="
if [ -n "$failed" ]; then echo "cross $ARCH: FAILED:$failed" >&2; exit 1; fi
echo "cross $ARCH: all passed"
