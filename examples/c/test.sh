#!/bin/sh
# test.sh BUILD — end-to-end checks of the C examples (make test):
#   1. the demo's scripted exchange, every line that matters checked
#   2. 50 clients at once against one server (half with permessage-deflate)
#   3. the heartbeat: a client that answers pings stays, one that does not
#      is closed with 1008
#   4. a clean shutdown on SIGTERM: clients get 1001 "server shutting down"
#   5. a handshake timeout and a rejected plain HTTP request (needs python3)
set -u
cd "$(dirname "$0")" || exit 1
BUILD=${1:-../../build}
TMP=$(mktemp -d) || exit 1
trap 'rm -rf "$TMP"' EXIT
. ./common.sh

failures=0
# check DESCRIPTION STATUS [LOG...]: STATUS 0 passes; otherwise show the logs.
check() {
    desc=$1
    st=$2
    shift 2
    if [ "$st" = 0 ]; then
        echo "ok   - $desc"
    else
        echo "FAIL - $desc"
        failures=$((failures + 1))
        for f in "$@"; do
            echo "     --- $f"
            sed 's/^/     | /' "$f" | head -40
        done
    fi
}
# has FILE TEXT: FILE contains the line fragment TEXT.
has() { grep -F -q -- "$2" "$1"; }
# expect DESCRIPTION FILE TEXT
expect() { has "$2" "$3"; check "$1" $? "$2"; }

# ---- 1. the scripted exchange -----------------------------------------------
echo "# 1. scripted exchange (text, fragmented, ping, 100 KB deflated, close 1000 bye)"
start_server "$TMP/s1" -n 1 || exit 1
"$BUILD/ws_client" -z -P -f "sent in three fragments" -n 1 -s 100000 -c 1000:bye \
    "ws://127.0.0.1:$PORT/t1" "Hello, WebSocket!" >"$TMP/c1" 2>&1
check "client exits 0" $? "$TMP/c1"
wait_for "$SERVER" 10
check "server exits 0 after one connection (-n 1)" $? "$TMP/s1"
wait "$RELAY"
expect "permessage-deflate negotiated" "$TMP/c1" "extensions: permessage-deflate"
expect "pong for the ping between fragments" "$TMP/c1" '< pong "between fragments"'
expect "fragmented message echoed whole" "$TMP/c1" '< text, 23 bytes: "sent in three fragments"'
expect "100 KB message echoed compressed" "$TMP/c1" "< text, 100000 bytes (compressed)"
expect "client: close handshake completed" "$TMP/c1" 'close: 1000 "" (initiated by us)'
expect "server: close 1000 bye from the client" "$TMP/s1" 'close 1000 "bye" (initiated by the client)'
expect "server: 100 KB arrived compressed" "$TMP/s1" "text, 100000 bytes (compressed)"
expect "server: statistics" "$TMP/s1" "messages echoed: 3 (100040 payload bytes)"

# ---- 2. 50 clients at once ----------------------------------------------------
echo "# 2. 50 concurrent clients, 100 messages of 3000 bytes each"
start_server "$TMP/s2" -q -n 50 || exit 1
i=0
pids=
while [ $i -lt 50 ]; do
    z=
    [ $((i % 2)) = 0 ] && z=-z
    # -w 2: stay connected two seconds after the last echo, so that all 50
    # are connected at the same time.
    "$BUILD/ws_client" -q $z -P -n 100 -s 3000 -w 2 "ws://127.0.0.1:$PORT/load$i" >"$TMP/c2.$i" 2>&1 &
    pids="$pids $!"
    i=$((i + 1))
done
bad=0
logs=
i=0
for p in $pids; do
    if ! wait_for "$p" 60; then
        bad=$((bad + 1))
        logs="$logs $TMP/c2.$i"
    fi
    i=$((i + 1))
done
# shellcheck disable=SC2086
check "all 50 clients exit 0 ($bad failed)" $bad $logs
wait_for "$SERVER" 20
check "server exits 0 after 50 connections (-n 50)" $? "$TMP/s2"
wait "$RELAY"
expect "server: 50 connections, all at once" "$TMP/s2" "50 accepted, 50 opened, 0 rejected, 0 refused (table full), 50 closed; at most 50 at once"
expect "server: 5000 messages echoed" "$TMP/s2" "messages echoed: 5000 (15000000 payload bytes)"
grep -h "messages/s" "$TMP"/c2.0 "$TMP"/c2.1 2>/dev/null | sed 's/^/     (/; s/$/)/'

# ---- 3. heartbeat ---------------------------------------------------------------
echo "# 3. heartbeat (-i 1): ping when idle, 1008 after 3 unanswered pings"
start_server "$TMP/s3" -i 1 -n 2 || exit 1
"$BUILD/ws_client" -w 3 "ws://127.0.0.1:$PORT/alive" hello >"$TMP/c3a" 2>&1 &
alive=$!
"$BUILD/ws_client" -A -w 15 "ws://127.0.0.1:$PORT/deaf" hello >"$TMP/c3b" 2>&1 &
deaf=$!
wait_for $alive 15
check "a client that answers pings stays connected and closes cleanly" $? "$TMP/c3a"
expect "it was pinged" "$TMP/c3a" "-> pong queued"
wait_for $deaf 15
[ $? != 0 ]
check "a client that does not answer pings fails (exit status not 0)" $? "$TMP/c3b"
expect "it is closed with 1008" "$TMP/c3b" 'close: 1008 "Unanswered ping(s): 3" (initiated by the server)'
wait_for "$SERVER" 10
check "server exits 0" $? "$TMP/s3"
wait "$RELAY"
expect "server: logged the 1008" "$TMP/s3" 'close 1008 "Unanswered ping(s): 3" (we failed the connection)'
expect "server: counted it" "$TMP/s3" "closed with 1008"

# ---- 4. SIGTERM ---------------------------------------------------------------
echo "# 4. clean shutdown on SIGTERM"
start_server "$TMP/s4" || exit 1
"$BUILD/ws_client" -w 30 "ws://127.0.0.1:$PORT/stay" hello >"$TMP/c4" 2>&1 &
client=$!
wait_for_text "$TMP/s4" "-> echoed" 10
check "client connected" $? "$TMP/s4"
kill -TERM "$SERVER"
wait_for "$SERVER" 10
check "server exits 0 on SIGTERM" $? "$TMP/s4"
wait "$RELAY"
wait_for $client 10
[ $? = 1 ]
check "client exits 1 (the server hung up first)" $? "$TMP/c4"
expect "server: sent 1001, the client answered" "$TMP/s4" 'close 1001 "" (initiated by us)'
expect "client: got 1001" "$TMP/c4" 'close: 1001 "server shutting down" (initiated by the server)'
! has "$TMP/c4" "timed out"
check "client: the server closed TCP (no timeout)" $? "$TMP/c4"

# ---- 5. handshake timeout, rejection --------------------------------------------
echo "# 5. handshake timeout (-t 1) and a rejected plain HTTP request"
if command -v python3 >/dev/null 2>&1; then
    start_server "$TMP/s5" -t 1 -n 2 || exit 1
    python3 - "$PORT" >"$TMP/c5" 2>&1 <<'PY'
import socket, sys
port = int(sys.argv[1])
idle = socket.create_connection(("127.0.0.1", port))   # never sends a request
http = socket.create_connection(("127.0.0.1", port))
http.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
print(http.recv(4096).split(b"\r\n")[0].decode())
idle.settimeout(5)
print("idle: closed by the server" if idle.recv(1) == b"" else "idle: unexpected data")
PY
    check "python3 client ran" $? "$TMP/c5"
    wait_for "$SERVER" 10
    check "server exits 0" $? "$TMP/s5"
    wait "$RELAY"
    expect "the plain request got an HTTP error" "$TMP/c5" "HTTP/1.1 4"
    expect "the idle connection was closed" "$TMP/c5" "idle: closed by the server"
    expect "server: logged the rejection" "$TMP/s5" "handshake rejected with HTTP 4"
    expect "server: logged the timeout" "$TMP/s5" "no opening handshake after 1s: dropped"
else
    echo "skip - python3 not found"
fi

if [ $failures -gt 0 ]; then
    echo "C examples: $failures check(s) failed"
    exit 1
fi
echo "C examples: all checks passed"
