#!/usr/bin/env python3
"""Runs the interop matrix: every peer client against every one of our
server surfaces, and every one of our client surfaces against every peer
server, each cell a real exchange over 127.0.0.1 checked on both sides.

    matrix.py [--jobs N] [--list] [--markdown FILE] [CELL-PATTERN...]

Cells are named KIND/PEER/SURFACE: "clients/chromium/c" is headless
Chromium as the client against our C server, "servers/mojolicious/py-sync"
our blocking Python client against a Mojolicious server. Patterns are shell
globs ("clients/*/c", "*/gorilla/*"). run.sh prepares everything (packages,
npm ci, builds) and then runs this; see README.md.

Each program of a cell prints "RESULT {json}" per connection (A: deflate
with context takeover, client closes; B: without, server closes; C: window
bits 10 both ways, client closes); a server prints "READY <port-A>
<port-B> [<port-C>]" first (no port C: it cannot limit its window). A cell
is OK when both sides report every connection OK and the
permessage-deflate parameters they report match what the peer is expected
to negotiate. Anything else fails
the cell (and the run): a missing program, a crash, a timeout.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, List, Optional, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
BUILD = os.path.join(HERE, "build")
PY = os.environ.get("PYTHON", "/usr/bin/python3")
NODE = os.environ.get("NODE", "node")
PERL = os.environ.get("PERL", "perl")
GOBIN = os.path.join(BUILD, "interop-go")

READY_TIMEOUT = 20.0  # seconds for a server to announce its ports
CELL_TIMEOUT = 60.0  # seconds for the client side of a cell
SERVER_GRACE = 15.0  # seconds for the server to finish after the client

# Our surfaces: programs that use libws the way users would (see README.md).
OUR_SERVERS: Dict[str, List[str]] = {
    "c": [os.path.join(BUILD, "matrix_server")],
    "py-sync": [PY, "python/ours_server.py", "--api", "sync"],
    "py-asyncio": [PY, "python/ours_server.py", "--api", "asyncio"],
    "perl": [PERL, "perl/ours_server.pl"],
    "go": [GOBIN, "libws-server"],
}
OUR_CLIENTS: Dict[str, List[str]] = {
    "c": [os.path.join(BUILD, "matrix_client")],
    "py-sync": [PY, "python/ours_client.py", "--api", "sync"],
    "py-asyncio": [PY, "python/ours_client.py", "--api", "asyncio"],
    "perl": [PERL, "perl/ours_client.pl"],
    "go": [GOBIN, "libws-client"],
}
# Independent implementations.
PEER_CLIENTS: Dict[str, List[str]] = {
    "chromium": [NODE, "node/chromium.js"],
    "node-ws": [NODE, "node/ws_peer.js", "client"],
    "py-websockets": [PY, "python/websockets_peer.py", "client"],
    "gorilla": [GOBIN, "gorilla-client"],
}
# Peer clients that cannot send pings (a page has no ping API): our servers
# are told with MATRIX_CLIENT_PINGS=0 and do not expect one.
NO_PING_CLIENTS = {"chromium"}
PEER_SERVERS: Dict[str, List[str]] = {
    "node-ws": [NODE, "node/ws_peer.js", "server"],
    "py-websockets": [PY, "python/websockets_peer.py", "server"],
    "gorilla": [GOBIN, "gorilla-server"],
    "mojolicious": [PERL, "perl/mojo_server.pl"],
}

# Peer servers that cannot grant server_no_context_takeover: on connection B
# our clients ask for client_no_context_takeover only (MATRIX_B_OFFER=client);
# asking for both, libws rightly refuses their answer (RFC 7692 §7.1.1.1).
CLIENT_ONLY_B_OFFER = {"mojolicious"}

# The connections: A, permessage-deflate with context takeover; B without;
# C with window bits 10 both ways. What the server's answer must say, except
# where a peer cannot do it (README.md, "Peer limitations").
CONNS = ("A", "B", "C")
NCT, WB = ("server_no_context_takeover", "client_no_context_takeover"), ("server_max_window_bits", "client_max_window_bits")
EXPECT: Dict[str, Dict[str, Any]] = {
    "A": {NCT[0]: False, NCT[1]: False, WB[0]: 15, WB[1]: 15},
    "B": {NCT[0]: True, NCT[1]: True, WB[0]: 15, WB[1]: 15},
    "C": {NCT[0]: False, NCT[1]: False, WB[0]: 10, WB[1]: 10},
}
PEER_EXPECT: Dict[str, Dict[str, Dict[str, Any]]] = {
    # gorilla/websocket negotiates no_context_takeover in both directions,
    # always (it has no context takeover), and does not offer
    # client_max_window_bits (so a server may not limit it). As a server it
    # cannot limit windows: it has no port C.
    "gorilla": {"A": {NCT[0]: True, NCT[1]: True}, "C": {NCT[0]: True, NCT[1]: True, WB[1]: 15}},
    # Mojolicious answers any offer with a bare "permessage-deflate": it
    # always keeps its context, and has no port C.
    "mojolicious": {"B": {NCT[0]: False, NCT[1]: False}},
}

Result = Dict[str, Any]


class Cell:
    def __init__(self, kind: str, peer: str, surface: str) -> None:
        self.kind, self.peer, self.surface = kind, peer, surface
        self.id = f"{kind}/{peer}/{surface}"
        if kind == "clients":  # the peer is the client, we are the server
            self.server, self.client = OUR_SERVERS[surface], PEER_CLIENTS[peer]
        else:
            self.server, self.client = PEER_SERVERS[peer], OUR_CLIENTS[surface]
        self.ours = "server" if kind == "clients" else "client"
        self.status = "?"
        self.failures: List[str] = []
        self.results: Dict[Tuple[str, str], Result] = {}
        self.seconds = 0.0
        self.conns: Tuple[str, ...] = ("A", "B")
        self.log = os.path.join(BUILD, "logs", self.id.replace("/", "_") + ".log")

    def side(self, role: str) -> str:
        return "ours" if role == self.ours else "peer"


def all_cells() -> List[Cell]:
    cells = [Cell("clients", p, s) for p in PEER_CLIENTS for s in OUR_SERVERS]
    cells += [Cell("servers", p, s) for p in PEER_SERVERS for s in OUR_CLIENTS]
    return cells


# ---- running a cell ---------------------------------------------------------------


class Proc:
    """A program of a cell in its own process group, its stdout read by a
    thread (lines into a queue), its stderr into the cell's log."""

    def __init__(self, argv: List[str], name: str, log: Any, env: Optional[Dict[str, str]] = None) -> None:
        self.name = name
        self.lines: "queue.Queue[Optional[str]]" = queue.Queue()
        self.out: List[str] = []
        self.proc = subprocess.Popen(
            argv,
            cwd=HERE,
            env=dict(os.environ, **(env or {})),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=log,
            start_new_session=True,
        )
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self.out.append(line)
            self.lines.put(line)
        self.lines.put(None)

    def wait_line(self, prefix: str, timeout: float) -> Optional[str]:
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return None
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                return None
            if line is None:
                return None
            if line.startswith(prefix):
                return line

    def wait(self, timeout: float) -> Optional[int]:
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def kill(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)  # its own group: the program and its children
            except ProcessLookupError:
                pass
            self.proc.wait()
        else:
            try:  # children left behind (a browser's helpers)
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        self.reader.join(5)

    def results(self) -> List[Result]:
        out = []
        for line in self.out:
            if line.startswith("RESULT "):
                try:
                    out.append(json.loads(line[7:]))
                except ValueError:
                    pass
        return out


def missing_program(argv: List[str]) -> Optional[str]:
    exe = argv[0]
    if os.sep in exe:
        if not os.access(exe, os.X_OK):
            return f"{os.path.relpath(exe, HERE)} is not built"
    elif shutil.which(exe) is None:
        return f"{exe} is not installed"
    if len(argv) > 1 and argv[1].endswith((".py", ".js", ".pl")) and not os.path.exists(os.path.join(HERE, argv[1])):
        return f"{argv[1]} does not exist"
    return None


def run_cell(cell: Cell) -> Cell:
    start = time.monotonic()
    os.makedirs(os.path.dirname(cell.log), exist_ok=True)
    with open(cell.log, "wb") as log:
        log.write(f"== {cell.id}\n== server: {' '.join(cell.server)}\n== client: {' '.join(cell.client)}\n".encode())
        log.flush()
        try:
            _run(cell, log)
        finally:
            cell.seconds = time.monotonic() - start
            log.write(f"== {cell.status} in {cell.seconds:.1f}s: {'; '.join(cell.failures)}\n".encode())
    return cell


def _run(cell: Cell, log: Any) -> None:
    for argv in (cell.server, cell.client):
        why = missing_program(argv)
        if why:
            cell.failures.append(f"missing: {why}")
            cell.status = "missing"
            return
    env = {"MATRIX_CLIENT_PINGS": "0"} if cell.kind == "clients" and cell.peer in NO_PING_CLIENTS else {}
    srv = Proc(cell.server, "server", log, env)
    env = {"MATRIX_B_OFFER": "client"} if cell.kind == "servers" and cell.peer in CLIENT_ONLY_B_OFFER else {}
    cli: Optional[Proc] = None
    try:
        ready = srv.wait_line("READY ", READY_TIMEOUT)
        if ready is None:
            cell.failures.append(f"server did not start (exit {srv.proc.poll()})")
            return
        ports = ready.split()[1:]
        cell.conns = CONNS[: len(ports)]  # A and B; C where the server can limit windows
        urls = [f"ws://127.0.0.1:{port}/{conn}" for conn, port in zip(cell.conns, ports)]
        cli = Proc(cell.client + urls, "client", log, env)
        crc = cli.wait(CELL_TIMEOUT)
        cli.reader.join(5)
        if crc is None:
            cell.failures.append(f"client timed out after {CELL_TIMEOUT:.0f}s")
        elif not cli.results():
            cell.failures.append(f"client exited ({crc}) without a result")
        ran = crc is not None and bool(cli.results())
        src = srv.wait(SERVER_GRACE if ran else 1)
        if src is None and ran:
            cell.failures.append(f"server did not exit {SERVER_GRACE:.0f}s after the client")
    finally:
        srv.kill()
        if cli is not None:
            cli.kill()
        for p in (srv, cli):
            if p is not None:
                log.write(f"== {p.name} stdout:\n".encode())
                log.write("".join(line + "\n" for line in p.out).encode())
    judge(cell, srv.results(), cli.results() if cli else [])


# ---- judging --------------------------------------------------------------------------


def parse_deflate(ext: str) -> Optional[Dict[str, Any]]:
    """The permessage-deflate element of a Sec-WebSocket-Extensions value
    in use, as the four RFC 7692 parameters (absent window bits: 15)."""
    for element in (ext or "").split(","):
        parts = [p.strip() for p in element.split(";")]
        if parts[0].lower() != "permessage-deflate":
            continue
        out = {
            "server_no_context_takeover": False,
            "client_no_context_takeover": False,
            "server_max_window_bits": 15,
            "client_max_window_bits": 15,
        }
        for p in parts[1:]:
            name, _, value = p.partition("=")
            name = name.strip().lower()
            if name.endswith("no_context_takeover"):
                out[name] = True
            elif name.endswith("max_window_bits") and value.strip().strip('"'):
                out[name] = int(value.strip().strip('"'))
        return out
    return None


def judge(cell: Cell, server_results: List[Result], client_results: List[Result]) -> None:
    for role, results in (("server", server_results), ("client", client_results)):
        for r in results:
            cell.results[(role, r.get("conn", "?"))] = r
    for conn in cell.conns:
        for role in ("server", "client"):
            side = cell.side(role)
            r = cell.results.get((role, conn))
            if r is None:
                cell.failures.append(f"{conn}:no-result ({side} {role})")
                continue
            if not r.get("ok"):
                cell.failures.append(f"{conn}:{r.get('failed') or '?'} ({side})")
                continue
            if "deflate" in r.get("passed", []):
                want = dict(EXPECT[conn], **PEER_EXPECT.get(cell.peer, {}).get(conn, {}))
                got = parse_deflate(r.get("extensions", ""))
                if got is None:
                    cell.failures.append(f"{conn}:deflate ({side}: extensions {r.get('extensions')!r})")
                    continue
                if got != want:
                    cell.failures.append(f"{conn}:deflate-params ({side})")
                acc = r.get("deflate")
                if acc is not None:
                    # What libws's accessor says is in use must be what the
                    # answer says, except that a client that offered
                    # client_no_context_takeover keeps to it even when the
                    # answer leaves it out (RFC 7692 §7.1.1.2: it is a hint).
                    hinted = role == "client" and conn == "B" and acc["client_no_context_takeover"]
                    if acc != dict(got, client_no_context_takeover=got["client_no_context_takeover"] or hinted):
                        cell.failures.append(f"{conn}:deflate-accessor ({side})")
    if cell.failures:
        cell.status = "FAIL"
    else:
        cell.status = "OK"


# ---- reporting -----------------------------------------------------------------------


def label(cell: Cell) -> str:
    if cell.status == "OK":
        return "OK"
    if cell.status == "missing":
        return "MISSING"
    if cell.status == "skipped":
        return "·"
    return cell.failures[0] if cell.failures else "FAIL"


def tables(cells: List[Cell], markdown: bool) -> str:
    out: List[str] = []
    by = {c.id: c for c in cells}
    for kind, peers, surfaces, title in (
        ("clients", PEER_CLIENTS, OUR_SERVERS, "Peer clients → our servers"),
        ("servers", PEER_SERVERS, OUR_CLIENTS, "Our clients → peer servers"),
    ):
        rows = [p for p in peers if any(f"{kind}/{p}/{s}" in by for s in surfaces)]
        cols = [s for s in surfaces if any(f"{kind}/{p}/{s}" in by for p in peers)]
        if not rows:
            continue
        head = ["peer \\ ours"] + [f"{s} {'server' if kind == 'clients' else 'client'}" for s in cols]
        grid = [[p] + [label(by[f"{kind}/{p}/{s}"]) if f"{kind}/{p}/{s}" in by else "·" for s in cols] for p in rows]
        out.append(f"{'### ' if markdown else ''}{title}\n")
        if markdown:
            out.append("| " + " | ".join(head) + " |")
            out.append("|" + "|".join("---" for _ in head) + "|")
            out += ["| " + " | ".join(r) + " |" for r in grid]
        else:
            w = [max(len(r[i]) for r in [head] + grid) for i in range(len(head))]
            out.append("  ".join(h.ljust(w[i]) for i, h in enumerate(head)))
            out += ["  ".join(c.ljust(w[i]) for i, c in enumerate(r)) for r in grid]
        out.append("")
    return "\n".join(out)


def notes(cells: List[Cell]) -> str:
    """What each implementation could not observe, and what was negotiated."""
    na: Dict[Tuple[str, str], Dict[str, set]] = {}
    negotiated: Dict[Tuple[str, str, str], set] = {}
    for c in cells:
        for (role, conn), r in c.results.items():
            for step, why in (r.get("na") or {}).items():
                na.setdefault((r.get("impl", "?"), role), {}).setdefault(step, set()).add(why)
            if role == "server" and r.get("extensions") is not None:
                where = f"{c.peer} client → our servers" if c.kind == "clients" else f"our clients → {c.peer} server"
                negotiated.setdefault((where, conn, ""), set()).add(r["extensions"] or "(none)")
    lines = ["### Notes", "", "Checks an implementation cannot make (its API does not show the thing, or the peer cannot do it):", ""]
    for (impl, role), steps in sorted(na.items()):
        lines.append(f"- {impl} {role}: " + "; ".join(f"{s} ({' / '.join(sorted(w))})" for s, w in sorted(steps.items())))
    lines += ["", "permessage-deflate as the servers answered (Sec-WebSocket-Extensions):", ""]
    for (where, conn, _), exts in sorted(negotiated.items()):
        lines.append(f"- {where}, connection {conn}: " + " | ".join(f"`{e}`" for e in sorted(exts)))
    return "\n".join(lines) + "\n"


def failures(cells: List[Cell]) -> str:
    lines = []
    for c in cells:
        if c.status not in ("OK", "skipped"):
            lines.append(f"{c.id}: {'; '.join(c.failures)}")
            for (role, conn), r in sorted(c.results.items()):
                if not r.get("ok"):
                    lines.append(f"    {conn} {role} ({r.get('impl')}): {r.get('failed')}: {r.get('error')}")
            if not c.results and os.path.exists(c.log):  # nothing reported: show what the programs said
                with open(c.log, encoding="utf-8", errors="replace") as f:
                    said = []
                    for ln in f:
                        if ln.startswith("== server stdout:"):
                            break  # what follows is the RESULT/READY lines
                        if ln.strip() and not ln.startswith("=="):
                            said.append(ln.rstrip())
                lines += [f"    | {ln}" for ln in said[-4:]]
            lines.append(f"    log: {os.path.relpath(c.log, ROOT)}")
    return "\n".join(lines)


def markdown(cells: List[Cell]) -> str:
    return (
        "# Interop matrix\n\n"
        "Written by `tests/interop/run.sh` (see [README.md](README.md) for what each cell checks). "
        "A cell is `OK` when both sides checked every connection (A: deflate with context takeover, B: without, "
        "C: window bits 10, where the server can); otherwise it names the first failure as "
        "`connection:step (side)` — side `ours` is libws's surface, `peer` the other implementation.\n\n"
        + tables(cells, True)
        + "\n"
        + notes(cells)
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("patterns", nargs="*", help="cells to run (shell globs over KIND/PEER/SURFACE)")
    ap.add_argument("--jobs", "-j", type=int, default=int(os.environ.get("INTEROP_JOBS", "4")))
    ap.add_argument("--list", action="store_true", help="list the cells and exit")
    ap.add_argument("--markdown", help="write the Markdown table here (default: MATRIX.md when every cell runs)")
    args = ap.parse_args()

    cells = all_cells()
    if args.list:
        print("\n".join(c.id for c in cells))
        return 0
    chosen = [c for c in cells if not args.patterns or any(fnmatch.fnmatchcase(c.id, p) for p in args.patterns)]
    if not chosen:
        print(f"matrix.py: no cell matches {args.patterns}; --list shows them", file=sys.stderr)
        return 2
    for c in cells:
        if c not in chosen:
            c.status = "skipped"

    t0 = time.monotonic()
    # Chromium cells first: they are the slowest to start.
    order = sorted(chosen, key=lambda c: c.peer != "chromium")
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for c in pool.map(run_cell, order):
            print(f"{c.status:4} {c.id} ({c.seconds:.1f}s){': ' + '; '.join(c.failures) if c.failures else ''}", flush=True)
    elapsed = time.monotonic() - t0

    print()
    print(tables(chosen, False))
    bad = [c for c in chosen if c.status != "OK"]
    if bad:
        print("Failures:\n" + failures(chosen) + "\n")
    md_path = args.markdown or (os.path.join(HERE, "MATRIX.md") if not args.patterns else None)
    if md_path:
        with open(md_path, "w", encoding="utf-8") as f:
            f.write(markdown(chosen))
    print(f"{len(chosen) - len(bad)} passed, {len(bad)} failed")
    print(f"interop matrix: {len(chosen)} cells in {elapsed:.1f}s (logs in {os.path.relpath(os.path.join(BUILD, 'logs'), ROOT)})")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
