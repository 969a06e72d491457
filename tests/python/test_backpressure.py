"""The socket helpers bound their memory against a hostile peer: a raw
client (hostile.py) sends many compressed messages with context takeover
— a few KB on the wire each, megabytes once inflated — while the server's
application takes none. The server's reader must stop reading once its
queue is full (backpressure), so the server process's peak memory stays
within a budget derived from the limits; and once the application takes
the messages again, every echo arrives, in order, byte for byte.

The server runs in a subprocess (gated_server.py) so that its peak
memory (VmHWM) is its own. Timeouts here are hang guards only.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import time
import unittest
from typing import Any, List, Tuple

import hostile
from helpers import BINDING  # noqa: F401

import libws
from libws import _flow
from libws import asyncio as lws_asyncio
from libws import sync as lws_sync

HERE = os.path.dirname(os.path.abspath(__file__))
T = 120.0  # hang guard
MiB = 1 << 20
MAX_QUEUED = 1 * MiB  # libws's default receive budget


class Server:
    def __init__(self, mode: str, count: int) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "gated_server.py"), mode, str(count)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self._guard = threading.Timer(T, self.proc.kill)
        self._guard.start()
        word, port = self.line()
        assert word == "listening", word
        self.port = int(port)
        self.baseline = hostile.vm_hwm(self.proc.pid)

    def line(self) -> Tuple[str, ...]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the server ended (status {self.proc.wait()})")
        return tuple(line.split())

    def resume(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write("go\n")
        self.proc.stdin.flush()

    @property
    def peak(self) -> int:
        return hostile.vm_hwm(self.proc.pid)

    def close(self) -> None:
        self._guard.cancel()
        self.proc.kill()
        self.proc.wait()
        for f in (self.proc.stdin, self.proc.stdout):
            if f:
                f.close()


class BackpressureTest(unittest.TestCase):
    def check(self, mode: str, count: int, size: int) -> None:
        frames: List[bytes] = list(hostile.wire(count, size))  # before connecting: sent at full speed
        server = Server(mode, count)
        try:
            client = hostile.Client(server.port, timeout=T)
            try:
                sender = client.send_in_thread(iter(frames))
                word, queued = server.line()
                self.assertEqual(word, "paused")
                paused_peak = server.peak
                # The queue stopped at its marks: 16 messages, or 16 MiB
                # and one message more (the batch that crossed the mark).
                self.assertLessEqual(int(queued), min(_flow.MAX_QUEUE, _flow.MAX_QUEUE_BYTES // size + 1))
                server.resume()
                for i in range(count):
                    op, data = client.recv()
                    self.assertEqual(op, 1)
                    if data != hostile.message(i, size):
                        self.fail(f"echo {i} differs: {len(data)} bytes")
                sender.join(T)
                self.assertFalse(sender.is_alive())
            finally:
                client.close()
            # What the server may hold beyond its idle self: the queue (its
            # byte mark, and the message that crossed it), libws (its
            # receive budget and the message being assembled), the
            # application (the message it echoes and its UTF-8 encoding),
            # and 32 MiB for the allocators (Python's, Go's collector).
            budget = _flow.MAX_QUEUE_BYTES + size + MAX_QUEUED + size + 2 * size + 32 * MiB
            wire = sum(map(len, frames))
            for when, peak in (("paused", paused_peak), ("at the end", server.peak)):
                grew = peak - server.baseline
                self.assertLess(
                    grew,
                    budget,
                    f"{mode} server {when}: grew {grew / MiB:.0f} MiB for {count} messages of {size / MiB:.0f} MiB "
                    f"({wire} bytes on the wire); budget {budget / MiB:.0f} MiB",
                )
        finally:
            server.close()

    # 64 messages of 4 MiB: 256 MiB once inflated, 0.8 MB on the wire.
    def test_sync_server(self) -> None:
        self.check("sync", 64, 4 * MiB)

    def test_asyncio_server(self) -> None:
        self.check("asyncio", 64, 4 * MiB)

    # Small messages: the queue stops at its count mark (16).
    def test_sync_server_small_messages(self) -> None:
        self.check("sync", 2000, 1000)

    def test_asyncio_server_small_messages(self) -> None:
        self.check("asyncio", 2000, 1000)


def wait_paused(ws: Any) -> None:
    """Polls until ws's reader paused (a hang guard, not a timed check)."""
    end = time.monotonic() + T
    while not ws.paused:
        if time.monotonic() > end:
            raise AssertionError(f"the reader never paused ({ws.pending_messages} queued)")
        time.sleep(0.002)


class HelperFlowTest(unittest.TestCase):
    """The knobs, and pausing and resuming, in process."""

    def test_defaults_are_bounded(self) -> None:
        self.assertEqual((_flow.MAX_QUEUE, _flow.MAX_QUEUE_BYTES, _flow.WRITE_LIMIT), (16, 16 * MiB, 64 << 10))
        got: List[Any] = []

        def handler(ws: lws_sync.WebSocket) -> None:
            got.append((ws._bound.max_messages, ws._bound.max_bytes, ws.write_limit))

        with lws_sync.serve(handler, "127.0.0.1", 0) as server:
            threading.Thread(target=server.serve_forever, daemon=True).start()
            with lws_sync.connect(f"ws://127.0.0.1:{server.port}/") as ws:
                got.append((ws._bound.max_messages, ws._bound.max_bytes, ws.write_limit))
                self.assertFalse(ws.paused)
                self.assertEqual(ws.pending_messages, 0)
                with self.assertRaises(libws.ConnectionClosedOK):
                    ws.recv(T)
        self.assertEqual(got, [(16, 16 * MiB, 64 << 10)] * 2)

    def test_bad_marks_are_refused_before_connecting(self) -> None:
        for kw, err in (({"max_queue": -1}, ValueError), ({"max_queue_bytes": "1"}, TypeError), ({"write_limit": 1.5}, TypeError)):
            with self.subTest(kw):
                with self.assertRaises(err):
                    lws_sync.connect("ws://127.0.0.1:9/", **kw)
                with self.assertRaises(err):
                    lws_asyncio.connect("ws://127.0.0.1:9/", **kw)
                with self.assertRaises(err):
                    lws_sync.serve(lambda ws: None, "127.0.0.1", 0, **kw)

    def test_sync_pause_resume_and_close_while_paused(self) -> None:
        results: List[Any] = []

        def handler(ws: lws_sync.WebSocket) -> None:
            wait_paused(ws)
            results.append(ws.pending_messages)
            first = [ws.recv(T) for _ in range(20)]  # resumes the reader
            results.append(first)
            ws.send("took 20")
            wait_paused(ws)
            ws.close()  # while paused: the closing handshake completes
            rest = []
            try:
                while True:
                    rest.append(ws.recv(T))
            except libws.ConnectionClosedOK:
                pass
            results.append(rest)

        with lws_sync.serve(handler, "127.0.0.1", 0, max_queue=4) as server:
            threading.Thread(target=server.serve_forever, daemon=True).start()
            with lws_sync.connect(f"ws://127.0.0.1:{server.port}/") as ws:
                for i in range(40):
                    ws.send(f"m{i}")
                self.assertEqual(ws.recv(T), "took 20")
                with self.assertRaises(libws.ConnectionClosedOK):
                    ws.recv(T)
            server.shutdown()
        queued, first, rest = results
        self.assertEqual(queued, 4)
        self.assertEqual(first, [f"m{i}" for i in range(20)])
        # After close(), what was queued is still returned, in order;
        # messages arriving while the queue was full were dropped.
        self.assertGreaterEqual(len(rest), 4)
        self.assertEqual(rest, [f"m{i}" for i in range(20, 20 + len(rest))])

    def test_asyncio_pause_resume_and_close_while_paused(self) -> None:
        results: List[Any] = []

        async def handler(ws: lws_asyncio.WebSocket) -> None:
            end = asyncio.get_running_loop().time() + T
            while not ws.paused:
                assert asyncio.get_running_loop().time() < end, "never paused"
                await asyncio.sleep(0.002)
            results.append(ws.pending_messages)
            results.append([await ws.recv() for _ in range(20)])
            await ws.send("took 20")
            while not ws.paused:
                await asyncio.sleep(0.002)
            await ws.close()
            rest = []
            try:
                while True:
                    rest.append(await ws.recv())
            except libws.ConnectionClosedOK:
                pass
            results.append(rest)

        async def main() -> None:
            async with lws_asyncio.serve(handler, "127.0.0.1", 0, max_queue=4) as server:
                async with lws_asyncio.connect(f"ws://127.0.0.1:{server.port}/") as ws:
                    for i in range(40):
                        await ws.send(f"m{i}")
                    self.assertEqual(await ws.recv(), "took 20")
                    with self.assertRaises(libws.ConnectionClosedOK):
                        await ws.recv()

        asyncio.run(asyncio.wait_for(main(), T))
        queued, first, rest = results
        self.assertEqual(queued, 4)
        self.assertEqual(first, [f"m{i}" for i in range(20)])
        self.assertGreaterEqual(len(rest), 4)
        self.assertEqual(rest, [f"m{i}" for i in range(20, 20 + len(rest))])


if __name__ == "__main__":
    unittest.main()
