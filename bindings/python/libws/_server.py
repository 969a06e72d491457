"""The server side: :class:`ServerConnection` (re-exported by
:mod:`libws.connection` and :mod:`libws`)."""

from __future__ import annotations

from ctypes import byref, c_char_p
from typing import Any, Iterable, List, Mapping, Optional

from . import _ffi
from ._core import _F, _releasing
from .config import Deflate, Headers, as_c_int
from .constants import Role
from .connection import Connection
from .events import Request


class ServerConnection(Connection):
    """The server side: feed it the client's opening request (raw bytes,
    or :meth:`feed_request` with headers your HTTP code parsed).

    A valid request gives a :class:`~libws.Request` event and, unless
    ``manual_accept=True``, the 101 response is queued and
    :class:`~libws.Open` follows; with ``manual_accept=True`` call
    :meth:`accept` or :meth:`reject` after the Request. An invalid request
    is answered with 400, 426 or 431 and gives :class:`~libws.Rejected`.
    See :class:`Connection` for the options.
    """

    __slots__ = ()

    def __init__(
        self,
        *,
        subprotocols: Iterable[str] = (),
        extra_headers: Optional[Headers] = None,
        compression: "Deflate | bool | None" = None,
        max_message_size: Optional[int] = None,
        max_frame_size: Optional[int] = None,
        max_output: Optional[int] = None,
        max_queued: Optional[int] = None,
        max_handshake_size: Optional[int] = None,
        max_headers: Optional[int] = None,
        streaming: bool = False,
        chunk_per_frame: bool = False,
        validate_utf8: bool = True,
        auto_pong: bool = True,
        max_pings: Optional[int] = None,
        manual_accept: bool = False,
        allow_rsv: int = 0,
        allow_opcodes: Iterable[int] = (),
    ) -> None:
        opts = dict(
            subprotocols=tuple(subprotocols) if not isinstance(subprotocols, (str, bytes)) else subprotocols,
            extra_headers=extra_headers,
            compression=compression,
            max_message_size=max_message_size,
            max_frame_size=max_frame_size,
            max_output=max_output,
            max_queued=max_queued,
            max_handshake_size=max_handshake_size,
            max_headers=max_headers,
            streaming=streaming,
            chunk_per_frame=chunk_per_frame,
            validate_utf8=validate_utf8,
            auto_pong=auto_pong,
            max_pings=max_pings,
            manual_accept=manual_accept,
            allow_rsv=allow_rsv,
            allow_opcodes=allow_opcodes,
        )
        self._create(Role.SERVER, opts, lambda cfg, out: int(_F.ws_server_new(cfg, out)))

    @classmethod
    def from_asgi_scope(cls, scope: Mapping[str, Any], **options: Any) -> "ServerConnection":
        """A server connection fed the request of an ASGI ``websocket`` (or
        ``http``) scope. Options as for the constructor."""
        from .handshake import request_from_asgi_scope

        conn = cls(**options)
        try:
            conn.feed_request(*request_from_asgi_scope(scope))
        except BaseException:
            conn.free()
            raise
        return conn

    @classmethod
    def from_wsgi_environ(cls, environ: Mapping[str, Any], **options: Any) -> "ServerConnection":
        """A server connection fed the request of a WSGI environ. Options as
        for the constructor."""
        from .handshake import request_from_wsgi_environ

        conn = cls(**options)
        try:
            conn.feed_request(*request_from_wsgi_environ(environ))
        except BaseException:
            conn.free()
            raise
        return conn

    def feed_request(
        self,
        method: str,
        target: str,
        headers: Optional[Headers] = None,
        proto: str = "HTTP/1.1",
    ) -> None:
        """Feeds a request head your HTTP code parsed (``ws_feed_request``):
        method, request target ("/path?query"), header fields (a mapping or
        (name, value) pairs; bytes are Latin-1) and protocol. Then feed the
        bytes after the head with :meth:`receive_data`. Handshake failures
        are reported as events."""
        names, values, n = _ffi.header_arrays(headers)
        _releasing(self._views)
        self._call(
            _F.ws_feed_request,
            _ffi.cstr(method, "method"),
            _ffi.cstr(target, "target"),
            _ffi.cstr(proto, "proto"),
            names,
            values,
            n,
        )

    @property
    def request(self) -> Optional[Request]:
        """The :class:`~libws.Request` event once it was taken, else None."""
        return self._request

    def request_header(self, name: str, default: Optional[str] = None) -> Optional[str]:
        """The first value of a request header field (case-insensitive), or
        default. Valid after the :class:`~libws.Request` event."""
        vals = self._request_values(name, 1)
        return vals[0] if vals else default

    def request_headers(self, name: str) -> List[str]:
        """Every value of a request header field, in order."""
        return self._request_values(name, None)

    def _request_values(self, name: str, limit: Optional[int]) -> List[str]:
        nm = _ffi.cstr(name, "header name")
        h = self._enter()
        try:
            out: List[str] = []
            s = c_char_p()
            i = 0
            while limit is None or i < limit:
                rc = _F.ws_request_header(h, nm, i, byref(s))
                if rc < 0:
                    _ffi.raise_error(rc)
                if rc == 0:
                    break
                out.append(_ffi.pystr(s.value))
                i += 1
            return out
        finally:
            self._guard.append(1)

    def accept(
        self,
        subprotocol: Optional[str] = None,
        *,
        extensions: Optional[str] = None,
        headers: Optional[Headers] = None,
    ) -> None:
        """With ``manual_accept=True``: accepts the pending request with a
        101 response (an :class:`~libws.Open` event follows).

        Args:
            subprotocol: one the client offered, or None for the configured
                choice.
            extensions: extra Sec-WebSocket-Extensions response values for
                application extensions the client offered.
            headers: extra header fields.
        """
        names, values, n = _ffi.header_arrays(headers)
        self._call(
            _F.ws_accept,
            _ffi.cstr(subprotocol, "subprotocol"),
            _ffi.cstr(extensions, "extensions"),
            names,
            values,
            n,
        )

    def reject(self, status: int = 403, body: "str | bytes" = "", *, headers: Optional[Headers] = None) -> None:
        """With ``manual_accept=True``: refuses the pending request with an
        HTTP error (400-599) and body; the transport should be closed once
        the output is written (``hint`` becomes CLOSE)."""
        names, values, n = _ffi.header_arrays(headers)
        self._call(_F.ws_reject, as_c_int("status", status), _ffi.cstr(body, "body"), names, values, n)
