"""What a user sees when something goes wrong with the I/O helpers (issue
15): the logs of libws.server and libws.client, InvalidURI, the TLS server
name of both connects, and the wording of handshake failures."""

from __future__ import annotations

import asyncio
import logging
import os
import pickle
import socket
import ssl
import threading
import unittest
from typing import Any, List

from helpers import HERE
from test_io import T, RawServer, SyncServer, echo

import libws
from libws import _report
from libws import asyncio as lws_asyncio
from libws import sync as lws_sync

CERT = os.path.join(HERE, "libws-test.pem")  # CN/SAN libws.test only
KEY = "dGhlIHNhbXBsZSBub25jZQ=="
ACCEPT = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="  # RFC 6455 §1.3's example
SWITCH = (
    b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    b"Sec-WebSocket-Accept: " + ACCEPT.encode() + b"\r\n\r\n"
)


def run_async(coro: Any) -> Any:
    return asyncio.run(asyncio.wait_for(coro, 3 * T))


def raw_request(port: int, data: bytes) -> bytes:
    """Sends data to a server, returns everything it answers until it
    closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=T) as s:
        s.sendall(data)
        out = b""
        while True:
            try:
                chunk = s.recv(4096)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        return out


def unmasked_after_handshake(port: int) -> None:
    """A client that breaks the protocol: a good handshake, then a frame
    without a mask (the server fails the connection with 1002)."""
    c = libws.ClientConnection(f"ws://127.0.0.1:{port}/")
    with socket.create_connection(("127.0.0.1", port), timeout=T) as s:
        s.sendall(c.data_to_send())
        while not any(isinstance(e, libws.Open) for e in _feed(c, s.recv(4096))):
            pass
        s.sendall(b"\x81\x02hi")
        while s.recv(4096):
            pass
    c.free()


def _feed(c: libws.Connection, data: bytes) -> List[libws.Event]:
    if not data:
        c.receive_eof()
    else:
        c.receive_data(data)
    return list(c.events())


class LoggingSetupTest(unittest.TestCase):
    def test_silent_by_default(self) -> None:
        pkg = logging.getLogger("libws")
        self.assertEqual([type(h) for h in pkg.handlers], [logging.NullHandler])
        for name in ("libws.server", "libws.client"):
            lg = logging.getLogger(name)
            self.assertEqual(lg.handlers, [])
            self.assertTrue(lg.propagate)
            self.assertEqual(lg.level, logging.NOTSET)


class SyncLoggingTest(unittest.TestCase):
    def test_handler_error_is_logged_with_traceback(self) -> None:
        def handler(ws: lws_sync.WebSocket) -> None:
            ws.recv(T)
            raise RuntimeError("bug in my handler")

        with self.assertLogs("libws.server", "ERROR") as logs:
            with SyncServer(handler) as srv:
                with lws_sync.connect(srv.url) as ws:
                    ws.send("go")
                    with self.assertRaises(libws.ConnectionClosedError) as cm:
                        ws.recv(T)
                    self.assertEqual(cm.exception.close_code, 1011)
        (rec,) = logs.records
        self.assertIn("connection handler failed", rec.getMessage())
        self.assertTrue(rec.getMessage().startswith("127.0.0.1:"))
        assert rec.exc_info is not None
        self.assertIsInstance(rec.exc_info[1], RuntimeError)
        self.assertEqual(str(rec.exc_info[1]), "bug in my handler")
        self.assertIn("Traceback", logs.output[0])
        self.assertIn("bug in my handler", logs.output[0])

    def test_refused_and_failed_handshakes_are_logged(self) -> None:
        def pr(req: libws.Request) -> Any:
            return (403, "no") if req.path == "/private" else None

        with self.assertLogs("libws.server", "INFO") as logs:
            with SyncServer(echo, process_request=pr) as srv:
                with self.assertRaises(libws.InvalidStatus):
                    lws_sync.connect(srv.url + "private")
                answer = raw_request(srv.server.port, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertTrue(answer.startswith(b"HTTP/1.1 400"), answer)
        messages = [r.getMessage() for r in logs.records]
        self.assertTrue(all(r.levelno == logging.INFO for r in logs.records), messages)
        self.assertEqual(len(messages), 2, messages)
        self.assertRegex(messages[0], r"^127\.0\.0\.1:\d+: refused the opening handshake \(GET /private\) with 403$")
        self.assertRegex(messages[1], r"^127\.0\.0\.1:\d+: the opening handshake failed: .*Upgrade")

    def test_process_request_error_is_logged(self) -> None:
        def pr(req: libws.Request) -> Any:
            raise KeyError("no session")

        with self.assertLogs("libws.server", "ERROR") as logs:
            with SyncServer(echo, process_request=pr) as srv:
                with self.assertRaises((libws.HandshakeError, OSError)):
                    lws_sync.connect(srv.url, open_timeout=T)
        (rec,) = logs.records
        self.assertIn("process_request failed", rec.getMessage())
        assert rec.exc_info is not None
        self.assertIsInstance(rec.exc_info[1], KeyError)

    def test_peer_fault_is_logged_with_the_code(self) -> None:
        done = threading.Event()

        def handler(ws: lws_sync.WebSocket) -> None:
            try:
                ws.recv(T)
            finally:
                done.set()

        with self.assertLogs("libws.server", "INFO") as logs:
            with SyncServer(handler) as srv:
                unmasked_after_handshake(srv.server.port)
                self.assertTrue(done.wait(T))
        (msg,) = [r.getMessage() for r in logs.records]
        self.assertRegex(msg, r"^127\.0\.0\.1:\d+: failed the connection with 1002 \(client frame is not masked\)$")

    def test_client_logs_a_server_fault(self) -> None:
        raw = RawServer(SWITCH + b"\x81\x82abcd" + bytes(a ^ b for a, b in zip(b"hi", b"abcd")))  # masked by a server
        try:
            with self.assertLogs("libws.client", "INFO") as logs:
                with lws_sync.connect(raw.url, key=KEY) as ws:
                    with self.assertRaises(libws.ConnectionClosedError) as cm:
                        ws.recv(T)
                    self.assertEqual(cm.exception.close_code, 1002)
        finally:
            raw.close()
        (msg,) = [r.getMessage() for r in logs.records]
        self.assertRegex(msg, r"^127\.0\.0\.1:\d+: failed the connection with 1002 \(.+\)$")

    def test_client_handshake_failure_is_debug_only(self) -> None:
        raw = RawServer(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
        try:
            with self.assertLogs("libws.client", "DEBUG") as logs:
                with self.assertRaises(libws.InvalidStatus):
                    lws_sync.connect(raw.url, open_timeout=T)
        finally:
            raw.close()
        self.assertEqual([r.levelno for r in logs.records], [logging.DEBUG])


class AsyncioLoggingTest(unittest.TestCase):
    def test_handler_error_is_logged_with_traceback(self) -> None:
        async def bad(ws: lws_asyncio.WebSocket) -> None:
            await ws.recv()
            raise RuntimeError("bug in my handler")

        async def main() -> None:
            async with lws_asyncio.serve(bad, "127.0.0.1", 0) as server:
                async with lws_asyncio.connect(f"ws://127.0.0.1:{server.port}/") as ws:
                    await ws.send("go")
                    with self.assertRaises(libws.ConnectionClosedError) as cm:
                        await ws.recv()
                    self.assertEqual(cm.exception.close_code, 1011)

        with self.assertLogs("libws.server", "ERROR") as logs:
            run_async(main())
        (rec,) = logs.records
        self.assertRegex(rec.getMessage(), r"^127\.0\.0\.1:\d+: connection handler failed$")
        assert rec.exc_info is not None
        self.assertIsInstance(rec.exc_info[1], RuntimeError)
        self.assertIn("Traceback", logs.output[0])
        self.assertIn("bug in my handler", logs.output[0])

    def test_refused_and_failed_handshakes_are_logged(self) -> None:
        async def pr(req: libws.Request) -> Any:
            return (403, "no") if req.path == "/private" else None

        async def main() -> bytes:
            async with lws_asyncio.serve(echo_async, "127.0.0.1", 0, process_request=pr) as server:
                with self.assertRaises(libws.InvalidStatus):
                    await lws_asyncio.connect(f"ws://127.0.0.1:{server.port}/private")
                reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
                writer.write(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
                answer = await reader.read()
                writer.close()
                await asyncio.sleep(0.05)  # the server logs after its write
                return answer

        with self.assertLogs("libws.server", "INFO") as logs:
            answer = run_async(main())
        self.assertTrue(answer.startswith(b"HTTP/1.1 400"), answer)
        messages = [r.getMessage() for r in logs.records]
        self.assertEqual(len(messages), 2, messages)
        self.assertRegex(messages[0], r"^127\.0\.0\.1:\d+: refused the opening handshake \(GET /private\) with 403$")
        self.assertRegex(messages[1], r"^127\.0\.0\.1:\d+: the opening handshake failed: .*Upgrade")

    def test_peer_fault_is_logged_with_the_code(self) -> None:
        async def handler(ws: lws_asyncio.WebSocket) -> None:
            try:
                await ws.recv()
            except libws.ConnectionClosed:
                pass

        async def main() -> None:
            async with lws_asyncio.serve(handler, "127.0.0.1", 0) as server:
                await asyncio.get_running_loop().run_in_executor(None, unmasked_after_handshake, server.port)

        with self.assertLogs("libws.server", "INFO") as logs:
            run_async(main())
        (msg,) = [r.getMessage() for r in logs.records]
        self.assertRegex(msg, r"^127\.0\.0\.1:\d+: failed the connection with 1002 \(client frame is not masked\)$")


async def echo_async(ws: lws_asyncio.WebSocket) -> None:
    async for m in ws:
        await ws.send(m)


BAD_URIS = [
    ("nonsense", "must start with ws:// or wss://"),
    ("http://127.0.0.1/", "must start with ws:// or wss://"),
    ("ws:///path", "must name a host"),
    ("ws://:80/", "must name a host"),
    ("ws://127.0.0.1:99999/", 'invalid port "99999"'),
    ("ws://127.0.0.1:0/", 'invalid port "0"'),
    ("ws://127.0.0.1:x/", "port"),
    ("ws://127.0.0.1/#frag", "fragment"),
]


class InvalidURITest(unittest.TestCase):
    def check(self, e: BaseException, uri: str, words: str) -> None:
        self.assertIsInstance(e, libws.InvalidURI)
        self.assertIsInstance(e, ValueError)
        self.assertIsInstance(e, libws.InvalidArgument)
        self.assertIsInstance(e, libws.LibwsError)
        assert isinstance(e, libws.InvalidURI)
        self.assertEqual(e.uri, uri)
        self.assertIn(words, str(e))
        self.assertIn(repr(uri)[1:-1], str(e))
        self.assertNotIn("ws: ", str(e))
        self.assertNotIn("handshake:", str(e))

    def test_sync(self) -> None:
        for uri, words in BAD_URIS:
            with self.subTest(uri=uri):
                with self.assertRaises(libws.InvalidURI) as cm:
                    lws_sync.connect(uri, open_timeout=T)
                self.check(cm.exception, uri, words)

    def test_asyncio(self) -> None:
        async def main() -> None:
            for uri, words in BAD_URIS:
                with self.subTest(uri=uri, form="await"):
                    with self.assertRaises(libws.InvalidURI) as cm:
                        await lws_asyncio.connect(uri, open_timeout=T)
                    self.check(cm.exception, uri, words)
                with self.subTest(uri=uri, form="async with"):
                    with self.assertRaises(ValueError) as cm2:
                        async with lws_asyncio.connect(uri, open_timeout=T):
                            pass
                    self.check(cm2.exception, uri, words)

        run_async(main())

    def test_exported_documented_picklable(self) -> None:
        self.assertIn("InvalidURI", libws.__all__)
        self.assertTrue(libws.InvalidURI.__doc__)
        e = libws.InvalidURI("bad", uri="x://")
        e2 = pickle.loads(pickle.dumps(e))
        self.assertEqual((type(e2), e2.message, e2.uri, e2.code), (libws.InvalidURI, "bad", "x://", e.code))

    def test_a_bad_option_is_not_an_invalid_uri(self) -> None:
        with self.assertRaises(libws.InvalidArgument) as cm:
            lws_sync.connect("ws://127.0.0.1:1/", subprotocols=["not a token"])
        self.assertNotIsInstance(cm.exception, libws.InvalidURI)


def tls_contexts() -> "tuple[ssl.SSLContext, ssl.SSLContext]":
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(CERT)
    client = ssl.create_default_context(cafile=CERT)
    return server, client


class ServerHostnameTest(unittest.TestCase):
    """The certificate names libws.test, the server listens on 127.0.0.1:
    only server_hostname="libws.test" lets the client verify it."""

    def test_sync(self) -> None:
        server_ctx, client_ctx = tls_contexts()
        with SyncServer(echo, ssl=server_ctx) as srv:
            url = srv.url.replace("ws://", "wss://")
            with lws_sync.connect(url, ssl=client_ctx, server_hostname="libws.test") as ws:
                ws.send("over TLS")
                self.assertEqual(ws.recv(T), "over TLS")
            with self.assertRaises(ssl.SSLCertVerificationError):
                lws_sync.connect(url, ssl=client_ctx, open_timeout=T)

    def test_asyncio(self) -> None:
        server_ctx, client_ctx = tls_contexts()

        async def main() -> None:
            async with lws_asyncio.serve(echo_async, "127.0.0.1", 0, ssl=server_ctx) as server:
                url = f"wss://127.0.0.1:{server.port}/"
                async with lws_asyncio.connect(url, ssl=client_ctx, server_hostname="libws.test") as ws:
                    await ws.send("over TLS")
                    self.assertEqual(await ws.recv(), "over TLS")
                with self.assertRaises(ssl.SSLCertVerificationError):
                    await lws_asyncio.connect(url, ssl=client_ctx, open_timeout=T)
                # With a connected socket too.
                sock = socket.create_connection(("127.0.0.1", server.port))
                async with lws_asyncio.connect(url, ssl=client_ctx, sock=sock, server_hostname="libws.test") as ws:
                    await ws.send("sock")
                    self.assertEqual(await ws.recv(), "sock")

        run_async(main())

    def test_asyncio_ignores_it_without_tls(self) -> None:
        async def main() -> None:
            async with lws_asyncio.serve(echo_async, "127.0.0.1", 0) as server:
                async with lws_asyncio.connect(f"ws://127.0.0.1:{server.port}/", server_hostname="libws.test") as ws:
                    await ws.send("plain")
                    self.assertEqual(await ws.recv(), "plain")

        run_async(main())


GARBAGE = b"\x00\x01garbage \x1b[31m\xff\xfe" * 20 + b"\r\n\r\n"

# (the server's answer, exception class, words the message must hold)
HANDSHAKE_FAILURES = [
    (b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", libws.InvalidStatus,
     'the opening handshake failed: the server answered 200 "OK", not 101 Switching Protocols'),
    (b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", libws.InvalidStatus,
     'the opening handshake failed: the server answered 404 "Not Found", not 101'),
    (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n", libws.HandshakeError,
     "the opening handshake failed: the response's Connection header field"),
    (GARBAGE, libws.HandshakeError, 'the opening handshake failed: malformed status line "\\x00\\x01garbage \\x1b[31m\\xff\\xfe'),
    (b"SSH-2.0-OpenSSH_9.2p1\r\nHTTP/1.1 101 x\r\n" + b"x" * 300 + b"\r\n\r\n", libws.HandshakeError,
     "the opening handshake failed: "),
    (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
     b"Sec-WebSocket-Accept: " + b"A" * 200 + b"\r\n\r\n", libws.HandshakeError, "the opening handshake failed: "),
]


class HandshakeWordingTest(unittest.TestCase):
    def check(self, e: BaseException, cls: type, words: str) -> None:
        text = str(e)
        self.assertIsInstance(e, cls)
        self.assertIn(words, text)
        self.assertEqual(text.count("handshake"), 1, text)
        self.assertNotRegex(text, r"failed: \d")  # no stray status before libws's reason
        self.assertNotIn("ws: ", text)
        self.assertTrue(text.isprintable(), text)
        self.assertLess(len(text), 200, text)
        for quoted in _report._QUOTED.finditer(text):
            self.assertLessEqual(len(_report._unquote(quoted.group(1))), _report.QUOTE_LIMIT, text)

    def test_sync(self) -> None:
        for answer, cls, words in HANDSHAKE_FAILURES:
            with self.subTest(answer=answer[:30]):
                raw = RawServer(answer)
                try:
                    with self.assertRaises(libws.HandshakeError) as cm:
                        lws_sync.connect(raw.url, open_timeout=T, key=KEY)
                finally:
                    raw.close()
                self.check(cm.exception, cls, words)

    def test_asyncio(self) -> None:
        for answer, cls, words in HANDSHAKE_FAILURES:
            with self.subTest(answer=answer[:30]):
                raw = RawServer(answer)

                async def main() -> BaseException:
                    try:
                        await lws_asyncio.connect(raw.url, open_timeout=T, key=KEY)
                    except libws.HandshakeError as e:
                        return e
                    raise AssertionError("connected")

                try:
                    e = run_async(main())
                finally:
                    raw.close()
                self.check(e, cls, words)

    def test_garbage_is_cut_and_escaped(self) -> None:
        raw = RawServer(GARBAGE)
        try:
            with self.assertRaises(libws.HandshakeError) as cm:
                lws_sync.connect(raw.url, open_timeout=T)
        finally:
            raw.close()
        text = str(cm.exception)
        self.assertIn('"...', text)
        self.assertNotIn("\x1b", text)
        self.assertNotIn("\x00", text)

    def test_quote_short(self) -> None:
        table = [
            (b"", '""'),
            (b"OK", '"OK"'),
            (b'say "hi"\\', '"say \\"hi\\"\\\\"'),
            (b"\x00\r\n\t\x1b\x7f", '"\\x00\\r\\n\\t\\x1b\\x7f"'),
            (b"\xff\xfe", '"\\xff\\xfe"'),
            ("Non autorisé".encode(), '"Non autorisé"'),
            (b"a" * 40, '"' + "a" * 40 + '"'),
            (b"a" * 41, '"' + "a" * 40 + '"...'),
            ("é".encode() * 30, '"' + "é" * 20 + '"...'),
        ]
        for data, want in table:
            with self.subTest(data=data):
                self.assertEqual(_report.quote_short(data), want)

    def test_composition(self) -> None:
        R = libws.Rejected
        F = libws.HandshakeFailure
        table: List["tuple[libws.Rejected, str]"] = [
            (R(200, 'handshake: the server answered 200 "OK", not 101 Switching Protocols', F.STATUS),
             'the opening handshake failed: the server answered 200 "OK", not 101 Switching Protocols'),
            (R(0, "ws: handshake: bad", F.MALFORMED), "the opening handshake failed: bad"),
            (R(400, 'handshake: malformed request line "' + "\\x16" * 60 + '"...: want "GET"', F.MALFORMED),
             'the opening handshake failed: malformed request line "' + "\\x16" * 40 + '"...: want "GET"'),
            (R(0, "connection closed during the opening handshake", F.CLOSED),
             "connection closed during the opening handshake"),  # says it already
            (R(503, "", F.STATUS), "the opening handshake failed: HTTP status 503"),
            (R(0, "", F.NONE), "the opening handshake failed: no reason given"),
        ]
        for ev, want in table:
            with self.subTest(reason=ev.reason):
                self.assertEqual(_report.handshake_failure(ev), want)


if __name__ == "__main__":
    unittest.main()
