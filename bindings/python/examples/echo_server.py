#!/usr/bin/env python3
"""An echo server with libws.sync (a thread per connection).

    python3 echo_server.py [--host 127.0.0.1] [--port 8765] [--deflate]

Try it with: python3 wscat.py ws://127.0.0.1:8765/

serve()'s defaults bound each connection's memory: its reader stops
reading while 16 messages (or 16 MiB of them) wait for the handler.
"""

from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # a checkout

import libws  # noqa: E402
from libws.sync import WebSocket, serve  # noqa: E402


def echo(ws: WebSocket) -> None:
    peer = ws.socket.getpeername()
    print(f"{peer}: open {ws.request.target if ws.request else ''} deflate={ws.open_event.deflate if ws.open_event else None}")
    try:
        for message in ws:  # until the peer closes
            ws.send(message)
    except libws.ConnectionClosedError as e:
        print(f"{peer}: {e}")
    print(f"{peer}: closed {ws.close_code} {ws.close_reason!r}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument("--deflate", action="store_true", help="accept permessage-deflate")
    args = ap.parse_args()
    with serve(echo, args.host, args.port, compression=libws.Deflate() if args.deflate else None) as server:
        print(f"echo server on ws://{args.host}:{server.port}/ (libws {libws.version()}); Ctrl-C stops it")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
