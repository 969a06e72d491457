#!/usr/bin/env python3
"""A command-line WebSocket client in the spirit of wscat, with libws.sync.

    python3 wscat.py URL [-p SUBPROTOCOL] [-H "Name: value"] [--deflate] [--origin O]

Lines you type are sent as text messages; messages received are printed
("< "). Commands: /ping [data], /binary HEX, /close [code [reason]].
End of input (Ctrl-D) closes with 1000.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # a checkout

import libws  # noqa: E402
from libws.sync import WebSocket, connect  # noqa: E402


def reader(ws: WebSocket) -> None:
    try:
        for message in ws:
            if isinstance(message, str):
                print(f"< {message}", flush=True)
            else:
                print(f"< (binary, {len(message)} bytes) {message[:64].hex()}", flush=True)
    except libws.ConnectionClosed:
        pass
    print(f"disconnected: {ws.close_code} {ws.close_reason or ''}".rstrip(), flush=True)
    os._exit(0)  # stdin may still be blocking the main thread


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("url")
    ap.add_argument("-p", "--subprotocol", action="append", default=[])
    ap.add_argument("-H", "--header", action="append", default=[], help='"Name: value"')
    ap.add_argument("--origin")
    ap.add_argument("--deflate", action="store_true", help="offer permessage-deflate")
    args = ap.parse_args()
    headers = [tuple(h.split(":", 1)) for h in args.header]
    try:
        ws = connect(
            args.url,
            subprotocols=args.subprotocol,
            extra_headers=[(k.strip(), v.strip()) for k, v in headers],
            origin=args.origin,
            compression=libws.Deflate() if args.deflate else None,
        )
    except (libws.LibwsError, OSError) as e:
        sys.exit(f"wscat: {e}")
    print(f"connected to {args.url} (subprotocol {ws.subprotocol}, "
          f"extensions {ws.extensions or 'none'}); Ctrl-D closes", flush=True)
    t = threading.Thread(target=reader, args=(ws,), daemon=True)
    t.start()
    try:
        for line in sys.stdin:
            line = line.rstrip("\n")
            if line.startswith("/ping"):
                waiter = ws.ping(line[6:] or None)
                print("pong" if waiter.wait(10) else "no pong in 10 s", flush=True)
            elif line.startswith("/binary "):
                ws.send(bytes.fromhex(line[8:]))
            elif line.startswith("/close"):
                parts = line.split(" ", 2)
                ws.close(int(parts[1]) if len(parts) > 1 else 1000, parts[2] if len(parts) > 2 else "")
                break
            else:
                ws.send(line)
        else:
            ws.close()
    except libws.ConnectionClosed:
        pass
    except KeyboardInterrupt:
        ws.close(1001)
    t.join(10)  # the reader prints what arrived before the close, then exits


if __name__ == "__main__":
    main()
