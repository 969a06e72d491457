"""Opening requests parsed elsewhere: build the arguments of
:meth:`libws.ServerConnection.feed_request` from an ASGI scope or a WSGI
environ.

These helpers only rearrange what the server already parsed (method,
target, header fields); libws validates the request.
"""

from __future__ import annotations

from typing import Any, List, Mapping, NamedTuple, Tuple
from urllib.parse import quote

__all__ = ["HTTPRequest", "request_from_asgi_scope", "request_from_wsgi_environ"]


class HTTPRequest(NamedTuple):
    """A request head: the arguments of
    :meth:`~libws.ServerConnection.feed_request`, in order."""

    method: str
    target: str
    headers: Tuple[Tuple[str, str], ...]
    proto: str = "HTTP/1.1"


def _latin1(v: Any) -> str:
    if isinstance(v, (bytes, bytearray)):
        return bytes(v).decode("latin-1")
    return str(v)


def request_from_asgi_scope(scope: Mapping[str, Any]) -> HTTPRequest:
    """The request of an ASGI ``websocket`` (or ``http``) connection scope:
    method (GET for websocket scopes), target from ``raw_path`` (else the
    percent-encoded ``path``) and ``query_string``, the header list and
    ``http_version``."""
    if scope.get("type") not in ("websocket", "http"):
        raise ValueError(f"not an ASGI websocket or http scope: type {scope.get('type')!r}")
    raw = scope.get("raw_path")
    if raw:
        target = _latin1(raw)
    else:
        target = quote(scope.get("path") or "/", safe="/:@!$&'()*+,;=-._~")
    qs = scope.get("query_string") or b""
    if qs:
        target += "?" + _latin1(qs)
    headers = tuple((_latin1(k), _latin1(v)) for k, v in scope.get("headers") or ())
    version = scope.get("http_version") or "1.1"
    return HTTPRequest(scope.get("method", "GET"), target, headers, "HTTP/" + str(version))


def request_from_wsgi_environ(environ: Mapping[str, Any]) -> HTTPRequest:
    """The request of a WSGI environ (PEP 3333): REQUEST_METHOD, the target
    from REQUEST_URI/RAW_URI when the server provides it (else SCRIPT_NAME,
    PATH_INFO and QUERY_STRING), the ``HTTP_*`` fields (and CONTENT_TYPE,
    CONTENT_LENGTH) as header fields, and SERVER_PROTOCOL."""
    target = environ.get("REQUEST_URI") or environ.get("RAW_URI")
    if not target:
        # PEP 3333 strings are bytes decoded as Latin-1.
        path = (environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")) or "/"
        target = quote(path.encode("latin-1"), safe="/:@!$&'()*+,;=-._~")
        if environ.get("QUERY_STRING"):
            target += "?" + environ["QUERY_STRING"]
    headers: List[Tuple[str, str]] = []
    for key, value in environ.items():
        if not isinstance(key, str):
            continue
        if key.startswith("HTTP_"):
            name = key[5:]
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH") and value:
            name = key
        else:
            continue
        headers.append(("-".join(w.capitalize() for w in name.split("_")), _latin1(value)))
    return HTTPRequest(
        environ.get("REQUEST_METHOD", "GET"),
        target,
        tuple(headers),
        environ.get("SERVER_PROTOCOL") or "HTTP/1.1",
    )
