"""The examples in bindings/python/examples run: each server in a
subprocess, talked to by a client (ours, and wscat.py itself)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import unittest
from typing import List

from helpers import BINDING

from libws import sync as lws_sync

EXAMPLES = os.path.join(BINDING, "examples")
T = 10.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Example:
    def __init__(self, script: str, *args: str) -> None:
        self.port = free_port()
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(EXAMPLES, script), "--port", str(self.port), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        end = time.monotonic() + T
        while time.monotonic() < end:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"{script} exited: {self.proc.stdout.read() if self.proc.stdout else ''}")
                time.sleep(0.05)
        self.close()
        raise RuntimeError(f"{script} did not listen within {T} s")

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/"

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(T)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout:
            self.proc.stdout.close()

    def __enter__(self) -> "Example":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class ExamplesTest(unittest.TestCase):
    def test_echo_server(self) -> None:
        with Example("echo_server.py", "--deflate") as ex:
            with lws_sync.connect(ex.url, compression=True) as ws:
                self.assertIsNotNone(ws.open_event.deflate)  # type: ignore[union-attr]
                ws.send("echo ✓")
                ws.send(b"\x00")
                self.assertEqual([ws.recv(T), ws.recv(T)], ["echo ✓", b"\x00"])

    def test_sansio_echo(self) -> None:
        with Example("sansio_echo.py") as ex:
            conns: List[lws_sync.WebSocket] = [lws_sync.connect(ex.url) for _ in range(5)]
            for i, ws in enumerate(conns):
                ws.send("x" * (i * 30000))
            for i, ws in enumerate(conns):
                self.assertEqual(ws.recv(T), "x" * (i * 30000))
                ws.close()

    def test_chat_server(self) -> None:
        with Example("chat_server.py") as ex:
            with lws_sync.connect(ex.url + "?name=ann") as ann:
                self.assertEqual(ann.recv(T), "* ann joined (1 here)")
                with lws_sync.connect(ex.url + "?name=bob") as bob:
                    self.assertEqual(ann.recv(T), "* bob joined (2 here)")
                    self.assertEqual(bob.recv(T), "* bob joined (2 here)")
                    bob.send("hi")
                    self.assertEqual(ann.recv(T), "bob: hi")
                    self.assertEqual(bob.recv(T), "bob: hi")
                self.assertEqual(ann.recv(T), "* bob left")

    def test_wscat(self) -> None:
        with Example("echo_server.py") as ex:
            p = subprocess.Popen(
                [sys.executable, os.path.join(EXAMPLES, "wscat.py"), ex.url, "-H", "X-Test: 1"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            assert p.stdin is not None and p.stdout is not None
            try:
                lines: List[str] = []

                def expect(prefix: str) -> None:
                    # Reads lines until one starts with prefix (the process
                    # is killed by the finally clause if it never comes).
                    while True:
                        line = p.stdout.readline()  # type: ignore[union-attr]
                        if not line:
                            self.fail(f"no {prefix!r} in {lines}")
                        lines.append(line.rstrip("\n"))
                        if line.startswith(prefix):
                            return

                timer = threading.Timer(T, p.kill)
                timer.start()
                expect("connected to")
                p.stdin.write("hello\n/binary 00ff\n")
                p.stdin.flush()
                expect("< hello")
                expect("< (binary, 2 bytes) 00ff")
                p.stdin.write("/ping\n")
                p.stdin.flush()
                expect("pong")
                p.stdin.write("/close 4000 bye\n")
                p.stdin.flush()
                expect("disconnected: 4000")
                self.assertEqual(p.wait(T), 0)
                timer.cancel()
            finally:
                if p.poll() is None:
                    p.kill()
                p.wait()
                for f in (p.stdin, p.stdout, p.stderr):
                    if f:
                        f.close()

    def test_wscat_refused(self) -> None:
        r = subprocess.run(
            [sys.executable, os.path.join(EXAMPLES, "wscat.py"), f"ws://127.0.0.1:{free_port()}/"],
            input="",
            capture_output=True,
            text=True,
            timeout=T,
        )
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("wscat:", r.stderr)


if __name__ == "__main__":
    unittest.main()
