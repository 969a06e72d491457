# Shell helpers shared by demo.sh and test.sh (POSIX sh). The caller sets
# BUILD (where echo_server and ws_client are) and TMP (a scratch directory).

# prefix TEXT: copies stdin to stdout, TEXT before each line.
prefix() {
    while IFS= read -r line; do printf '%s%s\n' "$1" "$line"; done
}

# start_server DEST ARGS...: starts "echo_server -p 0 ARGS" in the
# background and reads the port it prints first. Its output then goes on
# to DEST: a file, or "-" for stdout with "server| " before each line.
# Sets SERVER (its pid), RELAY (the pid copying its output) and PORT.
start_server() {
    dest=$1
    shift
    fifo=$TMP/server.fifo
    rm -f "$fifo"
    mkfifo "$fifo" || return 1
    "$BUILD/echo_server" -p 0 "$@" >"$fifo" 2>&1 &
    SERVER=$!
    exec 3<"$fifo"  # waits for the server to open its end
    rm -f "$fifo"   # both ends are open now
    if ! IFS= read -r first <&3; then
        echo "echo_server did not start" >&2
        exec 3<&-
        return 1
    fi
    PORT=$(printf '%s\n' "$first" | sed -n 's|.*listening on ws://.*:\([0-9][0-9]*\)/.*|\1|p')
    if [ -z "$PORT" ]; then
        echo "echo_server: $first" >&2
        exec 3<&-
        return 1
    fi
    if [ "$dest" = - ]; then
        printf 'server| %s\n' "$first"
        prefix 'server| ' <&3 &
    else
        printf '%s\n' "$first" >"$dest"
        cat <&3 >>"$dest" &
    fi
    RELAY=$!
    exec 3<&-
}

# wait_for PID SECONDS: waits for PID to exit, killing it if it takes longer
# than SECONDS; returns its exit status.
wait_for() {
    ( sleep "$2"; kill "$1" 2>/dev/null ) >/dev/null 2>&1 &
    dog=$!
    wait "$1"
    st=$?
    kill "$dog" 2>/dev/null
    return $st
}

# wait_for_text FILE TEXT SECONDS: waits until FILE contains TEXT.
wait_for_text() {
    n=0
    while ! grep -F -q -- "$2" "$1" 2>/dev/null; do
        n=$((n + 1))
        [ $n -gt $(($3 * 10)) ] && return 1
        sleep 0.1
    done
}
