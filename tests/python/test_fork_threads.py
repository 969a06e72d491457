"""fork(): a child of a process that loaded libws gets Forked (never a
hang); a child that loads libws only after the fork works. Threads:
connections in parallel, Busy on a shared connection, signals while the Go
runtime's threads run."""

from __future__ import annotations

import os
import random
import threading
import unittest

from helpers import handshake, pump, run_python

import libws
from libws import Deflate, _ffi

# Runs in a subprocess: the parent polls the child with a deadline and
# kills it if it hangs, so nothing outlives the test.
_WAIT_CHILD = """
import os, signal, time
def wait_child(pid, timeout=15.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.01)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return "hung"
"""


class ForkTest(unittest.TestCase):
    def test_child_of_a_loaded_parent_gets_forked(self) -> None:
        r = run_python(
            _WAIT_CHILD
            + """
import sys, threading, libws
from libws import _ffi
c = libws.ServerConnection()
busy = libws.ClientConnection("ws://h/")
stop = False
def spin():  # a thread inside libws calls while we fork
    while not stop:
        busy.state
t = threading.Thread(target=spin); t.start()
pid = os.fork()
if pid == 0:
    signal.alarm(10)  # the child bounds itself too
    out = []
    calls = [
        lambda: libws.ServerConnection(),
        lambda: libws.ClientConnection("ws://h/"),
        lambda: c.state,
        lambda: c.receive_data(b"GET"),
        lambda: list(c.events()),
        lambda: busy.data_to_send(),
        lambda: libws.version(),
        lambda: libws.accept_key("x"),
        lambda: libws.load(),
    ]
    for f in calls:
        try:
            f()
            out.append("no error")
        except libws.Forked as e:
            out.append("Forked")
        except Exception as e:
            out.append(type(e).__name__)
    msg = ""
    try:
        c.state
    except libws.Forked as e:
        msg = str(e)
    # libws's own guard (WS_E_FORKED), with the binding's flag cleared:
    _ffi.forked = False
    out.append(_ffi.fn.ws_state(c._h))
    try:
        c.state
    except libws.Forked as e:
        out.append("Forked:%d" % e.code)
    _ffi.forked = True
    c.free()          # no call into libws, no crash
    del busy          # finalizer in the child
    print(out, msg.split(";")[0], flush=True)
    os._exit(0)
stop = True
t.join()
print("child exit", wait_child(pid))
print("parent", c.state.name)
"""
        )
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.strip().splitlines()
        self.assertEqual(lines[-2], "child exit 0", r.stdout + r.stderr)
        self.assertEqual(lines[-1], "parent CONNECTING")
        self.assertIn("['Forked', 'Forked', 'Forked', 'Forked', 'Forked', 'Forked', 'Forked', 'Forked', 'Forked', -60, 'Forked:-60']", lines[0])
        self.assertIn("libws was loaded before fork()", lines[0])

    def test_child_that_loads_after_fork_works(self) -> None:
        r = run_python(
            _WAIT_CHILD
            + """
import libws
assert libws.loaded_path() is None
pid = os.fork()
if pid == 0:
    signal.alarm(10)
    c = libws.ClientConnection("ws://h/", compression=True)
    s = libws.ServerConnection(compression=True)
    s.receive_data(c.data_to_send()); list(s.events())
    c.receive_data(s.data_to_send()); list(c.events())
    c.send_text("from the child " * 10)
    s.receive_data(c.data_to_send())
    (m,) = list(s.events())
    print("child", m.data[:15], m.compressed, flush=True)
    os._exit(0)
print("child exit", wait_child(pid))
s = libws.ServerConnection()  # the parent may load it too
print("parent", s.state.name)
"""
        )
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(
            r.stdout.strip().splitlines(),
            ["child from the child  True", "child exit 0", "parent CONNECTING"],
            r.stderr,
        )

    def test_multiprocessing_fork_pool(self) -> None:
        r = run_python(
            """
import multiprocessing as mp, libws
def work(_):
    try:
        libws.ServerConnection()
        return "ok"
    except libws.Forked:
        return "Forked"
def main():
    ctx = mp.get_context("fork")
    with ctx.Pool(2) as p:                      # before loading: children load it
        before = p.map(work, range(2), chunksize=1)
    libws.ServerConnection()                    # now the parent loaded it
    with ctx.Pool(2) as p:
        after = p.map(work, range(2), chunksize=1)
    print(before, after)
main()
""",
            timeout=30,
        )
        self.assertEqual(r.stdout.strip(), "['ok', 'ok'] ['Forked', 'Forked']", r.stderr)


class ThreadsTest(unittest.TestCase):
    def test_parallel_connections(self) -> None:
        errors: list = []

        def worker(seed: int) -> None:
            try:
                rng = random.Random(seed)
                deflate = Deflate() if seed % 2 else None
                c, s, _, _ = handshake(client={"compression": deflate}, server={"compression": deflate})
                want = []
                for i in range(300):
                    n = rng.choice((0, 1, 100, 5000))
                    payload = bytes(rng.getrandbits(8) for _ in range(n % 300)) * (n // 300 + 1)
                    if i % 3 == 0:
                        c.send_text(payload.hex())
                        want.append(payload.hex())
                    else:
                        c.send_bytes(payload)
                        want.append(payload)
                    if i % 16 == 15:
                        got = [e.data for e in pump(c, s)]  # type: ignore[attr-defined]
                        if got != want:
                            raise AssertionError(f"thread {seed}: payload mismatch")
                        want = []
                        s.send_text("ack")
                        if [e.data for e in pump(s, c)] != ["ack"]:  # type: ignore[attr-defined]
                            raise AssertionError("no ack")
                c.free()
                s.free()
            except BaseException as e:  # noqa: BLE001
                errors.append(e)

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual(errors, [])

    def _big_stream(self, **server: object) -> tuple:
        opts = {"compression": True, "max_message_size": 2**30, **server}
        c, s, _, _ = handshake(client={"compression": True}, server=opts)
        for i in range(8):
            c.send_text(("%08d " % i) * 200000)  # ~1.8 MB each, inflated in libws
        return s, c.data_to_send()

    def test_busy_between_python_threads(self) -> None:
        # Whether the main thread's call lands while the feeder is inside
        # libws is up to the scheduler: on a loaded machine one stream may
        # see no overlap, so up to 10 fresh streams are tried.
        for _attempt in range(10):
            s, wire = self._big_stream()
            busy = 0
            done = threading.Event()

            def feeder() -> None:
                try:
                    for i in range(0, len(wire), 4096):
                        while True:
                            try:
                                s.receive_data(wire[i : i + 4096])
                                break
                            except libws.Busy:
                                continue
                finally:
                    done.set()

            t = threading.Thread(target=feeder)
            t.start()
            while not done.is_set():
                try:
                    s.pending_events
                except libws.Busy as e:
                    busy += 1
                    self.assertEqual(e.code, -51)
            t.join(30)
            self.assertEqual(len(list(s.events())), 8)
            s.free()
            if busy:
                break
        self.assertGreater(busy, 0)

    def test_busy_detected_by_libws(self) -> None:
        # Bypass the binding's own guard: libws itself answers WS_E_BUSY.
        # Raw ws_feed calls: without a receive budget, each consumes all.
        s, wire = self._big_stream(max_queued=-1)
        h = s._h
        f = _ffi.fn
        codes: list = []
        done = threading.Event()

        def feeder() -> None:
            try:
                for i in range(0, len(wire), 4096):
                    chunk = wire[i : i + 4096]
                    while True:
                        rc = f.ws_feed(h, chunk, len(chunk))
                        if rc == -51:
                            continue
                        codes.append(rc)
                        break
            finally:
                done.set()

        t = threading.Thread(target=feeder)
        t.start()
        busy = 0
        while not done.is_set():
            if f.ws_pending_events(h) == -51:
                busy += 1
        t.join(30)
        self.assertTrue(all(rc == 0 for rc in codes))
        self.assertGreater(busy, 0)
        self.assertEqual(s.pending_events, 8)

    def test_signals_with_go_threads(self) -> None:
        r = run_python(
            """
import os, signal, threading, time, libws
got = []
signal.signal(signal.SIGUSR1, lambda *a: got.append(1))
signal.signal(signal.SIGALRM, lambda *a: got.append(2))
stop = False
def work():
    c = libws.ClientConnection("ws://h/", compression=True)
    s = libws.ServerConnection(compression=True)
    s.receive_data(c.data_to_send()); list(s.events())
    c.receive_data(s.data_to_send()); list(c.events())
    while not stop:
        c.send_text("x" * 1000)
        s.receive_data(c.data_to_send())
        list(s.events())
threads = [threading.Thread(target=work) for _ in range(3)]
for t in threads: t.start()
signal.setitimer(signal.ITIMER_REAL, 0.01, 0.01)
for _ in range(50):
    os.kill(os.getpid(), signal.SIGUSR1)
    time.sleep(0.005)
signal.setitimer(signal.ITIMER_REAL, 0)
stop = True
for t in threads: t.join()
print(1 in got, 2 in got)
""",
            timeout=30,
        )
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.strip(), "True True")


if __name__ == "__main__":
    unittest.main()
