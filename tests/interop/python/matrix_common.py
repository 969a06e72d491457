"""The exchange every interop cell runs, for the Python programs of the
matrix (our sync/asyncio adapters and the python3-websockets peer).

The same script is written out in C (c/matrix.h), JavaScript
(node/script.js, node/page.html), Go (go/script.go) and Perl
(perl/MatrixScript.pm); README.md describes it. Keep them in step.

Results are one line each on stdout:

    RESULT {"impl": ..., "role": "server", "conn": "A", "ok": true, ...}

and a server announces its ports first:

    READY <port-A> <port-B> [<port-C>]

Connections: A, permessage-deflate with context takeover, closed by the
client; B, without context takeover, closed by the server; C, window bits
10 both ways with context takeover, closed by the client (servers that
cannot limit their window do not offer port C).
"""

from __future__ import annotations

import json
import sys
from typing import Any, Dict, List, Optional

TEXT = "héllo wörld ✓ 中文 😀 — libws interop"
BIN = bytes((i * 37 + 11) & 0xFF for i in range(1000))
LARGE = bytes(((i * 31 + (i >> 9)) & 0xFF) for i in range(1 << 20))
FRAG = 65536  # LARGE is sent in 16 fragments of this size
COMP = "compressible text — context takeover; " * 100
SERVER_PING = "server ping ✓".encode()
CLIENT_PING = "client ping ✓".encode()
CLOSE_A = (4000, "matrix done ✓")  # the client closes connections A and C
CLOSE_B = (4001, "server done ✓")  # the server closes connection B

# The messages the client sends, in order; the server echoes each.
SCRIPT: List[Any] = [TEXT, BIN, LARGE, COMP, COMP, COMP]
STEP_OF = ["text", "binary", "large", "compressed", "compressed", "compressed"]

STEPS = ["open", "deflate", "server-ping", "text", "client-ping", "binary", "large", "compressed", "rsv1", "close", "end"]

TIMEOUT = 10.0  # seconds for any one wait
WINDOW_BITS = 10  # connection C: server_max_window_bits and client_max_window_bits
CONNS = ("A", "B", "C")


def fragments(data: bytes, size: int = FRAG) -> List[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def describe(got: Any, want: Any) -> str:
    if type(got) is not type(want):
        return f"got {type(got).__name__} ({len(got) if hasattr(got, '__len__') else '?'}), want {type(want).__name__}"
    if len(got) != len(want):
        return f"got {len(got)} {'chars' if isinstance(got, str) else 'bytes'}, want {len(want)}"
    for i, (a, b) in enumerate(zip(got, want)):
        if a != b:
            return f"differs at offset {i}"
    return "equal"


class Report:
    """What one side saw on one connection; print() emits the RESULT line.
    The first failure is kept (later ones are usually consequences)."""

    def __init__(self, impl: str, role: str, conn: str) -> None:
        self.impl, self.role, self.conn = impl, role, conn
        self.passed: List[str] = []
        self.na: Dict[str, str] = {}
        self.failed = ""
        self.error = ""
        self.info: Dict[str, Any] = {}

    def ok(self, step: str) -> None:
        if step not in self.passed:
            self.passed.append(step)

    def fail(self, step: str, error: str) -> None:
        if not self.failed:
            self.failed, self.error = step, error
        print(f"[{self.impl} {self.role} {self.conn}] FAIL {step}: {error}", file=sys.stderr, flush=True)

    def check(self, step: str, cond: bool, error: str) -> bool:
        if cond:
            self.ok(step)
        else:
            self.fail(step, error)
        return cond

    def not_observable(self, step: str, why: str) -> None:
        self.na[step] = why

    def message(self, index: int, got: Any) -> bool:
        want = SCRIPT[index]
        return self.check(STEP_OF[index], got == want, f"message {index + 1}: {describe(got, want)}")

    def emit(self) -> None:
        for s in STEPS:
            if s not in self.passed and s not in self.na and not self.failed:
                self.fail(s, "not reached")
        line = {
            "impl": self.impl,
            "role": self.role,
            "conn": self.conn,
            "ok": not self.failed,
            "failed": self.failed,
            "error": self.error,
            "passed": self.passed,
            "na": self.na,
        }
        line.update(self.info)
        print("RESULT " + json.dumps(line, ensure_ascii=False), flush=True)


def deflate_info(params: Any) -> Optional[Dict[str, Any]]:
    """libws's DeflateParams (or None) as the RESULT's "deflate" field."""
    if params is None:
        return None
    return {
        "server_no_context_takeover": bool(params.server_no_context_takeover),
        "client_no_context_takeover": bool(params.client_no_context_takeover),
        "server_max_window_bits": int(params.server_max_window_bits),
        "client_max_window_bits": int(params.client_max_window_bits),
    }
