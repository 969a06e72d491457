/*
 * matrix_client.c — our C client surface in the interop matrix: libws.so
 * used as examples/c/client.c uses it (a non-blocking socket and poll(),
 * ws_feed (and again for the bytes it leaves) / ws_next_events / ws_output
 * + ws_consume, WS_HINT_SHUTDOWN_WRITE then wait for the server's EOF),
 * running the matrix exchange with checks against a peer server:
 *
 *   matrix_client ws://127.0.0.1:PA/A ws://127.0.0.1:PB/B
 *
 * Connection A offers permessage-deflate (context takeover); B offers
 * server_no_context_takeover and client_no_context_takeover (only the
 * latter with MATRIX_B_OFFER=client); C, if given, asks for window bits 10
 * both ways (server_max_window_bits, client_max_window_bits). Each message
 * waits for its echo; after the first one a ping waits for its pong; A is
 * closed by us with 4000, B by the server with 4001, C by us. A RESULT line per
 * connection (README.md); exit 0 if both passed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "matrix.h"

struct session {
    int fd;
    ws_conn *c;
    struct report rep;
    int next;         /* the message whose echo we wait for */
    int ping_sent, pong_ok, server_ping, close_seen, peer_eof, write_shut, write_blocked;
    int64_t last;     /* ms: last progress, for the timeout */
};

/* Connection B asks for server_no_context_takeover too, unless the peer
 * cannot grant it (MATRIX_B_OFFER=client: Mojolicious); libws would then
 * rightly refuse the answer. */
static int server_no_context_takeover(void)
{
    const char *v = getenv("MATRIX_B_OFFER");
    return v == NULL || strcmp(v, "client") != 0;
}

static ws_config *make_config(char conn)
{
    ws_config *cfg = NULL;
    int rc = ws_config_new(WS_ROLE_CLIENT, &cfg);
    if (rc == WS_OK)
        rc = ws_config_set(cfg, WS_OPT_DEFLATE, 1);
    if (rc == WS_OK)
        rc = ws_config_set(cfg, WS_OPT_MAX_MESSAGE, 16 << 20);
    if (rc == WS_OK && conn == 'B' && server_no_context_takeover())
        rc = ws_config_set(cfg, WS_OPT_DEFLATE_SERVER_NO_CONTEXT_TAKEOVER, 1);
    if (rc == WS_OK && conn == 'B')
        rc = ws_config_set(cfg, WS_OPT_DEFLATE_CLIENT_NO_CONTEXT_TAKEOVER, 1);
    if (rc == WS_OK && conn == 'C')
        rc = ws_config_set(cfg, WS_OPT_DEFLATE_SERVER_MAX_WINDOW_BITS, WINDOW_BITS);
    if (rc == WS_OK && conn == 'C')
        rc = ws_config_set(cfg, WS_OPT_DEFLATE_CLIENT_MAX_WINDOW_BITS, WINDOW_BITS);
    if (rc != WS_OK) {
        fprintf(stderr, "matrix_client: config: %s (%s)\n", ws_strerror(rc), ws_last_error());
        exit(1);
    }
    return cfg;
}

/* "ws://127.0.0.1:PORT/X": the port (the matrix uses loopback only). */
static int connect_url(const char *url)
{
    struct sockaddr_in sa;
    const char *p = strrchr(url, ':');
    int fd, one = 1;
    if (strncmp(url, "ws://127.0.0.1:", 15) != 0 || p == NULL)
        return -1;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)atoi(p + 1));
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        perror("matrix_client: connect");
        if (fd >= 0)
            close(fd);
        return -1;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    set_nonblocking(fd);
    return fd;
}

/* Sends message k of the script (LARGE in fragments). */
static void send_next(struct session *s)
{
    const struct payload *p = &SCRIPT[s->next];
    int rc = s->next == 2 ? send_fragmented(s->c, p->text, p->data, p->len)
                          : ws_send(s->c, p->text ? WS_OP_TEXT : WS_OP_BINARY, p->data, p->len, 0);
    if (rc != WS_OK)
        report_fail(&s->rep, STEP_OF[s->next], "send: %s (%s)", ws_strerror(rc), ws_last_error());
}

static void on_event(struct session *s, const ws_event *ev)
{
    struct report *r = &s->rep;
    int rc;
    switch (ev->type) {
    case WS_EV_OPEN:
        report_ok(r, "open");
        report_deflate(r, s->c);
        report_check(r, "deflate", r->deflate == 1, "permessage-deflate was not negotiated");
        send_next(s);
        break;
    case WS_EV_REJECTED:
        report_fail(r, "open", "handshake failed: HTTP %u %.*s", ev->code, (int)ev->len, (const char *)ev->data);
        break;
    case WS_EV_TEXT:
    case WS_EV_BINARY:
        if (s->next >= MSG_COUNT) {
            report_fail(r, "close", "an unexpected message of %zu bytes", ev->len);
            break;
        }
        report_message(r, s->next, ev->type == WS_EV_TEXT, ev->data, ev->len);
        if (s->next >= 3)
            report_check(r, "rsv1", (ev->flags & WS_EVF_COMPRESSED) != 0, "echo %d arrived uncompressed",
                         s->next + 1);
        s->next++;
        if (s->next == 1) { /* a ping, and the next message once its pong is back */
            rc = ws_ping(s->c, CLIENT_PING, sizeof CLIENT_PING - 1);
            if (rc != WS_OK)
                report_fail(r, "client-ping", "ws_ping: %s", ws_strerror(rc));
            s->ping_sent = 1;
        } else if (s->next < MSG_COUNT) {
            send_next(s);
        } else {
            report_check(r, "server-ping", s->server_ping, "the server's ping never came");
            if (r->conn != 'B') {
                rc = ws_close(s->c, CLOSE_A_CODE, CLOSE_A_REASON, sizeof CLOSE_A_REASON - 1);
                if (rc != WS_OK)
                    report_fail(r, "close", "ws_close: %s (%s)", ws_strerror(rc), ws_last_error());
            }
        }
        break;
    case WS_EV_PING:
        if (ev->len == sizeof SERVER_PING - 1 && memcmp(ev->data, SERVER_PING, ev->len) == 0)
            s->server_ping = 1;
        else
            report_fail(r, "server-ping", "a ping with %zu unexpected bytes", ev->len);
        break;
    case WS_EV_PONG:
        if (s->ping_sent && !s->pong_ok && ev->len == sizeof CLIENT_PING - 1 &&
            memcmp(ev->data, CLIENT_PING, ev->len) == 0) {
            s->pong_ok = 1;
            report_ok(r, "client-ping");
            send_next(s);
        } else {
            report_fail(r, "client-ping", "an unexpected pong of %zu bytes", ev->len);
        }
        break;
    case WS_EV_CLOSE:
        s->close_seen = 1;
        if (r->conn != 'B')
            report_check(r, "close", ev->initiator == WS_CLOSED_BY_US && ev->code == CLOSE_A_CODE,
                         "close %u \"%.*s\" initiator %u", ev->code, (int)ev->len, (const char *)ev->data,
                         ev->initiator);
        else
            report_check(r, "close",
                         ev->initiator == WS_CLOSED_BY_PEER && ev->code == CLOSE_B_CODE &&
                             ev->len == sizeof CLOSE_B_REASON - 1 &&
                             memcmp(ev->data, CLOSE_B_REASON, ev->len) == 0 && s->next == MSG_COUNT,
                         "close %u \"%.*s\" initiator %u after %d echoes", ev->code, (int)ev->len,
                         (const char *)ev->data, ev->initiator, s->next);
        break;
    default:
        break;
    }
}

/* Takes every queued event, in batches as client.c does. */
static void drain_events(struct session *s)
{
    ws_event evs[32];
    int k, i;
    evs[0].size = sizeof evs[0];
    while ((k = ws_next_events(s->c, evs, 32)) > 0)
        for (i = 0; i < k; i++)
            on_event(s, &evs[i]);
    if (k < 0)
        report_fail(&s->rep, report_current(&s->rep), "ws_next_events: %s", ws_strerror(k));
}

/* Writes what the socket takes; then obeys the hint. Returns 1 when done. */
static int flush(struct session *s)
{
    const uint8_t *out;
    size_t len = 0;
    s->write_blocked = 0;
    while (!s->write_shut && ws_output(s->c, &out, &len) == WS_OK && len > 0) {
        ssize_t n = send(s->fd, out, len, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                s->write_blocked = 1;
            else if (errno != EINTR) {
                report_fail(&s->rep, report_current(&s->rep), "send: %s", strerror(errno));
                return 1;
            }
            return 0;
        }
        s->last = now_ms();
        ws_consume(s->c, (size_t)n);
    }
    switch (ws_hint(s->c)) {
    case WS_HINT_SHUTDOWN_WRITE: /* a client waits for the server to close TCP (§7.1.1) */
        if (!s->write_shut) {
            shutdown(s->fd, SHUT_WR);
            s->write_shut = 1;
        }
        return 0;
    case WS_HINT_CLOSE:
        return 1;
    default:
        return 0;
    }
}

static int run(const char *url, char conn)
{
    struct session s;
    ws_config *cfg = make_config(conn);
    int rc;

    memset(&s, 0, sizeof s);
    report_init(&s.rep, "c", "client", conn);
    rc = ws_client_new(cfg, url, &s.c);
    ws_config_free(cfg);
    if (rc != WS_OK) {
        report_fail(&s.rep, "open", "ws_client_new: %s (%s)", ws_strerror(rc), ws_last_error());
        report_emit(&s.rep);
        return 0;
    }
    s.fd = connect_url(url);
    if (s.fd < 0) {
        report_fail(&s.rep, "open", "cannot connect to %s", url);
        goto out;
    }
    s.last = now_ms();
    for (;;) {
        struct pollfd pfd = { s.fd, (short)((s.peer_eof ? 0 : POLLIN) | (s.write_blocked ? POLLOUT : 0)), 0 };
        static uint8_t buf[65536];
        ssize_t n;
        if (flush(&s))
            break;
        if (s.peer_eof && ws_hint(s.c) != WS_HINT_CLOSE) {
            report_fail(&s.rep, report_current(&s.rep), "EOF, hint %d (%s)", ws_hint(s.c), ws_conn_failure(s.c));
            break;
        }
        pfd.events = (short)((s.peer_eof ? 0 : POLLIN) | (s.write_blocked ? POLLOUT : 0));
        rc = poll(&pfd, 1, 500);
        if (rc < 0 && errno != EINTR)
            break;
        if (now_ms() - s.last > TIMEOUT_MS) {
            report_fail(&s.rep, report_current(&s.rep), "timed out");
            break;
        }
        if (!(pfd.revents & (POLLIN | POLLHUP | POLLERR)))
            continue;
        n = recv(s.fd, buf, sizeof buf, 0);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            continue;
        s.last = now_ms();
        if (n <= 0) {
            ws_feed_eof(s.c);
            s.peer_eof = 1;
            drain_events(&s);
            continue;
        }
        /* ws_feed leaves the bytes past its receive budget: take the
         * events, then feed the rest. */
        for (size_t off = 0; off < (size_t)n;) {
            rc = ws_feed(s.c, buf + off, (size_t)n - off);
            if (rc < 0) {
                report_fail(&s.rep, report_current(&s.rep), "ws_feed: %s (%s)", ws_strerror(rc), ws_last_error());
                goto out;
            }
            off = (size_t)n - (size_t)rc;
            drain_events(&s);
        }
    }
    if (s.rep.failed[0] == '\0')
        report_check(&s.rep, "end", s.close_seen && s.peer_eof && ws_state(s.c) == WS_STATE_CLOSED,
                     "the connection ended without a clean closing handshake (%s)", ws_conn_failure(s.c));
out:
    if (s.fd >= 0)
        close(s.fd);
    report_emit(&s.rep);
    ws_conn_free(s.c);
    return s.rep.failed[0] == '\0';
}

int main(int argc, char **argv)
{
    int i, ok = 1;
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 2) {
        fprintf(stderr, "usage: matrix_client ws://127.0.0.1:PA/A ws://127.0.0.1:PB/B [ws://127.0.0.1:PC/C]\n");
        return 2;
    }
    if (ws_abi_version() != WS_ABI_VERSION) {
        fprintf(stderr, "matrix_client: built for libws ABI %d, loaded %d\n", WS_ABI_VERSION, ws_abi_version());
        return 1;
    }
    matrix_init();
    for (i = 1; i < argc; i++) {
        size_t n = strlen(argv[i]);
        ok = run(argv[i], n > 0 ? argv[i][n - 1] : '?') && ok;
    }
    return ok ? 0 : 1;
}
