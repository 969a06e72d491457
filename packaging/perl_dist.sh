#!/bin/sh
# The Perl binding as a CPAN-style tarball with libws.so.1 inside
# (make dist):
#
#   packaging/perl_dist.sh LIBWS.SO.1 OUTDIR
#
# Stages bindings/perl (Makefile.PL, README.md, lib, t, demo; not the
# checkout-only run-tests.sh and bench) with the library as
# share/libws.so.1, writes MANIFEST, and lets ExtUtils::MakeMaker's own
# `make dist` make Net-WebSocket-<VERSION>.tar.gz (META.json/META.yml
# included). Makefile.PL installs share/libws.so.1 as
# auto/Net/WebSocket/libws.so.1 in the architecture-specific tree, where
# Net::WebSocket::LibWS looks for it.
set -eu
lib=$1
out=$2
root=$(cd "$(dirname "$0")/.." && pwd)
src=$root/bindings/perl
mkdir -p "$out"
out=$(cd "$out" && pwd)
stage=$(mktemp -d "${TMPDIR:-/tmp}/libws-perl-dist.XXXXXX")
trap 'rm -rf "$stage"' EXIT INT TERM

mkdir "$stage/d" "$stage/d/share"
(cd "$src" && tar cf - --exclude='*.swp' --exclude='*~' Makefile.PL README.md lib t demo) | (cd "$stage/d" && tar xf -)
cp "$lib" "$stage/d/share/libws.so.1"
chmod 755 "$stage/d/share/libws.so.1"
cd "$stage/d"
{ echo MANIFEST; find . -type f ! -name MANIFEST | sed 's|^\./||' | LC_ALL=C sort; } > MANIFEST
perl Makefile.PL >/dev/null
make -s dist >/dev/null
tarball=$(ls Net-WebSocket-*.tar.gz)
rm -f "$out"/Net-WebSocket-*.tar.gz
mv "$tarball" "$out/"
echo "$out/$tarball"
