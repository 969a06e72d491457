#!/usr/bin/env python3
"""The hostile-peer memory tests of issue 11 (run by run.sh).

    run.py BUILD-DIR [FILTER...]       e.g. run.py build/memory c: python:bomb

Feeds gen.py's streams to three hosts: mem_host (libws.so in-process, C),
bindings/python/examples/echo_server.py --deflate and
bindings/perl/demo/echo_server.pl (over 127.0.0.1, from a raw-socket
client here). Each scenario's peak RSS (VmHWM) must stay within a budget
derived from the limits in force, above a baseline measured in the same
process after setup; on the C host, ws_memory (sampled after every
ws_feed) must stay within the same limits without the slack. Prints a
table and exits 1 if any row fails. A FILTER selects rows whose
"surface:scenario:chunking" starts with it.

Environment: LIBWS_ROOT, the tree whose bindings are run (default: this
checkout); LIBWS_LIBRARY, the library (default LIBWS_ROOT/build/libws.so.1;
the bindings load it too); PYTHON, PERL; MEM_REPORT, a file to which the
table is also written.

The budget of a row (bytes above the baseline):

    budget = Q + M + O + W + A + S

  Q  WS_OPT_MAX_QUEUED, the receive budget (1 MiB default): untaken events
     one ws_feed may queue (ws.h, "Input").
  M  the largest message the scenario can make the connection assemble:
     min(WS_OPT_MAX_MESSAGE, the scenario's message) — 8 MiB for the
     takeover set, the 64 MiB limit for the bombs (closed with 1009 when
     it is reached), 0 for streaming without a limit (data is delivered
     as it is inflated, within Q), 125 B for pings.
  O  output the host does not write away, up to WS_OPT_MAX_OUTPUT: 1 MiB
     for the C host's pings (run with --max-output 1 MiB and never
     drained); for the servers' pings, whose client never reads, the
     pongs the scenario can cause (12.7 MB, below the default 64 MiB
     cap); 0 where output is written (echoes of compressed zeros are a
     few KB).
  W  128 KiB: the decoder's state (ws.h's "+ 128 KiB"): the context
     takeover history (32 KiB), the sliding window of a message being
     streamed (64 KiB: twice the window, so it slides once per window),
     the dynamic block's decode tables (18 KiB), and the scratch margins.
  A  the application's copies, servers only, for the messages they echo
     (the takeover set; 0 for the bombs, never delivered, and pings):
     3 M — the message being echoed, one taken from libws and waiting
     for the application, and one freed block that glibc keeps: once a
     block that size was freed, its dynamic mmap threshold serves the
     next from the heap, which is not returned. Measured: a python3 loop
     holding two 8 MiB bytes objects at a time peaks 24.3 MiB above its
     start (perl: 16.1 MiB).
  S  runtime slack: 4 MiB on the C host, 8 MiB on the servers. Measured
     on the C host where no limit-sized buffer is in play (pings drained
     in 64 KiB slices, the warm-up fed again): VmHWM rises 0.1-0.4 MiB
     above the ws_memory peak (the Go runtime's and malloc's own growth),
     so 4 MiB is ten times that. The interpreters add about 3 MiB above
     libws's own figures (Python and Perl bomb runs: 131.2 and 130.8 MiB
     above baseline where the C host's ws_memory peak is 128.4 MiB;
     Python pings: 3.3 MiB), so 8 MiB.

ws_memory bound (C host): Q + M + O + W, the figure ws.h documents
("a peer can make a connection hold at most about WS_OPT_MAX_QUEUED +
WS_OPT_MAX_MESSAGE + WS_OPT_MAX_OUTPUT + 128 KiB"), with M and O as reached
by the scenario.

How the figures are read: mem_host reads its own /proc/self/status
(baseline after the file is loaded and the warm-up fed). A server's
baseline is its connection process's VmHWM after the opening handshake
and one echoed warm-up message, once it has used no CPU for half a
second; its peak is read the same way after the scenario, or, for a
Perl connection process that exits when its connection closes (the demo
forks one per connection), as it reported it at exit (MemHWM.pm, loaded
with PERL5OPT). Not wait4's ru_maxrss: across exec the kernel keeps the
peak of the process that exec'd, here run.py's own.

Functional checks, so that a bound is not met by losing data: the
takeover set delivers (echoes) 200 messages and ends with close 1000; the
bombs are closed with 1009; the
unlimited streaming run delivers all 1 GiB. No timing is asserted: the
waits below are hang guards only.
"""

from __future__ import annotations

import base64
import json
import os
import re
import selectors
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

KiB, MiB = 1 << 10, 1 << 20
Q = 1 * MiB  # WS_OPT_MAX_QUEUED default
MAX_MESSAGE = 64 * MiB  # WS_OPT_MAX_MESSAGE default
MAX_OUTPUT = 64 * MiB  # WS_OPT_MAX_OUTPUT default
W = 128 * KiB
SLACK_C = 4 * MiB
SLACK_SERVER = 8 * MiB
PONGS = 100_000 * 127  # every ping answered: 2-byte header + 125 bytes
C_TIMEOUT = 60  # seconds; hang guard of one mem_host run (the slowest, unbounded, takes 7 s)
SERVER_TIMEOUT = 60  # seconds; hang guard of one server scenario
STALL = 3.0  # seconds without a byte accepted: the server stopped reading

here = os.path.dirname(os.path.abspath(__file__))
ROOT = os.environ.get("LIBWS_ROOT") or os.path.dirname(os.path.dirname(here))
LIBRARY = os.environ.get("LIBWS_LIBRARY") or os.path.join(ROOT, "build", "libws.so.1")
PYTHON = os.environ.get("PYTHON") or "/usr/bin/python3"
PERL = os.environ.get("PERL") or "perl"


@dataclass
class Scenario:
    name: str
    file: str
    m: int  # M: the largest message the connection may assemble
    host_args: Tuple[str, ...] = ()
    o_c: int = 0  # O on the C host
    o_server: int = 0  # O on the servers
    a: int = 0  # A on the servers
    expect_messages: Optional[int] = None
    expect_close: Optional[int] = None
    expect_data: Optional[int] = None


SCENARIOS = [
    Scenario("takeover", "takeover.bin", 8 * MiB, a=3 * 8 * MiB, expect_messages=200, expect_close=1000),
    Scenario("bomb", "bomb.bin", MAX_MESSAGE, expect_close=1009),
    Scenario("bombfrag", "bombfrag.bin", MAX_MESSAGE, expect_close=1009),
    Scenario("streaming", "bomb.bin", 0, ("--streaming", "--max-message", "-1"), expect_data=1 << 30, expect_close=1000),
    Scenario("pings", "pings.bin", 125, ("--no-drain", "--max-output", str(MiB)), o_c=MiB, o_server=min(PONGS, MAX_OUTPUT)),
]


@dataclass
class Row:
    scenario: str
    surface: str
    chunking: str
    vmhwm: int = -1  # bytes
    baseline: int = -1
    budget: int = 0  # bytes above the baseline
    wsmem: Optional[int] = None
    wsmem_bound: Optional[int] = None
    outcome: str = ""  # events / close code
    failures: List[str] = field(default_factory=list)
    skipped: str = ""

    @property
    def result(self) -> str:
        return "SKIP" if self.skipped else "FAIL" if self.failures else "PASS"


def mib(n: Optional[int]) -> str:
    return "-" if n is None or n < 0 else f"{n / MiB:.1f}"


def check_bound(row: Row) -> None:
    if row.vmhwm < 0 or row.baseline < 0:
        row.failures.append("no VmHWM figure")
    elif row.vmhwm > row.baseline + row.budget:
        row.failures.append(f"VmHWM {mib(row.vmhwm)} > baseline + budget {mib(row.baseline + row.budget)} MiB")
    if row.wsmem is not None and row.wsmem_bound is not None and row.wsmem > row.wsmem_bound:
        row.failures.append(f"ws_memory {mib(row.wsmem)} > {mib(row.wsmem_bound)} MiB")


# ---- the C host ---------------------------------------------------------------------


def run_c(build: str, sc: Scenario, chunking: str) -> Row:
    row = Row(sc.name, "C", chunking)
    row.budget = Q + sc.m + sc.o_c + W + SLACK_C
    row.wsmem_bound = Q + sc.m + sc.o_c + W
    slice_arg = "whole" if chunking == "whole" else str(64 * KiB)
    cmd = [os.path.join(build, "mem_host"), os.path.join(build, sc.file), slice_arg, *sc.host_args,
           "--warmup", os.path.join(build, "warmup.bin")]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=C_TIMEOUT)
    except subprocess.TimeoutExpired:
        row.failures.append(f"no result within {C_TIMEOUT} s (hang guard)")
        return row
    m = re.search(r"^RESULT (.*)$", p.stdout, re.M)
    if p.returncode != 0 or not m:
        row.failures.append(f"mem_host exited {p.returncode}: {(p.stderr or p.stdout).strip()[-300:]}")
        return row
    f = {k: int(v) for k, v in (kv.split("=") for kv in m.group(1).split())}
    row.vmhwm, row.baseline, row.wsmem = f["vmhwm_kb"] * KiB, f["baseline_kb"] * KiB, f["wsmem_peak"]
    parts = [f"{f['events']} ev"]
    if f["messages"]:
        parts.append(f"{f['messages']} msg")
    if f["pings"]:
        parts.append(f"{f['pings']} pings, out {mib(f['output_peak'])} MiB")
    if sc.expect_data is not None:
        parts.append(f"{f['data_bytes'] / MiB:.0f} MiB data, max chunk {mib(f['max_event'])}")
    parts.append(f"close {f['close_code'] or '-'}")
    if f["stalled"]:
        parts.append(f"stalled at {f['fed']}/{f['size']} B")
    row.outcome = ", ".join(parts)
    if f["error"]:
        row.failures.append(f"ws_feed error {f['error']}")
    if sc.expect_messages is not None and f["messages"] != sc.expect_messages:
        row.failures.append(f"{f['messages']} messages, not {sc.expect_messages}")
    if sc.expect_close is not None and f["close_code"] != sc.expect_close:
        row.failures.append(f"close code {f['close_code']}, not {sc.expect_close}")
    if sc.expect_data is not None and f["data_bytes"] != sc.expect_data:
        row.failures.append(f"{f['data_bytes']} bytes delivered, not {sc.expect_data}")
    if not f["stalled"] and f["fed"] < f["size"] and f["close_code"] == 0:
        row.failures.append("input left unconsumed without a close")
    check_bound(row)
    return row


# ---- processes --------------------------------------------------------------------------


def status_kb(pid: int, key: str = "VmHWM") -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return -1


def cpu_ticks(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime, stime
    except (OSError, IndexError, ValueError):
        return -1


def wait_quiet(pid: int, limit: float = 30.0) -> None:
    """Waits until the process has used no CPU for half a second (it has
    done what the input made it do), or limit seconds."""
    end = time.monotonic() + limit
    last, still = cpu_ticks(pid), 0
    while still < 5 and time.monotonic() < end and last >= 0:
        time.sleep(0.1)
        now = cpu_ticks(pid)
        still = still + 1 if now == last else 0
        last = now


def children(pid: int) -> List[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            return [int(x) for x in fh.read().split()]
    except OSError:
        out = []
        for d in os.listdir("/proc"):
            if d.isdigit():
                try:
                    with open(f"/proc/{d}/stat") as fh:
                        if int(fh.read().rsplit(")", 1)[1].split()[1]) == pid:
                            out.append(int(d))
                except (OSError, ValueError, IndexError):
                    pass
        return out


class Server:
    """One echo server process for one scenario (VmHWM only grows, so
    every scenario gets a fresh process)."""

    def __init__(self, kind: str, build: str) -> None:
        self.kind = kind
        env = dict(os.environ, LIBWS_LIBRARY=LIBRARY, PYTHONUNBUFFERED="1")
        self.hwm_path = os.path.join(build, f"{kind}-exit-hwm.txt")
        if os.path.exists(self.hwm_path):
            os.unlink(self.hwm_path)
        if kind == "perl":
            env["MEM_HWM_FILE"] = self.hwm_path
            env["PERL5OPT"] = (env.get("PERL5OPT", "") + f" -I{here} -MMemHWM").strip()
        if kind == "python":
            cmd = [PYTHON, os.path.join(ROOT, "bindings/python/examples/echo_server.py"), "--deflate",
                   "--host", "127.0.0.1", "--port", "0"]
            ready = re.compile(r"ws://127\.0\.0\.1:(\d+)/")
        else:
            cmd = [PERL, os.path.join(ROOT, "bindings/perl/demo/echo_server.pl"), "--heartbeat", "0", "127.0.0.1:0"]
            ready = re.compile(r"listening on 127\.0\.0\.1:(\d+)")
        self.log_path = os.path.join(build, f"{kind}-server.log")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, env=env, cwd=build)
        self.port = 0
        end = time.monotonic() + 30
        while time.monotonic() < end and self.proc.poll() is None:
            with open(self.log_path) as fh:
                m = ready.search(fh.read())
            if m:
                self.port = int(m.group(1))
                break
            time.sleep(0.05)
        if not self.port:
            self.stop()
            raise RuntimeError(f"{kind} server did not start: {self.tail()}")

    def tail(self) -> str:
        try:
            with open(self.log_path) as fh:
                return fh.read()[-500:].strip()
        except OSError:
            return ""

    def conn_pid(self) -> int:
        """The process that serves the connection: the server itself
        (Python: a thread per connection), or its child (Perl forks)."""
        if self.kind == "python":
            return self.proc.pid
        end = time.monotonic() + 10
        while time.monotonic() < end:
            kids = children(self.proc.pid)
            if kids:
                return kids[0]
            time.sleep(0.02)
        return -1

    def exit_hwm(self, pid: int) -> int:
        """VmHWM in KiB that process pid reported as it ended (MemHWM.pm),
        or -1."""
        kb = -1
        try:
            with open(self.hwm_path) as fh:
                for line in fh:
                    p, v = line.split()
                    if int(p) == pid:
                        kb = max(kb, int(v))
        except (OSError, ValueError):
            pass
        return kb

    def stop(self) -> None:
        if self.proc.poll() is None:
            if self.kind == "perl":
                for kid in children(self.proc.pid):
                    try:
                        os.kill(kid, signal.SIGKILL)
                    except OSError:
                        pass
            self.proc.kill()
            self.proc.wait()
        self.log.close()


# ---- the client ------------------------------------------------------------------------


class Client:
    """A raw-socket client: the opening handshake offering
    permessage-deflate, then the scenario's bytes as they are; a reader
    thread counts what the server sends (unmasked frames, RFC 6455 §5.1)."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        key = base64.b64encode(b"issue-11-memory!").decode()
        self.sock.sendall(
            (
                "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                "Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n"
            ).encode()
        )
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise RuntimeError(f"handshake: connection closed after {buf!r}")
            buf += chunk
        head, _, self.rest = buf.partition(b"\r\n\r\n")
        text = head.decode("latin-1")
        if not text.startswith("HTTP/1.1 101"):
            raise RuntimeError(f"handshake refused: {text.splitlines()[0]}")
        ext = re.search(r"(?im)^sec-websocket-extensions:(.*)$", text)
        if not ext or "permessage-deflate" not in ext.group(1):
            raise RuntimeError("permessage-deflate was not agreed")
        if "client_no_context_takeover" in ext.group(1) or "client_max_window_bits" in ext.group(1):
            raise RuntimeError(f"the server imposed {ext.group(1).strip()}: the streams assume 15 bits, takeover")
        self.sock.settimeout(None)
        self.buf = bytearray(self.rest)
        self.cv = threading.Condition()
        self.messages = self.pongs = 0
        self.close_code: Optional[int] = None
        self.eof = False
        self.reader: Optional[threading.Thread] = None

    def start_reading(self) -> None:
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _parse(self) -> None:
        """Counts the complete frames buffered and removes them."""
        buf = self.buf
        while len(buf) >= 2:
            b0, b1 = buf[0], buf[1]
            n, off = b1 & 0x7F, 2
            if n == 126:
                if len(buf) < 4:
                    return
                n, off = struct.unpack_from(">H", buf, 2)[0], 4
            elif n == 127:
                if len(buf) < 10:
                    return
                n, off = struct.unpack_from(">Q", buf, 2)[0], 10
            if len(buf) < off + n:
                return
            op, fin = b0 & 0x0F, b0 & 0x80
            with self.cv:
                if op in (0x0, 0x1, 0x2) and fin:
                    self.messages += 1
                elif op == 0xA:
                    self.pongs += 1
                elif op == 0x8 and self.close_code is None:
                    self.close_code = struct.unpack_from(">H", buf, off)[0] if n >= 2 else 1005
                self.cv.notify_all()
            del buf[: off + n]

    def _recv(self) -> bool:
        try:
            chunk = self.sock.recv(256 * KiB)
        except OSError:
            chunk = b""
        if not chunk:
            with self.cv:
                self.eof = True
                self.cv.notify_all()
            return False
        self.buf += chunk
        self._parse()
        return True

    def read_until(self, pred, timeout: float) -> bool:
        """Reads in this thread until pred(self) (the warm-up)."""
        self.sock.settimeout(timeout)
        try:
            self._parse()
            while not pred(self) and self._recv():
                pass
        except socket.timeout:
            pass
        finally:
            self.sock.settimeout(None)
        return pred(self)

    def _read(self) -> None:
        while self._recv():
            pass

    def wait(self, pred, timeout: float) -> bool:
        with self.cv:
            return self.cv.wait_for(lambda: pred(self) or self.eof, timeout)

    def send(self, data: bytes) -> bool:
        """sendall; False if the server closed first (the bombs)."""
        try:
            self.sock.sendall(data)
            return True
        except OSError:
            return False

    def send_unread(self, data: bytes, deadline: float) -> int:
        """Sends without reading anything: non-blocking writes until all is
        sent or the server has accepted nothing for STALL seconds (it
        stopped reading: its own writes are blocked). Returns bytes sent."""
        self.sock.setblocking(False)
        view, sent, last = memoryview(data), 0, time.monotonic()

        with selectors.DefaultSelector() as sel:
            sel.register(self.sock, selectors.EVENT_WRITE)
            while sent < len(data) and time.monotonic() < deadline:
                if not sel.select(0.2):
                    if time.monotonic() - last > STALL:
                        break
                    continue
                try:
                    n = self.sock.send(view[sent : sent + 256 * KiB])
                except BlockingIOError:
                    continue
                except OSError:
                    break
                sent += n
                last = time.monotonic()
        self.sock.setblocking(True)
        return sent

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


def run_server(build: str, kind: str, sc: Scenario, chunking: str, index: Dict[str, dict]) -> Row:
    surface = "Python" if kind == "python" else "Perl"
    row = Row(sc.name, surface, chunking)
    if sc.name == "streaming":
        row.skipped = "the echo server has no streaming option"
        return row
    # H: the helper's own receive queue, within its documented default
    # bound: the Python sync helper's max_queue_bytes (16 MiB of messages,
    # and 16 messages) for the messages that arrive while the application
    # echoes. The Perl demo server bounds its queue alike (16 messages,
    # 16 MiB) but is held to the budget without that allowance, and meets
    # it: its session echoes what it takes before reading again.
    helper = 16 * MiB if kind == "python" and sc.a else 0
    row.budget = Q + sc.m + sc.o_server + W + sc.a + helper + SLACK_SERVER
    with open(os.path.join(build, sc.file), "rb") as fh:
        data = fh.read()
    with open(os.path.join(build, "warmup.bin"), "rb") as fh:
        warm = fh.read()
    deadline = time.monotonic() + SERVER_TIMEOUT
    srv = Server(kind, build)
    cl: Optional[Client] = None
    live, pid, sent = -1, -1, 0
    try:
        cl = Client(srv.port)
        reading = sc.name != "pings"
        cl.send(warm)
        if not cl.read_until(lambda c: c.messages >= 1 and c.pongs >= 1, 30):
            raise RuntimeError("the warm-up message was not echoed")
        pid = srv.conn_pid()
        wait_quiet(pid)
        row.baseline = status_kb(pid) * KiB
        base_msgs = cl.messages
        if reading:
            cl.start_reading()
        if chunking == "whole":
            if reading:
                cl.send(data)
                cl.wait(lambda c: c.close_code is not None and c.eof, max(1.0, deadline - time.monotonic()))
            else:
                sent = cl.send_unread(data, deadline)
        else:  # lockstep: 64 KiB, then wait for the echoes of the messages it completed
            ends = index[sc.file]["message_ends"]
            k = 0
            for off in range(0, len(data), 64 * KiB):
                piece = data[off : off + 64 * KiB]
                if not cl.send(piece):
                    break
                while k < len(ends) and ends[k] <= off + len(piece):
                    k += 1
                if not cl.wait(lambda c, k=k: c.messages - base_msgs >= k, max(1.0, deadline - time.monotonic())):
                    break
            cl.wait(lambda c: c.close_code is not None and c.eof, max(1.0, deadline - time.monotonic()))
        if time.monotonic() >= deadline:
            row.failures.append(f"not done within {SERVER_TIMEOUT} s (hang guard)")
        # The peak: read while the process lives (VmHWM never decreases),
        # or as a Perl connection process reported it when it ended.
        if pid > 0 and os.path.exists(f"/proc/{pid}"):
            wait_quiet(pid)
            live = status_kb(pid)
        if kind == "perl":
            end = time.monotonic() + 10
            while os.path.exists(f"/proc/{pid}") and live < 0 and time.monotonic() < end:
                time.sleep(0.02)  # exiting: its report follows
            live = max(live, srv.exit_hwm(pid))
        row.vmhwm = live * KiB if live > 0 else -1
        echoed = cl.messages - base_msgs
        parts = []
        if reading:
            parts.append(f"{echoed} echoed")
        else:
            parts.append(f"client never reads, {sent}/{len(data)} B sent")
        parts.append(f"close {cl.close_code if cl.close_code is not None else '-'}")
        row.outcome = ", ".join(parts)
        if sc.expect_messages is not None and echoed != sc.expect_messages:
            row.failures.append(f"{echoed} messages echoed, not {sc.expect_messages}")
        if sc.expect_close is not None and cl.close_code != sc.expect_close:
            row.failures.append(f"close code {cl.close_code}, not {sc.expect_close}")
    except Exception as e:  # noqa: BLE001 - reported in the row
        row.failures.append(str(e))
    finally:
        if cl:
            cl.close()
        alive = srv.proc.poll() is None
        srv.stop()
        if not alive:
            row.failures.append(f"the server exited: {srv.tail()[-200:]}")
    check_bound(row)
    return row


# ---- the table ---------------------------------------------------------------------------


def table(rows: List[Row]) -> str:
    head = ["scenario", "surface", "chunking", "VmHWM MiB", "baseline MiB", "budget MiB", "ws_memory peak MiB (bound)",
            "events / close", "result"]
    lines = []
    for r in rows:
        ws = "-" if r.wsmem is None else f"{mib(r.wsmem)} ({mib(r.wsmem_bound)})"
        lines.append([r.scenario, r.surface, r.chunking, mib(r.vmhwm), mib(r.baseline),
                      "-" if r.skipped else mib(r.budget), ws, r.skipped or r.outcome, r.result])
    widths = [max(len(x[i]) for x in [head] + lines) for i in range(len(head))]
    fmt = lambda cells: "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " |"  # noqa: E731
    out = [fmt(head), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += [fmt(x) for x in lines]
    out.append("")
    out.append("MiB = 2^20 B. A row passes when VmHWM <= baseline + budget and (C host) the ws_memory peak <= its bound;")
    out.append("budget = Q + M + O + W + A + S (run.py). Chunking: C host, one ws_feed (whole) or 64 KiB per call;")
    out.append("servers, one sendall (whole) or 64 KiB sends each waiting for the echoes it completes (64K-lockstep).")
    fails = [r for r in rows if r.failures]
    if fails:
        out.append("")
        out += [f"FAIL {r.surface} {r.scenario} {r.chunking}: " + "; ".join(r.failures) for r in fails]
    return "\n".join(out)


def main() -> int:
    build = os.path.abspath(sys.argv[1])
    filters = sys.argv[2:]
    with open(os.path.join(build, "index.json")) as fh:
        index = json.load(fh)
    plan = []
    for sc in SCENARIOS:
        for ch in ("whole", "64K"):
            plan.append(("c", sc, ch))
    for kind in ("python", "perl"):
        for sc in SCENARIOS:
            chunkings = ("whole", "64K-lockstep") if sc.name == "takeover" else ("whole",)
            for ch in chunkings:
                plan.append((kind, sc, ch))
    rows = []
    print(f"memory: library {LIBRARY}; bindings from {ROOT}")
    for kind, sc, ch in plan:
        tag = f"{kind}:{sc.name}:{ch}"
        if filters and not any(tag.startswith(f) for f in filters):
            continue
        t = time.monotonic()
        row = run_c(build, sc, ch) if kind == "c" else run_server(build, kind, sc, ch, index)
        print(f"memory: {tag}: {row.result} (VmHWM {mib(row.vmhwm)} MiB, {time.monotonic() - t:.1f} s)", flush=True)
        rows.append(row)
    text = table(rows)
    print()
    print(text)
    report = os.environ.get("MEM_REPORT")
    if report:
        with open(report, "w") as fh:
            fh.write(text + "\n")
    return 1 if any(r.failures for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
