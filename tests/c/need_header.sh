#!/bin/sh
# need_header.sh HEADER DEBIAN-PACKAGE...
# Makes sure a C program including HEADER (after the standard headers it
# may rely on) compiles and links with $LIBS (e.g. LIBS=-lcmocka),
# installing the Debian packages with apt-get when running as root;
# otherwise says exactly what to install and fails. (scripts/need.sh does
# the same for commands.)
hdr=$1; shift
CC=${CC:-cc}
check() {
	printf '#include <stdarg.h>\n#include <stddef.h>\n#include <stdint.h>\n#include <setjmp.h>\n#include <%s>\nint main(void) { return 0; }\n' "$hdr" |
		$CC -x c - -o /dev/null ${LIBS:-} >/dev/null 2>&1
}
check && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "need_header.sh: installing $* (for <$hdr>)"
	apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
	check && exit 0
fi
echo "need_header.sh: <$hdr>${LIBS:+ and $LIBS} required; install the Debian package(s): $* (e.g. sudo apt-get install $*)" >&2
exit 1
