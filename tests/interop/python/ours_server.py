#!/usr/bin/env python3
"""Our Python server surface in the interop matrix: libws's blocking
helper (libws.sync.serve, a thread per connection) or its asyncio helper
(libws.asyncio.serve), used as bindings/python/README.md shows, running the
matrix exchange with checks:

    ours_server.py --api sync|asyncio      # prints READY <port-A> <port-B> <port-C>

Port A accepts permessage-deflate as offered (context takeover unless the
client asks otherwise); port B imposes server_no_context_takeover and
client_no_context_takeover; port C window bits 10 both ways
(client_max_window_bits if the client offers it). Each port serves one connection; a RESULT line
per connection (see matrix_common.py), then exit.

Pings received are seen through the helpers' on_ping hook, RSV1 through
recv_message's events (``compressed``), the close initiator through
``close_initiator``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import threading
from typing import Any, Dict, List

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "bindings", "python"))

import matrix_common as m  # noqa: E402

import libws  # noqa: E402
from libws import Deflate, Initiator  # noqa: E402

T = m.TIMEOUT
DEFLATE = {
    "A": Deflate(),
    "B": Deflate(server_no_context_takeover=True, client_no_context_takeover=True),
    "C": Deflate(server_max_window_bits=m.WINDOW_BITS, client_max_window_bits=m.WINDOW_BITS),
}
OPTIONS: Dict[str, Any] = dict(max_message_size=16 << 20, ping_interval=None, close_timeout=T)


def opened(rep: m.Report, ws: Any, conn: str) -> None:
    path = ws.request.path if ws.request else None
    rep.check("open", path == "/" + conn, f"path {path!r}, want /{conn}")
    rep.info["extensions"] = ws.extensions
    rep.info["deflate"] = m.deflate_info(ws.deflate)
    rep.check("deflate", ws.deflate is not None, "permessage-deflate was not negotiated")
    if os.environ.get("MATRIX_CLIENT_PINGS") == "0":
        rep.not_observable("client-ping", "with a browser as the client: it cannot send pings")


def received(rep: m.Report, i: int, ev: Any, flags: List[bool], pings: List[bytes]) -> Any:
    """Checks message i (a recv_message event) and returns its data; after
    the second message the client's ping must have been seen (the client
    pings after the first echo and waits for the pong)."""
    rep.message(i, ev.data)
    flags.append(bool(ev.compressed))
    if i == 1 and os.environ.get("MATRIX_CLIENT_PINGS") != "0":
        rep.check("client-ping", m.CLIENT_PING in pings, f"pings seen: {pings}")
    if i == len(m.SCRIPT) - 1:
        rep.check("rsv1", flags[3:6] == [True] * 3, f"RSV1 of the compressible messages: {flags[3:6]}")
    return ev.data


def initiator(ws: Any) -> Any:
    return ws.close_initiator


def check_close(rep: m.Report, ws: Any, conn: str) -> None:
    if conn != "B":
        ok = (ws.close_code, ws.close_reason) == m.CLOSE_A and initiator(ws) == Initiator.PEER
    else:
        ok = ws.close_code == m.CLOSE_B[0] and initiator(ws) == Initiator.US
    init = initiator(ws)
    rep.check("close", ok, f"got {ws.close_code} {ws.close_reason!r}, initiator {init.name if init else None}")


# ---- sync ------------------------------------------------------------------------------


def sync_handler(conn: str, done: threading.Event, pings: List[bytes]) -> Any:
    def handler(ws: Any) -> None:
        flags: List[bool] = []
        rep = m.Report("py-sync", "server", conn)
        try:
            opened(rep, ws, conn)
            pong = ws.ping(m.SERVER_PING)
            for i in range(len(m.SCRIPT)):
                got = received(rep, i, ws.recv_message(timeout=T), flags, pings)
                if i == 1:  # the pong came before this message (the client waits for each echo)
                    rep.check("server-ping", pong.is_set() and not ws.closed, "no pong to our ping before the second message")
                ws.send(m.fragments(got) if i == 2 and isinstance(got, bytes) else got)
            if conn != "B":
                try:
                    got = ws.recv(timeout=T)
                    rep.fail("close", f"a message instead of the client's close: {m.describe(got, '')}")
                except libws.ConnectionClosed:
                    pass
            else:
                ws.close(*m.CLOSE_B)
            check_close(rep, ws, conn)
            ws.close()  # waits for the end of the connection (no-op if over)
            rep.check("end", ws.closed, "the connection did not end")
        except Exception as e:
            step = next((s for s in m.STEPS if s not in rep.passed and s not in rep.na), "end")
            rep.fail(step, f"{type(e).__name__}: {e}")
        finally:
            rep.emit()
            done.set()

    return handler


def run_sync() -> None:
    servers, dones = [], []
    for conn in m.CONNS:
        done = threading.Event()
        pings: List[bytes] = []
        srv = libws.sync.serve(sync_handler(conn, done, pings), "127.0.0.1", 0, compression=DEFLATE[conn],
                               on_ping=pings.append, **OPTIONS)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        servers.append(srv)
        dones.append(done)
    print("READY " + " ".join(str(s.port) for s in servers), flush=True)
    for d in dones:
        d.wait(6 * T)
    for s in servers:
        s.shutdown(timeout=T)


# ---- asyncio ---------------------------------------------------------------------------


def async_handler(conn: str, done: "asyncio.Future[None]", pings: List[bytes]) -> Any:
    async def handler(ws: Any) -> None:
        flags: List[bool] = []
        rep = m.Report("py-asyncio", "server", conn)
        try:
            opened(rep, ws, conn)
            pong = await ws.ping(m.SERVER_PING)
            for i in range(len(m.SCRIPT)):
                got = received(rep, i, await asyncio.wait_for(ws.recv_message(), T), flags, pings)
                if i == 1:
                    rep.check("server-ping", pong.done() and not ws.closed, "no pong to our ping before the second message")
                await ws.send(m.fragments(got) if i == 2 and isinstance(got, bytes) else got)
            if conn != "B":
                try:
                    got = await asyncio.wait_for(ws.recv(), T)
                    rep.fail("close", f"a message instead of the client's close: {m.describe(got, '')}")
                except libws.ConnectionClosed:
                    pass
            else:
                await ws.close(*m.CLOSE_B)
            check_close(rep, ws, conn)
            await asyncio.wait_for(ws.wait_closed(), T)
            rep.check("end", ws.closed, "the connection did not end")
        except Exception as e:
            step = next((s for s in m.STEPS if s not in rep.passed and s not in rep.na), "end")
            rep.fail(step, f"{type(e).__name__}: {e}")
        finally:
            rep.emit()
            if not done.done():
                done.set_result(None)

    return handler


async def run_asyncio() -> None:
    loop = asyncio.get_running_loop()
    servers, dones = [], []
    for conn in m.CONNS:
        done: "asyncio.Future[None]" = loop.create_future()
        pings: List[bytes] = []
        srv = await libws.asyncio.serve(async_handler(conn, done, pings), "127.0.0.1", 0, compression=DEFLATE[conn],
                                        on_ping=pings.append, **OPTIONS)
        servers.append(srv)
        dones.append(done)
    print("READY " + " ".join(str(s.port) for s in servers), flush=True)
    try:
        await asyncio.wait_for(asyncio.gather(*dones), 6 * T)
    finally:
        for s in servers:
            s.close()
            await s.wait_closed()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--api", choices=("sync", "asyncio"), required=True)
    args = ap.parse_args()
    if args.api == "sync":
        import libws.sync  # noqa: F401

        run_sync()
    else:
        import libws.asyncio  # noqa: F401

        asyncio.run(run_asyncio())


if __name__ == "__main__":
    main()
