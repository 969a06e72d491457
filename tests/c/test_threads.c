/*
 * test_threads.c — libws from many threads.
 *
 * 1. Independent connections in parallel: N threads each drive their own
 *    client/server pairs (three in four with permessage-deflate, whose
 *    compressors come from process-wide pools) through the
 *    handshake and many messages both ways, checking every payload, and
 *    call the stateless helpers concurrently.
 * 2. The busy rule: two threads hammer the SAME connection (one sends, one
 *    drains with ws_output/ws_consume). A call made while the other thread
 *    is inside the library must return WS_E_BUSY at once; nothing may
 *    crash, and what was queued must still be a well-formed frame stream.
 *
 * Busy detection is best-effort and timing-dependent (it needs the two
 * calls to overlap, which on a loaded 2-core machine may take a while), so
 * part 2 loops until it has observed WS_E_BUSY, within a bound of
 * attempts and time, and fails with a clear message if it never does.
 *
 * Usage: test_threads [threads] [messages-per-thread]
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "ws.h"

static int failures;
static pthread_mutex_t fail_mu = PTHREAD_MUTEX_INITIALIZER;

/* Reports the first 20 failures; counts all. */
#define CHECK(cond, ...)                                                    \
    do {                                                                    \
        if (!(cond)) {                                                      \
            pthread_mutex_lock(&fail_mu);                                   \
            if (failures++ < 20) {                                          \
                fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond); \
                fprintf(stderr, __VA_ARGS__);                               \
                fprintf(stderr, "\n");                                      \
            }                                                               \
            pthread_mutex_unlock(&fail_mu);                                 \
        }                                                                   \
    } while (0)

/* ---- 1. Independent pairs ------------------------------------------------ */

struct worker {
    int id;
    unsigned long messages;
    unsigned long checked;
};

static void fill(uint8_t *buf, size_t len, unsigned seed) {
    for (size_t i = 0; i < len; i++)
        buf[i] = (uint8_t)(seed * 131 + i * 7 + (i >> 5));
}

/* Feeds n bytes to c: ws_feed leaves the bytes past the receive budget,
 * fed again once the events are taken (into l). Returns 0 or an error. */
static int feed_all(ws_conn *c, const uint8_t *p, size_t n, ev_list *l) {
    for (;;) {
        int left = ws_feed(c, p, n);
        if (left <= 0)
            return left;
        p += n - (size_t)left;
        n = (size_t)left;
        int rc = util_drain(c, l);
        if (rc < 0)
            return rc;
    }
}

static void *worker_main(void *arg) {
    struct worker *w = arg;
    int deflate = w->id % 4 != 3; /* most threads compress: the pooled compressors are shared */
    ws_config *cc = util_config(WS_ROLE_CLIENT, WS_OPT_DEFLATE, deflate, 0);
    ws_config *sc = util_config(WS_ROLE_SERVER, WS_OPT_DEFLATE, deflate, 0);
    uint8_t *buf = malloc(4096);
    CHECK(cc && sc && buf, "setup");
    if (!cc || !sc || !buf)
        return NULL;
    ws_conn *c = NULL, *s = NULL;
    ev_list l = {0};
    const unsigned long per_pair = 500;
    for (unsigned long m = 0; m < w->messages; m++) {
        if (m % per_pair == 0) {
            /* A fresh pair now and then: creation and free in parallel too. */
            ws_conn_free(c);
            ws_conn_free(s);
            c = s = NULL;
            int rc = util_handshake(cc, sc, &c, &s);
            CHECK(rc == WS_OK, "thread %d: handshake: %d", w->id, rc);
            if (rc != WS_OK)
                break;
        }
        size_t len = 1 + (m * 977 + (unsigned long)w->id * 31) % 4000;
        unsigned seed = (unsigned)(m * 8 + (unsigned long)w->id);
        fill(buf, len, seed);
        ws_conn *from = (m & 1) ? s : c, *to = (m & 1) ? c : s;
        const char *dir = (m & 1) ? "server->client" : "client->server";
        int rc = ws_send_binary(from, buf, len);
        if (rc != WS_OK) {
            CHECK(0, "thread %d message %lu (%s, %zu bytes%s): ws_send_binary: %d: %s", w->id, m, dir, len,
                  deflate ? ", deflate" : "", rc, ws_last_error());
            break; /* a failed connection: stop this worker */
        }
        /* Feed in two pieces, to exercise partial frames. */
        const uint8_t *out;
        size_t n = 0;
        rc = ws_output(from, &out, &n);
        size_t half = n / 2;
        if (rc == WS_OK)
            rc = feed_all(to, out, half, &l);
        if (rc == WS_OK)
            rc = feed_all(to, out + half, n - half, &l);
        if (rc == WS_OK)
            rc = ws_consume(from, n);
        if (rc == WS_OK)
            rc = util_drain(to, &l);
        int ok = rc >= 0 && l.n == 1 && l.v[0].type == WS_EV_BINARY && l.v[0].len == len &&
                 memcmp(l.v[0].data, buf, len) == 0;
        if (!ok) {
            size_t at = 0;
            if (l.n >= 1)
                while (at < len && at < l.v[0].len && l.v[0].data[at] == buf[at])
                    at++;
            CHECK(0, "thread %d message %lu (%s, %zu bytes%s): rc %d, %zu events; first: type %d, %zu bytes, "
                     "first difference at byte %zu%s%s",
                  w->id, m, dir, len, deflate ? ", deflate" : "", rc, l.n, l.n ? l.v[0].type : -1,
                  l.n ? l.v[0].len : 0, at, l.n && l.v[0].type == WS_EV_CLOSE ? ": " : "",
                  l.n && l.v[0].type == WS_EV_CLOSE ? (char *)l.v[0].data : "");
            ev_list_free(&l);
            break;
        }
        w->checked++;
        ev_list_free(&l);
        /* Stateless helpers, concurrently with everything else. */
        if (m % 64 == 0) {
            char acc[29];
            CHECK(ws_accept_key("dGhlIHNhbXBsZSBub25jZQ==", acc) == WS_OK &&
                      strcmp(acc, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") == 0,
                  "accept key");
            CHECK(ws_utf8_valid("h\xc3\xa9", 3) == 1, "utf8");
            CHECK(strlen(ws_strerror(WS_E_BUSY)) > 0, "strerror");
            CHECK(ws_close_code_valid(1000) == 1, "close code");
        }
    }
    if (c && s && w->checked == w->messages) {
        int rc = ws_close(c, 1000, "done", 4);
        long a = util_pump(c, s, 0);
        if (util_drain(s, &l) != 1) /* taking the peer's close queues the reply */
            rc = -1;
        ev_list_free(&l);
        long b = util_pump(s, c, 0);
        CHECK(rc == WS_OK && a > 0 && b > 0 && ws_state(c) == WS_STATE_CLOSED && ws_state(s) == WS_STATE_CLOSED,
              "thread %d: close %d, pumped %ld and %ld bytes, states %d %d: %s / %s", w->id, rc, a, b, ws_state(c),
              ws_state(s), ws_conn_failure(c), ws_conn_failure(s));
    }
    ws_conn_free(c);
    ws_conn_free(s);
    ws_config_free(cc);
    ws_config_free(sc);
    free(buf);
    return NULL;
}

static void part_independent(int nthreads, unsigned long messages) {
    pthread_t t[64];
    struct worker w[64];
    double t0 = util_now();
    for (int i = 0; i < nthreads; i++) {
        w[i] = (struct worker){.id = i, .messages = messages};
        if (pthread_create(&t[i], NULL, worker_main, &w[i]) != 0) {
            fprintf(stderr, "pthread_create failed\n");
            exit(1);
        }
    }
    unsigned long total = 0;
    for (int i = 0; i < nthreads; i++) {
        pthread_join(t[i], NULL);
        total += w[i].checked;
    }
    CHECK(total == (unsigned long)nthreads * messages, "checked %lu of %lu messages", total,
          (unsigned long)nthreads * messages);
    printf("test_threads: %d threads x %lu messages on their own pairs: %lu payloads checked (%.2f s)\n", nthreads,
           messages, total, util_now() - t0);
}

/* ---- 2. The busy rule ------------------------------------------------------- */

#define PAYLOAD 4096

struct shared {
    ws_conn *c;
    pthread_mutex_t copy_mu; /* held by the drainer while it copies the borrowed output */
    volatile int stop;
    volatile long sent;      /* sends that returned WS_OK */
    volatile long busy_send, busy_output, busy_consume, busy_other;
    volatile long full;
    /* The drained bytes not yet parsed (a partial frame at most). */
    uint8_t *sink;
    size_t sink_len, sink_cap;
    size_t total_bytes;
    long frames;     /* well-formed frames parsed, in order */
    int bad;         /* frames with a wrong header or payload */
    int malformed;   /* the stream stopped parsing */
};

static void payload_for(uint8_t *buf, long seq) {
    memset(buf, (int)(seq & 0xFF), PAYLOAD);
    memcpy(buf, &seq, sizeof seq);
}

static void *sender_main(void *arg) {
    struct shared *sh = arg;
    uint8_t *buf = malloc(PAYLOAD);
    while (!sh->stop) {
        payload_for(buf, sh->sent);
        /* The lock only keeps this send out of the window in which the
         * drainer reads the borrowed output pointer (a send may move the
         * buffer); the drainer's ws_consume and the queries below still
         * overlap freely with it. */
        pthread_mutex_lock(&sh->copy_mu);
        int rc = ws_send_binary(sh->c, buf, PAYLOAD);
        pthread_mutex_unlock(&sh->copy_mu);
        if (rc == WS_OK)
            sh->sent++;
        else if (rc == WS_E_BUSY)
            sh->busy_send++;
        else if (rc == WS_E_OUTPUT_FULL) {
            sh->full++;
            sched_yield();
        } else {
            CHECK(0, "ws_send_binary: unexpected %d (%s)", rc, ws_last_error());
            break;
        }
        /* Unlocked calls, racing the drainer's. */
        int st = ws_state(sh->c);
        if (st == WS_E_BUSY)
            sh->busy_other++;
        else
            CHECK(st == WS_STATE_OPEN, "ws_state: %d", st);
    }
    free(buf);
    return NULL;
}

static void sink_append(struct shared *sh, const uint8_t *p, size_t n) {
    if (sh->sink_len + n > sh->sink_cap) {
        size_t cap = sh->sink_cap ? sh->sink_cap : 1 << 20;
        while (cap < sh->sink_len + n)
            cap *= 2;
        sh->sink = realloc(sh->sink, cap);
        if (sh->sink == NULL) {
            fprintf(stderr, "out of memory\n");
            exit(1);
        }
        sh->sink_cap = cap;
    }
    memcpy(sh->sink + sh->sink_len, p, n);
    sh->sink_len += n;
    sh->total_bytes += n;
}

/* Parses and checks the complete frames at the start of the sink (one per
 * successful send, in order: binary, final, masked, PAYLOAD bytes holding
 * the sequence number), keeping a trailing partial frame. */
static void sink_parse(struct shared *sh) {
    size_t off = 0;
    uint8_t plain[PAYLOAD], want[PAYLOAD];
    while (!sh->malformed && off < sh->sink_len) {
        ws_frame_header h;
        int hl = ws_frame_parse_header(sh->sink + off, sh->sink_len - off, &h, NULL);
        if (hl < 0) {
            sh->malformed = 1;
            break;
        }
        if (hl == 0 || h.length > sh->sink_len - off - (size_t)hl)
            break; /* incomplete: wait for more */
        if (h.opcode != WS_OP_BINARY || !h.fin || !h.masked || h.rsv || h.length != PAYLOAD) {
            sh->bad++;
        } else {
            ws_mask(h.mask, 0, sh->sink + off + hl, plain, PAYLOAD);
            payload_for(want, sh->frames);
            if (memcmp(plain, want, PAYLOAD) != 0)
                sh->bad++;
        }
        sh->frames++;
        off += (size_t)hl + (size_t)h.length;
    }
    memmove(sh->sink, sh->sink + off, sh->sink_len - off);
    sh->sink_len -= off;
}

static void *drainer_main(void *arg) {
    struct shared *sh = arg;
    while (!sh->stop) {
        const uint8_t *p;
        size_t n = 0;
        pthread_mutex_lock(&sh->copy_mu);
        int rc = ws_output(sh->c, &p, &n);
        if (rc == WS_OK && n > 0)
            sink_append(sh, p, n);
        pthread_mutex_unlock(&sh->copy_mu);
        sink_parse(sh);
        if (rc == WS_E_BUSY) {
            sh->busy_output++;
            continue;
        }
        CHECK(rc == WS_OK, "ws_output: %d", rc);
        if (rc != WS_OK)
            break;
        /* Consume exactly what was copied; retry while the sender is inside. */
        while (n > 0) {
            rc = ws_consume(sh->c, n);
            if (rc == WS_OK)
                break;
            CHECK(rc == WS_E_BUSY, "ws_consume: %d", rc);
            if (rc != WS_E_BUSY)
                return NULL;
            sh->busy_consume++;
        }
        int pe = ws_pending_events(sh->c);
        if (pe == WS_E_BUSY)
            sh->busy_other++;
        else
            CHECK(pe == 0, "ws_pending_events: %d", pe);
    }
    return NULL;
}

static void part_busy(void) {
    ws_config *cc = util_config(WS_ROLE_CLIENT, WS_OPT_MAX_OUTPUT, 4 << 20, 0);
    struct shared sh;
    memset(&sh, 0, sizeof sh);
    pthread_mutex_init(&sh.copy_mu, NULL);
    CHECK(cc && ws_conn_new_open(cc, NULL, NULL, &sh.c) == WS_OK, "setup");
    if (!sh.c)
        return;
    /* Bounded: up to 60 s (600 rounds of 100 ms); stop once WS_E_BUSY was
     * seen in at least one of the hammered calls and some frames went
     * through (at least 3 rounds). */
    pthread_t a, b;
    double t0 = util_now();
    int rounds = 0;
    long busy = 0;
    pthread_create(&a, NULL, sender_main, &sh);
    pthread_create(&b, NULL, drainer_main, &sh);
    while (rounds < 600 && util_now() - t0 < 60) {
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
        rounds++;
        busy = sh.busy_send + sh.busy_output + sh.busy_consume + sh.busy_other;
        if (busy > 0 && sh.sent > 100 && rounds >= 3)
            break;
    }
    sh.stop = 1;
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    busy = sh.busy_send + sh.busy_output + sh.busy_consume + sh.busy_other;
    if (busy == 0)
        CHECK(0, "no call returned WS_E_BUSY in %.1f s of two threads hammering one connection "
                 "(%ld sends); ws.h promises WS_E_BUSY for overlapping calls",
              util_now() - t0, sh.sent);

    /* The connection is consistent: drain the rest single-threaded and
     * parse everything — one well-formed frame per successful send, in
     * order, with the right payload. */
    const uint8_t *p;
    size_t n;
    CHECK(ws_output(sh.c, &p, &n) == WS_OK, "final output");
    sink_append(&sh, p, n);
    CHECK(ws_consume(sh.c, n) == WS_OK, "final consume");
    CHECK(ws_state(sh.c) == WS_STATE_OPEN, "still open");
    sink_parse(&sh);
    CHECK(!sh.malformed, "the drained stream does not parse as frames");
    CHECK(sh.sink_len == 0, "%zu bytes of a partial frame left over", sh.sink_len);
    CHECK(sh.frames == sh.sent, "%ld frames parsed, %ld sends succeeded", sh.frames, sh.sent);
    CHECK(sh.bad == 0, "%d frames with a wrong header or payload", sh.bad);
    CHECK(ws_send_binary(sh.c, "ok", 2) == WS_OK, "still usable");
    printf("test_threads: busy rule: %ld sends, WS_E_BUSY seen %ld times (send %ld, output %ld, consume %ld, "
           "queries %ld), %ld output-full, %zu bytes parsed as %ld well-formed frames (%.2f s)\n",
           sh.sent, busy, sh.busy_send, sh.busy_output, sh.busy_consume, sh.busy_other, sh.full, sh.total_bytes,
           sh.frames, util_now() - t0);
    ws_conn_free(sh.c);
    ws_config_free(cc);
    free(sh.sink);
    pthread_mutex_destroy(&sh.copy_mu);
}

/* The busy rule on a config, and WS_E_BUSY's description. */
struct cfg_ctx {
    ws_config *cfg;
    volatile int stop;
    volatile long busy, ok;
};

static void *cfg_hammer(void *arg) {
    struct cfg_ctx *x = arg;
    for (long i = 0; !x->stop && i < 5000000; i++) {
        int rc = ws_config_set(x->cfg, WS_OPT_MAX_FRAME, 1000 + (i & 1023));
        if (rc == WS_E_BUSY)
            x->busy++;
        else if (rc == WS_OK)
            x->ok++;
        else
            CHECK(0, "ws_config_set: %d", rc);
        if (x->busy > 0 && i > 10000)
            break;
    }
    x->stop = 1;
    return NULL;
}

static void part_config_busy(void) {
    struct cfg_ctx x = {0};
    CHECK(ws_config_new(WS_ROLE_SERVER, &x.cfg) == WS_OK, "config");
    pthread_t a, b;
    pthread_create(&a, NULL, cfg_hammer, &x);
    pthread_create(&b, NULL, cfg_hammer, &x);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    int64_t v = 0;
    CHECK(ws_config_get(x.cfg, WS_OPT_MAX_FRAME, &v) == WS_OK && v >= 1000 && v < 1000 + 1024, "value %lld",
          (long long)v);
    /* Not a hard requirement of this part (config calls are very short):
     * report what was seen. */
    printf("test_threads: config hammered by 2 threads: %ld sets ok, %ld WS_E_BUSY\n", x.ok, x.busy);
    ws_config_free(x.cfg);
}

int main(int argc, char **argv) {
    int nthreads = argc > 1 ? atoi(argv[1]) : 8;
    unsigned long messages = argc > 2 ? strtoul(argv[2], NULL, 10) : 3000;
    if (nthreads < 1 || nthreads > 64) {
        fprintf(stderr, "threads must be 1..64\n");
        return 2;
    }
    part_independent(nthreads, messages);
    part_busy();
    part_config_busy();
    if (failures) {
        fprintf(stderr, "test_threads: %d check(s) FAILED\n", failures);
        return 1;
    }
    printf("test_threads: ok\n");
    return 0;
}
