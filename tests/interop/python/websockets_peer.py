#!/usr/bin/env python3
"""The python3-websockets peer (Debian's 10.4, asyncio API) of the interop
matrix, as a client or a server running the matrix exchange:

    websockets_peer.py client ws://127.0.0.1:PA/A ws://127.0.0.1:PB/B
    websockets_peer.py server         # prints READY <port-A> <port-B> <port-C>

Connection A negotiates permessage-deflate with context takeover (the
client's offer is accepted as made); connection B without (the client
offers server_no_context_takeover and client_no_context_takeover, and the
server on port B imposes both); connection C with window bits 10 both ways
(server_max_window_bits, client_max_window_bits). A permessage-deflate subclass records the
frames websockets decodes, so that we see the peer's pings and which
messages arrived compressed (websockets' API shows neither).
"""

from __future__ import annotations

import asyncio
import os
import sys
from typing import Any, Dict, List, Optional

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import matrix_common as m  # noqa: E402

try:
    import websockets
    from websockets.extensions import permessage_deflate as pmd
except ImportError as e:  # a missing peer fails the cell, never skips it
    sys.exit(f"websockets_peer: python3-websockets is missing under {sys.executable}: {e}")

IMPL = "py-websockets"
T = m.TIMEOUT


class Recording(pmd.PerMessageDeflate):
    """websockets' permessage-deflate extension, noting every frame it
    decodes: RSV1 of each message's first frame, and ping payloads."""

    compressed: List[bool]
    pings: List[bytes]

    def decode(self, frame: Any, *, max_size: Optional[int] = None) -> Any:
        if frame.opcode in (1, 2):
            self.compressed.append(bool(frame.rsv1))
        elif frame.opcode == 9:
            self.pings.append(bytes(frame.data))
        return super().decode(frame, max_size=max_size)


def recording(ext: Any, sink: List[Recording]) -> Any:
    ext.__class__ = Recording
    ext.compressed, ext.pings = [], []
    sink.append(ext)
    return ext


class ClientFactory(pmd.ClientPerMessageDeflateFactory):
    def __init__(self, sink: List[Recording], **kw: Any) -> None:
        super().__init__(**kw)
        self.sink = sink

    def process_response_params(self, params: Any, accepted: Any) -> Any:
        return recording(super().process_response_params(params, accepted), self.sink)


class ServerFactory(pmd.ServerPerMessageDeflateFactory):
    def __init__(self, sink: List[Recording], **kw: Any) -> None:
        super().__init__(**kw)
        self.sink = sink

    def process_request_params(self, params: Any, accepted: Any) -> Any:
        response, ext = super().process_request_params(params, accepted)
        return response, recording(ext, self.sink)


NO_CONTEXT = dict(server_no_context_takeover=True, client_no_context_takeover=True)
WINDOW = dict(server_max_window_bits=m.WINDOW_BITS, client_max_window_bits=m.WINDOW_BITS)
OFFER = {"A": {}, "B": NO_CONTEXT, "C": WINDOW}


def deflate_of(ext: Recording, role: str) -> Dict[str, Any]:
    # websockets speaks of local/remote; the RFC of server/client.
    srv_local = role == "server"
    return {
        "server_no_context_takeover": ext.local_no_context_takeover if srv_local else ext.remote_no_context_takeover,
        "client_no_context_takeover": ext.remote_no_context_takeover if srv_local else ext.local_no_context_takeover,
        "server_max_window_bits": ext.local_max_window_bits if srv_local else ext.remote_max_window_bits,
        "client_max_window_bits": ext.remote_max_window_bits if srv_local else ext.local_max_window_bits,
    }


def check_compressed(rep: m.Report, sink: List[Recording]) -> None:
    if not sink:
        return
    flags = sink[0].compressed
    rep.check("rsv1", flags[3:6] == [True] * 3, f"RSV1 of the compressible messages: {flags[3:6]}")


# ---- client ---------------------------------------------------------------------


async def client_conn(url: str, conn: str) -> None:
    rep = m.Report(IMPL, "client", conn)
    sink: List[Recording] = []
    factory = ClientFactory(sink, **OFFER[conn])
    try:
        ws = await asyncio.wait_for(
            websockets.connect(url, extensions=[factory], compression=None, max_size=None, ping_interval=None, close_timeout=T),
            T,
        )
    except Exception as e:
        rep.fail("open", f"{type(e).__name__}: {e}")
        rep.emit()
        return
    rep.ok("open")
    try:
        rep.info["extensions"] = ws.response_headers.get("Sec-WebSocket-Extensions", "")
        if rep.check("deflate", bool(sink), "permessage-deflate was not negotiated"):
            rep.info["deflate"] = deflate_of(sink[0], "client")
        for i, msg in enumerate(m.SCRIPT):
            await ws.send(m.fragments(msg) if i == 2 else msg)
            got = await asyncio.wait_for(ws.recv(), T)
            rep.message(i, got)
            if i == 0:
                waiter = await ws.ping(m.CLIENT_PING)
                await asyncio.wait_for(waiter, T)
                rep.ok("client-ping")
        check_compressed(rep, sink)
        if sink:
            rep.check("server-ping", m.SERVER_PING in sink[0].pings, f"pings seen: {sink[0].pings}")
        if conn != "B":
            await asyncio.wait_for(ws.close(*m.CLOSE_A), 2 * T)
            rep.check(
                "close",
                ws.close_code == m.CLOSE_A[0] and ws.close_rcvd_then_sent is False,
                f"reply {ws.close_code} {ws.close_reason!r}, close_rcvd_then_sent={ws.close_rcvd_then_sent}",
            )
        else:
            try:
                got = await asyncio.wait_for(ws.recv(), T)
                rep.fail("close", f"a message instead of the server's close: {m.describe(got, '')}")
            except websockets.ConnectionClosed:
                pass
            rep.check(
                "close",
                (ws.close_code, ws.close_reason) == m.CLOSE_B and ws.close_rcvd_then_sent is True,
                f"got {ws.close_code} {ws.close_reason!r}, close_rcvd_then_sent={ws.close_rcvd_then_sent}",
            )
        await asyncio.wait_for(ws.wait_closed(), T)
        rep.ok("end")
    except Exception as e:
        step = next((s for s in m.STEPS if s not in rep.passed and s not in rep.na), "end")
        rep.fail(step, f"{type(e).__name__}: {e}")
    finally:
        rep.emit()
        ws.transport.abort() if not ws.closed else None


async def client(urls: List[str]) -> None:
    for url in urls:
        await client_conn(url, url.rstrip("/").rsplit("/", 1)[1])


# ---- server ---------------------------------------------------------------------


async def handle(ws: Any, conn: str, sink: List[Recording], done: "asyncio.Future[None]") -> None:
    rep = m.Report(IMPL, "server", conn)
    try:
        rep.check("open", ws.path == "/" + conn, f"path {ws.path!r}, want /{conn}")
        rep.info["extensions"] = ws.response_headers.get("Sec-WebSocket-Extensions", "")
        if rep.check("deflate", bool(sink), "permessage-deflate was not negotiated"):
            rep.info["deflate"] = deflate_of(sink[0], "server")
        pong = await ws.ping(m.SERVER_PING)
        for i in range(len(m.SCRIPT)):
            got = await asyncio.wait_for(ws.recv(), T)
            rep.message(i, got)
            if i == 1:  # the client answered our ping and sent its own before this message
                rep.check("server-ping", pong.done(), "no pong to our ping before the second message")
                if sink:
                    rep.check("client-ping", m.CLIENT_PING in sink[0].pings, f"pings seen: {sink[0].pings}")
            await ws.send(m.fragments(got) if i == 2 and isinstance(got, bytes) else got)
        check_compressed(rep, sink)
        if conn != "B":
            try:
                got = await asyncio.wait_for(ws.recv(), T)
                rep.fail("close", f"a message instead of the client's close: {m.describe(got, '')}")
            except websockets.ConnectionClosed:
                pass
            rep.check(
                "close",
                (ws.close_code, ws.close_reason) == m.CLOSE_A and ws.close_rcvd_then_sent is True,
                f"got {ws.close_code} {ws.close_reason!r}, close_rcvd_then_sent={ws.close_rcvd_then_sent}",
            )
        else:
            await asyncio.wait_for(ws.close(*m.CLOSE_B), 2 * T)
            rep.check(
                "close",
                ws.close_code == m.CLOSE_B[0] and ws.close_rcvd_then_sent is False,
                f"reply {ws.close_code} {ws.close_reason!r}, close_rcvd_then_sent={ws.close_rcvd_then_sent}",
            )
        await asyncio.wait_for(ws.wait_closed(), T)
        rep.ok("end")
    except Exception as e:
        step = next((s for s in m.STEPS if s not in rep.passed and s not in rep.na), "end")
        rep.fail(step, f"{type(e).__name__}: {e}")
    finally:
        rep.emit()
        if not done.done():
            done.set_result(None)


async def server() -> None:
    loop = asyncio.get_running_loop()
    servers, waits = [], []
    for conn in m.CONNS:
        sink: List[Recording] = []
        done: "asyncio.Future[None]" = loop.create_future()
        factory = ServerFactory(sink, **OFFER[conn])

        async def handler(ws: Any, conn: str = conn, sink: List[Recording] = sink, done: Any = done) -> None:
            await handle(ws, conn, sink, done)

        srv = await websockets.serve(
            handler, "127.0.0.1", 0, extensions=[factory], compression=None, max_size=None, ping_interval=None, close_timeout=T
        )
        servers.append(srv)
        waits.append(done)
    print("READY " + " ".join(str(s.sockets[0].getsockname()[1]) for s in servers), flush=True)
    try:
        await asyncio.wait_for(asyncio.gather(*waits), 6 * T)
    finally:
        for s in servers:
            s.close()
            await s.wait_closed()


def main() -> None:
    if len(sys.argv) >= 2 and sys.argv[1] == "server":
        asyncio.run(server())
    elif len(sys.argv) >= 3 and sys.argv[1] == "client":
        asyncio.run(client(sys.argv[2:]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
