#!/usr/bin/python3
"""wsbench-python: the Python surfaces on the shared workloads
(shared/bench/WORKLOADS.md) — the libws binding, wsproto and websockets'
sans-I/O layer — for bench/run.py.

    /usr/bin/python3 bench/python/harness.py DATA_DIR

Requests on stdin, one JSON object a line ({"w": "w1", "impl": "libws",
"min_time": 0.3, "clock": "cpu"}): passes run until min_time seconds of
process CPU time (or wall time, "clock": "wall") have gone by; one JSON line
answers each, with both times.

The contenders are not written here: they are the functions of the
binding's own benchmark, bindings/python/bench/bench.py (SERVER_PEERS,
CLIENT_PEERS), imported as a module, so that work on the binding and on its
benchmark shows here as it is. This file adds the protocol, the timing
(passes until min_time), the per-pass checksum check, and an independent
check of client output (frame walker + zlib, not libws).
"""

import importlib.util
import json
import os
import sys
import time
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BENCH_PY = os.path.join(ROOT, "bindings", "python", "bench", "bench.py")

spec = importlib.util.spec_from_file_location("libws_binding_bench", BENCH_PY)
B = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = B
spec.loader.exec_module(B)


def verify_client(w, out):
    """Re-parses a client's output without libws: the workload's messages in
    order, masked, RSV1 on compressed ones. Returns (messages, payload
    bytes on the wire)."""
    payloads = w.payloads()
    pos = n = wire_payload = 0
    msg = bytearray()
    in_msg = compressed = False
    mv = memoryview(out)
    while pos < len(out):
        b0, b1 = out[pos], out[pos + 1]
        fin, rsv, op = b0 >> 7, (b0 >> 4) & 7, b0 & 15
        if not b1 & 0x80:
            raise ValueError("unmasked frame")
        ln, h = b1 & 0x7F, 2
        if ln == 126:
            ln, h = int.from_bytes(out[pos + 2 : pos + 4], "big"), 4
        elif ln == 127:
            ln, h = int.from_bytes(out[pos + 2 : pos + 10], "big"), 10
        key = out[pos + h : pos + h + 4]
        p = mv[pos + h + 4 : pos + h + 4 + ln]
        pos += h + 4 + ln
        wire_payload += ln
        if not in_msg:
            if op != (1 if w.text else 2) or rsv & 3 or bool(rsv & 4) != w.deflate:
                raise ValueError(f"message {n}: opcode {op} rsv {rsv}")
            compressed, in_msg = bool(rsv & 4), True
            msg = bytearray()
        elif op != 0 or rsv:
            raise ValueError("bad continuation")
        k = (key * (ln // 4 + 1))[:ln]
        msg += (int.from_bytes(p, "little") ^ int.from_bytes(k, "little")).to_bytes(ln, "little")
        if not fin:
            continue
        in_msg = False
        got = bytes(msg)
        if compressed:
            got = zlib.decompressobj(-15).decompress(got + b"\x00\x00\xff\xff")
        if n >= len(payloads) or got != payloads[n]:
            raise ValueError(f"message {n} differs")
        n += 1
    if in_msg or n != w.count:
        raise ValueError(f"{n} messages, want {w.count}")
    return n, wire_payload


class Runner:
    def __init__(self, w, impl):
        self.w = w
        self.impl = impl
        self.wire = self.payload_wire = None
        if w.side == "server":
            self.fn = B.SERVER_PEERS[impl]
            self.chunks = w.frames()
        else:
            self.fn = B.CLIENT_PEERS[impl]
            raw = w.payloads()
            # as bench.py's bench_client: wsproto takes str for text
            self.payloads = [p.decode() for p in raw] if impl == "wsproto" and w.text else raw
            keep = []
            self.fn(w, self.payloads, keep)  # warm-up, checked
            out = b"".join(keep)
            verify_client(w, out)
            self.wire = len(out)
            self.payload_wire = verify_client(w, out)[1]
            return
        self.check()  # warm-up

    def check(self):
        n, cs = self.fn(self.w, self.chunks)
        if n != self.w.count or cs & 0xFFFFFFFF != self.w.meta["checksum"]:
            raise ValueError(f"{n} messages, checksum {cs & 0xFFFFFFFF}; want {self.w.count}, {self.w.meta['checksum']}")

    def run(self, min_time, clock):
        passes = 0
        t0, c0 = time.perf_counter(), time.process_time()
        while True:
            if self.w.side == "server":
                self.check()
            else:
                self.fn(self.w, self.payloads, None)
            passes += 1
            t, c = time.perf_counter(), time.process_time()
            if (t - t0 if clock == "wall" else c - c0) >= min_time:
                return passes, t - t0, c - c0


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: harness.py DATA_DIR  (requests on stdin, see bench/run.py)")
    ws = B.load_workloads(sys.argv[1])
    B.libws.load()
    impls = sorted(set(B.SERVER_PEERS) | set(B.CLIENT_PEERS), key=lambda s: (not s.startswith("libws"), s))
    versions = {
        "python": sys.version.split()[0],
        "libws binding": f"{B.libws.__name__} on libws {B.libws.version()}",
        "websockets": B.websockets.__version__,
        "wsproto": __import__("wsproto").__version__,
    }
    print(json.dumps({"hello": {"surface": "python", "impls": impls, "versions": versions}}), flush=True)
    runners = {}
    for line in sys.stdin:
        rq = json.loads(line)
        res = {"w": rq["w"], "impl": rq["impl"]}
        try:
            w = ws[rq["w"]]
            table = B.SERVER_PEERS if w.side == "server" else B.CLIENT_PEERS
            if rq["impl"] not in table:
                res["skip"] = "not applicable"
            else:
                key = (rq["impl"], rq["w"])
                if key not in runners:
                    runners[key] = Runner(w, rq["impl"])
                r = runners[key]
                passes, dt, cpu = r.run(rq.get("min_time", 0.3), rq.get("clock", "cpu"))
                res.update(messages=passes * w.count, seconds=dt, cpu_seconds=cpu, passes=passes)
                if r.wire is not None:
                    res.update(wire_bytes=r.wire, payload_wire_bytes=r.payload_wire)
        except Exception as e:  # reported, the harness goes on
            res["error"] = f"{type(e).__name__}: {e}"
        print(json.dumps(res), flush=True)


if __name__ == "__main__":
    main()
