#!/usr/bin/python3
"""wsbench-python: the Python surfaces on the shared workloads
(shared/bench/WORKLOADS.md) — the libws binding, wsproto and websockets'
sans-I/O layer — for bench/run.py.

    /usr/bin/python3 bench/python/harness.py DATA_DIR

Requests on stdin, one JSON object a line ({"w": "w1", "impl": "libws",
"min_time": 0.3, "clock": "cpu"}): passes run until min_time seconds of
process CPU time (or wall time, "clock": "wall") have gone by; one JSON line
answers each, with both times.

W1-W6: the contenders are not written here: they are the functions of the
binding's own benchmark, bindings/python/bench/bench.py (SERVER_PEERS,
CLIENT_PEERS), imported as a module, so that work on the binding and on its
benchmark shows here as it is (its client functions drain after every
message, as WORKLOADS.md asks). This file adds the protocol, the timing
(passes until min_time), the per-pass checksum check, and an independent
check of client output (frame walker + zlib, not libws).

W7 (small messages, permessage-deflate with context takeover 15/15) is
written here in the same style (bench.py has no W7): libws, websockets
(PerMessageDeflate with takeover), wsproto (its default, takeover) and
"zlib", Python's zlib module alone: one compressobj(6, DEFLATED, -15, 8)
for the stream, compress + flush(Z_SYNC_FLUSH) per message, tail removed,
with a frame header and a zero masking key so the output check reads it;
or one decompressobj(-15) inflating each message's compressed payload
(unmasked when loaded). Each pass opens a fresh connection (or stream), as
bench.py's functions do.
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


# ---- W7 ---------------------------------------------------------------------------------

TAKEOVER = "permessage-deflate"
TAIL = b"\x00\x00\xff\xff"


class W7(B.Workload):
    """W7c/W7d: messages of w7.lens's lengths."""

    def __init__(self, wid, meta, directory, side):
        meta = dict(meta)
        with open(os.path.join(directory, meta["lengths"]), "rb") as f:
            raw = f.read()
        self.lens = [int.from_bytes(raw[i : i + 4], "little") for i in range(0, len(raw), 4)]
        meta["payload_size"] = max(self.lens)
        super().__init__(wid, meta, directory, side)
        self.takeover = True

    def payloads(self):
        with open(os.path.join(self.dir, self.meta["payloads"]), "rb") as f:
            data = f.read()
        out, o = [], 0
        for n in self.lens:
            out.append(data[o : o + n])
            o += n
        return out

    def compressed(self):
        """The compressed payloads of w7.frames, unmasked."""
        with open(os.path.join(self.dir, self.meta["frames"]), "rb") as f:
            data = f.read()
        out, pos = [], 0
        while pos < len(data):
            ln, h = data[pos + 1] & 0x7F, 2
            if ln == 126:
                ln, h = int.from_bytes(data[pos + 2 : pos + 4], "big"), 4
            key = data[pos + h : pos + h + 4]
            p = data[pos + h + 4 : pos + h + 4 + ln]
            k = (key * (ln // 4 + 1))[:ln]
            out.append((int.from_bytes(p, "little") ^ int.from_bytes(k, "little")).to_bytes(ln, "little"))
            pos += h + 4 + ln
        return out


def w7_libws_server(w, chunks):
    conn = B.libws.Connection.open("server", extensions=TAKEOVER, max_message_size=B.BIG, max_frame_size=B.BIG)
    n = cs = 0
    for chunk in chunks:
        conn.receive_data(chunk)
        for ev in conn.events():
            d = ev.data
            n += 1
            cs += ord(d[0]) + ord(d[-1])
    conn.free()
    return n, cs


def w7_websockets_server(w, chunks):
    conn = B.WsServer(state=B.WS_OPEN, max_size=None)
    conn.extensions = [B.WsDeflate(False, False, 15, 15)]
    n = cs = 0
    for chunk in chunks:
        conn.receive_data(chunk)
        for f in conn.events_received():
            d = f.data
            n += 1
            cs += d[0] + d[-1]
    return n, cs


def w7_wsproto_server(w, chunks):
    ext = B.WpDeflate()
    ext.accept(TAKEOVER)
    conn = B.WpConnection(B.ConnectionType.SERVER, extensions=[ext])
    n = cs = 0
    parts = []
    for chunk in chunks:
        conn.receive_data(chunk)
        for ev in conn.events():
            if ev.message_finished and not parts:
                d = ev.data
            else:
                parts.append(ev.data)
                if not ev.message_finished:
                    continue
                d = "".join(parts)
                parts = []
            n += 1
            cs += ord(d[0]) + ord(d[-1])
    return n, cs


def w7_zlib_server(w, compressed):
    d = zlib.decompressobj(-15)
    dec = d.decompress
    n = cs = 0
    for c in compressed:
        m = dec(c + TAIL)
        n += 1
        cs += m[0] + m[-1]
    return n, cs


def w7_libws_client(w, payloads, keep):
    conn = B.libws.Connection.open("client", extensions=TAKEOVER)
    send, out = conn.send_text, conn.data_to_send
    total = 0
    for p in payloads:
        send(p)
        data = out()
        total += len(data)
        if keep is not None:
            keep.append(data)
    conn.free()
    return total


def w7_websockets_client(w, payloads, keep):
    conn = B.WsClient(B.parse_uri("ws://bench/"), state=B.WS_OPEN)
    conn.extensions = [B.WsDeflate(False, False, 15, 15)]
    total = 0
    for p in payloads:
        conn.send_text(p)
        for data in conn.data_to_send():
            total += len(data)
            if keep is not None:
                keep.append(data)
    return total


def w7_wsproto_client(w, payloads, keep):
    ext = B.WpDeflate()
    ext.finalize(TAKEOVER)
    conn = B.WpConnection(B.ConnectionType.CLIENT, extensions=[ext])
    total = 0
    for p in payloads:
        data = conn.send(B.WpText(data=p))
        total += len(data)
        if keep is not None:
            keep.append(data)
    return total


def w7_zlib_client(w, payloads, keep):
    c = zlib.compressobj(6, zlib.DEFLATED, -15, 8)
    comp, flush, sync = c.compress, c.flush, zlib.Z_SYNC_FLUSH
    total = 0
    for p in payloads:
        d = (comp(p) + flush(sync))[:-4]
        n = len(d)
        hdr = bytes((0xC1, 0x80 | n)) if n <= 125 else bytes((0xC1, 0xFE)) + n.to_bytes(2, "big")
        data = hdr + b"\x00\x00\x00\x00" + d
        total += len(data)
        if keep is not None:
            keep.append(data)
    return total


W7_SERVER = {"libws": w7_libws_server, "websockets": w7_websockets_server, "wsproto": w7_wsproto_server,
             "zlib": w7_zlib_server}
W7_CLIENT = {"libws": w7_libws_client, "websockets": w7_websockets_client, "wsproto": w7_wsproto_client,
             "zlib": w7_zlib_client}


def tables(w):
    if isinstance(w, W7):
        return W7_SERVER if w.side == "server" else W7_CLIENT
    return B.SERVER_PEERS if w.side == "server" else B.CLIENT_PEERS


def verify_client(w, out):
    """Re-parses a client's output without libws: the workload's messages in
    order, masked, RSV1 on compressed ones. Returns (messages, payload
    bytes on the wire)."""
    payloads = w.payloads()
    takeover = getattr(w, "takeover", False)
    inflater = zlib.decompressobj(-15)
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
            got = (inflater if takeover else zlib.decompressobj(-15)).decompress(got + b"\x00\x00\xff\xff")
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
            self.fn = tables(w)[impl]
            self.chunks = w.compressed() if impl == "zlib" else w.frames()
        else:
            self.fn = tables(w)[impl]
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
    with open(os.path.join(sys.argv[1], "manifest.json")) as f:
        man = json.load(f)
    if "w7" in man:
        ws["w7c"] = W7("w7c", man["w7"], sys.argv[1], "client")
        ws["w7d"] = W7("w7d", man["w7"], sys.argv[1], "server")
    B.libws.load()
    impls = sorted(set(B.SERVER_PEERS) | set(B.CLIENT_PEERS) | set(W7_SERVER), key=lambda s: (not s.startswith("libws"), s))
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
            table = tables(w)
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
