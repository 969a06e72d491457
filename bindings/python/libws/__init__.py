"""libws — Python binding of libws, a WebSocket protocol library (RFC 6455,
RFC 7692) shipped as a C shared library.

The core is sans-I/O: :class:`ClientConnection` and
:class:`ServerConnection` turn bytes you read into events and the messages
you send into bytes you write; libws makes every protocol decision.
:mod:`libws.sync` and :mod:`libws.asyncio` are thin I/O layers over it.

The shared library is loaded on first use (the first connection or helper
call), never at import: see :func:`load` for how it is found.

The I/O helpers log with the standard :mod:`logging` module on
``libws.server`` (``serve``: handler exceptions at ERROR with the
traceback, refused or failed handshakes and peer faults at INFO) and
``libws.client`` (``connect``: peer faults at INFO). The library adds only
a ``NullHandler`` to the ``libws`` logger: nothing is printed unless the
application configures logging.
"""

from __future__ import annotations

import logging as _logging
from typing import Any

from ._ffi import ABI_VERSION, load, loaded_path
from .config import Deflate, DeflateOffer
from .connection import ClientConnection, Connection, MessageWriter, ServerConnection
from .constants import CloseCode, HandshakeFailure, Hint, Initiator, Opcode, Role, State
from .errors import (
    BadHandle,
    Busy,
    ConnectionClosed,
    ConnectionClosedError,
    ConnectionClosedOK,
    ExtensionError,
    Forked,
    HandleError,
    HandshakeError,
    InternalError,
    InvalidArgument,
    InvalidState,
    InvalidStatus,
    InvalidURI,
    InvalidUTF8,
    LibraryError,
    LibwsError,
    LimitExceeded,
    MessageTooBig,
    NeedMoreInput,
    OutOfMemory,
    OutputFull,
    ProtocolError,
    WouldBlock,
)
from .events import (
    Accepted,
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
from .handshake import HTTPRequest, request_from_asgi_scope, request_from_wsgi_environ
from .utils import (
    FrameHeader,
    abi_version,
    accept_key,
    close_code_name,
    close_code_valid,
    encode_frame_header,
    mask,
    parse_frame_header,
    random_mask,
    strerror,
    utf8_valid,
    version,
)

__version__ = "1.1.0"

_logging.getLogger(__name__).addHandler(_logging.NullHandler())

__all__ = [
    "ABI_VERSION",
    "load",
    "loaded_path",
    # connections
    "Connection",
    "ClientConnection",
    "ServerConnection",
    "MessageWriter",
    "Deflate",
    "DeflateOffer",
    "DeflateParams",
    # enums
    "Role",
    "State",
    "Hint",
    "Initiator",
    "HandshakeFailure",
    "Opcode",
    "CloseCode",
    # events
    "Event",
    "Request",
    "Open",
    "Accepted",
    "Rejected",
    "TextMessage",
    "BytesMessage",
    "TextChunk",
    "BytesChunk",
    "Frame",
    "Control",
    "Ping",
    "Pong",
    "Close",
    "MessageView",
    "UnknownEvent",
    "HeaderList",
    # errors
    "LibwsError",
    "WouldBlock",
    "NeedMoreInput",
    "OutputFull",
    "InvalidState",
    "ConnectionClosed",
    "ConnectionClosedOK",
    "ConnectionClosedError",
    "InvalidArgument",
    "InvalidURI",
    "LimitExceeded",
    "MessageTooBig",
    "OutOfMemory",
    "ProtocolError",
    "InvalidUTF8",
    "HandshakeError",
    "ExtensionError",
    "InvalidStatus",
    "HandleError",
    "BadHandle",
    "Busy",
    "Forked",
    "InternalError",
    "LibraryError",
    # handshake helpers
    "HTTPRequest",
    "request_from_asgi_scope",
    "request_from_wsgi_environ",
    # stateless helpers
    "FrameHeader",
    "parse_frame_header",
    "encode_frame_header",
    "mask",
    "random_mask",
    "accept_key",
    "utf8_valid",
    "close_code_valid",
    "close_code_name",
    "strerror",
    "version",
    "abi_version",
]


def __getattr__(name: str) -> Any:
    # libws.sync and libws.asyncio on first attribute access.
    if name in ("sync", "asyncio"):
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
