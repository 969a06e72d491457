"""Input a connection received but libws has not consumed yet.

``ws_feed`` stops once the queued events reach the receive budget
(``WS_OPT_MAX_QUEUED``; ws.h, "Input") and returns the count of trailing
bytes it left. The connection keeps them here and feeds them again, in
order, once its events have been taken, so no byte is lost or reordered
and what libws holds stays within the budget.
"""

from __future__ import annotations

from typing import Any, Union

from . import _ffi

_F: Any = _ffi.fn
_MEM = _ffi.MEMORY


class HeldInput:
    """The bytes ws_feed left, and whether the transport's end came behind
    them (fed once they are all consumed)."""

    __slots__ = ("buf", "eof")

    def __init__(self, ptr: Any, n: int, left: int) -> None:
        # ptr, n as _ffi.buffer_arg made them. bytes cannot change: keep a
        # view of the tail. Any other buffer is the caller's to reuse (a
        # recv_into buffer, say): copy the tail, and only the tail.
        self.buf: Union[memoryview, bytearray]
        if type(ptr) is bytes:
            self.buf = memoryview(ptr)[n - left :]
        else:
            self.buf = bytearray(_MEM[ptr + n - left : ptr + n])
        self.eof = False

    def __len__(self) -> int:
        return len(self.buf)

    def append(self, ptr: Any, n: int) -> None:
        """More input behind the held bytes (fed before its events were
        taken): copied behind them."""
        if not n:
            return
        b = self.buf
        if type(b) is not bytearray:
            b = self.buf = bytearray(b)
        b += ptr if type(ptr) is bytes else _MEM[ptr : ptr + n]

    def feed(self, h: int) -> int:
        """Feeds the held bytes to connection h; returns how many are left
        (0: all consumed). Raises the libws error of a failed feed."""
        b = self.buf
        n = len(b)
        ptr, _, keep = _ffi.buffer_arg(b)
        try:
            rc = _F.ws_feed(h, ptr, n)
        finally:
            _ffi.release(keep)
            del keep  # a bytearray cannot shrink while exported
        if rc < 0:
            _ffi.raise_error(rc)
        if 0 < rc < n:
            if type(b) is bytearray:
                del b[: n - rc]
            else:
                self.buf = b[n - rc :]
        return int(rc)
