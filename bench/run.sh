#!/bin/sh
# libws benchmark suite: libws through its Go API, C API, Python and Perl
# bindings against wslay, uWebSockets' protocol layer (C++, W1-W5),
# gorilla/websocket, gobwas/ws, gws, Node's ws (with
# and without bufferutil), wsproto, websockets and Protocol::WebSocket, and
# zlib alone through each language's binding (W6, W7), on the shared
# workloads (shared/bench/WORKLOADS.md); then the C call cost and 10,000
# connections in one process. Wall-clock medians of interleaved rounds;
# clients drain after every message. Writes bench/RESULTS.md (and prints
# it); README.md is left alone (run.py --readme README.md updates its
# summary block).
#
#   bench/run.sh [--quick] [--workloads w1,w2,...] [--surfaces c,go,python,perl,node]
#                [--rounds N] [--min-time S] [--no-scale] [--no-calls]
#
# --quick: 2 short rounds and a smaller scaling run (about 3 minutes);
# the full run takes about 10-15 minutes on 2 cores. Other options are
# passed to bench/run.py (see its --help).
#
# As root, missing Debian packages are installed with apt-get; the Node
# packages come from bench/node/package-lock.json (npm ci), the Go
# modules from bench/go/go.sum (go mod download) and uWebSockets' source
# from npm pack uws@9.148.0 (SHA-256 checked; optional: without it the run
# goes on and says so). Not as root, missing
# packages are named and the script stops.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
BUILD="$HERE/build"
DATA="$HERE/data"
# The shared workload generator (shared/bench beside the checkout), or
# WORKLOADS_GEN=path/to/gen_workloads.py.
GEN=${WORKLOADS_GEN:-"$ROOT/../shared/bench/gen_workloads.py"}
PY=/usr/bin/python3

say() { echo "bench/run.sh: $*" >&2; }

# ---- what the harnesses need --------------------------------------------------

DEBS="libwslay-dev zlib1g-dev python3-websockets python3-wsproto libprotocol-websocket-perl libffi-platypus-perl"
missing=""
for p in $DEBS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
command -v node >/dev/null 2>&1 || missing="$missing nodejs npm"
command -v cc >/dev/null 2>&1 || missing="$missing gcc"
command -v g++ >/dev/null 2>&1 || missing="$missing g++"
if [ -n "$missing" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        say "installing Debian packages:$missing"
        # shellcheck disable=SC2086
        apt-get install -y -q $missing >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q $missing >/dev/null; }
    else
        say "missing Debian packages:$missing (as root: apt-get install$missing)"
        exit 1
    fi
fi
command -v go >/dev/null 2>&1 || { say "Go is needed (go.mod: go 1.26)"; exit 1; }

if [ ! -d "$HERE/node/node_modules/ws" ] || [ "$HERE/node/package-lock.json" -nt "$HERE/node/node_modules/.package-lock.json" ]; then
    say "npm ci (bench/node)"
    (cd "$HERE/node" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
(cd "$HERE/go" && go mod download)

# ---- build ------------------------------------------------------------------------

say "building libws (make lib) and the harnesses"
make -s -C "$ROOT" lib >/dev/null
mkdir -p "$BUILD/lib"
# The harnesses load a copy of the library taken now, so that a rebuild of
# build/libws.so.1 during the run (others work in this tree) changes nothing
# under them: C programs link to it by rpath, the bindings by LIBWS_LIBRARY.
cp "$ROOT/build/libws.so.1" "$BUILD/lib/libws.so.1.tmp" && mv -f "$BUILD/lib/libws.so.1.tmp" "$BUILD/lib/libws.so.1"
ln -sf libws.so.1 "$BUILD/lib/libws.so"
LIBWS_LIBRARY="$BUILD/lib/libws.so.1"
export LIBWS_LIBRARY
CFLAGS="-O2 -Wall -Wextra -I$ROOT/include"
LIBWS="-L$BUILD/lib -lws -Wl,-rpath,$BUILD/lib"
WSLAY_VERSION=$(dpkg-query -W -f='${Version}' libwslay1 2>/dev/null || echo unknown)
# shellcheck disable=SC2086
cc $CFLAGS -DWSLAY_PKG_VERSION="\"$WSLAY_VERSION\"" -o "$BUILD/wsbench-c" "$HERE/c/bench.c" $LIBWS -lwslay -lz
# shellcheck disable=SC2086
cc $CFLAGS -o "$BUILD/wsbench-scale" "$HERE/c/scale.c" $LIBWS
# shellcheck disable=SC2086
cc $CFLAGS -o "$BUILD/wsbench-calls" "$HERE/c/calls.c" $LIBWS -lpthread
# shellcheck disable=SC2086
cc $CFLAGS -o "$BUILD/bench_calls" "$ROOT/tests/c/bench_calls.c" -ldl -lpthread
(cd "$HERE/go" && go build -o "$BUILD/wsbench-go" .)

# uWebSockets' protocol layer (bench/cpp/uws.cpp): the C++ source shipped in
# the npm package uws (the deprecated Node binding, zlib licence), fetched
# with npm pack, pinned to a version and checked against its SHA-256. Only
# src/WebSocketProtocol.h is compiled (bench/cpp/uws_shim.h replaces
# Networking.h, which brings OpenSSL and the event loop). When it cannot be
# fetched (npm unreachable) or built, the run goes on without it and run.py
# says so.
UWS_VERSION=9.148.0
UWS_SHA256=bb8c79b6160fa6b32da20860d667f6b505977f2374f23e0b5a40f517905e5867
UWS_TGZ="$BUILD/uws-$UWS_VERSION.tgz"
UWS_SRC="$BUILD/uws-$UWS_VERSION"
# -O3, as uWebSockets builds itself (its Makefile); -O2 made its W2 15% slower.
UWS_CXXFLAGS="-O3 -std=c++11"
uws_fetch() {
    if [ ! -e "$UWS_TGZ" ]; then
        say "fetching uws $UWS_VERSION (npm pack) for the uWebSockets harness"
        (cd "$BUILD" && npm pack "uws@$UWS_VERSION" --fetch-retries=1 --loglevel=error >/dev/null) || return 1
    fi
    if [ "$(sha256sum "$UWS_TGZ" | cut -d' ' -f1)" != "$UWS_SHA256" ]; then
        say "uws-$UWS_VERSION.tgz: SHA-256 differs from the pinned $UWS_SHA256 (removed)"
        rm -f "$UWS_TGZ"
        return 1
    fi
    rm -rf "$UWS_SRC" && mkdir -p "$UWS_SRC" &&
        tar -xzf "$UWS_TGZ" -C "$UWS_SRC" --strip-components=1 package/src package/LICENSE package/package.json
}
rm -f "$BUILD/wsbench-uws"
if [ -e "$UWS_SRC/src/WebSocketProtocol.h" ] || uws_fetch; then
    # shellcheck disable=SC2086
    g++ $UWS_CXXFLAGS -Wall -Wextra -DUWS_VERSION="\"$UWS_VERSION\"" -DUWS_CXXFLAGS="\"$UWS_CXXFLAGS\"" \
        -I"$HERE/cpp" -I"$UWS_SRC/src" -o "$BUILD/wsbench-uws" "$HERE/cpp/uws.cpp" ||
        say "the uWebSockets harness did not build: the run goes on without it"
else
    say "no uws $UWS_VERSION source (npm pack failed?): the run goes on without the uWebSockets harness"
fi

# ---- workloads, generated once ----------------------------------------------------

# again when the generator changed since (its SHA-256 is kept beside the data)
GEN_SUM=$( [ -e "$GEN" ] && sha256sum "$GEN" | cut -d' ' -f1 || echo none)
if [ ! -e "$DATA/manifest.json" ] || ! grep -q '"w7"' "$DATA/manifest.json" ||
    { [ "$GEN_SUM" != none ] && [ "$GEN_SUM" != "$(cat "$DATA/.generator.sha256" 2>/dev/null)" ]; }; then
    if [ ! -e "$GEN" ]; then
        say "the workload generator $GEN is missing: set WORKLOADS_GEN to shared/bench/gen_workloads.py"
        exit 1
    fi
    say "generating the workloads into bench/data"
    mkdir -p "$DATA"
    "$PY" "$GEN" "$DATA" >/dev/null
    echo "$GEN_SUM" >"$DATA/.generator.sha256"
fi

# ---- run ----------------------------------------------------------------------------

exec "$PY" "$HERE/run.py" --data "$DATA" "$@"
