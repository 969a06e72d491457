"""An echo server whose application does not take messages until told to,
for the backpressure tests (run as a subprocess, so that its peak memory
is its own).

    python3 gated_server.py sync|asyncio COUNT [--unbounded]

Prints "listening PORT" once libws is loaded. For each connection it waits
until the reader has paused (the queue is full) or COUNT messages are
queued, prints "paused N" (N: messages queued), waits for a line on
stdin, then echoes every message until the peer goes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from typing import Any, Dict

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "bindings", "python"))

import libws  # noqa: E402
from libws import asyncio as lws_asyncio  # noqa: E402
from libws import sync as lws_sync  # noqa: E402

HANG_GUARD = 60.0


def gate(ws: Any, count: int) -> None:
    # Polls: the reader is another thread (or task); the guard only stops
    # a broken server from hanging the test, which then fails on "paused".
    end = time.monotonic() + HANG_GUARD
    while not (ws.paused or ws.pending_messages >= count) and time.monotonic() < end:
        time.sleep(0.005)
    print("paused", ws.pending_messages, flush=True)


def sync_main(count: int, flow: Dict[str, Any]) -> None:
    def echo(ws: lws_sync.WebSocket) -> None:
        gate(ws, count)
        sys.stdin.readline()
        for message in ws:
            ws.send(message)

    with lws_sync.serve(echo, "127.0.0.1", 0, compression=True, ping_interval=None, **flow) as server:
        print("listening", server.port, flush=True)
        server.serve_forever()


async def asyncio_main(count: int, flow: Dict[str, Any]) -> None:
    loop = asyncio.get_running_loop()

    async def echo(ws: lws_asyncio.WebSocket) -> None:
        end = loop.time() + HANG_GUARD
        while not (ws.paused or ws.pending_messages >= count) and loop.time() < end:
            await asyncio.sleep(0.005)
        print("paused", ws.pending_messages, flush=True)
        await loop.run_in_executor(None, sys.stdin.readline)
        async for message in ws:
            await ws.send(message)

    async with lws_asyncio.serve(echo, "127.0.0.1", 0, compression=True, ping_interval=None, **flow) as server:
        print("listening", server.port, flush=True)
        await asyncio.Future()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=("sync", "asyncio"))
    ap.add_argument("count", type=int)
    ap.add_argument("--unbounded", action="store_true", help="no queue marks (to see the test fail)")
    a = ap.parse_args()
    libws.ServerConnection().free()  # load libws and its runtime before "listening"
    flow = {"max_queue": None, "max_queue_bytes": None} if a.unbounded else {}
    if a.mode == "sync":
        sync_main(a.count, flow)
    else:
        asyncio.run(asyncio_main(a.count, flow))


if __name__ == "__main__":
    main()
