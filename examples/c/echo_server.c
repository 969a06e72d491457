/*
 * echo_server.c — a WebSocket echo server on libws: one thread, non-blocking
 * sockets, one poll() loop, many clients.
 *
 * libws does no I/O. This program owns the sockets and the clocks; for each
 * connection it only ever does five things:
 *
 *   1. read what the socket has         -> ws_feed()   (0 bytes: ws_feed_eof())
 *   2. take the events that produced    -> ws_next_events(), echo messages
 *   3. write what libws queued          -> ws_output() + send() + ws_consume()
 *      ws_feed() stops when the untaken events fill its receive budget
 *      and returns how many bytes it left: after 2 and 3, feed those
 *      again, until the whole read is consumed
 *   4. once the output is written, obey -> ws_hint(): shutdown / close
 *   5. when a timer is due              -> ws_heartbeat(), or drop the client
 *
 * Usage: echo_server [-l host] [-p port] [-i idle-seconds] [-t handshake-seconds]
 *                    [-m max-clients] [-n connections] [-q]
 *
 * SIGINT/SIGTERM start a clean shutdown: stop accepting, send every client a
 * close frame 1001 "server shutting down", wait (bounded) for the replies,
 * print statistics and exit. A second signal skips the waiting.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ws.h"

/* ---- Tunables ------------------------------------------------------------ */

#define READ_CHUNK        (64 * 1024) /* one recv() */
#define READS_PER_WAKEUP  16          /* at most 1 MiB per client per poll round: fairness */
#define OUTPUT_HIGH_WATER (1 << 20)   /* stop reading a client whose echoes it does not read */
#define EVENT_BATCH       32          /* events taken per ws_next_events() call */
#define MAX_MESSAGE       (16 << 20)  /* largest message echoed (the output cap is 64 MiB) */
#define CLOSE_TIMEOUT_MS  5000        /* how long we wait for the peer's part of a close */
#define ACCEPT_PAUSE_MS   1000        /* back-off when accept() runs out of descriptors */

/* ---- State ---------------------------------------------------------------- */

struct options {
    const char *host;
    const char *port;
    long idle_s;       /* heartbeat after this many idle seconds; 0: never */
    long handshake_s;  /* drop clients that have not completed the handshake by then */
    long max_clients;
    long exit_after;   /* exit after this many connections have closed; 0: never */
    int quiet;
};

/* Where a connection is in its life, as far as our timers care. */
enum phase {
    PHASE_HANDSHAKE, /* accepted; waiting for the opening handshake (timer: handshake timeout) */
    PHASE_OPEN,      /* open (timer: heartbeat when idle) */
    PHASE_CLOSING    /* a close frame went one way or the other (timer: close timeout) */
};

struct client {
    int fd;                /* -1: free slot */
    ws_conn *conn;
    unsigned long id;      /* for logs; never reused */
    char peer[80];         /* "address:port" */
    enum phase phase;
    int64_t last_activity; /* ms: bytes last moved in either direction */
    int64_t timer;         /* ms: when on_timer() is due; 0: no timer */
    size_t out_pending;    /* bytes of output not yet written (as of the last flush) */
    int peer_eof;          /* the peer will send no more (EOF or error on read) */
    int write_shut;        /* we did shutdown(SHUT_WR) */
    unsigned long messages;
};

struct stats {
    unsigned long accepted, refused, opened, rejected, closed, peak;
    unsigned long handshake_timeouts, close_timeouts, heartbeat_pings, heartbeat_closes;
    unsigned long long messages, not_echoed, payload_bytes, bytes_in, bytes_out;
};

struct server {
    struct options opt;
    ws_config *cfg;           /* shared by every connection (each copies it) */
    int listen_fd;            /* -1 once we stop accepting */
    int64_t accept_paused_until;
    int shutting_down;
    struct client *clients;   /* opt.max_clients slots */
    size_t nclients;
    unsigned long next_id;
    struct pollfd *pfds;      /* 2 + max_clients: signal pipe, listener, clients */
    size_t *pfd_slot;         /* pfds[2 + k] belongs to clients[pfd_slot[k]] ... */
    unsigned long *pfd_id;    /* ... if that slot still holds client pfd_id[k] */
    struct stats st;
};

static unsigned char read_buf[READ_CHUNK];

/* ---- Small helpers --------------------------------------------------------------- */

static int64_t now_ms(void)
{
    struct timespec ts;
    /* CLOCK_MONOTONIC: timeouts must not jump when someone sets the clock. */
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
        perror("clock_gettime");
        exit(1);
    }
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void logc(const struct server *s, const struct client *cl, const char *fmt, ...)
{
    va_list ap;
    if (s->opt.quiet)
        return;
    if (cl != NULL)
        printf("[#%lu] ", cl->id);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
}

/* A libws call failed: say which, with the library's detailed message. */
static void log_ws_error(const struct client *cl, const char *what, int rc)
{
    fprintf(stderr, "[#%lu] %s: %s (%s)\n", cl ? cl->id : 0, what, ws_strerror(rc), ws_last_error());
}

static const char *initiator_name(int initiator)
{
    switch (initiator) {
    case WS_CLOSED_BY_PEER:    return "initiated by the client";
    case WS_CLOSED_BY_US:      return "initiated by us";
    case WS_CLOSED_BY_FAILURE: return "we failed the connection";
    case WS_CLOSED_ABNORMALLY: return "transport closed without a close handshake";
    default:                   return "unknown initiator";
    }
}

/*
 * Event data is not NUL-terminated and may be NULL when empty: copy up to
 * max bytes into out as printable text (control bytes become '.'), never
 * cutting a UTF-8 character, and mark a truncation with "...".
 */
static const char *printable(const uint8_t *data, size_t len, size_t max, char *out, size_t outsz)
{
    size_t n = len < max ? len : max, i;
    if (n > outsz - 4)
        n = outsz - 4;
    if (n < len)
        while (n > 0 && (data[n] & 0xC0) == 0x80) /* don't end inside a character */
            n--;
    for (i = 0; i < n; i++)
        out[i] = (data[i] < 0x20 || data[i] == 0x7F) ? '.' : (char)data[i];
    if (n < len)
        out[i++] = '.', out[i++] = '.', out[i++] = '.';
    out[i] = '\0';
    return out;
}

static int set_nonblocking(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
        return -1;
    fl = fcntl(fd, F_GETFD);
    if (fl < 0 || fcntl(fd, F_SETFD, fl | FD_CLOEXEC) < 0)
        return -1;
    return 0;
}

static int parse_long(const char *s, long min, long max, long *out)
{
    char *end;
    long v;
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

/* "address:port" (IPv6 as "[address]:port") of a socket address. */
static void format_addr(const struct sockaddr *sa, socklen_t salen, char *out, size_t outsz)
{
    char host[INET6_ADDRSTRLEN + 16], serv[16]; /* numeric forms only */
    int rc = getnameinfo(sa, salen, host, sizeof host, serv, sizeof serv, NI_NUMERICHOST | NI_NUMERICSERV);
    if (rc != 0)
        snprintf(out, outsz, "?");
    else if (sa->sa_family == AF_INET6)
        snprintf(out, outsz, "[%s]:%s", host, serv);
    else
        snprintf(out, outsz, "%s:%s", host, serv);
}

/* ---- Signals: the self-pipe ---------------------------------------------------------- */

/*
 * The handler only writes the signal number into a pipe whose read end is
 * in the poll set, so poll() wakes up whichever thread the kernel picked to
 * run the handler. A flag alone would not do: libws runs a Go runtime whose
 * threads may receive a process-directed signal, and then our poll() in
 * the main thread would not be interrupted.
 */
static int signal_pipe[2] = { -1, -1 };

static void on_signal(int sig)
{
    int saved = errno; /* write() may change errno under the interrupted code */
    unsigned char b = (unsigned char)sig;
    /* Non-blocking: if the pipe is full a wake-up is already pending. */
    ssize_t n = write(signal_pipe[1], &b, 1);
    (void)n;
    errno = saved;
}

static int install_signal_handlers(void)
{
    struct sigaction sa;
    if (pipe(signal_pipe) != 0 || set_nonblocking(signal_pipe[0]) != 0 ||
        set_nonblocking(signal_pipe[1]) != 0)
        return -1;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    /*
     * SA_ONSTACK: the Go runtime inside libws requires it of every handler
     * installed after it started (see Go's os/signal documentation): if the
     * signal lands on a Go thread, the handler runs on that thread's
     * alternate signal stack instead of a small goroutine stack.
     */
    /* SA_RESTART: our own blocking writes (printf to a pipe) must not fail
     * with EINTR; poll() returns EINTR regardless, which is harmless. */
    sa.sa_flags = SA_ONSTACK | SA_RESTART;
    if (sigaction(SIGINT, &sa, NULL) != 0 || sigaction(SIGTERM, &sa, NULL) != 0)
        return -1;
    /* SIGPIPE is avoided per call instead: send(..., MSG_NOSIGNAL). */
    return 0;
}

/* ---- Listening ------------------------------------------------------------------------- */

static int listen_on(const char *host, const char *port)
{
    struct addrinfo hints, *res, *ai;
    int fd = -1, rc, one = 1;

    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0) {
        fprintf(stderr, "echo_server: %s:%s: %s\n", host, port, gai_strerror(rc));
        return -1;
    }
    for (ai = res; ai != NULL; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd < 0)
            continue;
        /* Restarting the server must not fail on connections in TIME_WAIT. */
        if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0 &&
            bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, SOMAXCONN) == 0 &&
            set_nonblocking(fd) == 0)
            break;
        rc = errno;
        close(fd);
        fd = -1;
        errno = rc;
    }
    if (fd < 0)
        fprintf(stderr, "echo_server: cannot listen on %s:%s: %s\n", host, port, strerror(errno));
    freeaddrinfo(res);
    return fd;
}

/* ---- One connection -------------------------------------------------------------------- */

static void drop_client(struct server *s, struct client *cl)
{
    /* close() may fail with EINTR or EIO, but the descriptor is released
     * either way on Linux and POSIX leaves it unspecified: never retry. */
    if (close(cl->fd) != 0)
        fprintf(stderr, "[#%lu] close: %s\n", cl->id, strerror(errno));
    ws_conn_free(cl->conn); /* every borrowed pointer of this connection dies here */
    logc(s, cl, "disconnected (%lu messages echoed)", cl->messages);
    cl->fd = -1;
    cl->conn = NULL;
    s->nclients--;
    s->st.closed++;
}

/* A close frame went one way or the other: from now on the close timeout,
 * not the heartbeat, bounds the connection's life. */
static void enter_closing(struct client *cl, int64_t now)
{
    if (cl->phase != PHASE_CLOSING) {
        cl->phase = PHASE_CLOSING;
        cl->timer = now + CLOSE_TIMEOUT_MS;
    }
}

static void echo(struct server *s, struct client *cl, const ws_event *ev)
{
    char text[64];
    int rc = ev->type == WS_EV_TEXT ? ws_send_text(cl->conn, ev->data, ev->len)
                                    : ws_send_binary(cl->conn, ev->data, ev->len);
    if (rc == WS_OK) {
        cl->messages++;
        s->st.messages++;
        s->st.payload_bytes += ev->len;
        if (ev->type == WS_EV_TEXT)
            logc(s, cl, "text, %zu bytes%s: \"%s\" -> echoed", ev->len,
                 ev->flags & WS_EVF_COMPRESSED ? " (compressed)" : "",
                 printable(ev->data, ev->len, 40, text, sizeof text));
        else
            logc(s, cl, "binary, %zu bytes%s -> echoed", ev->len,
                 ev->flags & WS_EVF_COMPRESSED ? " (compressed)" : "");
    } else if (rc == WS_E_CLOSED) {
        /* A close frame has been sent, so no data may follow (§5.5.1): we
         * are shutting down and the client's data kept coming until it saw
         * our close (§1.4 allows that), or an earlier echo failed (1011).
         * Never the client's own close in the same read: its reply is
         * queued only when we take its WS_EV_CLOSE, after this message. */
        s->st.not_echoed++;
        logc(s, cl, "%s, %zu bytes: not echoed, the connection is closing",
             ev->type == WS_EV_TEXT ? "text" : "binary", ev->len);
    } else {
        /* Unexpected (e.g. WS_E_OUTPUT_FULL if the limits were changed):
         * end the connection politely rather than silently lose echoes. */
        log_ws_error(cl, "echo", rc);
        rc = ws_close(cl->conn, WS_CLOSE_INTERNAL_ERROR, "echo failed", 11);
        if (rc < 0 && rc != WS_E_CLOSED)
            log_ws_error(cl, "ws_close", rc);
    }
}

static void handle_event(struct server *s, struct client *cl, const ws_event *ev, int64_t now)
{
    char text[160];
    const char *target = "", *exts = "";

    switch (ev->type) {
    case WS_EV_REQUEST:
        /* A valid opening request: libws has queued the 101 response already
         * (no WS_OPT_MANUAL_ACCEPT) and WS_EV_OPEN follows. */
        break;
    case WS_EV_OPEN:
        s->st.opened++;
        cl->phase = PHASE_OPEN;
        cl->timer = s->opt.idle_s > 0 ? cl->last_activity + s->opt.idle_s * 1000 : 0;
        /* Both strings are borrowed until ws_conn_free; "" on failure. */
        if (ws_request_target(cl->conn, &target) < 0)
            target = "";
        if (ws_extensions(cl->conn, &exts) < 0)
            exts = "";
        logc(s, cl, "open %s, extensions: %s", target, *exts ? exts : "none");
        break;
    case WS_EV_REJECTED:
        /* An invalid request: the 400/426/431 answer is queued, WS_HINT_CLOSE
         * follows once it is written. */
        s->st.rejected++;
        if (ev->code) /* 0: no answer was sent (the peer left mid-handshake) */
            logc(s, cl, "handshake rejected with HTTP %u: %s", ev->code,
                 printable(ev->data, ev->len, 120, text, sizeof text));
        else
            logc(s, cl, "handshake failed: %s", printable(ev->data, ev->len, 120, text, sizeof text));
        break;
    case WS_EV_TEXT:
    case WS_EV_BINARY:
        echo(s, cl, ev);
        break;
    case WS_EV_PING:
        logc(s, cl, "ping, %zu bytes -> pong queued", ev->len);
        break;
    case WS_EV_PONG:
        logc(s, cl, "pong, %zu bytes", ev->len);
        break;
    case WS_EV_CLOSE:
        if (ev->initiator == WS_CLOSED_BY_FAILURE && ev->code == WS_CLOSE_POLICY_VIOLATION)
            s->st.heartbeat_closes++; /* the only 1008 libws sends on its own */
        logc(s, cl, "close %u \"%s\" (%s)", ev->code,
             printable(ev->data, ev->len, 123, text, sizeof text), initiator_name(ev->initiator));
        enter_closing(cl, now);
        break;
    default:
        /* WS_EV_DATA / WS_EV_CONTROL need opcodes claimed with
         * WS_OPT_ALLOW_OPCODES, which this server does not do. */
        break;
    }
}

/* Takes every queued event, which also frees ws_feed's receive budget.
 * Event data stays valid until the next ws_feed/ws_feed_eof/ws_heartbeat,
 * so echoing from it here is fine. */
static int drain_events(struct server *s, struct client *cl, int64_t now)
{
    ws_event evs[EVENT_BATCH];
    int n, i;
    for (;;) {
        evs[0].size = sizeof evs[0]; /* the element size: the struct may grow in later versions */
        n = ws_next_events(cl->conn, evs, EVENT_BATCH);
        if (n < 0) {
            log_ws_error(cl, "ws_next_events", n);
            return -1;
        }
        if (n == 0)
            return 0;
        for (i = 0; i < n; i++)
            handle_event(s, cl, &evs[i], now);
    }
}

/* The transport ended (EOF, or an error that means the same): tell libws,
 * which reports 1006 if no close handshake happened. */
static int end_of_input(struct server *s, struct client *cl, int64_t now)
{
    int rc;
    cl->peer_eof = 1;
    rc = ws_feed_eof(cl->conn);
    if (rc < 0) {
        log_ws_error(cl, "ws_feed_eof", rc);
        return -1;
    }
    return drain_events(s, cl, now);
}

static int flush_output(struct server *s, struct client *cl, int64_t now);

/* The socket failed (a read or write error): the connection is over. Tell
 * libws so that the log shows how it ended (1006 without a close handshake).
 * Always returns -1: drop the client. */
static int transport_broken(struct server *s, struct client *cl, int64_t now)
{
    if (!cl->peer_eof)
        (void)end_of_input(s, cl, now);
    return -1;
}

/* Feeds one read to libws. ws_feed stops once the events it queued reach
 * the receive budget (WS_OPT_MAX_QUEUED) and returns how many bytes it
 * left: take the events and write the echoes, then feed the rest. All of
 * it, now: read_buf is shared by every client. -1: drop. */
static int feed_input(struct server *s, struct client *cl, size_t len, int64_t now)
{
    size_t off = 0;
    do {
        int left = ws_feed(cl->conn, read_buf + off, len - off);
        if (left < 0) {
            log_ws_error(cl, "ws_feed", left);
            return -1;
        }
        off = len - (size_t)left;
        if (drain_events(s, cl, now) < 0)
            return -1;
        /* Echoes were queued: write them now, which also brings
         * out_pending up to date for read_input's high-water check. */
        if (flush_output(s, cl, now) < 0)
            return transport_broken(s, cl, now);
    } while (off < len);
    return 0;
}

/* Reads what the socket has (bounded per round), feeding libws and handling
 * the events after each read so that memory stays bounded. -1: drop. */
static int read_input(struct server *s, struct client *cl, int64_t now)
{
    int k;
    for (k = 0; k < READS_PER_WAKEUP && !cl->peer_eof; k++) {
        ssize_t n;
        /* Backpressure: a client that does not read its echoes gets no more
         * of its input read (poll() stops asking for POLLIN, too). */
        if (cl->out_pending >= OUTPUT_HIGH_WATER)
            return 0;
        n = recv(cl->fd, read_buf, sizeof read_buf, 0);
        if (n > 0) {
            s->st.bytes_in += (unsigned long long)n;
            cl->last_activity = now;
            if (cl->phase == PHASE_OPEN && s->opt.idle_s > 0)
                cl->timer = now + s->opt.idle_s * 1000;
            if (feed_input(s, cl, (size_t)n, now) < 0)
                return -1;
            continue;
        }
        if (n == 0)
            return end_of_input(s, cl, now);
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return 0;
        /* ECONNRESET and friends: the transport is gone both ways. */
        logc(s, cl, "read: %s", strerror(errno));
        return transport_broken(s, cl, now);
    }
    return 0;
}

/* Writes as much output as the socket takes. 0: all written; 1: some left
 * (wait for POLLOUT); -1: the transport is broken. */
static int flush_output(struct server *s, struct client *cl, int64_t now)
{
    for (;;) {
        const uint8_t *out;
        size_t len;
        ssize_t n;
        int rc = ws_output(cl->conn, &out, &len);
        if (rc < 0) {
            log_ws_error(cl, "ws_output", rc);
            return -1;
        }
        cl->out_pending = len;
        if (len == 0)
            return 0;
        if (cl->write_shut) /* cannot happen: libws sends nothing after the hint */
            return -1;
        /* MSG_NOSIGNAL: a peer that went away gives EPIPE, not a SIGPIPE. */
        n = send(cl->fd, out, len, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return 1;
            logc(s, cl, "write: %s", strerror(errno));
            return -1;
        }
        s->st.bytes_out += (unsigned long long)n;
        cl->last_activity = now;
        /* The out pointer dies with this call; ws_output() again for the rest. */
        rc = ws_consume(cl->conn, (size_t)n);
        if (rc < 0) {
            log_ws_error(cl, "ws_consume", rc);
            return -1;
        }
    }
}

/* Writes the output, then does what the hint says. -1: drop the client. */
static int make_progress(struct server *s, struct client *cl, int64_t now)
{
    int rc = flush_output(s, cl, now);
    if (rc < 0)
        return transport_broken(s, cl, now);
    if (rc > 0)
        return 0; /* the hint applies once everything is written */

    switch (ws_hint(cl->conn)) {
    case WS_HINT_CLOSE:
        /* The close handshake is done, the connection failed, or the
         * handshake was rejected: the server closes TCP first (§7.1.1). */
        return -1;
    case WS_HINT_SHUTDOWN_WRITE:
        /* Nothing more will be sent. (libws gives this hint to clients; a
         * server only sees it if it plays the client role.) Keep reading
         * until the peer closes or the close timeout expires. */
        if (!cl->write_shut) {
            if (shutdown(cl->fd, SHUT_WR) != 0 && errno != ENOTCONN)
                logc(s, cl, "shutdown: %s", strerror(errno));
            cl->write_shut = 1;
            enter_closing(cl, now);
        }
        return 0;
    case WS_HINT_NONE:
        return 0;
    default:
        log_ws_error(cl, "ws_hint", ws_hint(cl->conn));
        return -1;
    }
}

/* A client's timer is due. -1: drop it. */
static int on_timer(struct server *s, struct client *cl, int64_t now)
{
    int rc;
    switch (cl->phase) {
    case PHASE_HANDSHAKE:
        s->st.handshake_timeouts++;
        logc(s, cl, "no opening handshake after %lds: dropped", s->opt.handshake_s);
        return -1;
    case PHASE_OPEN:
        if (now - cl->last_activity < s->opt.idle_s * 1000) { /* not idle after all */
            cl->timer = cl->last_activity + s->opt.idle_s * 1000;
            return 0;
        }
        /* Idle: ping. After WS_OPT_MAX_PINGS unanswered pings this fails the
         * connection with 1008 instead (a WS_EV_CLOSE, logged as usual). */
        rc = ws_heartbeat(cl->conn);
        if (rc < 0 && rc != WS_E_CLOSED) {
            log_ws_error(cl, "ws_heartbeat", rc);
            return -1;
        }
        if (ws_state(cl->conn) == WS_STATE_OPEN) {
            s->st.heartbeat_pings++;
            logc(s, cl, "idle for %lds: heartbeat ping (%d unanswered)", s->opt.idle_s,
                 ws_unanswered_pings(cl->conn));
        }
        cl->timer = now + s->opt.idle_s * 1000;
        if (drain_events(s, cl, now) < 0)
            return -1;
        return make_progress(s, cl, now);
    case PHASE_CLOSING:
        s->st.close_timeouts++;
        logc(s, cl, "closing handshake not finished after %ds: dropped", CLOSE_TIMEOUT_MS / 1000);
        return transport_broken(s, cl, now);
    }
    return -1;
}

/* ---- The server ------------------------------------------------------------------------ */

static void accept_clients(struct server *s, int64_t now)
{
    for (;;) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        struct client *cl = NULL;
        ws_conn *conn = NULL;
        size_t i;
        int one = 1, rc;
        int fd = accept(s->listen_fd, (struct sockaddr *)&ss, &sl);

        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO)
                continue; /* EPROTO/ECONNABORTED: that client gave up already */
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return;
            /* EMFILE, ENFILE, ENOBUFS...: the listener stays readable, so
             * polling it again at once would spin. Back off for a while. */
            fprintf(stderr, "echo_server: accept: %s (pausing for %dms)\n", strerror(errno), ACCEPT_PAUSE_MS);
            s->accept_paused_until = now + ACCEPT_PAUSE_MS;
            return;
        }
        s->st.accepted++;
        if (s->nclients == (size_t)s->opt.max_clients) {
            /* Closing at once tells the client now, instead of letting it
             * wait in the listen backlog. */
            s->st.refused++;
            s->st.closed++;
            fprintf(stderr, "echo_server: %zu clients already: connection refused\n", s->nclients);
            close(fd);
            continue;
        }
        /* TCP_NODELAY: WebSocket frames are complete messages; Nagle's
         * algorithm would hold small echoes back for a delayed ACK. */
        if (set_nonblocking(fd) != 0 || setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0) {
            fprintf(stderr, "echo_server: socket setup: %s\n", strerror(errno));
            s->st.closed++;
            close(fd);
            continue;
        }
        rc = ws_server_new(s->cfg, &conn);
        if (rc < 0) {
            fprintf(stderr, "echo_server: ws_server_new: %s (%s)\n", ws_strerror(rc), ws_last_error());
            s->st.closed++;
            close(fd);
            continue;
        }
        for (i = 0; cl == NULL; i++) /* a free slot exists: nclients < max_clients */
            if (s->clients[i].fd < 0)
                cl = &s->clients[i];
        memset(cl, 0, sizeof *cl);
        cl->fd = fd;
        cl->conn = conn;
        cl->id = ++s->next_id;
        format_addr((struct sockaddr *)&ss, sl, cl->peer, sizeof cl->peer);
        cl->phase = PHASE_HANDSHAKE;
        cl->last_activity = now;
        cl->timer = now + s->opt.handshake_s * 1000;
        if (++s->nclients > s->st.peak)
            s->st.peak = s->nclients;
        logc(s, cl, "connection from %s", cl->peer);
    }
}

static void stop_listening(struct server *s)
{
    if (s->listen_fd >= 0) {
        close(s->listen_fd);
        s->listen_fd = -1;
    }
}

/* Clean shutdown: no new clients; every open connection gets a close frame
 * 1001 and the usual close timeout; half-open handshakes are dropped. */
static void begin_shutdown(struct server *s, const char *why, int64_t now)
{
    static const char reason[] = "server shutting down";
    size_t i;

    printf("%s: shutting down, closing %zu connection(s)\n", why, s->nclients);
    s->shutting_down = 1;
    stop_listening(s);
    for (i = 0; i < (size_t)s->opt.max_clients; i++) {
        struct client *cl = &s->clients[i];
        int rc;
        if (cl->fd < 0)
            continue;
        if (cl->phase == PHASE_HANDSHAKE) {
            drop_client(s, cl);
            continue;
        }
        if (cl->phase == PHASE_OPEN) {
            /* WS_E_CLOSED: a close frame already went out (a failure being
             * flushed); there is nothing more to say. */
            rc = ws_close(cl->conn, WS_CLOSE_GOING_AWAY, reason, sizeof reason - 1);
            if (rc < 0 && rc != WS_E_CLOSED)
                log_ws_error(cl, "ws_close", rc);
            enter_closing(cl, now);
        }
        if (make_progress(s, cl, now) < 0)
            drop_client(s, cl);
    }
}

static void drop_all(struct server *s)
{
    size_t i;
    for (i = 0; i < (size_t)s->opt.max_clients; i++)
        if (s->clients[i].fd >= 0)
            drop_client(s, &s->clients[i]);
}

/* Reads the signal numbers waiting in the self-pipe. Returns 1 when a
 * second signal asks to stop waiting for the clients. */
static int handle_signals(struct server *s, int64_t now)
{
    unsigned char sigs[16];
    ssize_t n, i;
    int force = 0;
    while ((n = read(signal_pipe[0], sigs, sizeof sigs)) > 0) {
        for (i = 0; i < n; i++) {
            const char *name = sigs[i] == SIGINT ? "SIGINT" : "SIGTERM";
            if (!s->shutting_down)
                begin_shutdown(s, name, now);
            else {
                printf("%s again: closing every connection now\n", name);
                force = 1;
            }
        }
    }
    return force;
}

/* Fills the poll set. Returns the poll() timeout in ms (-1: none). */
static int prepare_poll(struct server *s, nfds_t *nfds, int64_t now)
{
    int64_t next = INT64_MAX;
    size_t i, k = 2;

    s->pfds[0].fd = signal_pipe[0];
    s->pfds[0].events = POLLIN;
    s->pfds[1].fd = -1; /* poll() ignores negative descriptors */
    s->pfds[1].events = POLLIN;
    if (s->listen_fd >= 0) {
        if (now >= s->accept_paused_until)
            s->pfds[1].fd = s->listen_fd;
        else
            next = s->accept_paused_until;
    }
    for (i = 0; i < (size_t)s->opt.max_clients; i++) {
        struct client *cl = &s->clients[i];
        short ev = 0;
        if (cl->fd < 0)
            continue;
        if (!cl->peer_eof && cl->out_pending < OUTPUT_HIGH_WATER)
            ev |= POLLIN;
        if (cl->out_pending > 0 && !cl->write_shut)
            ev |= POLLOUT; /* only while output waits: an idle socket is always writable */
        s->pfds[k].fd = cl->fd;
        s->pfds[k].events = ev;
        s->pfds[k].revents = 0;
        s->pfd_slot[k - 2] = i;
        s->pfd_id[k - 2] = cl->id;
        k++;
        if (cl->timer != 0 && cl->timer < next)
            next = cl->timer;
    }
    *nfds = (nfds_t)k;
    if (next == INT64_MAX)
        return -1;
    if (next <= now)
        return 0;
    return next - now > INT_MAX ? INT_MAX : (int)(next - now);
}

static int run(struct server *s)
{
    for (;;) {
        nfds_t nfds, k;
        int64_t now = now_ms();
        int timeout, n;
        size_t i;

        if (s->opt.exit_after > 0 && s->st.closed >= (unsigned long)s->opt.exit_after && !s->shutting_down)
            begin_shutdown(s, "all connections served", now);
        if (s->shutting_down && s->nclients == 0)
            return 0;

        timeout = prepare_poll(s, &nfds, now);
        n = poll(s->pfds, nfds, timeout);
        if (n < 0) {
            if (errno == EINTR)
                continue; /* a signal: its byte is in the pipe */
            perror("echo_server: poll");
            return -1;
        }
        now = now_ms();

        /* Signals first: a shutdown may drop clients that are in pfds. */
        if (s->pfds[0].revents & POLLIN) {
            if (handle_signals(s, now)) {
                drop_all(s);
                return 0;
            }
        }
        for (k = 2; k < nfds; k++) {
            short re = s->pfds[k].revents;
            struct client *cl = &s->clients[s->pfd_slot[k - 2]];
            if (re == 0 || cl->fd < 0 || cl->id != s->pfd_id[k - 2])
                continue; /* nothing to do, or dropped since poll() */
            if (re & POLLNVAL) { /* a bug of ours: the fd is not open */
                fprintf(stderr, "[#%lu] poll: invalid descriptor\n", cl->id);
                drop_client(s, cl);
                continue;
            }
            /* POLLHUP/POLLERR: read() will report EOF or the error. */
            if ((re & (POLLIN | POLLHUP | POLLERR)) && !cl->peer_eof && read_input(s, cl, now) < 0) {
                drop_client(s, cl);
                continue;
            }
            if (make_progress(s, cl, now) < 0)
                drop_client(s, cl);
        }
        /* Timers: handshake timeout, heartbeat, close timeout. */
        for (i = 0; i < (size_t)s->opt.max_clients; i++) {
            struct client *cl = &s->clients[i];
            if (cl->fd >= 0 && cl->timer != 0 && cl->timer <= now && on_timer(s, cl, now) < 0)
                drop_client(s, cl);
        }
        /* New clients last, so that a reused descriptor number can never
         * meet the stale revents of the socket it replaced. */
        if (s->listen_fd >= 0 && (s->pfds[1].revents & POLLIN))
            accept_clients(s, now);
    }
}

/* ---- Setup ---------------------------------------------------------------------- */

static void usage(void)
{
    fprintf(stderr,
            "usage: echo_server [-l host] [-p port] [-i idle-seconds] [-t handshake-seconds]\n"
            "                   [-m max-clients] [-n connections] [-q]\n"
            "  -l host   address to listen on (default 127.0.0.1)\n"
            "  -p port   port; 0 picks a free one (default 9001)\n"
            "  -i secs   ping a client idle this long; close with 1008 after 3 unanswered\n"
            "            pings (WS_OPT_MAX_PINGS); 0: no heartbeat (default 30)\n"
            "  -t secs   drop clients that have not completed the handshake by then (default 10)\n"
            "  -m n      at most n clients at once (default 1024)\n"
            "  -n n      exit after n connections have closed (default: run until a signal)\n"
            "  -q        quiet: no per-connection log\n");
}

static int parse_options(int argc, char **argv, struct options *o)
{
    int ch;
    o->host = "127.0.0.1";
    o->port = "9001";
    o->idle_s = 30;
    o->handshake_s = 10;
    o->max_clients = 1024;
    o->exit_after = 0;
    o->quiet = 0;
    while ((ch = getopt(argc, argv, "l:p:i:t:m:n:qh")) != -1) {
        switch (ch) {
        case 'l': o->host = optarg; break;
        case 'p': o->port = optarg; break;
        case 'i': if (parse_long(optarg, 0, 86400, &o->idle_s) != 0) return -1; break;
        case 't': if (parse_long(optarg, 1, 86400, &o->handshake_s) != 0) return -1; break;
        case 'm': if (parse_long(optarg, 1, 1 << 20, &o->max_clients) != 0) return -1; break;
        case 'n': if (parse_long(optarg, 0, LONG_MAX, &o->exit_after) != 0) return -1; break;
        case 'q': o->quiet = 1; break;
        default: return -1;
        }
    }
    return optind == argc ? 0 : -1;
}

/* The configuration every connection is made from. */
static ws_config *make_config(void)
{
    ws_config *cfg = NULL;
    int rc = ws_config_new(WS_ROLE_SERVER, &cfg);
    if (rc == WS_OK)
        rc = ws_config_set(cfg, WS_OPT_DEFLATE, 1); /* accept permessage-deflate when offered */
    if (rc == WS_OK)
        /* An echo must fit in the output queue (WS_OPT_MAX_OUTPUT, 64 MiB). */
        rc = ws_config_set(cfg, WS_OPT_MAX_MESSAGE, MAX_MESSAGE);
    if (rc != WS_OK) {
        fprintf(stderr, "echo_server: config: %s (%s)\n", ws_strerror(rc), ws_last_error());
        ws_config_free(cfg); /* NULL is fine */
        return NULL;
    }
    return cfg;
}

/* Each client needs a descriptor: raise the soft limit if it is too low. */
static void ensure_fd_limit(long max_clients)
{
    struct rlimit rl;
    rlim_t want = (rlim_t)max_clients + 16; /* + stdio, listener, pipe, libws */
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= want)
        return;
    rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || want < rl.rlim_max ? want : rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur < want)
        fprintf(stderr, "echo_server: warning: only %lu descriptors for %ld clients\n",
                (unsigned long)rl.rlim_cur, max_clients);
}

static void print_stats(const struct stats *st)
{
    printf("connections: %lu accepted, %lu opened, %lu rejected, %lu refused (table full), %lu closed; "
           "at most %lu at once\n",
           st->accepted, st->opened, st->rejected, st->refused, st->closed, st->peak);
    printf("timeouts: %lu handshake, %lu close; heartbeat: %lu pings, %lu closed with 1008\n",
           st->handshake_timeouts, st->close_timeouts, st->heartbeat_pings, st->heartbeat_closes);
    printf("messages echoed: %llu (%llu payload bytes), %llu not echoed (closing); bytes read: %llu, written: %llu\n",
           st->messages, st->payload_bytes, st->not_echoed, st->bytes_in, st->bytes_out);
}

int main(int argc, char **argv)
{
    struct server s;
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    char addr[96];
    size_t i;
    int rc = 1;

    memset(&s, 0, sizeof s);
    s.listen_fd = -1;
    if (parse_options(argc, argv, &s.opt) != 0) {
        usage();
        return 2;
    }
    /* Line-buffered even into a pipe: the port line must reach whoever
     * started us at once, and logs from two programs interleave sensibly. */
    setvbuf(stdout, NULL, _IOLBF, 0);

    if (ws_abi_version() != WS_ABI_VERSION) {
        fprintf(stderr, "echo_server: built for libws ABI %d, loaded %d\n", WS_ABI_VERSION, ws_abi_version());
        return 1;
    }
    ensure_fd_limit(s.opt.max_clients);
    s.clients = calloc((size_t)s.opt.max_clients, sizeof *s.clients);
    s.pfds = calloc((size_t)s.opt.max_clients + 2, sizeof *s.pfds);
    s.pfd_slot = calloc((size_t)s.opt.max_clients, sizeof *s.pfd_slot);
    s.pfd_id = calloc((size_t)s.opt.max_clients, sizeof *s.pfd_id);
    if (s.clients == NULL || s.pfds == NULL || s.pfd_slot == NULL || s.pfd_id == NULL) {
        fprintf(stderr, "echo_server: out of memory\n");
        goto out;
    }
    for (i = 0; i < (size_t)s.opt.max_clients; i++)
        s.clients[i].fd = -1;
    if (install_signal_handlers() != 0) {
        perror("echo_server: signals");
        goto out;
    }
    if ((s.cfg = make_config()) == NULL)
        goto out;
    if ((s.listen_fd = listen_on(s.opt.host, s.opt.port)) < 0)
        goto out;
    /* Print the address actually bound: with -p 0 the kernel picked the port. */
    if (getsockname(s.listen_fd, (struct sockaddr *)&ss, &sl) != 0) {
        perror("echo_server: getsockname");
        goto out;
    }
    format_addr((struct sockaddr *)&ss, sl, addr, sizeof addr);
    printf("echo_server (libws %s) listening on ws://%s/\n", ws_version(), addr);

    if (run(&s) == 0)
        rc = 0;
    print_stats(&s.st);
out:
    if (s.clients != NULL)
        drop_all(&s);
    stop_listening(&s);
    ws_config_free(s.cfg);
    free(s.clients);
    free(s.pfds);
    free(s.pfd_slot);
    free(s.pfd_id);
    return rc;
}
