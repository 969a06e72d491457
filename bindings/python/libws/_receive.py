"""Receiving: bytes in, events out. :class:`_Receiving`, a base of
:class:`~libws.Connection`, holds :meth:`~libws.Connection.receive_data`,
:meth:`~libws.Connection.receive_eof`, :attr:`~libws.Connection.need`, the
input held back by the receive budget, and the ways to take events
(:meth:`~libws.Connection.events` and the rest) with the hot loop that
turns ``ws_event`` records into event objects.
"""

from __future__ import annotations

import codecs
import itertools
import struct
from typing import Any, Iterator, List, Optional, Tuple

from . import _ffi
from ._core import (
    _F,
    _MEM,
    BATCH,
    EV_SIZE,
    BytesLike,
    _Core,
    _deflate_params,
    _evbuf,
    _get_str,
    _handshake_failure,
    _new,
    _releasing,
    _response_headers,
)
from ._held import HeldInput
from .constants import Initiator, Opcode, Role, State
from .errors import E_CLOSED as _E_CLOSED
from .errors import InvalidState
from .events import (
    BytesChunk,
    BytesMessage,
    Close,
    Control,
    Event,
    Frame,
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

# ---- ws_event fields ---------------------------------------------------------------

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


def _head(etype: int, opcode: int, flags: int) -> int:
    return int(_Q.unpack(_HEAD.pack(EV_SIZE, etype, opcode, 0, flags))[0])


_W_TEXT = _head(EV_TEXT, Opcode.TEXT, EVF_FIRST | EVF_LAST)
_W_BINARY = _head(EV_BINARY, Opcode.BINARY, EVF_FIRST | EVF_LAST)
# The same, compressed (permessage-deflate): as common, with compression on.
_W_TEXT_Z = _head(EV_TEXT, Opcode.TEXT, EVF_FIRST | EVF_LAST | EVF_COMPRESSED)
_W_BINARY_Z = _head(EV_BINARY, Opcode.BINARY, EVF_FIRST | EVF_LAST | EVF_COMPRESSED)

_ST_CLOSING = int(State.CLOSING)

# A batch made only of whole text (binary) messages has these heads.
_WT_RUN = _Q.pack(_W_TEXT) * BATCH
_WB_RUN = _Q.pack(_W_BINARY) * BATCH
_WTZ_RUN = _Q.pack(_W_TEXT_Z) * BATCH
_WBZ_RUN = _Q.pack(_W_BINARY_Z) * BATCH
#: Such a batch whose payloads lie back to back in libws's memory, at most
#: this many bytes per message on average, is converted in one piece.
_RUN_SPAN = 1024

_iter_unpack = struct.iter_unpack
_chain = itertools.chain.from_iterable
_accumulate = itertools.accumulate
_pairwise = itertools.pairwise
_set_mv = tuple(
    getattr(MessageView, f).__set__ for f in ("opcode", "data", "first", "last", "compressed", "rsv")
)


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


class _Receiving(_Core):
    """Input and events: a base of :class:`~libws.Connection` (see there)."""

    __slots__ = ()

    _role: Role
    _views: List[MessageView]
    _errors: str
    _incremental: bool
    _decoder: Optional[codecs.IncrementalDecoder]
    _streaming: bool
    _wt: int
    _wb: int
    _request: Optional[Request]
    _close: Optional[Close]
    _sent_close: bool
    _held: Optional[HeldInput]

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
        # Their compressed forms (-1, never matched, when streaming): a
        # compressed message taking _event's general path cost 1.5 us more.
        wtz = _W_TEXT_Z if wt != -1 else -1
        wbz = _W_BINARY_Z if wb != -1 else -1
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
                elif head == wtz:
                    o = _new(TM)
                    d = o.__dict__
                    d["data"] = str(M[p : p + ln], "utf-8", errors)
                    d["compressed"] = True
                    ap(o)
                elif head == wbz:
                    o = _new(BM)
                    d = o.__dict__
                    d["data"] = bytes(M[p : p + ln])
                    d["compressed"] = True
                    ap(o)
                else:
                    ap(self._event(h, head, tail, p, ln, True))
        else:
            views = self._views
            sv_o, sv_d, sv_f, sv_l, sv_c, sv_r = _set_mv
            for head, tail, p, ln in _iter_unpack(_EV_FMT, mv[: n * EV_SIZE]):
                if head == wt or head == wb or head == wtz or head == wbz:
                    o = _new(MessageView)
                    sv_o(o, 1 if head == wt or head == wtz else 2)
                    sv_d(o, M[p : p + ln])
                    sv_f(o, True)
                    sv_l(o, True)
                    sv_c(o, head == wtz or head == wbz)
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
        z = False
        if heads == _WT_RUN[: n * 8]:
            text = True
        elif heads == _WB_RUN[: n * 8]:
            text = False
        elif heads == _WTZ_RUN[: n * 8]:
            text, z = True, True
        elif heads == _WBZ_RUN[: n * 8]:
            text, z = False, True
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
        if z:
            return self._run_compressed(lo, hi, rel, text)
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

    def _run_compressed(self, lo: int, hi: int, rel: Iterator[Tuple[int, int]], text: bool) -> List[Event]:
        """_run for a run of compressed whole messages: the same, with
        ``compressed`` set on each."""
        out: List[Event] = []
        ap = out.append
        if text:
            m = _MEM[lo:hi]
            errors = self._errors
            whole = str(m, "latin-1")
            ascii = whole.isascii()
            for a, b in rel:
                o: Event = _new(TextMessage)
                d = o.__dict__
                d["data"] = whole[a:b] if ascii else str(m[a:b], "utf-8", errors)
                d["compressed"] = True
                ap(o)
        else:
            blob = bytes(_MEM[lo:hi])
            for a, b in rel:
                o = _new(BytesMessage)
                d = o.__dict__
                d["data"] = blob[a:b]
                d["compressed"] = True
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
