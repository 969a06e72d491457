"""Enumerations of ws.h: roles, states, transport hints, close initiators,
handshake failure kinds, opcodes and close codes."""

from __future__ import annotations

import enum

__all__ = ["Role", "State", "Hint", "Initiator", "HandshakeFailure", "Opcode", "CloseCode"]


class Role(enum.IntEnum):
    """The side of a connection (``WS_ROLE_*``)."""

    CLIENT = 1
    SERVER = 2


class State(enum.IntEnum):
    """A connection's state (``enum ws_state``)."""

    #: The opening handshake is in progress.
    CONNECTING = 1
    #: Messages flow both ways.
    OPEN = 2
    #: The closing handshake started: we sent a close frame and wait for the
    #: peer's, or the peer's arrived and our reply follows when its
    #: :class:`~libws.Close` event is taken.
    CLOSING = 3
    #: The close handshake is done, or the connection failed.
    CLOSED = 4


class Hint(enum.IntEnum):
    """What to do with the transport once the output is written
    (``enum ws_hint``)."""

    #: Keep it open.
    NONE = 0
    #: Nothing more will be sent: you may ``shutdown(SHUT_WR)``; keep reading
    #: until the peer closes (a client waits for the server to close TCP,
    #: RFC 6455 §7.1.1) or your timeout ends, then close.
    SHUTDOWN_WRITE = 1
    #: Close the transport.
    CLOSE = 2


class _OpenEnum(enum.IntEnum):
    """An IntEnum that maps a value a newer libws may add to a pseudo-member
    (``UNKNOWN_<n>``) instead of raising."""

    @classmethod
    def _missing_(cls, value: object) -> "_OpenEnum | None":
        if not isinstance(value, int):
            return None
        member = int.__new__(cls, value)
        member._name_ = f"UNKNOWN_{value}"
        member._value_ = value
        return member


class Initiator(_OpenEnum):
    """Who started the closing of a connection (``WS_CLOSED_BY_*``)."""

    #: The peer sent a close frame first; taking the event queued our reply.
    PEER = 1
    #: We sent a close frame first; this is the peer's reply.
    US = 2
    #: We failed the connection (a peer fault, an unanswered heartbeat): the
    #: code is the one we sent and the reason says why.
    FAILURE = 3
    #: The transport ended without a closing handshake (code 1006).
    ABNORMAL = 4


class HandshakeFailure(_OpenEnum):
    """Why an opening handshake failed (``WS_FAIL_*``, from
    ``ws_handshake_failure``): the ``failure`` of a :class:`~libws.Rejected`
    event and of :class:`~libws.HandshakeError`. The kinds that concern a
    header field name it in ``field``."""

    #: The handshake did not fail (or has not failed yet).
    NONE = 0
    #: The HTTP head does not parse.
    MALFORMED = 1
    #: The request's method is not GET.
    METHOD = 2
    #: Not HTTP/1.1 or later.
    HTTP_VERSION = 3
    #: The request-target is not usable.
    TARGET = 4
    #: A required header field is absent (``field``).
    MISSING_HEADER = 5
    #: A header field that must appear once appears more (``field``).
    DUPLICATE_HEADER = 6
    #: A header field has an invalid value (``field``).
    BAD_HEADER = 7
    #: Sec-WebSocket-Version is not 13.
    VERSION = 8
    #: The response status is not 101 (client; see ``response_status``).
    STATUS = 9
    #: Sec-WebSocket-Accept does not match the key (client).
    ACCEPT = 10
    #: The server chose a subprotocol that was not offered (client).
    SUBPROTOCOL = 11
    #: An extension not offered, repeated, or with invalid parameters.
    EXTENSION = 12
    #: The head exceeds ``max_handshake_size`` or ``max_headers``.
    TOO_LARGE = 13
    #: The transport ended during the handshake.
    CLOSED = 14
    #: permessage-deflate is required (``Deflate(required=True)``) and was
    #: not agreed.
    REQUIRED = 15


class Opcode(enum.IntEnum):
    """Frame opcodes (RFC 6455 §5.2). 3-7 and 11-15 are reserved; an
    application extension may claim them (``allow_opcodes``)."""

    CONTINUATION = 0x0
    TEXT = 0x1
    BINARY = 0x2
    CLOSE = 0x8
    PING = 0x9
    PONG = 0xA


class CloseCode(enum.IntEnum):
    """Close codes (RFC 6455 §7.4.1 and IANA)."""

    NORMAL = 1000
    GOING_AWAY = 1001
    PROTOCOL_ERROR = 1002
    UNSUPPORTED_DATA = 1003
    #: Never sent: the close frame had no code.
    NO_STATUS = 1005
    #: Never sent: closed without a close frame.
    ABNORMAL = 1006
    INVALID_PAYLOAD = 1007
    POLICY_VIOLATION = 1008
    MESSAGE_TOO_BIG = 1009
    MANDATORY_EXTENSION = 1010
    INTERNAL_ERROR = 1011
    SERVICE_RESTART = 1012
    TRY_AGAIN_LATER = 1013
    BAD_GATEWAY = 1014


# RSV bits (ws_event.rsv, send_frame, allow_rsv).
RSV1 = 4
RSV2 = 2
RSV3 = 1
