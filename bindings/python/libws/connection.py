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
"""

from __future__ import annotations

import codecs
import itertools
import struct
import sys
import threading
import time
from ctypes import addressof, byref, c_char, c_char_p, c_int, c_size_t, c_void_p
from typing import (
    Any,
    Callable,
    Iterable,
    Iterator,
    List,
    Mapping,
    NoReturn,
    Optional,
    Tuple,
    Type,
    TypeVar,
    Union,
)

from . import _ffi
from ._held import HeldInput
from .config import Deflate, Headers, as_c_int, as_int, build_config
from .constants import HandshakeFailure, Hint, Initiator, Opcode, Role, State
from .errors import E_CLOSED as _E_CLOSED
from .errors import (
    BadHandle,
    Busy,
    Forked,
    InvalidArgument,
    InvalidState,
    OutputFull,
)
from .events import (
    BytesChunk,
    BytesMessage,
    Close,
    Control,
    DeflateParams,
    Event,
    Frame,
    HeaderList,
    MessageView,
    Open,
    Ping,
    Pong,
    Rejected,
    Request,
    TextChunk,
    TextMessage,
    UnknownEvent,
)

__all__ = ["Connection", "ClientConnection", "ServerConnection", "MessageWriter"]

BytesLike = Union[bytes, bytearray, memoryview]
C = TypeVar("C", bound="Connection")

# ---- ws_event ------------------------------------------------------------------

# struct ws_event { u32 size; u8 type, opcode, rsv, flags; u16 code; u8
# initiator, reserved0; u32 reserved1; const u8 *data; size_t len; }
_EV_FULL = struct.Struct("@IBBBBHBBIPN")
EV_SIZE = _EV_FULL.size
# The hot loop reads each event as (head, tail, data, len): head packs size,
# type, opcode, rsv and flags; whole text/binary messages are recognised by
# comparing head with one integer.
_EV_FMT = "@QQPN"
assert struct.calcsize(_EV_FMT) == EV_SIZE
_HEAD = struct.Struct("@IBBBB")
_TAIL = struct.Struct("@HBBI")
_Q = struct.Struct("@Q")

EV_REQUEST = 1
EV_OPEN = 2
EV_REJECTED = 3
EV_TEXT = 4
EV_BINARY = 5
EV_DATA = 6
EV_PING = 7
EV_PONG = 8
EV_CONTROL = 9
EV_CLOSE = 10

EVF_FIRST = 1
EVF_LAST = 2
EVF_COMPRESSED = 4

SEND_NO_COMPRESS = 1
SEND_COMPRESS = 2


def _head(etype: int, opcode: int, flags: int) -> int:
    return int(_Q.unpack(_HEAD.pack(EV_SIZE, etype, opcode, 0, flags))[0])


_W_TEXT = _head(EV_TEXT, Opcode.TEXT, EVF_FIRST | EVF_LAST)
_W_BINARY = _head(EV_BINARY, Opcode.BINARY, EVF_FIRST | EVF_LAST)

#: Events taken per ws_next_events call.
BATCH = 256
_ST_CLOSING = int(State.CLOSING)

# A batch made only of whole text (binary) messages has these heads.
_WT_RUN = _Q.pack(_W_TEXT) * BATCH
_WB_RUN = _Q.pack(_W_BINARY) * BATCH
#: Such a batch whose payloads lie back to back in libws's memory, at most
#: this many bytes per message on average, is converted in one piece.
_RUN_SPAN = 1024

#: Bytes of output data_to_send copies in its one ws_output_copy call (more
#: takes two more calls).
OUT_CAP = 16384


class _EventBuffer(threading.local):
    """Per-thread buffers: an array of ws_event for ws_next_events and the
    landing place of ws_output_copy (a connection is used by one thread at
    a time, so the thread's buffers are free)."""

    def __init__(self) -> None:
        self.raw = bytearray(EV_SIZE * BATCH)
        # Only evs[0].size is read by libws, but every record carries it so
        # that the hot loop's one-integer comparison matches.
        for i in range(BATCH):
            _EV_FULL.pack_into(self.raw, i * EV_SIZE, EV_SIZE, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        self.carr = c_char.from_buffer(self.raw)
        self.addr = addressof(self.carr)
        self.mv = memoryview(self.raw)
        self.oraw = bytearray(OUT_CAP)
        self.ocarr = c_char.from_buffer(self.oraw)
        # (address, view): one thread-local lookup in data_to_send.
        self.out = (c_void_p(addressof(self.ocarr)), memoryview(self.oraw))


_evbuf = _EventBuffer()
_iter_unpack = struct.iter_unpack
_chain = itertools.chain.from_iterable
_accumulate = itertools.accumulate
_pairwise = itertools.pairwise
_new = object.__new__
_MEM = _ffi.MEMORY
_set_mv = tuple(
    getattr(MessageView, f).__set__ for f in ("opcode", "data", "first", "last", "compressed", "rsv")
)

_F: Any = _ffi.fn
_RAW_LIMIT = _ffi.RAW_INT_LIMIT


def _releasing(views: List[MessageView]) -> None:
    for o in views:
        try:
            o.data.release()
        except BufferError:
            pass  # a view derived from it is still exported: see MessageView
    views.clear()


def _detaching(views: List[MessageView]) -> None:
    """Before a feed the caller did not ask for (held-back input): the
    views already handed out get copies of their data, so they stay valid;
    the views into libws's memory are released."""
    set_data = _set_mv[1]
    for o in views:
        d = o.data
        set_data(o, memoryview(d.tobytes()))
        try:
            d.release()
        except BufferError:
            pass  # derived views are the caller's: see MessageView
    views.clear()


def _opt_flags(compress: Optional[bool]) -> int:
    if compress is None:
        return 0
    return SEND_COMPRESS if compress else SEND_NO_COMPRESS


class Connection:
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

    # ---- the call guard ------------------------------------------------------

    def _enter(self) -> int:
        """Marks the connection in use by this thread (takes the guard's
        token; the caller puts it back with ``self._guard.append(1)``) and
        returns its handle; raises Busy, BadHandle or Forked."""
        try:
            self._guard.pop()
        except IndexError:
            if _ffi.forked:  # a parent thread's call may have left the guard taken
                self._dead()
            raise Busy("another thread is using this connection right now (one thread at a time)") from None
        h = self._h
        if h and not _ffi.forked:
            if self._outv is not None:
                self._drop_output_view()
            return h
        self._guard.append(1)
        self._dead()

    def _dead(self) -> NoReturn:
        if _ffi.forked:
            raise Forked(
                "libws was loaded before fork() and cannot be used in the child; "
                "make connections after forking"
            )
        raise BadHandle("the connection was freed", -50)

    def _drop_output_view(self) -> None:
        v = self._outv
        self._outv = None
        if v is not None:
            try:
                v.release()
            except BufferError:
                pass

    def _call(self, f: Any, *args: Any) -> int:
        h = self._enter()
        try:
            rc = f(h, *args)
            if rc < 0:
                _ffi.raise_error(rc)
            return rc  # type: ignore[no-any-return]
        finally:
            self._guard.append(1)

    # ---- input ------------------------------------------------------------------

    def receive_data(self, data: BytesLike) -> None:
        """Feeds bytes read from the transport (any chunking: one byte at a
        time gives the same events). bytes, bytearray, memoryview and other
        contiguous buffers are passed to libws without a copy.

        All of data is received, however much it is, and every event it
        carries comes out of :meth:`events` (and the other ways to take
        events) in order. libws itself queues at most ``max_queued`` bytes
        of events (1 MiB; ws.h, "Input"): when data carries more, it stops
        there, and the connection keeps the rest — a view of it for bytes,
        a copy of the rest only for other buffers, which you may reuse at
        once — and feeds it as the events are taken. So memory stays
        within your own chunk plus the budget: read, receive, take the
        events, repeat. Data received before the events are taken queues
        behind the rest (:attr:`pending_input` counts it).

        Event views from ``events(copy=False)`` are released.
        Raises :class:`~libws.InvalidState` after :meth:`receive_eof`. A
        peer breaking the protocol is not an error here: it arrives as a
        :class:`~libws.Close` event (initiator FAILURE).
        """
        if type(data) is bytes:
            ptr: Any = data
            n = len(data)
            keep = None
        else:
            ptr, n, keep = _ffi.buffer_arg(data)
        h = self._enter()
        try:
            if self._views:
                _releasing(self._views)
            if self._held is not None:
                self._feed_behind(h, ptr, n)
            else:
                rc = _F.ws_feed(h, ptr, n)
                if rc:  # bytes left: the budget is full
                    if rc < 0:
                        _ffi.raise_error(rc)
                    self._held = HeldInput(ptr, n, rc)
        finally:
            self._guard.append(1)
            if keep is not None:
                _ffi.release(keep)

    def _feed_behind(self, h: int, ptr: Any, n: int) -> None:
        """receive_data while input is held back: the held input goes
        first; what it cannot take now waits behind it."""
        held = self._held
        assert held is not None
        if held.eof:
            raise InvalidState("data received after receive_eof", -10)
        self._feed_held(h)
        if self._held is None:
            rc = _F.ws_feed(h, ptr, n)
            if rc < 0:
                _ffi.raise_error(rc)
            if rc:
                self._held = HeldInput(ptr, n, rc)
        else:
            held.append(ptr, n)

    def _feed_held(self, h: int) -> bool:
        """Feeds the held-back input (then a held end of the transport);
        True if libws took any of it (a feed may also take none and still
        give an event, from input it had buffered). Views handed out
        before are copied first, so that they stay valid (see
        MessageView)."""
        held = self._held
        assert held is not None
        if self._views:
            _detaching(self._views)
        n = len(held)
        left = held.feed(h)
        if left:
            return left < n
        self._held = None
        if held.eof:
            rc = _F.ws_feed_eof(h)
            if rc < 0 and rc != _E_CLOSED:  # E_CLOSED: fed before; nothing changed
                _ffi.raise_error(rc)
        return True

    def receive_eof(self) -> None:
        """Tells the connection the transport has ended. Without a completed
        closing handshake this gives a :class:`~libws.Close` event with
        code 1006 (or :class:`~libws.Rejected` during the handshake).
        Calling it again does nothing. With input held back (see
        :meth:`receive_data`), the end is fed behind it."""
        h = self._enter()
        try:
            if self._views:
                _releasing(self._views)
            if self._held is not None:
                self._held.eof = True
                return
            rc = _F.ws_feed_eof(h)
            if rc < 0 and rc != _E_CLOSED:  # E_CLOSED: fed before; nothing changed
                _ffi.raise_error(rc)
        finally:
            self._guard.append(1)

    @property
    def pending_input(self) -> int:
        """Bytes received that libws has not consumed yet: held back while
        the queued events were at the receive budget (``max_queued``), and
        fed as the events are taken. 0 normally."""
        held = self._held
        return 0 if held is None else len(held)

    @property
    def need(self) -> int:
        """How many more bytes the connection needs before it can make
        progress — what a blocking ``read(n)`` should ask for
        (``ws_need``): 2 to start a frame, then the rest of the header and,
        once its length field is known, the whole payload too (two reads
        per frame); inside a payload, the rest of it; 1 during the
        handshake; 0 once nothing more will be read. It counts what libws
        has consumed: while :attr:`pending_input` is not 0, take the
        events before reading more."""
        h = self._enter()
        try:
            rc = _F.ws_need(h)
            if rc < 0:
                _ffi.raise_error(rc)
            return rc  # type: ignore[no-any-return]
        finally:
            self._guard.append(1)

    # ---- events ------------------------------------------------------------------

    def events(self, *, copy: bool = True) -> Iterator[Event]:
        """Yields the queued events, in order, until none is left.

        Events are taken from libws in batches (``ws_next_events``) and
        converted batch by batch, so interleaving other calls is safe.
        Input held back by the receive budget (see :meth:`receive_data`)
        is fed as the queue empties, so this yields the events of
        everything received. With
        ``copy=False`` messages and chunks come as
        :class:`~libws.MessageView` — a view into libws's memory valid until
        the next :meth:`receive_data`, :meth:`receive_eof`,
        :meth:`heartbeat`, :meth:`shrink` or :meth:`free` — instead of
        :class:`~libws.TextMessage`/:class:`~libws.BytesMessage`/chunks
        (when held-back input must be fed meanwhile, the views handed out
        before get copies of their data and stay valid).

        After a :class:`~libws.Close` from the peer (or a
        :class:`~libws.Ping` with auto-pong) the reply is queued: call
        :meth:`data_to_send`.
        """
        # Batch after batch until _take returns [], flattened in C.
        return _chain(iter(lambda: self._take(copy), []))

    def events_received(self, *, copy: bool = True) -> List[Event]:
        """All the queued events as a list (websockets' name).

        Unlike :meth:`events`, this takes every event at once, including a
        final :class:`~libws.Close` from the peer — which queues our close
        reply and ends sending: to answer the messages that arrived with
        the peer's close, iterate :meth:`events` or use
        :meth:`events_before_close` instead."""
        out: List[Event] = []
        while True:
            batch = self._take(copy)
            if not batch:
                return out
            out.extend(batch)

    def next_event(self, *, copy: bool = True) -> Optional[Event]:
        """The next queued event, or None (one ``ws_next_event`` call;
        held-back input is fed first when none is queued)."""
        h = self._enter()
        try:
            buf = _evbuf
            rc = _F.ws_next_event(h, buf.addr)
            while rc == 0 and self._held is not None:
                fed = self._feed_held(h)
                rc = _F.ws_next_event(h, buf.addr)
                if rc == 0 and not fed:
                    break
            if rc < 0:
                _ffi.raise_error(rc)
            if rc == 0:
                return None
            return self._convert(h, buf.mv, 1, copy)[0]
        finally:
            self._guard.append(1)

    @property
    def pending_events(self) -> int:
        """The number of events queued in libws (``ws_pending_events``)."""
        return self._call(_F.ws_pending_events)

    @property
    def close_queued(self) -> bool:
        """True while a :class:`~libws.Close` is queued whose taking
        queues our close frame: the peer's close, or the failure of the
        connection on a peer fault, with no close sent by :meth:`close`.

        libws defers that close frame until the event is taken (ws.h,
        ws_next_event), so that the messages received before it can be
        answered first; this Close is always the last queued event (input
        is not parsed after it). Then :attr:`state` is ``CLOSING`` and
        sending still works. :meth:`events_before_close` takes the events
        before it and leaves it queued.

        (Known from the state, one call: only that Close, or our own close
        frame, makes a connection ``CLOSING``. Input held back behind it,
        see :meth:`receive_data`, is discarded by libws when fed.)"""
        return self._call(_F.ws_state) == _ST_CLOSING and not self._sent_close

    def events_before_close(self, *, copy: bool = True) -> List[Event]:
        """As :meth:`events_received`, but a Close that would queue our
        close frame stays queued (see :attr:`close_queued`): take it (with
        :meth:`events_received`, :meth:`next_event` or :meth:`events`)
        once the messages returned here have been answered. Without such
        a Close this is :meth:`events_received`."""
        return self._events_before_close(copy)[0]

    def _events_before_close(
        self, copy: bool = True, limit: Optional[int] = None, *, one_batch: bool = False
    ) -> Tuple[List[Event], bool]:
        """(the events before a close that queues our close frame, whether
        that close is left queued), at most limit events (None: all of
        them) — with one_batch, only the first batch: what libws queued,
        or gave for one feed of held-back input (the helpers' bounded
        take). When fewer were taken than are left, call again (the close
        is only reported as left queued once reached)."""
        out: List[Event] = []
        while limit is None or len(out) < limit:
            if self._close_next():
                return out, True
            batch = self._take(copy, True, BATCH if limit is None else min(BATCH, limit - len(out)))
            if not batch:  # none left, or a Close that held-back input gave
                return out, self._close_next()
            out.extend(batch)
            if one_batch:
                break
        return out, False

    def _close_next(self) -> bool:
        """Whether the next queued event is a Close whose taking queues our
        close frame (see close_queued)."""
        h = self._enter()
        try:
            return not self._sent_close and _F.ws_state(h) == _ST_CLOSING and _F.ws_peek_event(h) == EV_CLOSE
        finally:
            self._guard.append(1)

    def _take(self, copy: bool, hold: bool = False, limit: int = BATCH) -> List[Event]:
        """Takes and converts a batch of events (at most limit), feeding
        held-back input when none is queued. libws ends a batch just before
        a Close (ws.h: a WS_EV_CLOSE starts its own batch), because taking
        the peer's Close queues our reply and ends sending: the messages
        before it stay answerable while the caller iterates. With hold, a
        Close that held-back input just produced is left queued for the
        caller to look at (see _events_before_close)."""
        h = self._enter()
        try:
            buf = _evbuf
            n = _F.ws_next_events(h, buf.addr, limit)
            while n == 0 and self._held is not None:
                fed = self._feed_held(h)
                if hold and not self._sent_close and _F.ws_state(h) == _ST_CLOSING and _F.ws_peek_event(h) == EV_CLOSE:
                    return []
                n = _F.ws_next_events(h, buf.addr, limit)
                if n == 0 and not fed:
                    break  # libws took nothing and gave nothing
            if n <= 0:
                if n < 0:
                    _ffi.raise_error(n)
                return []
            return self._convert(h, buf.mv, n, copy)
        finally:
            self._guard.append(1)

    def _convert(self, h: int, mv: memoryview, n: int, copy: bool) -> List[Event]:
        """ws_event records → event objects (payloads copied unless copy is
        False). Runs with the connection entered: the data pointers stay
        valid until the next feed, which cannot happen meanwhile."""
        if copy and n > 1 and not self._streaming:
            run = self._run(mv, n)
            if run is not None:
                return run
        out: List[Event] = []
        ap = out.append
        M = _MEM
        errors = self._errors
        wt = self._wt
        wb = self._wb
        if copy:
            TM = TextMessage
            BM = BytesMessage
            for head, tail, p, ln in _iter_unpack(_EV_FMT, mv[: n * EV_SIZE]):
                if head == wt:
                    # TextMessage(data): the other fields keep their class
                    # defaults (compressed=False, rsv=0), as head says.
                    o: Event = _new(TM)
                    o.__dict__["data"] = str(M[p : p + ln], "utf-8", errors)
                    ap(o)
                elif head == wb:
                    o = _new(BM)
                    o.__dict__["data"] = bytes(M[p : p + ln])
                    ap(o)
                else:
                    ap(self._event(h, head, tail, p, ln, True))
        else:
            views = self._views
            sv_o, sv_d, sv_f, sv_l, sv_c, sv_r = _set_mv
            for head, tail, p, ln in _iter_unpack(_EV_FMT, mv[: n * EV_SIZE]):
                if head == wt or head == wb:
                    o = _new(MessageView)
                    sv_o(o, 1 if head == wt else 2)
                    sv_d(o, M[p : p + ln])
                    sv_f(o, True)
                    sv_l(o, True)
                    sv_c(o, False)
                    sv_r(o, 0)
                    views.append(o)
                    ap(o)
                else:
                    ap(self._event(h, head, tail, p, ln, False))
        return out

    def _run(self, mv: memoryview, n: int) -> Optional[List[Event]]:
        """A batch of whole text (or binary) messages only, as libws lays
        out small messages: payloads back to back in its memory. They are
        read in one piece — one str (for ASCII text) or bytes, sliced per
        message — instead of one read per message. None for any other
        batch (the general loop converts it)."""
        q = mv[: n * EV_SIZE].cast("Q")  # (head, tail, data, len) per record
        heads = q[0::4].tobytes()
        if heads == _WT_RUN[: n * 8]:
            text = True
        elif heads == _WB_RUN[: n * 8]:
            text = False
        else:
            return None
        ptrs = q[2::4].tolist()
        lens = q[3::4].tolist()
        lo = ptrs[0]
        starts = list(_accumulate(lens, initial=lo))
        hi = starts.pop()
        if starts != ptrs or hi - lo > n * _RUN_SPAN:
            return None
        rel = _pairwise(_accumulate(lens, initial=0))  # (start, end) in the run
        out: List[Event] = []
        ap = out.append
        if text:
            TM = TextMessage
            whole = str(_MEM[lo:hi], "latin-1")
            if whole.isascii():  # then each message is its slice of it
                for a, b in rel:
                    o: Event = _new(TM)
                    o.__dict__["data"] = whole[a:b]
                    ap(o)
            else:
                m = _MEM[lo:hi]
                errors = self._errors
                for a, b in rel:
                    o = _new(TM)
                    o.__dict__["data"] = str(m[a:b], "utf-8", errors)
                    ap(o)
        else:
            BM = BytesMessage
            blob = bytes(_MEM[lo:hi])
            for a, b in rel:
                o = _new(BM)
                o.__dict__["data"] = blob[a:b]
                ap(o)
        return out

    def _event(self, h: int, head: int, tail: int, p: int, ln: int, copy: bool) -> Event:
        _, etype, opcode, rsv, flags = _HEAD.unpack(_Q.pack(head))
        first = bool(flags & EVF_FIRST)
        last = bool(flags & EVF_LAST)
        compressed = bool(flags & EVF_COMPRESSED)
        if etype in (EV_TEXT, EV_BINARY, EV_DATA):
            if not copy:
                mv = MessageView(opcode, _MEM[p : p + ln], first, last, compressed, rsv)
                self._views.append(mv)
                return mv
            whole = first and last and not self._streaming
            if etype == EV_TEXT:
                if whole:
                    return TextMessage(str(_MEM[p : p + ln], "utf-8", self._errors), compressed, rsv)
                if self._incremental:
                    if first or self._decoder is None:
                        self._decoder = codecs.getincrementaldecoder("utf-8")(self._errors)
                    text = self._decoder.decode(_MEM[p : p + ln], last)
                    if last:
                        self._decoder = None
                else:
                    text = str(_MEM[p : p + ln], "utf-8", self._errors)
                return TextChunk(text, first, last, compressed, rsv)
            data = bytes(_MEM[p : p + ln])
            if etype == EV_BINARY:
                if whole:
                    return BytesMessage(data, compressed, rsv)
                return BytesChunk(data, first, last, compressed, rsv)
            return Frame(opcode, data, first, last, compressed, rsv)
        code, initiator, _, _ = _TAIL.unpack(_Q.pack(tail))
        if etype == EV_PING:
            return Ping(bytes(_MEM[p : p + ln]))
        if etype == EV_PONG:
            return Pong(bytes(_MEM[p : p + ln]))
        if etype == EV_CLOSE:
            reason = str(_MEM[p : p + ln], "utf-8", "replace")
            ev = Close(code, reason, Initiator(initiator))
            self._close = ev
            return ev
        if etype == EV_OPEN:
            return self._open_event(h)
        if etype == EV_REQUEST:
            req = self._request_event(h)
            self._request = req
            return req
        if etype == EV_REJECTED:
            reason = str(_MEM[p : p + ln], "utf-8", "replace")
            kind, field = _handshake_failure(h)
            headers = _response_headers(h) if self._role == Role.CLIENT else ()
            return Rejected(code, reason, kind, field, headers)
        if etype == EV_CONTROL:
            return Control(opcode, bytes(_MEM[p : p + ln]), rsv)
        return UnknownEvent(etype, opcode, code, bytes(_MEM[p : p + ln]))

    def _open_event(self, h: int) -> Open:
        sp = _get_str(_F.ws_subprotocol, h)
        headers = _response_headers(h) if self._role == Role.CLIENT else ()
        return Open(sp or None, _get_str(_F.ws_extensions, h), _deflate_params(h), headers)

    def _request_event(self, h: int) -> Request:
        return Request(
            method=_get_str(_F.ws_request_method, h),
            target=_get_str(_F.ws_request_target, h),
            host=_get_str(_F.ws_request_host, h),
            origin=_get_str(_F.ws_request_origin, h),
            subprotocols=_ffi.string_list(_F.ws_request_subprotocol, h),
            extensions=_ffi.string_list(_F.ws_request_extension, h),
            headers=_ffi.header_list(_F.ws_request_header_at, h),
        )

    # ---- sending --------------------------------------------------------------------

    def _encode(self, text: Any) -> Any:
        if type(text) is str:
            try:
                return text.encode("utf-8", self._errors)
            except UnicodeEncodeError as e:
                raise InvalidArgument(f"text cannot be encoded as UTF-8: {e}") from None
        return text

    def _send_buf(self, f: Any, pre: Tuple[Any, ...], data: Any, post: Tuple[Any, ...] = ()) -> None:
        if type(data) is bytes:
            ptr: Any = data
            n = len(data)
            keep = None
        else:
            ptr, n, keep = _ffi.buffer_arg(data)
        h = self._enter()
        try:
            rc = f(h, *pre, ptr, n, *post)
            if rc < 0:
                _ffi.raise_error(rc)
        finally:
            self._guard.append(1)
            if keep is not None:
                _ffi.release(keep)

    def send_text(self, text: "str | BytesLike", *, compress: Optional[bool] = None) -> None:
        """Queues a text message (one frame). ``text`` is a str, or
        bytes-like UTF-8 (checked by libws unless ``validate_utf8=False``).

        Args:
            compress: None: libws decides (permessage-deflate in use and the
                message at least ``min_size``); True: compress even if
                short; False: send uncompressed.

        Raises:
            OutputFull: the output is at ``max_output``; nothing was queued.
            InvalidState: the handshake is not done, or a fragmented
                message is being sent.
            ConnectionClosed: a close frame was sent or received.
            InvalidArgument: not UTF-8.
        """
        data = self._encode(text) if type(text) is str else text
        if compress is None:
            if type(data) is bytes:  # the common case, inlined
                n = len(data)
                h = self._enter()
                try:
                    if n < _RAW_LIMIT:
                        rc = _F.ws_send_text_raw(self._hv, data, n)
                    else:
                        rc = _F.ws_send_text(h, data, n)
                finally:
                    self._guard.append(1)
                if rc < 0:
                    _ffi.raise_error(rc)
                return
            self._send_buf(_F.ws_send_text, (), data)
        else:
            self._send_buf(_F.ws_send, (Opcode.TEXT,), data, (_opt_flags(compress),))

    def send_bytes(self, data: BytesLike, *, compress: Optional[bool] = None) -> None:
        """Queues a binary message (one frame); ``data`` is any bytes-like
        object (not copied before libws copies it into the output). See
        :meth:`send_text` for ``compress`` and the errors."""
        if compress is None:
            if type(data) is bytes:  # the common case, inlined
                n = len(data)
                h = self._enter()
                try:
                    if n < _RAW_LIMIT:
                        rc = _F.ws_send_binary_raw(self._hv, data, n)
                    else:
                        rc = _F.ws_send_binary(h, data, n)
                finally:
                    self._guard.append(1)
                if rc < 0:
                    _ffi.raise_error(rc)
                return
            self._send_buf(_F.ws_send_binary, (), data)
        else:
            self._send_buf(_F.ws_send, (Opcode.BINARY,), data, (_opt_flags(compress),))

    def send(self, message: "str | BytesLike", *, compress: Optional[bool] = None) -> None:
        """Queues a text message for a str, a binary one for bytes-like
        data."""
        if isinstance(message, str):
            self.send_text(message, compress=compress)
        else:
            self.send_bytes(message, compress=compress)

    def send_many(
        self,
        messages: "Iterable[str | BytesLike]",
        *,
        text: Optional[bool] = None,
        compress: Optional[bool] = None,
    ) -> int:
        """Queues several whole messages, in order, in one call: a text
        message for each str, a binary one for each bytes-like object —
        or, with ``text=True``/``text=False``, every message as text
        (bytes-like ones must be UTF-8) or as binary. Then write
        :meth:`data_to_send` once for all of them.

        Returns the number of messages queued. It stops early, without an
        error, when the output reaches ``max_output``
        (:class:`~libws.OutputFull` for a single send): write the output,
        then send the rest. Any other error is raised; the messages before
        the failing one stay queued.
        """
        flags = _opt_flags(compress)
        f = _F.ws_send
        enc = self._errors
        count = 0
        h = self._enter()
        try:
            for m in messages:
                t = type(m)
                if t is str:
                    if text is False:
                        raise TypeError("send_many(text=False): messages must be bytes-like, not str")
                    try:
                        data: Any = m.encode("utf-8", enc)  # type: ignore[union-attr]
                    except UnicodeEncodeError as e:
                        raise InvalidArgument(f"text cannot be encoded as UTF-8: {e}") from None
                    op = 1
                else:
                    data = m
                    op = 1 if text else 2
                if type(data) is bytes:
                    rc = f(h, op, data, len(data), flags)
                else:
                    ptr, n, keep = _ffi.buffer_arg(data)
                    try:
                        rc = f(h, op, ptr, n, flags)
                    finally:
                        _ffi.release(keep)
                if rc < 0:
                    if rc == OutputFull.default_code:
                        return count
                    _ffi.raise_error(rc)
                count += 1
            return count
        finally:
            self._guard.append(1)

    def send_data(self, opcode: int, data: BytesLike, *, compress: Optional[bool] = None) -> None:
        """Queues a whole message with opcode TEXT, BINARY or an
        application-claimed data opcode 3-7 (``ws_send``)."""
        self._send_buf(_F.ws_send, (as_c_int("opcode", opcode),), self._encode(data), (_opt_flags(compress),))

    def begin_message(
        self, *, text: bool = False, opcode: Optional[int] = None, compress: Optional[bool] = None
    ) -> None:
        """Starts a message sent in fragments with :meth:`send_fragment`
        (``ws_begin_message``). Pings, pongs and a close may be sent
        between fragments; other messages may not.

        Args:
            text: a text message (else binary).
            opcode: an application-claimed data opcode instead (3-7).
            compress: False to send it uncompressed with permessage-deflate.
        """
        op = (Opcode.TEXT if text else Opcode.BINARY) if opcode is None else as_c_int("opcode", opcode)
        self._call(_F.ws_begin_message, op, _opt_flags(compress))

    def send_fragment(self, data: "str | BytesLike", final: bool = False) -> None:
        """Queues the next fragment of the message begun with
        :meth:`begin_message`; ``final=True`` ends it. Empty fragments are
        allowed; a text fragment may end inside a character (the whole
        message must be UTF-8). A str is encoded as UTF-8."""
        self._send_buf(_F.ws_send_fragment, (), self._encode(data), (1 if final else 0,))

    def message(self, *, text: bool = False, opcode: Optional[int] = None, compress: Optional[bool] = None) -> "MessageWriter":
        """A context manager for a fragmented message::

            with conn.message(text=True) as m:
                for piece in pieces:
                    m.write(piece)
                    sock.sendall(conn.data_to_send())
            # leaving the block sends the final (empty) fragment

        If the block raises, the message is left unfinished (a WebSocket
        message cannot be cancelled): close the connection.
        """
        self.begin_message(text=text, opcode=opcode, compress=compress)
        return MessageWriter(self)

    def send_fragments(
        self,
        fragments: "Iterable[str | BytesLike]",
        *,
        text: bool = False,
        opcode: Optional[int] = None,
        compress: Optional[bool] = None,
    ) -> None:
        """Sends an iterable of fragments as one message (the last one
        carries the final flag; an empty iterable sends an empty
        message)."""
        it = iter(fragments)
        self.begin_message(text=text, opcode=opcode, compress=compress)
        try:
            prev = next(it)
        except StopIteration:
            self.send_fragment(b"", True)
            return
        for item in it:
            self.send_fragment(prev, False)
            prev = item
        self.send_fragment(prev, True)

    def send_frame(self, opcode: int, data: BytesLike = b"", *, rsv: int = 0, fin: bool = True) -> None:
        """Queues one raw frame for application extensions that claimed
        opcodes or RSV bits (``ws_send_frame``); nothing is compressed."""
        self._send_buf(
            _F.ws_send_frame,
            (as_c_int("opcode", opcode), as_c_int("rsv", rsv), 1 if fin else 0),
            self._encode(data),
        )

    def ping(self, payload: "str | BytesLike" = b"") -> None:
        """Queues a ping with up to 125 bytes of payload."""
        self._send_buf(_F.ws_ping, (), self._encode(payload))

    def pong(self, payload: "str | BytesLike" = b"") -> None:
        """Queues a pong (unsolicited, or the answer to a ping when
        ``auto_pong=False``)."""
        self._send_buf(_F.ws_pong, (), self._encode(payload))

    def close(self, code: Optional[int] = 1000, reason: "str | bytes" = "") -> None:
        """Starts the closing handshake: queues a close frame with code
        (1000-1003, 1007-1014, 3000-4999; None for a frame without a code)
        and a reason of up to 123 bytes of UTF-8. Data may still arrive
        until the peer's close (a :class:`~libws.Close` event with
        initiator US).

        Raises:
            ConnectionClosed: a close frame was already sent.
            InvalidState: before the handshake is done (just close the
                transport then).
            InvalidArgument: a bad code or reason.

        This does not release memory: see :meth:`free`.
        """
        c = 0 if code is None else as_c_int("code", code)
        r = reason.encode("utf-8") if isinstance(reason, str) else reason
        self._send_buf(_F.ws_close, (c,), r)
        self._sent_close = True

    def heartbeat(self, payload: "str | BytesLike | None" = None) -> None:
        """Call when the connection has been idle for your interval: queues
        a ping no other ping carries; after ``max_pings`` unanswered ones it
        fails the connection with close 1008 instead (a
        :class:`~libws.Close` event follows). Also releases idle buffer
        memory, so event views are released.

        Args:
            payload: the ping's payload (up to 125 bytes; make each one
                unique), instead of libws's counter. A pong echoing any of
                the last 16 outstanding payloads answers them all.

        Raises:
            ConnectionClosed: closing or closed (nothing is sent).
            InvalidState: before the handshake is done.
            InvalidArgument: a payload over 125 bytes (nothing is sent).
        """
        data = None if payload is None else bytes(self._encode(payload))
        h = self._enter()
        try:
            if self._views:
                _releasing(self._views)
            if data is None:
                rc = _F.ws_heartbeat(h)
            else:
                rc = _F.ws_heartbeat_with(h, data, len(data))
            if rc < 0:
                _ffi.raise_error(rc)
        finally:
            self._guard.append(1)

    @property
    def unanswered_pings(self) -> int:
        """Heartbeat pings awaiting a pong."""
        return self._call(_F.ws_unanswered_pings)

    # ---- output -------------------------------------------------------------------

    def data_to_send(self) -> bytes:
        """Takes the bytes waiting to be written to the transport (a copy;
        they are consumed): write all of them. b"" when there are none.

        Up to 16 KiB of output takes one call into libws
        (``ws_output_copy``). After larger output the connection reads the
        next output in place instead (``ws_output`` and ``ws_consume``:
        one copy), until the output is small again."""
        h = self._enter()
        try:
            if self._big_output:
                return self._output_in_place(h, b"")
            addr, view = _evbuf.out
            n = _F.ws_output_copy_raw(self._hv, addr, OUT_CAP)
            if n < OUT_CAP:
                if n > 0:
                    return view[:n].tobytes()
                if n == 0:
                    return b""
                _ffi.raise_error(n)
            # The buffer is full: the rest, straight from libws's memory.
            self._big_output = True
            return self._output_in_place(h, view)
        finally:
            self._guard.append(1)

    def _output_in_place(self, h: int, head: Any) -> bytes:
        """data_to_send for large output: head (what ws_output_copy took)
        and the output left, read in place and consumed."""
        rc = _F.ws_output(h, self._optr_ref, self._olen_ref)
        if rc < 0:
            _ffi.raise_error(rc)
        n = self._olen.value
        if n < OUT_CAP:
            self._big_output = False
        if not n:
            return bytes(head)
        p: int = self._optr.value  # type: ignore[assignment]  # not NULL: n > 0
        data = b"".join((head, _MEM[p : p + n])) if head else bytes(_MEM[p : p + n])
        rc = _F.ws_consume(h, n)
        if rc < 0:
            _ffi.raise_error(rc)
        return data

    def output(self) -> memoryview:
        """The bytes waiting to be written, as a read-only view into libws's
        memory (no copy), for partial writes::

            n = sock.send(conn.output())
            conn.consume(n)

        The view is valid until the next call on this connection (the
        binding releases it then). An empty view when there is nothing."""
        h = self._enter()
        try:
            rc = _F.ws_output(h, self._optr_ref, self._olen_ref)
            if rc < 0:
                _ffi.raise_error(rc)
            n = self._olen.value
            if not n:
                return memoryview(b"")
            p: int = self._optr.value  # type: ignore[assignment]  # not NULL: n > 0
            v: memoryview = _MEM[p : p + n]
            self._outv = v
            return v
        finally:
            self._guard.append(1)

    def consume(self, n: int) -> None:
        """Marks the first n bytes of the output as written."""
        self._call(_F.ws_consume, as_int("n", n))

    @property
    def output_size(self) -> int:
        """The number of bytes waiting to be written."""
        h = self._enter()
        try:
            rc = _F.ws_output(h, self._optr_ref, self._olen_ref)
            if rc < 0:
                _ffi.raise_error(rc)
            return self._olen.value
        finally:
            self._guard.append(1)

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

    def _str(self, getter: Any) -> str:
        h = self._enter()
        try:
            return _get_str(getter, h)
        finally:
            self._guard.append(1)


class MessageWriter:
    """Writes the fragments of one message; see :meth:`Connection.message`."""

    __slots__ = ("_conn", "_done")

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._done = False

    def write(self, data: "str | BytesLike") -> None:
        """Queues a fragment."""
        if self._done:
            raise InvalidArgument("the message is finished")
        self._conn.send_fragment(data, False)

    def finish(self, data: "str | BytesLike" = b"") -> None:
        """Queues the final fragment (data may be empty)."""
        if self._done:
            raise InvalidArgument("the message is finished")
        self._conn.send_fragment(data, True)
        self._done = True

    @property
    def finished(self) -> bool:
        """True once the final fragment was queued."""
        return self._done

    def __enter__(self) -> "MessageWriter":
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is None and not self._done:
            self.finish()


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


def _get_str(getter: Any, h: int) -> str:
    s = c_char_p()
    rc = getter(h, byref(s))
    if rc < 0:
        _ffi.raise_error(rc)
    return _ffi.pystr(s.value)


def _handshake_failure(h: int) -> Tuple[HandshakeFailure, str]:
    f = c_char_p()
    rc = _F.ws_handshake_failure(h, byref(f))
    if rc < 0:
        _ffi.raise_error(rc)
    return HandshakeFailure(rc), _ffi.pystr(f.value)


def _response_headers(h: int) -> HeaderList:
    """The header fields of the server's answer; () before one arrived."""
    name = c_char_p()
    value = c_char_p()
    rc = _F.ws_response_header_at(h, 0, byref(name), byref(value))
    if rc <= 0:
        return ()  # none, or WS_E_STATE: no answer (yet)
    return _ffi.header_list(_F.ws_response_header_at, h)


def _deflate_params(h: int) -> Optional[DeflateParams]:
    a, b, c, d = c_int(), c_int(), c_int(), c_int()
    rc = _F.ws_deflate_params(h, byref(a), byref(b), byref(c), byref(d))
    if rc < 0:
        _ffi.raise_error(rc)
    if rc == 0:
        return None
    return DeflateParams(bool(a.value), bool(b.value), c.value, d.value)
