"""The exception hierarchy, and misuse that must raise (never crash): freed
connections, wrong types, bad options, NUL characters, raw bad handles."""

from __future__ import annotations

import gc
import pickle
import unittest

from helpers import handshake

import libws
from libws import ClientConnection, ServerConnection, errors
from libws import _ffi


class HierarchyTest(unittest.TestCase):
    def test_codes_map_to_classes(self) -> None:
        table = {
            -1: libws.NeedMoreInput,
            -2: libws.OutputFull,
            -10: libws.InvalidState,
            -11: libws.ConnectionClosed,
            -20: libws.InvalidArgument,
            -21: libws.InvalidArgument,
            -30: libws.LimitExceeded,
            -31: libws.MessageTooBig,
            -32: libws.OutOfMemory,
            -40: libws.ProtocolError,
            -41: libws.InvalidUTF8,
            -42: libws.HandshakeError,
            -43: libws.ExtensionError,
            -50: libws.BadHandle,
            -51: libws.Busy,
            -60: libws.Forked,
            -70: libws.InternalError,
        }
        for code, cls in table.items():
            e = errors.error_for_code(code, "msg")
            self.assertIs(type(e), cls, code)
            self.assertEqual(e.code, code)
            self.assertEqual(e.message, "msg")
            self.assertEqual(str(e), "msg")
            self.assertIsInstance(e, libws.LibwsError)

    def test_unknown_codes_use_their_class(self) -> None:
        self.assertIs(type(errors.error_for_code(-5)), libws.WouldBlock)
        self.assertIs(type(errors.error_for_code(-15)), libws.InvalidState)
        self.assertIs(type(errors.error_for_code(-29)), libws.InvalidArgument)
        self.assertIs(type(errors.error_for_code(-39)), libws.LimitExceeded)
        self.assertIs(type(errors.error_for_code(-49)), libws.ProtocolError)
        self.assertIs(type(errors.error_for_code(-59)), libws.HandleError)
        self.assertIs(type(errors.error_for_code(-65)), libws.Forked)
        self.assertIs(type(errors.error_for_code(-79)), libws.InternalError)
        self.assertIs(type(errors.error_for_code(-1000)), libws.LibwsError)

    def test_python_bases(self) -> None:
        self.assertTrue(issubclass(libws.InvalidArgument, ValueError))
        self.assertTrue(issubclass(libws.OutOfMemory, MemoryError))
        self.assertTrue(issubclass(libws.LibraryError, OSError))
        self.assertTrue(issubclass(libws.ConnectionClosedOK, libws.ConnectionClosed))
        self.assertTrue(issubclass(libws.ConnectionClosed, libws.InvalidState))
        self.assertTrue(issubclass(libws.InvalidStatus, libws.HandshakeError))
        self.assertTrue(issubclass(libws.Busy, libws.HandleError))

    def test_pickling(self) -> None:
        for e in (
            libws.InvalidArgument("bad", -20),
            libws.ConnectionClosedError("closed", close_code=1011, close_reason="oops"),
            libws.InvalidStatus("refused", status=403),
        ):
            e2 = pickle.loads(pickle.dumps(e))
            self.assertEqual((type(e2), e2.code, e2.message), (type(e), e.code, e.message))
        e3 = pickle.loads(pickle.dumps(libws.ConnectionClosedError("closed", close_code=1011, close_reason="oops")))
        self.assertEqual((e3.close_code, e3.close_reason), (1011, "oops"))

    def test_messages_come_from_libws(self) -> None:
        c, _, _, _ = handshake()
        with self.assertRaises(libws.InvalidArgument) as cm:
            c.close(1004)
        self.assertIn("1004", cm.exception.message)
        # libws's C messages carry no "ws: " prefix (ws.h, ERRORS).
        self.assertFalse(cm.exception.message.startswith("ws:"), cm.exception.message)
        self.assertEqual(libws.strerror(-51), libws.strerror(-51))
        self.assertTrue(libws.strerror(-11))


class MisuseTest(unittest.TestCase):
    def test_use_after_free(self) -> None:
        c, s, _, _ = handshake()
        s.free()
        self.assertTrue(s.freed)
        s.free()  # again: nothing
        calls = [
            lambda: s.receive_data(b"x"),
            lambda: s.receive_eof(),
            lambda: list(s.events()),
            lambda: s.events_received(),
            lambda: s.next_event(),
            lambda: s.send_text("x"),
            lambda: s.send_bytes(b"x"),
            lambda: s.ping(),
            lambda: s.pong(),
            lambda: s.close(),
            lambda: s.heartbeat(),
            lambda: s.data_to_send(),
            lambda: s.output(),
            lambda: s.consume(0),
            lambda: s.state,
            lambda: s.hint,
            lambda: s.close_expected(),
            lambda: s.subprotocol,
            lambda: s.extensions,
            lambda: s.deflate_params,
            lambda: s.memory,
            lambda: s.shrink(),
            lambda: s.need,
            lambda: s.failure,
            lambda: s.pending_events,
            lambda: s.unanswered_pings,
            lambda: s.begin_message(),
            lambda: s.send_fragment(b""),
            lambda: s.request_header("Host"),
            lambda: s.accept(),
            lambda: s.reject(),
            lambda: s.feed_request("GET", "/"),
        ]
        for i, f in enumerate(calls):
            with self.assertRaises(libws.BadHandle, msg=str(i)) as cm:
                f()
            self.assertEqual(cm.exception.code, -50)
        c.free()
        with self.assertRaises(libws.BadHandle):
            c.response_status
        with self.assertRaises(libws.BadHandle):
            c.feed_response(101)

    def test_context_manager_frees(self) -> None:
        with ServerConnection() as s:
            self.assertEqual(s.state, libws.State.CONNECTING)
        self.assertTrue(s.freed)
        with self.assertRaises(libws.BadHandle):
            s.state

    def test_generator_after_free(self) -> None:
        c, s, _, _ = handshake()
        for i in range(600):
            c.send_text(str(i))
        s.receive_data(c.data_to_send())
        it = s.events()
        next(it)
        s.free()
        with self.assertRaises(libws.BadHandle):
            list(it)  # the rest of the batch was copied; the next take fails

    def test_message_writer_after_free(self) -> None:
        c, _, _, _ = handshake()
        m = c.message()
        c.free()
        with self.assertRaises(libws.BadHandle):
            m.write(b"x")

    def test_raw_bad_handles_never_crash(self) -> None:
        f = _ffi.fn
        c, _, _, _ = handshake()
        h = c._h
        c.free()
        for bad in (h, 0, 1, 0xDEADBEEF, 2**63):
            self.assertIn(f.ws_state(bad), (-50, -21))
            self.assertLess(f.ws_feed(bad, b"x", 1), 0)
        f.ws_conn_free(h)  # double free: nothing
        f.ws_conn_free(None)

    def test_finalizer_frees(self) -> None:
        c, s, _, _ = handshake()
        h = s._h
        del s
        gc.collect()
        self.assertEqual(_ffi.fn.ws_state(h), -50)

    def test_bad_option_types(self) -> None:
        with self.assertRaises(TypeError):
            ServerConnection(max_message_size="big")  # type: ignore[arg-type]
        with self.assertRaises(TypeError):
            ServerConnection(max_frame_size=1.5)  # type: ignore[arg-type]
        with self.assertRaises(TypeError):
            ServerConnection(streaming="yes")  # type: ignore[arg-type]
        with self.assertRaises(TypeError):
            ServerConnection(subprotocols="chat")
        with self.assertRaises(TypeError):
            ServerConnection(extra_headers=[("only-name",)])  # type: ignore[list-item]
        with self.assertRaises(TypeError):
            ServerConnection(extra_headers=[(1, 2)])  # type: ignore[list-item]
        with self.assertRaises(TypeError):
            ServerConnection(bogus=1)  # type: ignore[call-arg]
        with self.assertRaises(TypeError):
            ClientConnection("ws://h/", manual_accept=True)  # type: ignore[call-arg]
        with self.assertRaises(TypeError):
            ServerConnection(origin="x")  # type: ignore[call-arg]
        with self.assertRaises(TypeError):
            ServerConnection(1)  # type: ignore[misc]  # keyword-only

    def test_bad_option_values(self) -> None:
        for kw in (
            {"max_message_size": -2},
            {"max_message_size": 2**63},
            {"max_pings": -5},
            {"max_handshake_size": -1},
            {"subprotocols": ["not a token"]},
            {"extra_headers": [("Upgrade", "x")]},  # owned by libws
            {"extra_headers": [("X-Bad", "a\r\nb")]},
            {"extra_headers": [("X-Nul", "a\0b")]},
            {"allow_rsv": 8},
        ):
            with self.assertRaises(libws.InvalidArgument, msg=repr(kw)):
                ServerConnection(**kw)  # type: ignore[arg-type]
        with self.assertRaises(libws.InvalidArgument):
            ClientConnection("ws://h/", extra_headers={"Origin": "x"})  # use origin=
        with self.assertRaises(libws.InvalidArgument):
            ClientConnection("ws://h/", origin="a\nb")
        with self.assertRaises(libws.InvalidArgument):
            ClientConnection("ws://h/", subprotocols=["a\0b"])

    def test_limits_accept_unlimited(self) -> None:
        ServerConnection(max_message_size=-1, max_frame_size=-1, max_output=-1).free()

    def test_nul_in_strings(self) -> None:
        c, s, _, _ = handshake()
        with self.assertRaises(libws.InvalidArgument):
            s.request_header("Ho\0st")
        s2 = ServerConnection()
        with self.assertRaises(libws.InvalidArgument):
            s2.feed_request("GET", "/\0", [])


if __name__ == "__main__":
    unittest.main()
