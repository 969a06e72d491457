#!/usr/bin/python3
"""Runs libws's benchmark suite and writes the comparison table.

    /usr/bin/python3 bench/run.py [--quick] [--rounds N] [--min-time S]
        [--workloads w1,w5a,...] [--surfaces c,go,python,perl,node]
        [--no-scale] [--no-calls] [--no-echo] [--out bench/RESULTS.md]

bench/run.sh (what `make bench` calls) installs and builds what this needs
first; run.py expects the harnesses built in bench/build and the workloads
in bench/data.

Every harness (bench/c, bench/cpp — uWebSockets' protocol layer, shown
with the C rows —, bench/go, bench/python, bench/perl, bench/node) is a
long-lived process that answers one request at a time on a line protocol:
{"w": "w1", "impl": "libws", "min_time": 0.3} → {"messages": ..., "seconds":
...}. This script asks them in turn — rounds × workloads × contenders, the
contenders' order rotating each round — so that drift on this shared machine
hits everyone alike, and one process at a time runs. Passes are timed by the
wall clock (--clock wall, the default, as WORKLOADS.md asks; --clock cpu
times them by the harness process's CPU time instead). A contender's figure
for a workload is the median of its rounds (--stat best for the best round),
shown with the spread of the rounds (fastest ÷ slowest round); each round
also records the process CPU time, shown as a second column. All rounds are
kept in build/results.json.

Client workloads drain the output after every message, on every surface
(WORKLOADS.md); contenders named *-batched (libws and wslay in C, libws in
Go, the Perl native layer) drain once per 64 KiB instead, a second row
that no target and no "best peer" uses. "zlib" contenders (W6, W7) are
zlib alone through the language's standard binding, no WebSocket framing
work: the reference the W7 targets compare with; they are not counted as
WebSocket peers either.

With the go surface and W1 or W2 selected, a second Go harness process
(wsbench-go -echo, bench/go/echo.go) measures echo servers and clients over
loopback TCP — libws's ws/wsnet, gorilla/websocket, gobwas/ws, gws, coder/websocket —
with 1 and 100 connections, in its own interleaved rounds and its own table
(--no-echo leaves it out; a contender the harness lacks is a "—").

Then: the C call cost (tests/c/bench_calls.c) and the connection scaling
benchmark (bench/c/scale.c) in fresh processes. RESULTS.md gets the tables,
the targets of issue 14 and the machine; stdout gets the same. README.md is
left alone unless --readme names it.
"""

import argparse
import datetime
import json
import os
import platform
import re
import selectors
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BUILD = os.path.join(HERE, "build")

WORKLOADS = ["w1", "w2", "w3", "w4", "w5a", "w5b", "w5c", "w5d", "w6c", "w6d", "w7c", "w7d"]
DESCR = {
    "w1": "server receive, 16 B text × 131072",
    "w2": "server receive, 1 KiB text × 16384",
    "w3": "server receive, 64 KiB binary × 256",
    "w4": "server receive, 1 MiB binary × 16",
    "w5a": "client send, 16 B text × 131072",
    "w5b": "client send, 1 KiB text × 16384",
    "w5c": "client send, 64 KiB binary × 256",
    "w5d": "client send, 1 MiB binary × 16",
    "w6c": "client send, permessage-deflate (level 6), 16 KiB JSON text × 256",
    "w6d": "server receive + inflate, 16 KiB JSON text × 256 (no context takeover)",
    "w7c": "client send, permessage-deflate with context takeover (level 6), 40–400 B JSON text × 4096",
    "w7d": "server receive + inflate with context takeover, 40–400 B JSON text × 4096",
}
TEXT_RECV = {"w1", "w2", "w6d", "w7d"}
TEXT_SEND = {"w5a", "w5b", "w6c", "w7c"}
SURFACES = ["c", "go", "python", "perl", "node"]
SURFACE_NAME = {"c": "C", "go": "Go", "python": "Python", "perl": "Perl", "node": "Node"}
LIBWS_IMPLS = {"libws", "libws-batched", "libws-frames", "libws views", "native", "native-batched", "raw", "original",
               "orig+ra"}

# Which contenders check that received text is UTF-8 (WORKLOADS.md asks to
# say so): (surface, impl) → True/False, for server-side text workloads; and
# for sent text (W5a, W5b, W6c).
UTF8_RECV = {
    ("c", "libws"): True, ("c", "wslay"): True, ("c", "wslay+zlib"): False,
    ("c", "uws"): True,  # isValidUtf8 on each complete text message, as uWS v9's WebSocket.cpp
    ("go", "libws"): True, ("go", "libws-frames"): False, ("go", "gorilla"): False, ("go", "gobwas"): True,
    ("go", "gobwas-frames"): False,
    ("python", "libws"): True, ("python", "libws views"): True, ("python", "websockets"): False,
    ("python", "wsproto"): True,
    ("perl", "native"): True, ("perl", "raw"): True, ("perl", "original"): True, ("perl", "orig+ra"): True,
    ("perl", "pws"): False,
    ("node", "ws"): True, ("node", "ws+bufferutil"): True,
    ("go", "gws"): True,  # CheckUtf8Enabled (after inflating, on W6d/W7d)
}
UTF8_RECV_W6D = dict(UTF8_RECV)
UTF8_RECV_W6D.update({("go", "gobwas"): False})  # wsutil's CheckUTF8 would see compressed bytes: off
UTF8_SEND = {
    ("c", "libws"): True, ("c", "libws-batched"): True, ("go", "libws"): True, ("go", "libws-batched"): True,
    ("python", "libws"): True, ("perl", "native"): True, ("perl", "native-batched"): True,
    ("perl", "original"): True, ("go", "gws"): True,
    # wsproto takes str (valid by construction); the others send bytes as given
}
# permessage-deflate peers built on zlib (the deflate target compares with these)
ZLIB_PEERS = {("c", "wslay+zlib"), ("python", "websockets"), ("python", "wsproto"), ("perl", "pws"),
              ("node", "ws"), ("node", "ws+bufferutil")}
# zlib alone, no framing (W6, W7): the W7 targets' reference
ZLIB_ALONE = {("c", "zlib"), ("python", "zlib"), ("perl", "zlib"), ("node", "zlib")}
LABEL = {
    ("c", "libws"): "libws C API",
    ("c", "libws-batched"): "libws C API, batched drain (64 KiB)",
    ("c", "wslay"): "wslay",
    ("c", "wslay-batched"): "wslay, batched drain (64 KiB)",
    ("c", "wslay+zlib"): "wslay + zlib",
    ("c", "uws"): "uWebSockets protocol layer (C++, uws 9.148.0)",
    ("c", "zlib"): "zlib alone",
    ("go", "libws"): "libws Go API",
    ("go", "libws-batched"): "libws Go API, batched drain (64 KiB)",
    ("go", "gws"): "gws",
    ("go", "libws-frames"): "libws Go API (frames)",
    ("go", "gorilla"): "gorilla/websocket",
    ("go", "gobwas"): "gobwas/ws (wsutil)",
    ("go", "gobwas-frames"): "gobwas/ws (frames)",
    ("python", "libws"): "libws Python",
    ("python", "libws views"): "libws Python (views)",
    ("python", "websockets"): "websockets (sans-I/O)",
    ("python", "wsproto"): "wsproto",
    ("python", "zlib"): "zlib module alone",
    ("perl", "native"): "libws Perl native",
    ("perl", "native-batched"): "libws Perl native, batched drain (64 KiB)",
    ("perl", "zlib"): "Compress::Raw::Zlib alone",
    ("perl", "raw"): "libws Perl native (raw)",
    ("perl", "original"): "libws Perl, Net::WebSocket API",
    ("perl", "orig+ra"): "libws Perl, Net::WebSocket API (read_available)",
    ("perl", "pws"): "Protocol::WebSocket",
    ("node", "ws"): "ws",
    ("node", "ws+bufferutil"): "ws + bufferutil",
    ("node", "zlib"): "Node zlib alone",
}


def label(surface, impl, w=None):
    s = LABEL.get((surface, impl), impl)
    if w in ("w6c", "w6d", "w7c", "w7d") and (surface, impl) == ("perl", "pws"):
        s = "Protocol::WebSocket + Compress::Raw::Zlib"
    return s


def is_libws(surface, impl):
    return surface != "node" and impl in LIBWS_IMPLS


# uWebSockets' protocol layer (bench/cpp/uws.cpp), in the C tables: the
# issue's "fastest C++ protocol layer"
UWS = ("c", "uws")
UWS_EXE = "wsbench-uws"


def is_peer(surface, impl):
    """A WebSocket peer a target or a "best peer" ratio may use: not libws,
    not a batched-drain row, not zlib alone. uWebSockets (UWS) is one."""
    if (surface, impl) == UWS:
        return True
    return not is_libws(surface, impl) and not impl.endswith("-batched") and (surface, impl) not in ZLIB_ALONE


# ---- harness processes --------------------------------------------------------------


class Harness:
    def __init__(self, name, surface, argv, env=None, cwd=None):
        self.name, self.surface, self.argv = name, surface, argv
        e = dict(os.environ)
        e.update(env or {})
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=sys.stderr,
                                  env=e, cwd=cwd)
        self.buf = b""
        hello = self.read(120)
        if hello is None or "hello" not in hello:
            raise RuntimeError(f"{name}: no hello ({hello})")
        self.impls = hello["hello"]["impls"]
        self.versions = hello["hello"].get("versions", {})

    def read(self, timeout):
        deadline = time.monotonic() + timeout
        sel = selectors.DefaultSelector()
        sel.register(self.p.stdout, selectors.EVENT_READ)
        try:
            while b"\n" not in self.buf:
                left = deadline - time.monotonic()
                if left <= 0 or not sel.select(left):
                    return None
                chunk = os.read(self.p.stdout.fileno(), 65536)
                if not chunk:
                    return None
                self.buf += chunk
        finally:
            sel.close()
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def ask(self, w, impl, min_time, clock, timeout, extra=None):
        rq = {"w": w, "impl": impl, "min_time": min_time, "clock": clock, **(extra or {})}
        self.p.stdin.write((json.dumps(rq) + "\n").encode())
        self.p.stdin.flush()
        res = self.read(timeout)
        if res is None:
            self.close(kill=True)
            return {"error": f"no answer within {timeout:.0f} s (harness stopped)"}
        return res

    def alive(self):
        return self.p.poll() is None

    def close(self, kill=False):
        if self.p.poll() is None:
            if kill:
                self.p.kill()
            else:
                self.p.stdin.close()
            try:
                self.p.wait(10)
            except subprocess.TimeoutExpired:
                self.p.kill()


def harness_specs(data):
    py = "/usr/bin/python3"
    node_dir = os.path.join(HERE, "node")
    return [
        ("c", "c", [os.path.join(BUILD, "wsbench-c"), data], None),
        ("uws", "c", [os.path.join(BUILD, UWS_EXE), data], None),
        ("go", "go", [os.path.join(BUILD, "wsbench-go"), data], None),
        ("python", "python", [py, os.path.join(HERE, "python", "harness.py"), data], None),
        ("perl", "perl", ["perl", os.path.join(HERE, "perl", "harness.pl"), data], None),
        ("node", "node", ["node", os.path.join(node_dir, "harness.js"), data], {"WS_NO_BUFFER_UTIL": "1"}),
        ("node+bufferutil", "node", ["node", os.path.join(node_dir, "harness.js"), data], {"WS_NO_BUFFER_UTIL": ""}),
    ]


# ---- measuring ---------------------------------------------------------------------


def measure(args, data, manifest):
    harnesses = []
    for name, surface, argv, env in harness_specs(data):
        if surface not in args.surfaces:
            continue
        if env and env.get("WS_NO_BUFFER_UTIL") == "":
            env = None  # bufferutil on: the variable must be absent
        if name == "uws" and not os.path.exists(argv[0]):
            print(f"run.py: no {os.path.relpath(argv[0], ROOT)} (bench/run.sh could not fetch uws 9.148.0 with "
                  f"npm pack, or build it): uWebSockets is left out of this run", file=sys.stderr)
            continue
        try:
            harnesses.append(Harness(name, surface, argv, env))
        except Exception as e:  # noqa: BLE001 - reported, the others go on
            print(f"run.py: harness {name} did not start: {e}", file=sys.stderr)
    contenders = [(h, impl) for h in harnesses for impl in h.impls]
    results = {}  # (surface, impl, w) → dict
    errors = []
    t_start = time.monotonic()
    for rnd in range(args.rounds):
        for w in args.workloads:
            k = len(contenders)
            order = contenders[rnd % k:] + contenders[: rnd % k] if k else []
            if rnd % 2:
                order.reverse()
            for h, impl in order:
                key = (h.surface, impl, w)
                r = results.setdefault(key, {"rates": [], "seconds": []})
                if r.get("skip") or r.get("error") or not h.alive():
                    continue
                res = h.ask(w, impl, args.min_time, args.clock, args.timeout)
                if res.get("skip"):
                    if res["skip"] != "not this process":
                        r["skip"] = res["skip"]
                    else:
                        r["skip"] = "-"
                    continue
                if res.get("error"):
                    r["error"] = res["error"]
                    errors.append(f"{h.surface}/{impl}/{w}: {res['error']}")
                    print(f"run.py: {h.surface} {impl} {w}: ERROR {res['error']}", file=sys.stderr)
                    continue
                secs = res["cpu_seconds"] if args.clock == "cpu" else res["seconds"]
                r["rates"].append(res["messages"] / secs)
                r["seconds"].append(res["seconds"])
                if res.get("cpu_seconds"):
                    r.setdefault("cpu_rates", []).append(res["messages"] / res["cpu_seconds"])
                r.setdefault("cpu_share", []).append(res.get("cpu_seconds", 0) / res["seconds"])
                for f in ("wire_bytes", "payload_wire_bytes", "memory_bytes"):
                    if f in res:
                        r[f] = res[f]
            print(f"  round {rnd + 1}/{args.rounds} {w} done ({time.monotonic() - t_start:.0f} s)", file=sys.stderr,
                  flush=True)
    versions = {h.name: h.versions for h in harnesses}
    for h in harnesses:
        h.close()
    return results, versions, errors


# ---- Go over loopback TCP: echo (bench/go/echo.go) ------------------------------------

ECHO_WORKLOADS = ["w1", "w2"]
ECHO_CONNS = [1, 100]
ECHO_SIDES = ["server", "client"]
ECHO_IMPLS = ["wsnet", "gorilla", "gobwas", "gws", "coder"]  # table order; wsnet first, the others its peers
ECHO_LABEL = {"wsnet": "libws ws/wsnet", "gorilla": "gorilla/websocket", "gobwas": "gobwas/ws", "gws": "gws",
              "coder": "coder/websocket"}
# whether, and by what, each contender's server and client check text messages' UTF-8 on receipt
ECHO_UTF8 = {"wsnet": "yes (the ws engine, always)", "gorilla": "no", "gobwas": "yes (wsutil.Reader's CheckUTF8, "
             "which ReadClientData / ReadServerData turn on by default)", "gws": "yes (CheckUtf8Enabled set)",
             "coder": "no"}


def measure_echo(args, data):
    """wsbench-go -echo: each contender's echo server on 127.0.0.1 with one
    common raw client, and each contender's client with one common raw echo
    server; rounds interleaved as in measure(), timed by the wall clock.
    Returns (results {(side, impl, w, conns): {...}}, versions, errors), or
    None when the harness is missing or does not start."""
    exe = os.path.join(BUILD, "wsbench-go")
    if not os.path.exists(exe):
        print(f"run.py: no {os.path.relpath(exe, ROOT)}: the loopback echo table is left out", file=sys.stderr)
        return None
    try:
        h = Harness("go-echo", "go", [exe, "-echo", data])
    except Exception as e:  # noqa: BLE001 - reported, the rest of the run goes on
        print(f"run.py: the echo harness did not start: {e}", file=sys.stderr)
        return None
    ws_ = [w for w in ECHO_WORKLOADS if w in args.workloads]
    contenders = [(side, impl, n) for side in ECHO_SIDES for n in ECHO_CONNS for impl in h.impls]
    results, errors = {}, []
    t_start = time.monotonic()
    for rnd in range(args.rounds):
        for w in ws_:
            k = len(contenders)
            order = contenders[rnd % k:] + contenders[: rnd % k] if k else []
            if rnd % 2:
                order.reverse()
            for side, impl, n in order:
                r = results.setdefault((side, impl, w, n), {"rates": [], "seconds": []})
                if r.get("skip") or r.get("error") or not h.alive():
                    continue
                res = h.ask(w, impl, args.min_time, "wall", args.timeout, {"conns": n, "side": side})
                if res.get("skip"):
                    r["skip"] = res["skip"]
                    continue
                if res.get("error"):
                    r["error"] = res["error"]
                    errors.append(f"go-echo/{side}/{impl}/{w}/{n} connections: {res['error']}")
                    print(f"run.py: echo {side} {impl} {w} {n} connections: ERROR {res['error']}", file=sys.stderr)
                    continue
                r["rates"].append(res["messages"] / res["seconds"])
                r["seconds"].append(res["seconds"])
                if res.get("cpu_seconds"):
                    r.setdefault("cpu_share", []).append(res["cpu_seconds"] / res["seconds"])
            print(f"  echo round {rnd + 1}/{args.rounds} {w} done ({time.monotonic() - t_start:.0f} s)",
                  file=sys.stderr, flush=True)
    versions = h.versions
    h.close()
    return results, versions, errors


def echo_report(args, echo):
    results, _versions, errors = echo
    rate = {k: statistics.median(v["rates"]) if args.stat == "median" else max(v["rates"])
            for k, v in results.items() if v.get("rates")}
    impls = [i for i in ECHO_IMPLS if any(k[1] == i for k in results)]
    impls += sorted({k[1] for k in results} - set(impls))
    peers = [i for i in impls if i != "wsnet"]
    L = ["## Go over loopback TCP: echo", ""]
    L.append("Server rows: each contender's echo server (its whole-message read and write calls, no "
             "compression) on 127.0.0.1 TCP, and one common client for all of them (bench/go/echo.go: raw "
             "sockets, pre-masked frames, every echo compared byte for byte). Client rows: each contender's "
             "client (write a message, read its echo, compare) against one common raw echo server "
             "(bench/go/echoclient.go). Both ends in one process on the same cores; one message in "
             "flight per connection. Messages per second by the wall clock, the "
             f"{'median' if args.stat == 'median' else 'best'} of {args.rounds} interleaved rounds (their "
             "spread in brackets); ratios are wsnet's rate ÷ the peer's (above 1 = wsnet faster). UTF-8 "
             "validated on receipt: " + "; ".join(f"{ECHO_LABEL.get(i, i)} {ECHO_UTF8.get(i, 'unknown')}"
                                                  for i in impls) + ".")
    L.append("")
    L.append("| side | message | connections | " + " | ".join(ECHO_LABEL.get(i, i) for i in impls) + " | "
             + " | ".join(f"wsnet ÷ {i}" for i in peers) + " |")
    L.append("|---|---|---:|" + "---:|" * (len(impls) + len(peers)))
    for side, w, n in [(sd, w, n) for sd in ECHO_SIDES for w in ECHO_WORKLOADS for n in ECHO_CONNS]:
        if not any(k[0] == side and k[2] == w and k[3] == n for k in results):
            continue
        cells = []
        for i in impls:
            r = results.get((side, i, w, n), {})
            x = rate.get((side, i, w, n))
            if x:
                sp = spread(r)
                cells.append(fmt_rate(x) + (f" ({sp:.2f}×)" if sp else ""))
            else:
                cells.append("error" if r.get("error") else "—")
        base = rate.get((side, "wsnet", w, n))
        for i in peers:
            x = rate.get((side, i, w, n))
            cells.append(fmt_ratio(base / x if base and x else None))
        size = "16 B text (W1)" if w == "w1" else "1 KiB text (W2)"
        L.append(f"| {side} | {size} | {n} | " + " | ".join(cells) + " |")
    L.append("")
    if errors:
        L.append("Errors: " + "; ".join(errors))
        L.append("")
    return "\n".join(L)


# ---- the C call cost and the scaling benchmark ----------------------------------------


def call_costs(runs):
    """tests/c/bench_calls.c (wall clock), best of runs; and bench/c/calls.c
    (the calling thread's CPU time)."""
    exe = os.path.join(BUILD, "bench_calls")
    lib = os.environ.get("LIBWS_LIBRARY") or os.path.join(ROOT, "build", "libws.so.1")  # run.sh's copy
    best = {}
    extra = []
    for _ in range(runs):
        out = subprocess.run([exe, lib, "2000000"], capture_output=True, text=True, timeout=300).stdout
        for line in out.splitlines():
            m = re.match(r"\s+(ws_state|ws_feed\(16-byte frame\) \+ ws_next_event|per frame: .*?)\s+([\d.]+)\s+([\d.]+)$",
                         line)
            if m:
                name, a, b = m.group(1), float(m.group(2)), float(m.group(3))
                o = best.setdefault(name, [a, b])
                best[name] = [min(o[0], a), min(o[1], b)]
            elif line.startswith(("dlopen", "RSS")):
                extra.append(line)
    try:
        out = subprocess.run([os.path.join(BUILD, "wsbench-calls")], capture_output=True, text=True, timeout=300)
        j = json.loads(out.stdout)
        best["ws_state, by thread CPU time (bench/c/calls.c)"] = [j["ws_state_main_ns"], j["ws_state_thread_ns"]]
    except Exception as e:  # noqa: BLE001
        print(f"run.py: wsbench-calls: {e}", file=sys.stderr)
    return best, extra[-2:]


def scaling(data, counts, quick):
    rows = []
    for mode, msgs, size in (("plain", 48, 1024), ("deflate", 10, 4096)):
        for n in counts:
            m = msgs
            if quick and mode == "deflate" and n >= 10000:
                m = 4
            argv = [os.path.join(BUILD, "wsbench-scale"), data, str(n), mode, str(m), str(size)]
            try:
                out = subprocess.run(argv, capture_output=True, text=True, timeout=900)
                rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
            except Exception as e:  # noqa: BLE001
                rows.append({"connections": n, "mode": mode, "error": str(e)})
            print(f"  scaling: {mode} {n} connections done", file=sys.stderr, flush=True)
    return rows


# ---- reporting ------------------------------------------------------------------------


def machine():
    def cmd(argv):
        try:
            return subprocess.run(argv, capture_output=True, text=True, timeout=30).stdout.strip()
        except Exception:  # noqa: BLE001
            return "?"

    cpu = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "kernel": platform.release(),
        "os": cmd(["sh", "-c", ". /etc/os-release && echo $PRETTY_NAME"]),
        "go": cmd(["go", "version"]).replace("go version ", ""),
        "python": cmd(["/usr/bin/python3", "--version"]).replace("Python ", ""),
        "perl": cmd(["perl", "-e", 'printf "%vd", $^V']),
        "node": cmd(["node", "--version"]),
        "cc": cmd(["sh", "-c", "cc --version | head -1"]),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "load": " ".join(open("/proc/loadavg").read().split()[:3]),
        "git": cmd(["git", "-C", ROOT, "log", "-1", "--format=%h (%cd)", "--date=format:%Y-%m-%d %H:%M"]),
        "git_dirty": cmd(["git", "-C", ROOT, "status", "--porcelain", "--", "ws", "capi", "include", "bindings"]) != "",
    }


def fmt_rate(x):
    if x >= 1e6:
        return f"{x / 1e6:.2f} M"
    if x >= 1e3:
        return f"{x / 1e3:.1f} k"
    return f"{x:.0f}"


def fmt_mb(x):
    return f"{x:,.0f}" if x >= 100 else f"{x:.1f}"


def fmt_kib(x):
    return f"{x / 1024:.1f} KiB"


def fmt_ratio(x):
    return "—" if x is None else f"{x:.2f}×"


def summarize(results, stat, field="rates"):
    """(surface, impl, w) → rate (median or best of rounds)."""
    out = {}
    for key, r in results.items():
        if r.get(field):
            out[key] = max(r[field]) if stat == "best" else statistics.median(r[field])
    return out


def spread(r):
    """The rounds' spread: fastest ÷ slowest round (1.00× = all alike)."""
    xs = r.get("rates") or []
    return max(xs) / min(xs) if len(xs) > 1 and min(xs) > 0 else None


def best_peer(rate, w, pred):
    cands = [(v, k) for k, v in rate.items() if k[2] == w and is_peer(k[0], k[1]) and pred(k[0], k[1])]
    return max(cands) if cands else (None, None)


def payload_size(manifest, w):
    """Mean payload bytes per message of workload w."""
    src = {"w5a": "w1", "w5b": "w2", "w5c": "w3", "w5d": "w4"}.get(w, w[:2] if w[:2] in ("w6", "w7") else w)
    m = manifest[src]
    return m["payload_bytes"] / m["count"] if "payload_bytes" in m else m["payload_size"]


NATIVE = {"c", "go", "node"}


def build_report(args, results, versions, errors, calls, scale, manifest, mach):
    rate = summarize(results, args.stat)
    cpu_rate = summarize(results, args.stat, "cpu_rates")
    L = []
    L.append("# libws benchmark results")
    L.append("")
    shares = [x for r in results.values() for x in r.get("cpu_share", [])]
    share = statistics.median(shares) if shares else 0
    clock = ("the wall clock" if args.clock == "wall" else "each harness process's CPU time (all its threads)")
    stat = "median" if args.stat == "median" else "best"
    L.append(f"Generated by `bench/run.sh` ({'quick: ' if args.quick else ''}{args.rounds} rounds × "
             f"≥ {args.min_time:g} s per contender and workload, interleaved, the contenders' order rotating each "
             f"round; timed by {clock}; the {stat} of the rounds shown, with their spread) on {mach['date']}. "
             f"The machine is a shared 2-core box: other engineers ran tests on it meanwhile, so only ratios "
             f"within this run mean much (the harnesses got a median {share * 100:.0f}% of a core of wall time "
             f"while measured; load average at the end: {mach['load']}).")
    L.append("")
    L.append("## Machine")
    L.append("")
    L.append(f"- CPU: {mach['cpu']}, {mach['cores']} cores; kernel {mach['kernel']}; {mach['os']}")
    L.append(f"- load average at the end: {mach['load']}")
    L.append(f"- Go {mach['go']}; Python {mach['python']} (/usr/bin/python3); Perl {mach['perl']}; "
             f"Node {mach['node']}; {mach['cc']}")
    vs = []
    for name, v in versions.items():
        vs.append(f"{name}: " + ", ".join(f"{k} {val}" for k, val in sorted(v.items())))
    L.append("- versions: " + "; ".join(vs))
    L.append(f"- libws: the working tree as `make lib` built it at the start of the run, at commit "
             f"{mach.get('git', '?')}" + (" with uncommitted changes in ws/, capi/, include/ or bindings/ (others' work "
                                          "in progress)" if mach.get("git_dirty") else ""))
    L.append("")
    L.append("## Workloads")
    L.append("")
    L.append("The shared workloads of `shared/bench/WORKLOADS.md` (generated into bench/data). Server side: one "
             "long-lived connection fed the frames in 64 KiB slices, events drained after each, checksum checked "
             "every pass. Client side: one send call per message and the output **drained after every message** "
             "(taken and consumed, as a host that writes after each send) on every surface and for every peer; "
             "rows marked *batched drain (64 KiB)* take it once per 64 KiB instead, for comparison only (no target "
             "or best-peer ratio uses them). Client output is checked once by an independent re-parser. W7: 4,096 "
             "JSON-like messages of 40–400 B, permessage-deflate with context takeover (15/15 window bits); "
             "\"zlib alone\" rows are zlib through the language's standard binding without WebSocket work "
             "(deflate level 6, memLevel 8, a sync flush per message, tail removed, one stream for the "
             "connection; or inflating each compressed payload in one stream) — the reference of the W7 targets, "
             "not counted as a peer. MB/s = payload bytes / 10⁶ / s (W7: the texts' bytes).")
    L.append("")
    if "uws" in versions:
        L.append("uWebSockets protocol layer (C rows; bench/cpp/uws.cpp, src/WebSocketProtocol.h of the npm "
                 "package uws 9.148.0, g++ -O2 -std=c++11): it parses and unmasks in place, in the buffer it "
                 "recv()'d the socket into, so each 64 KiB slice is first memcpy'd into such a receive buffer "
                 "(with uWS's pre- and post-padding), inside the timed loop — the copy recv() makes in uWS "
                 "(libws's ws_feed only reads the slice, unmasking into its own memory; wslay's recv callback "
                 "copies it into wslay's buffer). One consume() per slice; messages "
                 "split across slices are gathered in a fragment buffer and text is checked with uWS's "
                 "isValidUtf8 on every complete message, as uWS v9's WebSocket.cpp handleFragment does; the "
                 "message is then counted in handleFragment itself (no Group::messageHandler std::function "
                 "call). Its sends (W5a–d) are formatMessage (masking key from rand(), byte-wise masking) "
                 "into a buffer drained after every message; no UTF-8 check on send.")
        L.append("")
    L.append(f"Columns: **msg/s** is the {stat} of the rounds by the wall clock; **spread** is the fastest round ÷ "
             "the slowest (1.00× = all rounds alike); **÷ same-language peer** is the rate over the best peer "
             "(not libws, not a batched or zlib-alone row) of the same surface; **÷ native peer** over the best "
             "of the C, Go and Node peers; **CPU msg/s** is the same passes timed by the harness process's CPU "
             "time (all threads). UTF-8: whether received text (W1, W2, W6d, W7d) or sent text (W5a, W5b, W6c, "
             "W7c) is checked.")
    L.append("")
    for w in args.workloads:
        L.append(f"### {w.upper()} — {DESCR[w]}")
        L.append("")
        L.append("| surface | implementation | UTF-8 | msg/s | spread | MB/s | ÷ same-language peer | ÷ native peer "
                 "| CPU msg/s |")
        L.append("|---|---|---|---:|---:|---:|---:|---:|---:|")
        nat_best, _ = best_peer(rate, w, lambda s, i: s in NATIVE)
        size = payload_size(manifest, w)
        for s in args.surfaces:
            same_best, _ = best_peer(rate, w, lambda s2, i, s=s: s2 == s)
            keys = [k for k in results if k[0] == s and k[2] == w]
            keys.sort(key=lambda k: (not is_libws(k[0], k[1]), -rate.get(k, 0)))
            for k in keys:
                r = results[k]
                if r.get("skip"):
                    continue
                if k[:2] in ZLIB_ALONE:
                    u = "no"
                elif w in TEXT_SEND:
                    u = "yes" if UTF8_SEND.get(k[:2]) else ("str" if k[:2] == ("python", "wsproto") else "no")
                elif w in TEXT_RECV:
                    u = "yes" if (UTF8_RECV if w in ("w1", "w2") else UTF8_RECV_W6D).get(k[:2]) else "no"
                else:
                    u = "n/a"
                name = label(k[0], k[1], w)
                if is_libws(*k[:2]):
                    name = f"**{name}**"
                if r.get("error"):
                    L.append(f"| {SURFACE_NAME[s]} | {name} | {u} | error | | | {r['error'][:80]} | | |")
                    continue
                if k not in rate:
                    continue
                x = rate[k]
                same = x / same_best if same_best else None
                nat = x / nat_best if (nat_best and s in NATIVE) else None
                sp = spread(r)
                L.append(f"| {SURFACE_NAME[s]} | {name} | {u} | {fmt_rate(x)} | {fmt_ratio(sp)} | "
                         f"{fmt_mb(x * size / 1e6)} | {fmt_ratio(same)} | {fmt_ratio(nat)} | "
                         f"{fmt_rate(cpu_rate[k]) if k in cpu_rate else '—'} |")
        if w in ("w6c", "w7c"):
            src = w[:2]
            z6 = manifest[src]["compressed_payload_bytes"]
            sizes = []
            for k, r in sorted(results.items()):
                if k[2] == w and r.get("payload_wire_bytes"):
                    sizes.append(f"{label(k[0], k[1], w)} ({SURFACE_NAME[k[0]]}) {r['payload_wire_bytes']:,} "
                                 f"({r['payload_wire_bytes'] / z6:.3f}×)")
            L.append("")
            L.append(f"Compressed size of the {manifest[src]['count']:,} messages (frame payloads) against zlib "
                     f"level 6 ({z6:,} bytes, the manifest's{', one stream with context takeover' if src == 'w7' else ''}): "
                     + "; ".join(sizes) + ".")
        if w in ("w7c", "w7d"):
            mems = [f"{SURFACE_NAME[k[0]]} {fmt_kib(r['memory_bytes'])}" for k, r in sorted(results.items())
                    if k[2] == w and r.get("memory_bytes") and k[1] == "libws"]
            if mems:
                L.append("")
                L.append(f"libws's memory for this {'client' if w == 'w7c' else 'server'} connection with context "
                         f"takeover after the passes (`ws_memory` / `Conn.Memory`: buffers and compression "
                         f"history): " + "; ".join(mems) + ".")
        L.append("")

    # ---- targets
    L.append("## Issue 14 targets (ratios in this run)")
    L.append("")
    uws_ran = any(k[:2] == UWS and r_.get("rates") for k, r_ in results.items())
    if uws_ran:
        L.append("Peers here are what this harness runs. The issue's W1/W2 goal, 1.0× the fastest C++ protocol "
                 "layer, is measured against uWebSockets' protocol layer (uws 9.148.0, see Workloads: its receive "
                 "path includes a copy of each slice into its receive buffer), and also, as before this harness "
                 "existed, as its ×wslay equivalents, ≥ 9× on W1 and ≥ 26× on W2, with uWebSockets ÷ wslay in "
                 "this run beside them for reference.")
    else:
        why = ("its harness answered nothing" if "uws" in versions else
               f"no bench/build/{UWS_EXE}: bench/run.sh could not fetch uws 9.148.0 (npm pack) or build it, "
               f"or the run left the C surface out")
        L.append(f"Peers here are what this harness runs. uWebSockets was not measured in this run ({why}): the "
                 "issue's W1/W2 goal of 1.0× the fastest C++ protocol layer is given as its ×wslay equivalents "
                 "only, ≥ 9× on W1 and ≥ 26× on W2.")
    L.append("")
    L.append("| target | measured | status |")
    L.append("|---|---|---|")

    def r(s, i, w):
        return rate.get((s, i, w))

    def target(name, num, den, goal, note="", less=False):
        if num is None or den is None:
            L.append(f"| {name} | not measured | — |")
            return
        x = num / den
        if goal is None:
            L.append(f"| {name} | {x:.2f}×{note} | for reference |")
            return
        ok = x <= goal if less else x >= goal
        L.append(f"| {name} | {x:.2f}×{note} | {'met' if ok else 'MISSED'} |")

    for w, goal in (("w1", 9), ("w2", 26)):
        nb, nk = best_peer(rate, w, lambda s, i: s in NATIVE)
        target(f"C API {w.upper()} ≥ 1.0× best peer" + (f" ({label(nk[0], nk[1])}, {SURFACE_NAME[nk[0]]})" if nk else ""),
               r("c", "libws", w), nb, 1.0)
        if uws_ran:
            target(f"C API {w.upper()} ≥ 1.0× uWebSockets (protocol layer, C++)", r("c", "libws", w), r(*UWS, w), 1.0)
        target(f"C API {w.upper()} ≥ {goal}× wslay", r("c", "libws", w), r("c", "wslay", w), goal)
        if uws_ran:
            target(f"uWebSockets {w.upper()} ÷ wslay (the ×wslay goal above assumes {goal}×)", r(*UWS, w),
                   r("c", "wslay", w), None)
    target("C API W5a, drained after every message, ≥ 1.0× wslay (drained after every message)",
           r("c", "libws", "w5a"), r("c", "wslay", "w5a"), 1.0)
    if r("c", "libws-batched", "w5a"):
        target("C API W5a, batched drain (64 KiB), ÷ wslay batched", r("c", "libws-batched", "w5a"),
               r("c", "wslay-batched", "w5a"), None)
    for w in ("w5b",):
        nb, nk = best_peer(rate, w, lambda s, i: s in NATIVE)
        target(f"C API {w.upper()} ≥ 1.0× best peer" + (f" ({label(nk[0], nk[1])}, {SURFACE_NAME[nk[0]]})" if nk else ""),
               r("c", "libws", w), nb, 1.0)
    z7 = manifest.get("w7", {}).get("compressed_payload_bytes")
    # W7 against zlib alone through the same language's binding (Go has
    # none: its W7 rows are against gws, below)
    for s, lib in (("c", "libws"), ("python", "libws"), ("perl", "native")):
        if s not in args.surfaces:
            continue
        pw = results.get((s, lib, "w7c"), {}).get("payload_wire_bytes")
        if z7:
            target(f"{SURFACE_NAME[s]} W7c output ≤ 1.02× zlib level 6's size", pw, z7, 1.02, less=True)
        what = label(s, "zlib") + ("" if s == "c" else f" ({SURFACE_NAME[s]})")
        target(f"{SURFACE_NAME[s]} W7c speed ≥ 2.0× {what}", r(s, lib, "w7c"), r(s, "zlib", "w7c"), 2.0)
        target(f"{SURFACE_NAME[s]} W7d ≥ 1.5× {what} (inflate loop)", r(s, lib, "w7d"), r(s, "zlib", "w7d"), 1.5)
    for w in ("w6c", "w6d"):
        zb, zk = best_peer(rate, w, lambda s2, i: (s2, i) in ZLIB_PEERS and s2 == "c")
        target(f"C API {w.upper()} ahead of zlib-based peers (≥ 1.0×)" + (f" ({label(zk[0], zk[1], w)})" if zk else ""),
               r("c", "libws", w), zb, 1.0)
    for w in args.workloads:
        gb, gk = best_peer(rate, w, lambda s, i: s == "go")
        target(f"Go API {w.upper()} ≥ 1.0× best Go peer" + (f" ({label(gk[0], gk[1])})" if gk else ""),
               r("go", "libws", w), gb, 1.0)
    if scale:
        for row in scale:
            if row.get("error") or row["connections"] != max(x["connections"] for x in scale):
                continue
            if row["mode"] == "plain":
                v = row["idle_rss_per_conn"] / 1024
                L.append(f"| memory per idle connection, no compression (RSS, {row['connections']:,} connections) ≤ "
                         f"4 KiB (issue 7) | {v:.1f} KiB | {'met' if v <= 4 else 'MISSED'} |")
            else:
                v = row["busy_rss_per_conn"] / 1024
                L.append(f"| memory per connection, context takeover 15 bits both ways (RSS after traffic, "
                         f"{row['connections']:,} connections; issue 14: report it) | {v:.1f} KiB | reported |")
    L.append("")

    if calls:
        L.append("## C call cost (tests/c/bench_calls.c, best of runs)")
        L.append("")
        L.append("| call | main thread | other thread |")
        L.append("|---|---:|---:|")
        for name, (a, b) in calls.items():
            L.append(f"| {name} | {a:.1f} ns | {b:.1f} ns |")
        L.append("")

    if scale:
        L.append("## Scaling: many connections in one process (bench/c/scale.c, C API)")
        L.append("")
        L.append("Server connections each fed a handshake, then messages round-robin (each received and echoed); "
                 "per-connection memory = (RSS − RSS before the connections) / connections, and libws's own "
                 "count (`ws_memory`). Deflate: permessage-deflate with context takeover, 15 window bits both "
                 "ways. See SCALING.md.")
        L.append("")
        L.append("| mode | connections | messages × size | idle RSS/conn | idle ws_memory | RSS/conn after traffic | "
                 "ws_memory after | after ws_shrink (RSS / ws_memory) | msg/s (recv + echo, by CPU time) |")
        L.append("|---|---:|---|---:|---:|---:|---:|---:|---:|")
        for row in scale:
            if row.get("error"):
                L.append(f"| {row['mode']} | {row['connections']:,} | error: {row['error'][:60]} | | | | | | |")
                continue
            mps = row["msgs_per_cpu_s"] if args.clock == "cpu" else row["msgs_per_s"]
            L.append(f"| {row['mode']} | {row['connections']:,} | {row['messages_per_conn']} × "
                     f"{row['message_size']} B | {row['idle_rss_per_conn'] / 1024:.1f} KiB | "
                     f"{row['idle_ws_memory_per_conn']:.0f} B | {row['busy_rss_per_conn'] / 1024:.1f} KiB | "
                     f"{row['busy_ws_memory_per_conn'] / 1024:.1f} KiB | {row['shrunk_rss_per_conn'] / 1024:.1f} KiB"
                     f" / {row['shrunk_ws_memory_per_conn'] / 1024:.1f} KiB | {fmt_rate(mps)} |")
        L.append("")

    # cost per operation vs size (C and Go APIs)
    L.append("## Cost per message against message size (libws)")
    L.append("")
    L.append("| surface | operation | 16 B | 1 KiB | 64 KiB | 1 MiB | ns per KiB at 1 MiB |")
    L.append("|---|---|---:|---:|---:|---:|---:|")
    for s in ("c", "go"):
        for op, ws_ in (("receive", ["w1", "w2", "w3", "w4"]), ("send", ["w5a", "w5b", "w5c", "w5d"])):
            cells = []
            for w in ws_:
                x = rate.get((s, "libws", w))
                cells.append(f"{1e9 / x:,.0f} ns" if x else "—")
            x = rate.get((s, "libws", ws_[-1]))
            per_kib = f"{1e9 / x / 1024:.0f} ns" if x else "—"
            L.append(f"| {SURFACE_NAME[s]} | {op} | " + " | ".join(cells) + f" | {per_kib} |")
    L.append("")
    if errors:
        L.append("## Errors")
        L.append("")
        for e in errors:
            L.append(f"- {e}")
        L.append("")
    return "\n".join(L)


# ---- README summary -------------------------------------------------------------------

README_MAIN = [("c", "libws"), ("go", "libws"), ("python", "libws"), ("perl", "native"), ("perl", "original")]
README_START, README_END = "<!-- bench-summary:start -->", "<!-- bench-summary:end -->"


def readme_summary(args, results, mach):
    """A compact table for README.md: each surface's main libws contender
    against the best peer of its language, per workload."""
    rate = summarize(results, args.stat)
    L = [README_START, ""]
    L.append(f"`make bench` on {mach['date']} ({mach['cpu']}, {mach['cores']} cores, shared; "
             f"{'quick profile, ' if args.quick else ''}{args.stat} of {args.rounds} interleaved rounds, wall clock; "
             f"clients drain after every message). "
             f"Each cell: libws's messages/s through that surface, and × the best peer of the same language "
             f"(C: wslay, uWebSockets' protocol layer (W1–W5), wslay + zlib; Go: gorilla, gobwas, gws; Python: websockets, wsproto; Perl: "
             f"Protocol::WebSocket). "
             f"Full tables, peers, UTF-8 notes and the targets: [bench/RESULTS.md](bench/RESULTS.md).")
    L.append("")
    cols = [k for k in README_MAIN if k[0] in args.surfaces]
    head = {"c": "C API", "go": "Go API", "python": "Python", "perl": "Perl"}
    names = [head[s] + (" (Net::WebSocket API)" if i == "original" else " (native)" if s == "perl" else "")
             for s, i in cols]
    L.append("| workload | " + " | ".join(names) + " |")
    L.append("|---|" + "---:|" * len(cols))
    for w in args.workloads:
        cells = []
        for s, i in cols:
            x = rate.get((s, i, w))
            peer, _ = best_peer(rate, w, lambda s2, i2, s=s: s2 == s)
            if x is None:
                cells.append("—")
            elif peer:
                cells.append(f"{fmt_rate(x)} ({x / peer:.1f}×)")
            else:
                cells.append(fmt_rate(x))
        L.append(f"| {w.upper()} — {DESCR[w]} | " + " | ".join(cells) + " |")
    L.append("")
    L.append(README_END)
    return "\n".join(L)


def update_readme(path, block):
    """Replaces the marked block of README.md; leaves the file alone when
    the markers are missing."""
    try:
        with open(path) as f:
            text = f.read()
    except OSError:
        return False
    a, b = text.find(README_START), text.find(README_END)
    if a < 0 or b < a:
        return False
    text = text[:a] + block + text[b + len(README_END):]
    with open(path, "w") as f:
        f.write(text)
    return True


def summary_from_json(args):
    """--summary-from-json: the README block of the run saved in --json."""
    if not args.readme:
        sys.exit("run.py: --summary-from-json needs --readme FILE")
    with open(args.json) as f:
        saved = json.load(f)
    results = {(r["surface"], r["impl"], r["w"]): {k: v for k, v in r.items() if k not in ("surface", "impl", "w")}
               for r in saved["results"]}
    args.workloads, args.surfaces = list(WORKLOADS), list(SURFACES)
    args.rounds = max((len(v.get("rates", [])) for v in results.values()), default=0)
    args.quick = False
    if not update_readme(args.readme, readme_summary(args, results, saved["machine"])):
        sys.exit(f"run.py: no bench-summary markers in {args.readme}")
    print(f"run.py: updated the summary in {args.readme} from {args.json}", file=sys.stderr)
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.path.join(HERE, "data"))
    ap.add_argument("--quick", action="store_true", help="2 short rounds, smaller scaling run")
    ap.add_argument("--rounds", type=int)
    ap.add_argument("--min-time", type=float, help="seconds per contender, workload and round")
    ap.add_argument("--stat", choices=["best", "median"], default="median")
    ap.add_argument("--clock", choices=["cpu", "wall"], default="wall",
                    help="time passes by the wall clock (default, as WORKLOADS.md asks; the CPU time is "
                         "recorded as a second column) or by the harness process's CPU time")
    ap.add_argument("--workloads", default=",".join(WORKLOADS))
    ap.add_argument("--surfaces", default=",".join(SURFACES))
    ap.add_argument("--timeout", type=float, default=300, help="seconds a harness may take for one request")
    ap.add_argument("--no-scale", action="store_true")
    ap.add_argument("--no-calls", action="store_true")
    ap.add_argument("--no-echo", action="store_true",
                    help="leave out the Go loopback echo table (run with the go surface and W1 or W2)")
    ap.add_argument("--scale-connections", default=None, help="e.g. 100,1000,10000")
    ap.add_argument("--out", default=os.path.join(HERE, "RESULTS.md"))
    ap.add_argument("--json", default=os.path.join(BUILD, "results.json"))
    ap.add_argument("--readme", default="",
                    help="a README whose bench-summary block is replaced after a run of every workload and "
                         "surface (default: none, README.md is left alone)")
    ap.add_argument("--summary-from-json", action="store_true",
                    help="only rewrite --readme's bench-summary block from --json (a full run's results)")
    args = ap.parse_args()
    if args.summary_from_json:
        return summary_from_json(args)
    args.workloads = [w.strip().lower() for w in args.workloads.split(",") if w.strip()]
    args.surfaces = [s.strip().lower() for s in args.surfaces.split(",") if s.strip()]
    for w in args.workloads:
        if w not in WORKLOADS:
            sys.exit(f"run.py: unknown workload {w} (one of {', '.join(WORKLOADS)})")
    for s in args.surfaces:
        if s not in SURFACES:
            sys.exit(f"run.py: unknown surface {s} (one of {', '.join(SURFACES)})")
    if args.rounds is None:
        args.rounds = 2 if args.quick else 5
    if args.min_time is None:
        args.min_time = 0.1 if args.quick else 0.25
    with open(os.path.join(args.data, "manifest.json")) as f:
        manifest = json.load(f)

    t0 = time.monotonic()
    print(f"run.py: {args.rounds} rounds, workloads {','.join(args.workloads)}, surfaces {','.join(args.surfaces)}",
          file=sys.stderr)
    results, versions, errors = measure(args, args.data, manifest)
    calls = extra = None
    if not args.no_calls and "c" in args.surfaces:
        calls, extra = call_costs(2 if args.quick else 3)
    scale = None
    if not args.no_scale and "c" in args.surfaces:
        counts = [int(x) for x in (args.scale_connections or ("100,10000" if args.quick else "100,1000,10000")).split(",")]
        scale = scaling(args.data, counts, args.quick)
    echo = None
    if not args.no_echo and "go" in args.surfaces and set(ECHO_WORKLOADS) & set(args.workloads):
        echo = measure_echo(args, args.data)
    mach = machine()
    report = build_report(args, results, versions, errors, calls, scale, manifest, mach)
    if echo:
        report += "\n" + echo_report(args, echo)
        errors = errors + echo[2]
    report += f"\nTotal run time: {time.monotonic() - t0:.0f} s.\n"
    with open(args.out, "w") as f:
        f.write(report)
    os.makedirs(os.path.dirname(args.json), exist_ok=True)
    with open(args.json, "w") as f:
        json.dump({"machine": mach, "versions": versions, "errors": errors, "calls": calls, "scale": scale,
                   "echo": echo and [{"side": k[0], "impl": k[1], "w": k[2], "connections": k[3], **v}
                                     for k, v in echo[0].items()],
                   "results": [{"surface": k[0], "impl": k[1], "w": k[2], **v} for k, v in results.items()]},
                  f, indent=1)
    print(report)
    print(f"run.py: wrote {args.out} and {args.json}", file=sys.stderr)
    if (args.readme and set(args.workloads) == set(WORKLOADS) and set(args.surfaces) == set(SURFACES)
            and update_readme(args.readme, readme_summary(args, results, mach))):
        print(f"run.py: updated the summary in {args.readme}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
