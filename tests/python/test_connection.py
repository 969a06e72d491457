"""The sans-I/O API: handshakes, messages, events, sending, output, state,
compression, streaming, application extensions, byte-at-a-time feeding."""

from __future__ import annotations

import array
import dataclasses
import itertools
import mmap
import unittest

from helpers import handshake, pump

import libws
from libws import (
    BytesChunk,
    BytesMessage,
    ClientConnection,
    Close,
    Connection,
    Control,
    Deflate,
    DeflateOffer,
    DeflateParams,
    Frame,
    HandshakeFailure,
    Hint,
    Initiator,
    MessageView,
    Open,
    Ping,
    Pong,
    Rejected,
    Request,
    Role,
    ServerConnection,
    State,
    TextChunk,
    TextMessage,
)


class HandshakeTest(unittest.TestCase):
    def test_client_server_handshake(self) -> None:
        c = ClientConnection(
            "ws://example.com:8080/chat?room=1",
            subprotocols=["v2", "v1"],
            extra_headers=[("X-Trace", "abc")],
            origin="https://example.com",
        )
        self.assertEqual(c.role, Role.CLIENT)
        self.assertEqual(c.state, State.CONNECTING)
        self.assertIsNone(c.subprotocol)
        self.assertEqual(c.response_status, 0)
        req = c.data_to_send()
        self.assertTrue(req.startswith(b"GET /chat?room=1 HTTP/1.1\r\n"))
        self.assertIn(b"X-Trace: abc\r\n", req)
        self.assertEqual(c.data_to_send(), b"")  # consumed

        s = ServerConnection(subprotocols=["v1"], extra_headers={"X-Server": "libws"})
        self.assertEqual(s.role, Role.SERVER)
        self.assertIsNone(s.request)
        s.receive_data(req)
        events = list(s.events())
        self.assertEqual(len(events), 2)
        r, o = events
        self.assertIsInstance(r, Request)
        self.assertEqual(r.method, "GET")
        self.assertEqual(r.target, "/chat?room=1")
        self.assertEqual(r.path, "/chat")
        self.assertEqual(r.query, "room=1")
        self.assertEqual(r.host, "example.com:8080")
        self.assertEqual(r.origin, "https://example.com")
        self.assertEqual(r.subprotocols, ("v2", "v1"))
        self.assertEqual(r.extensions, ())
        self.assertIs(s.request, r)
        self.assertEqual(s.request_header("x-trace"), "abc")
        self.assertEqual(s.request_headers("X-TRACE"), ["abc"])
        self.assertIsNone(s.request_header("missing"))
        self.assertEqual(s.request_header("missing", "d"), "d")
        self.assertEqual(s.request_headers("missing"), [])
        self.assertEqual(o, Open("v1", "", None))
        self.assertEqual(s.state, State.OPEN)
        resp = s.data_to_send()
        self.assertTrue(resp.startswith(b"HTTP/1.1 101 "))
        self.assertIn(b"X-Server: libws\r\n", resp)

        c.receive_data(resp)
        self.assertEqual(list(c.events()), [Open("v1", "", None)])
        self.assertEqual(c.state, State.OPEN)
        self.assertEqual(c.subprotocol, "v1")
        self.assertEqual(s.subprotocol, "v1")
        self.assertEqual(c.response_status, 101)
        self.assertEqual(c.extensions, "")
        self.assertIsNone(c.deflate_params)
        self.assertEqual(c.failure, "")
        self.assertEqual(c.hint, Hint.NONE)
        self.assertFalse(c.close_expected())

    def test_accepted_is_open(self) -> None:
        self.assertIs(libws.Accepted, Open)

    def test_handshake_byte_at_a_time(self) -> None:
        c = ClientConnection("ws://h/", compression=True)
        s = ServerConnection(compression=True)
        self.assertEqual(s.need, 1)
        sev = pump(c, s, bytewise=True)
        self.assertEqual([type(e) for e in sev], [Request, Open])
        cev = pump(s, c, bytewise=True)
        self.assertEqual([type(e) for e in cev], [Open])
        self.assertIsNotNone(cev[0].deflate)  # type: ignore[attr-defined]

    def test_frames_in_the_same_read_as_the_response(self) -> None:
        c = ClientConnection("ws://h/")
        s = ServerConnection()
        s.receive_data(c.data_to_send())
        list(s.events())
        s.send_text("first")
        c.receive_data(s.data_to_send())
        self.assertEqual(list(c.events()), [Open(), TextMessage("first")])

    def test_bad_request_is_rejected(self) -> None:
        s = ServerConnection()
        s.receive_data(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        (ev,) = list(s.events())
        self.assertIsInstance(ev, Rejected)
        self.assertEqual(ev.status, 400)
        self.assertIn("Upgrade", ev.reason)
        self.assertTrue(s.data_to_send().startswith(b"HTTP/1.1 400 "))
        self.assertEqual(s.hint, Hint.CLOSE)
        self.assertTrue(s.close_expected())
        self.assertIn("Upgrade", s.failure)

    def test_oversized_head_gives_431(self) -> None:
        s = ServerConnection(max_handshake_size=256)
        s.receive_data(b"GET / HTTP/1.1\r\nHost: x\r\nX: " + b"a" * 400 + b"\r\n\r\n")
        (ev,) = list(s.events())
        self.assertEqual(ev, Rejected(431, ev.reason, HandshakeFailure.TOO_LARGE))  # type: ignore[attr-defined]

    def test_manual_accept(self) -> None:
        c = ClientConnection("ws://h/p", subprotocols=["a", "b"])
        s = ServerConnection(manual_accept=True, subprotocols=["a"])
        s.receive_data(c.data_to_send())
        (r,) = list(s.events())
        self.assertIsInstance(r, Request)
        self.assertEqual(s.state, State.CONNECTING)
        self.assertEqual(s.data_to_send(), b"")
        s.accept("b", headers=[("X-Chosen", "b")])
        self.assertEqual(list(s.events()), [Open("b", "", None)])
        resp = s.data_to_send()
        self.assertIn(b"X-Chosen: b", resp)
        c.receive_data(resp)
        self.assertEqual(list(c.events()), [Open("b", "", None)])

    def test_manual_accept_default_subprotocol(self) -> None:
        c = ClientConnection("ws://h/p", subprotocols=["a"])
        s = ServerConnection(manual_accept=True, subprotocols=["a"])
        s.receive_data(c.data_to_send())
        list(s.events())
        s.accept()
        self.assertEqual(list(s.events()), [Open("a", "", None)])

    def test_manual_reject(self) -> None:
        c = ClientConnection("ws://h/p")
        s = ServerConnection(manual_accept=True)
        s.receive_data(c.data_to_send())
        list(s.events())
        s.reject(403, "go away", headers={"X-Why": "policy"})
        out = s.data_to_send()
        self.assertTrue(out.startswith(b"HTTP/1.1 403 "))
        self.assertTrue(out.endswith(b"go away"))
        self.assertIn(b"X-Why: policy", out)
        self.assertEqual(s.hint, Hint.CLOSE)
        c.receive_data(out)
        (ev,) = list(c.events())
        self.assertIsInstance(ev, Rejected)
        self.assertEqual(ev.status, 403)
        self.assertEqual(c.response_status, 403)
        self.assertIn("403", c.failure)

    def test_accept_reject_errors(self) -> None:
        s = ServerConnection()  # not manual
        with self.assertRaises(libws.InvalidState):
            s.accept()
        s2 = ServerConnection(manual_accept=True)
        c = ClientConnection("ws://h/")
        s2.receive_data(c.data_to_send())
        list(s2.events())
        with self.assertRaises(libws.InvalidArgument):
            s2.reject(200)
        with self.assertRaises(libws.InvalidArgument):
            s2.accept("never-offered")

    def test_feed_request_from_headers(self) -> None:
        c = ClientConnection("ws://h/x")
        raw = c.data_to_send().decode()
        head = raw.split("\r\n")
        method, target, proto = head[0].split(" ")
        headers = [tuple(line.split(": ", 1)) for line in head[1:] if line]
        s = ServerConnection()
        s.feed_request(method, target, headers, proto)
        evs = list(s.events())
        self.assertEqual([type(e) for e in evs], [Request, Open])
        self.assertEqual(evs[0].target, "/x")  # type: ignore[attr-defined]
        c.receive_data(s.data_to_send())
        self.assertEqual(list(c.events()), [Open()])

    def test_feed_request_bytes_headers_and_mapping(self) -> None:
        c = ClientConnection("ws://h/x")
        raw = c.data_to_send().decode()
        lines = raw.split("\r\n")[1:]
        mapping = dict(line.split(": ", 1) for line in lines if line)
        s = ServerConnection()
        s.feed_request("GET", "/x", {k.encode(): v.encode() for k, v in mapping.items()})  # type: ignore[misc]
        self.assertEqual([type(e) for e in s.events()], [Request, Open])

    def test_feed_request_invalid(self) -> None:
        s = ServerConnection()
        s.feed_request("POST", "/", [("Host", "h")])
        (ev,) = list(s.events())
        self.assertIsInstance(ev, Rejected)
        self.assertGreaterEqual(ev.status, 400)

    def test_feed_response_from_headers(self) -> None:
        c = ClientConnection("ws://h/x")
        s = ServerConnection()
        s.receive_data(c.data_to_send())
        list(s.events())
        lines = s.data_to_send().decode().split("\r\n")
        status = int(lines[0].split(" ")[1])
        headers = [tuple(line.split(": ", 1)) for line in lines[1:] if line]
        c.feed_response(status, headers, "Switching Protocols")
        self.assertEqual(list(c.events()), [Open()])
        self.assertEqual(c.response_status, 101)

    def test_feed_response_refused(self) -> None:
        c = ClientConnection("ws://h/x")
        c.feed_response(404, [("Content-Length", "0")])
        (ev,) = list(c.events())
        self.assertIsInstance(ev, Rejected)
        self.assertEqual(c.response_status, 404)

    def test_eof_during_handshake(self) -> None:
        c = ClientConnection("ws://h/x")
        c.receive_eof()
        (ev,) = list(c.events())
        self.assertIsInstance(ev, Rejected)
        self.assertEqual(ev.status, 0)

    def test_open_constructor(self) -> None:
        s = Connection.open("server")
        self.assertIsInstance(s, ServerConnection)
        c = Connection.open(Role.CLIENT, subprotocol="chat")
        self.assertIsInstance(c, ClientConnection)
        self.assertEqual(s.state, State.OPEN)
        self.assertEqual(c.subprotocol, "chat")
        c.send_text("over a handshake done elsewhere")
        self.assertEqual(pump(c, s), [TextMessage("over a handshake done elsewhere")])
        s.send_bytes(b"back")
        self.assertEqual(pump(s, c), [BytesMessage(b"back")])

    def test_open_constructor_with_deflate(self) -> None:
        ext = "permessage-deflate; server_no_context_takeover; client_max_window_bits=10"
        s = ServerConnection.open(2, extensions=ext)
        c = ClientConnection.open(1, extensions=ext)
        self.assertEqual(s.deflate_params, DeflateParams(True, False, 15, 10))
        self.assertEqual(c.deflate_params, DeflateParams(True, False, 15, 10))
        c.send_text("z" * 500)
        (m,) = pump(c, s)
        self.assertEqual(m, TextMessage("z" * 500, compressed=True))

    def test_open_constructor_errors(self) -> None:
        with self.assertRaises(libws.InvalidArgument):
            Connection.open("sideways")
        with self.assertRaises(libws.InvalidArgument):
            Connection.open(3)
        with self.assertRaises(libws.InvalidArgument):
            Connection.open("server", extensions="permessage-deflate; bogus=1")
        with self.assertRaises(TypeError):
            Connection()
        with self.assertRaises(libws.InvalidArgument):
            Connection.open()  # which role?
        with self.assertRaises(libws.InvalidArgument):
            ServerConnection.open("client")
        self.assertIsInstance(ClientConnection.open(), ClientConnection)
        self.assertEqual(ServerConnection.open().role, Role.SERVER)

    def test_client_url_errors(self) -> None:
        with self.assertRaises(libws.InvalidArgument):
            ClientConnection("http://example.com/")
        with self.assertRaises(libws.InvalidArgument):
            ClientConnection("ws://exa\0mple.com/")
        with self.assertRaises(TypeError):
            ClientConnection(42)  # type: ignore[arg-type]


class MessagesTest(unittest.TestCase):
    def setUp(self) -> None:
        self.c, self.s, _, _ = handshake()

    def tearDown(self) -> None:
        self.c.free()
        self.s.free()

    def test_text_and_binary_both_ways(self) -> None:
        c, s = self.c, self.s
        c.send_text("héllo wörld ✓")
        c.send_bytes(b"\x00\xff")
        c.send_text(b"utf-8 bytes")
        c.send("via send")
        c.send(b"bin via send")
        self.assertEqual(
            pump(c, s),
            [
                TextMessage("héllo wörld ✓"),
                BytesMessage(b"\x00\xff"),
                TextMessage("utf-8 bytes"),
                TextMessage("via send"),
                BytesMessage(b"bin via send"),
            ],
        )
        s.send_text("")
        s.send_bytes(b"")
        self.assertEqual(pump(s, c), [TextMessage(""), BytesMessage(b"")])

    def test_bytes_like_inputs(self) -> None:
        c, s = self.c, self.s
        ba = bytearray(b"bytearray")
        mv_ro = memoryview(b"xxreadonly-viewxx")[2:-2]
        mv_rw = memoryview(bytearray(b"__writable__"))[2:-2]
        arr = array.array("B", b"array")
        strided = memoryview(b"a-b-c-d")[::2]  # not contiguous: copied
        m = mmap.mmap(-1, 4)
        m.write(b"mmap")
        for data in (ba, mv_ro, mv_rw, arr, strided, m, memoryview(b"")):
            c.send_bytes(data)
        evs = pump(c, s)
        self.assertEqual(
            [e.data for e in evs],  # type: ignore[attr-defined]
            [b"bytearray", b"readonly-view", b"writable", b"array", b"abcd", b"mmap", b""],
        )
        # The inputs are unchanged (libws never modifies them).
        self.assertEqual(ba, b"bytearray")
        m.close()

    def test_receive_data_bytes_like(self) -> None:
        c, s = self.c, self.s
        for i in range(5):
            c.send_text(f"m{i}")
        wire = c.data_to_send()
        ba = bytearray(wire)
        # Split over every kind of buffer.
        s.receive_data(ba[:5])
        s.receive_data(memoryview(wire)[5:9])  # read-only memoryview
        s.receive_data(memoryview(ba)[9:12])  # writable memoryview
        s.receive_data(array.array("B", wire[12:14]))
        s.receive_data(b"")
        s.receive_data(wire[14:])
        self.assertEqual([e.data for e in s.events()], [f"m{i}" for i in range(5)])  # type: ignore[attr-defined]

    def test_receive_data_wrong_types(self) -> None:
        for bad in ("text", 42, None, [1, 2]):
            with self.assertRaises(TypeError):
                self.s.receive_data(bad)  # type: ignore[arg-type]

    def test_send_wrong_types(self) -> None:
        with self.assertRaises(TypeError):
            self.c.send_bytes("str")  # type: ignore[arg-type]
        with self.assertRaises(TypeError):
            self.c.send_text(42)  # type: ignore[arg-type]
        with self.assertRaises(TypeError):
            self.c.ping(1.5)  # type: ignore[arg-type]

    def test_invalid_utf8_is_refused(self) -> None:
        with self.assertRaises(libws.InvalidArgument) as cm:
            self.c.send_text(b"\xff\xfe")
        self.assertEqual(cm.exception.code, -20)
        self.assertIn("UTF-8", cm.exception.message)
        with self.assertRaises(libws.InvalidArgument):
            self.c.send_text("lone \ud800 surrogate")
        self.assertIsInstance(libws.InvalidArgument("x"), ValueError)

    def test_ping_pong(self) -> None:
        c, s = self.c, self.s
        c.ping(b"abc")
        self.assertEqual(pump(c, s), [Ping(b"abc")])
        self.assertEqual(pump(s, c), [Pong(b"abc")])  # auto pong
        c.ping()
        c.ping("str payload")
        self.assertEqual(pump(c, s), [Ping(b""), Ping(b"str payload")])
        s.pong(b"unsolicited")
        self.assertEqual(pump(s, c), [Pong(b""), Pong(b"str payload"), Pong(b"unsolicited")])
        with self.assertRaises(libws.InvalidArgument):
            c.ping(b"x" * 126)

    def test_no_auto_pong(self) -> None:
        c, s, _, _ = handshake(server={"auto_pong": False})
        c.ping(b"p")
        self.assertEqual(pump(c, s), [Ping(b"p")])
        self.assertEqual(s.data_to_send(), b"")
        s.pong(b"p")
        self.assertEqual(pump(s, c), [Pong(b"p")])

    def test_close_initiated_by_client(self) -> None:
        c, s = self.c, self.s
        c.send_text("last words")
        c.close(4000, "bye")
        self.assertEqual(c.state, State.CLOSING)
        with self.assertRaises(libws.ConnectionClosed):
            c.send_text("more")
        with self.assertRaises(libws.ConnectionClosed):
            c.close()
        evs = pump(c, s)
        self.assertEqual(evs, [TextMessage("last words"), Close(4000, "bye", Initiator.PEER)])
        self.assertEqual(s.close_code, 4000)
        self.assertEqual(s.close_reason, "bye")
        self.assertTrue(evs[1].ok is False)  # type: ignore[attr-defined]
        self.assertEqual(s.hint, Hint.CLOSE)
        (ev,) = pump(s, c)
        self.assertEqual(ev, Close(4000, "", Initiator.US))  # the echo carries no reason
        self.assertEqual(c.state, State.CLOSED)
        self.assertEqual(s.state, State.CLOSED)
        self.assertEqual(c.hint, Hint.SHUTDOWN_WRITE)
        self.assertTrue(c.close_expected())
        self.assertEqual(c.need, 0)

    def test_close_initiated_by_server(self) -> None:
        c, s = self.c, self.s
        s.close(1001, "going away")
        (ev,) = pump(s, c)
        self.assertEqual(ev, Close(1001, "going away", Initiator.PEER))
        self.assertTrue(ev.ok)  # type: ignore[attr-defined]
        (ev2,) = pump(c, s)
        self.assertEqual(ev2.initiator, Initiator.US)  # type: ignore[attr-defined]

    def test_answer_before_close_reply(self) -> None:
        # ws.h: messages that came with the peer's close can still be
        # answered before the reply is queued (taking the Close event).
        c, s = self.c, self.s
        c.send_text("question")
        c.close(1000)
        s.receive_data(c.data_to_send())
        it = s.events()
        self.assertEqual(next(it), TextMessage("question"))
        s.send_text("answer")
        self.assertEqual(next(it), Close(1000, "", Initiator.PEER))
        self.assertEqual(pump(s, c), [TextMessage("answer"), Close(1000, "", Initiator.US)])

    def test_close_without_code(self) -> None:
        self.c.close(None)
        self.assertEqual(pump(self.c, self.s), [Close(1005, "", Initiator.PEER)])

    def test_close_arguments(self) -> None:
        for code in (999, 1005, 1006, 1015, 2999, 5000):
            with self.assertRaises(libws.InvalidArgument, msg=str(code)):
                self.c.close(code)
        with self.assertRaises(libws.InvalidArgument):
            self.c.close(1000, "r" * 124)
        with self.assertRaises(libws.InvalidArgument):
            self.c.close(2**40)
        with self.assertRaises(TypeError):
            self.c.close("1000")  # type: ignore[arg-type]
        self.c.close(1000, "é" * 61)  # 122 bytes: fine
        self.assertEqual(self.c.state, State.CLOSING)

    def test_close_before_handshake(self) -> None:
        c = ClientConnection("ws://h/")
        with self.assertRaises(libws.InvalidState):
            c.close()
        with self.assertRaises(libws.InvalidState):
            c.send_text("early")
        with self.assertRaises(libws.InvalidState):
            c.heartbeat()

    def test_eof_without_close(self) -> None:
        self.s.receive_eof()
        self.assertEqual(list(self.s.events()), [Close(1006, self.s.close_reason or "", Initiator.ABNORMAL)])
        self.s.receive_eof()  # again: nothing
        self.assertEqual(list(self.s.events()), [])
        with self.assertRaises(libws.InvalidState):
            self.s.receive_data(b"x")

    def test_peer_fault_is_a_close_event(self) -> None:
        # An unmasked frame from a client is a protocol error (1002).
        s = self.s
        s.receive_data(b"\x81\x02hi")
        (ev,) = list(s.events())
        self.assertIsInstance(ev, Close)
        self.assertEqual(ev.code, 1002)
        self.assertEqual(ev.initiator, Initiator.FAILURE)
        self.assertTrue(ev.reason)
        self.assertEqual(s.state, State.CLOSED)
        self.assertEqual(s.failure, s.failure)  # a string
        self.assertTrue(s.data_to_send().startswith(b"\x88"))  # the close frame

    def test_invalid_utf8_from_peer_fails_with_1007(self) -> None:
        c, s, _, _ = handshake(client={"validate_utf8": False})
        c.send_text(b"ok")
        c.send_text(b"\xff")
        evs = pump(c, s)
        self.assertEqual(evs[0], TextMessage("ok"))
        self.assertEqual((evs[1].code, evs[1].initiator), (1007, Initiator.FAILURE))  # type: ignore[attr-defined]

    def test_without_utf8_validation(self) -> None:
        c, s, _, _ = handshake(client={"validate_utf8": False}, server={"validate_utf8": False})
        c.send_text(b"\xffbad")
        (ev,) = pump(c, s)
        self.assertEqual(ev.data, "\udcffbad")  # type: ignore[attr-defined]
        s.send_text(ev.data)  # type: ignore[attr-defined]  # round-trips
        self.assertEqual(pump(s, c), [TextMessage("\udcffbad")])

    def test_message_too_big_closes_1009(self) -> None:
        c, s, _, _ = handshake(server={"max_message_size": 10})
        c.send_bytes(b"x" * 11)
        (ev,) = pump(c, s)
        self.assertEqual((ev.code, ev.initiator), (1009, Initiator.FAILURE))  # type: ignore[attr-defined]

    def test_frame_too_big_closes_1009(self) -> None:
        c, s, _, _ = handshake(server={"max_frame_size": 10})
        c.send_bytes(b"x" * 11)
        (ev,) = pump(c, s)
        self.assertEqual(ev.code, 1009)  # type: ignore[attr-defined]

    def test_output_full(self) -> None:
        c, s, _, _ = handshake(client={"max_output": 100})
        c.send_bytes(b"x" * 200)  # a send into a smaller queue is accepted whole
        with self.assertRaises(libws.OutputFull) as cm:
            c.send_bytes(b"y")
        self.assertIsInstance(cm.exception, libws.WouldBlock)
        self.assertEqual(cm.exception.code, -2)
        c.data_to_send()
        c.send_bytes(b"y")  # drained: fine

    def test_byte_at_a_time_gives_the_same_events(self) -> None:
        def script(c: ClientConnection) -> None:
            c.send_text("héllo")
            c.send_bytes(bytes(range(256)) * 300)  # 16-bit length
            c.send_bytes(b"z" * 70000)  # 64-bit length
            c.ping(b"p")
            c.send_fragments(["fr", "ag", "ment"], text=True)
            c.close(1000, "done")

        results = []
        for bytewise in (False, True):
            c, s, _, _ = handshake()
            script(c)
            results.append(pump(c, s, bytewise=bytewise))
        self.assertEqual(results[0], results[1])
        self.assertEqual(len(results[0]), 6)

    def test_output_view_and_consume(self) -> None:
        c, s = self.c, self.s
        c.send_text("partial writes")
        total = c.output_size
        self.assertGreater(total, 0)
        v = c.output()
        self.assertEqual(len(v), total)
        self.assertTrue(v.readonly)
        first = bytes(v[:3])
        c.consume(3)
        with self.assertRaises(ValueError):
            bytes(v)  # released by the next call on the connection
        rest = bytes(c.output())
        c.consume(len(rest))
        self.assertEqual(len(c.output()), 0)
        s.receive_data(first + rest)
        self.assertEqual(list(s.events()), [TextMessage("partial writes")])
        with self.assertRaises(libws.InvalidArgument):
            c.consume(1)
        with self.assertRaises(libws.InvalidArgument):
            c.consume(-1)

    def test_events_received_takes_the_close_too(self) -> None:
        # events_received() takes every event at once: a final peer Close
        # is taken too, so its reply is queued and sending ends.
        c, s = self.c, self.s
        c.send_text("question")
        c.close(1000)
        s.receive_data(c.data_to_send())
        evs = s.events_received()
        self.assertEqual(evs, [TextMessage("question"), Close(1000, "", Initiator.PEER)])
        with self.assertRaises(libws.ConnectionClosed):
            s.send_text("too late")

    def test_views_with_events_received_and_next_event(self) -> None:
        c, s = self.c, self.s
        c.send_bytes(b"one")
        c.send_bytes(b"two")
        s.receive_data(c.data_to_send())
        v1 = s.next_event(copy=False)
        (v2,) = s.events_received(copy=False)
        self.assertEqual((bytes(v1.data), bytes(v2.data)), (b"one", b"two"))  # type: ignore[union-attr]

    def test_input_is_not_copied(self) -> None:
        # Feeding and sending large buffers allocates no Python memory of
        # their size: they are passed to libws by address.
        import tracemalloc

        c, s, _, _ = handshake(server={"max_message_size": 2**26})
        big = bytearray(8 << 20)
        c.send_bytes(bytes(1))
        s.receive_data(c.data_to_send())
        list(s.events())
        for data in (big, memoryview(big), memoryview(bytes(big)), memoryview(big)[1:], memoryview(bytes(big)).toreadonly()[1:]):
            tracemalloc.start()
            c.send_bytes(data)
            wire = c.output()
            s.receive_data(wire)  # a read-only view of libws memory: not copied either
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            self.assertLess(peak, 1 << 20, type(data))
            c.consume(len(wire))
            (ev,) = list(s.events(copy=False))
            self.assertEqual(len(ev.data), len(data))  # type: ignore[attr-defined]

    def test_events_received_next_event_pending(self) -> None:
        c, s = self.c, self.s
        for i in range(3):
            c.send_text(str(i))
        s.receive_data(c.data_to_send())
        self.assertEqual(s.pending_events, 3)
        self.assertEqual(s.next_event(), TextMessage("0"))
        self.assertEqual(s.events_received(), [TextMessage("1"), TextMessage("2")])
        self.assertIsNone(s.next_event())
        self.assertEqual(s.pending_events, 0)

    def test_many_events_span_batches(self) -> None:
        c, s = self.c, self.s
        n = 1000  # several ws_next_events batches
        for i in range(n):
            c.send_text(str(i))
        s.receive_data(c.data_to_send())
        self.assertEqual([e.data for e in s.events()], [str(i) for i in range(n)])  # type: ignore[attr-defined]

    def test_events_generator_survives_interleaved_feeds(self) -> None:
        c, s = self.c, self.s
        for i in range(600):
            c.send_text(str(i))
        s.receive_data(c.data_to_send())
        it = s.events()
        got = [next(it).data for _ in range(10)]  # type: ignore[attr-defined]
        c.send_text("late")
        s.receive_data(c.data_to_send())  # the generator's batch was copied already
        got += [e.data for e in it]  # type: ignore[attr-defined]
        self.assertEqual(got, [str(i) for i in range(600)] + ["late"])

    def test_events_are_frozen_dataclasses(self) -> None:
        ev = TextMessage("x")
        self.assertTrue(dataclasses.is_dataclass(ev))
        with self.assertRaises(dataclasses.FrozenInstanceError):
            ev.data = "y"  # type: ignore[misc]
        self.assertEqual(hash(ev), hash(TextMessage("x")))
        self.assertEqual(dataclasses.replace(ev, data="y"), TextMessage("y"))
        self.c.send_text("match")
        (got,) = pump(self.c, self.s)
        match got:
            case TextMessage(data=d):
                self.assertEqual(d, "match")
            case _:
                self.fail("no match")

    def test_memory_and_shrink(self) -> None:
        c, s, _, _ = handshake(client={"compression": True}, server={"compression": True})
        c.send_text("m" * 100000)
        pump(c, s)
        self.assertGreater(s.memory, 0)
        s.shrink()
        self.assertGreaterEqual(s.memory, 0)

    def test_heartbeat(self) -> None:
        c, s, _, _ = handshake(server={"max_pings": 2})
        s.heartbeat()
        self.assertEqual(s.unanswered_pings, 1)
        (p,) = pump(s, c)
        self.assertIsInstance(p, Ping)
        (pong,) = pump(c, s)
        self.assertIsInstance(pong, Pong)
        self.assertEqual(s.unanswered_pings, 0)
        s.heartbeat()
        s.heartbeat()
        s.heartbeat()  # third with 2 unanswered: fails with 1008
        evs = list(s.events())
        self.assertEqual(len(evs), 1)
        self.assertEqual((evs[0].code, evs[0].initiator), (1008, Initiator.FAILURE))  # type: ignore[attr-defined]
        with self.assertRaises(libws.ConnectionClosed):
            s.heartbeat()

    def test_heartbeat_payload(self) -> None:
        c, s, _, _ = handshake()
        s.heartbeat("Mon Dec  7 12:00:00 2026 UTC: ping #1 (1f)")
        s.heartbeat(b"second")
        self.assertEqual(s.unanswered_pings, 2)
        pings = pump(s, c)
        self.assertEqual([p.payload for p in pings], [b"Mon Dec  7 12:00:00 2026 UTC: ping #1 (1f)", b"second"])  # type: ignore[attr-defined]
        with self.assertRaises(libws.InvalidArgument):
            s.heartbeat(b"x" * 126)
        self.assertEqual(s.unanswered_pings, 2)
        c.pong(b"second")
        pump(c, s)
        self.assertEqual(s.unanswered_pings, 0)

    def test_repr(self) -> None:
        self.assertEqual(repr(self.c), "<ClientConnection OPEN>")
        self.c.free()
        self.assertEqual(repr(self.c), "<ClientConnection freed>")


class StreamingTest(unittest.TestCase):
    def test_fragmented_send_whole_receive(self) -> None:
        c, s, _, _ = handshake()
        c.begin_message(text=True)
        c.send_fragment("hé")
        c.ping(b"between")  # control frames between fragments
        c.send_fragment("llo".encode())
        with self.assertRaises(libws.InvalidState):
            c.send_text("another message")
        c.send_fragment(b"", final=True)
        self.assertEqual(pump(c, s), [Ping(b"between"), TextMessage("héllo")])
        with self.assertRaises(libws.InvalidState):
            c.send_fragment(b"no message begun")

    def test_split_character_between_fragments(self) -> None:
        c, s, _, _ = handshake()
        data = "→".encode()
        c.begin_message(text=True)
        c.send_fragment(data[:1])
        c.send_fragment(data[1:], final=True)
        self.assertEqual(pump(c, s), [TextMessage("→")])

    def test_message_writer(self) -> None:
        c, s, _, _ = handshake()
        with c.message() as m:
            m.write(b"ab")
            m.write(bytearray(b"cd"))
        self.assertTrue(m.finished)
        with self.assertRaises(libws.InvalidArgument):
            m.write(b"late")
        with c.message(text=True) as m:
            m.write("x")
            m.finish("y")
        self.assertEqual(pump(c, s), [BytesMessage(b"abcd"), TextMessage("xy")])

    def test_message_writer_exception_leaves_message_open(self) -> None:
        c, s, _, _ = handshake()
        with self.assertRaises(RuntimeError):
            with c.message() as m:
                m.write(b"part")
                raise RuntimeError
        with self.assertRaises(libws.InvalidState):
            c.send_text("x")
        c.close(1011)  # allowed between fragments

    def test_send_fragments(self) -> None:
        c, s, _, _ = handshake()
        c.send_fragments(iter([b"a", b"b", b"c"]))
        c.send_fragments([], text=True)
        c.send_fragments(("só",), text=True)
        self.assertEqual(pump(c, s), [BytesMessage(b"abc"), TextMessage(""), TextMessage("só")])

    def test_streaming_chunks(self) -> None:
        c, s, _, _ = handshake(server={"streaming": True})
        c.begin_message(text=True)
        text = "añb→c"
        raw = text.encode()
        got = []
        for i in range(len(raw)):
            c.send_fragment(raw[i : i + 1])
            got += pump(c, s)
        c.send_fragment(b"", final=True)
        got += pump(c, s)
        self.assertTrue(all(isinstance(e, TextChunk) for e in got))
        self.assertEqual("".join(e.data for e in got), text)  # type: ignore[attr-defined]
        self.assertTrue(got[0].first)  # type: ignore[attr-defined]
        self.assertTrue(got[-1].last)  # type: ignore[attr-defined]
        self.assertFalse(any(e.last for e in got[:-1]))  # type: ignore[attr-defined]
        self.assertFalse(any(e.first for e in got[1:]))  # type: ignore[attr-defined]

    def test_streaming_binary_and_whole(self) -> None:
        c, s, _, _ = handshake(server={"streaming": True})
        c.send_bytes(b"whole")
        c.begin_message()
        c.send_fragment(b"12")
        c.send_fragment(b"34", final=True)
        evs = pump(c, s)
        self.assertEqual(evs[0], BytesChunk(b"whole", True, True))  # a chunk, even whole
        self.assertEqual(b"".join(e.data for e in evs[1:]), b"1234")  # type: ignore[attr-defined]
        self.assertTrue(all(isinstance(e, BytesChunk) for e in evs))

    def test_chunk_per_frame_text_split_inside_a_character(self) -> None:
        # With chunk_per_frame, chunks follow frames, which may split a
        # character: the binding decodes them incrementally.
        c, s, _, _ = handshake(server={"streaming": True, "chunk_per_frame": True})
        raw = "x→y".encode()
        c.begin_message(text=True)
        c.send_fragment(raw[:2])
        c.send_fragment(raw[2:], final=True)
        evs = pump(c, s)
        self.assertEqual(len(evs), 2)
        self.assertEqual("".join(e.data for e in evs), "x→y")  # type: ignore[attr-defined]

    def test_streaming_bytewise_equals_whole(self) -> None:
        c1, s1, _, _ = handshake(server={"streaming": True})
        c2, s2, _, _ = handshake(server={"streaming": True})
        for c in (c1, c2):
            c.send_text("streamed text ✓" * 20)
        a = pump(c1, s1)
        b = pump(c2, s2, bytewise=True)
        self.assertEqual("".join(e.data for e in a), "".join(e.data for e in b))  # type: ignore[attr-defined]


class CompressionTest(unittest.TestCase):
    def _roundtrip(self, c: ClientConnection, s: ServerConnection) -> None:
        texts = ["compress me " * 50, "again: compress me " * 50, "x" * 5]
        for t in texts:
            c.send_text(t)
        evs = pump(c, s)
        self.assertEqual([e.data for e in evs], texts)  # type: ignore[attr-defined]
        self.assertEqual([e.compressed for e in evs], [True, True, False])  # type: ignore[attr-defined]
        for t in texts:
            s.send_bytes(t.encode())
        evs = pump(s, c)
        self.assertEqual([e.data for e in evs], [t.encode() for t in texts])  # type: ignore[attr-defined]
        self.assertEqual([e.compressed for e in evs], [True, True, False])  # type: ignore[attr-defined]

    def test_context_takeover(self) -> None:
        c, s, cev, _ = handshake(client={"compression": Deflate()}, server={"compression": Deflate()})
        self.assertEqual(cev[0].deflate, DeflateParams(False, False, 15, 15))  # type: ignore[attr-defined]
        self.assertEqual(s.deflate_params, c.deflate_params)
        self.assertTrue(c.extensions.startswith("permessage-deflate"))
        self._roundtrip(c, s)
        # With context takeover, a repeated message compresses better.
        sizes = []
        for _ in range(2):
            c.send_text("the same sentence, repeated for the history window " * 3)
            sizes.append(len(c.data_to_send()))
        self.assertLess(sizes[1], sizes[0])

    def test_no_context_takeover(self) -> None:
        d = Deflate(server_no_context_takeover=True, client_no_context_takeover=True)
        c, s, cev, sev = handshake(client={"compression": d}, server={"compression": True})
        want = DeflateParams(True, True, 15, 15)
        self.assertEqual(c.deflate_params, want)
        self.assertEqual(s.deflate_params, want)
        self.assertIn("server_no_context_takeover", c.extensions)
        self._roundtrip(c, s)
        sizes = []
        for _ in range(2):
            c.send_text("the same sentence, repeated for the history window " * 3)
            sizes.append(len(c.data_to_send()))
        self.assertEqual(sizes[0], sizes[1])

    def test_server_imposes_no_context_takeover(self) -> None:
        c, s, _, _ = handshake(
            client={"compression": True},
            server={"compression": Deflate(server_no_context_takeover=True, client_no_context_takeover=True)},
        )
        self.assertEqual(c.deflate_params, DeflateParams(True, True, 15, 15))
        self._roundtrip(c, s)

    def test_window_bits(self) -> None:
        d = Deflate(server_max_window_bits=10, client_max_window_bits=9, level=9)
        c, s, _, _ = handshake(client={"compression": d}, server={"compression": True})
        self.assertEqual(c.deflate_params, DeflateParams(False, False, 10, 9))
        self.assertEqual(s.deflate_params, DeflateParams(False, False, 10, 9))
        self._roundtrip(c, s)

    def test_min_size(self) -> None:
        c, s, _, _ = handshake(client={"compression": Deflate(min_size=-1)}, server={"compression": Deflate(min_size=200)})
        c.send_text("a")
        s.send_text("b" * 199)
        s.send_text("b" * 200)
        self.assertTrue(pump(c, s)[0].compressed)  # type: ignore[attr-defined]
        self.assertEqual([e.compressed for e in pump(s, c)], [False, True])  # type: ignore[attr-defined]

    def test_fallback_offer(self) -> None:
        d = Deflate(server_max_window_bits=8, fallbacks=(DeflateOffer(client_no_context_takeover=True),))
        c = ClientConnection("ws://h/", compression=d)
        req = c.data_to_send()
        self.assertEqual(req.count(b"permessage-deflate"), 2)

    def test_declined_and_required(self) -> None:
        c, s, _, _ = handshake(client={"compression": True}, server={})
        self.assertIsNone(c.deflate_params)
        c.send_text("plain " * 40)
        (ev,) = pump(c, s)
        self.assertFalse(ev.compressed)  # type: ignore[attr-defined]
        # required on the server: a client without it is rejected.
        c2 = ClientConnection("ws://h/")
        s2 = ServerConnection(compression=Deflate(required=True))
        s2.receive_data(c2.data_to_send())
        req, rej = list(s2.events())
        self.assertIsInstance(req, Request)
        self.assertEqual(rej.status, 400)  # type: ignore[attr-defined]
        # required on the client: a server declining fails with 1010.
        c3 = ClientConnection("ws://h/", compression=Deflate(required=True))
        s3 = ServerConnection()
        s3.receive_data(c3.data_to_send())
        list(s3.events())
        c3.receive_data(s3.data_to_send())
        evs = list(c3.events())
        self.assertTrue(any(isinstance(e, (Close, Rejected)) for e in evs))

    def test_per_message_compress_flag(self) -> None:
        c, s, _, _ = handshake(client={"compression": True}, server={"compression": True})
        c.send_text("short", compress=True)
        c.send_text("long enough to be compressed " * 10, compress=False)
        c.send_bytes(b"b" * 10, compress=True)
        c.send_bytes(b"b" * 100, compress=False)
        c.send_data(1, "via send_data " * 10, compress=None)
        c.send("send " * 10, compress=True)
        c.begin_message(compress=False)
        c.send_fragment(b"x" * 100, final=True)
        evs = pump(c, s)
        self.assertEqual([e.compressed for e in evs], [True, False, True, False, True, True, False])  # type: ignore[attr-defined]

    def test_compression_bytewise(self) -> None:
        c1, s1, _, _ = handshake(client={"compression": True}, server={"compression": True})
        c2, s2, _, _ = handshake(client={"compression": True}, server={"compression": True})
        for c in (c1, c2):
            c.send_text("compressed, fed byte by byte " * 30)
        self.assertEqual(pump(c1, s1), pump(c2, s2, bytewise=True))

    def test_bad_deflate_options(self) -> None:
        for d in (Deflate(server_max_window_bits=7), Deflate(client_max_window_bits=16), Deflate(level=10)):
            with self.assertRaises(libws.InvalidArgument, msg=repr(d)):
                ClientConnection("ws://h/", compression=d)
        with self.assertRaises(libws.InvalidArgument):
            ClientConnection("ws://h/", compression=Deflate(fallbacks=(DeflateOffer(server_max_window_bits=20),)))
        with self.assertRaises(TypeError):
            ClientConnection("ws://h/", compression="deflate")  # type: ignore[arg-type]
        with self.assertRaises(TypeError):
            ClientConnection("ws://h/", compression=Deflate(fallbacks=({"x": 1},)))  # type: ignore[arg-type]
        with self.assertRaises(libws.InvalidArgument):
            ServerConnection(compression=Deflate(fallbacks=(DeflateOffer(),)))  # client only


class ViewsTest(unittest.TestCase):
    def test_views_are_released_at_the_next_feed(self) -> None:
        c, s, _, _ = handshake()
        c.send_text("view me")
        c.send_bytes(b"\x01\x02")
        c.ping(b"copied")
        s.receive_data(c.data_to_send())
        evs = list(s.events(copy=False))
        v1, v2, p = evs
        self.assertIsInstance(v1, MessageView)
        self.assertTrue(v1.is_text)  # type: ignore[attr-defined]
        self.assertFalse(v2.is_text)  # type: ignore[attr-defined]
        self.assertEqual(bytes(v1.data), b"view me")  # type: ignore[attr-defined]
        self.assertEqual(str(v1.data, "utf-8"), "view me")  # type: ignore[attr-defined]
        self.assertEqual(bytes(v2.data), b"\x01\x02")  # type: ignore[attr-defined]
        self.assertTrue(v1.data.readonly)  # type: ignore[attr-defined]
        self.assertEqual(p, Ping(b"copied"))
        # Sending does not invalidate event data.
        s.send_text("reply")
        self.assertEqual(bytes(v1.data), b"view me")  # type: ignore[attr-defined]
        s.receive_data(b"")
        for v in (v1, v2):
            with self.assertRaises(ValueError):
                bytes(v.data)  # type: ignore[attr-defined]

    def test_views_released_by_eof_heartbeat_shrink_free(self) -> None:
        for action in ("receive_eof", "heartbeat", "shrink", "free"):
            c, s, _, _ = handshake()
            c.send_bytes(b"abc")
            s.receive_data(c.data_to_send())
            (v,) = list(s.events(copy=False))
            getattr(s, action)()
            with self.assertRaises(ValueError, msg=action):
                v.data.tobytes()  # type: ignore[attr-defined]

    def test_copying_memory_fallback(self) -> None:
        # The 32-bit fallback of the binding's view of C memory.
        import ctypes

        from libws import _ffi

        buf = ctypes.create_string_buffer(b"0123456789")
        p = ctypes.addressof(buf)
        mem = _ffi._CopyingMemory()
        v = mem[p + 2 : p + 5]
        self.assertEqual((bytes(v), v.readonly), (b"234", True))
        self.assertEqual(bytes(_ffi.MEMORY[p + 2 : p + 5]), b"234")

    def test_streaming_views(self) -> None:
        c, s, _, _ = handshake(server={"streaming": True})
        c.begin_message()
        c.send_fragment(b"ab")
        s.receive_data(c.data_to_send())
        (v,) = list(s.events(copy=False))
        self.assertEqual((bytes(v.data), v.first, v.last), (b"ab", True, False))  # type: ignore[attr-defined]

    def test_compressed_runs(self) -> None:
        # Whole compressed messages take the hot loop (one at a time, and
        # in runs of one kind): the events equal what the general path
        # makes, compressed set, text non-ASCII too, views alike.
        batches = [
            [TextMessage(f"message {i} " * 12, compressed=True) for i in range(40)]  # a run of ASCII text
            + [TextMessage("é " * 60, compressed=True)]
            + [BytesMessage(bytes([i]) * 120, compressed=True) for i in range(20)]
            + [TextMessage("one more " * 15, compressed=True)],  # mixed: one at a time
            [TextMessage("é " * 60 + str(i), compressed=True) for i in range(30)],  # a run, not ASCII
            [BytesMessage(bytes([i]) * 120, compressed=True) for i in range(30)],  # a binary run
        ]
        for copy, want in itertools.product((True, False), batches):
            c, s, _, _ = handshake(client={"compression": True}, server={"compression": True})
            for m in want:
                (c.send_text if isinstance(m, TextMessage) else c.send_bytes)(m.data)
            s.receive_data(c.data_to_send())
            got = list(s.events(copy=copy))
            if copy:
                self.assertEqual(got, want)
                self.assertEqual([type(e) for e in got], [type(m) for m in want])
            else:
                self.assertEqual([(bytes(v.data), v.compressed, v.opcode) for v in got],  # type: ignore[attr-defined]
                                 [(m.data.encode() if isinstance(m, TextMessage) else m.data, True,
                                   1 if isinstance(m, TextMessage) else 2) for m in want])

    def test_compressed_views(self) -> None:
        c, s, _, _ = handshake(client={"compression": True}, server={"compression": True})
        c.send_text("compressed view " * 20)
        s.receive_data(c.data_to_send())
        (v,) = list(s.events(copy=False))
        self.assertTrue(v.compressed)  # type: ignore[attr-defined]
        self.assertEqual(bytes(v.data), ("compressed view " * 20).encode())  # type: ignore[attr-defined]


class ExtensionsTest(unittest.TestCase):
    def test_claimed_opcodes_and_rsv(self) -> None:
        opts = {"allow_opcodes": (3, 11), "allow_rsv": libws.constants.RSV2}
        c, s, _, _ = handshake(client=opts, server=opts)
        c.send_data(3, b"app data")
        c.send_frame(11, b"app control")
        c.send_frame(1, b"rsv text", rsv=libws.constants.RSV2)
        c.send_frame(3, b"par", fin=False)
        c.send_frame(0, b"tial", fin=True)
        evs = pump(c, s)
        self.assertEqual(evs[0], Frame(3, b"app data"))
        self.assertEqual(evs[1], Control(11, b"app control"))
        self.assertEqual(evs[2], TextMessage("rsv text", rsv=libws.constants.RSV2))
        self.assertEqual(evs[3], Frame(3, b"partial"))

    def test_unclaimed_opcode_is_refused(self) -> None:
        c, s, _, _ = handshake()
        with self.assertRaises(libws.InvalidArgument):
            c.send_frame(3, b"x")
        with self.assertRaises(libws.InvalidArgument):
            c.send_data(4, b"x")

    def test_opcode_option_errors(self) -> None:
        with self.assertRaises(libws.InvalidArgument):
            ServerConnection(allow_opcodes=(16,))
        with self.assertRaises(TypeError):
            ServerConnection(allow_opcodes=3)  # type: ignore[arg-type]
        with self.assertRaises(libws.InvalidArgument):
            ServerConnection(allow_opcodes=(1,))  # not a reserved opcode
        with self.assertRaises(libws.InvalidArgument):
            # RSV1 belongs to permessage-deflate
            ServerConnection(allow_rsv=libws.constants.RSV1, compression=True)

    def test_extension_offers(self) -> None:
        c = ClientConnection("ws://h/", extension_offers=["x-test; level=2"])
        s = ServerConnection(manual_accept=True)
        s.receive_data(c.data_to_send())
        (r,) = list(s.events())
        self.assertEqual(r.extensions, ("x-test; level=2",))  # type: ignore[attr-defined]
        s.accept(extensions="x-test; level=2")
        list(s.events())
        c.receive_data(s.data_to_send())
        (o,) = list(c.events())
        self.assertEqual(o.extensions, "x-test; level=2")  # type: ignore[attr-defined]


if __name__ == "__main__":
    unittest.main()
