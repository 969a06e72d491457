/*
 * client.c — ws_client, a small WebSocket client on libws (think wscat).
 *
 *   ws_client ws://127.0.0.1:9001/ "hello" "world"     send, check the echoes, close
 *   printf 'a\nb\n' | ws_client ws://127.0.0.1:9001/    one message per stdin line
 *   ws_client -i ws://127.0.0.1:9001/                   interactive: type lines, see replies
 *   ws_client -z -n 10000 -s 4096 ws://127.0.0.1:9001/  throughput check (messages/s, MB/s)
 *
 * It expects an echo server: every message sent must come back unchanged,
 * in order. The exit status is 0 only if the handshake succeeded, every
 * echo matched, every ping was answered, and the closing handshake
 * completed as RFC 6455 §7.1.1 describes: we send a close frame, the server
 * answers and closes TCP, and we see the EOF (within the timeout).
 *
 * The transport is ours (libws does no I/O): a non-blocking TCP socket
 * driven by poll(), with stdin too in interactive mode. The loop is the
 * same as the server's: read -> ws_feed, take events (and feed again what
 * ws_feed left once its receive budget filled), write ws_output ->
 * ws_consume, obey ws_hint. No TLS: wss:// URLs are refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "ws.h"

#define READ_CHUNK        (64 * 1024)
#define EVENT_BATCH       32
#define LINE_MAX_BYTES    (64 * 1024) /* interactive: a longer line is sent in pieces */
#define WINDOW_MESSAGES   64          /* -n: echoes we may be waiting for at once */
#define WINDOW_BYTES      (4 << 20)   /* ... and their total size */
#define OUTPUT_HIGH_WATER (1 << 20)   /* -n: don't queue more while this much is unsent */
#define PREVIEW           60          /* bytes of a message shown */

struct options {
    const char *url;
    char host[256];
    char port[8];
    int deflate, binary, ping, interactive, quiet, no_pong;
    const char *fragmented;   /* -f: a message sent in fragments */
    long count, size;         /* -n, -s: generated messages */
    int close_code;           /* -c code[:reason] */
    const char *close_reason;
    long timeout_s;
    long hold_s;              /* -w: stay connected this long before closing */
};

/* A message to send, and whose echo to expect. */
struct msg {
    const char *data;
    size_t len;
    int fragmented;
};

struct session {
    const struct options *opt;
    int fd;
    ws_conn *conn;

    struct msg *msgs;           /* argv messages or stdin lines, then -f */
    size_t nmsgs, next_msg;     /* next_msg: the next one to send */
    char **lines;               /* stdin lines we own */
    size_t nlines;
    uint8_t *gen_buf;           /* -n: a generated payload (sent or expected) */
    unsigned long bulk_sent;
    unsigned long received;     /* echoes received: msgs first, then generated ones */
    unsigned long pings_sent, pongs; /* pongs: pings answered */
    const char *last_ping;      /* the payload of the latest ping sent */

    int opened, close_sent, close_seen, clean_close;
    int peer_eof, write_shut, finished;
    int errors;                 /* anything that went other than expected */
    int64_t last_progress;      /* ms: bytes last moved, for the timeout */
    int64_t bulk_start, bulk_end;
    int64_t hold_until;         /* ms: -w, when to close; 0: not holding */

    char line[LINE_MAX_BYTES];  /* interactive: stdin bytes not yet sent */
    size_t line_len;
    int stdin_eof;
};

static uint8_t read_buf[READ_CHUNK];

/* ---- Helpers ------------------------------------------------------------------ */

static int64_t now_ms(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
        perror("clock_gettime");
        exit(1);
    }
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void ws_fail(struct session *ss, const char *what, int rc)
{
    fprintf(stderr, "ws_client: %s: %s (%s)\n", what, ws_strerror(rc), ws_last_error());
    ss->errors++;
}

/* Up to max bytes of data as printable text, "..." when cut; data may be
 * NULL when len is 0. Control bytes become '.'; a UTF-8 character is never
 * cut in half. */
static const char *printable(const void *p, size_t len, size_t max, char *out, size_t outsz)
{
    const uint8_t *data = p;
    size_t n = len < max ? len : max, i;
    if (n > outsz - 4)
        n = outsz - 4;
    if (n < len)
        while (n > 0 && (data[n] & 0xC0) == 0x80)
            n--;
    for (i = 0; i < n; i++)
        out[i] = (data[i] < 0x20 || data[i] == 0x7F) ? '.' : (char)data[i];
    if (n < len)
        out[i++] = '.', out[i++] = '.', out[i++] = '.';
    out[i] = '\0';
    return out;
}

/* A ping/pong payload or a server's rejection reason, which may be any
 * bytes: quoted text if it is UTF-8, else hex. */
static const char *payload_text(const void *p, size_t len, char *out, size_t outsz)
{
    const uint8_t *data = p;
    size_t i, o = 0;
    char quoted[PREVIEW + 4];
    if (ws_utf8_valid(data, len) == 1) {
        snprintf(out, outsz, "\"%s\"", printable(data, len, PREVIEW, quoted, sizeof quoted));
        return out;
    }
    for (i = 0; i < len && o + 8 < outsz; i++)
        o += (size_t)snprintf(out + o, outsz - o, "%s%02x", i ? " " : "", data[i]);
    if (i < len)
        snprintf(out + o, outsz - o, "...");
    return out;
}

static const char *initiator_name(int initiator)
{
    switch (initiator) {
    case WS_CLOSED_BY_PEER:    return "initiated by the server";
    case WS_CLOSED_BY_US:      return "initiated by us";
    case WS_CLOSED_BY_FAILURE: return "we failed the connection";
    case WS_CLOSED_ABNORMALLY: return "transport closed without a close handshake";
    default:                   return "unknown initiator";
    }
}

/* The payload of generated message k: compressible text (so -z shows its
 * worth), different for every k (so a mixed-up echo is noticed). */
static void gen_payload(uint8_t *buf, size_t size, unsigned long k)
{
    static const char filler[] = "All work and no play makes Jack a dull boy. ";
    char head[32];
    size_t i, h = (size_t)snprintf(head, sizeof head, "#%lu: ", k);
    for (i = 0; i < size; i++)
        buf[i] = (uint8_t)(i < h ? head[i] : filler[(i - h) % (sizeof filler - 1)]);
}

/* Generated messages are listed one by one only when there are few. */
static int show_generated(const struct options *o)
{
    return !o->quiet && o->count <= 10;
}

static size_t output_len(struct session *ss)
{
    const uint8_t *out;
    size_t len = 0;
    int rc = ws_output(ss->conn, &out, &len);
    if (rc < 0) {
        ws_fail(ss, "ws_output", rc);
        return 0;
    }
    return len;
}

/* ---- URL and TCP ----------------------------------------------------------------- */

/*
 * Splits "ws://host[:port][/path][?query]" into host and port (default 80);
 * an IPv6 address is written in brackets: ws://[::1]:9001/. libws parses the
 * whole URL again for the request line and Host field; we only need where
 * to connect.
 */
static int split_url(const char *url, char *host, size_t hostsz, char *port, size_t portsz)
{
    const char *p, *end, *colon = NULL, *h_end;
    size_t hlen;

    if (strncasecmp(url, "wss://", 6) == 0) {
        fprintf(stderr, "ws_client: wss:// needs TLS, which this example does not do "
                        "(libws would work over any TLS stream you give it)\n");
        return -1;
    }
    if (strncasecmp(url, "ws://", 5) != 0) {
        fprintf(stderr, "ws_client: %s: not a ws:// URL\n", url);
        return -1;
    }
    p = url + 5;
    end = p + strcspn(p, "/?#");
    if (memchr(p, '@', (size_t)(end - p)) != NULL) {
        fprintf(stderr, "ws_client: %s: user information in URLs is not supported\n", url);
        return -1;
    }
    if (*p == '[') { /* [IPv6]:port */
        const char *rb = memchr(p, ']', (size_t)(end - p));
        if (rb == NULL)
            goto bad;
        p++;
        h_end = rb;
        if (rb + 1 < end) {
            if (rb[1] != ':')
                goto bad;
            colon = rb + 1;
        }
    } else {
        colon = memchr(p, ':', (size_t)(end - p));
        h_end = colon ? colon : end;
    }
    hlen = (size_t)(h_end - p);
    if (hlen == 0 || hlen >= hostsz)
        goto bad;
    memcpy(host, p, hlen);
    host[hlen] = '\0';
    if (colon != NULL) {
        size_t plen = (size_t)(end - colon - 1);
        long v = 0;
        size_t i;
        if (plen == 0 || plen >= portsz)
            goto bad;
        for (i = 0; i < plen; i++) {
            if (colon[1 + i] < '0' || colon[1 + i] > '9')
                goto bad;
            v = v * 10 + (colon[1 + i] - '0');
        }
        if (v < 1 || v > 65535)
            goto bad;
        memcpy(port, colon + 1, plen);
        port[plen] = '\0';
    } else {
        snprintf(port, portsz, "80");
    }
    return 0;
bad:
    fprintf(stderr, "ws_client: %s: bad host or port\n", url);
    return -1;
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

/* Connects to host:port, trying each address, with a timeout. Returns a
 * non-blocking socket or -1. */
static int tcp_connect(const char *host, const char *port, long timeout_s)
{
    struct addrinfo hints, *res, *ai;
    int fd = -1, rc, err = 0, one = 1;

    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0) {
        fprintf(stderr, "ws_client: %s:%s: %s\n", host, port, gai_strerror(rc));
        return -1;
    }
    for (ai = res; ai != NULL; ai = ai->ai_next) {
        struct pollfd pfd;
        socklen_t elen = sizeof err;
        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd < 0) {
            err = errno;
            continue;
        }
        /* Non-blocking from the start: connect() then returns EINPROGRESS
         * and poll() gives the timeout that blocking connect() lacks. */
        if (set_nonblocking(fd) != 0) {
            err = errno;
        } else if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
            err = 0;
        } else if (errno != EINPROGRESS) {
            err = errno;
        } else {
            pfd.fd = fd;
            pfd.events = POLLOUT;
            do
                rc = poll(&pfd, 1, (int)(timeout_s * 1000));
            while (rc < 0 && errno == EINTR);
            if (rc < 0)
                err = errno;
            else if (rc == 0)
                err = ETIMEDOUT;
            else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) != 0)
                err = errno;
        }
        if (err == 0)
            break;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        fprintf(stderr, "ws_client: connect to %s:%s: %s\n", host, port, strerror(err));
        return -1;
    }
    /* Small frames go out at once instead of waiting for an ACK (Nagle). */
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0)
        perror("ws_client: TCP_NODELAY");
    return fd;
}

/* ---- Sending ----------------------------------------------------------------------- */

static int send_message(struct session *ss, const void *data, size_t len)
{
    int rc = ss->opt->binary ? ws_send_binary(ss->conn, data, len) : ws_send_text(ss->conn, data, len);
    if (rc < 0)
        ws_fail(ss, "send", rc);
    return rc;
}

static int send_ping(struct session *ss, const char *payload)
{
    int rc = ws_ping(ss->conn, payload, strlen(payload));
    if (rc < 0) {
        ws_fail(ss, "ws_ping", rc);
        return rc;
    }
    ss->pings_sent++;
    ss->last_ping = payload;
    if (!ss->opt->quiet)
        printf("> ping \"%s\"\n", payload);
    return 0;
}

/* Sends a message as three frames (ws_begin_message/ws_send_fragment), with
 * a ping between the first two: control frames may interleave (§5.4). A
 * text fragment may even end inside a UTF-8 character; only the whole
 * message must be valid. */
static int send_fragmented(struct session *ss, const struct msg *m)
{
    char text[PREVIEW + 4];
    size_t a = m->len / 3, b = 2 * m->len / 3;
    int rc = ws_begin_message(ss->conn, ss->opt->binary ? WS_OP_BINARY : WS_OP_TEXT, 0);
    if (rc == WS_OK)
        rc = ws_send_fragment(ss->conn, m->data, a, 0);
    if (rc == WS_OK)
        rc = send_ping(ss, "between fragments");
    if (rc == WS_OK)
        rc = ws_send_fragment(ss->conn, m->data + a, b - a, 0);
    if (rc == WS_OK)
        rc = ws_send_fragment(ss->conn, m->data + b, m->len - b, 1);
    if (rc < 0) {
        ws_fail(ss, "fragmented send", rc);
        return rc;
    }
    if (!ss->opt->quiet)
        printf("> %s, %zu bytes in 3 fragments (%zu+%zu+%zu), a ping between the first two: \"%s\"\n",
               ss->opt->binary ? "binary" : "text", m->len, a, b - a, m->len - b,
               printable(m->data, m->len, PREVIEW, text, sizeof text));
    return 0;
}

static void start_close(struct session *ss)
{
    const char *r = ss->opt->close_reason;
    int rc = ws_close(ss->conn, ss->opt->close_code, r, strlen(r));
    if (rc < 0 && rc != WS_E_CLOSED) { /* WS_E_CLOSED: a close already went out */
        ws_fail(ss, "ws_close", rc);
        return;
    }
    ss->close_sent = 1;
    ss->last_progress = now_ms(); /* the timeout now bounds the wait for the reply */
    if (!ss->opt->quiet)
        printf("> close %d \"%s\"\n", ss->opt->close_code, r);
}

/* Queues whatever may be sent now: the ping, the listed messages, the next
 * generated ones within the window, and finally the close. */
static void pump(struct session *ss)
{
    const struct options *o = ss->opt;
    char text[PREVIEW + 4];

    if (!ss->opened || ss->close_sent || ss->close_seen)
        return;
    if (o->ping && ss->pings_sent == 0 && send_ping(ss, "are you there?") < 0)
        return;
    while (ss->next_msg < ss->nmsgs) {
        const struct msg *m = &ss->msgs[ss->next_msg++];
        if (m->fragmented) {
            if (send_fragmented(ss, m) < 0)
                goto give_up;
        } else {
            if (send_message(ss, m->data, m->len) < 0)
                goto give_up;
            if (o->quiet)
                continue;
            if (o->binary)
                printf("> binary, %zu bytes\n", m->len);
            else
                printf("> text, %zu bytes: \"%s\"\n", m->len, printable(m->data, m->len, PREVIEW, text, sizeof text));
        }
    }
    /* Generated messages: keep a bounded number in flight, so that neither
     * side buffers without limit, and stop while our output backs up. */
    while (ss->bulk_sent < (unsigned long)o->count) {
        unsigned long echoed = ss->received > ss->nmsgs ? ss->received - ss->nmsgs : 0;
        unsigned long in_flight = ss->bulk_sent - echoed;
        if (in_flight >= WINDOW_MESSAGES || (in_flight > 0 && in_flight * (unsigned long)o->size >= WINDOW_BYTES))
            break;
        if (output_len(ss) >= OUTPUT_HIGH_WATER)
            break;
        if (ss->bulk_sent == 0)
            ss->bulk_start = now_ms();
        gen_payload(ss->gen_buf, (size_t)o->size, ss->bulk_sent);
        if (send_message(ss, ss->gen_buf, (size_t)o->size) < 0)
            goto give_up;
        ss->bulk_sent++;
        if (show_generated(o))
            printf("> %s, %ld bytes (generated): \"%s\"\n", o->binary ? "binary" : "text", o->size,
                   printable(ss->gen_buf, (size_t)o->size, PREVIEW, text, sizeof text));
    }
    /* Everything echoed and answered: say goodbye (interactive mode closes
     * at the end of stdin instead), after the -w wait if there is one. */
    if (!o->interactive && ss->received >= ss->nmsgs + (unsigned long)o->count && ss->pongs >= ss->pings_sent) {
        if (o->hold_s > 0 && ss->hold_until == 0) {
            ss->hold_until = now_ms() + o->hold_s * 1000;
            if (!o->quiet)
                printf("(holding the connection open for %lds)\n", o->hold_s);
        }
        if (ss->hold_until == 0 || now_ms() >= ss->hold_until)
            start_close(ss);
    }
    return;
give_up:
    /* A message could not be sent (e.g. text that is not UTF-8): its echo
     * will never come, so end the session now (the exit status says it
     * failed) rather than wait for the timeout. */
    start_close(ss);
}

/* ---- Receiving ----------------------------------------------------------------------- */

/* Compares an echo with what we sent (messages come back in order). */
static void check_echo(struct session *ss, const ws_event *ev)
{
    const struct options *o = ss->opt;
    unsigned long i = ss->received++;
    int want_type = o->binary ? WS_EV_BINARY : WS_EV_TEXT;
    const void *want;
    size_t want_len;

    if (i < ss->nmsgs) {
        want = ss->msgs[i].data;
        want_len = ss->msgs[i].len;
    } else if (i - ss->nmsgs < (unsigned long)o->count) {
        gen_payload(ss->gen_buf, (size_t)o->size, i - ss->nmsgs);
        want = ss->gen_buf;
        want_len = (size_t)o->size;
        if (i + 1 == ss->nmsgs + (unsigned long)o->count)
            ss->bulk_end = now_ms();
    } else {
        fprintf(stderr, "ws_client: message #%lu was never sent\n", i + 1);
        ss->errors++;
        return;
    }
    if (ev->type != want_type || ev->len != want_len || (want_len > 0 && memcmp(ev->data, want, want_len) != 0)) {
        fprintf(stderr, "ws_client: echo #%lu differs from the message sent\n", i + 1);
        ss->errors++;
    }
}

static void handle_event(struct session *ss, const ws_event *ev)
{
    const struct options *o = ss->opt;
    char text[PREVIEW + 4], reason[128];
    const char *exts = "", *proto = "";
    int is_generated;

    switch (ev->type) {
    case WS_EV_OPEN:
        ss->opened = 1;
        /* Borrowed strings, valid until ws_conn_free; "" means none. */
        if (ws_extensions(ss->conn, &exts) < 0)
            exts = "";
        if (ws_subprotocol(ss->conn, &proto) < 0)
            proto = "";
        printf("open: HTTP %d, subprotocol: %s, extensions: %s\n", ws_response_status(ss->conn),
               *proto ? proto : "none", *exts ? exts : "none");
        break;
    case WS_EV_REJECTED:
        /* code: the HTTP status, or 0 if the server never sent one. */
        printf("rejected: HTTP %u: %s\n", ev->code, payload_text(ev->data, ev->len, reason, sizeof reason));
        ss->errors++;
        break;
    case WS_EV_TEXT:
    case WS_EV_BINARY:
        is_generated = !o->interactive && ss->received >= ss->nmsgs;
        if (!o->quiet && (!is_generated || show_generated(o))) {
            if (ev->type == WS_EV_TEXT)
                printf("< text, %zu bytes%s: \"%s\"\n", ev->len, ev->flags & WS_EVF_COMPRESSED ? " (compressed)" : "",
                       printable(ev->data, ev->len, PREVIEW, text, sizeof text));
            else
                printf("< binary, %zu bytes%s\n", ev->len, ev->flags & WS_EVF_COMPRESSED ? " (compressed)" : "");
        }
        if (!o->interactive)
            check_echo(ss, ev);
        break;
    case WS_EV_PING:
        if (!o->quiet)
            printf("< ping %s%s\n", payload_text(ev->data, ev->len, reason, sizeof reason),
                   o->no_pong ? " (not answered: -A)" : " -> pong queued");
        break;
    case WS_EV_PONG:
        /* A peer may answer only the latest of pings it had not answered
         * yet (RFC 6455 §5.5.3; libws does): its pong answers them all. */
        if (ss->last_ping != NULL && ev->len == strlen(ss->last_ping) &&
            memcmp(ev->data, ss->last_ping, ev->len) == 0)
            ss->pongs = ss->pings_sent;
        else
            ss->pongs++;
        if (!o->quiet)
            printf("< pong %s\n", payload_text(ev->data, ev->len, reason, sizeof reason));
        break;
    case WS_EV_CLOSE:
        ss->close_seen = 1;
        printf("close: %u \"%s\" (%s)\n", ev->code, printable(ev->data, ev->len, 123, reason, sizeof reason),
               initiator_name(ev->initiator));
        if (ev->initiator == WS_CLOSED_BY_US) {
            /* The server echoes our code (§5.5.1); no code reads as 1005. */
            int want = o->close_code ? o->close_code : WS_CLOSE_NO_STATUS;
            ss->clean_close = ev->code == want;
        } else if (ev->initiator == WS_CLOSED_BY_PEER) {
            /* Our reply is queued. Fine at the end of an interactive
             * session; in a scripted run the server should not hang up on
             * us before we are done. */
            ss->clean_close = o->interactive &&
                              (ev->code == WS_CLOSE_NORMAL || ev->code == WS_CLOSE_GOING_AWAY);
        } else {
            ss->clean_close = 0;
        }
        break;
    default:
        break;
    }
}

static int drain_events(struct session *ss)
{
    ws_event evs[EVENT_BATCH];
    int n, i;
    for (;;) {
        evs[0].size = sizeof evs[0]; /* the element size: the struct may grow in later versions */
        n = ws_next_events(ss->conn, evs, EVENT_BATCH);
        if (n < 0) {
            ws_fail(ss, "ws_next_events", n);
            return -1;
        }
        if (n == 0)
            return 0;
        for (i = 0; i < n; i++)
            handle_event(ss, &evs[i]);
    }
}

static int end_of_input(struct session *ss)
{
    int rc;
    ss->peer_eof = 1;
    rc = ws_feed_eof(ss->conn); /* 1006 (or a rejection) unless the close handshake was done */
    if (rc < 0) {
        ws_fail(ss, "ws_feed_eof", rc);
        return -1;
    }
    return drain_events(ss);
}

/* Reads what the socket has and feeds it. -1: give up. */
static int read_socket(struct session *ss)
{
    for (;;) {
        ssize_t n = recv(ss->fd, read_buf, sizeof read_buf, 0);
        int rc;
        if (n > 0) {
            size_t off = 0;
            ss->last_progress = now_ms();
            /* ws_feed returns how many bytes it left once the untaken
             * events filled its receive budget: take them, feed the rest. */
            do {
                rc = ws_feed(ss->conn, read_buf + off, (size_t)n - off);
                if (rc < 0) {
                    ws_fail(ss, "ws_feed", rc);
                    return -1;
                }
                off = (size_t)n - (size_t)rc;
                if (drain_events(ss) < 0)
                    return -1;
            } while (off < (size_t)n);
            continue;
        }
        if (n == 0)
            return end_of_input(ss);
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return 0;
        fprintf(stderr, "ws_client: read: %s\n", strerror(errno));
        ss->errors++;
        (void)end_of_input(ss);
        return -1;
    }
}

/* Interactive: sends each complete stdin line as a message. At the end of
 * stdin, closes the connection. */
static void read_stdin(struct session *ss)
{
    ssize_t n = read(STDIN_FILENO, ss->line + ss->line_len, sizeof ss->line - ss->line_len);
    size_t start = 0, i;

    if (n < 0) {
        if (errno == EINTR || errno == EAGAIN)
            return;
        perror("ws_client: stdin");
        ss->errors++;
        n = 0;
    }
    if (n == 0) {
        ss->stdin_eof = 1;
        if (ss->line_len > 0) /* a last line without a newline */
            (void)send_message(ss, ss->line, ss->line_len);
        ss->line_len = 0;
        start_close(ss);
        return;
    }
    ss->line_len += (size_t)n;
    for (i = 0; i < ss->line_len; i++) {
        if (ss->line[i] == '\n') {
            size_t len = i - start;
            if (len > 0 && ss->line[start + len - 1] == '\r')
                len--;
            (void)send_message(ss, ss->line + start, len);
            start = i + 1;
        }
    }
    if (start == 0 && ss->line_len == sizeof ss->line) { /* no newline in a full buffer */
        (void)send_message(ss, ss->line, ss->line_len);
        start = ss->line_len;
    }
    memmove(ss->line, ss->line + start, ss->line_len - start);
    ss->line_len -= start;
}

/* ---- Output and the transport hint ---------------------------------------------------- */

/* Writes what the socket takes, then obeys the hint. Returns -1 on a broken
 * transport, 1 when the connection is finished, 0 to go on. */
static int make_progress(struct session *ss)
{
    for (;;) {
        const uint8_t *out;
        size_t len;
        ssize_t n;
        int rc = ws_output(ss->conn, &out, &len);
        if (rc < 0) {
            ws_fail(ss, "ws_output", rc);
            return -1;
        }
        if (len == 0)
            break;
        n = send(ss->fd, out, len, MSG_NOSIGNAL); /* EPIPE instead of SIGPIPE */
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return 0; /* POLLOUT will tell us when to go on */
            fprintf(stderr, "ws_client: write: %s\n", strerror(errno));
            ss->errors++;
            if (!ss->peer_eof)
                (void)end_of_input(ss);
            return -1;
        }
        ss->last_progress = now_ms();
        rc = ws_consume(ss->conn, (size_t)n); /* out is invalid from here on */
        if (rc < 0) {
            ws_fail(ss, "ws_consume", rc);
            return -1;
        }
    }
    /* All written: now the hint applies. */
    switch (ws_hint(ss->conn)) {
    case WS_HINT_NONE:
        return 0;
    case WS_HINT_SHUTDOWN_WRITE:
        /* The close handshake is done on the WebSocket level. A client
         * waits for the server to close TCP first (§7.1.1), so that the
         * server, not us, holds TIME_WAIT: half-close, then read until EOF
         * (bounded by the timeout). */
        if (!ss->write_shut) {
            if (shutdown(ss->fd, SHUT_WR) != 0 && errno != ENOTCONN)
                perror("ws_client: shutdown");
            ss->write_shut = 1;
            ss->last_progress = now_ms(); /* the timeout now bounds the wait for EOF */
        }
        return 0;
    case WS_HINT_CLOSE:
        return 1;
    default:
        ws_fail(ss, "ws_hint", ws_hint(ss->conn));
        return -1;
    }
}

/* What we are waiting for, for the timeout message. */
static const char *waiting_for(const struct session *ss)
{
    if (!ss->opened)
        return "the opening handshake";
    if (ss->write_shut)
        return "the server to close the connection";
    if (ss->close_sent)
        return "the server's close frame";
    return "echoes";
}

static int run(struct session *ss)
{
    const struct options *o = ss->opt;
    ss->last_progress = now_ms();
    for (;;) {
        struct pollfd pfds[2];
        nfds_t nfds = 1;
        int timeout = -1, n, rc;
        int user_driven = o->interactive && ss->opened && !ss->close_sent && !ss->close_seen;
        int holding = ss->hold_until != 0 && !ss->close_sent && !ss->close_seen;

        pfds[0].fd = ss->fd;
        pfds[0].events = 0;
        if (!ss->peer_eof)
            pfds[0].events |= POLLIN;
        if (!ss->write_shut && output_len(ss) > 0)
            pfds[0].events |= POLLOUT;
        if (user_driven && !ss->stdin_eof) {
            pfds[1].fd = STDIN_FILENO;
            pfds[1].events = POLLIN;
            nfds = 2;
        }
        /* Waiting for the user has no time limit, -w its own; waiting for
         * the server has: -t seconds without any bytes moving. */
        if (holding || !user_driven) {
            int64_t left = (holding ? ss->hold_until : ss->last_progress + o->timeout_s * 1000) - now_ms();
            timeout = left < 0 ? 0 : left > INT_MAX ? INT_MAX : (int)left;
        }
        n = poll(pfds, nfds, timeout);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            perror("ws_client: poll");
            return -1;
        }
        if (n == 0 && !holding) {
            fprintf(stderr, "ws_client: timed out after %lds waiting for %s\n", o->timeout_s, waiting_for(ss));
            ss->errors++;
            return -1;
        }
        if (pfds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            if (read_socket(ss) < 0)
                return -1;
        }
        if (nfds == 2 && (pfds[1].revents & (POLLIN | POLLHUP | POLLERR)))
            read_stdin(ss);
        pump(ss);
        rc = make_progress(ss);
        if (rc != 0)
            return rc > 0 ? 0 : -1;
    }
}

/* ---- Setup ------------------------------------------------------------------------------- */

static void usage(void)
{
    fprintf(stderr,
            "usage: ws_client [options] ws://host[:port]/path [message...]\n"
            "Sends the messages (or, if none and no -n/-f/-P, each line of stdin), checks\n"
            "that each comes back unchanged, closes cleanly. Exit status 0 if all went well.\n"
            "  -z          request permessage-deflate\n"
            "  -b          send binary messages instead of text\n"
            "  -f TEXT     also send TEXT as a fragmented message (3 frames, a ping between)\n"
            "  -P          send a ping and expect its pong\n"
            "  -n N        send N generated messages (throughput: prints messages/s and MB/s)\n"
            "  -s BYTES    size of the generated messages (default 1024)\n"
            "  -c CODE[:REASON]  close with this code and reason (default 1000; 0: no code)\n"
            "  -i          interactive: send stdin lines as typed, print what arrives;\n"
            "              end of stdin (Ctrl-D) closes\n"
            "  -t SECS     give up after SECS seconds without progress (default 10)\n"
            "  -w SECS     once everything is echoed, wait SECS seconds before closing\n"
            "  -A          do not answer pings (to watch a server's heartbeat give up)\n"
            "  -q          quiet: only the open, close and summary lines\n");
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

static int parse_options(int argc, char **argv, struct options *o)
{
    long v;
    int ch;
    memset(o, 0, sizeof *o);
    o->size = 1024;
    o->close_code = WS_CLOSE_NORMAL;
    o->close_reason = "";
    o->timeout_s = 10;
    while ((ch = getopt(argc, argv, "zbf:Pn:s:c:it:w:Aqh")) != -1) {
        switch (ch) {
        case 'z': o->deflate = 1; break;
        case 'b': o->binary = 1; break;
        case 'f': o->fragmented = optarg; break;
        case 'P': o->ping = 1; break;
        case 'n': if (parse_long(optarg, 0, LONG_MAX / 2, &o->count) != 0) return -1; break;
        case 's': if (parse_long(optarg, 0, 64L << 20, &o->size) != 0) return -1; break;
        case 'c': {
            char *end;
            errno = 0;
            v = strtol(optarg, &end, 10);
            if (errno != 0 || end == optarg || (*end != '\0' && *end != ':') || v < 0 || v > 4999 ||
                (v != 0 && !ws_close_code_valid((int)v))) {
                fprintf(stderr, "ws_client: -c %s: not a close code one may send\n", optarg);
                return -2;
            }
            o->close_code = (int)v;
            o->close_reason = *end == ':' ? end + 1 : "";
            if (strlen(o->close_reason) > 123 || (o->close_code == 0 && *o->close_reason)) {
                fprintf(stderr, "ws_client: -c: a reason needs a code and at most 123 bytes\n");
                return -2;
            }
            break;
        }
        case 'i': o->interactive = 1; break;
        case 't': if (parse_long(optarg, 1, 86400, &o->timeout_s) != 0) return -1; break;
        case 'w': if (parse_long(optarg, 0, 86400, &o->hold_s) != 0) return -1; break;
        case 'A': o->no_pong = 1; break;
        case 'q': o->quiet = 1; break;
        default: return -1;
        }
    }
    if (optind >= argc)
        return -1;
    o->url = argv[optind++];
    if (o->interactive && (optind < argc || o->count > 0)) {
        fprintf(stderr, "ws_client: -i takes its messages from stdin only\n");
        return -2;
    }
    return split_url(o->url, o->host, sizeof o->host, o->port, sizeof o->port) == 0 ? 0 : -2;
}

/* Non-interactive, nothing else to send: each line of stdin is a message. */
static int read_stdin_lines(struct session *ss)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, stdin)) >= 0) {
        char **grown = realloc(ss->lines, (ss->nlines + 1) * sizeof *grown);
        if (grown == NULL) {
            free(line);
            return -1;
        }
        ss->lines = grown;
        if (n > 0 && line[n - 1] == '\n')
            line[--n] = '\0';
        if (n > 0 && line[n - 1] == '\r')
            line[--n] = '\0';
        ss->lines[ss->nlines++] = line; /* ours now; freed at exit */
        line = NULL;
        cap = 0;
    }
    free(line); /* getline allocates even when it fails */
    if (ferror(stdin)) {
        perror("ws_client: stdin");
        return -1;
    }
    return 0;
}

/* The messages to send and expect back, in order: argv (or stdin lines),
 * then the fragmented one. */
static int plan_messages(struct session *ss, int nargs, char **args)
{
    const struct options *o = ss->opt;
    size_t i, k = 0;
    if (nargs == 0 && !o->interactive && o->count == 0 && o->fragmented == NULL && !o->ping)
        if (read_stdin_lines(ss) != 0)
            return -1;
    ss->nmsgs = (size_t)nargs + ss->nlines + (o->fragmented != NULL);
    ss->msgs = calloc(ss->nmsgs ? ss->nmsgs : 1, sizeof *ss->msgs);
    if (ss->msgs == NULL)
        return -1;
    for (i = 0; i < (size_t)nargs; i++, k++)
        ss->msgs[k].data = args[i], ss->msgs[k].len = strlen(args[i]);
    for (i = 0; i < ss->nlines; i++, k++)
        ss->msgs[k].data = ss->lines[i], ss->msgs[k].len = strlen(ss->lines[i]);
    if (o->fragmented != NULL) {
        ss->msgs[k].data = o->fragmented;
        ss->msgs[k].len = strlen(o->fragmented);
        ss->msgs[k].fragmented = 1;
    }
    return 0;
}

static ws_config *make_config(const struct options *o)
{
    ws_config *cfg = NULL;
    int rc = ws_config_new(WS_ROLE_CLIENT, &cfg);
    if (rc == WS_OK && o->deflate)
        rc = ws_config_set(cfg, WS_OPT_DEFLATE, 1); /* offer permessage-deflate */
    if (rc == WS_OK && o->no_pong)
        rc = ws_config_set(cfg, WS_OPT_AUTO_PONG, 0);
    if (rc != WS_OK) {
        fprintf(stderr, "ws_client: config: %s (%s)\n", ws_strerror(rc), ws_last_error());
        ws_config_free(cfg);
        return NULL;
    }
    return cfg;
}

static void print_summary(const struct session *ss)
{
    const struct options *o = ss->opt;
    double secs;
    if (o->count == 0)
        return;
    if (ss->bulk_end == 0) { /* not all came back */
        printf("%lu of %ld generated messages echoed\n",
               ss->received > ss->nmsgs ? ss->received - ss->nmsgs : 0, o->count);
        return;
    }
    if (o->count < 2) /* one message measures the latency of nothing much */
        return;
    secs = (double)(ss->bulk_end - ss->bulk_start) / 1000.0;
    if (secs < 0.001)
        secs = 0.001;
    printf("%ld messages of %ld bytes echoed in %.3fs: %.0f messages/s, %.2f MB/s each way\n", o->count, o->size,
           secs, (double)o->count / secs, (double)o->count * (double)o->size / secs / 1e6);
}

int main(int argc, char **argv)
{
    struct options opt;
    struct session *ss;
    ws_config *cfg = NULL;
    int rc, ok = 0;
    size_t i;

    rc = parse_options(argc, argv, &opt);
    if (rc != 0) {
        if (rc == -1) /* -2: the problem was reported already */
            usage();
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0); /* interleave sensibly with a server's log */
    if (ws_abi_version() != WS_ABI_VERSION) {
        fprintf(stderr, "ws_client: built for libws ABI %d, loaded %d\n", WS_ABI_VERSION, ws_abi_version());
        return 1;
    }
    /* On the heap: the session holds a 64 KiB line buffer. */
    ss = calloc(1, sizeof *ss);
    if (ss == NULL) {
        fprintf(stderr, "ws_client: out of memory\n");
        return 1;
    }
    ss->opt = &opt;
    ss->fd = -1;
    if (plan_messages(ss, argc - optind, argv + optind) != 0) {
        fprintf(stderr, "ws_client: out of memory\n");
        goto out;
    }
    if (opt.count > 0 && (ss->gen_buf = malloc(opt.size ? (size_t)opt.size : 1)) == NULL) {
        fprintf(stderr, "ws_client: out of memory\n");
        goto out;
    }
    if ((cfg = make_config(&opt)) == NULL)
        goto out;
    /* The opening request is queued at once; it goes out with the first
     * make_progress() once we are connected. */
    rc = ws_client_new(cfg, opt.url, &ss->conn);
    if (rc < 0) {
        fprintf(stderr, "ws_client: %s: %s (%s)\n", opt.url, ws_strerror(rc), ws_last_error());
        goto out;
    }
    if ((ss->fd = tcp_connect(opt.host, opt.port, opt.timeout_s)) < 0)
        goto out;

    rc = run(ss);
    print_summary(ss);
    if (ss->opened && !ss->close_seen)
        fprintf(stderr, "ws_client: the connection ended without a close frame\n");
    else if (ss->opened && !ss->clean_close)
        fprintf(stderr, "ws_client: the connection did not close as expected\n");
    if (!opt.interactive && ss->opened &&
        (ss->received < ss->nmsgs + (unsigned long)opt.count || ss->pongs < ss->pings_sent))
        fprintf(stderr, "ws_client: %lu of %lu echoes received and %lu of %lu pings answered\n", ss->received,
                (unsigned long)ss->nmsgs + (unsigned long)opt.count, ss->pongs, ss->pings_sent);
    ok = rc == 0 && ss->errors == 0 && ss->opened && ss->close_seen && ss->clean_close &&
         (opt.interactive || (ss->received == ss->nmsgs + (unsigned long)opt.count && ss->pongs >= ss->pings_sent));
out:
    if (ss->fd >= 0)
        close(ss->fd);
    ws_conn_free(ss->conn); /* NULL is fine */
    ws_config_free(cfg);
    for (i = 0; i < ss->nlines; i++)
        free(ss->lines[i]);
    free(ss->lines);
    free(ss->msgs);
    free(ss->gen_buf);
    free(ss);
    return ok ? 0 : 1;
}
