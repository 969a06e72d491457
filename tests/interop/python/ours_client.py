#!/usr/bin/env python3
"""Our Python client surface in the interop matrix: libws's blocking
helper (libws.sync.connect) or its asyncio helper (libws.asyncio.connect),
used as bindings/python/README.md shows, running the matrix exchange with
checks against a peer server:

    ours_client.py --api sync|asyncio ws://127.0.0.1:PA/A ws://127.0.0.1:PB/B

Connection A offers permessage-deflate with context takeover; connection B
offers server_no_context_takeover and client_no_context_takeover (only the
latter with MATRIX_B_OFFER=client); connection C asks for window bits 10
both ways. A RESULT
line per connection (see matrix_common.py). Not observable with the
helpers: pings received, whether a message arrived compressed; the close
initiator is read from the helper's private Close event.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
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
    # MATRIX_B_OFFER=client: the peer cannot grant server_no_context_takeover.
    "B": Deflate(server_no_context_takeover=os.environ.get("MATRIX_B_OFFER") != "client", client_no_context_takeover=True),
    "C": Deflate(server_max_window_bits=m.WINDOW_BITS, client_max_window_bits=m.WINDOW_BITS),
}
OPTIONS: Dict[str, Any] = dict(max_message_size=16 << 20, ping_interval=None, close_timeout=T, open_timeout=T)


def opened(rep: m.Report, ws: Any) -> None:
    rep.ok("open")
    rep.info["extensions"] = ws.extensions
    rep.info["deflate"] = m.deflate_info(ws.deflate)
    rep.check("deflate", ws.deflate is not None, "permessage-deflate was not negotiated")


def received(rep: m.Report, i: int, ev: Any, flags: List[bool], pings: List[bytes]) -> None:
    """Checks message i (a recv_message event) and, after the second, that
    the server's ping was seen (the on_ping hook)."""
    rep.message(i, ev.data)
    flags.append(bool(ev.compressed))
    if i == 1:
        rep.check("server-ping", m.SERVER_PING in pings, f"pings seen: {pings}")
    if i == len(m.SCRIPT) - 1:
        rep.check("rsv1", flags[3:6] == [True] * 3, f"RSV1 of the compressible messages: {flags[3:6]}")


def check_close(rep: m.Report, ws: Any, conn: str) -> None:
    init = ws.close_initiator
    if conn != "B":
        ok = ws.close_code == m.CLOSE_A[0] and init == Initiator.US
    else:
        ok = (ws.close_code, ws.close_reason) == m.CLOSE_B and init == Initiator.PEER
    rep.check("close", ok, f"got {ws.close_code} {ws.close_reason!r}, initiator {init.name if init else None}")


def sync_conn(url: str, conn: str) -> None:
    from libws.sync import connect

    rep = m.Report("py-sync", "client", conn)
    pings: List[bytes] = []
    flags: List[bool] = []
    try:
        ws = connect(url, compression=DEFLATE[conn], on_ping=pings.append, **OPTIONS)
    except Exception as e:
        rep.fail("open", f"{type(e).__name__}: {e}")
        rep.emit()
        return
    try:
        opened(rep, ws)
        for i, msg in enumerate(m.SCRIPT):
            ws.send(m.fragments(msg) if i == 2 else msg)
            received(rep, i, ws.recv_message(timeout=T), flags, pings)
            if i == 0:
                pong = ws.ping(m.CLIENT_PING)
                rep.check("client-ping", pong.wait(T) and not ws.closed, "no pong")
        if conn != "B":
            ws.close(*m.CLOSE_A)
        else:
            try:
                got = ws.recv(timeout=T)
                rep.fail("close", f"a message instead of the server's close: {m.describe(got, '')}")
            except libws.ConnectionClosed:
                pass
        check_close(rep, ws, conn)
        ws.close()  # waits for the server to end the connection
        rep.check("end", ws.closed, "the connection did not end")
    except Exception as e:
        step = next((s for s in m.STEPS if s not in rep.passed and s not in rep.na), "end")
        rep.fail(step, f"{type(e).__name__}: {e}")
    finally:
        rep.emit()
        ws.close()
        ws.protocol.free()


async def asyncio_conn(url: str, conn: str) -> None:
    from libws.asyncio import connect

    rep = m.Report("py-asyncio", "client", conn)
    pings: List[bytes] = []
    flags: List[bool] = []
    try:
        ws = await connect(url, compression=DEFLATE[conn], on_ping=pings.append, **OPTIONS)
    except Exception as e:
        rep.fail("open", f"{type(e).__name__}: {e}")
        rep.emit()
        return
    try:
        opened(rep, ws)
        for i, msg in enumerate(m.SCRIPT):
            await ws.send(m.fragments(msg) if i == 2 else msg)
            received(rep, i, await asyncio.wait_for(ws.recv_message(), T), flags, pings)
            if i == 0:
                pong = await ws.ping(m.CLIENT_PING)
                await asyncio.wait_for(pong, T)
                rep.check("client-ping", not ws.closed, "no pong")
        if conn != "B":
            await ws.close(*m.CLOSE_A)
        else:
            try:
                got = await asyncio.wait_for(ws.recv(), T)
                rep.fail("close", f"a message instead of the server's close: {m.describe(got, '')}")
            except libws.ConnectionClosed:
                pass
        check_close(rep, ws, conn)
        await asyncio.wait_for(ws.wait_closed(), T)
        rep.check("end", ws.closed, "the connection did not end")
    except Exception as e:
        step = next((s for s in m.STEPS if s not in rep.passed and s not in rep.na), "end")
        rep.fail(step, f"{type(e).__name__}: {e}")
    finally:
        rep.emit()
        await ws.close()
        ws.protocol.free()


def conn_of(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--api", choices=("sync", "asyncio"), required=True)
    ap.add_argument("urls", nargs="+")
    args = ap.parse_args()
    urls: List[str] = args.urls
    if args.api == "sync":
        for u in urls:
            sync_conn(u, conn_of(u))
    else:

        async def run() -> None:
            for u in urls:
                await asyncio_conn(u, conn_of(u))

        asyncio.run(run())


if __name__ == "__main__":
    main()
