/*
 * matrix_server.c — our C server surface in the interop matrix: libws.so
 * used as examples/c/echo_server.c uses it (non-blocking sockets, one
 * poll() loop, ws_feed (and again for the bytes it leaves) /
 * ws_next_events / ws_output + ws_consume / ws_hint), running the matrix
 * exchange with checks instead of a plain echo.
 *
 *   matrix_server            prints "READY <port-A> <port-B> <port-C>", serves one
 *                            connection on each port, prints a RESULT line
 *                            per connection (README.md), exits 0 if both
 *                            passed
 *
 * Port A accepts permessage-deflate as the client offers it; port B
 * imposes server_no_context_takeover and client_no_context_takeover
 * (WS_OPT_DEFLATE_*_NO_CONTEXT_TAKEOVER); port C window bits 10 both ways
 * (WS_OPT_DEFLATE_*_MAX_WINDOW_BITS, client's only if it offers it). A server ping goes out at open;
 * the client's messages are checked and echoed (the 1 MiB one in 64 KiB
 * fragments); on B the server closes after the last echo.
 */
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

#define TOTAL_MS 45000

/* 0 when with a browser as the client: it cannot send pings (MATRIX_CLIENT_PINGS=0: a browser). */
static int client_pings = 1;

struct conn {
    int lfd;        /* listener (closed once its connection came) */
    int fd;         /* -1: none yet / closed */
    ws_conn *c;
    struct report rep;
    int next;       /* the next message of the script expected */
    int pong_ok, ping_seen, close_seen, finished;
    int write_blocked;
};

static ws_config *make_config(char conn)
{
    ws_config *cfg = NULL;
    int rc = ws_config_new(WS_ROLE_SERVER, &cfg);
    if (rc == WS_OK)
        rc = ws_config_set(cfg, WS_OPT_DEFLATE, 1);
    if (rc == WS_OK)
        rc = ws_config_set(cfg, WS_OPT_MAX_MESSAGE, 16 << 20);
    if (rc == WS_OK && conn == 'B')
        rc = ws_config_set(cfg, WS_OPT_DEFLATE_SERVER_NO_CONTEXT_TAKEOVER, 1);
    if (rc == WS_OK && conn == 'B')
        rc = ws_config_set(cfg, WS_OPT_DEFLATE_CLIENT_NO_CONTEXT_TAKEOVER, 1);
    if (rc == WS_OK && conn == 'C')
        rc = ws_config_set(cfg, WS_OPT_DEFLATE_SERVER_MAX_WINDOW_BITS, WINDOW_BITS);
    if (rc == WS_OK && conn == 'C') /* sent only if the client offers client_max_window_bits */
        rc = ws_config_set(cfg, WS_OPT_DEFLATE_CLIENT_MAX_WINDOW_BITS, WINDOW_BITS);
    if (rc != WS_OK) {
        fprintf(stderr, "matrix_server: config: %s (%s)\n", ws_strerror(rc), ws_last_error());
        exit(1);
    }
    return cfg;
}

static int listen_any(void)
{
    struct sockaddr_in sa;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 4) != 0 || set_nonblocking(fd) != 0) {
        perror("matrix_server: listen");
        exit(1);
    }
    return fd;
}

static int port_of(int fd)
{
    struct sockaddr_in sa;
    socklen_t sl = sizeof sa;
    getsockname(fd, (struct sockaddr *)&sa, &sl);
    return ntohs(sa.sin_port);
}

static void finish(struct conn *k)
{
    if (k->finished)
        return;
    k->finished = 1;
    if (k->fd >= 0)
        close(k->fd);
    k->fd = -1;
    report_emit(&k->rep);
    ws_conn_free(k->c);
    k->c = NULL;
}

static void echo(struct conn *k, const ws_event *ev)
{
    int text = ev->type == WS_EV_TEXT, rc;
    if (k->next == 2)
        rc = send_fragmented(k->c, text, ev->data, ev->len);
    else
        rc = ws_send(k->c, text ? WS_OP_TEXT : WS_OP_BINARY, ev->data, ev->len, 0);
    if (rc != WS_OK)
        report_fail(&k->rep, STEP_OF[k->next], "echo: %s (%s)", ws_strerror(rc), ws_last_error());
}

static void on_event(struct conn *k, const ws_event *ev)
{
    struct report *r = &k->rep;
    const char *target = "";
    int rc;

    switch (ev->type) {
    case WS_EV_OPEN:
        if (ws_request_target(k->c, &target) < 0)
            target = "?";
        report_check(r, "open", target[0] == '/' && target[1] == r->conn && target[2] == '\0',
                     "path %s, want /%c", target, r->conn);
        report_deflate(r, k->c);
        report_check(r, "deflate", r->deflate == 1, "permessage-deflate was not negotiated");
        rc = ws_ping(k->c, SERVER_PING, sizeof SERVER_PING - 1);
        if (rc != WS_OK)
            report_fail(r, "server-ping", "ws_ping: %s", ws_strerror(rc));
        break;
    case WS_EV_REJECTED:
        report_fail(r, "open", "handshake rejected: HTTP %u %.*s", ev->code, (int)ev->len, (const char *)ev->data);
        break;
    case WS_EV_TEXT:
    case WS_EV_BINARY:
        if (k->next >= MSG_COUNT) {
            report_fail(r, "close", "an unexpected message of %zu bytes", ev->len);
            break;
        }
        report_message(r, k->next, ev->type == WS_EV_TEXT, ev->data, ev->len);
        if (k->next == 1) { /* the client answered our ping and pinged before this message */
            report_check(r, "server-ping", k->pong_ok, "no pong to our ping before the second message");
            if (client_pings)
                report_check(r, "client-ping", k->ping_seen, "no ping from the client before the second message");
        }
        if (k->next >= 3)
            report_check(r, "rsv1", (ev->flags & WS_EVF_COMPRESSED) != 0, "message %d arrived uncompressed",
                         k->next + 1);
        echo(k, ev);
        if (++k->next == MSG_COUNT && r->conn == 'B') {
            rc = ws_close(k->c, CLOSE_B_CODE, CLOSE_B_REASON, sizeof CLOSE_B_REASON - 1);
            if (rc != WS_OK)
                report_fail(r, "close", "ws_close: %s (%s)", ws_strerror(rc), ws_last_error());
        }
        break;
    case WS_EV_PING:
        if (ev->len == sizeof CLIENT_PING - 1 && memcmp(ev->data, CLIENT_PING, ev->len) == 0)
            k->ping_seen = 1;
        else
            report_fail(r, "client-ping", "a ping with %zu unexpected bytes", ev->len);
        break;
    case WS_EV_PONG:
        if (ev->len == sizeof SERVER_PING - 1 && memcmp(ev->data, SERVER_PING, ev->len) == 0)
            k->pong_ok = 1;
        else
            report_fail(r, "server-ping", "a pong with %zu unexpected bytes", ev->len);
        break;
    case WS_EV_CLOSE:
        k->close_seen = 1;
        if (r->conn != 'B')
            report_check(r, "close",
                         ev->initiator == WS_CLOSED_BY_PEER && ev->code == CLOSE_A_CODE &&
                             ev->len == sizeof CLOSE_A_REASON - 1 &&
                             memcmp(ev->data, CLOSE_A_REASON, ev->len) == 0 && k->next == MSG_COUNT,
                         "close %u \"%.*s\" initiator %u after %d messages", ev->code, (int)ev->len,
                         (const char *)ev->data, ev->initiator, k->next);
        else
            report_check(r, "close", ev->initiator == WS_CLOSED_BY_US && ev->code == CLOSE_B_CODE,
                         "close %u \"%.*s\" initiator %u", ev->code, (int)ev->len, (const char *)ev->data,
                         ev->initiator);
        break;
    default:
        break;
    }
}

/* Takes every queued event, in batches as echo_server.c does. */
static void drain_events(struct conn *k)
{
    ws_event evs[32];
    int n, i;
    evs[0].size = sizeof evs[0];
    while ((n = ws_next_events(k->c, evs, 32)) > 0)
        for (i = 0; i < n; i++)
            on_event(k, &evs[i]);
    if (n < 0)
        report_fail(&k->rep, report_current(&k->rep), "ws_next_events: %s", ws_strerror(n));
}

/* Writes what the socket takes; then obeys the hint. */
static void flush(struct conn *k)
{
    const uint8_t *out;
    size_t len = 0;
    k->write_blocked = 0;
    while (ws_output(k->c, &out, &len) == WS_OK && len > 0) {
        ssize_t n = send(k->fd, out, len, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                k->write_blocked = 1;
            else if (errno != EINTR) {
                report_fail(&k->rep, report_current(&k->rep), "send: %s", strerror(errno));
                finish(k);
            }
            return;
        }
        ws_consume(k->c, (size_t)n);
    }
    if (ws_hint(k->c) == WS_HINT_CLOSE) { /* the server closes TCP first (RFC 6455 §7.1.1) */
        report_check(&k->rep, "end", k->close_seen && ws_state(k->c) == WS_STATE_CLOSED,
                     "transport closed without a closing handshake (%s)", ws_conn_failure(k->c));
        finish(k);
    }
}

static void on_readable(struct conn *k)
{
    static uint8_t buf[65536];
    ssize_t n = recv(k->fd, buf, sizeof buf, 0);
    size_t off = 0;
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n <= 0) {
        ws_feed_eof(k->c); /* EOF or error: 1006 unless the close handshake is done */
        drain_events(k);
        flush(k);
        return;
    }
    /* As echo_server.c: ws_feed leaves the bytes past its receive budget;
     * take the events, write, feed the rest (buf is shared by all three). */
    do {
        int left = ws_feed(k->c, buf + off, (size_t)n - off);
        if (left < 0) {
            report_fail(&k->rep, report_current(&k->rep), "ws_feed: %s (%s)", ws_strerror(left), ws_last_error());
            finish(k);
            return;
        }
        off = (size_t)n - (size_t)left;
        drain_events(k);
        flush(k); /* may finish the connection */
    } while (off < (size_t)n && !k->finished);
}

static void on_accept(struct conn *k, ws_config *cfg)
{
    int one = 1, rc;
    int fd = accept(k->lfd, NULL, NULL);
    if (fd < 0)
        return;
    close(k->lfd);
    k->lfd = -1;
    set_nonblocking(fd);
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    k->fd = fd;
    rc = ws_server_new(cfg, &k->c);
    if (rc != WS_OK) {
        report_fail(&k->rep, "open", "ws_server_new: %s (%s)", ws_strerror(rc), ws_last_error());
        finish(k);
    }
}

int main(void)
{
    struct conn conns[NCONN];
    ws_config *cfgs[NCONN];
    int64_t deadline;
    int i, ok = 1;

    setvbuf(stdout, NULL, _IOLBF, 0);
    if (ws_abi_version() != WS_ABI_VERSION) {
        fprintf(stderr, "matrix_server: built for libws ABI %d, loaded %d\n", WS_ABI_VERSION, ws_abi_version());
        return 1;
    }
    matrix_init();
    client_pings = getenv("MATRIX_CLIENT_PINGS") == NULL || strcmp(getenv("MATRIX_CLIENT_PINGS"), "0") != 0;
    for (i = 0; i < NCONN; i++) {
        memset(&conns[i], 0, sizeof conns[i]);
        conns[i].fd = -1;
        conns[i].lfd = listen_any();
        report_init(&conns[i].rep, "c", "server", (char)('A' + i));
        if (!client_pings)
            report_na(&conns[i].rep, "client-ping", "with a browser as the client: it cannot send pings");
        cfgs[i] = make_config((char)('A' + i));
    }
    printf("READY %d %d %d\n", port_of(conns[0].lfd), port_of(conns[1].lfd), port_of(conns[2].lfd));

    deadline = now_ms() + TOTAL_MS;
    while (!(conns[0].finished && conns[1].finished && conns[2].finished)) {
        struct pollfd pfds[NCONN];
        int64_t left = deadline - now_ms();
        if (left <= 0) {
            for (i = 0; i < NCONN; i++)
                if (!conns[i].finished) {
                    report_fail(&conns[i].rep, report_current(&conns[i].rep), "timed out");
                    finish(&conns[i]);
                }
            break;
        }
        for (i = 0; i < NCONN; i++) {
            struct conn *k = &conns[i];
            pfds[i].fd = k->finished ? -1 : k->fd >= 0 ? k->fd : k->lfd;
            pfds[i].events = POLLIN | (k->fd >= 0 && k->write_blocked ? POLLOUT : 0);
            pfds[i].revents = 0;
        }
        if (poll(pfds, NCONN, (int)(left < 1000 ? left : 1000)) < 0 && errno != EINTR) {
            perror("matrix_server: poll");
            return 1;
        }
        for (i = 0; i < NCONN; i++) {
            struct conn *k = &conns[i];
            if (pfds[i].revents == 0 || k->finished)
                continue;
            if (k->fd < 0) {
                on_accept(k, cfgs[i]);
                continue;
            }
            if (pfds[i].revents & (POLLIN | POLLHUP | POLLERR))
                on_readable(k);
            else
                flush(k);
        }
    }
    for (i = 0; i < NCONN; i++) {
        ok = ok && conns[i].rep.failed[0] == '\0';
        if (conns[i].lfd >= 0)
            close(conns[i].lfd);
        ws_config_free(cfgs[i]);
    }
    return ok ? 0 : 1;
}
