"""WebSocket client and server for asyncio, as a thin layer on the
sans-I/O core: this module only moves bytes between asyncio streams and a
:class:`~libws.Connection`.

Client::

    from libws.asyncio import connect

    async with connect("ws://localhost:8765/") as ws:
        await ws.send("hello")
        print(await ws.recv())

Server::

    from libws.asyncio import serve

    async def echo(ws):
        async for message in ws:
            await ws.send(message)

    async with serve(echo, "localhost", 8765):
        await asyncio.Future()  # run forever

Each :class:`WebSocket` runs a reader task that feeds the connection,
answers pings (libws queues the pongs), sends the heartbeat when the
connection is idle for ``ping_interval`` seconds, and queues the messages
:meth:`WebSocket.recv` returns.

Closing keeps the order of the connection, as in :mod:`libws.sync`: when
the peer's close (or a protocol fault of the peer) arrives behind
messages, every one of them is still returned by :meth:`WebSocket.recv`,
and the close reply goes out only once the application has taken them all
and asks for more (awaits ``recv()`` again, or ``async for`` reaches the
end) — so its answers to them go out before the close frame. An
application that stops taking messages has the close answered anyway after
``close_timeout`` seconds without a ``recv()``, and :meth:`WebSocket.close`
answers it at once.

What the reader sees is public: ``on_ping``/``on_pong`` hooks get the
payload of every ping and pong received, :meth:`WebSocket.recv_message`
returns a message as its event (with ``compressed`` and ``rsv``), and
:attr:`WebSocket.close_event` / :attr:`WebSocket.close_initiator` say how
the connection ended.

Logging is that of :mod:`libws.sync`: the ``libws.server`` logger for
:func:`serve` (a handler that raises at ERROR with its traceback, refused
or failed handshakes and connections failed by the peer's data at INFO),
``libws.client`` for :func:`connect`.
"""

from __future__ import annotations

import asyncio
import os
import socket
import ssl as ssl_module
from typing import (
    Any,
    AsyncIterator,
    Awaitable,
    Callable,
    Dict,
    Generator,
    Iterable,
    List,
    Optional,
    Tuple,
    Union,
)
from . import _report
from ._flow import MAX_QUEUE, MAX_QUEUE_BYTES, WRITE_LIMIT, QueueBound, limit, size_of
from .connection import BATCH, ClientConnection, Connection, ServerConnection
from .constants import HandshakeFailure, Hint, Initiator, State
from .errors import BadHandle, ConnectionClosed, ConnectionClosedOK, HandshakeError, InvalidState
from .events import BytesMessage, Close, DeflateParams, Event, Open, Ping, Pong, Rejected, Request, TextMessage
from .sync import Message, PingHook, _closed_error, _flow_args, _handshake_error, _Status

__all__ = ["WebSocket", "connect", "serve", "Server", "Message", "PingHook"]

Data = Union[str, bytes]
_CLOSED = object()
_READ_SIZE = 65536


class WebSocket(_Status):
    """An asyncio WebSocket connection.

    Made by :func:`connect` (client) or given to the handler of
    :func:`serve` (server). ``async for message in ws`` yields messages
    until the connection closes normally.

    Attributes:
        protocol: the sans-I/O :class:`~libws.Connection`.
        request: (server) the opening :class:`~libws.Request` (its
            ``headers`` are the request's header fields).
        open_event: the :class:`~libws.Open` event of the handshake (on a
            client, its ``headers`` are the 101 response's).
        on_ping: called with the payload of each ping received (libws has
            queued the pong already), or None.
        on_pong: called with the payload of each pong received (answers to
            :meth:`ping` and to the heartbeat, unsolicited pongs), or None.

    The hooks are plain callables run by the reader task, in the order of
    the connection's events: they must not block (to do I/O, start a task).
    An exception they raise goes to the event loop's exception handler;
    the connection goes on.

    Memory is bounded by default (backpressure, as in websockets): the
    reader stops reading the transport while the receive queue holds
    ``max_queue`` messages (16) or ``max_queue_bytes`` bytes of them
    (16 MiB, measured as the payloads' memory), and reads again once
    ``recv()`` has taken it down to a quarter of that; it also waits
    (``drain()``) while the transport's write buffer is above
    ``write_limit`` (64 KiB, set as its high-water mark). None (or 0)
    removes a mark — a peer sending faster than the application takes can
    then fill the memory, a thousand times faster with compressed
    messages. What libws holds meanwhile is bounded by its receive budget
    (``max_queued``, see :meth:`~libws.Connection.receive_data`). While
    the reader does not read, it sends no heartbeat either (the peer is
    not at fault). After :meth:`close`, the reader reads on to finish the
    closing handshake, and messages that arrive while the queue is full
    are dropped.

    When the peer closes (or breaks the protocol) right behind messages,
    libws queues our close frame only when the reader takes the
    :class:`~libws.Close` event (:attr:`~libws.Connection.close_queued`).
    The reader leaves it queued while the application still has messages
    to take: until every message received has been returned by
    :meth:`recv` and ``recv()`` is awaited again, until :meth:`close`, or
    — for an application that stopped reading — until ``close_timeout``
    seconds pass without a ``recv()`` call. Meanwhile :meth:`send` works
    (the connection is ``CLOSING``), so the answers to those messages
    precede the close frame; input after the peer's close is not read
    (libws ignores it). The pongs to pings received before the close are
    already queued and sent. With no message ever received, the close is
    answered at once.
    """

    _done: asyncio.Event

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
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
        self.reader = reader
        self.writer = writer
        self.protocol = protocol
        self.request = request
        self.open_event = open_event
        self.on_ping = on_ping
        self.on_pong = on_pong
        self.ping_interval = ping_interval
        self.close_timeout = close_timeout
        self._messages: "asyncio.Queue[Any]" = asyncio.Queue()  # bounded by _bound
        self._bound = QueueBound(max_queue, max_queue_bytes)
        self._paused = False
        self._room = asyncio.Event()  # set by recv() once the queue drained
        self.write_limit = limit("write_limit", write_limit)
        transport = writer.transport
        if self.write_limit and hasattr(transport, "set_write_buffer_limits"):
            transport.set_write_buffer_limits(high=self.write_limit)
        self._close_event: Optional[Close] = None
        self._pings: Dict[bytes, "asyncio.Future[None]"] = {}
        self._send_lock = asyncio.Lock()
        self._eof_sent = False
        self._done = asyncio.Event()
        # The deferred close (see the class docstring): messages queued by
        # the reader, returned by recv(), recv() calls in progress; the
        # reader waits on _wake while _holding; _release: close() called.
        self._queued = 0
        self._delivered = 0
        self._waiting = 0
        self._holding = False
        self._release = False
        self._wake = asyncio.Event()
        self._init_log(protocol, writer.get_extra_info("peername"))
        self._handle(list(events))
        # The reader takes what the connection holds first; a close right
        # behind the handshake stays queued too (see _take_events).
        self._held = False
        self._write()
        self._task = asyncio.ensure_future(self._run())

    async def recv(self) -> Data:
        """The next message: str for text, bytes for binary.

        Raises:
            ConnectionClosedOK / ConnectionClosedError: the connection
                closed (after every message received before).
        """
        return (await self.recv_message()).data

    async def recv_message(self) -> Message:
        """The next message as its event: a :class:`~libws.TextMessage` or
        :class:`~libws.BytesMessage`, whose ``compressed`` says whether it
        arrived compressed (permessage-deflate) and ``rsv`` carries
        application-claimed RSV bits. Raises as :meth:`recv`.

        A call made once every message received has been returned is the
        sign that the application is done with them: a close from the
        peer waiting behind them is answered then (see :class:`WebSocket`)."""
        self._waiting += 1
        if self._holding:
            self._wake.set()
        item: Any = _CLOSED
        try:
            item = await self._messages.get()
        finally:
            self._waiting -= 1
            if item is not _CLOSED:
                self._delivered += 1
                self._bound.remove(size_of(item))
                if self._paused and self._bound.drained():
                    self._room.set()
        if item is _CLOSED:
            self._messages.put_nowait(_CLOSED)
            raise _closed_error(self._close_event, self._failure())
        return item  # type: ignore[no-any-return]

    def __aiter__(self) -> AsyncIterator[Data]:
        return self._iter()

    async def _iter(self) -> AsyncIterator[Data]:
        while True:
            try:
                yield await self.recv()
            except ConnectionClosedOK:
                return

    async def send(
        self,
        message: Union[Data, bytearray, memoryview, Iterable[Data]],
        *,
        compress: Optional[bool] = None,
    ) -> None:
        """Sends a message: str as text, bytes-like as binary, or an
        iterable of str/bytes fragments as one fragmented message."""
        async with self._send_lock:
            if isinstance(message, (str, bytes, bytearray, memoryview)):
                single: "str | bytes | bytearray | memoryview" = message
                self._op(lambda c: c.send(single, compress=compress))
                await self._drain()
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
                await self._drain()
                prev = item
            self._op(lambda c: c.send_fragment(prev, True))
            await self._drain()

    async def ping(self, data: Optional[Data] = None) -> "asyncio.Future[None]":
        """Sends a ping; returns a future resolved when the matching pong
        arrives (``await (await ws.ping())`` waits for it)."""
        payload = os.urandom(4) if data is None else data.encode() if isinstance(data, str) else bytes(data)
        fut: "asyncio.Future[None]" = asyncio.get_running_loop().create_future()
        self._pings[payload] = fut
        self._op(lambda c: c.ping(payload))
        await self._drain()
        return fut

    async def pong(self, data: Data = b"") -> None:
        """Sends an unsolicited pong."""
        self._op(lambda c: c.pong(data))
        await self._drain()

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Starts the closing handshake, waits (``close_timeout``) for it to
        finish and closes the transport. If the peer's close (or a fault of
        the peer) is waiting behind messages not yet taken, it is answered
        now instead (with the peer's code, or the fault's), and those
        messages stay available to :meth:`recv`."""
        self._release = True
        self._wake.set()
        self._room.set()
        if not self._done.is_set():
            try:
                if self.protocol.state == State.OPEN:
                    self.protocol.close(code, reason)
                    self._write()
            except (InvalidState, OSError):
                pass
            try:
                await asyncio.wait_for(self._done.wait(), self.close_timeout)
            except asyncio.TimeoutError:
                self._task.cancel()
        try:
            await asyncio.wait_for(asyncio.shield(self._task), self.close_timeout)
        except (asyncio.TimeoutError, asyncio.CancelledError):
            pass

    async def wait_closed(self) -> None:
        """Waits until the connection has ended."""
        await self._done.wait()

    async def __aenter__(self) -> "WebSocket":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    # ---- internals --------------------------------------------------------

    def _failure(self) -> str:
        try:
            return self.protocol.failure
        except Exception:
            return ""

    def _op(self, f: Callable[[Connection], None]) -> None:
        try:
            f(self.protocol)
        except (InvalidState, BadHandle) as e:
            # BadHandle: the connection was freed once closed.
            if self._close_event is not None or self._done.is_set() or isinstance(e, ConnectionClosed):
                raise _closed_error(self._close_event, self._failure()) from None
            raise

    def _write(self) -> None:
        try:
            data = self.protocol.data_to_send()
            hint = self.protocol.hint
        except Exception:
            return
        if self.writer.is_closing():
            return
        if data:
            self.writer.write(data)
        if hint == Hint.SHUTDOWN_WRITE and not self._eof_sent and self.writer.can_write_eof():
            self._eof_sent = True
            try:
                self.writer.write_eof()
            except OSError:
                pass

    async def _drain(self) -> None:
        self._write()
        try:
            await self.writer.drain()
        except (ConnectionError, OSError):
            pass

    def _handle(self, events: List[Event]) -> None:
        put = self._messages.put_nowait
        bound = self._bound
        for ev in events:
            t = type(ev)
            if t is TextMessage or t is BytesMessage:
                if self._release and bound.full():
                    continue  # close() was called: the application is done
                bound.add(size_of(ev))
                put(ev)
                self._queued += 1
            elif t is Close:
                self._close_event = ev  # type: ignore[assignment]
                self._log_close(ev)  # type: ignore[arg-type]
            elif t is Ping:
                if self.on_ping is not None:
                    self._hook(self.on_ping, ev.payload)  # type: ignore[attr-defined]
            elif t is Pong:
                fut = self._pings.pop(ev.payload, None)  # type: ignore[attr-defined]
                if fut is not None and not fut.done():
                    fut.set_result(None)
                if self.on_pong is not None:
                    self._hook(self.on_pong, ev.payload)  # type: ignore[attr-defined]

    def _hook(self, hook: PingHook, payload: bytes) -> None:
        try:
            hook(payload)
        except Exception as e:
            asyncio.get_running_loop().call_exception_handler(
                {"message": f"libws: the {getattr(hook, '__name__', 'ping/pong')} hook raised", "exception": e}
            )

    async def _take_held_close(self) -> None:
        """The reader's side of the deferred close: waits until the
        application is done with the messages before it (or calls close(),
        or close_timeout passes without a recv() call), then takes the
        close, which queues our close frame, and writes it."""
        self._holding = True
        try:
            while self._must_hold():
                # Every recv() call wakes us and restarts the timer.
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), self.close_timeout)
                except asyncio.TimeoutError:
                    break
        finally:
            self._holding = False
        self._held = False
        self._handle(self.protocol.events_received())
        self._write()

    async def _wait_room(self) -> None:
        """Backpressure: while the queue is full, the reader waits (not
        reading) until recv() drains it to a quarter, or close()."""
        if self._release or not self._bound.full():
            return
        self._paused = True
        try:
            while not (self._release or self._bound.drained()):
                self._room.clear()
                await self._room.wait()
        finally:
            self._paused = False

    async def _take_events(self) -> bool:
        """Moves one batch of what the connection holds (its events, or
        those of its held-back input) to the queue, once the queue has room:
        so the queue outgrows its marks by one batch at most (libws's
        budget, or one message). True if more may be left."""
        await self._wait_room()
        room = self._bound.room(BATCH)
        # A close that queues our close frame stays queued (self._held)
        # until the application is done with the messages before it.
        events, self._held = self.protocol._events_before_close(limit=room, one_batch=True)
        self._handle(events)
        await self._drain()  # backpressure: past write_limit, the peer reads first
        return bool(events) and not self._held

    async def _run(self) -> None:
        deadline: Optional[float] = None
        loop = asyncio.get_running_loop()
        more = True  # the connection may hold events: take them first
        eof = False
        try:
            while True:
                if self._held:
                    await self._take_held_close()
                if more:
                    more = await self._take_events()
                    continue
                if eof:
                    break
                hint = self.protocol.hint
                if hint == Hint.CLOSE:
                    break
                if hint == Hint.SHUTDOWN_WRITE and deadline is None:
                    deadline = loop.time() + self.close_timeout
                timeout = self.ping_interval if deadline is None else max(0.0, deadline - loop.time())
                try:
                    data = await asyncio.wait_for(self.reader.read(_READ_SIZE), timeout)
                except asyncio.TimeoutError:
                    if deadline is not None:
                        break
                    try:
                        self.protocol.heartbeat()
                    except InvalidState:
                        pass
                    self._handle(self.protocol.events_received())
                    self._write()
                    continue
                except (ConnectionError, OSError):
                    data = b""
                if data:
                    self.protocol.receive_data(data)
                else:
                    self.protocol.receive_eof()
                more = True
                eof = not data
        except asyncio.CancelledError:
            pass
        except Exception:
            pass
        finally:
            self._finish()

    def _finish(self) -> None:
        try:
            if self.protocol.state != State.CLOSED:
                self.protocol.receive_eof()
                self._handle(self.protocol.events_received())
        except Exception:
            pass
        try:
            self.writer.close()
        except Exception:
            pass
        for fut in self._pings.values():
            if not fut.done():
                fut.set_exception(_closed_error(self._close_event))
                fut.exception()  # retrieved: no "never retrieved" warning
        self._done.set()
        self._messages.put_nowait(_CLOSED)


async def _handshake(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    conn: Connection,
    on_request: Optional[Callable[[Request], Awaitable[None]]] = None,
) -> Tuple[Open, List[Event], Optional[Request]]:
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
                    await on_request(ev)
            elif isinstance(ev, Open):
                writer.write(conn.data_to_send())
                return ev, events[i + 1 :], request
            elif isinstance(ev, Rejected):
                out = conn.data_to_send()
                if out:
                    writer.write(out)
                    try:
                        await writer.drain()
                    except (ConnectionError, OSError):
                        pass
                raise _handshake_error(conn, ev)
        if events:
            continue
        out = conn.data_to_send()
        if out:
            writer.write(out)
            await writer.drain()
        if not data:
            raise HandshakeError("the transport ended during the opening handshake", failure=HandshakeFailure.CLOSED)
        data = await reader.read(_READ_SIZE)
        if data:
            conn.receive_data(data)
        else:
            conn.receive_eof()


class connect:
    """Opens a client connection: ``ws = await connect(uri)`` or
    ``async with connect(uri) as ws:``.

    Args:
        uri: "ws://host[:port]/path?query" or "wss://...".
        ssl: an SSLContext for wss:// (default: ``ssl.create_default_context()``).
        server_hostname: the TLS server name (SNI, and the name the
            certificate must match) for wss://; default: the URI's host.
        sock: an already connected socket to use instead.
        open_timeout: seconds for the TCP connection and the handshake.
        ping_interval: idle seconds before a heartbeat ping (None: never).
        close_timeout: seconds to wait for the closing handshake.
        max_queue, max_queue_bytes: the receive queue's high-water marks
            (16 messages, 16 MiB; None: none) at which the reader stops
            reading; write_limit: the transport's write buffer (64 KiB)
            above which it waits for the peer to read (see
            :class:`WebSocket`).
        on_ping, on_pong: hooks called with the payload of each ping/pong
            received (see :class:`WebSocket`).
        **options: options of :class:`~libws.ClientConnection`
            (subprotocols, extra_headers, compression, key, ...).

    Raises:
        InvalidURI: the URI is not ws(s)://host[:port]/... (a ValueError),
            at once (before anything is awaited).
        InvalidStatus: the server refused the handshake (``.status``,
            ``.headers``).
        ExtensionError, HandshakeError: the server's answer is not valid
            (``.failure``, ``.field``).
        asyncio.TimeoutError, OSError: the connection failed.
    """

    def __init__(
        self,
        uri: str,
        *,
        ssl: Optional[ssl_module.SSLContext] = None,
        sock: Optional[socket.socket] = None,
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
    ) -> None:
        self.uri = uri
        self._secure, self._host, self._port = _report.parse_uri(uri)
        self.server_hostname = server_hostname
        self.flow = _flow_args(max_queue, max_queue_bytes, write_limit)
        self.ssl = ssl
        self.sock = sock
        self.open_timeout = open_timeout
        self.ping_interval = ping_interval
        self.close_timeout = close_timeout
        self.on_ping = on_ping
        self.on_pong = on_pong
        self.options = options
        self._ws: Optional[WebSocket] = None

    async def _connect(self) -> WebSocket:
        host, port = self._host, self._port
        ssl_ctx = (self.ssl or ssl_module.create_default_context()) if self._secure else None
        # asyncio takes a server_hostname only with ssl.
        tls_name = (self.server_hostname or host) if ssl_ctx else None
        conn = ClientConnection(self.uri, **self.options)
        writer: Optional[asyncio.StreamWriter] = None
        try:

            async def go() -> Tuple[Open, List[Event], asyncio.StreamReader, asyncio.StreamWriter]:
                nonlocal writer
                if self.sock is not None:
                    reader, writer = await asyncio.open_connection(sock=self.sock, ssl=ssl_ctx, server_hostname=tls_name)
                else:
                    reader, writer = await asyncio.open_connection(host, port, ssl=ssl_ctx, server_hostname=tls_name)
                open_event, rest, _ = await _handshake(reader, writer, conn)
                return open_event, rest, reader, writer

            open_event, rest, reader, writer = await asyncio.wait_for(go(), self.open_timeout)
        except BaseException as e:
            if isinstance(e, HandshakeError):
                _report.client_logger.debug("%s:%d: %s", host, port, e)
            conn.free()
            if writer is not None:
                writer.close()
            raise
        assert writer is not None
        return WebSocket(
            reader,
            writer,
            conn,
            events=rest,
            ping_interval=self.ping_interval,
            close_timeout=self.close_timeout,
            open_event=open_event,
            on_ping=self.on_ping,
            on_pong=self.on_pong,
            **self.flow,
        )

    def __await__(self) -> Generator[Any, None, WebSocket]:
        return self._connect().__await__()

    async def __aenter__(self) -> WebSocket:
        self._ws = await self._connect()
        return self._ws

    async def __aexit__(self, *exc: Any) -> None:
        if self._ws is not None:
            await self._ws.close()
            self._ws.protocol.free()


class Server:
    """A running asyncio WebSocket server (made by :func:`serve`)."""

    def __init__(self, server: asyncio.base_events.Server) -> None:
        self.server = server
        self.connections: "set[WebSocket]" = set()

    @property
    def sockets(self) -> Tuple[Any, ...]:
        """The listening sockets."""
        return tuple(self.server.sockets)

    @property
    def port(self) -> int:
        """The (first) listening port."""
        return int(self.server.sockets[0].getsockname()[1])

    def close(self) -> None:
        """Stops listening (open connections go on until they end)."""
        self.server.close()

    async def wait_closed(self) -> None:
        """Waits until the server is closed."""
        await self.server.wait_closed()

    async def serve_forever(self) -> None:
        """Accepts connections until cancelled."""
        await self.server.serve_forever()

    async def __aenter__(self) -> "Server":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        self.close()
        for ws in list(self.connections):
            await ws.close(1001, "server shutting down")
        await self.wait_closed()


class serve:
    """Starts a WebSocket server: ``server = await serve(handler, host,
    port)`` or ``async with serve(handler, host, port) as server:``.

    ``handler(ws)`` is a coroutine run per connection; the connection is
    closed (1000) when it returns, or with 1011 if it raises (logged at
    ERROR with the traceback on the ``libws.server`` logger, as are
    exceptions of process_request; refused and failed handshakes are
    logged there at INFO).

    Args:
        process_request: ``async def process_request(request) -> None |
            (status, body)``: accept (None) or refuse the
            :class:`~libws.Request`.
        ping_interval: idle seconds before a heartbeat ping (None: never).
        max_queue, max_queue_bytes, write_limit: each connection's
            backpressure (16 messages, 16 MiB, 64 KiB; see
            :class:`WebSocket`): bounded by default.
        on_ping, on_pong: hooks given to each connection's
            :class:`WebSocket` (called with the payload of each ping/pong
            it receives).
        **options: options of :class:`~libws.ServerConnection`, and
            ``ssl``/``sock``/``backlog`` for ``asyncio.start_server``.
    """

    def __init__(
        self,
        handler: Callable[[WebSocket], Awaitable[None]],
        host: Optional[str] = None,
        port: Optional[int] = None,
        *,
        ssl: Optional[ssl_module.SSLContext] = None,
        sock: Optional[socket.socket] = None,
        backlog: int = 100,
        process_request: Optional[Callable[[Request], Awaitable[Optional[Tuple[int, str]]]]] = None,
        open_timeout: Optional[float] = 10.0,
        ping_interval: Optional[float] = 20.0,
        close_timeout: float = 10.0,
        max_queue: Optional[int] = MAX_QUEUE,
        max_queue_bytes: Optional[int] = MAX_QUEUE_BYTES,
        write_limit: int = WRITE_LIMIT,
        on_ping: Optional[PingHook] = None,
        on_pong: Optional[PingHook] = None,
        **options: Any,
    ) -> None:
        self.flow = _flow_args(max_queue, max_queue_bytes, write_limit)
        self.on_ping = on_ping
        self.on_pong = on_pong
        self.handler = handler
        self.host = host
        self.port = port
        self.ssl = ssl
        self.sock = sock
        self.backlog = backlog
        self.process_request = process_request
        self.open_timeout = open_timeout
        self.ping_interval = ping_interval
        self.close_timeout = close_timeout
        self.options = dict(options)
        if process_request is not None:
            self.options["manual_accept"] = True
        self._server: Optional[Server] = None

    async def _start(self) -> Server:
        holder: List[Server] = []

        async def on_client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await self._serve_one(reader, writer, holder[0])

        if self.sock is not None:
            srv = await asyncio.start_server(on_client, sock=self.sock, ssl=self.ssl, backlog=self.backlog)
        else:
            srv = await asyncio.start_server(on_client, self.host, self.port, ssl=self.ssl, backlog=self.backlog)
        server = Server(srv)
        holder.append(server)
        return server

    async def _serve_one(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, server: Server) -> None:
        sock = writer.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn = ServerConnection(**self.options)
        pr = self.process_request
        log = _report.server_logger
        peer = _report.peer_name(writer.get_extra_info("peername"))
        logged = False  # the end of the handshake was logged already

        async def on_request(req: Request) -> None:
            nonlocal logged
            if pr is None:
                return
            try:
                answer = await pr(req)
            except Exception:
                logged = True
                log.error("%s: process_request failed", peer, exc_info=True)
                raise
            if answer is None:
                conn.accept()
            else:
                logged = True
                log.info("%s: refused the opening handshake (%s %s) with %d", peer, req.method, req.target, answer[0])
                conn.reject(answer[0], answer[1])

        try:
            open_event, rest, request = await asyncio.wait_for(
                _handshake(reader, writer, conn, on_request), self.open_timeout
            )
        except Exception as e:
            if not logged:
                log.info("%s: %s", peer, _report.handshake_exception(e))
            conn.free()
            writer.close()
            return
        ws = WebSocket(
            reader,
            writer,
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
        server.connections.add(ws)
        try:
            await self.handler(ws)
            await ws.close()
        except ConnectionClosed:
            await ws.close()
        except Exception:
            log.error("%s: connection handler failed", peer, exc_info=True)
            await ws.close(1011, "internal error")
        finally:
            server.connections.discard(ws)
            conn.free()

    def __await__(self) -> Generator[Any, None, Server]:
        return self._start().__await__()

    async def __aenter__(self) -> Server:
        self._server = await self._start()
        return self._server

    async def __aexit__(self, *exc: Any) -> None:
        if self._server is not None:
            await self._server.__aexit__(*exc)
