/*
 * fuzz_client.c — the C surface's echo client for the conformance suite's
 * fuzzing server, using libws exactly as examples/c/client.c does (one
 * blocking poll() loop: read -> ws_feed, take events, feed again what
 * ws_feed left once its receive budget filled, write ws_output ->
 * ws_consume, obey ws_hint), with permessage-deflate offered.
 *
 *   fuzz_client ws://127.0.0.1:PORT AGENT     Autobahn's fuzzingclient protocol:
 *                                             /getCaseCount, /runCase?case=N&agent=AGENT
 *                                             for every case, /updateReports
 *   fuzz_client -e URL                        one connection: echo every message
 *                                             until the server closes
 *
 * It stands in for an "echo what you receive" mode of build/ws_client
 * (examples/c/client.c has none yet); see tests/conformance/README.md.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ws.h"

#define READ_CHUNK (64 * 1024)
#define IDLE_MS    20000 /* give up on a silent server */

static unsigned char buf[READ_CHUNK];

/* host and port of a ws:// URL (no IPv6 literals needed here). */
static int split_url(const char *url, char *host, size_t hs, char *port, size_t ps)
{
    const char *p, *end, *colon;
    if (strncmp(url, "ws://", 5) != 0)
        return -1;
    p = url + 5;
    end = p + strcspn(p, "/?");
    colon = memchr(p, ':', (size_t)(end - p));
    if (colon == NULL) {
        snprintf(port, ps, "80");
        colon = end;
    } else {
        snprintf(port, ps, "%.*s", (int)(end - colon - 1), colon + 1);
    }
    snprintf(host, hs, "%.*s", (int)(colon - p), p);
    return 0;
}

static int tcp_connect(const char *host, const char *port)
{
    struct addrinfo hints, *res, *ai;
    int fd = -1, one = 1;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, port, &hints, &res) != 0)
        return -1;
    for (ai = res; ai != NULL; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd < 0)
            continue;
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
            break;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd >= 0)
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

/* Writes all pending output (blocking). -1 if the socket failed. */
static int flush(int fd, ws_conn *c)
{
    const uint8_t *out;
    size_t len;
    while (ws_output(c, &out, &len) == WS_OK && len > 0) {
        ssize_t n = send(fd, out, len, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        ws_consume(c, (size_t)n);
    }
    return 0;
}

/* Takes every queued event; echo: sends messages back. first (optional)
 * receives the first text message. */
static void take_events(ws_conn *c, int echo, char *first, size_t firstsz)
{
    ws_event ev[32];
    int k, i;
    ev[0].size = sizeof ev[0];
    while ((k = ws_next_events(c, ev, 32)) > 0) {
        for (i = 0; i < k; i++) {
            if (first != NULL && first[0] == '\0' && ev[i].type == WS_EV_TEXT)
                snprintf(first, firstsz, "%.*s", (int)ev[i].len, (const char *)ev[i].data);
            if (!echo)
                continue;
            /* WS_E_CLOSED: the connection is closing; nothing to echo to. */
            if (ev[i].type == WS_EV_TEXT)
                ws_send_text(c, ev[i].data, ev[i].len);
            else if (ev[i].type == WS_EV_BINARY)
                ws_send_binary(c, ev[i].data, ev[i].len);
        }
        ev[0].size = sizeof ev[0];
    }
}

/*
 * One connection to url. echo: send every message back. first (optional)
 * receives the first text message. Returns 0 when the connection ended
 * normally (whatever the close code), -1 on a local error.
 */
static int run(const ws_config *cfg, const char *url, int echo, char *first, size_t firstsz)
{
    char host[256], port[16];
    ws_conn *c = NULL;
    int fd, rc = 0, shut = 0, eof = 0;

    if (split_url(url, host, sizeof host, port, sizeof port) != 0) {
        fprintf(stderr, "fuzz_client: %s: not a ws:// URL\n", url);
        return -1;
    }
    if (ws_client_new(cfg, url, &c) != WS_OK) {
        fprintf(stderr, "fuzz_client: ws_client_new: %s\n", ws_last_error());
        return -1;
    }
    fd = tcp_connect(host, port);
    if (fd < 0) {
        fprintf(stderr, "fuzz_client: cannot connect to %s:%s\n", host, port);
        ws_conn_free(c);
        return -1;
    }
    for (;;) {
        struct pollfd pfd = { fd, POLLIN, 0 };
        size_t off = 0;
        int k, hint, left;
        ssize_t n;

        if (flush(fd, c) != 0)
            break;
        hint = ws_hint(c);
        if (hint == WS_HINT_CLOSE)
            break;
        if (hint == WS_HINT_SHUTDOWN_WRITE && !shut) {
            shutdown(fd, SHUT_WR); /* then wait for the server to close (§7.1.1) */
            shut = 1;
        }
        if (eof)
            break;
        k = poll(&pfd, 1, IDLE_MS);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            fprintf(stderr, "fuzz_client: %s: no data for %d ms, giving up\n", url, IDLE_MS);
            rc = -1;
            break;
        }
        n = recv(fd, buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            ws_feed_eof(c);
            eof = 1;
            take_events(c, echo, first, firstsz);
            continue;
        }
        /* ws_feed leaves the bytes past its receive budget: take the
         * events, then feed the rest. */
        do {
            left = ws_feed(c, buf + off, (size_t)n - off);
            if (left < 0) {
                fprintf(stderr, "fuzz_client: ws_feed: %s (%s)\n", ws_strerror(left), ws_last_error());
                rc = -1;
                goto out;
            }
            off = (size_t)n - (size_t)left;
            take_events(c, echo, first, firstsz);
        } while (off < (size_t)n);
    }
out:
    close(fd);
    ws_conn_free(c);
    return rc;
}

int main(int argc, char **argv)
{
    ws_config *cfg = NULL;
    char url[1024], count[64] = "";
    long n, i;

    if (ws_config_new(WS_ROLE_CLIENT, &cfg) != WS_OK || ws_config_set(cfg, WS_OPT_DEFLATE, 1) != WS_OK) {
        fprintf(stderr, "fuzz_client: config: %s\n", ws_last_error());
        return 1;
    }
    if (argc == 3 && strcmp(argv[1], "-e") == 0)
        return run(cfg, argv[2], 1, NULL, 0) == 0 ? 0 : 1;
    if (argc != 3) {
        fprintf(stderr, "usage: fuzz_client BASE-URL AGENT | fuzz_client -e URL\n");
        return 2;
    }
    snprintf(url, sizeof url, "%s/getCaseCount", argv[1]);
    if (run(cfg, url, 0, count, sizeof count) != 0 || (n = strtol(count, NULL, 10)) <= 0) {
        fprintf(stderr, "fuzz_client: getCaseCount failed (%s)\n", count);
        return 1;
    }
    for (i = 1; i <= n; i++) {
        snprintf(url, sizeof url, "%s/runCase?case=%ld&agent=%s", argv[1], i, argv[2]);
        run(cfg, url, 1, NULL, 0);
    }
    snprintf(url, sizeof url, "%s/updateReports?agent=%s", argv[1], argv[2]);
    run(cfg, url, 0, NULL, 0);
    ws_config_free(cfg);
    return 0;
}
