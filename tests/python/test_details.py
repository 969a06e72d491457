"""What the sans-I/O core reports beyond events and payloads: handshake
failure kinds (ws_handshake_failure), the ordered header lists of the
request and of the response (ws_request_header_at, ws_response_header*),
the client key (ws_config_set_key, ws_client_key), ws_need; and how output
and events cross the library boundary: data_to_send (ws_output_copy),
send_many, and batches of small messages converted in one piece."""

from __future__ import annotations

import pickle
import unittest
from typing import List

from helpers import handshake, pump

import libws
from libws import (
    BytesMessage,
    ClientConnection,
    Close,
    Connection,
    Deflate,
    HandshakeFailure,
    Open,
    Ping,
    Rejected,
    Request,
    ServerConnection,
    TextMessage,
)
from libws import connection as lconn

KEY = "dGhlIHNhbXBsZSBub25jZQ=="  # RFC 6455 §1.3's example key


def request(*lines: str) -> bytes:
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


GOOD = (
    "GET /chat HTTP/1.1",
    "Host: example.com",
    "Upgrade: websocket",
    "Connection: Upgrade",
    "Sec-WebSocket-Key: " + KEY,
    "Sec-WebSocket-Version: 13",
)


def rejected(s: Connection, data: bytes) -> Rejected:
    s.receive_data(data)
    evs = list(s.events())
    assert len(evs) == 1 and isinstance(evs[0], Rejected), evs
    return evs[0]


class HandshakeFailureTest(unittest.TestCase):
    def test_enum(self) -> None:
        self.assertEqual(HandshakeFailure.NONE, 0)
        self.assertEqual(HandshakeFailure.REQUIRED, 15)
        self.assertEqual(HandshakeFailure(99).name, "UNKNOWN_99")  # a newer libws's kind

    def test_server_failures(self) -> None:
        cases = [
            (request("GET / HTTP/1.1", "Host: x"), HandshakeFailure.MISSING_HEADER, "Upgrade"),
            (request("POST /chat HTTP/1.1", *GOOD[1:]), HandshakeFailure.METHOD, ""),
            (request("GET /chat HTTP/1.0", *GOOD[1:]), HandshakeFailure.HTTP_VERSION, ""),
            (request(*GOOD[:5], "Sec-WebSocket-Version: 8"), HandshakeFailure.VERSION, "Sec-WebSocket-Version"),
            (request(*GOOD[:4], "Sec-WebSocket-Key: short", GOOD[5]), HandshakeFailure.BAD_HEADER, "Sec-WebSocket-Key"),
            (request(*GOOD, "Sec-WebSocket-Key: " + KEY), HandshakeFailure.DUPLICATE_HEADER, "Sec-WebSocket-Key"),
            (b"garbage\r\n\r\n", HandshakeFailure.MALFORMED, ""),
        ]
        for data, kind, field in cases:
            with self.subTest(kind=kind.name):
                s = ServerConnection()
                ev = rejected(s, data)
                self.assertEqual((ev.failure, ev.field), (kind, field), ev.reason)
                self.assertGreaterEqual(ev.status, 400)
                self.assertEqual(ev.headers, ())
                self.assertEqual(s.handshake_failure, (kind, field))
                self.assertTrue(s.failure)

    def test_too_large_and_required(self) -> None:
        s = ServerConnection(max_headers=4)
        self.assertEqual(rejected(s, request(*GOOD)).failure, HandshakeFailure.TOO_LARGE)
        s = ServerConnection(compression=Deflate(required=True))
        s.receive_data(ClientConnection("ws://h/").data_to_send())
        req, ev = list(s.events())  # a valid request, refused for want of deflate
        self.assertIsInstance(req, Request)
        assert isinstance(ev, Rejected)
        self.assertEqual((ev.status, ev.failure, ev.field), (400, HandshakeFailure.REQUIRED, "Sec-WebSocket-Extensions"))

    def test_success_is_none(self) -> None:
        c, s, _, _ = handshake()
        self.assertEqual(c.handshake_failure, (HandshakeFailure.NONE, ""))
        self.assertEqual(s.handshake_failure, (HandshakeFailure.NONE, ""))
        # A failure after the handshake is not a handshake failure.
        s.receive_data(b"\x82\x00")  # an unmasked frame from the client: 1002
        (ev,) = list(s.events())
        self.assertIsInstance(ev, Close)
        self.assertEqual(s.handshake_failure, (HandshakeFailure.NONE, ""))

    def test_client_failures(self) -> None:
        accept = libws.accept_key(KEY)
        ok = ("HTTP/1.1 101 Switching Protocols", "Upgrade: websocket", "Connection: Upgrade")
        cases = [
            (request("HTTP/1.1 403 Forbidden", "X-Why: policy", "Content-Length: 0"), HandshakeFailure.STATUS, "", 403),
            (request(*ok, "Sec-WebSocket-Accept: " + libws.accept_key("x" * 22 + "==")), HandshakeFailure.ACCEPT, "Sec-WebSocket-Accept", 0),
            (request(*ok, "Sec-WebSocket-Accept: " + accept, "Sec-WebSocket-Protocol: nope"), HandshakeFailure.SUBPROTOCOL, "Sec-WebSocket-Protocol", 0),
            (request(*ok, "Sec-WebSocket-Accept: " + accept, "Sec-WebSocket-Extensions: x-unknown"), HandshakeFailure.EXTENSION, "Sec-WebSocket-Extensions", 0),
        ]
        for data, kind, field, status in cases:
            with self.subTest(kind=kind.name):
                c = ClientConnection("ws://h/", key=KEY)
                c.data_to_send()
                ev = rejected(c, data)
                self.assertEqual((ev.failure, ev.field, ev.status), (kind, field, status), ev.reason)
                self.assertEqual(c.handshake_failure, (kind, field))
        # The refusal's header fields come with it.
        c = ClientConnection("ws://h/")
        ev = rejected(c, cases[0][0])
        self.assertEqual(ev.headers, (("X-Why", "policy"), ("Content-Length", "0")))
        self.assertEqual(c.response_headers, ev.headers)
        self.assertEqual(c.response_header("x-why"), "policy")

    def test_eof_during_handshake(self) -> None:
        for conn in (ClientConnection("ws://h/"), ServerConnection()):
            conn.receive_eof()
            (ev,) = list(conn.events())
            self.assertEqual(ev, Rejected(0, ev.reason, HandshakeFailure.CLOSED))  # type: ignore[attr-defined]

    def test_handshake_error_attributes(self) -> None:
        e = libws.HandshakeError("m")
        self.assertEqual((e.failure, e.field), (HandshakeFailure.NONE, ""))
        e = libws.ExtensionError("m", failure=HandshakeFailure.EXTENSION, field="Sec-WebSocket-Extensions")
        e2 = pickle.loads(pickle.dumps(e))
        self.assertEqual((type(e2), e2.failure, e2.field, e2.code), (libws.ExtensionError, HandshakeFailure.EXTENSION, "Sec-WebSocket-Extensions", -43))
        s = libws.InvalidStatus("refused", status=401, headers=(("WWW-Authenticate", "Basic"),))
        self.assertEqual(s.failure, HandshakeFailure.STATUS)
        s2 = pickle.loads(pickle.dumps(s))
        self.assertEqual((s2.status, s2.headers, s2.failure), (401, (("WWW-Authenticate", "Basic"),), HandshakeFailure.STATUS))


class HeaderListTest(unittest.TestCase):
    def test_request_headers_in_order_as_sent(self) -> None:
        s = ServerConnection()
        s.receive_data(request(*GOOD[:2], "x-lower: 1", "X-Dup: a", *GOOD[2:], "X-Dup: b", "Cookie: k=v"))
        req, _ = list(s.events())
        assert isinstance(req, Request)
        self.assertEqual(
            req.headers,
            (
                ("Host", "example.com"),
                ("x-lower", "1"),
                ("X-Dup", "a"),
                ("Upgrade", "websocket"),
                ("Connection", "Upgrade"),
                ("Sec-WebSocket-Key", KEY),
                ("Sec-WebSocket-Version", "13"),
                ("X-Dup", "b"),
                ("Cookie", "k=v"),
            ),
        )
        self.assertIs(s.request, req)
        self.assertEqual(s.request_headers("x-dup"), ["a", "b"])

    def test_feed_request_keeps_the_order_given(self) -> None:
        c = ClientConnection("ws://h/x", key=KEY)
        lines = c.data_to_send().decode().split("\r\n")[1:]
        pairs = [tuple(line.split(": ", 1)) for line in lines if line][::-1]  # reversed
        s = ServerConnection()
        s.feed_request("GET", "/x", pairs)
        req, _ = list(s.events())
        self.assertEqual(req.headers, tuple(pairs))  # type: ignore[attr-defined]

    def test_response_headers(self) -> None:
        c = ClientConnection("ws://h/")
        self.assertEqual(c.response_headers, ())  # no answer yet
        self.assertIsNone(c.response_header("Upgrade"))
        self.assertEqual(c.response_header("Upgrade", "-"), "-")
        s = ServerConnection(extra_headers=[("X-B", "2"), ("X-A", "1")])
        s.receive_data(c.data_to_send())
        _, sopen = list(s.events())
        self.assertEqual(sopen.headers, ())  # type: ignore[attr-defined]  # a server's Open: none
        c.receive_data(s.data_to_send())
        (o,) = list(c.events())
        assert isinstance(o, Open)
        names = [n for n, _ in o.headers]
        self.assertEqual(names, ["Upgrade", "Connection", "Sec-WebSocket-Accept", "X-B", "X-A"])
        self.assertEqual(c.response_headers, o.headers)
        self.assertEqual(c.response_header("sec-websocket-accept"), libws.accept_key(c.key))
        self.assertEqual(c.response_header("x-a"), "1")
        self.assertEqual(o, Open())  # headers are not compared
        with self.assertRaises(AttributeError):
            s.response_headers  # type: ignore[attr-defined]

    def test_open_constructor_has_no_headers(self) -> None:
        c = Connection.open("client")
        self.assertEqual(c.response_headers, ())  # type: ignore[attr-defined]


class KeyTest(unittest.TestCase):
    def test_fixed_key(self) -> None:
        c = ClientConnection("ws://h/", key=KEY)
        self.assertEqual(c.key, KEY)
        req = c.data_to_send()
        self.assertIn(f"Sec-WebSocket-Key: {KEY}\r\n".encode(), req)
        # A reproducible transcript.
        self.assertEqual(ClientConnection("ws://h/", key=KEY).data_to_send(), req)
        s = ServerConnection()
        s.receive_data(req)
        resp = s.data_to_send()
        self.assertIn(b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n", resp)  # RFC 6455 §1.3
        c.receive_data(resp)
        self.assertEqual([type(e) for e in c.events()], [Open])

    def test_random_key_by_default(self) -> None:
        a, b = ClientConnection("ws://h/"), ClientConnection("ws://h/")
        self.assertNotEqual(a.key, b.key)
        self.assertEqual(len(a.key), 24)
        self.assertIn(f"Sec-WebSocket-Key: {a.key}\r\n".encode(), a.data_to_send())
        self.assertEqual(ClientConnection("ws://h/", key="").key.__len__(), 24)  # "": random

    def test_bad_keys(self) -> None:
        for bad in ("short", "x" * 24, KEY + "=", "a\0b"):
            with self.subTest(key=bad), self.assertRaises(libws.InvalidArgument):
                ClientConnection("ws://h/", key=bad)
        with self.assertRaises(TypeError):
            ClientConnection("ws://h/", key=16)  # type: ignore[arg-type]
        with self.assertRaises(TypeError):
            ServerConnection(key=KEY)  # type: ignore[call-arg]
        with self.assertRaises(libws.InvalidArgument):
            Connection.open("server", key=KEY)
        s = ServerConnection()
        with self.assertRaises(AttributeError):
            s.key  # type: ignore[attr-defined]


class NeedTest(unittest.TestCase):
    def test_need_asks_for_header_and_payload(self) -> None:
        _, s, _, _ = handshake()
        self.assertEqual(s.need, 2)
        s.receive_data(b"\x81\x85")  # masked text, 5 bytes: the mask and the payload follow
        self.assertEqual(s.need, 4 + 5)
        s.receive_data(b"\x00\x00\x00\x00he")
        self.assertEqual(s.need, 3)
        s.receive_data(b"llo")
        self.assertEqual(list(s.events()), [TextMessage("hello")])
        self.assertEqual(s.need, 2)


class OutputTest(unittest.TestCase):
    def roundtrip(self, sizes: List[int]) -> None:
        c, s, _, _ = handshake()
        for n in sizes:
            payload = bytes(i & 0xFF for i in range(n))
            c.send_bytes(payload)
            out = c.data_to_send()
            self.assertIsInstance(out, bytes)
            self.assertEqual(c.data_to_send(), b"")
            self.assertEqual(c.output_size, 0)
            s.receive_data(out)
            self.assertEqual(list(s.events()), [BytesMessage(payload)], n)

    def test_sizes_around_the_copy_buffer(self) -> None:
        cap = lconn.OUT_CAP
        # Frame header of a masked client frame: 2 + 2 (or 8) + 4 bytes.
        self.roundtrip([0, 10, cap - 8 - 1, cap - 8, cap - 8 + 1, cap, 3 * cap, 10, cap + 100, 5, 0])

    def test_large_output_then_small(self) -> None:
        self.roundtrip([1 << 20, 1, 1 << 16, 2, 3])

    def test_many_messages_in_one_output(self) -> None:
        c, s, _, _ = handshake()
        for i in range(3000):
            c.send_text(f"message {i}")
        out = c.data_to_send()
        self.assertGreater(len(out), lconn.OUT_CAP)
        s.receive_data(out)
        self.assertEqual([e.data for e in s.events()], [f"message {i}" for i in range(3000)])  # type: ignore[attr-defined]

    def test_with_output_and_consume(self) -> None:
        c, s, _, _ = handshake()
        c.send_bytes(b"x" * 40000)
        view = c.output()
        first = bytes(view[:100])
        c.consume(100)
        rest = c.data_to_send()
        s.receive_data(first + rest)
        self.assertEqual(list(s.events()), [BytesMessage(b"x" * 40000)])


class SendManyTest(unittest.TestCase):
    def test_mixed(self) -> None:
        c, s, _, _ = handshake()
        n = c.send_many(["a", b"b", bytearray(b"c"), memoryview(b"d"), "é"])
        self.assertEqual(n, 5)
        self.assertEqual(
            pump(c, s),
            [TextMessage("a"), BytesMessage(b"b"), BytesMessage(b"c"), BytesMessage(b"d"), TextMessage("é")],
        )
        self.assertEqual(c.send_many([]), 0)
        self.assertEqual(c.send_many(iter(["x", "y"])), 2)
        self.assertEqual(pump(c, s), [TextMessage("x"), TextMessage("y")])

    def test_text_flag(self) -> None:
        c, s, _, _ = handshake()
        self.assertEqual(c.send_many([b"t1", "t2"], text=True), 2)
        self.assertEqual(c.send_many([b"b1", memoryview(b"b2")], text=False), 2)
        self.assertEqual(
            pump(c, s), [TextMessage("t1"), TextMessage("t2"), BytesMessage(b"b1"), BytesMessage(b"b2")]
        )
        with self.assertRaises(TypeError):
            c.send_many(["str"], text=False)
        with self.assertRaises(libws.InvalidArgument):
            c.send_many([b"ok", b"\xff"], text=True)  # the first stays queued
        self.assertEqual(pump(c, s), [TextMessage("ok")])
        with self.assertRaises(TypeError):
            c.send_many([b"ok", 5])  # type: ignore[list-item]
        self.assertEqual(pump(c, s), [BytesMessage(b"ok")])

    def test_compress(self) -> None:
        c, s, _, _ = handshake({"compression": True}, {"compression": True})
        c.send_many(["a" * 100, b"b" * 100], compress=False)
        c.send_many(["a" * 100], compress=True)
        evs = pump(c, s)
        self.assertEqual([e.compressed for e in evs], [False, False, True])  # type: ignore[attr-defined]

    def test_stops_at_output_full(self) -> None:
        c, s, _, _ = handshake({"max_output": 100})
        n = c.send_many([b"x" * 60] * 10)
        self.assertEqual(n, 2)  # the second went into a queue below the cap
        self.assertEqual(len(pump(c, s)), 2)
        self.assertEqual(c.send_many([b"x" * 60] * 10), 2)

    def test_errors(self) -> None:
        c = ClientConnection("ws://h/")
        with self.assertRaises(libws.InvalidState):
            c.send_many(["before the handshake"])
        c, s, _, _ = handshake()
        c.close()
        with self.assertRaises(libws.ConnectionClosed):
            c.send_many(["late"])
        c.free()
        with self.assertRaises(libws.BadHandle):
            c.send_many(["freed"])


class BatchTest(unittest.TestCase):
    """Batches of whole small messages are converted in one piece when
    their payloads lie back to back (lconn._run): the events must be the
    same as one by one."""

    def check(self, messages: List[object], *, bytewise_too: bool = True, **server: object) -> None:
        c, s, _, _ = handshake(server=dict(server))
        for m in messages:
            c.send(m)  # type: ignore[arg-type]
        wire = c.data_to_send()
        s.receive_data(wire)
        got = list(s.events())
        want = [TextMessage(m) if isinstance(m, str) else BytesMessage(m) for m in messages]  # type: ignore[arg-type]
        self.assertEqual(got, want)
        for e, m in zip(got, messages):
            self.assertIs(type(e.data), type(m))  # type: ignore[attr-defined]
        if bytewise_too:
            _, s2, _, _ = handshake(server=dict(server))
            one: List[object] = []
            for i in range(0, len(wire), 7):
                s2.receive_data(wire[i : i + 7])
                one.extend(s2.events())
            self.assertEqual(one, want)

    def test_ascii_text(self) -> None:
        self.check([f"m{i}" for i in range(600)])

    def test_non_ascii_text(self) -> None:
        self.check([f"é{i}✓" if i % 3 else f"a{i}" for i in range(600)])
        self.check(["😀" * 3] * 300)

    def test_binary(self) -> None:
        self.check([bytes([i & 0xFF]) * (i % 40) for i in range(600)])

    def test_empty_messages(self) -> None:
        self.check([""] * 300)
        self.check([b""] * 300)
        self.check(["", "a", "", "bc", ""] * 60)

    def test_mixed_batches(self) -> None:
        self.check(["t", b"b"] * 300)
        self.check(["t" * 5000, "u", "v" * 3000] * 10)

    def test_without_validation(self) -> None:
        c, s, _, _ = handshake(server={"validate_utf8": False})
        c2 = Connection.open("client", validate_utf8=False)
        for i in range(300):
            c2.send_text(b"ok\xff" if i % 2 else b"ok")
        s.receive_data(c2.data_to_send())
        got = [e.data for e in s.events()]  # type: ignore[attr-defined]
        self.assertEqual(got, ["ok\udcff" if i % 2 else "ok" for i in range(300)])

    def test_compressed_and_control_frames(self) -> None:
        c, s, _, _ = handshake({"compression": True}, {"compression": True})
        for i in range(100):
            c.send_text("z" * 200)  # compressed: not a plain run
            c.send_text("a")
        c.ping(b"p")
        for i in range(100):
            c.send_bytes(b"q")
        s.receive_data(c.data_to_send())
        evs = list(s.events())
        self.assertEqual(evs[:2], [TextMessage("z" * 200, compressed=True), TextMessage("a")])
        self.assertEqual(evs[200], Ping(b"p"))
        self.assertEqual(evs[201:], [BytesMessage(b"q")] * 100)

    def test_streaming_is_unaffected(self) -> None:
        c, s, _, _ = handshake(server={"streaming": True})
        for i in range(300):
            c.send_text("x")
        s.receive_data(c.data_to_send())
        evs = list(s.events())
        self.assertEqual(len(evs), 300)
        self.assertTrue(all(type(e) is libws.TextChunk and e.first and e.last for e in evs))


if __name__ == "__main__":
    unittest.main()
