#!/bin/sh
# libws1 and libws-dev .deb packages from a built tree (make deb), with
# dpkg's own tools and no debhelper:
#
#   packaging/deb.sh BUILD-DIR OUTDIR
#
# BUILD-DIR holds libws.so.1 and libws.a. The version is ws.h's
# WS_VERSION_STRING (Debian revision -1). Each package is staged as
# debhelper would (debian/<package>/), its Depends computed by
# dpkg-shlibdeps from the library's imports, its control file by
# dpkg-gencontrol from packaging/debian/control, and built by dpkg-deb
# with root ownership (no fakeroot needed).
#
#   libws1     /usr/lib/<multiarch>/libws.so.<version>, libws.so.1 ->;
#              shlibs (libws 1 libws1 (>= <version>)), an ldconfig trigger
#   libws-dev  /usr/include/ws.h, /usr/lib/<multiarch>/libws.so -> libws.so.1,
#              libws.a, pkgconfig/libws.pc (Libs.private: what libws.a
#              needs beyond libc, for pkg-config --static)
set -eu
build=$(cd "$1" && pwd)
mkdir -p "$2"
out=$(cd "$2" && pwd)
root=$(cd "$(dirname "$0")/.." && pwd)
for t in dpkg-deb dpkg-shlibdeps dpkg-gencontrol dpkg-architecture; do
	sh "$root/scripts/need.sh" "$t" dpkg-dev
done
version=$(sed -n 's/^#define WS_VERSION_STRING "\(.*\)"/\1/p' "$root/include/ws.h")
major=${version%%.*}
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
libdir=usr/lib/$multiarch

src=$(mktemp -d "${TMPDIR:-/tmp}/libws-deb.XXXXXX")
trap 'rm -rf "$src"' EXIT INT TERM
cd "$src"
mkdir debian
cp "$root/packaging/debian/control" debian/control
# The changelog dates from the commit built (reproducible), else now.
date=$(git -C "$root" log -1 --format=%aD 2>/dev/null || date -R)
cat > debian/changelog <<CHANGES
libws ($version-1) unstable; urgency=medium

  * libws $version, packaged from the source tree by make deb.

 -- libws authors <libws@example.invalid>  $date
CHANGES

# libws1
p=debian/libws1
install -d "$p/$libdir" "$p/usr/share/doc/libws1" "$p/DEBIAN"
install -m 644 "$build/libws.so.$major" "$p/$libdir/libws.so.$version"
ln -s "libws.so.$version" "$p/$libdir/libws.so.$major"
install -m 644 "$root/packaging/debian/copyright" "$p/usr/share/doc/libws1/copyright"
echo "libws $major libws1 (>= $version)" > "$p/DEBIAN/shlibs"
install -m 644 "$root/packaging/debian/libws1.triggers" "$p/DEBIAN/triggers"

# libws-dev
d=debian/libws-dev
install -d "$d/usr/include" "$d/$libdir/pkgconfig" "$d/usr/share/doc/libws-dev" "$d/DEBIAN"
install -m 644 "$root/include/ws.h" "$d/usr/include/ws.h"
install -m 644 "$build/libws.a" "$d/$libdir/libws.a"
ln -s "libws.so.$major" "$d/$libdir/libws.so"
sed -e 's|@PREFIX@|/usr|g' -e 's|@VERSION@|'"$version"'|g' -e 's|^libdir=.*|libdir=${prefix}/lib/'"$multiarch"'|' \
	"$root/capi/libws.pc.in" > "$d/$libdir/pkgconfig/libws.pc"
chmod 644 "$d/$libdir/pkgconfig/libws.pc"
install -m 644 "$root/packaging/debian/copyright" "$d/usr/share/doc/libws-dev/copyright"

# libpthread.so.0 is linked on purpose (the Makefile's GLIBC_LDFLAGS): on
# glibc < 2.34 the pinned pthread symbols live there, so dpkg-shlibdeps'
# "useless dependency" remark, true only of this build machine, is dropped.
dpkg-shlibdeps -Tdebian/libws1.substvars "$p/$libdir/libws.so.$version" 2>&1 |
	grep -v -e 'binaries to analyze should already be' -e 'useless dependency.*libpthread' >&2 || true
echo "misc:Depends=" >> debian/libws1.substvars
echo "misc:Depends=" > debian/libws-dev.substvars
for pkg in libws1 libws-dev; do
	dpkg-gencontrol -p"$pkg" -Pdebian/"$pkg" -Tdebian/"$pkg".substvars -fdebian/files
	(cd debian/"$pkg" && find . -path ./DEBIAN -prune -o -type f -printf '%P\n' | LC_ALL=C sort | xargs md5sum > DEBIAN/md5sums)
	chmod 644 debian/"$pkg"/DEBIAN/md5sums
	rm -f "$out/${pkg}_"*.deb
	dpkg-deb --root-owner-group -Zxz --build debian/"$pkg" "$out/${pkg}_${version}-1_${arch}.deb" >/dev/null
	echo "$out/${pkg}_${version}-1_${arch}.deb"
done
