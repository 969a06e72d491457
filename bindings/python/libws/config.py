"""Connection options: permessage-deflate settings and the translation of
keyword options into a libws ``ws_config``.

Every value is checked by libws (``ws_config_set`` and the connection
constructors); this module only converts Python values to the C types
and raises ``TypeError`` for values of the wrong type.
"""

from __future__ import annotations

import operator
from ctypes import byref, c_void_p
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Optional, Sequence, Tuple, Union

from . import _ffi
from .constants import Role
from .errors import InvalidArgument

__all__ = ["Deflate", "DeflateOffer", "Headers"]

#: Header fields: a mapping, or (name, value) pairs of str or bytes.
Headers = Union[Mapping[str, str], Iterable[Tuple[Union[str, bytes], Union[str, bytes]]]]

# enum ws_option
OPT_MAX_MESSAGE = 1
OPT_MAX_FRAME = 2
OPT_MAX_OUTPUT = 3
OPT_MAX_HANDSHAKE = 4
OPT_MAX_HEADERS = 5
OPT_STREAMING = 6
OPT_CHUNK_PER_FRAME = 7
OPT_VALIDATE_UTF8 = 8
OPT_AUTO_PONG = 9
OPT_MAX_PINGS = 10
OPT_MANUAL_ACCEPT = 11
OPT_DEFLATE = 12
OPT_DEFLATE_SERVER_NO_CONTEXT_TAKEOVER = 13
OPT_DEFLATE_CLIENT_NO_CONTEXT_TAKEOVER = 14
OPT_DEFLATE_SERVER_MAX_WINDOW_BITS = 15
OPT_DEFLATE_CLIENT_MAX_WINDOW_BITS = 16
OPT_DEFLATE_LEVEL = 17
OPT_DEFLATE_MIN_SIZE = 18
OPT_DEFLATE_REQUIRED = 19
OPT_ALLOW_RSV = 20
OPT_ALLOW_OPCODES = 21
OPT_MAX_QUEUED = 22

_INT64_MIN = -(2**63)
_INT64_MAX = 2**63 - 1


@dataclass(frozen=True)
class DeflateOffer:
    """A fallback permessage-deflate offer (client only): sent after the
    main one, so that a server declining the first may accept another
    (``ws_config_add_deflate_offer``).

    Window bits are 8..15, or None — for the server's, not offered; for the
    client's, offered without a value.
    """

    server_no_context_takeover: bool = False
    client_no_context_takeover: bool = False
    server_max_window_bits: Optional[int] = None
    client_max_window_bits: Optional[int] = None


@dataclass(frozen=True)
class Deflate:
    """permessage-deflate (RFC 7692) settings: on a client, what to offer;
    on a server, what to accept and impose. Parameter names follow the
    RFC: ``server_*`` is what the server compresses, ``client_*`` what the
    client compresses.

    Attributes:
        server_no_context_takeover: ask for (client) / impose (server)
            server_no_context_takeover: the server resets its compression
            context after every message.
        client_no_context_takeover: the same for the client.
        server_max_window_bits: 8..15, or None (15; a client does not offer
            it).
        client_max_window_bits: 8..15, or None (15).
        level: compression level 1..9, or None (6).
        min_size: messages shorter than this are sent uncompressed; None
            for libws's default (32), -1 to compress every message.
        required: a server rejects requests without permessage-deflate
            (400); a client fails the connection (1010) if the server
            declines it.
        fallbacks: further offers a client sends after the first.
    """

    server_no_context_takeover: bool = False
    client_no_context_takeover: bool = False
    server_max_window_bits: Optional[int] = None
    client_max_window_bits: Optional[int] = None
    level: Optional[int] = None
    min_size: Optional[int] = None
    required: bool = False
    fallbacks: Tuple[DeflateOffer, ...] = ()


def as_int(name: str, value: Any, default: int = 0) -> int:
    """An integer option (None: the default); TypeError for non-integers,
    InvalidArgument for values outside int64."""
    if value is None:
        return default
    if isinstance(value, bool):
        return int(value)
    try:
        v = operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be an int or None, not {type(value).__name__}") from None
    if not _INT64_MIN <= v <= _INT64_MAX:
        raise InvalidArgument(f"{name} is out of range: {v}")
    return v


def as_c_int(name: str, value: Any, default: int = 0) -> int:
    """As :func:`as_int`, within a C int."""
    v = as_int(name, value, default)
    if not -(2**31) <= v < 2**31:
        raise InvalidArgument(f"{name} is out of range: {v}")
    return v


def as_bool(name: str, value: Any) -> int:
    if isinstance(value, (bool, int)):
        return 1 if value else 0
    raise TypeError(f"{name} must be a bool, not {type(value).__name__}")


def opcode_bits(name: str, opcodes: Any) -> int:
    """A set of opcodes as the bit set ``WS_OPT_ALLOW_OPCODES`` takes."""
    if opcodes is None:
        return 0
    if isinstance(opcodes, int):
        raise TypeError(f"{name} must be an iterable of opcodes (e.g. (3, 11)), not an int")
    bits = 0
    for op in opcodes:
        o = as_int(name, op)
        if not 0 <= o <= 15:
            raise InvalidArgument(f"{name}: {o} is not an opcode (0..15)")
        bits |= 1 << o
    return bits


def _set(cfg: int, option: int, value: int) -> None:
    rc = _ffi.fn.ws_config_set(cfg, option, value)
    if rc < 0:
        _ffi.raise_error(rc)


def build_config(
    role: Role,
    *,
    subprotocols: Sequence[str] = (),
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
    manual_accept: bool = False,
    allow_rsv: int = 0,
    allow_opcodes: Iterable[int] = (),
    extension_offers: Sequence[str] = (),
) -> int:
    """Makes a ``ws_config`` for role with these options and returns its
    handle; the caller frees it (``ws_config_free``) once the connection is
    made. Values are checked by libws (InvalidArgument with its message).

    The limits (None: libws's default; -1: unlimited where libws allows
    it): ``max_message_size`` (64 MiB), ``max_frame_size`` (64 MiB),
    ``max_output`` (64 MiB of unsent output before sends fail),
    ``max_queued`` (1 MiB: the receive budget, bytes of events queued and
    not yet taken before libws stops consuming input — the
    :class:`~libws.Connection` holds the rest back and feeds it as the
    events are taken), ``max_handshake_size`` (16 KiB), ``max_headers``
    (100), ``max_pings`` (3)."""
    f = _ffi.fn
    out = c_void_p()
    _ffi.check(f.ws_config_new(int(role), byref(out)))
    cfg = out.value
    assert cfg is not None
    try:
        ints = (
            (OPT_MAX_MESSAGE, "max_message_size", max_message_size),
            (OPT_MAX_FRAME, "max_frame_size", max_frame_size),
            (OPT_MAX_OUTPUT, "max_output", max_output),
            # The receive budget: bytes of untaken events a feed may queue.
            (OPT_MAX_QUEUED, "max_queued", max_queued),
            (OPT_MAX_HANDSHAKE, "max_handshake_size", max_handshake_size),
            (OPT_MAX_HEADERS, "max_headers", max_headers),
            (OPT_MAX_PINGS, "max_pings", max_pings),
        )
        for opt, name, value in ints:
            if value is not None:
                _set(cfg, opt, as_int(name, value))
        # Booleans that differ from libws's defaults.
        if as_bool("streaming", streaming):
            _set(cfg, OPT_STREAMING, 1)
        if as_bool("chunk_per_frame", chunk_per_frame):
            _set(cfg, OPT_CHUNK_PER_FRAME, 1)
        if not as_bool("validate_utf8", validate_utf8):
            _set(cfg, OPT_VALIDATE_UTF8, 0)
        if not as_bool("auto_pong", auto_pong):
            _set(cfg, OPT_AUTO_PONG, 0)
        if as_bool("manual_accept", manual_accept):
            _set(cfg, OPT_MANUAL_ACCEPT, 1)
        if allow_rsv:
            _set(cfg, OPT_ALLOW_RSV, as_int("allow_rsv", allow_rsv))
        bits = opcode_bits("allow_opcodes", allow_opcodes)
        if bits:
            _set(cfg, OPT_ALLOW_OPCODES, bits)
        if compression is True:
            compression = Deflate()
        elif compression is False:
            compression = None
        if compression is not None:
            if not isinstance(compression, Deflate):
                raise TypeError(
                    f"compression must be a libws.Deflate, True or None, not {type(compression).__name__}"
                )
            _apply_deflate(cfg, compression)
        if isinstance(subprotocols, (str, bytes)):
            raise TypeError("subprotocols must be a sequence of str, not a single string")
        for sp in subprotocols:
            _ffi.check(f.ws_config_add_subprotocol(cfg, _ffi.cstr(sp, "subprotocol")))
        if extra_headers is not None:
            names, values, n = _ffi.header_arrays(extra_headers)
            for i in range(n):
                _ffi.check(f.ws_config_add_header(cfg, names[i], values[i]))
        if origin is not None:
            _ffi.check(f.ws_config_set_origin(cfg, _ffi.cstr(origin, "origin")))
        if key is not None:
            _ffi.check(f.ws_config_set_key(cfg, _ffi.cstr(key, "key")))
        if isinstance(extension_offers, (str, bytes)):
            raise TypeError("extension_offers must be a sequence of str, not a single string")
        for offer in extension_offers:
            _ffi.check(f.ws_config_add_extension_offer(cfg, _ffi.cstr(offer, "extension offer")))
    except BaseException:
        f.ws_config_free(cfg)
        raise
    return cfg


def _apply_deflate(cfg: int, d: Deflate) -> None:
    _set(cfg, OPT_DEFLATE, 1)
    if d.server_no_context_takeover:
        _set(cfg, OPT_DEFLATE_SERVER_NO_CONTEXT_TAKEOVER, 1)
    if d.client_no_context_takeover:
        _set(cfg, OPT_DEFLATE_CLIENT_NO_CONTEXT_TAKEOVER, 1)
    if d.server_max_window_bits is not None:
        _set(cfg, OPT_DEFLATE_SERVER_MAX_WINDOW_BITS, as_int("server_max_window_bits", d.server_max_window_bits))
    if d.client_max_window_bits is not None:
        _set(cfg, OPT_DEFLATE_CLIENT_MAX_WINDOW_BITS, as_int("client_max_window_bits", d.client_max_window_bits))
    if d.level is not None:
        _set(cfg, OPT_DEFLATE_LEVEL, as_int("level", d.level))
    if d.min_size is not None:
        _set(cfg, OPT_DEFLATE_MIN_SIZE, as_int("min_size", d.min_size))
    if d.required:
        _set(cfg, OPT_DEFLATE_REQUIRED, 1)
    for fb in d.fallbacks:
        if not isinstance(fb, DeflateOffer):
            raise TypeError(f"Deflate.fallbacks must hold DeflateOffer, not {type(fb).__name__}")
        _ffi.check(
            _ffi.fn.ws_config_add_deflate_offer(
                cfg,
                as_bool("server_no_context_takeover", fb.server_no_context_takeover),
                as_bool("client_no_context_takeover", fb.client_no_context_takeover),
                as_c_int("server_max_window_bits", fb.server_max_window_bits),
                as_c_int("client_max_window_bits", fb.client_max_window_bits),
            )
        )
