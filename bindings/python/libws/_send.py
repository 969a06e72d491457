"""Sending: messages in, bytes out. :class:`_Sending`, a base of
:class:`~libws.Connection`, holds the ``send_*`` methods, fragmented
messages (:meth:`~libws.Connection.message` and its
:class:`MessageWriter`), raw frames, ping, pong, close and heartbeat, and
the output: :meth:`~libws.Connection.data_to_send`,
:meth:`~libws.Connection.output` and :meth:`~libws.Connection.consume`.
"""

from __future__ import annotations

from ctypes import c_size_t, c_void_p
from typing import TYPE_CHECKING, Any, Iterable, List, Optional, Tuple

from . import _ffi
from ._core import _F, _MEM, OUT_CAP, BytesLike, _Core, _evbuf, _releasing
from .config import as_c_int, as_int
from .constants import Opcode
from .errors import InvalidArgument, OutputFull
from .events import MessageView

if TYPE_CHECKING:
    from .connection import Connection

SEND_NO_COMPRESS = 1
SEND_COMPRESS = 2

_RAW_LIMIT = _ffi.RAW_INT_LIMIT


def _opt_flags(compress: Optional[bool]) -> int:
    if compress is None:
        return 0
    return SEND_COMPRESS if compress else SEND_NO_COMPRESS


class _Sending(_Core):
    """Sending and output: a base of :class:`~libws.Connection` (see there)."""

    __slots__ = ()

    _hv: c_void_p
    _views: List[MessageView]
    _errors: str
    _optr: c_void_p
    _olen: c_size_t
    _optr_ref: Any
    _olen_ref: Any
    _big_output: bool
    _sent_close: bool

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
