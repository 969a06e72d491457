#!/usr/bin/env python3
"""Messages/s of the libws binding against wsproto and websockets' sans-I/O
layer, on the shared benchmark workloads (a benchmark, not a test).

    python3 bench.py [--workloads DIR] [--gen PATH] [--repeat N] [--only w1,w4,...] [--breakdown]

The workloads are the files written by the project's gen_workloads.py
(WORKLOADS.md): DIR must hold them (manifest.json), or --gen names the
generator to write them into DIR first. Run it with the interpreter that
has the peers (Debian: /usr/bin/python3 with python3-websockets and
python3-wsproto).

Each peer's figure is its best pass; the peers take turns, one pass each
per round, so that ratios hold on a machine whose load varies.

Server side (W1-W4, W6d): one long-lived connection, past the handshake,
is fed <w>.frames in 64 KiB slices, one feed per slice, taking the events
after each; a pass ends when every message was delivered as one value
(libws: str/bytes, and in the "libws views" column a memoryview from
events(copy=False); wsproto: partial messages joined; websockets:
Frame.data, bytes). The sum of each
message's first and last byte mod 2^32 is checked against the manifest.

Client side (W5a-d, W6c): one connection, one send call per message, the
output drained after each into a byte counter; the first pass's output is
re-parsed (by libws) and checked.

UTF-8: libws and wsproto validate text; websockets' sans-I/O layer does
not (it hands text frames over as bytes).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from typing import Any, Callable, Dict, List, Optional, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # the binding, from a checkout

import libws  # noqa: E402

try:
    import websockets  # noqa: F401
    from websockets.extensions.permessage_deflate import PerMessageDeflate as WsDeflate

    try:  # websockets >= 11
        from websockets.protocol import OPEN as WS_OPEN
    except ImportError:  # 10.x
        from websockets.connection import OPEN as WS_OPEN
    from websockets.client import ClientConnection as WsClient
    from websockets.server import ServerConnection as WsServer
    from websockets.uri import parse_uri
except ImportError as e:
    sys.exit(f"bench.py: websockets is needed ({e}); Debian: apt-get install python3-websockets, run with /usr/bin/python3")
try:
    from wsproto.connection import Connection as WpConnection
    from wsproto.connection import ConnectionType
    from wsproto.events import BytesMessage as WpBytes
    from wsproto.events import TextMessage as WpText
    from wsproto.extensions import PerMessageDeflate as WpDeflate
except ImportError as e:
    sys.exit(f"bench.py: wsproto is needed ({e}); Debian: apt-get install python3-wsproto")

CHUNK = 65536
# The clock passes are timed with (--clock): wall time, or the process's
# CPU time (its own threads and libws's Go threads), which a machine busy
# with other work disturbs less.
_clock = time.perf_counter
NO_TAKEOVER = "permessage-deflate; server_no_context_takeover; client_no_context_takeover"
BIG = 2**30


# ---- workloads ---------------------------------------------------------------------


class Workload:
    def __init__(self, wid: str, meta: Dict[str, Any], directory: str, side: str) -> None:
        self.id = wid
        self.meta = meta
        self.side = side
        self.count = meta["count"]
        self.size = meta["payload_size"]
        self.text = meta["opcode"] == 1
        self.deflate = "deflate" in meta
        self.dir = directory

    def frames(self) -> List[bytes]:
        with open(os.path.join(self.dir, self.meta["frames"]), "rb") as f:
            data = f.read()
        return [data[i : i + CHUNK] for i in range(0, len(data), CHUNK)]

    def payloads(self) -> List[bytes]:
        with open(os.path.join(self.dir, self.meta["payloads"]), "rb") as f:
            data = f.read()
        n = self.size
        return [data[i : i + n] for i in range(0, len(data), n)]

    @property
    def payload_bytes(self) -> int:
        return self.count * self.size


def load_workloads(directory: str) -> Dict[str, Workload]:
    with open(os.path.join(directory, "manifest.json")) as f:
        man = json.load(f)
    out: Dict[str, Workload] = {}
    for wid in ("w1", "w2", "w3", "w4"):
        out[wid] = Workload(wid, man[wid], directory, "server")
    for wid, src in (("w5a", "w1"), ("w5b", "w2"), ("w5c", "w3"), ("w5d", "w4")):
        out[wid] = Workload(wid, man[src], directory, "client")
    out["w6d"] = Workload("w6d", man["w6"], directory, "server")
    out["w6c"] = Workload("w6c", man["w6"], directory, "client")
    return out


# ---- server side: feed frames, take messages -------------------------------------------


def libws_server(w: Workload, chunks: List[bytes]) -> Tuple[int, int]:
    conn = libws.Connection.open(
        "server", extensions=NO_TAKEOVER if w.deflate else None, max_message_size=BIG, max_frame_size=BIG
    )
    n = cs = 0
    if w.text:
        for chunk in chunks:
            conn.receive_data(chunk)
            for ev in conn.events():
                d = ev.data  # type: ignore[attr-defined]
                n += 1
                cs += ord(d[0]) + ord(d[-1])
    else:
        for chunk in chunks:
            conn.receive_data(chunk)
            for ev in conn.events():
                d = ev.data  # type: ignore[attr-defined]
                n += 1
                cs += d[0] + d[-1]
    conn.free()
    return n, cs


def libws_server_views(w: Workload, chunks: List[bytes]) -> Tuple[int, int]:
    conn = libws.Connection.open(
        "server", extensions=NO_TAKEOVER if w.deflate else None, max_message_size=BIG, max_frame_size=BIG
    )
    n = cs = 0
    for chunk in chunks:
        conn.receive_data(chunk)
        for ev in conn.events(copy=False):
            d = ev.data  # type: ignore[attr-defined]
            n += 1
            cs += d[0] + d[-1]
    conn.free()
    return n, cs


def websockets_server(w: Workload, chunks: List[bytes]) -> Tuple[int, int]:
    conn = WsServer(state=WS_OPEN, max_size=None)
    if w.deflate:
        conn.extensions = [WsDeflate(True, True, 15, 15)]
    n = cs = 0
    for chunk in chunks:
        conn.receive_data(chunk)
        for f in conn.events_received():
            d = f.data
            n += 1
            cs += d[0] + d[-1]
    return n, cs


def wsproto_server(w: Workload, chunks: List[bytes]) -> Tuple[int, int]:
    exts = None
    if w.deflate:
        ext = WpDeflate(client_no_context_takeover=True, server_no_context_takeover=True)
        ext.accept(NO_TAKEOVER)
        exts = [ext]
    conn = WpConnection(ConnectionType.SERVER, extensions=exts)
    n = cs = 0
    parts: List[Any] = []
    join = "".join if w.text else b"".join
    for chunk in chunks:
        conn.receive_data(chunk)
        for ev in conn.events():
            if ev.message_finished and not parts:
                d = ev.data
            else:
                parts.append(ev.data)
                if not ev.message_finished:
                    continue
                d = join(parts)
                parts = []
            n += 1
            cs += (ord(d[0]) + ord(d[-1])) if w.text else (d[0] + d[-1])
    return n, cs


# ---- client side: one send per message, drain into a counter ---------------------------


def libws_client(w: Workload, payloads: List[Any], keep: Optional[List[bytes]]) -> int:
    conn = libws.Connection.open("client", extensions=NO_TAKEOVER if w.deflate else None)
    send = conn.send_text if w.text else conn.send_bytes
    out = conn.data_to_send
    total = 0
    for p in payloads:
        send(p)
        data = out()
        total += len(data)
        if keep is not None:
            keep.append(data)
    conn.free()
    return total


def websockets_client(w: Workload, payloads: List[Any], keep: Optional[List[bytes]]) -> int:
    conn = WsClient(parse_uri("ws://bench/"), state=WS_OPEN)
    if w.deflate:
        conn.extensions = [WsDeflate(True, True, 15, 15)]
    send = conn.send_text if w.text else conn.send_binary
    total = 0
    for p in payloads:
        send(p)
        for data in conn.data_to_send():
            total += len(data)
            if keep is not None:
                keep.append(data)
    return total


def wsproto_client(w: Workload, payloads: List[Any], keep: Optional[List[bytes]]) -> int:
    exts = None
    if w.deflate:
        ext = WpDeflate(client_no_context_takeover=True, server_no_context_takeover=True)
        ext.finalize(NO_TAKEOVER)
        exts = [ext]
    conn = WpConnection(ConnectionType.CLIENT, extensions=exts)
    total = 0
    ev = WpText if w.text else WpBytes
    for p in payloads:
        data = conn.send(ev(data=p))
        total += len(data)
        if keep is not None:
            keep.append(data)
    return total


def verify_client_output(w: Workload, chunks: List[bytes]) -> Tuple[int, int]:
    """Re-parses a client's output with libws: (messages, checksum)."""
    data = b"".join(chunks)
    return libws_server(w, [data[i : i + CHUNK] for i in range(0, len(data), CHUNK)])


# ---- running ---------------------------------------------------------------------------

SERVER_PEERS: Dict[str, Callable[[Workload, List[bytes]], Tuple[int, int]]] = {
    "libws": libws_server,
    "libws views": libws_server_views,
    "websockets": websockets_server,
    "wsproto": wsproto_server,
}
CLIENT_PEERS: Dict[str, Callable[[Workload, List[Any], Optional[List[bytes]]], int]] = {
    "libws": libws_client,
    "websockets": websockets_client,
    "wsproto": wsproto_client,
}


def server_pass(w: Workload, peer: str) -> Callable[[], float]:
    """A timed pass of peer on server workload w (after an untimed warm-up:
    allocators, pools, caches); each pass is checked."""
    chunks = w.frames()
    f = SERVER_PEERS[peer]
    f(w, chunks)

    def one() -> float:
        t = _clock()
        n, cs = f(w, chunks)
        dt = _clock() - t
        if n != w.count or cs & 0xFFFFFFFF != w.meta["checksum"]:
            raise SystemExit(f"{peer} {w.id}: {n} messages, checksum {cs & 0xFFFFFFFF}; want {w.count}, {w.meta['checksum']}")
        return dt

    return one


def client_pass(w: Workload, peer: str) -> Callable[[], float]:
    """A timed pass of peer on client workload w; the warm-up pass's output
    is re-parsed and checked."""
    raw = w.payloads()
    if peer == "wsproto" and w.text:
        payloads: List[Any] = [p.decode() for p in raw]  # wsproto takes str
    else:
        payloads = raw  # libws and websockets take UTF-8 bytes for text
    f = CLIENT_PEERS[peer]
    keep: List[bytes] = []
    f(w, payloads, keep)  # also the warm-up
    n, cs = verify_client_output(w, keep)
    if n != w.count or cs & 0xFFFFFFFF != w.meta["checksum"]:
        raise SystemExit(f"{peer} {w.id}: output re-parsed to {n} messages, checksum {cs}")
    del keep

    def one() -> float:
        t = _clock()
        f(w, payloads, None)
        return _clock() - t

    return one


def bench(w: Workload, repeat: int) -> Dict[str, float]:
    """Best pass time of every peer on w. The peers take turns, one pass
    each per round (the order rotating), so that a load that comes and goes
    on the machine weighs on all of them alike and the ratios hold."""
    peers = list(SERVER_PEERS if w.side == "server" else CLIENT_PEERS)
    make = server_pass if w.side == "server" else client_pass
    passes = {peer: make(w, peer) for peer in peers}
    best = {peer: float("inf") for peer in peers}
    for r in range(repeat):
        for i in range(len(peers)):
            peer = peers[(r + i) % len(peers)]
            best[peer] = min(best[peer], passes[peer]())
    return best


def breakdown(w: Workload) -> None:
    """Where W1's time goes in the binding: the C calls alone (through
    ctypes), then the Python conversion steps on top."""
    import struct
    from ctypes import addressof, c_char

    from libws import _ffi

    chunks = w.frames()
    F = _ffi.fn
    M = _ffi.MEMORY
    ev = bytearray(32 * 256)
    struct.pack_into("I", ev, 0, 32)
    arr = c_char.from_buffer(ev)
    addr = addressof(arr)
    mv = memoryview(ev)

    def raw_c() -> int:
        c = libws.Connection.open("server")
        h = c._h
        n = 0
        for ch in chunks:
            F.ws_feed(h, ch, len(ch))
            while True:
                k = F.ws_next_events(h, addr, 256)
                if k <= 0:
                    break
                n += k
        c.free()
        return n

    def unpack() -> int:
        c = libws.Connection.open("server")
        h = c._h
        n = 0
        for ch in chunks:
            F.ws_feed(h, ch, len(ch))
            while True:
                k = F.ws_next_events(h, addr, 256)
                if k <= 0:
                    break
                for head, tail, p, ln in struct.iter_unpack("@QQPN", mv[: k * 32]):
                    n += 1
        c.free()
        return n

    def decode() -> int:
        c = libws.Connection.open("server")
        h = c._h
        n = 0
        for ch in chunks:
            F.ws_feed(h, ch, len(ch))
            while True:
                k = F.ws_next_events(h, addr, 256)
                if k <= 0:
                    break
                for head, tail, p, ln in struct.iter_unpack("@QQPN", mv[: k * 32]):
                    s = str(M[p : p + ln], "utf-8")
                    n += 1
        c.free()
        return n

    def events_only() -> int:
        c = libws.Connection.open("server")
        n = 0
        for ch in chunks:
            c.receive_data(ch)
            for _ in c.events():
                n += 1
        c.free()
        return n

    def full() -> int:
        return libws_server(w, chunks)[0]

    steps = [
        ("ws_feed + ws_next_events (ctypes, batches of 256)", raw_c),
        ("+ struct.iter_unpack of the ws_event records", unpack),
        ("+ str of each payload (UTF-8 decode from C memory)", decode),
        ("events(): + TextMessage objects, generator", events_only),
        ("+ the benchmark's checksum (first/last char)", full),
    ]
    print(f"\nW1 breakdown ({w.count} messages of {w.size} B; ns per message, best of 3):")
    prev = 0.0
    for name, f in steps:
        best = float("inf")
        for _ in range(3):
            t = _clock()
            got = f()
            best = min(best, _clock() - t)
            assert got == w.count, (name, got)
        ns = best / w.count * 1e9
        print(f"  {name:55s} {ns:7.0f} ns  (+{ns - prev:4.0f})")
        prev = ns


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--workloads",
        default=os.environ.get("WS_BENCH_WORKLOADS", "/tmp/libws-bench-workloads"),
        help="directory of the generated workloads (manifest.json)",
    )
    ap.add_argument("--gen", default=os.environ.get("WS_BENCH_GEN"), help="gen_workloads.py, to write the workloads first")
    ap.add_argument("--repeat", type=int, default=5, help="rounds: passes per peer, taking turns (best is kept)")
    ap.add_argument("--only", default="w1,w2,w3,w4,w5a,w5b,w5c,w5d,w6c,w6d")
    ap.add_argument(
        "--clock",
        choices=("wall", "cpu"),
        default="wall",
        help="time passes by the wall clock (default) or by the process's CPU time (steadier on a loaded machine)",
    )
    ap.add_argument("--breakdown", action="store_true", help="also split W1's cost in the binding")
    args = ap.parse_args()
    global _clock
    _clock = time.perf_counter if args.clock == "wall" else time.process_time

    if not os.path.exists(os.path.join(args.workloads, "manifest.json")):
        if not args.gen:
            sys.exit(f"bench.py: no workloads in {args.workloads}: pass --gen path/to/gen_workloads.py (or WS_BENCH_GEN)")
        os.makedirs(args.workloads, exist_ok=True)
        subprocess.run([sys.executable, args.gen, args.workloads], check=True, stdout=subprocess.DEVNULL)
    workloads = load_workloads(args.workloads)

    libws.load()
    print(f"libws {libws.version()} ({libws.loaded_path()}), websockets {websockets.__version__}, "
          f"wsproto {__import__('wsproto').__version__}, Python {sys.version.split()[0]}")
    print(
        f"best of {args.repeat} passes per peer (peers taking turns) after a warm-up, {args.clock} clock; "
        "messages/s and MB/s of payload; ratios: libws / peer\n"
    )
    head = (
        f"{'workload':11s} {'libws msg/s':>19s}  {'libws views':>19s}  {'websockets':>19s}  {'wsproto':>19s}  "
        f"{'÷websockets':>11s} {'÷wsproto':>9s}"
    )
    print(head)
    print("-" * len(head))
    for wid in args.only.split(","):
        w = workloads[wid.strip()]
        rates = {peer: w.count / dt for peer, dt in bench(w, args.repeat).items()}

        def cell(peer: str) -> str:
            if peer not in rates:
                return f"{'-':>19s}"
            r = rates[peer]
            return f"{r:>10,.0f} {r * w.size / 1e6:>6.0f} MB/s"

        label = f"{w.id.upper()} {w.size // 1024} KiB" if w.size >= 1024 else f"{w.id.upper()} {w.size} B"
        print(
            f"{label:11s} {cell('libws')}  {cell('libws views')}  {cell('websockets')}  {cell('wsproto')}  "
            f"{rates['libws'] / rates['websockets']:>10.1f}× {rates['libws'] / rates['wsproto']:>8.1f}×",
            flush=True,
        )
    if args.breakdown:
        breakdown(workloads["w1"])


if __name__ == "__main__":
    main()
