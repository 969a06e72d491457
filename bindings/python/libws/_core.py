"""What every part of a :class:`~libws.Connection` shares: the C functions
and libws's memory, the size of a ``ws_event`` record, the per-thread
buffers, the readers of the handshake's results (for the events and the
accessors alike) and the call guard, in :class:`_Core`, the base of the
mixins the connection is made of (``_receive``, ``_send``).
"""

from __future__ import annotations

import struct
import threading
from ctypes import addressof, byref, c_char, c_char_p, c_int, c_void_p
from typing import Any, List, NoReturn, Optional, Tuple, Union

from . import _ffi
from .constants import HandshakeFailure
from .errors import BadHandle, Busy, Forked
from .events import DeflateParams, HeaderList, MessageView

BytesLike = Union[bytes, bytearray, memoryview]

# struct ws_event { u32 size; u8 type, opcode, rsv, flags; u16 code; u8
# initiator, reserved0; u32 reserved1; const u8 *data; size_t len; }
_EV_FULL = struct.Struct("@IBBBBHBBIPN")
EV_SIZE = _EV_FULL.size

#: Events taken per ws_next_events call.
BATCH = 256

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
_new = object.__new__
_MEM = _ffi.MEMORY
_F: Any = _ffi.fn


def _releasing(views: List[MessageView]) -> None:
    for o in views:
        try:
            o.data.release()
        except BufferError:
            pass  # a view derived from it is still exported: see MessageView
    views.clear()


# ---- the handshake's results ------------------------------------------------------


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


class _Core:
    """The call guard, the base of the mixins: every call on a connection
    enters it (:meth:`_enter`) and puts its token back when done. The
    slots are :class:`~libws.Connection`'s; the mixins add none."""

    __slots__ = ()

    _h: int
    _guard: List[int]
    _outv: Optional[memoryview]

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

    def _str(self, getter: Any) -> str:
        h = self._enter()
        try:
            return _get_str(getter, h)
        finally:
            self._guard.append(1)
