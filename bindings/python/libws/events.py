"""Events: what :meth:`libws.Connection.events` yields.

Every event is a frozen dataclass (``slots=True``). By default payloads are
copies (``str`` for text, ``bytes`` for binary) and stay valid for ever;
``events(copy=False)`` yields :class:`MessageView` for data instead, a view
into libws's memory with a short, documented lifetime.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as _field
from typing import Optional, Tuple

from .constants import HandshakeFailure, Initiator, Opcode

__all__ = [
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
    "DeflateParams",
    "HeaderList",
]

#: Header fields as (name, value) pairs in the order they were sent, names
#: as sent (compare them case-insensitively).
HeaderList = Tuple[Tuple[str, str], ...]


class Event:
    """Base class of every event."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class DeflateParams:
    """The permessage-deflate parameters in use (RFC 7692 §7.1), as agreed
    in the opening handshake (``ws_deflate_params``). Window bits are
    8..15."""

    server_no_context_takeover: bool
    client_no_context_takeover: bool
    server_max_window_bits: int
    client_max_window_bits: int


@dataclass(frozen=True, slots=True)
class Request(Event):
    """Server: a valid opening request arrived (``WS_EV_REQUEST``).

    Unless the connection was made with ``manual_accept=True`` the 101
    response is already queued and :class:`Open` follows; otherwise call
    :meth:`~libws.ServerConnection.accept` or
    :meth:`~libws.ServerConnection.reject`. Every header field is in
    ``headers``; :meth:`~libws.ServerConnection.request_header` looks one up
    by name.
    """

    #: The request method ("GET").
    method: str
    #: The request target, "/path?query".
    target: str
    #: The Host field ("" if absent).
    host: str = ""
    #: The Origin field ("" if absent).
    origin: str = ""
    #: The subprotocols the client offered, in its order.
    subprotocols: Tuple[str, ...] = ()
    #: The extension offers, one Sec-WebSocket-Extensions element each
    #: (e.g. "permessage-deflate; client_max_window_bits").
    extensions: Tuple[str, ...] = ()
    #: Every header field of the request, (name, value) pairs in the order
    #: received, names as sent (``ws_request_header_at``).
    headers: HeaderList = ()

    @property
    def path(self) -> str:
        """The target's path (before "?")."""
        return self.target.partition("?")[0]

    @property
    def query(self) -> str:
        """The target's query (after "?"; "" if none)."""
        return self.target.partition("?")[2]


@dataclass(frozen=True, slots=True)
class Open(Event):
    """The opening handshake completed (``WS_EV_OPEN``); messages flow.

    Events compare by the negotiated outcome (subprotocol, extensions,
    deflate): ``headers`` is left out of ``==``.
    """

    #: The agreed subprotocol, or None.
    subprotocol: Optional[str] = None
    #: The Sec-WebSocket-Extensions value in use ("" if none).
    extensions: str = ""
    #: The permessage-deflate parameters, or None if it is not in use.
    deflate: Optional[DeflateParams] = None
    #: Client: the header fields of the server's 101 response, in order
    #: (``ws_response_header_at``); server (and ``Connection.open``): ().
    headers: HeaderList = _field(default=(), compare=False)


#: Another name for :class:`Open` (wsproto's vocabulary).
Accepted = Open


@dataclass(frozen=True, slots=True)
class Rejected(Event):
    """The opening handshake failed (``WS_EV_REJECTED``).

    On a server, the error response (400, 426, 431, or your
    :meth:`~libws.ServerConnection.reject`) is queued: write it, then close.
    On a client, the server refused or answered badly.

    ``failure`` and ``field`` classify the failure (``ws_handshake_failure``):
    e.g. a request without Upgrade gives ``MISSING_HEADER`` and
    ``"Upgrade"``, a refusal by the server ``STATUS``. ``headers`` is left
    out of ``==``.
    """

    #: The HTTP status (0 if there was none, e.g. the transport ended).
    status: int
    #: Why.
    reason: str = ""
    #: The kind of failure.
    failure: HandshakeFailure = HandshakeFailure.NONE
    #: The header field at fault ("" if none).
    field: str = ""
    #: Client: the header fields of the server's answer, in order (() if
    #: none arrived); server: ().
    headers: HeaderList = _field(default=(), compare=False)


# TextMessage and BytesMessage keep an instance dict instead of slots: the
# hot path then sets only ``data`` and the defaults of the other fields
# come from the class (about a quarter of the cost of making each event).
@dataclass(frozen=True)
class TextMessage(Event):
    """A whole text message."""

    data: str
    #: The message arrived compressed (permessage-deflate).
    compressed: bool = False
    #: Application-claimed RSV bits (``allow_rsv``); 0 otherwise.
    rsv: int = 0


@dataclass(frozen=True)
class BytesMessage(Event):
    """A whole binary message."""

    data: bytes
    compressed: bool = False
    rsv: int = 0


@dataclass(frozen=True, slots=True)
class TextChunk(Event):
    """With ``streaming=True``: a piece of a text message as it arrived.

    Chunks end on character boundaries, so each ``data`` is a whole str.
    ``first`` is set on the message's first chunk, ``last`` on its last.
    """

    data: str
    first: bool
    last: bool
    compressed: bool = False
    rsv: int = 0


@dataclass(frozen=True, slots=True)
class BytesChunk(Event):
    """With ``streaming=True``: a piece of a binary message."""

    data: bytes
    first: bool
    last: bool
    compressed: bool = False
    rsv: int = 0


@dataclass(frozen=True, slots=True)
class Frame(Event):
    """A message (or, streaming, a chunk) with an application-claimed data
    opcode 3-7 (``WS_EV_DATA``, see ``allow_opcodes``)."""

    opcode: int
    data: bytes
    first: bool = True
    last: bool = True
    compressed: bool = False
    rsv: int = 0


@dataclass(frozen=True, slots=True)
class Control(Event):
    """A frame with an application-claimed control opcode 11-15
    (``WS_EV_CONTROL``)."""

    opcode: int
    payload: bytes = b""
    rsv: int = 0


@dataclass(frozen=True, slots=True)
class Ping(Event):
    """A ping. With ``auto_pong=True`` (the default) the pong is already
    queued: just send :meth:`~libws.Connection.data_to_send`."""

    payload: bytes = b""


@dataclass(frozen=True, slots=True)
class Pong(Event):
    """A pong."""

    payload: bytes = b""


@dataclass(frozen=True, slots=True)
class Close(Event):
    """The connection is closing or closed (``WS_EV_CLOSE``).

    When the peer closed first (``initiator == Initiator.PEER``), taking this
    event queued our reply: send :meth:`~libws.Connection.data_to_send`.
    Messages that arrived before the peer's close frame came before this
    event and may still be answered.
    """

    #: The close code (1005 if the frame had none; 1006 if the transport
    #: ended without one; the code we sent when ``initiator`` is FAILURE).
    code: int
    #: The close reason; for FAILURE, what was wrong.
    reason: str
    #: Who started the closing.
    initiator: Initiator

    @property
    def ok(self) -> bool:
        """True for a normal ending (code 1000 or 1001)."""
        return self.code in (1000, 1001)


@dataclass(frozen=True, slots=True, eq=False)
class MessageView(Event):
    """``events(copy=False)``: a message or chunk as a view into libws's
    memory, without a copy.

    ``data`` is a read-only ``memoryview`` valid only until the next
    :meth:`~libws.Connection.receive_data`, ``receive_eof``, ``heartbeat``,
    ``shrink`` or ``free`` on the connection: the binding releases it then
    (reading it afterwards raises ``ValueError``). Views you derived from it
    (slices, ``memoryview(view)``, numpy arrays) are not released: do not
    keep them past that point — copy (``bytes(view)``) what you keep. For
    text (``opcode == 1``) the bytes are UTF-8 (validated unless
    ``validate_utf8=False``).
    """

    #: 1 for text, 2 for binary, 3-7 for application data opcodes.
    opcode: int
    data: memoryview
    first: bool = True
    last: bool = True
    compressed: bool = False
    rsv: int = 0

    @property
    def is_text(self) -> bool:
        """True for a text message or chunk."""
        return self.opcode == Opcode.TEXT


@dataclass(frozen=True, slots=True)
class UnknownEvent(Event):
    """An event type this binding does not know (a newer libws)."""

    type: int
    opcode: int = 0
    code: int = 0
    data: bytes = b""
