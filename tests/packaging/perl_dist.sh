#!/bin/sh
# The Perl tarball (make dist), as a CPAN client would take it: unpacked in
# a temporary directory outside the checkout, `perl Makefile.PL && make &&
# make test` with no LIBWS_LIBRARY, LD_LIBRARY_PATH or PERL5LIB; then the
# library loaded is the bundled blib copy, and after `make install` into a
# temporary tree the installed module loads the installed copy.
#
#   tests/packaging/perl_dist.sh build/dist/Net-WebSocket-*.tar.gz
set -eu
tarball=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
tmp=$(mktemp -d /tmp/libws-perl.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM
cd "$tmp"
tar xzf "$tarball"
cd Net-WebSocket-*/
dist=$(pwd)
unset LIBWS_LIBRARY LD_LIBRARY_PATH PERL5LIB PERL_MM_OPT PERL_MB_OPT
[ -e "$dist/../../include/ws.h" ] && { echo "perl_dist.sh: FAIL: $tmp sits in a libws source tree" >&2; exit 1; }

perl Makefile.PL INSTALL_BASE="$tmp/inst" >/dev/null
make >/dev/null
if ! make test >"$tmp/test.log" 2>&1; then
	cat "$tmp/test.log" >&2
	echo "perl_dist.sh: FAIL: make test in the unpacked $(basename "$dist")" >&2
	exit 1
fi
tail -2 "$tmp/test.log"

bundled=$dist/blib/arch/auto/Net/WebSocket/libws.so.1
got=$(perl -Mblib -MNet::WebSocket::LibWS -e 'Net::WebSocket::LibWS::load(); print Net::WebSocket::LibWS->library_path' 2>/dev/null)
[ "$got" = "$bundled" ] || { echo "perl_dist.sh: FAIL: make test's perl loaded '$got', not the bundled $bundled" >&2; exit 1; }
echo "perl_dist.sh: make test loaded the bundled $got"

make install >/dev/null
cd /
installed=$(find "$tmp/inst" -path '*/auto/Net/WebSocket/libws.so.1')
[ -n "$installed" ] || { echo "perl_dist.sh: FAIL: make install did not install auto/Net/WebSocket/libws.so.1" >&2; exit 1; }
rm -rf "$dist"   # nothing left to find but the installed tree
got=$(perl -Mlib="$tmp/inst/lib/perl5" -MNet::WebSocket -MNet::WebSocket::LibWS -e 'Net::WebSocket::LibWS::load(); print Net::WebSocket::LibWS->library_path, " ", Net::WebSocket::LibWS::version()')
case "$got" in
"$installed "*) echo "perl_dist.sh: the installed module loaded the installed $got" ;;
*) echo "perl_dist.sh: FAIL: the installed module loaded '$got', not $installed" >&2; exit 1 ;;
esac
