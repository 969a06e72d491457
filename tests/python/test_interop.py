"""Interop over loopback sockets with a real peer: Debian's python3-websockets
(10.4). Our servers (sans-I/O over a socket, libws.sync, libws.asyncio)
against a websockets client, and our clients against a websockets server:
text, binary, fragmented, compressed (context takeover on and off), ping /
pong, close codes and reasons — checked on both sides.
"""

from __future__ import annotations

import asyncio
import http
import queue
import socket
import threading
import unittest
from typing import Any, Dict, List, Optional

from helpers import BINDING  # noqa: F401  (puts the binding on sys.path)

import libws
from libws import Deflate, Initiator, ServerConnection, TextMessage
from libws import asyncio as lws_asyncio
from libws import sync as lws_sync

try:
    import websockets
    from websockets.extensions import permessage_deflate as pmd
except ImportError as e:  # a missing peer is a failure, never a skip
    raise ImportError(
        f"interop tests need python3-websockets (Debian) under this interpreter: {e}; "
        "run tests/python/run.sh, which installs it"
    ) from e

T = 10.0  # seconds: every wait is bounded


# ---- websockets helpers ---------------------------------------------------------


class Recording(pmd.PerMessageDeflate):
    """websockets' permessage-deflate, recording RSV1 of the frames it
    decodes (so that we see the peer's messages were compressed)."""

    seen: List[bool]

    def decode(self, frame: Any, *, max_size: Optional[int] = None) -> Any:
        if frame.opcode in (1, 2):
            self.seen.append(bool(frame.rsv1))
        return super().decode(frame, max_size=max_size)


def _recording(ext: Any, sink: List[Any]) -> Any:
    ext.__class__ = Recording
    ext.seen = []
    sink.append(ext)
    return ext


class ClientFactory(pmd.ClientPerMessageDeflateFactory):
    def __init__(self, sink: List[Any], **kw: Any) -> None:
        super().__init__(**kw)
        self.sink = sink

    def process_response_params(self, params: Any, accepted: Any) -> Any:
        return _recording(super().process_response_params(params, accepted), self.sink)


class ServerFactory(pmd.ServerPerMessageDeflateFactory):
    def __init__(self, sink: List[Any], **kw: Any) -> None:
        super().__init__(**kw)
        self.sink = sink

    def process_request_params(self, params: Any, accepted: Any) -> Any:
        response, ext = super().process_request_params(params, accepted)
        return response, _recording(ext, self.sink)


# The compression modes: (name, our Deflate for a client, websockets factory kwargs, expected params)
MODES = [
    ("plain", None, None, None),
    ("takeover", Deflate(), {}, libws.DeflateParams(False, False, 15, 15)),
    (
        "no-takeover",
        Deflate(server_no_context_takeover=True, client_no_context_takeover=True),
        {"server_no_context_takeover": True, "client_no_context_takeover": True},
        libws.DeflateParams(True, True, 15, 15),
    ),
]

LONG_TEXT = "compressible text, repeated. " * 200
LONG_BYTES = bytes(range(256)) * 64


async def websockets_client_script(url: str, mode: Any, subprotocol: bool = True) -> Dict[str, Any]:
    """Talks to one of our servers with a websockets client and returns what
    it saw. The server echoes every message and closes with 4001 after
    "close-me"."""
    _, _, kw, _ = mode
    sink: List[Any] = []
    extensions = None if kw is None else [ClientFactory(sink, **kw)]
    out: Dict[str, Any] = {}
    async with websockets.connect(
        url,
        compression=None,
        extensions=extensions,
        subprotocols=["chat.v2", "chat.v1"] if subprotocol else None,
        open_timeout=T,
        close_timeout=T,
        max_size=2**24,
    ) as ws:
        out["subprotocol"] = ws.subprotocol
        echoes = []
        for msg in ["hello ✓", b"\x00\x01\x02", LONG_TEXT, LONG_BYTES, "", b""]:
            await ws.send(msg)
            echoes.append(await asyncio.wait_for(ws.recv(), T) == msg)
        await ws.send(["frag", "men", "ted ✓"])  # a fragmented text message
        echoes.append(await asyncio.wait_for(ws.recv(), T) == "fragmented ✓")
        await ws.send([b"\x01", b"\x02"])
        echoes.append(await asyncio.wait_for(ws.recv(), T) == b"\x01\x02")
        out["echoes"] = echoes
        pong = await ws.ping(b"are you there")
        await asyncio.wait_for(pong, T)
        out["pong"] = True
        if sink:
            e = sink[0]
            out["params"] = libws.DeflateParams(
                e.remote_no_context_takeover, e.local_no_context_takeover, e.remote_max_window_bits, e.local_max_window_bits
            )
            out["rsv1"] = list(e.seen)
        await ws.close(4000, "client says bye")
        out["close"] = (ws.close_code, ws.close_reason)
    # A second connection: the server closes it.
    async with websockets.connect(url, compression=None, extensions=None, open_timeout=T, close_timeout=T) as ws:
        await ws.send("close-me")
        try:
            await asyncio.wait_for(ws.recv(), T)
        except websockets.ConnectionClosed:
            pass
        await asyncio.wait_for(ws.wait_closed(), T)
        out["server_close"] = (ws.close_code, ws.close_reason)
    return out


def check_websockets_client_run(tc: unittest.TestCase, out: Dict[str, Any], mode: Any, records: List[Dict[str, Any]]) -> None:
    name, _, kw, params = mode
    tc.assertEqual(out["subprotocol"], "chat.v1")
    tc.assertEqual(out["echoes"], [True] * 8)
    tc.assertTrue(out["pong"])
    tc.assertEqual(out["close"], (4000, ""))  # libws echoes the code without the reason
    tc.assertEqual(out["server_close"], (4001, "server says bye"))
    if params is None:
        tc.assertNotIn("params", out)
    else:
        # websockets' view: (server_no_ctx = remote for a client, ...).
        tc.assertEqual(out["params"], params)
        # Our echoes of the long messages were compressed, the short ones not.
        tc.assertEqual(out["rsv1"], [False, False, True, True, False, False, False, False])
    # Our side: the first record is the first connection.
    rec = records[0]
    tc.assertEqual(rec["subprotocol"], "chat.v1")
    tc.assertEqual(rec["deflate"], params)
    tc.assertEqual(
        rec["messages"],
        ["hello ✓", b"\x00\x01\x02", LONG_TEXT, LONG_BYTES, "", b"", "fragmented ✓", b"\x01\x02"],
    )
    tc.assertEqual(rec["closed"], (4000, "client says bye"))
    tc.assertEqual(records[1]["messages"], ["close-me"])


# ---- our servers ------------------------------------------------------------------


def sync_handler(records: "queue.Queue[Dict[str, Any]]") -> Any:
    def handler(ws: lws_sync.WebSocket) -> None:
        rec: Dict[str, Any] = {
            "subprotocol": ws.subprotocol,
            "deflate": ws.open_event.deflate if ws.open_event else None,
            "target": ws.request.target if ws.request else None,
            "messages": [],
        }
        try:
            for msg in ws:
                rec["messages"].append(msg)
                if msg == "close-me":
                    ws.close(4001, "server says bye")
                    break
                ws.send(msg)
        except libws.ConnectionClosed as e:
            rec["closed"] = (e.close_code, e.close_reason)
        else:
            rec["closed"] = (ws.close_code, ws.close_reason)
        records.put(rec)

    return handler


def async_handler(records: "queue.Queue[Dict[str, Any]]") -> Any:
    async def handler(ws: lws_asyncio.WebSocket) -> None:
        rec: Dict[str, Any] = {
            "subprotocol": ws.subprotocol,
            "deflate": ws.open_event.deflate if ws.open_event else None,
            "messages": [],
        }
        try:
            async for msg in ws:
                rec["messages"].append(msg)
                if msg == "close-me":
                    await ws.close(4001, "server says bye")
                    break
                await ws.send(msg)
        except libws.ConnectionClosed as e:
            rec["closed"] = (e.close_code, e.close_reason)
        else:
            rec["closed"] = (ws.close_code, ws.close_reason)
        records.put(rec)

    return handler


def drain(records: "queue.Queue[Dict[str, Any]]", n: int) -> List[Dict[str, Any]]:
    return [records.get(timeout=T) for _ in range(n)]


class SyncServerTest(unittest.TestCase):
    """libws.sync.serve against a websockets client."""

    def run_mode(self, mode: Any) -> None:
        records: "queue.Queue[Dict[str, Any]]" = queue.Queue()
        compression = None if mode[2] is None else Deflate()
        with lws_sync.serve(
            sync_handler(records), "127.0.0.1", 0, subprotocols=["chat.v1"], compression=compression
        ) as server:
            t = threading.Thread(target=server.serve_forever, daemon=True)
            t.start()
            out = asyncio.run(websockets_client_script(f"ws://127.0.0.1:{server.port}/sync?x=1", mode))
            recs = drain(records, 2)
        t.join(T)
        self.assertFalse(t.is_alive())
        check_websockets_client_run(self, out, mode, recs)
        self.assertEqual(recs[0]["target"], "/sync?x=1")

    def test_plain(self) -> None:
        self.run_mode(MODES[0])

    def test_deflate_context_takeover(self) -> None:
        self.run_mode(MODES[1])

    def test_deflate_no_context_takeover(self) -> None:
        self.run_mode(MODES[2])

    def test_process_request_rejects(self) -> None:
        def process_request(req: libws.Request) -> Any:
            return (403, "forbidden path") if req.path == "/private" else None

        records: "queue.Queue[Dict[str, Any]]" = queue.Queue()
        with lws_sync.serve(sync_handler(records), "127.0.0.1", 0, process_request=process_request) as server:
            threading.Thread(target=server.serve_forever, daemon=True).start()

            async def go() -> Any:
                try:
                    await websockets.connect(f"ws://127.0.0.1:{server.port}/private", open_timeout=T)
                except websockets.InvalidStatusCode as e:
                    return e.status_code
                async with websockets.connect(f"ws://127.0.0.1:{server.port}/public", open_timeout=T) as ws:
                    await ws.send("ok")
                    return await ws.recv()

            self.assertEqual(asyncio.run(go()), 403)


class AsyncioServerTest(unittest.TestCase):
    """libws.asyncio.serve against a websockets client (same loop)."""

    def run_mode(self, mode: Any) -> None:
        records: "queue.Queue[Dict[str, Any]]" = queue.Queue()
        compression = None if mode[2] is None else Deflate()

        async def main() -> Dict[str, Any]:
            async with lws_asyncio.serve(
                async_handler(records), "127.0.0.1", 0, subprotocols=["chat.v1"], compression=compression
            ) as server:
                return await asyncio.wait_for(
                    websockets_client_script(f"ws://127.0.0.1:{server.port}/", mode), 3 * T
                )

        out = asyncio.run(main())
        check_websockets_client_run(self, out, mode, drain(records, 2))

    def test_plain(self) -> None:
        self.run_mode(MODES[0])

    def test_deflate_context_takeover(self) -> None:
        self.run_mode(MODES[1])

    def test_deflate_no_context_takeover(self) -> None:
        self.run_mode(MODES[2])


class SansIOServerTest(unittest.TestCase):
    """A ServerConnection driven by a plain socket loop: the events
    themselves (compressed flags, streaming chunks of a fragmented
    message, ping, close) as a websockets client produces them."""

    def serve_once(self, sock: socket.socket, events: List[Any], **options: Any) -> None:
        conn, _ = sock.accept()
        conn.settimeout(T)
        parts: List[str] = []
        with ServerConnection(**options) as s:
            while True:
                data = conn.recv(65536)
                if data:
                    s.receive_data(data)
                else:
                    s.receive_eof()
                for ev in s.events():
                    events.append(ev)
                    if isinstance(ev, TextMessage):
                        s.send_text(ev.data)
                    elif isinstance(ev, libws.TextChunk):
                        parts.append(ev.data)
                        if ev.last:
                            s.send_text("".join(parts))
                            parts.clear()
                conn.sendall(s.data_to_send())
                if s.hint == libws.Hint.CLOSE or not data:
                    break
        conn.close()

    def run_peer(self, mode: Any, **options: Any) -> List[Any]:
        lsock = socket.create_server(("127.0.0.1", 0))
        events: List[Any] = []
        t = threading.Thread(target=self.serve_once, args=(lsock, events), kwargs=options, daemon=True)
        t.start()
        _, _, kw, _ = mode
        sink: List[Any] = []

        async def go() -> None:
            async with websockets.connect(
                f"ws://127.0.0.1:{lsock.getsockname()[1]}/",
                compression=None,
                extensions=None if kw is None else [ClientFactory(sink, **kw)],
                open_timeout=T,
                close_timeout=T,
            ) as ws:
                await ws.send(LONG_TEXT)
                await ws.send("tiny")
                await asyncio.wait_for(ws.recv(), T)
                await asyncio.wait_for(ws.recv(), T)
                await ws.send(["a" * 1000, "b" * 1000])
                await asyncio.wait_for(ws.recv(), T)
                await asyncio.wait_for(await ws.ping(b"x"), T)
                await ws.close(1001, "going")

        asyncio.run(go())
        t.join(T)
        lsock.close()
        return events

    def test_compressed_flags(self) -> None:
        for mode in MODES:
            with self.subTest(mode[0]):
                evs = self.run_peer(mode, compression=None if mode[2] is None else True)
                msgs = [e for e in evs if isinstance(e, TextMessage)]
                self.assertEqual([m.data for m in msgs], [LONG_TEXT, "tiny", "a" * 1000 + "b" * 1000])
                # websockets compresses every message when deflate is on.
                self.assertEqual([m.compressed for m in msgs], [mode[2] is not None] * 3)
                self.assertEqual(evs[-2], libws.Ping(b"x"))
                self.assertEqual(evs[-1], libws.Close(1001, "going", Initiator.PEER))

    def test_streaming_chunks(self) -> None:
        evs = self.run_peer(MODES[1], compression=True, streaming=True)
        chunks = [e for e in evs if isinstance(e, libws.TextChunk)]
        self.assertEqual("".join(c.data for c in chunks), LONG_TEXT + "tiny" + "a" * 1000 + "b" * 1000)
        self.assertEqual(sum(c.last for c in chunks), 3)


# ---- our clients against a websockets server -------------------------------------


class WebsocketsServer:
    """websockets.serve in a loop thread; the handler echoes, records, and
    closes with 4002 after "close-me"."""

    def __init__(self, mode: Any) -> None:
        _, _, kw, _ = mode
        self.sink: List[Any] = []
        self.records: "queue.Queue[Dict[str, Any]]" = queue.Queue()
        self.extensions = None if kw is None else [ServerFactory(self.sink, **kw)]
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        if not self.ready.wait(T):
            raise RuntimeError("websockets server did not start")

    async def handler(self, ws: Any, path: str = "") -> None:
        rec: Dict[str, Any] = {"messages": [], "subprotocol": ws.subprotocol, "path": ws.path}
        try:
            async for msg in ws:
                rec["messages"].append(msg)
                if msg == "close-me":
                    await ws.close(4002, "websockets says bye")
                    break
                await ws.send(msg)
        except websockets.ConnectionClosed:
            pass
        await ws.wait_closed()
        rec["close"] = (ws.close_code, ws.close_reason)
        if self.sink:
            rec["rsv1"] = list(self.sink[-1].seen)
            e = self.sink[-1]
            rec["params"] = libws.DeflateParams(
                e.local_no_context_takeover, e.remote_no_context_takeover, e.local_max_window_bits, e.remote_max_window_bits
            )
        self.records.put(rec)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)

        async def start() -> None:
            self.server = await websockets.serve(
                self.handler,
                "127.0.0.1",
                0,
                compression=None,
                extensions=self.extensions,
                subprotocols=["chat.v1"],
                max_size=2**24,
                close_timeout=T,
            )
            self.port = self.server.sockets[0].getsockname()[1]
            self.ready.set()

        self.loop.run_until_complete(start())
        self.loop.run_forever()

    def stop(self) -> None:
        async def stop() -> None:
            self.server.close()
            await self.server.wait_closed()

        asyncio.run_coroutine_threadsafe(stop(), self.loop).result(T)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(T)
        self.loop.close()


def check_websockets_server_run(tc: unittest.TestCase, srv: WebsocketsServer, out: Dict[str, Any], mode: Any) -> None:
    name, _, kw, params = mode
    tc.assertEqual(out["subprotocol"], "chat.v1")
    tc.assertEqual(out["echoes"], [True] * 8)
    tc.assertTrue(out["pong"])
    tc.assertEqual(out["deflate"], params)
    tc.assertEqual(out["close"], (4000, "client says bye"))  # websockets echoes the reason
    tc.assertEqual(out["server_close"], (4002, "websockets says bye"))
    recs = [srv.records.get(timeout=T) for _ in range(2)]
    recs.sort(key=lambda r: len(r["messages"]), reverse=True)
    rec = recs[0]
    tc.assertEqual(rec["subprotocol"], "chat.v1")
    tc.assertEqual(rec["path"], "/echo?q=1")
    tc.assertEqual(
        rec["messages"],
        ["hello ✓", b"\x00\x01\x02", LONG_TEXT, LONG_BYTES, "", b"", "fragmented ✓", b"\x01\x02"],
    )
    tc.assertEqual(rec["close"], (4000, "client says bye"))
    if params is not None:
        tc.assertEqual(rec["params"], params)
        # libws compressed the long messages (min_size 32), not the short ones;
        # a fragmented message is compressed as a whole (RSV1 on its first frame).
        tc.assertEqual(rec["rsv1"][:6], [False, False, True, True, False, False])
    tc.assertEqual(recs[1]["messages"], ["close-me"])


class SyncClientTest(unittest.TestCase):
    """libws.sync.connect against a websockets server."""

    def run_mode(self, mode: Any) -> None:
        srv = WebsocketsServer(mode)
        try:
            url = f"ws://127.0.0.1:{srv.port}/echo?q=1"
            out: Dict[str, Any] = {}
            with lws_sync.connect(url, subprotocols=["chat.v2", "chat.v1"], compression=mode[1]) as ws:
                out["subprotocol"] = ws.subprotocol
                out["deflate"] = ws.open_event.deflate if ws.open_event else None
                echoes = []
                for msg in ["hello ✓", b"\x00\x01\x02", LONG_TEXT, LONG_BYTES, "", b""]:
                    ws.send(msg)
                    echoes.append(ws.recv(timeout=T) == msg)
                ws.send(["frag", "men", "ted ✓"])
                echoes.append(ws.recv(timeout=T) == "fragmented ✓")
                ws.send([b"\x01", b"\x02"])
                echoes.append(ws.recv(timeout=T) == b"\x01\x02")
                out["echoes"] = echoes
                out["pong"] = ws.ping(b"ping?").wait(T)
                ws.close(4000, "client says bye")
                out["close"] = (ws.close_code, ws.close_reason)
            with lws_sync.connect(url) as ws:
                ws.send("close-me")
                with self.assertRaises(libws.ConnectionClosedError) as cm:
                    ws.recv(timeout=T)
                out["server_close"] = (cm.exception.close_code, cm.exception.close_reason)
            check_websockets_server_run(self, srv, out, mode)
        finally:
            srv.stop()

    def test_plain(self) -> None:
        self.run_mode(MODES[0])

    def test_deflate_context_takeover(self) -> None:
        self.run_mode(MODES[1])

    def test_deflate_no_context_takeover(self) -> None:
        self.run_mode(MODES[2])

    def test_refused(self) -> None:
        async def refuse(path: str, headers: Any) -> Any:
            return (http.HTTPStatus.FORBIDDEN, [], b"no\n")

        loop = asyncio.new_event_loop()
        ready = threading.Event()
        box: Dict[str, Any] = {}

        def run() -> None:
            asyncio.set_event_loop(loop)
            # websockets 10.4 logs an AttributeError from closing a
            # connection its process_request refused: the peer's own noise.
            loop.set_exception_handler(lambda loop, ctx: None)

            async def start() -> None:
                box["srv"] = await websockets.serve(lambda ws, p=None: None, "127.0.0.1", 0, process_request=refuse)
                ready.set()

            loop.run_until_complete(start())
            loop.run_forever()

        t = threading.Thread(target=run, daemon=True)
        t.start()
        self.assertTrue(ready.wait(T))
        port = box["srv"].sockets[0].getsockname()[1]
        try:
            with self.assertRaises(libws.InvalidStatus) as cm:
                lws_sync.connect(f"ws://127.0.0.1:{port}/", open_timeout=T)
            self.assertEqual(cm.exception.status, 403)
        finally:

            async def stop() -> None:
                box["srv"].close()
                await box["srv"].wait_closed()

            asyncio.run_coroutine_threadsafe(stop(), loop).result(T)
            loop.call_soon_threadsafe(loop.stop)
            t.join(T)
            loop.close()


class AsyncioClientTest(unittest.TestCase):
    """libws.asyncio.connect against a websockets server."""

    def run_mode(self, mode: Any) -> None:
        srv = WebsocketsServer(mode)
        try:
            url = f"ws://127.0.0.1:{srv.port}/echo?q=1"

            async def go() -> Dict[str, Any]:
                out: Dict[str, Any] = {}
                async with lws_asyncio.connect(url, subprotocols=["chat.v2", "chat.v1"], compression=mode[1]) as ws:
                    out["subprotocol"] = ws.subprotocol
                    out["deflate"] = ws.open_event.deflate if ws.open_event else None
                    echoes = []
                    for msg in ["hello ✓", b"\x00\x01\x02", LONG_TEXT, LONG_BYTES, "", b""]:
                        await ws.send(msg)
                        echoes.append(await asyncio.wait_for(ws.recv(), T) == msg)
                    await ws.send(["frag", "men", "ted ✓"])
                    echoes.append(await asyncio.wait_for(ws.recv(), T) == "fragmented ✓")
                    await ws.send([b"\x01", b"\x02"])
                    echoes.append(await asyncio.wait_for(ws.recv(), T) == b"\x01\x02")
                    out["echoes"] = echoes
                    await asyncio.wait_for(await ws.ping(b"ping?"), T)
                    out["pong"] = True
                    await ws.close(4000, "client says bye")
                    out["close"] = (ws.close_code, ws.close_reason)
                ws2 = await lws_asyncio.connect(url)
                await ws2.send("close-me")
                try:
                    await asyncio.wait_for(ws2.recv(), T)
                except libws.ConnectionClosedError as e:
                    out["server_close"] = (e.close_code, e.close_reason)
                await ws2.close()
                return out

            out = asyncio.run(go())
            check_websockets_server_run(self, srv, out, mode)
        finally:
            srv.stop()

    def test_plain(self) -> None:
        self.run_mode(MODES[0])

    def test_deflate_context_takeover(self) -> None:
        self.run_mode(MODES[1])

    def test_deflate_no_context_takeover(self) -> None:
        self.run_mode(MODES[2])


class OurClientOurServerTest(unittest.TestCase):
    """libws.sync client against the libws.asyncio server: heartbeat pings
    and a streamed (fragmented) send through both helpers."""

    def test_heartbeat_and_fragments(self) -> None:
        records: "queue.Queue[Dict[str, Any]]" = queue.Queue()
        loop = asyncio.new_event_loop()
        ready = threading.Event()
        box: Dict[str, Any] = {}

        def run() -> None:
            asyncio.set_event_loop(loop)

            async def start() -> None:
                box["srv"] = await lws_asyncio.serve(async_handler(records), "127.0.0.1", 0, ping_interval=0.05)
                ready.set()

            loop.run_until_complete(start())
            loop.run_forever()

        t = threading.Thread(target=run, daemon=True)
        t.start()
        self.assertTrue(ready.wait(T))
        try:
            with lws_sync.connect(f"ws://127.0.0.1:{box['srv'].port}/", ping_interval=None) as ws:
                import time

                time.sleep(0.3)  # the server's heartbeat pings; our reader answers them
                ws.send(iter([b"x" * 10, b"y" * 10]))
                self.assertEqual(ws.recv(timeout=T), b"x" * 10 + b"y" * 10)
                ws.send("close-me")
                with self.assertRaises(libws.ConnectionClosedError):
                    ws.recv(timeout=T)
                self.assertEqual(ws.close_code, 4001)
            rec = records.get(timeout=T)
            self.assertEqual(rec["messages"], [b"x" * 10 + b"y" * 10, "close-me"])
        finally:
            async def stop() -> None:
                box["srv"].close()
                await box["srv"].wait_closed()

            asyncio.run_coroutine_threadsafe(stop(), loop).result(T)
            loop.call_soon_threadsafe(loop.stop)
            t.join(T)
            loop.close()


if __name__ == "__main__":
    unittest.main()
