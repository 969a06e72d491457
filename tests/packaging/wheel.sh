#!/bin/sh
# The wheel (make wheel), installed the way a user installs it: a fresh
# venv, pip offline (--no-index) from the .whl file, then the binding's
# test suite run from a temporary directory against the installed copy.
#
#   tests/packaging/wheel.sh build/dist/libws-*.whl
#
# Also: the wheel's tag is the one packaging/wheeltag.py gives the
# library, and wheeltag.py's ELF reading agrees with objdump -T.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
whl=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
PY=/usr/bin/python3
version=$(sed -n 's/^#define WS_VERSION_STRING "\(.*\)"/\1/p' "$root/include/ws.h")

# The venv sees Debian's site-packages for the tests' peers (websockets,
# wsproto); libws itself must come from the venv.
need_py() { sh "$root/scripts/need_py.sh" "$PY" "$1" "$2" || exit 1; }
need_py websockets python3-websockets
need_py wsproto python3-wsproto
need_py ensurepip python3-venv
if "$PY" -c 'import libws' 2>/dev/null; then
	echo "wheel.sh: note: a libws is importable system-wide ($("$PY" -c 'import libws; print(libws.__file__)')); the venv's must win" >&2
fi

# 1. The tag: what wheeltag.py says of the library inside, and its ELF
#    reading against binutils.
tmp=$(mktemp -d /tmp/libws-wheel.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM
"$PY" -m zipfile -e "$whl" "$tmp/unz"
tag=$("$PY" "$root/packaging/wheeltag.py" "$tmp/unz/libws/libws.so.1" 2>/dev/null)
case "$whl" in
*-py3-none-"$tag".whl) echo "wheel.sh: tag $tag (as wheeltag.py decides for the bundled library)" ;;
*) echo "wheel.sh: FAIL: $(basename "$whl") is not tagged $tag" >&2; exit 1 ;;
esac
grep -qx "Root-Is-Purelib: false" "$tmp/unz/libws-$version.dist-info/WHEEL" || { echo "wheel.sh: FAIL: Root-Is-Purelib is not false" >&2; exit 1; }
"$PY" "$here/elf_agrees.py" "$tmp/unz/libws/libws.so.1"

# 2. Install offline into a fresh venv.
"$PY" -m venv --system-site-packages "$tmp/venv"
"$tmp/venv/bin/python" -m pip install -q --no-index --no-deps --disable-pip-version-check --no-cache-dir "$whl"
site=$("$tmp/venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
[ -x "$site/libws/libws.so.1" ] || { echo "wheel.sh: FAIL: $site/libws/libws.so.1 not installed" >&2; exit 1; }

# 3. The suite, from a directory that is not the checkout. helpers.py puts
#    <tmp>/bindings/python on sys.path: it holds only the examples (which
#    test_examples runs), no libws package, so imports come from the venv;
#    <tmp>/build/libws.so.1 (the explicit-path tests' LIBRARY) is the
#    installed copy.
mkdir -p "$tmp/tests" "$tmp/bindings/python" "$tmp/build"
cp -r "$root/tests/python" "$tmp/tests/python"
cp -r "$root/bindings/python/examples" "$tmp/bindings/python/examples"
ln -s "$site/libws/libws.so.1" "$tmp/build/libws.so.1"
cd "$tmp/tests/python"
env -u LIBWS_LIBRARY -u LD_LIBRARY_PATH -u PYTHONPATH PYTHONDONTWRITEBYTECODE=1 PYTHONNOUSERSITE=1 \
	timeout -k 5 300 "$tmp/venv/bin/python" -X faulthandler -W error::ResourceWarning \
	"$here/run_installed.py" "$tmp/tests/python" "$version"
