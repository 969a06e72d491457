"""Shared helpers of the binding's tests."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from typing import Any, Dict, List, Optional, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BINDING = os.path.join(ROOT, "bindings", "python")
LIBRARY = os.path.join(ROOT, "build", "libws.so.1")

if BINDING not in sys.path:
    sys.path.insert(0, BINDING)

import libws  # noqa: E402
from libws import ClientConnection, Connection, Event, ServerConnection  # noqa: E402


def handshake(
    client: Optional[Dict[str, Any]] = None,
    server: Optional[Dict[str, Any]] = None,
    url: str = "ws://example.com/chat",
) -> Tuple[ClientConnection, ServerConnection, List[Event], List[Event]]:
    """A client and a server connection, handshake done in memory: (c, s,
    client events, server events)."""
    c = ClientConnection(url, **(client or {}))
    s = ServerConnection(**(server or {}))
    s.receive_data(c.data_to_send())
    sev = list(s.events())
    c.receive_data(s.data_to_send())
    cev = list(c.events())
    return c, s, cev, sev


def pump(src: Connection, dst: Connection, *, bytewise: bool = False) -> List[Event]:
    """Moves src's output into dst; returns dst's events."""
    data = src.data_to_send()
    if bytewise:
        out: List[Event] = []
        for i in range(len(data)):
            dst.receive_data(data[i : i + 1])
            out.extend(dst.events())
        return out
    dst.receive_data(data)
    return list(dst.events())


def run_python(code: str, *, timeout: float = 30, env: Optional[Dict[str, str]] = None) -> subprocess.CompletedProcess:
    """Runs code in a fresh interpreter (this one) with the binding on the
    path; never hangs longer than timeout."""
    e = dict(os.environ)
    e["PYTHONPATH"] = BINDING + os.pathsep + e.get("PYTHONPATH", "")
    if env:
        for k, v in env.items():
            if v is None:
                e.pop(k, None)
            else:
                e[k] = v
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=e,
        cwd="/",
    )
