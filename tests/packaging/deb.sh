#!/bin/sh
# The .deb packages (make deb), installed as a Debian user installs them:
# apt-get install ./libws1_*.deb ./libws-dev_*.deb, then a C program
# (tests/packaging/hello.c) built with `pkg-config --cflags --libs libws`
# and run with nothing set: the shared library is in the standard libdir.
# Also linked statically through `pkg-config --static` (Libs.private)
# against libws.a. Every file used is checked to be the packages' own
# (dpkg -S): a libws under /usr/local or elsewhere cannot pass for them.
# The packages are purged afterwards, even on failure.
#
#   tests/packaging/deb.sh build/dist/libws1_*.deb build/dist/libws-dev_*.deb
#
# Needs root (apt-get install); refuses to run if libws1 or libws-dev is
# installed already, so that the machine is left as it was found.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
if [ "$(id -u)" != 0 ]; then
	echo "deb.sh: installing the packages needs root (apt-get install ./libws1_*.deb); run as root" >&2
	exit 1
fi
for p in libws1 libws-dev; do
	if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		echo "deb.sh: $p is installed already; remove it first (apt-get purge $p) so the test can leave the machine as found" >&2
		exit 1
	fi
done
sh "$here/../../scripts/need.sh" pkg-config pkg-config
sh "$here/../../scripts/need.sh" cc gcc
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch)
libdir=/usr/lib/$multiarch

tmp=$(mktemp -d /tmp/libws-deb.XXXXXX)
chmod 755 "$tmp"    # apt's _apt user reads the .deb files
installed=0
cleanup() {
	if [ "$installed" = 1 ]; then
		DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq -o DPkg::Lock::Timeout=300 libws-dev libws1 >/dev/null 2>&1 ||
			echo "deb.sh: WARNING: apt-get purge libws-dev libws1 failed: remove them by hand" >&2
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
for f in "$@"; do cp "$f" "$tmp/"; done
chmod 644 "$tmp"/*.deb

installed=1
(cd "$tmp" && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=300 --no-install-recommends ./*.deb >"$tmp/apt.log" 2>&1) ||
	{ cat "$tmp/apt.log" >&2; echo "deb.sh: FAIL: apt-get install" >&2; exit 1; }

# owned PATH PACKAGE: PATH is a file of PACKAGE (dpkg -S)
owned() {
	path=$(realpath -s "$1")   # .. resolved, the last symlink kept
	real=$(readlink -f "$1")
	dpkg -S "$path" 2>/dev/null | grep -q "^$2[:,]" || dpkg -S "$real" 2>/dev/null | grep -q "^$2[:,]" ||
		{ echo "deb.sh: FAIL: $1 ($real) is not a file of $2" >&2; exit 1; }
}

pc=$(pkg-config --variable=pcfiledir libws)/libws.pc
owned "$pc" libws-dev
[ "$(pkg-config --modversion libws)" = "$(dpkg-query -W -f='${Version}' libws-dev | sed 's/-[^-]*$//')" ] ||
	{ echo "deb.sh: FAIL: pkg-config says libws $(pkg-config --modversion libws)" >&2; exit 1; }
echo "deb.sh: pkg-config --cflags --libs libws: $(pkg-config --cflags --libs libws) (from $pc)"

cd "$tmp"
# Shared: built and run with nothing set. -H names the headers included,
# -Wl,-t the files the linker took.
# shellcheck disable=SC2046
cc -H -o hello "$here/hello.c" $(pkg-config --cflags --libs libws) -Wl,-t >build.log 2>&1 ||
	{ cat build.log >&2; echo "deb.sh: FAIL: cc ... \$(pkg-config --cflags --libs libws)" >&2; exit 1; }
hdr=$(sed -n 's/^\. \(.*\/ws\.h\)$/\1/p' build.log | head -1)
owned "$hdr" libws-dev
lnk=$(realpath -s "$(grep -E '(^|/)libws\.so' build.log | head -1)")
owned "$lnk" libws-dev
env -u LD_LIBRARY_PATH -u LD_PRELOAD ./hello
run=$(env -u LD_LIBRARY_PATH ldd ./hello | sed -n 's/^[[:space:]]*libws\.so\.1 => \([^ ]*\) .*/\1/p')
owned "$run" libws1
echo "deb.sh: shared: header $hdr, linked $lnk, runs with $run"

# Static: libws.a with pkg-config --static's Libs.private.
libs=$(pkg-config --static --libs libws | sed 's/-lws\b/-l:libws.a/')
# shellcheck disable=SC2086
cc -o hello-static "$here/hello.c" $(pkg-config --cflags libws) $libs -Wl,-t >static.log 2>&1 ||
	{ cat static.log >&2; echo "deb.sh: FAIL: cc ... $libs (pkg-config --static)" >&2; exit 1; }
a=$(realpath -s "$(grep -E '(^|/)libws\.a' static.log | head -1 | sed 's/(.*//')")
owned "$a" libws-dev
if ldd ./hello-static | grep -q libws; then echo "deb.sh: FAIL: hello-static loads libws.so" >&2; exit 1; fi
env -u LD_LIBRARY_PATH ./hello-static
echo "deb.sh: static: $a with $libs"
