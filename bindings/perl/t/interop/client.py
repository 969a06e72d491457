"""A real WebSocket client (Debian's python3-websockets) against the Perl
demo echo server: text, binary, large, fragmented, compressed or not,
ping, and a clean close. Prints one line per check; exits non-zero on
failure."""
import asyncio
import sys

import websockets


async def session(url, compression):
    async with websockets.connect(url, compression=compression, max_size=2 ** 24) as ws:
        ext = ",".join(type(e).__name__ for e in ws.extensions) or "none"
        print(f"connected compression={compression} extensions={ext}")
        for msg in ["hello", "é€😀", "x" * 200_000, b"\x00\x01\xff" * 1000, b""]:
            await ws.send(msg)
            got = await asyncio.wait_for(ws.recv(), 10)
            assert got == msg, f"echo mismatch: sent {len(msg)} got {len(got)}"
        print("echo ok")
        await ws.send(["frag", "mented ", "tëxt"])
        got = await asyncio.wait_for(ws.recv(), 10)
        assert got == "fragmented tëxt", got
        print("fragmented ok")
        pong = await ws.ping(b"are you there")
        await asyncio.wait_for(pong, 10)
        print("ping ok")
        await ws.close(1000, "bye")
        print(f"closed code={ws.close_code}")
        assert ws.close_code == 1000, ws.close_code


async def heartbeat(url):
    # The server pings when idle (--heartbeat); websockets answers.
    async with websockets.connect(url) as ws:
        await asyncio.sleep(1.5)
        await ws.send("still here")
        assert await asyncio.wait_for(ws.recv(), 10) == "still here"
        print("heartbeat ok")


async def push(url, count):
    async with websockets.connect(url) as ws:
        for _ in range(count):
            got = await asyncio.wait_for(ws.recv(), 10)
            assert got == "012", got
        print(f"push ok {count}")


async def main():
    mode, url = sys.argv[1], sys.argv[2]
    if mode == "echo":
        await session(url, "deflate")
        await session(url, None)
    elif mode == "heartbeat":
        await heartbeat(url)
    elif mode == "push":
        await push(url, int(sys.argv[3]))


asyncio.run(main())
