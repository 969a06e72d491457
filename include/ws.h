/*
 * ws.h — libws: a WebSocket protocol library (RFC 6455, RFC 7692).
 *
 * This header is the reference manual of libws.so / libws.a. Everything a
 * C, Python or Perl program can do with libws is declared and documented
 * here: what each function does, what it returns, who owns each pointer and
 * how long a borrowed pointer lives, and the thread rules.
 *
 * ------------------------------------------------------------------------
 * THE MODEL
 *
 * libws does no I/O. Your program owns the transport (a blocking or
 * non-blocking socket, TLS, a pipe, anything) and its timers; libws turns
 * bytes into events and messages into bytes:
 *
 *     ws_conn *c;
 *     ws_server_new(cfg, &c);
 *     ws_event ev = { .size = sizeof ev };
 *     for (;;) {
 *         n = read(fd, buf, sizeof buf);
 *         if (n <= 0 && ws_feed_eof(c) == WS_E_CLOSED) break; // ended before
 *         off = 0;
 *         do {                                  // any chunking works
 *             if (n > 0) off = n - ws_feed(c, buf + off, n - off);
 *             while (ws_next_event(c, &ev) > 0) {   // pull events
 *                 if (ev.type == WS_EV_TEXT) ws_send_text(c, ev.data, ev.len);
 *             }
 *         } while (off < n);     // ws_feed left bytes (its budget filled)
 *         const uint8_t *out; size_t len;
 *         ws_output(c, &out, &len);             // bytes to write
 *         n = write(fd, out, len);
 *         if (n > 0) ws_consume(c, n);          // partial writes are fine
 *         if (len == (size_t)n && ws_hint(c) == WS_HINT_CLOSE) {
 *             close(fd);                        // all written: done
 *             break;
 *         }
 *         if (len == (size_t)n && ws_hint(c) == WS_HINT_SHUTDOWN_WRITE)
 *             shutdown(fd, SHUT_WR);            // a client: the server closes TCP
 *     }
 *
 * Protocol duties are automatic but visible: pongs to pings and the reply
 * to a close frame are queued as output for you, and still reported as
 * events. A peer that breaks the protocol is never an error of ws_feed: the
 * connection fails with the right close code (1002, 1007, 1009, 1010,
 * 1011) and you get a WS_EV_CLOSE event with initiator
 * WS_CLOSED_BY_FAILURE — after every message that arrived intact before the
 * fault; taking that event queues the close frame, so those messages can be
 * answered first.
 *
 * ------------------------------------------------------------------------
 * RETURN VALUES
 *
 * Functions return int: zero or positive on success, a negative WS_E_*
 * code on failure. ws_strerror(code) describes a code; ws_last_error()
 * gives the detailed message of the last failed call on the calling thread.
 *
 * Messages are plain text with no "libws" or "ws: " prefix (add your own
 * when you log them). One that refuses a call's arguments names the call
 * ("ws_send: buf is NULL with a non-zero length"); one about the
 * connection says what happened and where ("handshake: header line 2 has
 * no colon: ..."), quoting at most a short, escaped prefix of a peer's
 * bytes. ws_conn_failure() and a WS_EV_CLOSE's data for the same failure
 * have the same words.
 *
 * ------------------------------------------------------------------------
 * MEMORY
 *
 * libws never aborts the process for want of memory. A call that cannot
 * get the memory it needs returns WS_E_NOMEM and queues nothing; memory
 * that a peer's data needs and cannot get fails that connection with close
 * code 1011 (a WS_EV_CLOSE with WS_CLOSED_BY_FAILURE, "out of memory ...").
 * Under a memory limit (RLIMIT_AS, RLIMIT_DATA, strict overcommit) libws's
 * buffers stop 96 MiB short of it (small ones 32 MiB), leaving room to
 * the Go runtime inside, whose own allocations cannot fail cleanly.
 *
 * Impossible arguments are refused before anything is read or allocated:
 * a length above 2^47 bytes (128 TiB, more than any address space holds;
 * PTRDIFF_MAX on 32-bit systems) gives WS_E_ARG, and the string arguments
 * of one call that together exceed 1 MiB give WS_E_LIMIT.
 *
 * What lives in Go memory is small and bounded by limits, not by a peer's
 * or a caller's lengths: per connection the deflate windows (32 KiB each
 * way) and, while a message is being decoded, the decoder's tables; a
 * compressed message is built straight into the connection's C output
 * buffer; ws_decompress copies at most 64 KiB of its input; a server
 * stopped at WS_EV_REQUEST (WS_OPT_MANUAL_ACCEPT) keeps at most
 * WS_OPT_MAX_QUEUED bytes of what follows the request (ws_feed_events:
 * WS_OPT_MAX_FRAME), and leaves the rest unconsumed.
 *
 * ------------------------------------------------------------------------
 * OWNERSHIP AND LIFETIMES
 *
 * - Objects made by *_new are owned by you and released with *_free;
 *   *_free(NULL) does nothing. A freed or foreign handle passed to any
 *   function returns WS_E_BAD_HANDLE (never a crash).
 * - Input buffers are read during the call only, never modified, never
 *   kept: libws copies what it needs.
 * - Pointers libws returns (event data, output, strings) point into memory
 *   owned by the connection ("borrowed"). Each function says how long its
 *   pointer lives; unless stated otherwise, until the next call on the
 *   same connection. Never free them.
 *
 * ------------------------------------------------------------------------
 * THREADS
 *
 * - Functions that take no connection or config are thread-safe.
 * - A connection (or config) may be used from any thread, but by one thread
 *   at a time. A call made while another thread is inside a call on the
 *   same object returns WS_E_BUSY at once (it does not wait).
 * - Different connections are independent and may be used in parallel.
 * - libws runs a Go runtime: one per process, started when the library is
 *   loaded, with a few threads of its own.
 *
 * ------------------------------------------------------------------------
 * SIGNALS
 *
 * libws never handles asynchronous signals itself (it does not use Go's
 * os/signal). The Go runtime installs handlers for synchronous signals
 * (SIGSEGV, SIGBUS, SIGFPE, ...), SIGPIPE and SIGURG (which it sends to its
 * own threads), and forwards signals that are not its own to the handler
 * installed before it. What a host must know:
 * - A process-directed signal (SIGCHLD, SIGALRM, SIGUSR1, SIGINT...) may be
 *   delivered to one of the runtime's threads, so your handler may run on a
 *   thread you did not create. Keep handlers async-signal-safe, and wake a
 *   poll()/select() loop with a self-pipe rather than relying on EINTR in
 *   the main thread.
 * - Handlers you install after loading libws should use SA_ONSTACK (the Go
 *   runtime requires it for handlers that may run on its threads).
 * - Write to sockets with MSG_NOSIGNAL (or ignore SIGPIPE), as any program
 *   should: a write to a closed socket otherwise kills the process.
 * - select(), poll() and epoll_wait() are never restarted after a signal:
 *   treat EINTR as "wait again for the rest of the timeout", not as a
 *   timeout (the runtime's SIGURG can reach a thread shortly after a call
 *   into libws). Perl's IO::Select::can_read returns () for both.
 * - Hosts whose handlers must run on one thread (threaded perl before 5.42)
 *   use ws_signal_forward (below). It makes every ws_* call block the
 *   asynchronous signals for its time in the Go runtime, which costs two
 *   system calls per call; such hosts should prefer the calls that do more
 *   per crossing (ws_feed_next, ws_next_events).
 * - Never call a ws_* function from a signal handler — not even one that
 *   looks pure, such as ws_utf8_valid: every call enters the Go runtime,
 *   which is not async-signal-safe (a handler that interrupted a thread
 *   inside the runtime would corrupt it; it crashes). Set a flag or write
 *   to a self-pipe in the handler and call libws from your loop.
 *
 * ------------------------------------------------------------------------
 * FORK
 *
 * A Go runtime does not survive fork(). If the library was loaded before
 * fork(), every call in the child returns WS_E_FORKED at once, before
 * entering the runtime (it never hangs). Load libws in the child instead
 * (dlopen after fork, or lazy loading in a binding); a library loaded only
 * in the child works normally.
 */
#ifndef LIBWS_WS_H
#define LIBWS_WS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Versions ------------------------------------------------------- */

#define WS_VERSION_MAJOR 1
#define WS_VERSION_MINOR 1
#define WS_VERSION_PATCH 0
#define WS_VERSION_STRING "1.1.0"

/* The ABI version: bumped on any incompatible change to this header. A
 * binding should refuse a library whose ws_abi_version() differs from the
 * WS_ABI_VERSION it was written for. */
#define WS_ABI_VERSION 1

/* The library's version string, e.g. "1.0.0". Static; never NULL. */
const char *ws_version(void);

/* The library's ABI version (compare with WS_ABI_VERSION). */
int ws_abi_version(void);

/* ---- Status codes ---------------------------------------------------- */

/* Codes are grouped by class in ranges of ten: WS_E_CLASS(code) gives the
 * class (the first code of its range). Values never change meaning. */
#define WS_OK               0
/* would block */
#define WS_E_AGAIN         (-1)  /* need more input before anything can be returned */
#define WS_E_OUTPUT_FULL   (-2)  /* output queue at its cap; write and consume first */
/* state */
#define WS_E_STATE         (-10) /* not valid in the connection's current state */
#define WS_E_CLOSED        (-11) /* the connection is closed (or closing) for this */
/* argument */
#define WS_E_ARG           (-20) /* invalid argument (value, option, UTF-8 in text) */
#define WS_E_NULL          (-21) /* a required pointer is NULL */
/* limit */
#define WS_E_LIMIT         (-30) /* a configured limit was exceeded */
#define WS_E_TOO_BIG       (-31) /* a message or frame exceeds a limit */
#define WS_E_NOMEM         (-32) /* out of memory (see MEMORY above) */
/* protocol */
#define WS_E_PROTOCOL      (-40) /* the peer or the data broke RFC 6455 */
#define WS_E_UTF8          (-41) /* invalid UTF-8 */
#define WS_E_HANDSHAKE     (-42) /* the opening handshake failed */
#define WS_E_EXTENSION     (-43) /* extension negotiation failed */
/* handle */
#define WS_E_BAD_HANDLE    (-50) /* not a live libws object (freed, foreign) */
#define WS_E_BUSY          (-51) /* another thread is using this object right now */
/* process */
#define WS_E_FORKED        (-60) /* the library was loaded before fork(); unusable here */
/* internal */
#define WS_E_INTERNAL      (-70) /* a bug in libws; the object is unusable from now on */

#define WS_E_CLASS(code) ((code) >= 0 ? 0 : (code) > -10 ? -1 : ((code) / 10) * 10)

/* A static description of a status code (never NULL, never freed). */
const char *ws_strerror(int code);

/* The detailed message of the last call that failed on the calling thread,
 * or "" if none has. Thread-local; valid until the next failing call on
 * this thread. Never NULL. */
const char *ws_last_error(void);

/* ---- Protocol constants ------------------------------------------------ */

/* Opcodes (RFC 6455 §5.2). 3-7 and 11-15 are reserved; an application
 * extension may claim them with WS_OPT_ALLOW_OPCODES. */
#define WS_OP_CONTINUATION 0x0
#define WS_OP_TEXT         0x1
#define WS_OP_BINARY       0x2
#define WS_OP_CLOSE        0x8
#define WS_OP_PING         0x9
#define WS_OP_PONG         0xA

/* RSV bits as used in ws_event.rsv, ws_frame_header.rsv and options. */
#define WS_RSV1 4
#define WS_RSV2 2
#define WS_RSV3 1

/* Close codes (RFC 6455 §7.4.1 and IANA). */
#define WS_CLOSE_NORMAL              1000
#define WS_CLOSE_GOING_AWAY          1001
#define WS_CLOSE_PROTOCOL_ERROR      1002
#define WS_CLOSE_UNSUPPORTED_DATA    1003
#define WS_CLOSE_NO_STATUS           1005 /* never sent: the close frame had no code */
#define WS_CLOSE_ABNORMAL            1006 /* never sent: closed without a close frame */
#define WS_CLOSE_INVALID_PAYLOAD     1007
#define WS_CLOSE_POLICY_VIOLATION    1008
#define WS_CLOSE_MESSAGE_TOO_BIG     1009
#define WS_CLOSE_MANDATORY_EXTENSION 1010
#define WS_CLOSE_INTERNAL_ERROR      1011
#define WS_CLOSE_SERVICE_RESTART     1012
#define WS_CLOSE_TRY_AGAIN_LATER     1013
#define WS_CLOSE_BAD_GATEWAY         1014

/* Roles. */
#define WS_ROLE_CLIENT 1
#define WS_ROLE_SERVER 2

/* ---- Configuration ------------------------------------------------------ */

typedef struct ws_config ws_config;

/* Creates a configuration for role (WS_ROLE_CLIENT or WS_ROLE_SERVER) with
 * every option at its default. A config may be shared by many connections:
 * each connection copies it when created.
 * Returns WS_OK and sets *out, or WS_E_ARG (bad role), WS_E_NULL. */
int ws_config_new(int role, ws_config **out);

/* Releases a configuration. Connections made from it are not affected. */
void ws_config_free(ws_config *cfg);

/* Option identifiers for ws_config_set / ws_config_get. Integer options
 * take an int64_t; booleans are 0 or 1. */
enum ws_option {
    /* Limits. 0 restores the default; -1 means unlimited where allowed. */
    WS_OPT_MAX_MESSAGE       = 1,  /* bytes of a received message, after inflating (64 MiB); over → close 1009 */
    WS_OPT_MAX_FRAME         = 2,  /* bytes of one received frame's payload (64 MiB); over → close 1009 */
    WS_OPT_MAX_OUTPUT        = 3,  /* backpressure: while this many bytes of output are unsent, data sends fail
                                      with WS_E_OUTPUT_FULL; a send into a smaller queue is accepted whole (64 MiB) */
    WS_OPT_MAX_HANDSHAKE     = 4,  /* bytes of an HTTP head (16 KiB); over → 431 */
    WS_OPT_MAX_HEADERS       = 5,  /* header lines in an HTTP head (100); over → 431 */
    /* Receiving. */
    WS_OPT_STREAMING         = 6,  /* 1: deliver data as chunks as it arrives, compressed messages as they
                                    * inflate, each ws_feed queueing about WS_OPT_MAX_QUEUED (default 0:
                                    * whole messages) */
    WS_OPT_CHUNK_PER_FRAME   = 7,  /* 1 (with streaming): one chunk per frame, when the frame is complete
                                    * (a compressed frame that inflates past the budget: more than one) */
    WS_OPT_VALIDATE_UTF8     = 8,  /* 1 (default): check text messages are UTF-8, sent and received */
    WS_OPT_AUTO_PONG         = 9,  /* 1 (default): answer pings automatically */
    WS_OPT_MAX_PINGS         = 10, /* unanswered heartbeat pings before closing with 1008 (3) */
    /* Server handshake. */
    WS_OPT_MANUAL_ACCEPT     = 11, /* 1: stop at WS_EV_REQUEST until ws_accept/ws_reject (default 0: accept at once) */
    /* permessage-deflate (RFC 7692). Parameter names follow the RFC: server_* is what the server compresses. */
    WS_OPT_DEFLATE                      = 12, /* 1: offer (client) / accept (server) permessage-deflate (default 0) */
    WS_OPT_DEFLATE_SERVER_NO_CONTEXT_TAKEOVER = 13, /* 1: ask for / impose server_no_context_takeover */
    WS_OPT_DEFLATE_CLIENT_NO_CONTEXT_TAKEOVER = 14, /* 1: ask for / impose client_no_context_takeover */
    WS_OPT_DEFLATE_SERVER_MAX_WINDOW_BITS     = 15, /* 8..15, 0 = default (15, not offered) */
    WS_OPT_DEFLATE_CLIENT_MAX_WINDOW_BITS     = 16, /* 8..15, 0 = default (15) */
    WS_OPT_DEFLATE_LEVEL                      = 17, /* 1..9, 0 = default (6) */
    WS_OPT_DEFLATE_MIN_SIZE                   = 18, /* send messages shorter than this uncompressed (32); -1 = compress all */
    WS_OPT_DEFLATE_REQUIRED                   = 19, /* 1: server rejects requests without it (400); client fails with 1010 */
    /* Application extensions. */
    WS_OPT_ALLOW_RSV         = 20, /* bit set of RSV bits (WS_RSV2|WS_RSV3, or WS_RSV1 without WS_OPT_DEFLATE) an extension claims */
    WS_OPT_ALLOW_OPCODES     = 21, /* bit set (1 << opcode) of reserved opcodes an extension claims */
    WS_OPT_MAX_QUEUED        = 22, /* receive budget: bytes of untaken events a ws_feed may queue (1 MiB; -1 =
                                    * unlimited); once reached, ws_feed stops and returns the bytes left */
    WS_OPT_ECHO_CLOSE_REASON = 23  /* 1: the reply to a peer's close repeats its reason too, as Net::WebSocket
                                    * did (default 0: the code alone, which RFC 6455 §5.5.1 says is typical) */
};

/* Sets an integer option. Returns WS_OK, WS_E_ARG (unknown option or value
 * out of range — nothing changes), WS_E_NULL, WS_E_BAD_HANDLE. Options are
 * checked against each other when a connection is made from the config
 * (e.g. WS_RSV1 in WS_OPT_ALLOW_RSV with WS_OPT_DEFLATE: WS_E_ARG then). */
int ws_config_set(ws_config *cfg, int option, int64_t value);

/* Reads an integer option into *value (defaults read as their value).
 * Returns WS_OK, WS_E_ARG, WS_E_NULL, WS_E_BAD_HANDLE. */
int ws_config_get(const ws_config *cfg, int option, int64_t *value);

/* Adds a subprotocol: on a client, offered in the order added; on a
 * server, supported (the first the client offers that is supported is
 * chosen). name must be an HTTP token. Returns WS_OK, WS_E_ARG, WS_E_NULL. */
int ws_config_add_subprotocol(ws_config *cfg, const char *name);

/* Adds a header field to the client's request or the server's 101
 * response. Fields that libws owns (Upgrade, Connection, Host,
 * Sec-WebSocket-*, Content-Length, Transfer-Encoding, and on a client
 * Origin — use ws_config_set_origin) are refused with WS_E_ARG, as are
 * invalid names and values containing CR or LF. */
int ws_config_add_header(ws_config *cfg, const char *name, const char *value);

/* Sets the Origin a client sends ("" or NULL: none). */
int ws_config_set_origin(ws_config *cfg, const char *origin);

/* Client: the Sec-WebSocket-Key to send (base64 of 16 bytes). Leave it
 * unset: every connection then gets a fresh random key, as RFC 6455 §4.1
 * requires; a fixed key is for tests and reproducible transcripts. NULL or
 * "" restores the random key. WS_E_ARG for a bad key or a server config. */
int ws_config_set_key(ws_config *cfg, const char *key);

/* Client: adds a fallback permessage-deflate offer, sent after the first
 * one (made from the WS_OPT_DEFLATE_* options), so that a server declining
 * the first may accept another. Window bits 8..15, or 0 (server: not
 * offered; client: offered without a value). Needs WS_OPT_DEFLATE.
 * Returns WS_OK; WS_E_ARG for bad window bits or a server config. */
int ws_config_add_deflate_offer(ws_config *cfg, int server_no_context_takeover,
                                int client_no_context_takeover,
                                int server_max_window_bits, int client_max_window_bits);

/* Client: adds a raw Sec-WebSocket-Extensions offer for an application
 * extension (e.g. "x-my-ext; level=2"); a response may accept it. */
int ws_config_add_extension_offer(ws_config *cfg, const char *offer);

/* ---- Connections ---------------------------------------------------- */

typedef struct ws_conn ws_conn;

/* The three constructors set *out to the new connection on success and to
 * NULL on failure. The config is copied: it may be changed or freed
 * afterwards without affecting the connection. */

/* Creates a client connection for url ("ws://host[:port]/path?query" or
 * "wss://..."; TLS is yours to do). The opening request is queued at once:
 * write ws_output() to the transport, then feed the server's answer.
 * Returns WS_OK and sets *out; WS_E_ARG for a bad URL or config role;
 * WS_E_NULL; WS_E_BAD_HANDLE. */
int ws_client_new(const ws_config *cfg, const char *url, ws_conn **out);

/* Creates a server connection that waits for the client's opening request:
 * feed the bytes you read. A valid request gives WS_EV_REQUEST and (unless
 * WS_OPT_MANUAL_ACCEPT) the 101 response is queued and WS_EV_OPEN follows.
 * An invalid one is answered with 400, 426 or 431 and gives WS_EV_REJECTED.
 * Returns WS_OK; WS_E_ARG (a client config, or options that contradict each
 * other); WS_E_NULL; WS_E_BAD_HANDLE. */
int ws_server_new(const ws_config *cfg, ws_conn **out);

/* Creates a connection already open, for programs that did the HTTP
 * handshake themselves (their own HTTP server, a proxy). subprotocol and
 * extensions are the values of the 101 response's Sec-WebSocket-Protocol
 * and Sec-WebSocket-Extensions fields (NULL or "" for none); a
 * permessage-deflate element there is applied. Feed the bytes that follow
 * the HTTP head. Returns WS_OK, WS_E_ARG (bad values), WS_E_NULL. */
int ws_conn_new_open(const ws_config *cfg, const char *subprotocol,
                     const char *extensions, ws_conn **out);

/* Releases a connection and all its memory; borrowed pointers die. */
void ws_conn_free(ws_conn *c);

/* ---- Input ------------------------------------------------------------ */

/* Gives the connection len bytes read from the transport, in any chunking
 * (one byte at a time gives the same events as one big buffer). What can
 * be parsed is parsed at once; results are queued as events, replies as
 * output. Event data returned before this call becomes invalid.
 *
 * The receive budget. What the connection holds for you — queued events
 * not yet taken and the message being assembled — is bounded by
 * WS_OPT_MAX_QUEUED (1 MiB), however big len is: once the queued events
 * reach it, ws_feed stops consuming input and returns how many trailing
 * bytes of buf it did not consume. Take the queued events (they are valid
 * until the next ws_feed), then feed those bytes again:
 *
 *     size_t off = 0;
 *     while (off < n) {
 *         int left = ws_feed(c, buf + off, n - off);
 *         if (left < 0) break;                  // misuse: see the codes
 *         off = n - (size_t)left;
 *         while (ws_next_event(c, &ev) > 0) ...;
 *     }
 *
 * A single message may still grow to WS_OPT_MAX_MESSAGE while no event is
 * queued; compressed input is inflated as it arrives (a deflate bomb costs
 * at most the message limit plus the window, never the whole bomb). So a
 * peer can make a connection hold at most about WS_OPT_MAX_QUEUED +
 * WS_OPT_MAX_MESSAGE + WS_OPT_MAX_OUTPUT + 128 KiB (the decoder's windows
 * and tables), for any chunking. Feeding
 * again while the budget is full and no event was taken consumes nothing.
 *
 * Returns WS_OK (0) when all of buf was consumed, or the positive count of
 * bytes not consumed; WS_E_ARG when len > INT_MAX (feed in pieces);
 * WS_E_STATE after ws_feed_eof; WS_E_NULL (buf NULL with len > 0); WS_E_BUSY,
 * WS_E_BAD_HANDLE. Bytes arriving after the connection closed are
 * discarded (WS_OK). */
int ws_feed(ws_conn *c, const void *buf, size_t len);

/* Tells the connection the transport has ended. Without a completed close
 * handshake this gives WS_EV_CLOSE with code 1006 (or WS_EV_REJECTED during
 * the handshake). Calling it again changes nothing and returns WS_E_CLOSED:
 * a loop that reads 0 bytes again and again learns there that it should
 * stop (see THE MODEL). */
int ws_feed_eof(ws_conn *c);

/* How many more bytes the connection needs before it can make progress —
 * what a blocking read(N) should ask for: 2 to start a frame; then the rest
 * of the header and, as soon as the header's length field is known, the
 * whole payload too (so two reads per frame suffice); inside a payload, the
 * rest of it. 1 during the handshake; 0 once nothing more will be read.
 * Negative on error. */
int64_t ws_need(ws_conn *c);

/* Server, from headers your HTTP code already parsed: method, request
 * target, protocol ("HTTP/1.1") and n header fields (names[i]: values[i],
 * NUL-terminated, in order; names are case-insensitive). Then feed the bytes
 * after the head with ws_feed. Handshake failures are reported as events,
 * as with ws_feed, and event data returned before may become invalid, as
 * with ws_feed. */
int ws_feed_request(ws_conn *c, const char *method, const char *target, const char *proto,
                    const char *const *names, const char *const *values, size_t n);

/* Client, from a response head your code parsed: status, reason phrase (may
 * be NULL) and header fields, as for ws_feed_request. */
int ws_feed_response(ws_conn *c, int status, const char *reason,
                     const char *const *names, const char *const *values, size_t n);

/* ---- WebSockets over HTTP/2 and HTTP/3 (RFC 8441, RFC 9220) ---------------
 *
 * Over HTTP/2 and HTTP/3 a WebSocket is one stream of a connection your
 * HTTP library owns, opened by an extended CONNECT. libws takes and gives
 * the stream's field lists (names lower case, pseudo-header fields such as
 * ":method" first) instead of an HTTP/1.1 head; your library encodes them
 * (HPACK, QPACK) and owns flow control. Then the stream's DATA carries RFC
 * 6455 frames, masked from the client, exactly as TCP would: feed the DATA
 * you receive with ws_feed and send ws_output() as DATA.
 *
 * The transport hints map to the stream's end: where WS_HINT_SHUTDOWN_WRITE
 * or WS_HINT_CLOSE would half-close or close TCP, end the stream
 * (END_STREAM in HTTP/2, the FIN of an HTTP/3 stream) after the output.
 * When the peer ends its side, call ws_feed_eof as for a TCP EOF; on a stream
 * reset (RST_STREAM, or an HTTP/3 stream error such as H3_REQUEST_CANCELLED)
 * call ws_feed_eof too: an open connection then closes as abnormal (1006),
 * one in the handshake gives WS_EV_REJECTED.
 *
 * A server allows extended CONNECT by sending the setting
 * SETTINGS_ENABLE_CONNECT_PROTOCOL (WS_SETTING_ENABLE_CONNECT_PROTOCOL,
 * 0x8) = 1; a client sends its request only on a connection whose server
 * sent it (RFC 8441 §3, §4). */

#define WS_SETTING_ENABLE_CONNECT_PROTOCOL 0x8

/* Client: creates a connection for url ("wss://host/path" gives :scheme
 * https, "ws://" http) whose opening is an extended CONNECT: :method
 * CONNECT, :protocol websocket, :scheme, :authority, :path,
 * sec-websocket-version 13, then origin, sec-websocket-protocol,
 * sec-websocket-extensions and the ws_config_add_header fields (names made
 * lower case) from cfg. There is no key (RFC 8441 §5). Read the list with
 * ws_connect_field_at, send it as a new stream's HEADERS without ending the
 * stream, then give the response's fields to ws_feed_connect_response.
 * Returns WS_OK and sets *out; WS_E_ARG for a bad URL, config role, or an
 * extra header HTTP/2 forbids (Connection, Keep-Alive, Proxy-Connection,
 * Transfer-Encoding, Upgrade, TE); WS_E_NULL. */
int ws_connect_client_new(const ws_config *cfg, const char *url, ws_conn **out);

/* Server (a connection from ws_server_new): the n fields of the stream's
 * HEADERS, in the order your library decoded them, pseudo-header fields
 * first; proto is "HTTP/2" or "HTTP/3". The request must be :method
 * CONNECT with :protocol websocket, :scheme http or https, :path and
 * :authority, and one sec-websocket-version 13; names must be lower case
 * and connection-specific fields are refused (RFC 8441 §4-5, RFC 9113
 * §8.2-8.3). As with ws_feed_request, a valid request gives WS_EV_REQUEST
 * and, unless WS_OPT_MANUAL_ACCEPT, is accepted at once (WS_EV_OPEN): then
 * ws_connect_field_at gives the response, ":status" "200" and the agreed
 * sec-websocket-protocol and sec-websocket-extensions; send it as HEADERS
 * without ending the stream. A refused request (WS_EV_REJECTED, or
 * ws_reject) gives an error status there (400; 501 for a :protocol other
 * than websocket; a bad version is 400 with sec-websocket-version: 13,
 * since 426 needs Upgrade) with content-type and content-length, and the
 * message in ws_output(): send it as DATA and end the stream. Returns
 * WS_OK; WS_E_ARG (proto); WS_E_STATE (not a server waiting for a
 * request); WS_E_NULL. */
int ws_feed_connect_request(ws_conn *c, const char *proto,
                            const char *const *names, const char *const *values, size_t n);

/* Client (from ws_connect_client_new): the n fields of the response's
 * HEADERS, ":status" first. ":status" "200" with valid subprotocol and
 * extension choices gives WS_EV_OPEN (RFC 8441 §5: 200 and nothing else);
 * anything else gives WS_EV_REJECTED with the status (0 for a malformed
 * list) and a reason. Feeding DATA before this is WS_E_STATE. Returns
 * WS_OK; WS_E_STATE; WS_E_NULL. */
int ws_feed_connect_response(ws_conn *c, const char *const *names,
                             const char *const *values, size_t n);

/* The index-th field of the list to send as the stream's HEADERS: a
 * client's request, or a server's response once its request is accepted
 * or refused. Returns 1 and sets *name and *value, 0 past the end, or an
 * error (WS_E_STATE when there is no such list). Borrowed until
 * ws_conn_free. */
int ws_connect_field_at(ws_conn *c, size_t index, const char **name, const char **value);

/* ---- Events ------------------------------------------------------------ */

enum ws_event_type {
    WS_EV_NONE     = 0,
    WS_EV_REQUEST  = 1,  /* server: a valid opening request arrived (see ws_request_*) */
    WS_EV_OPEN     = 2,  /* the opening handshake completed */
    WS_EV_REJECTED = 3,  /* the handshake failed: code = HTTP status (0 if none), data = reason */
    WS_EV_TEXT     = 4,  /* a text message (or, streaming, a chunk of one) */
    WS_EV_BINARY   = 5,  /* a binary message (or chunk) */
    WS_EV_DATA     = 6,  /* a message with an application-claimed data opcode (3-7) */
    WS_EV_PING     = 7,  /* a ping (a pong was queued unless WS_OPT_AUTO_PONG is 0) */
    WS_EV_PONG     = 8,  /* a pong */
    WS_EV_CONTROL  = 9,  /* a frame with an application-claimed control opcode (11-15) */
    WS_EV_CLOSE    = 10  /* closing/closed: code, data = reason, initiator */
};

/* ws_event.flags */
#define WS_EVF_FIRST      1u /* first chunk of a message (always set for whole messages) */
#define WS_EVF_LAST       2u /* last chunk of a message (always set for whole messages) */
#define WS_EVF_COMPRESSED 4u /* the message arrived compressed (RFC 7692) */

/* ws_event.initiator (WS_EV_CLOSE) */
#define WS_CLOSED_BY_PEER     1 /* the peer sent a close first; taking this event queues our reply
                                    (echoing the code, without the reason) unless ws_close came first */
#define WS_CLOSED_BY_US       2 /* we sent a close first; this is the peer's reply */
#define WS_CLOSED_BY_FAILURE  3 /* we failed the connection: code is the code we send (the close frame is
                                    queued as this event is taken), data says why */
#define WS_CLOSED_ABNORMALLY  4 /* the transport ended without a close handshake (1006) */

/* One event. Set size to sizeof(ws_event) before passing it: the struct may
 * grow in later ABI-compatible versions, and libws writes only the fields
 * that fit in size (at least 8). */
typedef struct ws_event {
    uint32_t size;       /* in: sizeof(ws_event) */
    uint8_t  type;       /* enum ws_event_type */
    uint8_t  opcode;     /* frame opcode of the message or control frame */
    uint8_t  rsv;        /* application-claimed RSV bits (not permessage-deflate's RSV1) */
    uint8_t  flags;      /* WS_EVF_* */
    uint16_t code;       /* close code (WS_EV_CLOSE) or HTTP status (WS_EV_REJECTED) */
    uint8_t  initiator;  /* WS_CLOSED_BY_* (WS_EV_CLOSE) */
    uint8_t  reserved0;
    uint32_t reserved1;
    const uint8_t *data; /* payload, close reason or rejection reason; borrowed */
    size_t   len;        /* bytes at data (data may be NULL when len is 0) */
} ws_event;

/* Takes the next queued event into *ev. Returns 1 if an event was taken, 0
 * if none is queued, or a negative WS_E_* code (WS_E_ARG if ev->size is
 * below 8). ev->data stays valid until
 * the next ws_feed, ws_feed_next, ws_feed_events, ws_feed_eof,
 * ws_heartbeat, ws_shrink or ws_conn_free on this connection — so events
 * taken one after another all stay readable, and the data of events not
 * yet taken counts against the receive budget (WS_OPT_MAX_QUEUED).
 * Text data is UTF-8 (validated unless WS_OPT_VALIDATE_UTF8 is 0). With
 * streaming, text chunks end on character boundaries — unless
 * WS_OPT_CHUNK_PER_FRAME is set or validation is off: then a chunk may end
 * inside a character, and only the whole message is UTF-8.
 *
 * When the peer closes first, or breaks the protocol, parsing of input stops
 * there, but our close frame is queued only when you take that WS_EV_CLOSE
 * event: the messages that arrived before it can still be answered first
 * (RFC 6455 §5.5.1 lets an endpoint finish its message before its close
 * frame). Until then ws_state is WS_STATE_CLOSING and sending works. A
 * failure found by the heartbeat (1008) queues its close frame at once. */
int ws_next_event(ws_conn *c, ws_event *ev);

/* Takes up to max queued events into evs[0..]; evs[0].size gives the
 * element size (set it to sizeof(ws_event)). Returns the number taken (0 if
 * none) or a negative WS_E_* code. One call instead of many saves the cost
 * of crossing into the library per event. Lifetimes as ws_next_event.
 * A WS_EV_CLOSE is always the first event of its batch: a batch stops just
 * before one, so that the messages before it can be answered before the
 * close reply is queued (see ws_next_event). */
int ws_next_events(ws_conn *c, ws_event *evs, size_t max);

/* ws_feed then ws_next_events in one call — one crossing into the library
 * instead of two, for hosts that feed a frame or a read at a time (the Perl
 * binding's read(N) path). *used receives the number of bytes of buf
 * consumed (all of them unless the receive budget filled: then take the
 * events and feed buf + *used again, as with ws_feed). Returns the number
 * of events taken (0..max), or a negative WS_E_* code from feeding, in which
 * case no event is taken and *used is 0. max 0 only feeds (evs may then be
 * NULL); used must not be NULL (WS_E_NULL). Feeding invalidates the data of
 * events taken before this call; the new events live as ws_next_event's. */
int ws_feed_next(ws_conn *c, const void *buf, size_t len, size_t *used, ws_event *evs, size_t max);

/* The libws 1.0 form of ws_feed_next, kept for programs built against it:
 * it has no way to report unconsumed input, so it consumes all of buf,
 * lifting the receive budget for this call only (what the call queues is
 * then bounded by the message limits and len). Prefer ws_feed_next. */
int ws_feed_events(ws_conn *c, const void *buf, size_t len, ws_event *evs, size_t max);

/* The type (WS_EV_*) of the next queued event, without taking it: 0 if none
 * is queued, or a negative WS_E_* code. Taking a WS_EV_CLOSE may queue our
 * close reply (see ws_next_event); peeking never does, so a host can hold
 * it back until it has answered the messages before it. */
int ws_peek_event(ws_conn *c);

/* The number of events queued. */
int ws_pending_events(ws_conn *c);

/* ---- Sending -------------------------------------------------------------- */

/* Flags for ws_send and ws_begin_message. */
#define WS_SEND_NO_COMPRESS 1u /* send uncompressed even with permessage-deflate */
#define WS_SEND_COMPRESS    2u /* compress even if shorter than WS_OPT_DEFLATE_MIN_SIZE */

/* Queues a whole message as one frame. buf is copied (and masked, on a
 * client, with a fresh key from a CSPRNG) into the output; it is never
 * modified. Text must be UTF-8 (WS_E_ARG otherwise, unless
 * WS_OPT_VALIDATE_UTF8 is 0). With permessage-deflate the message is
 * compressed unless flags or WS_OPT_DEFLATE_MIN_SIZE say otherwise.
 * Returns WS_OK; WS_E_OUTPUT_FULL (nothing queued: drain the output first);
 * WS_E_NOMEM (no memory to queue it: nothing queued);
 * WS_E_STATE (handshake not done, or a fragmented send in progress);
 * WS_E_CLOSED (a close frame was sent or received); WS_E_ARG (also for len
 * above 2^47); WS_E_NULL. */
int ws_send_text(ws_conn *c, const void *buf, size_t len);
int ws_send_binary(ws_conn *c, const void *buf, size_t len);
/* opcode: WS_OP_TEXT, WS_OP_BINARY or a claimed data opcode (3-7). */
int ws_send(ws_conn *c, int opcode, const void *buf, size_t len, unsigned flags);

/* Starts a message sent in fragments of any size with ws_send_fragment.
 * Pings, pongs and a close may be sent between fragments; other messages
 * may not. With permessage-deflate it is compressed unless flags has
 * WS_SEND_NO_COMPRESS (RSV1 goes on the first frame only). */
int ws_begin_message(ws_conn *c, int opcode, unsigned flags);

/* Queues the next fragment; final != 0 ends the message. Empty fragments
 * are allowed. A text fragment may end inside a character; the whole
 * message must be UTF-8. Returns as ws_send, and WS_E_STATE without
 * ws_begin_message. */
int ws_send_fragment(ws_conn *c, const void *buf, size_t len, int final);

/* Queues one raw frame for application extensions that claimed opcodes or
 * RSV bits (WS_OPT_ALLOW_OPCODES, WS_OPT_ALLOW_RSV); rsv may hold claimed
 * bits only. Data frames follow the fragment rules together with
 * ws_begin_message/ws_send_fragment. Control frames: final, ≤ 125 bytes,
 * not close (use ws_close). Nothing is compressed. */
int ws_send_frame(ws_conn *c, int opcode, unsigned rsv, int fin, const void *buf, size_t len);

/* Queues a ping / an unsolicited pong with up to 125 bytes of payload. */
int ws_ping(ws_conn *c, const void *buf, size_t len);
int ws_pong(ws_conn *c, const void *buf, size_t len);

/* Starts the closing handshake: queues a close frame with code (1000-1003,
 * 1007-1014, 3000-4999; or 0 for a close frame without a code) and a reason
 * of up to 123 bytes of UTF-8. Data may still arrive until the peer's close
 * (WS_EV_CLOSE with WS_CLOSED_BY_US). Only one close frame is ever sent: a
 * second call returns WS_E_CLOSED. WS_E_STATE before the handshake is done
 * (just close the transport then); WS_E_ARG for a bad code or reason. */
int ws_close(ws_conn *c, int code, const void *reason, size_t len);

/* The heartbeat: call it when the connection has been idle for your
 * interval. It queues a ping with a payload no other ping carries; a pong
 * echoing any outstanding one answers them all. When WS_OPT_MAX_PINGS pings
 * are unanswered it instead fails the connection with close 1008
 * "Unanswered ping(s): N" (a WS_EV_CLOSE event) and returns WS_OK; once
 * closing or closed it sends nothing and returns WS_E_CLOSED — never a
 * second close; before the handshake it returns WS_E_STATE. It also
 * releases idle buffer memory (see ws_shrink). */
int ws_heartbeat(ws_conn *c);

/* ws_heartbeat with the ping's payload chosen by the host (at most 125
 * bytes, else WS_E_ARG and nothing is sent), e.g. Net::WebSocket's
 * "<time> UTC: ping #N (<hex>)". Make each payload unique: a pong echoing
 * any of the last 16 outstanding payloads, or any ws_heartbeat ping,
 * answers them all. Otherwise as ws_heartbeat. */
int ws_heartbeat_with(ws_conn *c, const void *buf, size_t len);

/* The number of heartbeat pings awaiting a pong. */
int ws_unanswered_pings(ws_conn *c);

/* ---- Output ------------------------------------------------------------ */

/* ws_output, ws_consume and ws_output_copy do not enter the Go runtime:
 * they read and advance a window the connection's last call left in C
 * memory (a few nanoseconds, with the same WS_E_BAD_HANDLE / WS_E_BUSY
 * checks), and what they consumed is applied at its next call. So a send
 * and its drain cost one call into Go, however the host writes. */

/* Points *data at the bytes waiting to be written to the transport and sets
 * *len (0 when there are none; *data may then be NULL). Borrowed: valid
 * until the next call on this connection other than ws_output itself.
 * Returns WS_OK or an error. */
int ws_output(ws_conn *c, const uint8_t **data, size_t *len);

/* Marks the first n bytes of the output as written. WS_E_ARG if n is more
 * than is waiting. */
int ws_consume(ws_conn *c, size_t n);

/* Copies up to cap bytes of the output into dst and consumes them: one call
 * instead of ws_output + ws_consume, for hosts that copy anyway (bindings).
 * Returns the number of bytes copied (0 when nothing is waiting) or a
 * negative WS_E_*. */
int64_t ws_output_copy(ws_conn *c, void *dst, size_t cap);

/* ---- State ---------------------------------------------------------------- */

enum ws_state {
    WS_STATE_CONNECTING = 1, /* opening handshake in progress */
    WS_STATE_OPEN       = 2,
    WS_STATE_CLOSING    = 3, /* the closing handshake started: we sent a close frame and wait for the
                                peer's, or the peer's arrived and our reply follows when its event is taken */
    WS_STATE_CLOSED     = 4  /* close handshake done, or the connection failed */
};

/* Returns the connection's state (enum ws_state) or a negative WS_E_*. */
int ws_state(ws_conn *c);

/* What to do with the transport once the output is written. */
enum ws_hint {
    WS_HINT_NONE           = 0, /* keep it open */
    WS_HINT_SHUTDOWN_WRITE = 1, /* nothing more will be sent: you may shutdown(SHUT_WR); keep reading
                                   until the peer closes (RFC 6455 §7.1.1: the client waits for the
                                   server to close TCP) or your timeout, then close */
    WS_HINT_CLOSE          = 2  /* close the transport */
};

/* Returns enum ws_hint or a negative WS_E_*. */
int ws_hint(ws_conn *c);

/* The failure that ended the connection (a peer fault, a failed handshake,
 * an unanswered heartbeat), or "" if none. Borrowed: valid until
 * ws_conn_free. Never NULL (even for a bad handle: then ""). */
const char *ws_conn_failure(ws_conn *c);

/* Why the opening handshake failed: WS_FAIL_NONE (0) if it did not, else a
 * WS_FAIL_* value; *field (if field is not NULL) gets the header field at
 * fault, or "" (borrowed, valid until ws_conn_free). Meant for bindings
 * that map failures to their own error classes: the failure's message is
 * ws_conn_failure(). */
int ws_handshake_failure(ws_conn *c, const char **field);

#define WS_FAIL_NONE             0
#define WS_FAIL_MALFORMED        1  /* the HTTP head does not parse */
#define WS_FAIL_METHOD           2  /* the request's method is not GET */
#define WS_FAIL_HTTP_VERSION     3  /* not HTTP/1.1 or later */
#define WS_FAIL_TARGET           4  /* the request-target is not usable */
#define WS_FAIL_MISSING_HEADER   5  /* a required header field is absent (field) */
#define WS_FAIL_DUPLICATE_HEADER 6  /* a header field that must appear once appears more (field) */
#define WS_FAIL_BAD_HEADER       7  /* a header field has an invalid value (field) */
#define WS_FAIL_VERSION          8  /* Sec-WebSocket-Version is not 13 */
#define WS_FAIL_STATUS           9  /* the response status is not 101 (ws_response_status) */
#define WS_FAIL_ACCEPT           10 /* Sec-WebSocket-Accept does not match the key */
#define WS_FAIL_SUBPROTOCOL      11 /* the server chose a subprotocol that was not offered */
#define WS_FAIL_EXTENSION        12 /* an extension not offered, repeated, or with invalid parameters */
#define WS_FAIL_TOO_LARGE        13 /* the head exceeds WS_OPT_MAX_HANDSHAKE or WS_OPT_MAX_HEADERS */
#define WS_FAIL_CLOSED           14 /* the transport ended during the handshake */
#define WS_FAIL_REQUIRED         15 /* WS_OPT_DEFLATE_REQUIRED and permessage-deflate was not agreed */

/* Client: the Sec-WebSocket-Key it sent. Borrowed until ws_conn_free. */
int ws_client_key(ws_conn *c, const char **s);

/* The agreed subprotocol and the Sec-WebSocket-Extensions value in use
 * ("" when none or before the handshake). Borrowed, NUL-terminated, valid
 * until ws_conn_free. Return WS_OK or an error. */
int ws_subprotocol(ws_conn *c, const char **s);
int ws_extensions(ws_conn *c, const char **s);

/* The agreed permessage-deflate parameters. Returns 1 and fills the non-NULL
 * pointers if permessage-deflate is in use, 0 if not, or an error. */
int ws_deflate_params(ws_conn *c, int *server_no_context_takeover, int *client_no_context_takeover,
                      int *server_max_window_bits, int *client_max_window_bits);

/* Bytes of buffers and compression history the connection holds now. */
int64_t ws_memory(ws_conn *c);

/* Releases buffer memory not needed right now (a server holding many idle
 * connections may call it on an idle timer). Event data becomes invalid. */
int ws_shrink(ws_conn *c);

/* ---- Server handshake details -------------------------------------------- */

/* After WS_EV_REQUEST: the request's method, target ("/path?query"), Host,
 * Origin, Sec-WebSocket-Key. Borrowed NUL-terminated strings ("" when
 * absent), valid until ws_conn_free. WS_E_STATE before a request;
 * WS_E_NOMEM when no memory can be had for the copy (so for every function
 * that lends a string through a pointer argument). */
int ws_request_method(ws_conn *c, const char **s);
int ws_request_target(ws_conn *c, const char **s);
int ws_request_host(ws_conn *c, const char **s);
int ws_request_origin(ws_conn *c, const char **s);

/* The index-th value (0-based, in order) of header field name
 * (case-insensitive). Returns 1 and sets *value, 0 if there is no such
 * value, or an error. Borrowed until ws_conn_free. */
int ws_request_header(ws_conn *c, const char *name, size_t index, const char **value);

/* The index-th header field of the request, in the order received: *name
 * (as sent) and *value. Returns 1, 0 past the end, or an error. Borrowed
 * until ws_conn_free. */
int ws_request_header_at(ws_conn *c, size_t index, const char **name, const char **value);

/* The index-th subprotocol the client offered, in its order. Returns 1 and
 * sets *s, 0 past the end, or an error. Borrowed until ws_conn_free. */
int ws_request_subprotocol(ws_conn *c, size_t index, const char **s);

/* The index-th extension offer, as one Sec-WebSocket-Extensions element
 * (e.g. "permessage-deflate; client_max_window_bits"). As above. */
int ws_request_extension(ws_conn *c, size_t index, const char **s);

/* With WS_OPT_MANUAL_ACCEPT: accepts the pending request with a 101
 * response. subprotocol: one the client offered, or NULL for the
 * configured choice. extensions: extra Sec-WebSocket-Extensions response
 * values for application extensions the client offered, or NULL.
 * names/values: n extra header fields. Returns WS_OK (WS_EV_OPEN follows),
 * WS_E_ARG, WS_E_STATE.
 * Until then, ws_feed and ws_feed_next keep at most WS_OPT_MAX_QUEUED bytes
 * of what follows the request (a client may send frames before the 101)
 * and leave the rest unconsumed: keep it and feed it after ws_accept, which
 * feeds what was kept. ws_feed_events (no budget) keeps up to
 * WS_OPT_MAX_FRAME + 8 KiB and answers more with 400. */
int ws_accept(ws_conn *c, const char *subprotocol, const char *extensions,
              const char *const *names, const char *const *values, size_t n);

/* With WS_OPT_MANUAL_ACCEPT: refuses the pending request with an HTTP error
 * (status 400-599); body becomes the response body (may be NULL). The
 * connection is closed (WS_HINT_CLOSE) once the output is written. */
int ws_reject(ws_conn *c, int status, const char *body,
              const char *const *names, const char *const *values, size_t n);

/* Client: the HTTP status of the server's answer (101 when accepted), 0
 * before one arrived, or an error. */
int ws_response_status(ws_conn *c);

/* Client: header fields of the server's answer, as ws_request_header and
 * ws_request_header_at (WS_E_STATE before an answer arrived). */
int ws_response_header(ws_conn *c, const char *name, size_t index, const char **value);
int ws_response_header_at(ws_conn *c, size_t index, const char **name, const char **value);

/* ---- Frames, masks and helpers (stateless, thread-safe) -------------------- */

/* A frame header (RFC 6455 §5.2). */
typedef struct ws_frame_header {
    uint8_t  fin;      /* 0 or 1 */
    uint8_t  rsv;      /* WS_RSV1|WS_RSV2|WS_RSV3 bits */
    uint8_t  opcode;   /* 0..15 */
    uint8_t  masked;   /* 0 or 1 */
    uint8_t  mask[4];  /* masking key when masked */
    uint64_t length;   /* payload length */
} ws_frame_header;

/* Decodes the frame header at the start of buf. Returns the header length
 * (2..14) and fills *h; 0 when buf is too short — then *need (if not NULL)
 * is the header length needed in all (call again with at least that many
 * bytes); or WS_E_PROTOCOL for a header no peer may send (non-minimal
 * length, 64-bit length with the top bit set, a fragmented or >125-byte
 * control frame). */
int ws_frame_parse_header(const void *buf, size_t len, ws_frame_header *h, size_t *need);

/* Encodes h (minimal length encoding) into out (cap bytes; 14 always
 * suffice). Returns the number of bytes written, or WS_E_ARG (a field out of
 * range, a control frame that is fragmented or longer than 125 bytes —
 * RFC 6455 §5.5 —, or cap too small). Reserved opcodes and RSV bits are
 * encoded as given. */
int ws_frame_encode_header(const ws_frame_header *h, uint8_t *out, size_t cap);

/* XORs len bytes of src with key into dst (which may be src itself, but
 * must not otherwise overlap), starting at key offset pos (0..3) — masking
 * and unmasking are the same operation. Returns the key offset after the
 * data (0..3), WS_E_ARG for overlapping buffers, or WS_E_NULL. */
int ws_mask(const uint8_t key[4], int pos, const void *src, void *dst, size_t len);

/* Fills key with a fresh masking key from the library's CSPRNG. */
int ws_random_mask(uint8_t key[4]);

/* Fills buf with len bytes from the same CSPRNG (ChaCha8 seeded by the
 * operating system; masking keys for bindings that keep a pool of them).
 * Returns WS_OK, WS_E_NULL (buf NULL with len > 0) or WS_E_FORKED. */
int ws_random_bytes(void *buf, size_t len);

/* Writes the Sec-WebSocket-Accept value for a Sec-WebSocket-Key into out
 * (29 bytes: 28 characters and a NUL). */
int ws_accept_key(const char *key, char out[29]);

/* Returns 1 if buf is valid UTF-8, 0 if not, or an error. */
int ws_utf8_valid(const void *buf, size_t len);

/* Returns 1 if code may appear in a close frame (1000-1003, 1007-1014,
 * 3000-4999), else 0. */
int ws_close_code_valid(int code);

/* The Net::WebSocket status name of a close code ("SUCCESS",
 * "PROTOCOL_ERROR", ...) or "" if it has none. Static; never NULL. */
const char *ws_close_code_name(int code);

/* ---- Per-message compression (RFC 7692) outside a connection ------------------ */

/* For code that builds and reads frames itself (e.g. the Perl layer's
 * PMCE::deflate data objects). A connection compresses and decompresses on
 * its own; these are not needed with ws_conn. Like connections, they keep
 * only the LZ77 history window and borrow the rest from shared pools. */
typedef struct ws_compressor ws_compressor;
typedef struct ws_decompressor ws_decompressor;

/* A compressor for the messages one endpoint sends: flate level 1..9 (0 for
 * the default), window 2^window_bits bytes (8..15, the value agreed for this
 * direction), context_takeover non-zero to keep history between messages.
 * Returns WS_OK and sets *out (NULL on failure); WS_E_ARG; WS_E_NULL. */
int ws_compressor_new(int level, int window_bits, int context_takeover, ws_compressor **out);

/* Compresses buf as the next part of the current message (the first call
 * after a final one starts a new message); final != 0 ends the message and
 * removes its trailing 00 00 ff ff (RFC 7692 §7.2.1). The output (out, out_len) gets the
 * compressed bytes for this part: borrowed, valid until the next call on
 * this compressor. A message's frames carry these parts in order, RSV1 on
 * the first frame. A long buf is compressed 256 KiB at a time, each piece
 * ending in a sync flush (which decoders skip), so that memory stays
 * bounded. Returns WS_OK; WS_E_NOMEM (no memory for the output: the
 * message is abandoned, and the next starts without history, so that the
 * peer still decodes it); WS_E_ARG (len above 2^47); WS_E_NULL;
 * WS_E_BAD_HANDLE. */
int ws_compress(ws_compressor *z, const void *buf, size_t len, int final,
                const uint8_t **out, size_t *out_len);

void ws_compressor_free(ws_compressor *z);

/* A decompressor for the messages one endpoint receives: window bits the
 * peer compresses with (8..15), context_takeover as agreed for the peer's
 * direction, max_size bounding one inflated message (0: 64 MiB; -1:
 * unlimited). */
int ws_decompressor_new(int window_bits, int context_takeover, int64_t max_size,
                        ws_decompressor **out);

/* Decompresses one whole message: buf is the concatenation of its frames'
 * payloads. The output (out, out_len) gets the message: borrowed, valid until the next
 * call on this decompressor. Returns WS_OK; WS_E_PROTOCOL (corrupt data — a
 * connection would close with 1007); WS_E_TOO_BIG (over max_size — 1009;
 * checked while inflating, so memory stays bounded); WS_E_NOMEM (no memory
 * for the output); WS_E_ARG (len above 2^47); WS_E_NULL; WS_E_BAD_HANDLE. */
int ws_decompress(ws_decompressor *z, const void *buf, size_t len,
                  const uint8_t **out, size_t *out_len);

void ws_decompressor_free(ws_decompressor *z);

/* ---- Embedding helpers ------------------------------------------------------- */

/* Keeps a host's signal handler on one thread.
 *
 * Some hosts crash when their signal handler runs on a thread they did not
 * create — threaded perls before 5.42 are the known case — and the Go
 * runtime inside libws has threads that take process-directed signals like
 * any other (it unblocks SIGCHLD on all of them). ws_signal_forward puts a
 * small C trampoline in front of the host's handler: on the calling thread
 * (the "home" thread) the trampoline calls the handler; on any other thread
 * it re-sends the signal to the home thread with pthread_kill().
 *
 * handler_slot is the variable through which the host installs its handler
 * (for perl: &PL_csighandlerp, which every %SIG assignment installs). The
 * trampoline is written into it, so handlers the host installs later are
 * routed too, and every signal whose current disposition is the host's
 * handler is re-installed with the trampoline (same flags and mask). The
 * handler must have the three-argument sa_sigaction signature.
 *
 * Two more protections come with it, because such hosts install handlers
 * without SA_ONSTACK, which the Go runtime requires of handlers that may run
 * on its threads (a signal frame written onto a small goroutine stack
 * corrupts it):
 * - the trampoline is installed with SA_ONSTACK and a mask that keeps the
 *   routed signals from nesting, and each time it runs it puts them back
 *   if the host has re-installed the disposition without them (perl does
 *   on every %SIG assignment, local ones included); a foreign thread that
 *   received a signal blocks it from then on;
 * - every ws_* call then blocks the asynchronous signals on the calling
 *   thread while it runs inside the Go runtime (a pending signal is handled
 *   as soon as the call returns, on the caller's stack). This costs two
 *   system calls per call (about 0.25 µs here; a call without it costs
 *   about 65 ns), paid only by hosts that call ws_signal_forward.
 *
 * Why a signal mask, and not a cheaper "inside libws" flag that the
 * trampoline would check to put the host's handler off until the call
 * returns: between the host's re-installing its disposition (without
 * SA_ONSTACK) and the trampoline's next run, the kernel writes the frame
 * of a signal that arrives while the thread runs Go code onto the current
 * stack, a goroutine stack of a few KiB, before any handler code runs
 * (the frame alone takes 3 KiB or more on CPUs with AVX-512). Only a
 * blocked signal never gets that frame. The guard also keeps the host's
 * handler from running, or longjmp()ing out (perl's "Maximal count of
 * pending signals"), inside Go code. tests/c/test_signals.c checks this,
 * with a control that shows the handler on goroutine stacks without it.
 *
 * Hosts can also keep most signals off the runtime's threads altogether:
 * load libws (dlopen) with the asynchronous signals blocked in the loading
 * thread, then restore the mask. The runtime's threads keep the mask they
 * start with, except for SIGCHLD, SIGPROF and SIGURG, which the Go runtime
 * always unblocks on its threads (SIGCHLD is what ws_signal_forward is for).
 *
 * Calling it again from another thread moves the home thread. Returns
 * WS_OK; WS_E_NULL; WS_E_ARG (*handler_slot is NULL); WS_E_STATE (a
 * different handler is already routed). It does not enter the Go runtime. */
int ws_signal_forward(void **handler_slot);

#ifdef __cplusplus
}
#endif

#endif /* LIBWS_WS_H */
