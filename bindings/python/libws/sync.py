"""A blocking WebSocket client and server over sockets, as a thin layer on
the sans-I/O core: this module only moves bytes between a socket and a
:class:`~libws.Connection` (plus threads, timeouts and queues).

Client::

    from libws.sync import connect

    with connect("ws://localhost:8765/") as ws:
        ws.send("hello")
        print(ws.recv())

Server (a thread per connection)::

    from libws.sync import serve

    def echo(ws):
        for message in ws:
            ws.send(message)

    with serve(echo, "localhost", 8765) as server:
        server.serve_forever()

Each :class:`WebSocket` runs a reader thread that feeds the connection,
answers pings (libws queues the pongs), sends the heartbeat when the
connection is idle for ``ping_interval`` seconds, and queues the messages
that :meth:`WebSocket.recv` returns. Calls on one WebSocket may come from
several threads: the binding's connection is only touched under a lock.

Closing keeps the order of the connection: when the peer's close (or a
protocol fault of the peer) arrives behind messages, every one of those
messages is still returned by :meth:`WebSocket.recv`, and the close reply
goes out only once the application has taken them all and asks for more
(calls ``recv()`` again, or the iteration reaches the end) — so what it
sends in answer to them goes out before the close frame, as libws allows
(RFC 6455 §5.5.1). An application that stops taking messages has the close
answered anyway after ``close_timeout`` seconds without a ``recv()``, and
:meth:`WebSocket.close` answers it at once.

What the reader sees is public: ``on_ping``/``on_pong`` hooks get the
payload of every ping and pong received, :meth:`WebSocket.recv_message`
returns a message as its event (with ``compressed`` and ``rsv``), and
:attr:`WebSocket.close_event` / :attr:`WebSocket.close_initiator` say how
the connection ended.

Logging (standard :mod:`logging`, silent unless the application configures
it): ``libws.server`` — a handler that raises, at ERROR with its traceback
("connection handler failed"; the client gets 1011), refused or failed
opening handshakes at INFO with the reason, connections failed because of
the peer's data at INFO with the close code; ``libws.client`` — the latter
for clients (a failed handshake is raised, and logged at DEBUG only).
"""

from __future__ import annotations

import os
import queue
import selectors
import socket
import ssl as ssl_module
import sys
import threading
import time
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Protocol, Tuple, Union

from . import _report
from ._flow import MAX_QUEUE, MAX_QUEUE_BYTES, WRITE_LIMIT, QueueBound, limit, size_of
from .connection import BATCH, ClientConnection, Connection, ServerConnection
from .constants import HandshakeFailure, Hint, Initiator, Role, State
from .errors import (
    BadHandle,
    ConnectionClosed,
    ConnectionClosedError,
    ConnectionClosedOK,
    ExtensionError,
    HandshakeError,
    InvalidState,
    InvalidStatus,
)
from .events import BytesMessage, Close, DeflateParams, Event, Open, Ping, Pong, Rejected, Request, TextMessage

__all__ = ["WebSocket", "connect", "serve", "Server", "Message", "PingHook"]

Data = Union[str, bytes]
#: What :meth:`WebSocket.recv_message` returns.
Message = Union[TextMessage, BytesMessage]
#: An ``on_ping`` / ``on_pong`` hook: called with the payload.
PingHook = Callable[[bytes], Any]
_CLOSED = object()
_RECV_SIZE = 65536


def _handshake_error(conn: Connection, ev: Rejected) -> HandshakeError:
    """The exception for a failed opening handshake, by libws's
    classification (``ws_handshake_failure``): InvalidStatus for a refusal
    (a status other than 101), ExtensionError for extension failures,
    HandshakeError for the others."""
    msg = _report.handshake_failure(ev)
    kind = ev.failure
    if kind == HandshakeFailure.STATUS:
        status = ev.status
        if isinstance(conn, ClientConnection):
            status = conn.response_status or status
        return InvalidStatus(msg, status=status, field=ev.field, headers=ev.headers)
    if kind in (HandshakeFailure.EXTENSION, HandshakeFailure.REQUIRED):
        return ExtensionError(msg, failure=kind, field=ev.field)
    return HandshakeError(msg, failure=kind, field=ev.field)


def _send_all(sock: socket.socket, data: Any) -> None:
    # MSG_NOSIGNAL: a write to a closed socket must not kill the process
    # (ws.h, SIGNALS). SSL sockets take no flags (Python ignores SIGPIPE
    # anyway).
    if isinstance(sock, ssl_module.SSLSocket):
        sock.sendall(data)
    else:
        sock.sendall(data, getattr(socket, "MSG_NOSIGNAL", 0))


def _closed_error(close: Optional[Close], failure: str = "") -> ConnectionClosed:
    if close is None:
        return ConnectionClosedError(
            "the connection ended without a closing handshake" + (f": {failure}" if failure else ""),
            close_code=1006,
        )
    cls = ConnectionClosedOK if close.code in (1000, 1001) else ConnectionClosedError
    why = f" ({close.reason})" if close.reason else ""
    return cls(
        f"the connection is closed: {close.code}{why}, initiator {close.initiator.name.lower()}",
        close_code=close.code,
        close_reason=close.reason,
    )


class _Flag(Protocol):
    def is_set(self) -> bool: ...


class _Status:
    """What both WebSocket classes (this one and libws.asyncio's) report
    about the connection, from their open event, close event and done
    flag (a threading.Event or an asyncio.Event)."""

    open_event: Optional[Open]
    _close_event: Optional[Close]
    _done: _Flag
    # The deferred close: messages queued by the reader, returned by
    # recv(), recv() calls in progress; close() called.
    _queued: int
    _delivered: int
    _waiting: int
    _release: bool
    # Backpressure (libws._flow): the queue against its marks; the reader
    # waits for room.
    _bound: QueueBound
    _paused: bool
    # Logging (libws._report): the component's logger, the peer's name.
    _log = _report.client_logger
    _peer = "?"

    def _init_log(self, protocol: Connection, peer: Any) -> None:
        if protocol.role == Role.SERVER:
            self._log = _report.server_logger
        self._peer = _report.peer_name(peer)

    def _log_close(self, ev: Close) -> None:
        """A connection failed because of the peer's data (or an unanswered
        heartbeat): INFO, with the code and reason libws sent."""
        if ev.initiator == Initiator.FAILURE:
            why = f" ({ev.reason})" if ev.reason else ""
            self._log.info("%s: failed the connection with %d%s", self._peer, ev.code, why)

    @property
    def pending_messages(self) -> int:
        """Messages received and queued for :meth:`recv`, not yet returned
        (at most about ``max_queue``: see :attr:`paused`)."""
        return self._bound.count

    @property
    def paused(self) -> bool:
        """True while the reader does not read the transport because the
        receive queue is full (``max_queue`` messages or ``max_queue_bytes``
        bytes): backpressure, until ``recv()`` has taken it down to a
        quarter of those marks. The peer's data then waits in the socket
        buffers, and TCP slows the peer down."""
        return self._paused

    @property
    def subprotocol(self) -> Optional[str]:
        """The agreed subprotocol, or None."""
        return self.open_event.subprotocol if self.open_event else None

    @property
    def extensions(self) -> str:
        """The Sec-WebSocket-Extensions value in use ("" if none)."""
        return self.open_event.extensions if self.open_event else ""

    @property
    def deflate(self) -> Optional[DeflateParams]:
        """The permessage-deflate parameters in use, or None."""
        return self.open_event.deflate if self.open_event else None

    @property
    def response_headers(self) -> Tuple[Tuple[str, str], ...]:
        """(client) The header fields of the server's 101 response, in
        order; () on a server."""
        return self.open_event.headers if self.open_event else ()

    @property
    def close_event(self) -> Optional[Close]:
        """The :class:`~libws.Close` event once the connection is closing
        or closed (code, reason, ``initiator``), else None."""
        return self._close_event

    @property
    def close_initiator(self) -> Optional[Initiator]:
        """Who started the closing: ``Initiator.PEER``, ``US``,
        ``FAILURE`` (we failed the connection: a peer fault, an unanswered
        heartbeat) or ``ABNORMAL`` (the transport ended without a closing
        handshake); None while open."""
        if self._close_event is not None:
            return self._close_event.initiator
        return Initiator.ABNORMAL if self._done.is_set() else None

    @property
    def close_code(self) -> Optional[int]:
        """The close code once the connection closed (1006 if it ended
        without a closing handshake), else None."""
        if self._close_event is not None:
            return self._close_event.code
        return 1006 if self._done.is_set() else None

    @property
    def close_reason(self) -> Optional[str]:
        """The close reason once the connection closed, else None."""
        if self._close_event is not None:
            return self._close_event.reason
        return "" if self._done.is_set() else None

    @property
    def closed(self) -> bool:
        """True once the connection has ended (the reader stopped)."""
        return self._done.is_set()

    def _must_hold(self) -> bool:
        """Whether the queued close must wait (the sync class holds
        _ask_lock for the counters): messages were received and the application
        has not yet taken them all and asked for more."""
        if self._release or not self._queued:
            return False
        return not (self._waiting and self._delivered >= self._queued)


class WebSocket(_Status):
    """A blocking WebSocket connection over a socket.

    Made by :func:`connect` (client) or given to the handler of
    :func:`serve` (server). Iterating yields the messages until the
    connection closes normally.

    Attributes:
        socket: the transport.
        protocol: the sans-I/O :class:`~libws.Connection`. The reader thread
            uses it: calling it directly from another thread may raise
            :class:`~libws.Busy` — use this class's methods and properties.
        request: (server) the opening :class:`~libws.Request` (its
            ``headers`` are the request's header fields).
        open_event: the :class:`~libws.Open` event of the handshake (on a
            client, its ``headers`` are the 101 response's).
        on_ping: called with the payload of each ping received (libws has
            queued the pong already), or None.
        on_pong: called with the payload of each pong received (answers to
            :meth:`ping` and to the heartbeat, unsolicited pongs), or None.

    The hooks run in the reader thread, in the order of the connection's
    events: keep them short and do not block (they may call :meth:`send`).
    An exception they raise goes to ``threading.excepthook``; the
    connection goes on.

    Memory is bounded by default (backpressure, as in websockets): the
    reader stops reading the socket while the receive queue holds
    ``max_queue`` messages (16) or ``max_queue_bytes`` bytes of them
    (16 MiB, measured as the payloads' memory), and reads again once
    ``recv()`` has taken it down to a quarter of that; it also stops while
    more than ``write_limit`` bytes of output (64 KiB) wait to be written,
    writing them first. None (or 0) removes a mark — a peer sending faster
    than the application takes can then fill the memory, a thousand times
    faster with compressed messages. What libws holds meanwhile is bounded
    by its receive budget (``max_queued``, see
    :meth:`~libws.Connection.receive_data`). While the reader does not
    read, it sends no heartbeat either (the peer is not at fault). After
    :meth:`close`, the reader reads on to finish the closing handshake, and
    messages that arrive while the queue is full are dropped.

    When the peer closes (or breaks the protocol) right behind messages,
    libws queues our close frame only when the reader takes the
    :class:`~libws.Close` event (:attr:`~libws.Connection.close_queued`).
    The reader leaves it queued while the application still has messages
    to take: until every message received has been returned by
    :meth:`recv` and ``recv()`` is called again (the iteration asks for the
    next one), until :meth:`close`, or — for an application that stopped
    reading — until ``close_timeout`` seconds pass without a ``recv()``
    call. Meanwhile :meth:`send` works (the connection is ``CLOSING``), so
    the answers to those messages precede the close frame; input after
    the peer's close is not read (libws ignores it). The pongs to pings
    received before the close are already queued and sent. With no
    message ever received, the close is answered at once.
    """

    _done: threading.Event

    def __init__(
        self,
        sock: socket.socket,
        protocol: Connection,
        *,
        events: Iterable[Event] = (),
        ping_interval: Optional[float] = 20.0,
        close_timeout: float = 10.0,
        max_queue: Optional[int] = MAX_QUEUE,
        max_queue_bytes: Optional[int] = MAX_QUEUE_BYTES,
        write_limit: int = WRITE_LIMIT,
        request: Optional[Request] = None,
        open_event: Optional[Open] = None,
        on_ping: Optional[PingHook] = None,
        on_pong: Optional[PingHook] = None,
    ) -> None:
        self.socket = sock
        self.protocol = protocol
        self.request = request
        self.open_event = open_event
        self.on_ping = on_ping
        self.on_pong = on_pong
        self.ping_interval = ping_interval
        self.close_timeout = close_timeout
        self._lock = threading.Lock()  # the sans-I/O connection
        self._wlock = threading.Lock()  # socket writes, in output order
        self._send_lock = threading.RLock()  # one message at a time (fragments)
        self._messages: "queue.Queue[Any]" = queue.Queue()  # bounded by _bound
        self._bound = QueueBound(max_queue, max_queue_bytes)
        self._paused = False
        self.write_limit = limit("write_limit", write_limit)
        self._close_event: Optional[Close] = None
        self._pings: Dict[bytes, threading.Event] = {}
        self._done = threading.Event()
        self._eof = False
        # The deferred close (see the class docstring). _queued: messages
        # the reader queued (reader only); under _ask_lock: _delivered,
        # messages recv() returned, _waiting, recv() calls in progress,
        # _holding, the reader waits on _hold, _release, close() was called,
        # _bound and _paused (backpressure).
        self._queued = 0
        self._delivered = 0
        self._waiting = 0
        self._holding = False
        self._release = False
        self._ask_lock = threading.Lock()
        self._hold = threading.Condition(self._ask_lock)
        try:
            peer = sock.getpeername()
        except (OSError, AttributeError):
            peer = None
        self._init_log(protocol, peer)
        self._handle(list(events))
        # The reader takes what the connection holds first; a close right
        # behind the handshake stays queued too (see _take_events).
        self._held = False
        self._flush()
        self._reader = threading.Thread(target=self._run, name="libws-reader", daemon=True)
        self._reader.start()

    # ---- public API -----------------------------------------------------

    def recv(self, timeout: Optional[float] = None) -> Data:
        """The next message: str for text, bytes for binary.

        Raises:
            TimeoutError: nothing arrived within timeout seconds.
            ConnectionClosedOK / ConnectionClosedError: the connection
                closed (after every message received before).
        """
        return self.recv_message(timeout).data

    def recv_message(self, timeout: Optional[float] = None) -> Message:
        """The next message as its event: a :class:`~libws.TextMessage` or
        :class:`~libws.BytesMessage`, whose ``compressed`` says whether it
        arrived compressed (permessage-deflate) and ``rsv`` carries
        application-claimed RSV bits. Raises as :meth:`recv`.

        A call made once every message received has been returned is the
        sign that the application is done with them: a close from the
        peer waiting behind them is answered then (see :class:`WebSocket`)."""
        with self._ask_lock:
            self._waiting += 1
            if self._holding:
                self._hold.notify_all()
        item: Any = _CLOSED
        try:
            item = self._messages.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError("no message within the timeout") from None
        finally:
            with self._ask_lock:
                self._waiting -= 1
                if item is not _CLOSED:
                    self._delivered += 1
                    self._bound.remove(size_of(item))
                    if self._paused and self._bound.drained():
                        self._hold.notify_all()
        if item is _CLOSED:
            self._messages.put(_CLOSED)  # for the next recv
            raise _closed_error(self._close_event, self._failure())
        return item  # type: ignore[no-any-return]

    def __iter__(self) -> Iterator[Data]:
        """Yields messages until the connection closes normally (an
        abnormal end raises ConnectionClosedError)."""
        while True:
            try:
                yield self.recv()
            except ConnectionClosedOK:
                return

    def send(self, message: Union[Data, bytearray, memoryview, Iterable[Data]], *, compress: Optional[bool] = None) -> None:
        """Sends a message: str as text, bytes-like as binary, or an
        iterable of str/bytes fragments as one fragmented message.

        Raises:
            ConnectionClosed: the connection is closing or closed.
        """
        with self._send_lock:
            if isinstance(message, (str, bytes, bytearray, memoryview)):
                single: "str | bytes | bytearray | memoryview" = message
                self._op(lambda c: c.send(single, compress=compress))
                self._flush()
                return
            it = iter(message)
            try:
                first = next(it)
            except StopIteration:
                return
            text = isinstance(first, str)
            self._op(lambda c: c.begin_message(text=text, compress=compress))
            prev = first
            for item in it:
                if isinstance(item, str) != text:
                    raise TypeError("fragments must all be str or all be bytes")
                self._op(lambda c: c.send_fragment(prev, False))
                self._flush()
                prev = item
            self._op(lambda c: c.send_fragment(prev, True))
            self._flush()

    def ping(self, data: Optional[Data] = None) -> threading.Event:
        """Sends a ping; returns an Event set when the matching pong
        arrives. data defaults to 4 random bytes."""
        payload = os.urandom(4) if data is None else data.encode() if isinstance(data, str) else bytes(data)
        waiter = threading.Event()
        self._pings[payload] = waiter
        self._op(lambda c: c.ping(payload))
        self._flush()
        return waiter

    def pong(self, data: Data = b"") -> None:
        """Sends an unsolicited pong."""
        self._op(lambda c: c.pong(data))
        self._flush()

    def close(self, code: int = 1000, reason: str = "") -> None:
        """Starts the closing handshake and waits (``close_timeout``) for
        it to finish, then closes the socket. Does nothing if already
        closed. If the peer's close (or a fault of the peer) is waiting
        behind messages not yet taken, it is answered now instead (with
        the peer's code, or the fault's), and those messages stay
        available to :meth:`recv`."""
        with self._hold:
            self._release = True
            self._hold.notify_all()
        if not self._done.is_set():
            try:
                with self._lock:
                    if self.protocol.state == State.OPEN:
                        self.protocol.close(code, reason)
            except (InvalidState, OSError):
                pass
            self._flush()
            if not self._done.wait(self.close_timeout):
                self._abort()
        self._reader.join(self.close_timeout)

    def __enter__(self) -> "WebSocket":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # ---- internals --------------------------------------------------------

    def _failure(self) -> str:
        try:
            with self._lock:
                return self.protocol.failure
        except Exception:
            return ""

    def _op(self, f: Callable[[Connection], None]) -> None:
        try:
            with self._lock:
                f(self.protocol)
        except (InvalidState, BadHandle) as e:
            # BadHandle: the connection was freed once closed.
            if self._close_event is not None or self._done.is_set() or isinstance(e, ConnectionClosed):
                raise _closed_error(self._close_event, self._failure()) from None
            raise

    def _flush(self, wait: bool = True) -> None:
        """Writes the pending output, in order. The reader thread passes
        wait=False: if another thread is writing (perhaps blocked on a full
        socket buffer) it goes on reading, and that writer sends what the
        reader queued (it checks again after releasing the write lock)."""
        while True:
            if not self._wlock.acquire(wait):
                return
            try:
                if not self._drain():
                    return
            finally:
                self._wlock.release()
            try:
                with self._lock:
                    if not self.protocol.output_size:
                        return
            except Exception:
                return
            wait = True

    def _drain(self) -> bool:
        """Writes output until none is left (the write lock held); False if
        the connection or the socket failed."""
        try:
            while True:
                with self._lock:
                    data = self.protocol.data_to_send()
                    if not data:
                        # With the output empty, under the same lock: a
                        # close queued meanwhile cannot be cut off.
                        hint = self.protocol.hint
                        break
                _send_all(self.socket, data)
            if hint == Hint.SHUTDOWN_WRITE and not self._eof:
                self._eof = True
                self.socket.shutdown(socket.SHUT_WR)
            return True
        except Exception:
            return False  # freed, or the socket failed: the reader ends it

    def _flush_final(self) -> None:
        """Before the socket is closed: whatever is queued (a close reply)
        goes out, waiting up to close_timeout for a writer in progress."""
        if self._wlock.acquire(timeout=self.close_timeout):
            try:
                self._drain()
            finally:
                self._wlock.release()

    def _handle(self, events: List[Event]) -> None:
        for ev in events:
            t = type(ev)
            if t is TextMessage or t is BytesMessage:
                self._queue(ev)
            elif t is Close:
                self._close_event = ev  # type: ignore[assignment]
                self._log_close(ev)  # type: ignore[arg-type]
            elif t is Ping:
                if self.on_ping is not None:
                    self._hook(self.on_ping, ev.payload)  # type: ignore[attr-defined]
            elif t is Pong:
                w = self._pings.pop(ev.payload, None)  # type: ignore[attr-defined]
                if w is not None:
                    w.set()
                if self.on_pong is not None:
                    self._hook(self.on_pong, ev.payload)  # type: ignore[attr-defined]

    def _queue(self, message: Any) -> None:
        size = size_of(message)
        with self._ask_lock:
            if self._release and self._bound.full():
                return  # close() was called: the application is done
            self._bound.add(size)
            self._queued += 1
            self._messages.put(message)

    def _wait_room(self) -> None:
        """Backpressure: while the queue is full, the reader waits (not
        reading) until recv() drains it to a quarter, or close()."""
        with self._hold:
            if self._release or not self._bound.full():
                return
            self._paused = True
            try:
                while not (self._release or self._bound.drained()):
                    self._hold.wait()
            finally:
                self._paused = False

    def _take_events(self) -> bool:
        """Moves one batch of what the connection holds (its events, or
        those of its held-back input) to the queue, once the queue has room:
        so the queue outgrows its marks by one batch at most (libws's
        budget, or one message). True if more may be left."""
        self._wait_room()
        with self._ask_lock:
            room = self._bound.room(BATCH)
        with self._lock:
            # A close that queues our close frame stays queued
            # (self._held) until the application is done with the
            # messages before it.
            events, self._held = self.protocol._events_before_close(limit=room, one_batch=True)
        self._handle(events)
        self._flush(wait=False)
        return bool(events) and not self._held

    def _hook(self, hook: PingHook, payload: bytes) -> None:
        try:
            hook(payload)
        except Exception:
            exc_type, exc, tb = sys.exc_info()
            threading.excepthook(threading.ExceptHookArgs((exc_type, exc, tb, threading.current_thread())))

    def _take_held_close(self) -> None:
        """The reader's side of the deferred close: waits until the
        application is done with the messages before it (or calls close(),
        or close_timeout passes without a recv() call), then takes the
        close, which queues our close frame, and sends it."""
        with self._hold:
            self._holding = True
            try:
                while self._must_hold():
                    # Every recv() call wakes us and restarts the timer.
                    if not self._hold.wait(self.close_timeout):
                        break
            finally:
                self._holding = False
        self._held = False
        with self._lock:
            events = self.protocol.events_received()
        self._handle(events)
        self._flush(wait=False)

    def _run(self) -> None:
        sock = self.socket
        sel = selectors.DefaultSelector()
        try:
            sel.register(sock, selectors.EVENT_READ)
            deadline: Optional[float] = None
            more = True  # the connection may hold events: take them first
            eof = False
            while True:
                if self._held:
                    self._take_held_close()
                if more:
                    more = self._take_events()
                    continue
                if eof:
                    break
                with self._lock:
                    hint = self.protocol.hint
                    unsent = self.protocol.output_size
                if hint == Hint.CLOSE:
                    break  # _finish writes what is queued, then closes
                if hint == Hint.SHUTDOWN_WRITE and deadline is None:
                    deadline = time.monotonic() + self.close_timeout
                timeout = self.ping_interval
                if deadline is not None:
                    timeout = max(0.0, deadline - time.monotonic())
                if unsent > self.write_limit:
                    self._flush()  # backpressure: the peer reads first
                pending = sock.pending() if isinstance(sock, ssl_module.SSLSocket) else 0
                if not pending and not sel.select(timeout):
                    if deadline is not None:
                        break  # the peer did not close the transport in time
                    self._heartbeat()
                    continue
                try:
                    data = sock.recv(_RECV_SIZE)
                except (ssl_module.SSLWantReadError, BlockingIOError, InterruptedError):
                    continue
                except OSError:
                    data = b""
                with self._lock:
                    if data:
                        self.protocol.receive_data(data)
                    else:
                        self.protocol.receive_eof()
                more = True
                eof = not data
        except Exception:
            pass
        finally:
            sel.close()
            self._finish()

    def _heartbeat(self) -> None:
        try:
            with self._lock:
                self.protocol.heartbeat()
                events = self.protocol.events_received()
        except Exception:
            return
        self._handle(events)
        self._flush(wait=False)

    def _abort(self) -> None:
        try:
            self.socket.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _finish(self) -> None:
        try:
            with self._lock:
                if self.protocol.state != State.CLOSED:
                    self.protocol.receive_eof()
                    self._handle(self.protocol.events_received())
        except Exception:
            pass
        self._flush_final()
        try:
            self.socket.close()
        except OSError:
            pass
        for w in self._pings.values():
            w.set()
        self._done.set()
        self._messages.put(_CLOSED)


# ---- handshake -------------------------------------------------------------------


def _handshake(
    sock: socket.socket,
    conn: Connection,
    timeout: Optional[float],
    on_request: Optional[Callable[[Request], None]] = None,
) -> Tuple[Open, List[Event], Optional[Request]]:
    """Runs the opening handshake on a blocking socket; returns the Open
    event, the events that followed it, and the Request (server)."""
    deadline = None if timeout is None else time.monotonic() + timeout
    request: Optional[Request] = None
    data = b"x"
    while True:
        # One event at a time: what follows the Open stays in the
        # connection for the reader, which bounds its queue (and defers a
        # close right behind the handshake until its messages are taken).
        events, _ = conn._events_before_close(limit=1)
        for i, ev in enumerate(events):
            if isinstance(ev, Request):
                request = ev
                if on_request is not None:
                    on_request(ev)  # accept() or reject(): more events follow
            elif isinstance(ev, Open):
                sock.settimeout(None)
                _send_all(sock, conn.data_to_send())
                return ev, events[i + 1 :], request
            elif isinstance(ev, Rejected):
                out = conn.data_to_send()
                if out:
                    try:
                        _send_all(sock, out)
                    except OSError:
                        pass
                raise _handshake_error(conn, ev)
        if events:
            continue  # accept()/reject() may have queued more
        out = conn.data_to_send()
        if out:
            _send_all(sock, out)
        if not data:
            raise HandshakeError("the transport ended during the opening handshake", failure=HandshakeFailure.CLOSED)
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("the opening handshake timed out")
            sock.settimeout(left)
        try:
            data = sock.recv(_RECV_SIZE)
        except socket.timeout:
            raise TimeoutError("the opening handshake timed out") from None
        if data:
            conn.receive_data(data)
        else:
            conn.receive_eof()


def connect(
    uri: str,
    *,
    sock: Optional[socket.socket] = None,
    ssl: Optional[ssl_module.SSLContext] = None,
    server_hostname: Optional[str] = None,
    open_timeout: Optional[float] = 10.0,
    ping_interval: Optional[float] = 20.0,
    close_timeout: float = 10.0,
    max_queue: Optional[int] = MAX_QUEUE,
    max_queue_bytes: Optional[int] = MAX_QUEUE_BYTES,
    write_limit: int = WRITE_LIMIT,
    on_ping: Optional[PingHook] = None,
    on_pong: Optional[PingHook] = None,
    **options: Any,
) -> WebSocket:
    """Opens a WebSocket client connection and returns the
    :class:`WebSocket` once the handshake succeeded.

    Args:
        uri: "ws://host[:port]/path?query" or "wss://...".
        sock: an already connected socket to use instead.
        ssl: an SSLContext for wss:// (default: ``ssl.create_default_context()``).
        server_hostname: the TLS server name (SNI, and the name the
            certificate must match) for wss://; default: the URI's host.
        open_timeout: seconds for the TCP connection and the handshake.
        ping_interval: idle seconds before a heartbeat ping (None: never).
        close_timeout: seconds to wait for the closing handshake.
        max_queue, max_queue_bytes: the receive queue's high-water marks
            (16 messages, 16 MiB; None: none) at which the reader stops
            reading; write_limit: unsent output (64 KiB) at which it
            writes before reading on (see :class:`WebSocket`).
        on_ping, on_pong: hooks called with the payload of each ping/pong
            received (see :class:`WebSocket`).
        **options: options of :class:`~libws.ClientConnection`
            (subprotocols, extra_headers, compression, key, ...).

    Raises:
        InvalidURI: the URI is not ws(s)://host[:port]/... (a ValueError).
        InvalidStatus: the server refused the handshake (``.status``,
            ``.headers``).
        ExtensionError, HandshakeError: the server's answer is not valid
            (``.failure``, ``.field``).
        TimeoutError, OSError: the connection failed.
    """
    secure, host, port = _report.parse_uri(uri)
    flow = _flow_args(max_queue, max_queue_bytes, write_limit)
    conn = ClientConnection(uri, **options)
    try:
        if sock is None:
            sock = socket.create_connection((host, port), timeout=open_timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1) if sock.family in (socket.AF_INET, socket.AF_INET6) else None
        if secure:
            ctx = ssl or ssl_module.create_default_context()
            sock = ctx.wrap_socket(sock, server_hostname=server_hostname or host)
        open_event, rest, _ = _handshake(sock, conn, open_timeout)
    except BaseException as e:
        if isinstance(e, HandshakeError):
            _report.client_logger.debug("%s:%d: %s", host, port, e)
        conn.free()
        if sock is not None:
            sock.close()
        raise
    return WebSocket(
        sock,
        conn,
        events=rest,
        ping_interval=ping_interval,
        close_timeout=close_timeout,
        open_event=open_event,
        on_ping=on_ping,
        on_pong=on_pong,
        **flow,
    )


def _flow_args(max_queue: Optional[int], max_queue_bytes: Optional[int], write_limit: int) -> Dict[str, Any]:
    """The backpressure arguments of WebSocket, checked before connecting."""
    QueueBound(max_queue, max_queue_bytes)
    limit("write_limit", write_limit)
    return {"max_queue": max_queue, "max_queue_bytes": max_queue_bytes, "write_limit": write_limit}


class Server:
    """A blocking WebSocket server: a listening socket and a thread per
    connection. Made by :func:`serve`."""

    def __init__(
        self,
        handler: Callable[[WebSocket], None],
        sock: socket.socket,
        *,
        process_request: Optional[Callable[[Request], Optional[Tuple[int, str]]]] = None,
        ssl: Optional[ssl_module.SSLContext] = None,
        open_timeout: Optional[float] = 10.0,
        ping_interval: Optional[float] = 20.0,
        close_timeout: float = 10.0,
        max_queue: Optional[int] = MAX_QUEUE,
        max_queue_bytes: Optional[int] = MAX_QUEUE_BYTES,
        write_limit: int = WRITE_LIMIT,
        options: Optional[Dict[str, Any]] = None,
        on_ping: Optional[PingHook] = None,
        on_pong: Optional[PingHook] = None,
    ) -> None:
        self.handler = handler
        self.flow = _flow_args(max_queue, max_queue_bytes, write_limit)
        self.socket = sock
        self.process_request = process_request
        self.ssl = ssl
        self.open_timeout = open_timeout
        self.ping_interval = ping_interval
        self.close_timeout = close_timeout
        self.on_ping = on_ping
        self.on_pong = on_pong
        self.options = dict(options or {})
        if process_request is not None:
            self.options["manual_accept"] = True
        self._stop = threading.Event()
        self._running = threading.Event()
        self._stopped = threading.Event()
        self._wake_r, self._wake_w = socket.socketpair()
        self._threads: "set[threading.Thread]" = set()
        self._lock = threading.Lock()

    @property
    def port(self) -> int:
        """The listening port."""
        return int(self.socket.getsockname()[1])

    def serve_forever(self) -> None:
        """Accepts connections until :meth:`shutdown` (call it from another
        thread or a handler)."""
        if self._stop.is_set():
            return
        self._running.set()
        sel = selectors.DefaultSelector()
        try:
            self.socket.setblocking(False)
            sel.register(self.socket, selectors.EVENT_READ)
            sel.register(self._wake_r, selectors.EVENT_READ)
            while not self._stop.is_set():
                for key, _ in sel.select():
                    if key.fileobj is self._wake_r or self._stop.is_set():
                        return
                    try:
                        client, addr = self.socket.accept()
                    except (BlockingIOError, InterruptedError):
                        continue
                    client.setblocking(True)
                    t = threading.Thread(
                        target=self._serve_one, args=(client, addr), name=f"libws-conn-{addr}", daemon=True
                    )
                    with self._lock:
                        self._threads.add(t)
                    t.start()
        finally:
            sel.close()
            self._stopped.set()

    def shutdown(self, wait: bool = True, timeout: float = 5.0) -> None:
        """Stops accepting connections (waking :meth:`serve_forever`) and
        closes the listening socket; with wait, waits up to timeout for the
        handler threads."""
        end = time.monotonic() + timeout
        self._stop.set()
        if self._running.is_set():
            try:
                self._wake_w.send(b"x")
            except OSError:
                pass
            self._stopped.wait(timeout)
        try:
            self.socket.close()
        except OSError:
            pass
        if wait:
            with self._lock:
                threads = list(self._threads)
            for t in threads:
                t.join(max(0.0, end - time.monotonic()))

    def __enter__(self) -> "Server":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.shutdown()
        if not self._running.is_set() or self._stopped.is_set():
            self._wake_r.close()
            self._wake_w.close()

    def _serve_one(self, sock: socket.socket, addr: Any) -> None:
        conn: Optional[ServerConnection] = None
        log = _report.server_logger
        peer = _report.peer_name(addr)
        logged = False  # the end of the handshake was logged already
        try:
            if sock.family in (socket.AF_INET, socket.AF_INET6):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self.ssl is not None:
                sock.settimeout(self.open_timeout)
                sock = self.ssl.wrap_socket(sock, server_side=True)
            conn = ServerConnection(**self.options)
            pr = self.process_request

            def on_request(req: Request) -> None:
                nonlocal logged
                if pr is None:
                    return
                try:
                    answer = pr(req)
                except Exception:
                    logged = True
                    log.error("%s: process_request failed", peer, exc_info=True)
                    raise
                if answer is None:
                    conn.accept()  # type: ignore[union-attr]
                else:
                    logged = True
                    log.info("%s: refused the opening handshake (%s %s) with %d", peer, req.method, req.target, answer[0])
                    conn.reject(answer[0], answer[1])  # type: ignore[union-attr]

            open_event, rest, request = _handshake(sock, conn, self.open_timeout, on_request)
        except Exception as e:
            if not logged:
                log.info("%s: %s", peer, _report.handshake_exception(e))
            if conn is not None:
                conn.free()
            sock.close()
            self._done()
            return
        ws = WebSocket(
            sock,
            conn,
            events=rest,
            ping_interval=self.ping_interval,
            close_timeout=self.close_timeout,
            request=request,
            open_event=open_event,
            on_ping=self.on_ping,
            on_pong=self.on_pong,
            **self.flow,
        )
        try:
            self.handler(ws)
            ws.close()
        except ConnectionClosed:
            ws.close()
        except Exception:
            log.error("%s: connection handler failed", peer, exc_info=True)
            ws.close(1011, "internal error")
        finally:
            conn.free()
            self._done()

    def _done(self) -> None:
        with self._lock:
            self._threads.discard(threading.current_thread())


def serve(
    handler: Callable[[WebSocket], None],
    host: Optional[str] = None,
    port: Optional[int] = None,
    *,
    sock: Optional[socket.socket] = None,
    ssl: Optional[ssl_module.SSLContext] = None,
    process_request: Optional[Callable[[Request], Optional[Tuple[int, str]]]] = None,
    open_timeout: Optional[float] = 10.0,
    ping_interval: Optional[float] = 20.0,
    close_timeout: float = 10.0,
    max_queue: Optional[int] = MAX_QUEUE,
    max_queue_bytes: Optional[int] = MAX_QUEUE_BYTES,
    write_limit: int = WRITE_LIMIT,
    backlog: int = 128,
    on_ping: Optional[PingHook] = None,
    on_pong: Optional[PingHook] = None,
    **options: Any,
) -> Server:
    """Makes a WebSocket server listening on host:port (or sock); call
    ``serve_forever()`` on it. handler(ws) runs in a thread per connection;
    the connection is closed (1000) when it returns, or with 1011 if it
    raises (logged at ERROR with the traceback on the ``libws.server``
    logger, as are exceptions of process_request; refused and failed
    handshakes are logged there at INFO).

    Args:
        process_request: called with the :class:`~libws.Request`; return
            None to accept, or (status, body) to refuse with an HTTP error.
        ping_interval: idle seconds before a heartbeat ping (None: never).
        max_queue, max_queue_bytes, write_limit: each connection's
            backpressure (16 messages, 16 MiB, 64 KiB; see
            :class:`WebSocket`): bounded by default.
        on_ping, on_pong: hooks given to each connection's
            :class:`WebSocket` (called with the payload of each ping/pong
            it receives; the WebSocket's attributes can be changed in the
            handler).
        **options: options of :class:`~libws.ServerConnection`
            (subprotocols, compression, max_message_size, ...).
    """
    _flow_args(max_queue, max_queue_bytes, write_limit)  # bad values: before listening
    if sock is None:
        sock = socket.create_server((host or "", port or 0), backlog=backlog, reuse_port=False)
    return Server(
        handler,
        sock,
        process_request=process_request,
        ssl=ssl,
        open_timeout=open_timeout,
        ping_interval=ping_interval,
        close_timeout=close_timeout,
        max_queue=max_queue,
        max_queue_bytes=max_queue_bytes,
        write_limit=write_limit,
        options=options,
        on_ping=on_ping,
        on_pong=on_pong,
    )
