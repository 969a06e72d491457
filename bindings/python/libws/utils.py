"""libws's stateless helpers: versions, error strings, frame headers,
masking, accept keys, UTF-8 and close-code checks. All thread-safe."""

from __future__ import annotations

import struct
from ctypes import byref, c_size_t, create_string_buffer
from dataclasses import dataclass
from typing import Any, Optional, Tuple

from . import _ffi
from .errors import InvalidArgument

__all__ = [
    "version",
    "abi_version",
    "strerror",
    "FrameHeader",
    "parse_frame_header",
    "encode_frame_header",
    "mask",
    "random_mask",
    "accept_key",
    "utf8_valid",
    "close_code_valid",
    "close_code_name",
]

# struct ws_frame_header { u8 fin, rsv, opcode, masked; u8 mask[4]; u64 length; }
_FH = struct.Struct("@BBBB4sQ")


def version() -> str:
    """The library's version string, e.g. "1.0.0" (loads the library)."""
    return _ffi.pystr(_ffi.lib().ws_version())


def abi_version() -> int:
    """The library's ABI version (the binding checks it is 1)."""
    return int(_ffi.lib().ws_abi_version())


def strerror(code: int) -> str:
    """libws's static description of a status code."""
    _ffi.lib()
    return _ffi.pystr(_ffi.fn.ws_strerror(int(code)))


@dataclass(frozen=True)
class FrameHeader:
    """A frame header (RFC 6455 §5.2)."""

    fin: bool
    opcode: int
    length: int
    rsv: int = 0
    masked: bool = False
    #: The masking key (4 bytes) when masked.
    mask: bytes = b"\0\0\0\0"


def parse_frame_header(data: Any) -> Tuple[Optional[FrameHeader], int]:
    """Decodes the frame header at the start of data.

    Returns ``(header, header_length)``, or ``(None, needed)`` when data is
    too short — ``needed`` is the header length needed in all.

    Raises:
        ProtocolError: a header no peer may send (non-minimal length,
            64-bit length with the top bit set, a fragmented or >125-byte
            control frame).
    """
    ptr, n, keep = _ffi.buffer_arg(data)
    out = create_string_buffer(_FH.size)
    need = c_size_t()
    try:
        rc = _ffi.fn.ws_frame_parse_header(ptr, n, out, byref(need))
        if rc < 0:
            _ffi.raise_error(rc)
    finally:
        _ffi.release(keep)
    if rc == 0:
        return None, need.value
    fin, rsv, opcode, masked, key, length = _FH.unpack(out.raw)
    return FrameHeader(bool(fin), opcode, length, rsv, bool(masked), key), rc


def encode_frame_header(h: FrameHeader) -> bytes:
    """Encodes a frame header (minimal length encoding)."""
    key = bytes(h.mask)
    if len(key) != 4:
        raise InvalidArgument("mask must be 4 bytes")
    try:
        raw = _FH.pack(1 if h.fin else 0, h.rsv, h.opcode, 1 if h.masked else 0, key, h.length)
    except struct.error as e:
        raise InvalidArgument(f"bad frame header field: {e}") from None
    src = create_string_buffer(raw, _FH.size)
    out = create_string_buffer(14)
    _ffi.lib()
    rc = _ffi.fn.ws_frame_encode_header(src, out, 14)
    if rc < 0:
        _ffi.raise_error(rc)
    return out.raw[:rc]


def mask(key: bytes, data: Any, pos: int = 0) -> bytes:
    """XORs data with the 4-byte masking key starting at key offset pos
    (masking and unmasking are the same operation); returns a new bytes
    object (data is not modified)."""
    k = bytes(key)
    if len(k) != 4:
        raise InvalidArgument("key must be 4 bytes")
    ptr, n, keep = _ffi.buffer_arg(data)
    out = create_string_buffer(max(n, 1))
    _ffi.lib()
    try:
        rc = _ffi.fn.ws_mask(k, int(pos), ptr, out, n)
        if rc < 0:
            _ffi.raise_error(rc)
    finally:
        _ffi.release(keep)
    return out.raw[:n]


def random_mask() -> bytes:
    """A fresh masking key from libws's CSPRNG."""
    out = create_string_buffer(4)
    _ffi.lib()
    _ffi.check(_ffi.fn.ws_random_mask(out))
    return out.raw


def accept_key(key: "str | bytes") -> str:
    """The Sec-WebSocket-Accept value for a Sec-WebSocket-Key."""
    k = _ffi.cstr(key, "key")
    out = create_string_buffer(29)
    _ffi.lib()
    _ffi.check(_ffi.fn.ws_accept_key(k, out))
    return out.value.decode("ascii")


def utf8_valid(data: Any) -> bool:
    """True if data (bytes-like) is valid UTF-8."""
    ptr, n, keep = _ffi.buffer_arg(data)
    _ffi.lib()
    try:
        return _ffi.check(_ffi.fn.ws_utf8_valid(ptr, n)) == 1
    finally:
        _ffi.release(keep)


def close_code_valid(code: int) -> bool:
    """True if code may appear in a close frame (1000-1003, 1007-1014,
    3000-4999)."""
    c = int(code)
    if not -(2**31) <= c < 2**31:
        return False
    _ffi.lib()
    return bool(_ffi.fn.ws_close_code_valid(c) == 1)


def close_code_name(code: int) -> str:
    """The Net::WebSocket status name of a close code ("SUCCESS",
    "PROTOCOL_ERROR", ...) or ""."""
    c = int(code)
    if not -(2**31) <= c < 2**31:
        return ""
    _ffi.lib()
    return _ffi.pystr(_ffi.fn.ws_close_code_name(c))
