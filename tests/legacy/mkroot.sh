#!/bin/sh
# mkroot.sh DIR — a Debian 11 (bullseye, glibc 2.31) root in DIR, made with
# debootstrap from the Debian mirror this machine's apt already uses (read
# from /etc/apt at run time), with what the legacy tests need inside: gcc,
# g++, make, cmocka, python3 (3.9), perl (5.32) with FFI::Platypus.
# (bullseye has no libcall-context-perl: run.sh says how its tests run.)
#
# Cached: DIR/.libws-root holds the package list it was made with; a root
# with the same list is reused as is. A half-made root (no stamp) is
# removed and made again. Needs root (debootstrap, chroot).
set -eu
dir=${1:?usage: mkroot.sh DIR}
SUITE=bullseye
PKGS="build-essential g++ libcmocka-dev python3 python3-websockets python3-wsproto perl libffi-platypus-perl libhttp-message-perl procps"
stamp="$dir/.libws-root"
want="$SUITE minbase $PKGS"

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "mkroot.sh: making the $SUITE root needs root (debootstrap and chroot); run make test-legacy as root" >&2
	exit 1
fi
here=$(cd "$(dirname "$0")" && pwd)
sh "$here/../../scripts/need.sh" debootstrap debootstrap

# The mirror: the first Debian archive URI in apt's sources (deb822
# .sources files or one-line .list files), e.g. http://<mirror>/debian.
mirror=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
	awk 'tolower($1) == "uris:" { for (i = 2; i <= NF; i++) print $i }' |
	grep -v -e security -e '^#' | grep '/debian/*$' | head -n 1 || true)
if [ -z "$mirror" ]; then
	mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
		awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; break } }' |
		grep -v security | grep '/debian/*$' | head -n 1 || true)
fi
if [ -z "$mirror" ]; then
	echo "mkroot.sh: no Debian archive mirror (a URI ending in /debian) in /etc/apt/sources.list{,.d}" >&2
	exit 1
fi

keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -f "$keyring" ] || sh "$here/../../scripts/need.sh" gpgv debian-archive-keyring
rm -rf "$dir"
mkdir -p "$dir"
echo "mkroot.sh: debootstrap $SUITE from $mirror into $dir (a few minutes, once)"
inc=$(echo "$PKGS" | tr ' ' ',')
if ! debootstrap --variant=minbase --include="$inc" --keyring="$keyring" \
	"$SUITE" "$dir" "$mirror" >"$dir.log" 2>&1; then
	tail -n 30 "$dir.log" >&2
	[ -f "$dir/debootstrap/debootstrap.log" ] && tail -n 30 "$dir/debootstrap/debootstrap.log" >&2
	echo "mkroot.sh: debootstrap failed (log: $dir.log)" >&2
	exit 1
fi
# Nothing inside the root is ever fetched again: no sources, no caches.
rm -rf "$dir/var/cache/apt/archives/"*.deb "$dir/var/lib/apt/lists/"*_Packages 2>/dev/null || true
echo "$want" >"$stamp"
echo "mkroot.sh: $SUITE root ready ($(du -sh "$dir" | cut -f1))"
