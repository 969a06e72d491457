"""A real client (Debian's python3-websockets) for the compat tests: one
connection with permessage-deflate offered, one without; whole messages
(text, UTF-8, 100 KB, binary, empty), a ping, and a close with a reason
that the server must echo. Prints one line per check; exits non-zero on
the first failure. Usage: py_client.py ws://127.0.0.1:PORT/PATH"""
import asyncio
import sys

import websockets


async def session(url, compression):
    async with websockets.connect(url, compression=compression, max_size=2 ** 24) as ws:
        ext = ",".join(type(e).__name__ for e in ws.extensions) or "none"
        print(f"connected compression={compression} extensions={ext}", flush=True)
        for msg in ["Hello, world", "été €", "x" * 100_000, bytes(range(256)), ""]:
            await ws.send(msg)
            got = await asyncio.wait_for(ws.recv(), 10)
            assert got == msg, f"echo mismatch: sent {len(msg)} got {len(got)}"
        print("echo ok", flush=True)
        pong = await ws.ping(b"are you there")
        await asyncio.wait_for(pong, 10)
        print("ping ok", flush=True)
        await ws.close(1000, "bye")
        print(f"closed code={ws.close_code} reason={ws.close_reason}", flush=True)
        assert ws.close_code == 1000, ws.close_code


async def main():
    await session(sys.argv[1], "deflate")
    await session(sys.argv[1], None)


asyncio.run(main())
