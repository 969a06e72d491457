"""The exception hierarchy, mapped from libws's ``WS_E_*`` status codes.

Every libws call returns a status; a negative one becomes an exception of
the class that matches the code (or, for a code this binding does not know,
its class of ten — ``WS_E_CLASS`` in ws.h), carrying the code and libws's
detailed message (``ws_last_error()``)::

    LibwsError                      .code, .message
    ├── WouldBlock                  -1 ..  -9
    │   ├── NeedMoreInput           WS_E_AGAIN
    │   └── OutputFull              WS_E_OUTPUT_FULL
    ├── InvalidState                -10 .. -19
    │   └── ConnectionClosed        WS_E_CLOSED (and the I/O helpers' "closed")
    │       ├── ConnectionClosedOK      (I/O helpers: closed with 1000/1001)
    │       └── ConnectionClosedError   (I/O helpers: any other ending)
    ├── InvalidArgument (ValueError) -20 .. -29 (WS_E_ARG, WS_E_NULL)
    │   └── InvalidURI              (I/O helpers: connect's URI is not ws(s)://host[:port]/..., .uri)
    ├── LimitExceeded               -30 .. -39
    │   ├── MessageTooBig           WS_E_TOO_BIG
    │   └── OutOfMemory (MemoryError) WS_E_NOMEM
    ├── ProtocolError               -40 .. -49
    │   ├── InvalidUTF8             WS_E_UTF8
    │   └── HandshakeError          WS_E_HANDSHAKE (.failure, .field)
    │       ├── ExtensionError      WS_E_EXTENSION
    │       └── InvalidStatus       (I/O helpers: the server refused, .status, .headers)
    ├── HandleError                 -50 .. -59
    │   ├── BadHandle               WS_E_BAD_HANDLE (also: used after free())
    │   └── Busy                    WS_E_BUSY
    ├── Forked                      WS_E_FORKED
    ├── InternalError               WS_E_INTERNAL
    └── LibraryError (OSError)      the library could not be loaded (code 0)

A peer that breaks the protocol is never an exception of ``receive_data``:
it arrives as a :class:`~libws.Close` event with
``initiator == Initiator.FAILURE``.
"""

from __future__ import annotations

from typing import Dict, Optional, Tuple, Type

from .constants import HandshakeFailure

__all__ = [
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
    "error_for_code",
]

# Status codes of ws.h (WS_E_*).
E_AGAIN = -1
E_OUTPUT_FULL = -2
E_STATE = -10
E_CLOSED = -11
E_ARG = -20
E_NULL = -21
E_LIMIT = -30
E_TOO_BIG = -31
E_NOMEM = -32
E_PROTOCOL = -40
E_UTF8 = -41
E_HANDSHAKE = -42
E_EXTENSION = -43
E_BAD_HANDLE = -50
E_BUSY = -51
E_FORKED = -60
E_INTERNAL = -70


class LibwsError(Exception):
    """Base class of every error raised by libws or this binding.

    Attributes:
        code: the libws status code (a negative ``WS_E_*`` value); 0 for
            errors raised by the binding itself before reaching libws
            (e.g. :class:`LibraryError`).
        message: libws's detailed message (``ws_last_error()``), or the
            binding's.
    """

    code: int
    message: str

    def __init__(self, message: str = "", code: Optional[int] = None) -> None:
        if code is None:
            code = getattr(type(self), "default_code", 0)
        self.code = code
        self.message = message
        super().__init__(message)

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, code={self.code})"

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (type(self), (self.message, self.code))


class WouldBlock(LibwsError):
    """The call cannot proceed now (ws.h class "would block")."""

    default_code = E_AGAIN


class NeedMoreInput(WouldBlock):
    """``WS_E_AGAIN``: more input is needed before anything can be returned."""

    default_code = E_AGAIN


class OutputFull(WouldBlock):
    """``WS_E_OUTPUT_FULL``: the output queue is at ``max_output``.

    Nothing was queued: write :meth:`~libws.Connection.data_to_send` to the
    transport, then send again.
    """

    default_code = E_OUTPUT_FULL


class InvalidState(LibwsError):
    """``WS_E_STATE``: not valid in the connection's current state."""

    default_code = E_STATE


class ConnectionClosed(InvalidState):
    """``WS_E_CLOSED``: the connection is closed (or closing) for this call.

    The I/O helpers (:mod:`libws.sync`, :mod:`libws.asyncio`) raise it (as
    :class:`ConnectionClosedOK` or :class:`ConnectionClosedError`) when the
    connection has ended, with the close frame's details:

    Attributes:
        close_code: the close code (1005 if none, 1006 if the transport
            ended without a close frame); None when raised by libws itself.
        close_reason: the close reason ("" if none).
    """

    default_code = E_CLOSED

    def __init__(
        self,
        message: str = "",
        code: Optional[int] = None,
        close_code: Optional[int] = None,
        close_reason: str = "",
    ) -> None:
        super().__init__(message, code)
        self.close_code = close_code
        self.close_reason = close_reason

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (type(self), (self.message, self.code, self.close_code, self.close_reason))


class ConnectionClosedOK(ConnectionClosed):
    """The connection ended normally (close code 1000 or 1001)."""


class ConnectionClosedError(ConnectionClosed):
    """The connection ended abnormally (any close code but 1000 and 1001)."""


class InvalidArgument(LibwsError, ValueError):
    """``WS_E_ARG`` / ``WS_E_NULL``: an invalid argument (value, option,
    UTF-8 in text, a string with a NUL character)."""

    default_code = E_ARG


class InvalidURI(InvalidArgument):
    """Raised by the I/O helpers' ``connect`` (:func:`libws.sync.connect`,
    :func:`libws.asyncio.connect`) before connecting, for a URI that is not
    ``ws://host[:port]/path?query`` or ``wss://...``: another scheme, no
    host, a port that is not a number in 1-65535 (``ws://host:99999/``),
    or one libws refuses to make a request from.

    A ``ValueError`` (through :class:`InvalidArgument`), like the error of
    :class:`~libws.ClientConnection` for the same URI.

    Attributes:
        uri: the URI given.
    """

    default_code = E_ARG

    def __init__(self, message: str = "", code: Optional[int] = None, *, uri: str = "") -> None:
        super().__init__(message, code)
        self.uri = uri

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (type(self), (self.message, self.code), self.__dict__.copy())


class LimitExceeded(LibwsError):
    """``WS_E_LIMIT``: a configured limit was exceeded."""

    default_code = E_LIMIT


class MessageTooBig(LimitExceeded):
    """``WS_E_TOO_BIG``: a message or frame exceeds a limit."""

    default_code = E_TOO_BIG


class OutOfMemory(LimitExceeded, MemoryError):
    """``WS_E_NOMEM``: libws ran out of memory."""

    default_code = E_NOMEM


class ProtocolError(LibwsError):
    """``WS_E_PROTOCOL``: the data broke RFC 6455."""

    default_code = E_PROTOCOL


class InvalidUTF8(ProtocolError):
    """``WS_E_UTF8``: invalid UTF-8."""

    default_code = E_UTF8


class HandshakeError(ProtocolError):
    """``WS_E_HANDSHAKE``: the opening handshake failed.

    The I/O helpers raise it (or :class:`ExtensionError`,
    :class:`InvalidStatus`) when a handshake fails, with libws's
    classification of the failure (``ws_handshake_failure``):

    Attributes:
        failure: a :class:`~libws.HandshakeFailure` (``NONE`` when libws
            did not classify it, e.g. an error raised by a call).
        field: the header field at fault ("" if none).
    """

    default_code = E_HANDSHAKE

    def __init__(
        self,
        message: str = "",
        code: Optional[int] = None,
        *,
        failure: int = HandshakeFailure.NONE,
        field: str = "",
    ) -> None:
        super().__init__(message, code)
        self.failure = HandshakeFailure(failure)
        self.field = field

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (type(self), (self.message, self.code), self.__dict__.copy())


class ExtensionError(HandshakeError):
    """``WS_E_EXTENSION``: extension negotiation failed (``failure``
    EXTENSION or REQUIRED when raised by the I/O helpers)."""

    default_code = E_EXTENSION


class InvalidStatus(HandshakeError):
    """Raised by the I/O helpers' ``connect`` when the server refused the
    opening handshake: it answered with a status other than 101
    (``failure`` is :attr:`~libws.HandshakeFailure.STATUS`). Other
    failures of the server's answer raise :class:`HandshakeError` or
    :class:`ExtensionError`.

    Attributes:
        status: the HTTP status of the answer (0 if there was none).
        headers: the answer's header fields, (name, value) pairs in order.
        message: libws's description of the failure.
    """

    default_code = E_HANDSHAKE

    def __init__(
        self,
        message: str = "",
        code: Optional[int] = None,
        status: int = 0,
        *,
        failure: int = HandshakeFailure.STATUS,
        field: str = "",
        headers: Tuple[Tuple[str, str], ...] = (),
    ) -> None:
        super().__init__(message, code, failure=failure, field=field)
        self.status = status
        self.headers = headers

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (type(self), (self.message, self.code, self.status), self.__dict__.copy())


class HandleError(LibwsError):
    """The handle class of errors (``WS_E_BAD_HANDLE``, ``WS_E_BUSY``)."""

    default_code = E_BAD_HANDLE


class BadHandle(HandleError):
    """``WS_E_BAD_HANDLE``: not a live object — notably, a connection used
    after :meth:`~libws.Connection.free` (or after its ``with`` block)."""

    default_code = E_BAD_HANDLE


class Busy(HandleError):
    """``WS_E_BUSY``: another thread is inside a call on this connection.

    A connection may be used from any thread, but by one at a time; a
    concurrent call fails at once (it does not wait). Serialise access
    with your own lock if several threads share a connection.
    """

    default_code = E_BUSY


class Forked(LibwsError):
    """``WS_E_FORKED``: libws was loaded before ``os.fork()`` and cannot be
    used in the child (a Go runtime does not survive fork). Load it in the
    child instead: import :mod:`libws` in the parent if you like, but make
    the first connection after forking."""

    default_code = E_FORKED


class InternalError(LibwsError):
    """``WS_E_INTERNAL``: a bug in libws; the object is unusable now."""

    default_code = E_INTERNAL


class LibraryError(LibwsError, OSError):
    """libws.so could not be found or loaded, or its ABI version differs
    from the one this binding was written for."""

    default_code = 0


_BY_CODE: Dict[int, Type[LibwsError]] = {
    E_AGAIN: NeedMoreInput,
    E_OUTPUT_FULL: OutputFull,
    E_STATE: InvalidState,
    E_CLOSED: ConnectionClosed,
    E_ARG: InvalidArgument,
    E_NULL: InvalidArgument,
    E_LIMIT: LimitExceeded,
    E_TOO_BIG: MessageTooBig,
    E_NOMEM: OutOfMemory,
    E_PROTOCOL: ProtocolError,
    E_UTF8: InvalidUTF8,
    E_HANDSHAKE: HandshakeError,
    E_EXTENSION: ExtensionError,
    E_BAD_HANDLE: BadHandle,
    E_BUSY: Busy,
    E_FORKED: Forked,
    E_INTERNAL: InternalError,
}

_BY_CLASS: Dict[int, Type[LibwsError]] = {
    -1: WouldBlock,
    -10: InvalidState,
    -20: InvalidArgument,
    -30: LimitExceeded,
    -40: ProtocolError,
    -50: HandleError,
    -60: Forked,
    -70: InternalError,
}


def error_class(code: int) -> Type[LibwsError]:
    """The exception class for a libws status code (``WS_E_CLASS`` for
    codes this binding does not know)."""
    cls = _BY_CODE.get(code)
    if cls is not None:
        return cls
    klass = -1 if -10 < code < 0 else -((-code) // 10) * 10  # WS_E_CLASS (C truncates)
    return _BY_CLASS.get(klass, LibwsError)


def error_for_code(code: int, message: str = "") -> LibwsError:
    """Builds the exception for a negative libws status code."""
    return error_class(code)(message, code)
