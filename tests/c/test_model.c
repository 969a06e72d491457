/*
 * test_model: the model loop of ws.h ("THE MODEL"), compiled from the
 * header's own text (the Makefile extracts it into build/model_loop.inc),
 * must end against every kind of peer: one that closes cleanly, one that
 * breaks the protocol (the loop fails the connection), one that vanishes
 * without a close frame, and one that is not WebSocket at all. A loop that
 * never leaves is caught by alarm().
 *
 * The peer is a libws client on the other end of a socketpair, in a
 * thread; it reports what it saw.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ws.h"

/* The model, verbatim; cfg, fd and the buffers are what its text uses. */
static void model(int fd, ws_config *cfg) {
    char buf[4096];
    ssize_t n, off;
#include "model_loop.inc"
    ws_conn_free(c);
}

enum peer_kind { CLEAN, FAULT, VANISH, NOT_WEBSOCKET };
static const char *const kind_name[] = {"closes cleanly", "breaks the protocol", "vanishes", "is not WebSocket"};

struct peer {
    int fd;
    enum peer_kind kind;
    int close_code; /* of the close frame the model sent, or 0 */
    int echoed;     /* the model echoed our text */
    int rejected;   /* the model refused the handshake (HTTP status) */
};

static void die(const char *what) {
    fprintf(stderr, "test_model: %s: %s\n", what, ws_last_error());
    exit(1);
}

/* Writes all of c's output to fd. */
static void flush(struct peer *p, ws_conn *c) {
    const uint8_t *out;
    size_t len;
    while (ws_output(c, &out, &len) == WS_OK && len > 0) {
        ssize_t w = write(p->fd, out, len);
        if (w <= 0)
            return; /* the model closed: fine for a peer that misbehaves */
        ws_consume(c, (size_t)w);
    }
}

/* Reads and feeds until an event of type want (or the end), answering
 * nothing but what libws queues itself. */
static int until(struct peer *p, ws_conn *c, int want) {
    char buf[4096];
    ws_event ev = {.size = sizeof ev};
    for (;;) {
        while (ws_next_event(c, &ev) > 0) {
            if (ev.type == WS_EV_TEXT && ev.len == 2 && memcmp(ev.data, "hi", 2) == 0)
                p->echoed = 1;
            if (ev.type == WS_EV_CLOSE)
                p->close_code = ev.code;
            if (ev.type == WS_EV_REJECTED)
                p->rejected = ev.code;
            if (ev.type == want)
                return 1;
        }
        flush(p, c);
        ssize_t n = read(p->fd, buf, sizeof buf);
        if (n <= 0) {
            ws_feed_eof(c);
            while (ws_next_event(c, &ev) > 0)
                if (ev.type == WS_EV_CLOSE && !p->close_code)
                    p->close_code = ev.initiator == WS_CLOSED_ABNORMALLY ? 0 : ev.code;
            return 0;
        }
        if (ws_feed(c, buf, (size_t)n) < 0)
            die("peer ws_feed");
    }
}

static void *peer_main(void *arg) {
    struct peer *p = arg;
    if (p->kind == NOT_WEBSOCKET) {
        static const char junk[] = "HELLO THERE\r\n\r\n";
        if (write(p->fd, junk, sizeof junk - 1) < 0)
            die("write");
        char buf[512];
        while (read(p->fd, buf, sizeof buf) > 0) {
            if (!p->rejected && strncmp(buf, "HTTP/1.1 400", 12) == 0)
                p->rejected = 400;
        }
        close(p->fd);
        return NULL;
    }
    ws_config *cfg;
    ws_conn *c;
    if (ws_config_new(WS_ROLE_CLIENT, &cfg) != WS_OK || ws_client_new(cfg, "ws://model.test/", &c) != WS_OK)
        die("client");
    ws_config_free(cfg);
    flush(p, c);
    if (!until(p, c, WS_EV_OPEN))
        die("no WS_EV_OPEN");
    switch (p->kind) {
    case CLEAN:
        ws_send_text(c, "hi", 2);
        flush(p, c);
        until(p, c, WS_EV_TEXT);
        ws_close(c, 1000, "bye", 3);
        flush(p, c);
        until(p, c, WS_EV_CLOSE);
        break;
    case FAULT: {
        /* A masked frame with the reserved opcode 3: §5.2, fail with 1002. */
        static const unsigned char bad[] = {0x83, 0x80, 1, 2, 3, 4};
        if (write(p->fd, bad, sizeof bad) < 0)
            die("write");
        until(p, c, WS_EV_CLOSE);
        break;
    }
    case VANISH:
    case NOT_WEBSOCKET:
        break;
    }
    close(p->fd);
    ws_conn_free(c);
    return NULL;
}

static void on_alarm(int sig) {
    (void)sig;
    static const char msg[] = "test_model: FAIL: the model loop did not end\n";
    if (write(2, msg, sizeof msg - 1) < 0) {
    }
    _exit(1);
}

int main(void) {
    signal(SIGALRM, on_alarm);
    signal(SIGPIPE, SIG_IGN); // as ws.h tells a host that uses write()
    ws_config *cfg;
    if (ws_config_new(WS_ROLE_SERVER, &cfg) != WS_OK)
        die("config");
    int failed = 0;
    for (int k = CLEAN; k <= NOT_WEBSOCKET; k++) {
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
            die("socketpair");
        struct peer p = {.fd = sv[1], .kind = (enum peer_kind)k};
        pthread_t t;
        pthread_create(&t, NULL, peer_main, &p);
        alarm(10);
        model(sv[0], cfg);
        alarm(0);
        if (fcntl(sv[0], F_GETFD) == 0)
            close(sv[0]); /* the loop's "ended before" exit leaves it open */
        pthread_join(t, NULL);
        int ok = k == CLEAN ? p.echoed && p.close_code == 1000
               : k == FAULT ? p.close_code == 1002
               : k == VANISH ? 1
               : p.rejected == 400;
        printf("test_model: a peer that %s: the loop ended%s (echo %d, close %d, rejected %d)\n", kind_name[k],
               ok ? "" : ", but the peer saw the wrong thing", p.echoed, p.close_code, p.rejected);
        failed |= !ok;
    }
    ws_config_free(cfg);
    puts(failed ? "test_model: FAILED" : "test_model: ok");
    return failed;
}
