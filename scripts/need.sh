#!/bin/sh
# need.sh COMMAND DEBIAN-PACKAGE...
# Makes sure COMMAND exists, installing the Debian packages with apt-get
# when running as root; otherwise says exactly what to install and fails.
cmd=$1; shift
command -v "$cmd" >/dev/null 2>&1 && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "need.sh: installing $* (for $cmd)"
	apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
	command -v "$cmd" >/dev/null 2>&1 && exit 0
fi
echo "need.sh: '$cmd' is required; install the Debian package(s): $* (e.g. sudo apt-get install $*)" >&2
exit 1
