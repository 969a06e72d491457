#!/usr/bin/env python3
"""A chat-style broadcast server with libws.asyncio: every text message a
client sends goes to every connected client.

    python3 chat_server.py [--host 127.0.0.1] [--port 8766]

Open two terminals with: python3 wscat.py ws://127.0.0.1:8766/?name=ann

serve()'s defaults bound each connection's memory (16 messages or 16 MiB
queued, 64 KiB of unsent output): a client that floods the room is not
read from while its messages wait to be broadcast.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from typing import Set
from urllib.parse import parse_qs

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # a checkout

import libws  # noqa: E402
from libws.asyncio import WebSocket, serve  # noqa: E402

clients: Set[WebSocket] = set()


async def broadcast(text: str) -> None:
    for ws in list(clients):
        try:
            await ws.send(text)
        except libws.ConnectionClosed:
            clients.discard(ws)


async def chat(ws: WebSocket) -> None:
    query = parse_qs(ws.request.query) if ws.request else {}
    name = query.get("name", [f"guest{id(ws) % 1000}"])[0]
    clients.add(ws)
    await broadcast(f"* {name} joined ({len(clients)} here)")
    try:
        async for message in ws:
            if isinstance(message, str):
                await broadcast(f"{name}: {message}")
    except libws.ConnectionClosedError:
        pass
    finally:
        clients.discard(ws)
        await broadcast(f"* {name} left")


async def main(host: str, port: int) -> None:
    async with serve(chat, host, port, compression=True, ping_interval=20) as server:
        print(f"chat server on ws://{host}:{server.port}/?name=you (libws {libws.version()})")
        await asyncio.Future()  # forever


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8766)
    args = ap.parse_args()
    try:
        asyncio.run(main(args.host, args.port))
    except KeyboardInterrupt:
        pass
