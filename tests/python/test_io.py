"""The I/O helpers against each other over loopback: libws.sync and
libws.asyncio clients and servers — timeouts, iteration, closing, errors in
handlers, refusals, the heartbeat."""

from __future__ import annotations

import asyncio
import socket
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


class RawServer:
    """A one-shot TCP server answering the opening request with a fixed
    head (for handshakes the helpers must refuse)."""

    def __init__(self, answer: bytes) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"ws://127.0.0.1:{self.sock.getsockname()[1]}/"
        self.answer = answer
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        conn, _ = self.sock.accept()
        with conn:
            conn.settimeout(T)
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                data += chunk
            conn.sendall(self.answer)
            try:
                conn.recv(4096)  # until the client gives up
            except OSError:
                pass

    def close(self) -> None:
        self.thread.join(T)
        self.sock.close()


class SyncVisibilityTest(unittest.TestCase):
    """What the reader sees, in public: pings and pongs (hooks), whether a
    message arrived compressed, who started the close, handshake failures."""

    def test_ping_hooks_compression_and_initiator(self) -> None:
        server_pings: List[bytes] = []
        server_pongs: List[bytes] = []
        seen: List[Any] = []

        def handler(ws: lws_sync.WebSocket) -> None:
            ws.ping(b"from server").wait(T)
            for _ in range(2):
                m = ws.recv_message(T)
                seen.append((m.data, m.compressed))
                ws.send(m.data)
            ws.close(4001, "server done")
            seen.append(ws.close_initiator)

        pings: List[bytes] = []
        pongs: List[bytes] = []
        with SyncServer(handler, compression=True, on_ping=server_pings.append, on_pong=server_pongs.append) as srv:
            with lws_sync.connect(srv.url, compression=True, on_ping=pings.append, on_pong=pongs.append) as ws:
                self.assertIsNone(ws.close_event)
                self.assertIsNone(ws.close_initiator)
                self.assertTrue(ws.ping(b"from client").wait(T))
                ws.send("z" * 500)
                m = ws.recv_message(T)
                self.assertEqual(m, libws.TextMessage("z" * 500, compressed=True))
                ws.send(b"q")
                self.assertEqual(ws.recv_message(T), libws.BytesMessage(b"q"))  # short: not compressed
                with self.assertRaises(libws.ConnectionClosedError):
                    ws.recv(T)
                self.assertEqual(pings, [b"from server"])
                self.assertEqual(pongs, [b"from client"])
                self.assertEqual(ws.close_initiator, libws.Initiator.PEER)
                ev = ws.close_event
                assert ev is not None
                self.assertEqual((ev.code, ev.reason, ev.initiator), (4001, "server done", libws.Initiator.PEER))
                names = [n.lower() for n, _ in ws.response_headers]
                self.assertIn("sec-websocket-extensions", names)
        self.assertEqual(server_pings, [b"from client"])
        self.assertEqual(server_pongs, [b"from server"])
        self.assertEqual(seen, [("z" * 500, True), (b"q", False), libws.Initiator.US])

    def test_close_initiator_us(self) -> None:
        with SyncServer(echo) as srv:
            ws = lws_sync.connect(srv.url)
            ws.close(4002, "bye")
            self.assertEqual(ws.close_initiator, libws.Initiator.US)
            self.assertEqual(ws.close_event, libws.Close(4002, "", libws.Initiator.US))  # the reply echoes the code only

    def test_hook_errors_go_to_excepthook(self) -> None:
        caught: List[BaseException] = []
        old = threading.excepthook
        threading.excepthook = lambda args: caught.append(args.exc_value)  # type: ignore[assignment]
        try:

            def bad_hook(payload: bytes) -> None:
                raise RuntimeError("hook " + payload.decode())

            with SyncServer(echo) as srv:
                with lws_sync.connect(srv.url, on_pong=bad_hook) as ws:
                    self.assertTrue(ws.ping(b"1").wait(T))
                    ws.send("still open")
                    self.assertEqual(ws.recv(T), "still open")
        finally:
            threading.excepthook = old
        self.assertEqual([str(e) for e in caught], ["hook 1"])

    def test_request_headers_and_refusal_details(self) -> None:
        got: List[libws.Request] = []

        def pr(req: libws.Request) -> Any:
            got.append(req)
            return (401, "who are you") if req.path == "/private" else None

        with SyncServer(echo, process_request=pr) as srv:
            with self.assertRaises(libws.InvalidStatus) as cm:
                lws_sync.connect(srv.url + "private", extra_headers=[("X-One", "1"), ("X-Two", "2")])
            e = cm.exception
            self.assertEqual((e.status, e.failure), (401, libws.HandshakeFailure.STATUS))
            self.assertIn("Content-Length", [n for n, _ in e.headers])
        names = [n for n, _ in got[0].headers]
        self.assertLess(names.index("X-One"), names.index("X-Two"))

    def test_bad_answer_is_a_handshake_error(self) -> None:
        raw = RawServer(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: c29tZXRoaW5nIGVsc2UgZW50aXJlbHk=\r\n\r\n"
        )
        try:
            with self.assertRaises(libws.HandshakeError) as cm:
                lws_sync.connect(raw.url, open_timeout=T)
            self.assertNotIsInstance(cm.exception, libws.InvalidStatus)
            self.assertEqual((cm.exception.failure, cm.exception.field), (libws.HandshakeFailure.ACCEPT, "Sec-WebSocket-Accept"))
        finally:
            raw.close()

    def test_fixed_key(self) -> None:
        key = "dGhlIHNhbXBsZSBub25jZQ=="
        seen: List[libws.Request] = []
        with SyncServer(echo, process_request=lambda r: seen.append(r)) as srv:  # type: ignore[func-returns-value]
            with lws_sync.connect(srv.url, key=key) as ws:
                with ws._lock:  # the reader thread may be using the connection (Busy otherwise)
                    self.assertEqual(ws.protocol.key, key)  # type: ignore[attr-defined]
                self.assertIn(("Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="), ws.response_headers)
        self.assertIn(("Sec-WebSocket-Key", key), seen[0].headers)


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

    def test_visibility(self) -> None:
        server_pings: List[bytes] = []
        seen: List[Any] = []

        async def handler(ws: lws_asyncio.WebSocket) -> None:
            await asyncio.wait_for(await ws.ping(b"from server"), T)
            m = await ws.recv_message()
            seen.append((m.data, m.compressed))
            await ws.send(m.data)
            await ws.close(4001, "server done")
            seen.append(ws.close_initiator)

        async def main() -> None:
            pings: List[bytes] = []
            pongs: List[bytes] = []
            async with lws_asyncio.serve(handler, "127.0.0.1", 0, compression=True, on_ping=server_pings.append) as server:
                url = f"ws://127.0.0.1:{server.port}/"
                async with lws_asyncio.connect(url, compression=True, on_ping=pings.append, on_pong=pongs.append) as ws:
                    self.assertIsNone(ws.close_initiator)
                    await asyncio.wait_for(await ws.ping(b"from client"), T)
                    await ws.send("z" * 500)
                    self.assertEqual(await ws.recv_message(), libws.TextMessage("z" * 500, compressed=True))
                    with self.assertRaises(libws.ConnectionClosedError):
                        await ws.recv()
                    self.assertEqual(pings, [b"from server"])
                    self.assertEqual(pongs, [b"from client"])
                    self.assertEqual(ws.close_event, libws.Close(4001, "server done", libws.Initiator.PEER))
                    self.assertEqual(ws.close_initiator, libws.Initiator.PEER)
                    self.assertTrue(ws.response_headers)

        self.run_async(main())
        self.assertEqual(server_pings, [b"from client"])
        self.assertEqual(seen, [("z" * 500, True), libws.Initiator.US])

    def test_hook_errors_go_to_the_loop(self) -> None:
        caught: List[Any] = []

        async def echo_a(ws: lws_asyncio.WebSocket) -> None:
            async for m in ws:
                await ws.send(m)

        def bad_hook(payload: bytes) -> None:
            raise RuntimeError("hook")

        async def main() -> None:
            asyncio.get_running_loop().set_exception_handler(lambda loop, ctx: caught.append(ctx.get("exception")))
            async with lws_asyncio.serve(echo_a, "127.0.0.1", 0) as server:
                async with lws_asyncio.connect(f"ws://127.0.0.1:{server.port}/", on_pong=bad_hook) as ws:
                    await asyncio.wait_for(await ws.ping(b"1"), T)
                    await ws.send("still open")
                    self.assertEqual(await ws.recv(), "still open")

        self.run_async(main())
        self.assertEqual([str(e) for e in caught], ["hook"])

    def test_bad_answer_is_a_handshake_error(self) -> None:
        raw = RawServer(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n")

        async def main() -> None:
            with self.assertRaises(libws.HandshakeError) as cm:
                await lws_asyncio.connect(raw.url)
            self.assertNotIsInstance(cm.exception, libws.InvalidStatus)
            self.assertEqual(cm.exception.failure, libws.HandshakeFailure.MISSING_HEADER)
            self.assertTrue(cm.exception.field)

        try:
            self.run_async(main())
        finally:
            raw.close()

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
