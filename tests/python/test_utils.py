"""Stateless helpers and the request helpers for ASGI scopes and WSGI
environs."""

from __future__ import annotations

import unittest

from helpers import handshake, pump

import libws
from libws import ClientConnection, FrameHeader, Open, Request, ServerConnection, TextMessage


class StatelessTest(unittest.TestCase):
    def test_accept_key(self) -> None:
        # RFC 6455 §1.3
        self.assertEqual(libws.accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
        self.assertEqual(libws.accept_key(b"dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")

    def test_frame_header_roundtrip(self) -> None:
        for length in (0, 125, 126, 65535, 65536, 2**40):
            h = FrameHeader(True, 2, length, 0, True, b"\x01\x02\x03\x04")
            raw = libws.encode_frame_header(h)
            got, n = libws.parse_frame_header(raw + b"payload")
            self.assertEqual(n, len(raw))
            self.assertEqual(got, h)
        self.assertEqual(libws.parse_frame_header(b"\x81"), (None, 2))
        self.assertEqual(libws.parse_frame_header(b"\x81\xfe"), (None, 8))
        with self.assertRaises(libws.ProtocolError):
            libws.parse_frame_header(b"\x09\x01x")  # fragmented ping
        with self.assertRaises(libws.InvalidArgument):
            libws.encode_frame_header(FrameHeader(True, 16, 0))
        with self.assertRaises(libws.InvalidArgument):
            libws.encode_frame_header(FrameHeader(True, 1, 0, mask=b"12"))

    def test_mask(self) -> None:
        key = b"\x01\x02\x03\x04"
        data = bytearray(b"hello world")
        masked = libws.mask(key, data)
        self.assertEqual(data, b"hello world")  # unchanged
        self.assertEqual(masked, bytes(b ^ key[i % 4] for i, b in enumerate(b"hello world")))
        self.assertEqual(libws.mask(key, masked), b"hello world")
        self.assertEqual(libws.mask(key, b""), b"")
        self.assertEqual(libws.mask(key, b"\x00", pos=2), b"\x03")
        with self.assertRaises(libws.InvalidArgument):
            libws.mask(b"abc", b"x")
        k1, k2 = libws.random_mask(), libws.random_mask()
        self.assertEqual(len(k1), 4)
        self.assertNotEqual(k1 + libws.random_mask(), k2 + libws.random_mask())

    def test_utf8_and_close_codes(self) -> None:
        self.assertTrue(libws.utf8_valid("✓".encode()))
        self.assertTrue(libws.utf8_valid(memoryview(b"")))
        self.assertFalse(libws.utf8_valid(b"\xc0\xaf"))
        self.assertTrue(libws.close_code_valid(1000))
        self.assertTrue(libws.close_code_valid(4999))
        self.assertFalse(libws.close_code_valid(1005))
        self.assertFalse(libws.close_code_valid(2**40))
        self.assertEqual(libws.close_code_name(1000), "SUCCESS")
        self.assertEqual(libws.close_code_name(1002), "PROTOCOL_ERROR")
        self.assertEqual(libws.close_code_name(2**40), "")
        self.assertEqual(libws.CloseCode.MESSAGE_TOO_BIG, 1009)

    def test_versions(self) -> None:
        self.assertEqual(libws.abi_version(), libws.ABI_VERSION)
        self.assertTrue(libws.version())


def _client_request() -> tuple:
    c = ClientConnection("ws://example.com/chat%20room?x=1", subprotocols=["p"])
    lines = c.data_to_send().decode().split("\r\n")
    headers = [tuple(line.split(": ", 1)) for line in lines[1:] if line]
    return c, headers


class RequestHelpersTest(unittest.TestCase):
    def test_asgi_scope(self) -> None:
        c, headers = _client_request()
        scope = {
            "type": "websocket",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "scheme": "ws",
            "path": "/chat room",
            "raw_path": b"/chat%20room",
            "query_string": b"x=1",
            "headers": [(k.lower().encode(), v.encode()) for k, v in headers],
            "subprotocols": ["p"],
        }
        req = libws.request_from_asgi_scope(scope)
        self.assertEqual(req.method, "GET")
        self.assertEqual(req.target, "/chat%20room?x=1")
        self.assertEqual(req.proto, "HTTP/1.1")
        s = ServerConnection.from_asgi_scope(scope, subprotocols=["p"])
        r, o = list(s.events())
        self.assertEqual((r.target, r.subprotocols), ("/chat%20room?x=1", ("p",)))  # type: ignore[attr-defined]
        self.assertEqual(o, Open("p"))
        c.receive_data(s.data_to_send())
        self.assertEqual(list(c.events()), [Open("p")])
        c.send_text("over asgi")
        self.assertEqual(pump(c, s), [TextMessage("over asgi")])
        # Without raw_path, the path is percent-encoded.
        del scope["raw_path"]
        self.assertEqual(libws.request_from_asgi_scope(scope).target, "/chat%20room?x=1")
        with self.assertRaises(ValueError):
            libws.request_from_asgi_scope({"type": "lifespan"})

    def test_wsgi_environ(self) -> None:
        c, headers = _client_request()
        environ = {
            "REQUEST_METHOD": "GET",
            "SCRIPT_NAME": "",
            "PATH_INFO": "/chat room",
            "QUERY_STRING": "x=1",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.version": (1, 0),
        }
        for k, v in headers:
            environ["HTTP_" + k.upper().replace("-", "_")] = v
        req = libws.request_from_wsgi_environ(environ)
        self.assertEqual(req.target, "/chat%20room?x=1")
        self.assertIn(("Sec-Websocket-Version", "13"), req.headers)
        s = ServerConnection.from_wsgi_environ(environ)
        evs = list(s.events())
        self.assertEqual([type(e) for e in evs], [Request, Open])
        c.receive_data(s.data_to_send())
        self.assertEqual(list(c.events()), [Open()])
        environ["REQUEST_URI"] = "/raw?y=2"
        self.assertEqual(libws.request_from_wsgi_environ(environ).target, "/raw?y=2")

    def test_bad_request_via_helper(self) -> None:
        s = ServerConnection.from_wsgi_environ({"REQUEST_METHOD": "GET", "PATH_INFO": "/"})
        evs = list(s.events())
        self.assertEqual(evs[-1].status, 400)  # type: ignore[attr-defined]


if __name__ == "__main__":
    unittest.main()
