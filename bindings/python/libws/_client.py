"""The client side: :class:`ClientConnection` (re-exported by
:mod:`libws.connection` and :mod:`libws`)."""

from __future__ import annotations

from ctypes import byref, c_char_p
from typing import Iterable, Optional

from . import _ffi
from ._core import _F, _releasing, _response_headers
from .config import Deflate, Headers, as_c_int
from .constants import Role
from .connection import Connection
from .events import HeaderList


class ClientConnection(Connection):
    """The client side: ``ClientConnection("ws://host:port/path", ...)``.

    The opening request is queued at once: write :meth:`data_to_send` to
    the transport, then feed the server's answer (or
    :meth:`feed_response` a response your code parsed). An
    :class:`~libws.Open` event (or :class:`~libws.Rejected`) follows.

    Client-only options: ``origin`` (the Origin field),
    ``extension_offers`` (raw Sec-WebSocket-Extensions offers for
    application extensions) and ``key`` (the Sec-WebSocket-Key to send,
    base64 of 16 bytes: for tests and reproducible transcripts only — by
    default every connection gets a fresh random key, as RFC 6455
    requires). See :class:`Connection` for the others.
    """

    __slots__ = ()

    def __init__(
        self,
        url: str,
        *,
        subprotocols: Iterable[str] = (),
        extra_headers: Optional[Headers] = None,
        origin: Optional[str] = None,
        key: Optional[str] = None,
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
        allow_rsv: int = 0,
        allow_opcodes: Iterable[int] = (),
        extension_offers: Iterable[str] = (),
    ) -> None:
        opts = dict(
            subprotocols=tuple(subprotocols) if not isinstance(subprotocols, (str, bytes)) else subprotocols,
            extra_headers=extra_headers,
            origin=origin,
            key=key,
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
            allow_rsv=allow_rsv,
            allow_opcodes=allow_opcodes,
            extension_offers=tuple(extension_offers) if not isinstance(extension_offers, (str, bytes)) else extension_offers,
        )
        u = _ffi.cstr(url, "url")
        self._create(Role.CLIENT, opts, lambda cfg, out: int(_F.ws_client_new(cfg, u, out)))

    def feed_response(self, status: int, headers: Optional[Headers] = None, reason: Optional[str] = None) -> None:
        """Feeds a response head your code parsed (status, header fields,
        reason phrase) instead of raw bytes (``ws_feed_response``); then
        feed the bytes after the head with :meth:`receive_data`."""
        names, values, n = _ffi.header_arrays(headers)
        _releasing(self._views)
        self._call(_F.ws_feed_response, as_c_int("status", status), _ffi.cstr(reason, "reason"), names, values, n)

    @property
    def response_status(self) -> int:
        """The HTTP status of the server's answer (101 when accepted), 0
        before one arrived."""
        return self._call(_F.ws_response_status)

    @property
    def response_headers(self) -> HeaderList:
        """The header fields of the server's answer, (name, value) pairs in
        the order received (``ws_response_header_at``); () before one
        arrived. The :class:`~libws.Open` (or :class:`~libws.Rejected`)
        event carries them too."""
        h = self._enter()
        try:
            return _response_headers(h)
        finally:
            self._guard.append(1)

    def response_header(self, name: str, default: Optional[str] = None) -> Optional[str]:
        """The first value of a header field of the server's answer
        (case-insensitive, ``ws_response_header``), or default (also before
        an answer arrived)."""
        nm = _ffi.cstr(name, "header name")
        h = self._enter()
        try:
            s = c_char_p()
            rc = _F.ws_response_header(h, nm, 0, byref(s))
            if rc <= 0:
                return default  # absent, or WS_E_STATE: no answer yet
            return _ffi.pystr(s.value)
        finally:
            self._guard.append(1)

    @property
    def key(self) -> str:
        """The Sec-WebSocket-Key this client sent (``ws_client_key``)."""
        return self._str(_F.ws_client_key)
