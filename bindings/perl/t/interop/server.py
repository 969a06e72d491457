"""A real WebSocket echo server (Debian's python3-websockets) for the Perl
wscat demo. Prints the port it listens on."""
import asyncio
import sys

import websockets


async def echo(ws, path=None):
    async for msg in ws:
        await ws.send(msg)


async def main():
    async with websockets.serve(echo, "127.0.0.1", 0, compression="deflate") as server:
        port = server.sockets[0].getsockname()[1]
        print(port, flush=True)
        await asyncio.sleep(float(sys.argv[1]) if len(sys.argv) > 1 else 30)


asyncio.run(main())
