/*
 * test_soak.c — memory stays flat over very many operations.
 *
 * (a) create/feed/free: a server connection is made, fed a complete
 *     opening request and a message in one buffer, its events are taken
 *     and checked, and it is freed — N times.
 * (b) messages: one client/server pair exchanges M messages (client to
 *     server, with a reply, a ping and a compressed pair every so often).
 * (c) ws_strerror / ws_close_code_name of N/2 distinct codes: their
 *     strings are static, so the set must not grow with the codes asked
 *     about (a binding may pass any int it got).
 *
 * After a warm-up (the first 10% of each phase) the resident set size
 * (VmRSS) and the C heap in use (mallinfo2: libws hands out C memory) are
 * recorded; at the end they must not have grown by more than a small
 * margin (RSS 8 MiB, C heap 1 MiB). The figures are printed.
 *
 * Usage: test_soak [cycles] [messages]   (or SOAK_CYCLES, SOAK_MESSAGES;
 * default 1000000 each)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "ws.h"

#define RSS_MARGIN_KIB (8 * 1024)
#define HEAP_MARGIN (1 << 20)

static int failures;

#define CHECK(cond, ...)                                                   \
    do {                                                                   \
        if (!(cond)) {                                                     \
            if (failures++ < 10) {                                         \
                fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond); \
                fprintf(stderr, __VA_ARGS__);                              \
                fprintf(stderr, "\n");                                     \
            }                                                              \
        }                                                                  \
    } while (0)

struct mark {
    long rss_kib;
    long long heap;
    double t;
};

static struct mark mark_now(void) {
    struct mark m = {util_rss_kib(), util_heap_bytes(), util_now()};
    return m;
}

static void report(const char *what, unsigned long n, struct mark start, struct mark warm, struct mark end) {
    long drss = end.rss_kib - warm.rss_kib;
    long long dheap = end.heap - warm.heap;
    printf("test_soak: %-26s %8lu: RSS start %ld KiB, after warm-up %ld KiB, end %ld KiB (%+ld KiB); "
           "C heap after warm-up %lld B, end %lld B (%+lld B); %.2f s, %.2f us/op\n",
           what, n, start.rss_kib, warm.rss_kib, end.rss_kib, drss, warm.heap, end.heap, dheap, end.t - start.t,
           (end.t - start.t) * 1e6 / (double)n);
    CHECK(drss <= RSS_MARGIN_KIB, "%s: RSS grew by %ld KiB after warm-up (limit %d KiB)", what, drss,
          RSS_MARGIN_KIB);
    CHECK(dheap <= HEAP_MARGIN, "%s: C heap grew by %lld bytes after warm-up (limit %d)", what, dheap, HEAP_MARGIN);
}

/* An event a feed should give: its type and, unless data is NULL, its
 * payload. */
struct want {
    int type;
    const void *data;
    size_t len;
};

/* Feeds buf to c as a host must — ws_feed leaves the bytes past the
 * receive budget, fed again once the events are taken — and checks the
 * events against want[0..n) as they come (their data lives only until the
 * next feed). Returns 1 if exactly those came. */
static int feed_expect(ws_conn *c, const uint8_t *buf, size_t len, const struct want *want, int n) {
    ws_event evs[8];
    int got = 0, k;
    size_t off = 0;
    do {
        int left = ws_feed(c, buf + off, len - off);
        if (left < 0)
            return 0;
        off = len - (size_t)left;
        evs[0].size = sizeof evs[0];
        while ((k = ws_next_events(c, evs, 8)) > 0)
            for (int i = 0; i < k; i++, got++) {
                const struct want *w = &want[got];
                if (got == n || evs[i].type != w->type ||
                    (w->data && (evs[i].len != w->len || memcmp(evs[i].data, w->data, w->len) != 0)))
                    return 0;
            }
        if (k < 0)
            return 0;
    } while (off < len);
    return got == n;
}

/* Moves from's output to `to` (feed_expect) and consumes it. Returns 1 if
 * there was output and it gave the events wanted. */
static int pump_expect(ws_conn *from, ws_conn *to, const struct want *want, int n) {
    const uint8_t *out;
    size_t len;
    if (ws_output(from, &out, &len) != WS_OK || len == 0)
        return 0;
    return feed_expect(to, out, len, want, n) && ws_consume(from, len) == WS_OK;
}

static const char MESSAGE[] = "soak message: hello, server";

/* The bytes of a complete opening request followed by one masked text
 * frame, as a client would send them. */
static uint8_t *request_and_message(size_t *len) {
    ws_config *cc = util_config(WS_ROLE_CLIENT, 0);
    ws_conn *c;
    if (cc == NULL || ws_conn_new_open(cc, NULL, NULL, &c) != WS_OK ||
        ws_send_text(c, MESSAGE, sizeof MESSAGE - 1) != WS_OK)
        return NULL;
    uint8_t *frame;
    size_t flen;
    if (util_take_output(c, &frame, &flen) != WS_OK)
        return NULL;
    size_t rlen = strlen(UTIL_REQUEST);
    uint8_t *buf = malloc(rlen + flen);
    memcpy(buf, UTIL_REQUEST, rlen);
    memcpy(buf + rlen, frame, flen);
    *len = rlen + flen;
    free(frame);
    ws_conn_free(c);
    ws_config_free(cc);
    return buf;
}

static void soak_cycles(unsigned long n) {
    ws_config *sc = util_config(WS_ROLE_SERVER, 0);
    size_t len;
    uint8_t *input = request_and_message(&len);
    CHECK(sc && input, "setup");
    if (!sc || !input)
        return;
    const struct want want[] = {{WS_EV_REQUEST, NULL, 0}, {WS_EV_OPEN, NULL, 0},
                                {WS_EV_TEXT, MESSAGE, sizeof MESSAGE - 1}};
    unsigned long warmup = n / 10;
    struct mark start = mark_now(), warm = start;
    for (unsigned long i = 0; i < n; i++) {
        if (i == warmup)
            warm = mark_now();
        ws_conn *s;
        int rc = ws_server_new(sc, &s);
        if (rc != WS_OK) {
            CHECK(0, "ws_server_new: %d at cycle %lu", rc, i);
            break;
        }
        CHECK(feed_expect(s, input, len, want, 3), "cycle %lu: not REQUEST, OPEN, the text (%s)", i,
              ws_last_error());
        ws_conn_free(s);
    }
    report("create/feed/free cycles", n, start, warm, mark_now());
    free(input);
    ws_config_free(sc);
}

static void soak_messages(unsigned long n) {
    ws_config *cc = util_config(WS_ROLE_CLIENT, WS_OPT_DEFLATE, 1, 0);
    ws_config *sc = util_config(WS_ROLE_SERVER, WS_OPT_DEFLATE, 1, 0);
    ws_conn *c, *s;
    CHECK(cc && sc && util_handshake(cc, sc, &c, &s) == WS_OK, "setup");
    if (!cc || !sc)
        return;
    uint8_t buf[2048];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)(i * 13);
    const struct want close_ev[] = {{WS_EV_CLOSE, NULL, 0}};
    unsigned long warmup = n / 10;
    struct mark start = mark_now(), warm = start;
    for (unsigned long i = 0; i < n; i++) {
        if (i == warmup)
            warm = mark_now();
        /* Sizes cycle through 1..2048; every 64th message is compressed. */
        size_t len = 1 + (i * 97) % sizeof buf;
        memcpy(buf, &i, sizeof i < len ? sizeof i : len);
        unsigned flags = (i % 64 == 0) ? WS_SEND_COMPRESS : WS_SEND_NO_COMPRESS;
        int rc = ws_send(c, WS_OP_BINARY, buf, len, flags);
        int pinged = i % 256 == 0;
        if (pinged && rc == WS_OK)
            rc = ws_ping(c, "soak", 4);
        const struct want msg[] = {{WS_EV_BINARY, buf, len}, {WS_EV_PING, "soak", 4}};
        if (rc != WS_OK || !pump_expect(c, s, msg, 1 + pinged)) {
            CHECK(0, "message %lu: send %d, not the message%s (%s)", i, rc, pinged ? " and the ping" : "",
                  ws_last_error());
            break;
        }
        if (i % 16 == 0) {
            /* A reply (after the pong, when there was a ping). */
            const struct want reply[] = {{WS_EV_PONG, "soak", 4}, {WS_EV_TEXT, "ack", 3}};
            CHECK(ws_send_text(s, "ack", 3) == WS_OK, "reply");
            CHECK(pump_expect(s, c, reply + !pinged, 1 + pinged), "message %lu: not the reply", i);
        }
    }
    report("messages on one pair", n, start, warm, mark_now());
    CHECK(ws_close(c, 1000, NULL, 0) == WS_OK, "close");
    CHECK(pump_expect(c, s, close_ev, 1), "close event"); /* taking it queues the reply */
    CHECK(pump_expect(s, c, close_ev, 1), "close reply");
    CHECK(ws_state(c) == WS_STATE_CLOSED && ws_state(s) == WS_STATE_CLOSED, "closed");
    ws_conn_free(c);
    ws_conn_free(s);
    ws_config_free(cc);
    ws_config_free(sc);
}

static void soak_strings(unsigned long n) {
    unsigned long warmup = n / 10;
    struct mark start = mark_now(), warm = start;
    for (unsigned long i = 0; i < n; i++) {
        if (i == warmup)
            warm = mark_now();
        int code = -100 - (int)(i % 2000000000UL);
        const char *e = ws_strerror(code), *name = ws_close_code_name(5000 + (int)i);
        if (e == NULL || *e == 0 || name == NULL || *name != 0) {
            CHECK(0, "ws_strerror(%d) / ws_close_code_name(%d)", code, 5000 + (int)i);
            break;
        }
    }
    report("strerror(unknown codes)", n, start, warm, mark_now());
}

int main(int argc, char **argv) {
    unsigned long cycles = util_env_ulong("SOAK_CYCLES", 1000000);
    unsigned long messages = util_env_ulong("SOAK_MESSAGES", 1000000);
    if (argc > 1)
        cycles = strtoul(argv[1], NULL, 10);
    if (argc > 2)
        messages = strtoul(argv[2], NULL, 10);
    printf("test_soak: %lu cycles, %lu messages (RSS margin %d KiB, C heap margin %d B)\n", cycles, messages,
           RSS_MARGIN_KIB, HEAP_MARGIN);
    fflush(stdout);
    if (cycles)
        soak_cycles(cycles);
    fflush(stdout);
    if (messages)
        soak_messages(messages);
    fflush(stdout);
    if (cycles)
        soak_strings(cycles / 2);
    if (failures) {
        fprintf(stderr, "test_soak: %d check(s) FAILED\n", failures);
        return 1;
    }
    printf("test_soak: ok\n");
    return 0;
}
