#!/bin/sh
# need_py.sh PYTHON MODULE DEBIAN-PACKAGE
# Makes sure PYTHON can import MODULE, installing the Debian package with
# apt-get when running as root; otherwise says exactly what to install and
# fails (as need.sh does for a command).
py=$1 mod=$2 pkg=$3
"$py" -c "import $mod" 2>/dev/null && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "need_py.sh: installing $pkg (for $py: import $mod)"
	apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$pkg" >/dev/null || true
	"$py" -c "import $mod" 2>/dev/null && exit 0
fi
echo "need_py.sh: $py cannot import $mod; install the Debian package $pkg (e.g. sudo apt-get install $pkg)" >&2
exit 1
