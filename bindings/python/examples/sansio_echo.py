#!/usr/bin/env python3
"""The sans-I/O core with no helper: a single-threaded, non-blocking echo
server for many clients over `selectors`, writing with output()/consume()
(partial writes, no copies) and closing idle connections' heartbeat.
A client that does not read its echoes is not read from either while
more than WRITE_LIMIT bytes wait for it (backpressure): memory stays
bounded by that, libws's receive budget and one read.

    python3 sansio_echo.py [--port 8767]
"""

from __future__ import annotations

import argparse
import os
import selectors
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # a checkout

import libws  # noqa: E402
from libws import BytesMessage, Hint, ServerConnection, TextMessage  # noqa: E402

IDLE = 20.0  # seconds before a heartbeat ping
WRITE_LIMIT = 64 << 10  # unsent bytes at which a connection is not read


def main(port: int) -> None:
    sel = selectors.DefaultSelector()
    lsock = socket.create_server(("127.0.0.1", port))
    lsock.setblocking(False)
    sel.register(lsock, selectors.EVENT_READ)
    conns: dict = {}  # socket -> (ServerConnection, last activity)
    print(f"sans-I/O echo server on ws://127.0.0.1:{lsock.getsockname()[1]}/")

    def drop(sock: socket.socket) -> None:
        sel.unregister(sock)
        conns.pop(sock)[0].free()
        sock.close()

    def flush(sock: socket.socket, conn: ServerConnection) -> None:
        out = conn.output()  # a view into libws's memory: no copy
        if out:
            try:
                n = sock.send(out, socket.MSG_NOSIGNAL)
            except BlockingIOError:
                n = 0
            except OSError:
                drop(sock)
                return
            conn.consume(n)
        pending = conn.output_size
        if not pending and conn.hint == Hint.CLOSE:
            drop(sock)
            return
        want = selectors.EVENT_WRITE if pending else 0
        if pending <= WRITE_LIMIT:
            want |= selectors.EVENT_READ
        sel.modify(sock, want)

    while True:
        for key, mask in sel.select(timeout=1.0):
            sock = key.fileobj
            if sock is lsock:
                client, _ = lsock.accept()
                client.setblocking(False)
                conns[client] = (ServerConnection(compression=True), time.monotonic())
                sel.register(client, selectors.EVENT_READ)
                continue
            conn, _ = conns[sock]
            if mask & selectors.EVENT_READ:
                try:
                    data = sock.recv(65536)
                except OSError:
                    data = b""
                if data:
                    conn.receive_data(data)
                else:
                    conn.receive_eof()
                for ev in conn.events():
                    if isinstance(ev, TextMessage):
                        conn.send_text(ev.data)
                    elif isinstance(ev, BytesMessage):
                        conn.send_bytes(ev.data)
                conns[sock] = (conn, time.monotonic())
                if not data and conn.output_size == 0:
                    drop(sock)
                    continue
            flush(sock, conn)
        now = time.monotonic()
        for sock, (conn, last) in list(conns.items()):
            if now - last > IDLE and conn.state == libws.State.OPEN:
                conn.heartbeat()  # a ping, or close 1008 after max_pings unanswered
                list(conn.events())
                conns[sock] = (conn, now)
                flush(sock, conn)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", type=int, default=8767)
    try:
        main(ap.parse_args().port)
    except KeyboardInterrupt:
        pass
