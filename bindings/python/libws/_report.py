"""What the I/O helpers (:mod:`libws.sync`, :mod:`libws.asyncio`) tell the
user when something goes wrong: their loggers, the wording of handshake
failures, and the checking of ``connect``'s URI.

Loggers (standard :mod:`logging`; the library configures no handler but a
``NullHandler`` on ``libws``, so nothing is printed unless the application
configures logging):

``libws.server``
    ``serve`` in both helpers. ERROR with the traceback: a connection
    handler (or ``process_request``) raised ("connection handler failed";
    the client gets 1011). INFO: an opening handshake refused
    (``process_request``'s answer) or failed (libws's reason, a timeout,
    the transport ending, TLS); a connection failed because of the peer's
    data (the close code and reason libws sent: 1002, 1007, 1009, ...; or
    an unanswered heartbeat).

``libws.client``
    ``connect`` in both helpers. INFO: a connection failed because of the
    server's data, as above. DEBUG: a failed opening handshake (it is
    raised to the caller anyway).

Each message starts with the peer (``host:port``) it concerns.
"""

from __future__ import annotations

import logging
import re
import ssl
from typing import Any, Optional, Tuple
from urllib.parse import urlsplit

from .errors import InvalidArgument, InvalidURI, LibwsError
from .events import Rejected

server_logger = logging.getLogger("libws.server")
client_logger = logging.getLogger("libws.client")

#: How many bytes of a quoted value (a status line, a header) a message
#: shows at most.
QUOTE_LIMIT = 40


def peer_name(addr: Any) -> str:
    """"host:port" ("[v6]:port") for a socket address; "?" if unknown."""
    if isinstance(addr, tuple) and len(addr) >= 2:
        host, port = addr[0], addr[1]
        return f"[{host}]:{port}" if ":" in str(host) else f"{host}:{port}"
    return str(addr) if addr else "?"


# ---- wording -----------------------------------------------------------------

# A double-quoted string as libws writes them (Go's %q), and the "..."
# libws appends when it cut one.
_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"(\.\.\.)?')
_ESCAPES = {"a": 7, "b": 8, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11, "\\": 92, '"': 34, "'": 39}
_NAMED = {9: "\\t", 10: "\\n", 13: "\\r", 34: '\\"', 92: "\\\\"}


def _unquote(body: str) -> bytes:
    """The bytes of a Go-quoted string's body (escapes undone)."""
    out = bytearray()
    i, n = 0, len(body)
    while i < n:
        c = body[i]
        if c != "\\" or i + 1 >= n:
            out += c.encode("utf-8", "surrogateescape")
            i += 1
            continue
        e = body[i + 1]
        width = {"x": 2, "u": 4, "U": 8}.get(e)
        if width is not None:
            digits = body[i + 2 : i + 2 + width]
            try:
                v = int(digits, 16)
            except ValueError:
                out += b"\\" + e.encode()
                i += 2
                continue
            out += bytes([v]) if e == "x" else chr(v).encode("utf-8", "surrogatepass")
            i += 2 + width
        elif e in _ESCAPES:
            out.append(_ESCAPES[e])
            i += 2
        else:
            out += b"\\" + e.encode("utf-8", "surrogateescape")
            i += 2
    return bytes(out)


def _escape(data: bytes) -> str:
    """data for a message: printable text as it is, anything else escaped
    (\\xNN, \\n, ...), so no control byte reaches a terminal or a log."""
    out = []
    for ch in data.decode("utf-8", "surrogateescape"):
        o = ord(ch)
        if o in _NAMED:
            out.append(_NAMED[o])
        elif 0xDC80 <= o <= 0xDCFF:  # a byte that is not UTF-8
            out.append(f"\\x{o - 0xDC00:02x}")
        elif ch.isprintable():
            out.append(ch)
        elif o < 0x100:
            out.append(f"\\x{o:02x}")
        else:
            out.append(f"\\u{o:04x}" if o < 0x10000 else f"\\U{o:08x}")
    return "".join(out)


def quote_short(data: bytes, limit: int = QUOTE_LIMIT, cut: bool = False) -> str:
    """data quoted for a message: at most limit bytes, escaped, in double
    quotes, followed by "..." when data was longer (or cut already)."""
    more = cut or len(data) > limit
    return f'"{_escape(data[:limit])}"' + ("..." if more else "")


def shorten_quoted(text: str, limit: int = QUOTE_LIMIT) -> str:
    """text with every double-quoted value in it (libws quotes what it
    received: a status line, a header) cut to limit bytes and escaped."""

    def one(m: "re.Match[str]") -> str:
        return quote_short(_unquote(m.group(1)), limit, bool(m.group(2)))

    return _QUOTED.sub(one, text)


def libws_reason(reason: str) -> str:
    """libws's reason without its prefixes ("ws: ", "handshake: "): the
    message that holds it says that already."""
    reason = reason.strip()
    changed = True
    while changed:
        changed = False
        for prefix in ("ws: ", "handshake: "):
            if reason.startswith(prefix):
                reason = reason[len(prefix) :].lstrip()
                changed = True
    return reason


def handshake_failure(ev: Rejected) -> str:
    """The message for a failed opening handshake: "the opening handshake
    failed: " and libws's reason (without its "handshake: " prefix), which
    says what the peer sent (quoted values cut to QUOTE_LIMIT bytes,
    escaped) and, for a refusal, its status. A reason that names the
    handshake itself stands alone."""
    reason = shorten_quoted(libws_reason(ev.reason))
    if not reason:
        reason = f"HTTP status {ev.status}" if ev.status else "no reason given"
    elif "handshake" in reason:
        return reason  # "connection closed during the opening handshake"
    return f"the opening handshake failed: {reason}"


def handshake_exception(e: BaseException) -> str:
    """What a server logs for an opening handshake that ended with e."""
    if isinstance(e, ssl.SSLError):
        return f"the TLS handshake failed: {e}"
    if isinstance(e, TimeoutError) or type(e).__name__ == "TimeoutError":  # asyncio's, before 3.11
        return str(e) if str(e).startswith("the opening") else "the opening handshake timed out"
    if isinstance(e, LibwsError):
        return str(e)
    return f"the opening handshake failed: {type(e).__name__}: {e}"


# ---- URIs --------------------------------------------------------------------


def parse_uri(uri: str) -> Tuple[bool, str, int]:
    """(secure, host, port) of a ws:// or wss:// URI, for connecting.
    libws judges the URI (as :class:`~libws.ClientConnection` does: the
    scheme, a host, a port in 1-65535, no fragment, no user information),
    in its words.

    Raises:
        InvalidURI: the URI is not one libws makes a request from.
    """
    from .connection import ClientConnection  # the library is loaded on first use

    try:
        ClientConnection(uri).free()
    except InvalidArgument as e:
        raise InvalidURI(libws_reason(e.message) or f"invalid URI {uri!r}", e.code, uri=uri) from None
    try:
        u = urlsplit(uri)
        port: Optional[int] = u.port
    except ValueError as e:  # libws accepted it: should not happen
        raise InvalidURI(f"invalid URI {uri!r}: {e}", uri=uri) from None
    secure = u.scheme.lower() == "wss"
    if not u.hostname:
        raise InvalidURI(f"invalid URI {uri!r}: no host", uri=uri)
    return secure, u.hostname, port or (443 if secure else 80)
