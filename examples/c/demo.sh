#!/bin/sh
# demo.sh BUILD — the C echo server and the C client talking over loopback;
# both sides' output interleaved. Exits non-zero if anything failed.
set -u
cd "$(dirname "$0")" || exit 1
BUILD=${1:-../../build}
TMP=$(mktemp -d) || exit 1
trap 'rm -rf "$TMP"' EXIT
. ./common.sh

echo "== echo_server -p 0 -n 1      (a free port; exit after one connection)"
start_server - -n 1 || exit 1

msg='Hello, WebSocket!'
frag='sent in three fragments'
echo "== ws_client -z -P -f '$frag' -n 1 -s 100000 -c 1000:bye ws://127.0.0.1:$PORT/demo '$msg'"
echo "   (offer permessage-deflate; a ping; a text message; a fragmented one; a 100 KB"
echo "    compressible one; then close with 1000 \"bye\" — every echo is checked)"
{
    "$BUILD/ws_client" -z -P -f "$frag" -n 1 -s 100000 -c 1000:bye "ws://127.0.0.1:$PORT/demo" "$msg" 2>&1
    echo $? >"$TMP/client.rc"
} | prefix 'client| '
client=$(cat "$TMP/client.rc")

wait_for "$SERVER" 10
server=$?
wait "$RELAY"
echo "== ws_client exit status $client, echo_server exit status $server"
[ "$client" = 0 ] && [ "$server" = 0 ]
