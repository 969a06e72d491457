"""The I/O helpers against each other over loopback: libws.sync and
libws.asyncio clients and servers — timeouts, iteration, closing, errors in
handlers, refusals, the heartbeat."""

from __future__ import annotations

import asyncio
import threading
import time
import unittest
from typing import Any, Callable, Iterator, List

from helpers import BINDING  # noqa: F401

import libws
from libws import asyncio as lws_asyncio
from libws import sync as lws_sync

T = 10.0


class SyncServer:
    def __init__(self, handler: Callable[[lws_sync.WebSocket], None], **kw: Any) -> None:
        self.server = lws_sync.serve(handler, "127.0.0.1", 0, **kw)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"ws://127.0.0.1:{self.server.port}/"

    def __enter__(self) -> "SyncServer":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.__exit__()
        self.thread.join(T)
        assert not self.thread.is_alive()


def echo(ws: lws_sync.WebSocket) -> None:
    for m in ws:
        ws.send(m)


class SyncTest(unittest.TestCase):
    def test_echo_iteration_and_close(self) -> None:
        with SyncServer(echo, subprotocols=["p"]) as srv:
            with lws_sync.connect(srv.url, subprotocols=["p"]) as ws:
                self.assertEqual(ws.subprotocol, "p")
                self.assertFalse(ws.closed)
                self.assertIsNone(ws.close_code)
                ws.send("a")
                ws.send(b"b")
                ws.send(bytearray(b"c"))
                self.assertEqual([ws.recv(T), ws.recv(T), ws.recv(T)], ["a", b"b", b"c"])
                with self.assertRaises(TimeoutError):
                    ws.recv(timeout=0.05)
            self.assertTrue(ws.closed)
            self.assertEqual((ws.close_code, ws.close_reason), (1000, ""))
            with self.assertRaises(libws.ConnectionClosedOK):
                ws.recv(T)
            with self.assertRaises(libws.ConnectionClosed):
                ws.send("after close")
            self.assertEqual(list(ws), [])  # iteration ends at once
            ws.close()  # again: nothing

    def test_server_closes_and_iteration_ends(self) -> None:
        def handler(ws: lws_sync.WebSocket) -> None:
            ws.send("one")
            ws.send("two")
            # returning closes with 1000

        with SyncServer(handler) as srv:
            with lws_sync.connect(srv.url) as ws:
                self.assertEqual(list(ws), ["one", "two"])
                self.assertEqual(ws.close_code, 1000)

    def test_handler_error_closes_1011(self) -> None:
        def handler(ws: lws_sync.WebSocket) -> None:
            ws.recv(T)
            raise RuntimeError("boom")

        with SyncServer(handler) as srv:
            with lws_sync.connect(srv.url) as ws:
                ws.send("go")
                with self.assertRaises(libws.ConnectionClosedError) as cm:
                    ws.recv(T)
                self.assertEqual((cm.exception.close_code, cm.exception.close_reason), (1011, "internal error"))

    def test_process_request_and_invalid_status(self) -> None:
        seen: List[libws.Request] = []

        def pr(req: libws.Request) -> Any:
            seen.append(req)
            return None if req.path == "/ok" else (404, "no such room")

        with SyncServer(echo, process_request=pr) as srv:
            with self.assertRaises(libws.InvalidStatus) as cm:
                lws_sync.connect(srv.url + "nope")
            self.assertEqual(cm.exception.status, 404)
            with lws_sync.connect(srv.url + "ok", extra_headers={"X-Token": "t"}) as ws:
                ws.send("in")
                self.assertEqual(ws.recv(T), "in")
        self.assertEqual([r.path for r in seen], ["/nope", "/ok"])

    def test_ping_pong_waiters(self) -> None:
        with SyncServer(echo) as srv:
            with lws_sync.connect(srv.url) as ws:
                self.assertTrue(ws.ping().wait(T))
                self.assertTrue(ws.ping("named").wait(T))
                ws.pong(b"unsolicited")

    def test_heartbeat_fails_an_unresponsive_peer(self) -> None:
        with SyncServer(echo, ping_interval=0.05, max_pings=2) as srv:
            # A client that never answers pings and never pings itself.
            with lws_sync.connect(srv.url, auto_pong=False, ping_interval=None) as ws:
                with self.assertRaises(libws.ConnectionClosedError) as cm:
                    ws.recv(T)
                self.assertEqual(cm.exception.close_code, 1008)
                self.assertIn("Unanswered", cm.exception.close_reason)

    def test_fragmented_send_from_a_generator(self) -> None:
        def pieces() -> Iterator[str]:
            for i in range(5):
                yield f"{i},"

        with SyncServer(echo) as srv:
            with lws_sync.connect(srv.url) as ws:
                ws.send(pieces())
                self.assertEqual(ws.recv(T), "0,1,2,3,4,")
                with self.assertRaises(TypeError):
                    ws.send(["str", b"bytes"])

    def test_concurrent_senders(self) -> None:
        with SyncServer(echo) as srv:
            with lws_sync.connect(srv.url) as ws:

                def sender(k: int) -> None:
                    for i in range(50):
                        ws.send(f"{k}:{i}")

                threads = [threading.Thread(target=sender, args=(k,)) for k in range(4)]
                for t in threads:
                    t.start()
                got = [ws.recv(T) for _ in range(200)]
                for t in threads:
                    t.join(T)
                for k in range(4):
                    self.assertEqual([g for g in got if g.startswith(f"{k}:")], [f"{k}:{i}" for i in range(50)])

    def test_connect_errors(self) -> None:
        with self.assertRaises(ValueError):
            lws_sync.connect("http://127.0.0.1/")
        with self.assertRaises(OSError):
            lws_sync.connect("ws://127.0.0.1:1/")


class AsyncioTest(unittest.TestCase):
    def run_async(self, coro: Any) -> Any:
        return asyncio.run(asyncio.wait_for(coro, 3 * T))

    def test_echo_and_close(self) -> None:
        async def echo_a(ws: lws_asyncio.WebSocket) -> None:
            async for m in ws:
                await ws.send(m)

        async def main() -> None:
            async with lws_asyncio.serve(echo_a, "127.0.0.1", 0, compression=True) as server:
                url = f"ws://127.0.0.1:{server.port}/"
                async with lws_asyncio.connect(url, compression=True) as ws:
                    self.assertIsNotNone(ws.open_event.deflate)  # type: ignore[union-attr]
                    await ws.send("x" * 1000)
                    self.assertEqual(await ws.recv(), "x" * 1000)
                    await ws.send([b"a", b"b"])
                    self.assertEqual(await ws.recv(), b"ab")
                    await asyncio.wait_for(await ws.ping(), T)
                    await ws.pong()
                self.assertEqual(ws.close_code, 1000)
                with self.assertRaises(libws.ConnectionClosedOK):
                    await ws.recv()
                with self.assertRaises(libws.ConnectionClosed):
                    await ws.send("late")
                # A plain `await connect()` and an explicit close.
                ws2 = await lws_asyncio.connect(url)
                await ws2.send("y")
                self.assertEqual(await ws2.recv(), "y")
                await ws2.close(4005, "done")
                self.assertEqual(ws2.close_code, 4005)
                await ws2.wait_closed()

        self.run_async(main())

    def test_handler_error_and_refusal(self) -> None:
        async def bad(ws: lws_asyncio.WebSocket) -> None:
            await ws.recv()
            raise RuntimeError("boom")

        async def pr(req: libws.Request) -> Any:
            return (403, "no") if req.path == "/private" else None

        async def main() -> None:
            async with lws_asyncio.serve(bad, "127.0.0.1", 0, process_request=pr) as server:
                base = f"ws://127.0.0.1:{server.port}"
                with self.assertRaises(libws.InvalidStatus) as cm:
                    await lws_asyncio.connect(base + "/private")
                self.assertEqual(cm.exception.status, 403)
                async with lws_asyncio.connect(base + "/") as ws:
                    await ws.send("go")
                    with self.assertRaises(libws.ConnectionClosedError) as cm2:
                        await ws.recv()
                    self.assertEqual(cm2.exception.close_code, 1011)

        self.run_async(main())

    def test_server_shutdown_closes_connections_1001(self) -> None:
        async def wait_forever(ws: lws_asyncio.WebSocket) -> None:
            await ws.wait_closed()

        async def main() -> None:
            srv = lws_asyncio.serve(wait_forever, "127.0.0.1", 0)
            server = await srv.__aenter__()
            ws = await lws_asyncio.connect(f"ws://127.0.0.1:{server.port}/")
            await asyncio.sleep(0.05)
            await srv.__aexit__(None, None, None)
            with self.assertRaises(libws.ConnectionClosedOK):
                await ws.recv()
            self.assertEqual(ws.close_code, 1001)

        self.run_async(main())

    def test_async_client_sync_server(self) -> None:
        with SyncServer(echo) as srv:

            async def main() -> None:
                async with lws_asyncio.connect(srv.url) as ws:
                    for i in range(20):
                        await ws.send(str(i))
                    self.assertEqual([await ws.recv() for _ in range(20)], [str(i) for i in range(20)])

            self.run_async(main())


if __name__ == "__main__":
    unittest.main()
