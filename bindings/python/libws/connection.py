"""The sans-I/O connection: bytes in, events out; messages in, bytes out.

A :class:`Connection` wraps one ``ws_conn``. It does no I/O: you read from
your transport and call :meth:`Connection.receive_data`, take
:meth:`Connection.events`, and write :meth:`Connection.data_to_send`::

    conn = ServerConnection()
    while True:
        data = sock.recv(65536)
        if data:
            conn.receive_data(data)
        else:
            conn.receive_eof()
        for event in conn.events():
            if isinstance(event, TextMessage):
                conn.send_text(event.data)
        sock.sendall(conn.data_to_send())
        if conn.close_expected():
            break

Every protocol decision is libws's; this module converts types, maps
status codes to exceptions and keeps borrowed memory safe.

The connection is split by concern (issue 15): :class:`Connection` here
holds its lifetime, construction and state; its bases hold receiving
(``_receive``: input and events) and sending (``_send``: messages, control
frames and output), over the call guard and the buffers they share
(``_core``). :class:`ClientConnection` is in ``_client``,
:class:`ServerConnection` in ``_server``. Every name this module held
before the split is still importable from it.
"""

from __future__ import annotations

import codecs
import sys
import time
from ctypes import byref, c_size_t, c_void_p
from typing import Any, Callable, List, Mapping, Optional, Tuple, Type, TypeVar

from . import _ffi
from ._core import _F, _deflate_params, _handshake_failure, _new, _releasing
from ._held import HeldInput
from ._receive import _W_BINARY, _W_TEXT, _Receiving
from ._send import _Sending
from .config import build_config
from .constants import HandshakeFailure, Hint, Role, State
from .errors import InvalidArgument
from .events import Close, DeflateParams, MessageView, Request

# ---- names kept for importers -----------------------------------------------------
# Every name this module held before the split stays importable from it
# (``from libws.connection import X``): the parts' constants and helpers,
# and what it imported then.
import itertools  # noqa: F401
import struct  # noqa: F401
import threading  # noqa: F401
from ctypes import addressof, c_char, c_char_p, c_int  # noqa: F401
from typing import Iterable, Iterator, NoReturn, Union  # noqa: F401

from ._core import (  # noqa: F401
    _EV_FULL,
    _MEM,
    BATCH,
    EV_SIZE,
    OUT_CAP,
    BytesLike,
    _EventBuffer,
    _evbuf,
    _get_str,
    _response_headers,
)
from ._receive import (  # noqa: F401
    _EV_FMT,
    _HEAD,
    _Q,
    _RUN_SPAN,
    _ST_CLOSING,
    _TAIL,
    _WB_RUN,
    _WT_RUN,
    EV_BINARY,
    EV_CLOSE,
    EV_CONTROL,
    EV_DATA,
    EV_OPEN,
    EV_PING,
    EV_PONG,
    EV_REJECTED,
    EV_REQUEST,
    EV_TEXT,
    EVF_COMPRESSED,
    EVF_FIRST,
    EVF_LAST,
    _accumulate,
    _chain,
    _detaching,
    _head,
    _iter_unpack,
    _pairwise,
    _set_mv,
)
from ._send import _RAW_LIMIT, SEND_COMPRESS, SEND_NO_COMPRESS, MessageWriter, _opt_flags  # noqa: F401
from .config import Deflate, Headers, as_c_int, as_int  # noqa: F401
from .constants import Initiator, Opcode  # noqa: F401
from .errors import E_CLOSED as _E_CLOSED  # noqa: F401
from .errors import BadHandle, Busy, Forked, InvalidState, OutputFull  # noqa: F401
from .events import (  # noqa: F401
    BytesChunk,
    BytesMessage,
    Control,
    Event,
    Frame,
    HeaderList,
    Open,
    Ping,
    Pong,
    Rejected,
    TextChunk,
    TextMessage,
    UnknownEvent,
)


__all__ = ["Connection", "ClientConnection", "ServerConnection", "MessageWriter"]

C = TypeVar("C", bound="Connection")


class Connection(_Receiving, _Sending):
    """A WebSocket connection (one ``ws_conn``): the sans-I/O core.

    Make one with :class:`ClientConnection`, :class:`ServerConnection` or
    :meth:`Connection.open`; release it with :meth:`free` or a ``with``
    block (a finalizer frees it too).

    Threads: a connection may be used from any thread but by one at a time;
    a call made while another thread is inside a call on the same
    connection raises :class:`~libws.Busy` at once. Different connections
    are independent.

    Options (keyword-only, shared by every constructor):
        subprotocols: client: offered, in order; server: supported (the
            first the client offers that is supported is chosen).
        extra_headers: header fields added to the client's request or the
            server's 101 response (a mapping or (name, value) pairs).
        compression: a :class:`~libws.Deflate` (or True for its defaults)
            to offer/accept permessage-deflate; None (default) for none.
        max_message_size: bytes of a received message after inflating
            (None: 64 MiB; -1: unlimited); over → close 1009.
        max_frame_size: bytes of one received frame (None: 64 MiB).
        max_output: unsent output at which sends raise
            :class:`~libws.OutputFull` (None: 64 MiB).
        max_queued: the receive budget, bytes of events libws queues
            before it stops consuming input (None: 1 MiB; -1: unlimited):
            the rest of :meth:`receive_data`'s input waits in the
            connection until the events are taken (see there).
        max_handshake_size: bytes of the HTTP head (None: 16 KiB).
        max_headers: header lines in the HTTP head (None: 100).
        streaming: deliver messages as :class:`~libws.TextChunk` /
            :class:`~libws.BytesChunk` as data arrives.
        chunk_per_frame: with streaming, one chunk per complete frame.
        validate_utf8: check text is UTF-8, sent and received (default
            True). When False, received text is decoded with
            ``surrogateescape`` and sent str is encoded the same way.
        auto_pong: answer pings automatically (default True).
        max_pings: unanswered heartbeat pings before closing with 1008
            (None: 3).
        allow_rsv: RSV bits an application extension claims.
        allow_opcodes: reserved opcodes an application extension claims.
    """

    __slots__ = (
        "_h",
        "_hv",
        "_guard",
        "_role",
        "_views",
        "_outv",
        "_errors",
        "_incremental",
        "_decoder",
        "_streaming",
        "_wt",
        "_wb",
        "_request",
        "_close",
        "_optr",
        "_olen",
        "_optr_ref",
        "_olen_ref",
        "_big_output",
        "_sent_close",
        "_held",
        "__weakref__",
    )

    _h: int
    _hv: c_void_p

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("use ClientConnection(url), ServerConnection() or Connection.open(role)")

    # ---- construction ---------------------------------------------------

    def _setup(self, role: Role, options: Mapping[str, Any]) -> None:
        self._h = 0
        # Input ws_feed left because its receive budget was full.
        self._held: Optional[HeldInput] = None
        # The call guard: a one-token list. Taking the token (list.pop, one
        # step under the GIL) marks the connection in use; putting it back
        # (append) ends the call. Cheaper than a Lock on every call.
        self._guard: List[int] = [1]
        self._role = role
        # MessageViews handed out since the last feed (their data is libws's).
        self._views: List[MessageView] = []
        self._outv: Optional[memoryview] = None
        validate = options.get("validate_utf8", True)
        self._errors = "strict" if validate else "surrogateescape"
        # Text chunks end on character boundaries (ws.h) except with
        # chunk_per_frame or without validation: then decode incrementally.
        self._incremental = bool(options.get("chunk_per_frame")) or not validate
        self._decoder: Optional[codecs.IncrementalDecoder] = None
        # The hot loop's whole-message heads (never matched when streaming:
        # then every message comes as chunks, even a one-frame one).
        self._streaming = bool(options.get("streaming"))
        self._wt = -1 if self._streaming else _W_TEXT
        self._wb = -1 if self._streaming else _W_BINARY
        self._request: Optional[Request] = None
        self._close: Optional[Close] = None
        self._optr = c_void_p()
        self._olen = c_size_t()
        self._optr_ref = byref(self._optr)
        self._olen_ref = byref(self._olen)
        # data_to_send: the last output did not fit OUT_CAP (see there).
        self._big_output = False
        # close() queued our close frame (see close_queued).
        self._sent_close = False

    def _create(self, role: Role, options: Mapping[str, Any], make: Callable[[int, Any], int]) -> None:
        self._setup(role, options)
        _ffi.lib()
        cfg = build_config(role, **options)
        out = c_void_p()
        try:
            rc = make(cfg, byref(out))
            if rc < 0:
                _ffi.raise_error(rc)
        finally:
            _F.ws_config_free(cfg)
        assert out.value
        self._h = out.value
        self._hv = out  # the handle as a c_void_p, for the raw functions

    @classmethod
    def open(
        cls: Type[C],
        role: "Role | str | int | None" = None,
        *,
        subprotocol: Optional[str] = None,
        extensions: Optional[str] = None,
        **options: Any,
    ) -> C:
        """A connection already OPEN, for programs that did the HTTP
        handshake themselves (their own HTTP server, a proxy):
        ``ws_conn_new_open``.

        Args:
            role: ``Role.CLIENT``/``Role.SERVER`` (or "client"/"server");
                implied by ``ClientConnection.open``/``ServerConnection.open``.
            subprotocol: the 101 response's Sec-WebSocket-Protocol value.
            extensions: its Sec-WebSocket-Extensions value; a
                permessage-deflate element there is applied (the
                ``compression`` option is not needed for it).
            **options: as for the other constructors.

        Feed the bytes that follow the HTTP head to :meth:`receive_data`.
        """
        implied = {ClientConnection: Role.CLIENT, ServerConnection: Role.SERVER}.get(cls)
        if role is None:
            if implied is None:
                raise InvalidArgument("Connection.open needs a role (Role.CLIENT or Role.SERVER)")
            role = implied
        r = _role(role)
        if implied is not None and r != implied:
            raise InvalidArgument(f"{cls.__name__}.open: role {r.name} does not match the class")
        target: Type[Connection] = ClientConnection if r == Role.CLIENT else ServerConnection
        self = _new(target)
        sp = _ffi.cstr(subprotocol, "subprotocol")
        ex = _ffi.cstr(extensions, "extensions")
        self._create(r, options, lambda cfg, out: int(_F.ws_conn_new_open(cfg, sp, ex, out)))
        return self  # type: ignore[return-value]

    # ---- lifetime ---------------------------------------------------------

    def free(self) -> None:
        """Releases the connection and its memory (``ws_conn_free``). Later
        calls raise :class:`~libws.BadHandle`; calling it again does
        nothing. Waits for a call in progress on another thread."""
        h = self._h
        if not h:
            return
        if _ffi.forked:
            self._h = 0
            return
        self._wait_token()
        try:
            h = self._h
            if not h:
                return
            self._h = 0
            self._held = None
            _releasing(self._views)
            self._drop_output_view()
            _F.ws_conn_free(h)
        finally:
            self._guard.append(1)

    def _wait_token(self) -> None:
        """Takes the call guard, waiting for a call in progress on another
        thread to end."""
        delay = 0.00005
        while True:
            try:
                self._guard.pop()
                return
            except IndexError:
                time.sleep(delay)
                delay = min(delay * 2, 0.005)

    @property
    def freed(self) -> bool:
        """True once :meth:`free` was called."""
        return not self._h

    def __enter__(self: C) -> C:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.free()

    def __del__(self) -> None:
        try:
            h = self._h
        except AttributeError:
            return  # the constructor failed
        if not h:
            return
        try:
            if _ffi.forked or sys.is_finalizing():
                return  # the process ends anyway; never call into a dead runtime
            try:
                self._guard.pop()
            except IndexError:
                return  # a call is in progress (on this thread, in a GC pass)
            try:
                self._h = 0
                _F.ws_conn_free(h)
            finally:
                self._guard.append(1)
        except Exception:
            pass

    def __repr__(self) -> str:
        if not self._h:
            what = "freed"
        elif _ffi.forked:
            what = "unusable after fork"
        else:
            try:
                what = self.state.name
            except Exception as e:  # Busy, ...
                what = type(e).__name__
        return f"<{type(self).__name__} {what}>"

    # ---- state ------------------------------------------------------------------

    @property
    def role(self) -> Role:
        """The connection's side."""
        return self._role

    @property
    def state(self) -> State:
        """The connection's state."""
        return State(self._call(_F.ws_state))

    @property
    def hint(self) -> Hint:
        """What to do with the transport once the output is written."""
        return Hint(self._call(_F.ws_hint))

    def close_expected(self) -> bool:
        """True when the transport should be closed (or shut down for
        writing) once the output is written: ``hint != Hint.NONE``."""
        return self._call(_F.ws_hint) != Hint.NONE

    @property
    def failure(self) -> str:
        """What ended the connection (a peer fault, a failed handshake, an
        unanswered heartbeat), or ""."""
        h = self._enter()
        try:
            return _ffi.pystr(_F.ws_conn_failure(h))
        finally:
            self._guard.append(1)

    @property
    def handshake_failure(self) -> Tuple[HandshakeFailure, str]:
        """Why the opening handshake failed: (kind, header field at fault
        or ""), ``(HandshakeFailure.NONE, "")`` if it did not
        (``ws_handshake_failure``). The message is :attr:`failure`."""
        h = self._enter()
        try:
            return _handshake_failure(h)
        finally:
            self._guard.append(1)

    @property
    def subprotocol(self) -> Optional[str]:
        """The agreed subprotocol, or None."""
        return self._str(_F.ws_subprotocol) or None

    @property
    def extensions(self) -> str:
        """The Sec-WebSocket-Extensions value in use ("" if none)."""
        return self._str(_F.ws_extensions)

    @property
    def deflate_params(self) -> Optional[DeflateParams]:
        """The agreed permessage-deflate parameters, or None."""
        h = self._enter()
        try:
            return _deflate_params(h)
        finally:
            self._guard.append(1)

    @property
    def memory(self) -> int:
        """Bytes of buffers and compression history the connection holds."""
        h = self._enter()
        try:
            rc = _F.ws_memory(h)
            if rc < 0:
                _ffi.raise_error(rc)
            return rc  # type: ignore[no-any-return]
        finally:
            self._guard.append(1)

    def shrink(self) -> None:
        """Releases buffer memory not needed now (e.g. on an idle timer).
        Event views are released."""
        h = self._enter()
        try:
            if self._views:
                _releasing(self._views)
            rc = _F.ws_shrink(h)
            if rc < 0:
                _ffi.raise_error(rc)
        finally:
            self._guard.append(1)

    @property
    def close_code(self) -> Optional[int]:
        """The code of the :class:`~libws.Close` event taken, or None."""
        return None if self._close is None else self._close.code

    @property
    def close_reason(self) -> Optional[str]:
        """The reason of the :class:`~libws.Close` event taken, or None."""
        return None if self._close is None else self._close.reason


# ---- helpers ----------------------------------------------------------------------


def _role(role: Any) -> Role:
    if isinstance(role, str):
        try:
            return Role[role.upper()]
        except KeyError:
            raise InvalidArgument(f"role must be 'client' or 'server', not {role!r}") from None
    try:
        return Role(role)
    except ValueError:
        raise InvalidArgument(f"role must be Role.CLIENT or Role.SERVER, not {role!r}") from None


# The sides subclass Connection (their modules import this one), so they are
# imported once it exists; Connection.open finds them here when called.
from ._client import ClientConnection  # noqa: E402
from ._server import ServerConnection  # noqa: E402

# The bases are not names of this module: its names stay those it had
# before the split.
del _Receiving, _Sending
