#!/bin/sh
# fetch-debs.sh ARCH DIR PACKAGE...
# Unpacks Debian's PACKAGE:ARCH into DIR, with apt-get download from the
# sources this machine's apt already uses (/etc/apt), through a private
# apt state under DIR/../apt-ARCH: the host's dpkg architectures and
# package lists are not touched. Used for the cross C suite's cmocka.
set -eu
arch=${1:?usage: fetch-debs.sh ARCH DIR PACKAGE...}
dir=${2:?}
shift 2
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
state=$(dirname "$dir")/apt-$arch
mkdir -p "$state/lists/partial" "$state/cache/archives/partial" "$state/debs"
: >"$state/status"
opts="-o Debug::NoLocking=1 -o APT::Sandbox::User=root -o APT::Architecture=$arch -o APT::Architectures::=$arch
 -o Dir::State=$state -o Dir::State::Lists=$state/lists -o Dir::State::status=$state/status
 -o Dir::Cache=$state/cache"
echo "fetch-debs.sh: $* for $arch (apt-get download, private state in $state)"
# shellcheck disable=SC2086
apt-get $opts -qq update || { echo "fetch-debs.sh: apt-get update for $arch failed" >&2; exit 1; }
cd "$state/debs"
rm -f ./*.deb
# shellcheck disable=SC2086
apt-get $opts -qq download "$@" || { echo "fetch-debs.sh: apt-get download $* ($arch) failed" >&2; exit 1; }
for d in ./*.deb; do dpkg-deb -x "$d" "$dir"; done
echo "fetch-debs.sh: unpacked $(ls ./*.deb | tr '\n' ' ')into $dir"
