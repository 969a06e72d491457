"""The deferred close of the I/O helpers: when the peer's close (or a fault
of the peer) arrives right behind messages, libws queues our close frame
only when the Close event is taken, and libws.sync / libws.asyncio take it
only once the application is done with those messages — so every message
is received and can be answered before the close reply goes out. An
application that never reads still gets the close answered (after
close_timeout), close() answers it at once, and pings before the close are
still answered.

The peer is a raw socket with frames built and parsed here by hand."""

from __future__ import annotations

import asyncio
import os
import socket
import struct
import threading
import time
import unittest
from typing import Any, Callable, Dict, List, Tuple

from helpers import handshake

import libws
from libws import asyncio as lws_asyncio
from libws import sync as lws_sync

T = 10.0
KEY = "dGhlIHNhbXBsZSBub25jZQ=="

Frame = Tuple[int, bytes]  # (opcode, payload), final frames only here


def frame(opcode: int, payload: bytes = b"", *, masked: bool = True, fin: bool = True, rsv: int = 0) -> bytes:
    head = bytearray([(0x80 if fin else 0) | rsv << 4 | opcode])
    m = 0x80 if masked else 0
    n = len(payload)
    if n < 126:
        head.append(m | n)
    elif n < 65536:
        head.append(m | 126)
        head += struct.pack("!H", n)
    else:
        head.append(m | 127)
        head += struct.pack("!Q", n)
    if not masked:
        return bytes(head) + payload
    key = os.urandom(4)
    body = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
    return bytes(head) + key + body


def text(s: str, **kw: Any) -> bytes:
    return frame(0x1, s.encode(), **kw)


def close_frame(code: int = 1000, reason: str = "", **kw: Any) -> bytes:
    return frame(0x8, struct.pack("!H", code) + reason.encode(), **kw)


class RawPeer:
    """One end of a WebSocket connection over a socket, by hand: sends
    bytes, reads frames (unmasking them)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.sock.settimeout(T)
        self.buf = b""

    def _need(self, n: int) -> bytes:
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("the peer closed the connection")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_head(self) -> bytes:
        while b"\r\n\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("the peer closed the connection during the handshake")
            self.buf += chunk
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        return head

    def read_frame(self) -> Frame:
        b0, b1 = self._need(2)
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", self._need(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", self._need(8))[0]
        key = self._need(4) if b1 & 0x80 else b""
        payload = self._need(n)
        if key:
            payload = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
        assert b0 & 0x80, "fragmented frames are not expected here"
        return b0 & 0x0F, payload

    def frames_until_close(self) -> List[Frame]:
        """Frames up to and including the close frame."""
        out: List[Frame] = []
        while True:
            f = self.read_frame()
            out.append(f)
            if f[0] == 0x8:
                return out

    def close(self) -> None:
        self.sock.close()


def raw_client(port: int) -> RawPeer:
    sock = socket.create_connection(("127.0.0.1", port), timeout=T)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.sendall(
        (
            "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    peer = RawPeer(sock)
    head = peer.read_head()
    assert head.startswith(b"HTTP/1.1 101"), head
    return peer


def close_code(f: Frame) -> int:
    assert f[0] == 0x8, f
    return int(struct.unpack("!H", f[1][:2])[0])


class SyncServer:
    def __init__(self, handler: Callable[[lws_sync.WebSocket], None], **kw: Any) -> None:
        self.server = lws_sync.serve(handler, "127.0.0.1", 0, ping_interval=None, **kw)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.port = self.server.port

    def __enter__(self) -> "SyncServer":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.__exit__()
        self.thread.join(T)
        assert not self.thread.is_alive()


def slow_echo(ws: lws_sync.WebSocket) -> None:
    """An echo handler that takes its time, so that the peer's close is
    always read before the messages are answered."""
    for m in ws:
        time.sleep(0.02)
        ws.send(m)


class ConnectionCloseQueuedTest(unittest.TestCase):
    """The sans-I/O part: close_queued and events_before_close."""

    def test_peer_close_stays_queued(self) -> None:
        c, s, _, _ = handshake()
        c.send("a")
        c.send("b")
        c.close(1001, "away")
        s.receive_data(c.data_to_send())
        self.assertTrue(s.close_queued)
        self.assertEqual(s.events_before_close(), [libws.TextMessage("a"), libws.TextMessage("b")])
        self.assertTrue(s.close_queued)
        self.assertEqual(s.pending_events, 1)
        self.assertEqual(s.state, libws.State.CLOSING)
        self.assertEqual(s.data_to_send(), b"")  # no close frame yet
        self.assertEqual(s.events_before_close(), [])  # nothing more before it
        s.send("answer")
        (ev,) = s.events_received()
        self.assertEqual((type(ev), ev.code), (libws.Close, 1001))  # type: ignore[attr-defined]
        self.assertFalse(s.close_queued)
        got = [(type(e), getattr(e, "data", None)) for e in (list(_pump(s, c)))]
        self.assertEqual(got[0], (libws.TextMessage, "answer"))
        self.assertEqual(got[1][0], libws.Close)

    def test_fault_stays_queued(self) -> None:
        c, s, _, _ = handshake()
        c.send("a")
        s.receive_data(c.data_to_send() + frame(0x3, b"reserved"))
        self.assertTrue(s.close_queued)
        self.assertEqual(s.events_before_close(), [libws.TextMessage("a")])
        self.assertEqual(s.data_to_send(), b"")
        (ev,) = s.events_received()
        self.assertEqual((type(ev), ev.initiator), (libws.Close, libws.Initiator.FAILURE))  # type: ignore[attr-defined]
        self.assertTrue(s.data_to_send())  # the close frame (1002)

    def test_many_events_before_the_close(self) -> None:
        c, s, _, _ = handshake()
        for i in range(600):  # more than a batch
            c.send(str(i))
        c.close()
        s.receive_data(c.data_to_send())
        evs = s.events_before_close()
        self.assertEqual([e.data for e in evs], [str(i) for i in range(600)])  # type: ignore[attr-defined]
        self.assertTrue(s.close_queued)
        self.assertEqual(s.pending_events, 1)

    def test_not_queued_otherwise(self) -> None:
        c, s, _, _ = handshake()
        self.assertFalse(s.close_queued)
        c.send("a")
        s.receive_data(c.data_to_send())
        self.assertFalse(s.close_queued)
        self.assertEqual(s.events_before_close(), [libws.TextMessage("a")])
        # Our own close: the peer's reply is not held back.
        s.close()
        self.assertFalse(s.close_queued)
        c.receive_data(s.data_to_send())
        list(c.events())  # c takes the close: its reply is queued
        s.receive_data(c.data_to_send())
        self.assertFalse(s.close_queued)
        (ev,) = s.events_before_close()
        self.assertEqual((type(ev), ev.initiator), (libws.Close, libws.Initiator.US))  # type: ignore[attr-defined]


def _pump(src: libws.Connection, dst: libws.Connection) -> List[libws.Event]:
    dst.receive_data(src.data_to_send())
    return dst.events_received()


class SyncServerCloseOrderTest(unittest.TestCase):
    def test_messages_before_close_are_answered_first(self) -> None:
        with SyncServer(slow_echo) as srv:
            peer = raw_client(srv.port)
            try:
                peer.sock.sendall(b"".join(text(f"m{i}") for i in range(10)) + close_frame(1000, "done"))
                got = peer.frames_until_close()
            finally:
                peer.close()
        self.assertEqual(got[:-1], [(0x1, f"m{i}".encode()) for i in range(10)])
        self.assertEqual(close_code(got[-1]), 1000)

    def test_message_before_a_fault_is_answered_first(self) -> None:
        # Autobahn 3.2 / 4.1.3: a message, then a bad frame, then a ping.
        with SyncServer(slow_echo) as srv:
            # An RSV bit nobody claimed (3.2), a reserved opcode (4.1.3).
            for bad in (frame(0x1, b"Hello, world!", rsv=2), frame(0x3)):
                peer = raw_client(srv.port)
                try:
                    peer.sock.sendall(text("Hello, world!") + bad + frame(0x9))
                    got = peer.frames_until_close()
                finally:
                    peer.close()
                self.assertEqual(got[:-1], [(0x1, b"Hello, world!")])
                self.assertEqual(close_code(got[-1]), 1002)

    def test_pings_before_the_close_are_answered(self) -> None:
        with SyncServer(slow_echo) as srv:
            peer = raw_client(srv.port)
            try:
                peer.sock.sendall(frame(0x9, b"p1") + text("a") + frame(0x9, b"p2") + close_frame())
                got = peer.frames_until_close()
            finally:
                peer.close()
        self.assertEqual(sorted(got[:-1]), [(0x1, b"a"), (0xA, b"p1"), (0xA, b"p2")])
        self.assertEqual(close_code(got[-1]), 1000)

    def test_a_handler_that_never_reads_gets_the_close_answered(self) -> None:
        release = threading.Event()
        after: List[Any] = []

        def handler(ws: lws_sync.WebSocket) -> None:
            release.wait(T)  # does not read meanwhile
            try:
                after.append(ws.recv(T))  # the messages stay available
                after.append(ws.recv(T))
            except libws.ConnectionClosed as e:
                after.append(type(e))

        with SyncServer(handler, close_timeout=0.5) as srv:
            peer = raw_client(srv.port)
            try:
                t0 = time.monotonic()
                peer.sock.sendall(text("a") + close_frame(1000))
                got = peer.frames_until_close()
                elapsed = time.monotonic() - t0
            finally:
                release.set()
                peer.close()
        self.assertEqual(len(got), 1)
        self.assertEqual(close_code(got[0]), 1000)
        self.assertGreaterEqual(elapsed, 0.4)  # waited for the application ...
        self.assertLess(elapsed, T / 2)  # ... up to close_timeout
        self.assertEqual(after, ["a", libws.ConnectionClosedOK])

    def test_a_close_without_messages_is_answered_at_once(self) -> None:
        release = threading.Event()

        def handler(ws: lws_sync.WebSocket) -> None:
            release.wait(T)  # does not read

        with SyncServer(handler, close_timeout=T) as srv:
            peer = raw_client(srv.port)
            try:
                t0 = time.monotonic()
                peer.sock.sendall(close_frame(1001))
                got = peer.frames_until_close()
                elapsed = time.monotonic() - t0
            finally:
                release.set()
                peer.close()
        self.assertEqual(close_code(got[0]), 1001)
        self.assertLess(elapsed, T / 4)

    def test_close_answers_a_held_close_at_once(self) -> None:
        after: List[Any] = []
        have_first = threading.Event()

        def handler(ws: lws_sync.WebSocket) -> None:
            after.append(ws.recv(T))
            have_first.wait(T)
            # Until the second message and the close are read.
            deadline = time.monotonic() + T
            while time.monotonic() < deadline:
                with ws._lock:  # the reader's lock on the connection
                    if ws.protocol.close_queued:
                        break
                time.sleep(0.005)
            ws.close(4000)  # answers the peer's close (its code)
            after.append(ws.recv(T))  # still there
            try:
                ws.recv(T)
            except libws.ConnectionClosedOK:
                after.append("closed")

        with SyncServer(handler, close_timeout=T) as srv:
            peer = raw_client(srv.port)
            try:
                t0 = time.monotonic()
                peer.sock.sendall(text("a"))
                time.sleep(0.05)
                peer.sock.sendall(text("b") + close_frame(1000))
                have_first.set()
                got = peer.frames_until_close()
                elapsed = time.monotonic() - t0
            finally:
                peer.close()
        self.assertEqual(close_code(got[0]), 1000)
        self.assertLess(elapsed, T / 4)
        deadline = time.monotonic() + T
        while len(after) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        self.assertEqual(after, ["a", "b", "closed"])

    def test_recv_after_the_last_message_releases_the_close(self) -> None:
        # recv() with a timeout, polled: the close is answered only after
        # the last message was answered.
        def handler(ws: lws_sync.WebSocket) -> None:
            n = 0
            while True:
                try:
                    m = ws.recv(0.01)
                except TimeoutError:
                    continue
                except libws.ConnectionClosed:
                    return
                n += 1
                time.sleep(0.05)
                ws.send(f"{m!s}/{n}")

        with SyncServer(handler) as srv:
            peer = raw_client(srv.port)
            try:
                peer.sock.sendall(text("x") + text("y") + close_frame(1000))
                got = peer.frames_until_close()
            finally:
                peer.close()
        self.assertEqual(got[:-1], [(0x1, b"x/1"), (0x1, b"y/2")])


class SyncClientCloseOrderTest(unittest.TestCase):
    """A server that sends its messages and its close right behind the 101
    response (one write): the client answers every message first."""

    def serve_once(self, burst: bytes) -> Tuple[int, List[Frame], threading.Thread]:
        lsock = socket.create_server(("127.0.0.1", 0))
        got: List[Frame] = []

        def run() -> None:
            conn, _ = lsock.accept()
            lsock.close()
            peer = RawPeer(conn)
            try:
                req = peer.read_head().decode()
                key = next(line.split(":", 1)[1].strip() for line in req.split("\r\n") if line.lower().startswith("sec-websocket-key:"))
                resp = (
                    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    f"Sec-WebSocket-Accept: {libws.accept_key(key)}\r\n\r\n"
                ).encode()
                conn.sendall(resp + burst)
                got.extend(peer.frames_until_close())
            finally:
                peer.close()

        t = threading.Thread(target=run, daemon=True)
        t.start()
        return lsock.getsockname()[1], got, t

    def test_client_answers_before_the_close(self) -> None:
        burst = b"".join(text(f"s{i}", masked=False) for i in range(5)) + close_frame(1000, masked=False)
        port, got, t = self.serve_once(burst)
        with lws_sync.connect(f"ws://127.0.0.1:{port}/", ping_interval=None, close_timeout=2.0) as ws:
            for m in ws:
                time.sleep(0.02)
                ws.send(m)
        t.join(T)
        self.assertEqual(got[:-1], [(0x1, f"s{i}".encode()) for i in range(5)])
        self.assertEqual(close_code(got[-1]), 1000)
        self.assertEqual(ws.close_initiator, libws.Initiator.PEER)

    def test_asyncio_client_answers_before_the_close(self) -> None:
        burst = text("one", masked=False) + frame(0x3, masked=False)  # then a fault
        port, got, t = self.serve_once(burst)

        async def main() -> None:
            async with lws_asyncio.connect(f"ws://127.0.0.1:{port}/", ping_interval=None, close_timeout=2.0) as ws:
                try:
                    async for m in ws:
                        await asyncio.sleep(0.02)
                        await ws.send(m)
                except libws.ConnectionClosedError:
                    pass
                self.assertEqual(ws.close_initiator, libws.Initiator.FAILURE)

        asyncio.run(asyncio.wait_for(main(), 3 * T))
        t.join(T)
        self.assertEqual(got[:-1], [(0x1, b"one")])
        self.assertEqual(close_code(got[-1]), 1002)


class AsyncioServerCloseOrderTest(unittest.TestCase):
    def serve(self, handler: Callable[[lws_asyncio.WebSocket], Any], peer_fn: Callable[[int], Any], **kw: Any) -> Any:
        """Runs an asyncio server with handler; peer_fn(port) runs in a
        thread (raw socket I/O); returns its result."""
        result: List[Any] = []
        errors: List[BaseException] = []

        async def main() -> None:
            async with lws_asyncio.serve(handler, "127.0.0.1", 0, ping_interval=None, **kw) as server:

                def go() -> None:
                    try:
                        result.append(peer_fn(server.port))
                    except BaseException as e:  # noqa: BLE001
                        errors.append(e)

                th = threading.Thread(target=go, daemon=True)
                th.start()
                while th.is_alive():
                    await asyncio.sleep(0.01)

        asyncio.run(asyncio.wait_for(main(), 3 * T))
        if errors:
            raise errors[0]
        return result[0]

    def test_messages_before_close_are_answered_first(self) -> None:
        async def handler(ws: lws_asyncio.WebSocket) -> None:
            async for m in ws:
                await asyncio.sleep(0.02)
                await ws.send(m)

        def peer_fn(port: int) -> List[Frame]:
            peer = raw_client(port)
            try:
                peer.sock.sendall(b"".join(text(f"m{i}") for i in range(10)) + close_frame(1000))
                return peer.frames_until_close()
            finally:
                peer.close()

        got = self.serve(handler, peer_fn)
        self.assertEqual(got[:-1], [(0x1, f"m{i}".encode()) for i in range(10)])
        self.assertEqual(close_code(got[-1]), 1000)

    def test_message_before_a_fault_is_answered_first(self) -> None:
        async def handler(ws: lws_asyncio.WebSocket) -> None:
            try:
                async for m in ws:
                    await asyncio.sleep(0.02)
                    await ws.send(m)
            except libws.ConnectionClosedError:
                pass

        def peer_fn(port: int) -> List[Frame]:
            peer = raw_client(port)
            try:
                peer.sock.sendall(text("Hello, world!") + frame(0x3, b"bad") + frame(0x9))
                return peer.frames_until_close()
            finally:
                peer.close()

        got = self.serve(handler, peer_fn)
        self.assertEqual(got[:-1], [(0x1, b"Hello, world!")])
        self.assertEqual(close_code(got[-1]), 1002)

    def test_a_handler_that_never_reads_gets_the_close_answered(self) -> None:
        after: List[Any] = []
        state: Dict[str, asyncio.Event] = {}

        async def handler(ws: lws_asyncio.WebSocket) -> None:
            ev = state["release"] = asyncio.Event()
            await asyncio.wait_for(ev.wait(), T)  # does not read meanwhile
            after.append(await ws.recv())  # the message stays available
            try:
                await ws.recv()
            except libws.ConnectionClosedOK:
                after.append("closed")

        def peer_fn(port: int) -> Tuple[List[Frame], float]:
            peer = raw_client(port)
            try:
                t0 = time.monotonic()
                peer.sock.sendall(text("a") + close_frame(1000))
                got = peer.frames_until_close()
                return got, time.monotonic() - t0
            finally:
                peer.close()

        async def main() -> Tuple[List[Frame], float]:
            async with lws_asyncio.serve(handler, "127.0.0.1", 0, ping_interval=None, close_timeout=0.5) as server:
                loop = asyncio.get_running_loop()
                res = await loop.run_in_executor(None, peer_fn, server.port)
                state["release"].set()
                while len(after) < 2:
                    await asyncio.sleep(0.01)
                return res

        got, elapsed = asyncio.run(asyncio.wait_for(main(), 3 * T))
        self.assertEqual(close_code(got[0]), 1000)
        self.assertGreaterEqual(elapsed, 0.4)
        self.assertLess(elapsed, T / 2)
        self.assertEqual(after, ["a", "closed"])


if __name__ == "__main__":
    unittest.main()
