/*
 * wsbench-c — the C surfaces on the shared workloads
 * (shared/bench/WORKLOADS.md): libws's C API (libws.so), wslay (Debian's
 * libwslay, event API with in-memory callbacks) and, for W6, wslay framing
 * with zlib deflate/inflate (wslay has no permessage-deflate of its own).
 *
 *   wsbench-c DATA_DIR
 *
 * Requests on stdin, one JSON object a line ({"w":"w1","impl":"libws",
 * "min_time":0.3,"clock":"cpu"}): passes are run until min_time seconds of
 * process CPU time (or wall time with "clock":"wall") have gone by; one
 * JSON line answers each, with both times (see bench/run.py). The first
 * request of an (impl, workload) pair sets the connection up and makes an
 * untimed warm-up pass; on the client side that pass's output is captured
 * and re-parsed by an independent frame walker (zlib for inflating). Server
 * passes check the count and checksum every time.
 *
 * Server side: one long-lived connection fed the .frames in 64 KiB slices,
 * events drained after each slice (libws: ws_next_events batches of 256,
 * and the rest of the slice fed again if the receive budget filled;
 * wslay: wslay_event_recv, whose recv callback copies from the slice).
 * Client side: one send call per message (ws_send_text/_binary;
 * wslay_event_queue_msg), then its output drained into a byte counter
 * (libws: ws_output + ws_consume; wslay: wslay_event_send), as a host that
 * writes after each send (WORKLOADS.md). "libws-batched" and
 * "wslay-batched" (W5a-d) drain once 64 KiB of payload were sent since the
 * last drain, and at the end: a second, labelled row.
 *
 * W7 (small messages, context takeover 15/15): libws with permessage-deflate
 * taking over its context; "wslay+zlib" is wslay's framing with one zlib
 * stream for the whole connection (deflate level 6, Z_SYNC_FLUSH per
 * message, tail stripped; inflate without reset). "zlib" (W6 and W7) is
 * zlib alone, no framing: deflate each message (sync flush, tail stripped)
 * or inflate each compressed payload (unmasked when loaded) — the plain
 * zlib loop the targets compare with.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <wslay/wslay.h>
#include <zlib.h>

#include "ws.h"

#define CHUNK 65536

#ifndef WSLAY_PKG_VERSION /* wslayver.h of Debian's 1.1.1 says 1.0.1-DEV: run.sh passes dpkg's */
#define WSLAY_PKG_VERSION WSLAY_VERSION
#endif

/* ---- workloads ----------------------------------------------------------- */

typedef struct {
    const char *id, *src;
    int server, deflate, text, takeover;
    size_t count, size; /* size: the payload size (W7: the largest) */
    uint32_t checksum;
    uint8_t *payloads; /* the messages, concatenated */
    size_t *off, *len; /* message i: payloads + off[i], len[i] bytes */
    uint8_t *frames;   /* server side */
    size_t frames_len;
    uint8_t *zdata;    /* W6d/W7d: the compressed payloads, unmasked, concatenated ("zlib") */
    size_t *zoff, *zlen;
} workload;

static workload W[] = {
    {.id = "w1", .src = "w1", .server = 1, .deflate = 0}, {.id = "w2", .src = "w2", .server = 1, .deflate = 0}, {.id = "w3", .src = "w3", .server = 1, .deflate = 0}, {.id = "w4", .src = "w4", .server = 1, .deflate = 0},
    {.id = "w5a", .src = "w1", .server = 0, .deflate = 0}, {.id = "w5b", .src = "w2", .server = 0, .deflate = 0}, {.id = "w5c", .src = "w3", .server = 0, .deflate = 0}, {.id = "w5d", .src = "w4", .server = 0, .deflate = 0},
    {.id = "w6c", .src = "w6", .server = 0, .deflate = 1}, {.id = "w6d", .src = "w6", .server = 1, .deflate = 1},
    {.id = "w7c", .src = "w7", .server = 0, .deflate = 1, .takeover = 1}, {.id = "w7d", .src = "w7", .server = 1, .deflate = 1, .takeover = 1},
};
#define NW (sizeof W / sizeof W[0])

static uint8_t *slurp(const char *dir, const char *name, size_t *len) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(1);
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc((size_t)n + 1);
    if (fread(b, 1, (size_t)n, f) != (size_t)n) {
        perror(path);
        exit(1);
    }
    fclose(f);
    b[n] = 0;
    *len = (size_t)n;
    return b;
}

/* Finds "key": NUMBER inside the object that starts at the "name": key. */
static long long man_num(const char *man, const char *name, const char *key) {
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\": {", name);
    const char *o = strstr(man, pat);
    if (!o) {
        fprintf(stderr, "manifest: no %s\n", name);
        exit(1);
    }
    const char *end = strstr(o, "\n }"); /* json.dump(indent=1): the object's end */
    if (!end)
        end = o + strlen(o);
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *k = strstr(o, pat);
    if (!k || k > end) {
        fprintf(stderr, "manifest: no %s.%s\n", name, key);
        exit(1);
    }
    return strtoll(k + strlen(pat), NULL, 10);
}

/* The frames' payloads, unmasked (W6d, W7d: the compressed messages). */
static void unmask_frames(workload *w) {
    w->zdata = malloc(w->frames_len);
    w->zoff = malloc(w->count * sizeof *w->zoff);
    w->zlen = malloc(w->count * sizeof *w->zlen);
    size_t pos = 0, o = 0;
    for (size_t i = 0; i < w->count; i++) {
        const uint8_t *f = w->frames + pos;
        uint64_t l = f[1] & 0x7f;
        size_t h = 2;
        if (l == 126) {
            l = (uint64_t)f[2] << 8 | f[3];
            h = 4;
        } else if (l == 127) {
            l = 0;
            for (int k = 0; k < 8; k++)
                l = l << 8 | f[2 + k];
            h = 10;
        }
        const uint8_t *key = f + h, *p = f + h + 4;
        for (uint64_t k = 0; k < l; k++)
            w->zdata[o + k] = p[k] ^ key[k & 3];
        w->zoff[i] = o;
        w->zlen[i] = (size_t)l;
        o += (size_t)l;
        pos += h + 4 + (size_t)l;
    }
}

static void load(const char *dir) {
    size_t n;
    char *man = (char *)slurp(dir, "manifest.json", &n);
    for (size_t i = 0; i < NW; i++) {
        workload *w = &W[i];
        int w7 = strcmp(w->src, "w7") == 0;
        w->count = (size_t)man_num(man, w->src, "count");
        w->size = w7 ? 0 : (size_t)man_num(man, w->src, "payload_size");
        w->text = man_num(man, w->src, "opcode") == 1;
        w->checksum = (uint32_t)man_num(man, w->src, "checksum");
        char name[64];
        snprintf(name, sizeof name, "%s.%s", w->src, strcmp(w->src, "w1") && strcmp(w->src, "w2") && strcmp(w->src, "w3") && strcmp(w->src, "w4") ? "text" : "payloads");
        w->payloads = slurp(dir, name, &n);
        w->off = malloc(w->count * sizeof *w->off);
        w->len = malloc(w->count * sizeof *w->len);
        size_t total = 0;
        if (w7) {
            size_t ln;
            uint8_t *lens = slurp(dir, "w7.lens", &ln);
            if (ln != 4 * w->count) {
                fprintf(stderr, "w7.lens: %zu bytes, want %zu\n", ln, 4 * w->count);
                exit(1);
            }
            for (size_t k = 0; k < w->count; k++) {
                const uint8_t *q = lens + 4 * k;
                size_t m = (size_t)q[0] | (size_t)q[1] << 8 | (size_t)q[2] << 16 | (size_t)q[3] << 24;
                w->off[k] = total;
                w->len[k] = m;
                total += m;
                if (m > w->size)
                    w->size = m;
            }
            free(lens);
        } else {
            for (size_t k = 0; k < w->count; k++) {
                w->off[k] = total;
                w->len[k] = w->size;
                total += w->size;
            }
        }
        if (n != total) {
            fprintf(stderr, "%s: %zu bytes, want %zu\n", name, n, total);
            exit(1);
        }
        if (w->server) {
            snprintf(name, sizeof name, "%s.frames", w->src);
            w->frames = slurp(dir, name, &w->frames_len);
            if (w->deflate)
                unmask_frames(w);
        }
    }
    free(man);
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The process's CPU time (all threads: the Go runtime's too). */
static double cpu_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- an output sink: counts, and captures during the checked pass -------- */

typedef struct {
    uint64_t bytes;
    uint8_t *cap;
    size_t cap_len, cap_size;
    int capturing;
} sink;

static void sink_put(sink *s, const uint8_t *p, size_t n) {
    s->bytes += n;
    if (s->capturing) {
        if (s->cap_len + n > s->cap_size) {
            s->cap_size = (s->cap_len + n) * 2;
            s->cap = realloc(s->cap, s->cap_size);
        }
        memcpy(s->cap + s->cap_len, p, n);
        s->cap_len += n;
    }
}

/* ---- runners ------------------------------------------------------------- */

typedef struct runner runner;
struct runner {
    workload *w;
    /* server: returns 0 and sets *n, *sum; client: returns 0 */
    int (*pass)(runner *r, size_t *n, uint32_t *sum);
    sink out;
    char err[256];
    /* libws */
    ws_conn *c;
    /* wslay */
    wslay_event_context_ptr ctx;
    const uint8_t *in;
    size_t in_len;
    size_t msgs;
    uint32_t sum;
    int failed;
    z_stream z;
    uint8_t *zbuf;
    size_t zbuf_size;
    int batched;
};

#define FAIL(r, ...) fail_((r)->err, sizeof (r)->err, __VA_ARGS__)

__attribute__((format(printf, 3, 4))) static int fail_(char *buf, size_t cap, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, cap, fmt, ap);
    va_end(ap);
    return -1;
}

/* libws ------------------------------------------------------------------- */

static const char *NO_TAKEOVER = "permessage-deflate; server_no_context_takeover; client_no_context_takeover";
static const char *TAKEOVER = "permessage-deflate";

static int libws_open(runner *r, int role) {
    ws_config *cfg;
    int rc = ws_config_new(role, &cfg);
    if (rc != WS_OK)
        return FAIL(r, "ws_config_new: %s", ws_strerror(rc));
    ws_config_set(cfg, WS_OPT_MAX_MESSAGE, -1);
    ws_config_set(cfg, WS_OPT_MAX_FRAME, -1);
    if (r->w->deflate) {
        ws_config_set(cfg, WS_OPT_DEFLATE, 1);
        if (!r->w->takeover) {
            ws_config_set(cfg, WS_OPT_DEFLATE_SERVER_NO_CONTEXT_TAKEOVER, 1);
            ws_config_set(cfg, WS_OPT_DEFLATE_CLIENT_NO_CONTEXT_TAKEOVER, 1);
        }
    }
    rc = ws_conn_new_open(cfg, NULL, r->w->deflate ? (r->w->takeover ? TAKEOVER : NO_TAKEOVER) : NULL, &r->c);
    ws_config_free(cfg);
    if (rc != WS_OK)
        return FAIL(r, "ws_conn_new_open: %s (%s)", ws_strerror(rc), ws_last_error());
    if (r->w->deflate && ws_deflate_params(r->c, NULL, NULL, NULL, NULL) != 1)
        return FAIL(r, "permessage-deflate not in use");
    return 0;
}

/* Takes the queued events: counts the messages and sums their first and
 * last bytes. */
static int libws_take(runner *r, size_t *got, uint32_t *sum) {
    ws_event ev[256];
    int k;
    ev[0].size = sizeof ev[0];
    while ((k = ws_next_events(r->c, ev, 256)) > 0) {
        for (int i = 0; i < k; i++) {
            if (ev[i].type != WS_EV_TEXT && ev[i].type != WS_EV_BINARY)
                return FAIL(r, "event %d (%.*s)", ev[i].type, (int)ev[i].len, (const char *)ev[i].data);
            *sum += (uint32_t)ev[i].data[0] + ev[i].data[ev[i].len - 1];
        }
        *got += (size_t)k;
    }
    if (k < 0)
        return FAIL(r, "ws_next_events: %s", ws_strerror(k));
    return 0;
}

static int libws_server_pass(runner *r, size_t *n, uint32_t *sum) {
    workload *w = r->w;
    size_t got = 0;
    uint32_t s = 0;
    for (size_t o = 0; o < w->frames_len; o += CHUNK) {
        const uint8_t *p = w->frames + o;
        size_t len = w->frames_len - o < CHUNK ? w->frames_len - o : CHUNK;
        for (;;) { /* once per slice, unless the receive budget fills */
            int left = ws_feed(r->c, p, len);
            if (left < 0)
                return FAIL(r, "ws_feed: %s", ws_strerror(left));
            if (libws_take(r, &got, &s))
                return -1;
            if (left == 0)
                break;
            p += len - (size_t)left; /* the events are taken: feed the rest */
            len = (size_t)left;
        }
    }
    *n = got;
    *sum = s;
    return 0;
}

static void libws_drain(runner *r) {
    const uint8_t *p;
    size_t len;
    ws_output(r->c, &p, &len);
    if (len) {
        sink_put(&r->out, p, len);
        ws_consume(r->c, len);
    }
}

/* One send per message, its output drained right after (WORKLOADS.md). */
static int libws_client_pass(runner *r, size_t *n, uint32_t *sum) {
    (void)n, (void)sum;
    workload *w = r->w;
    for (size_t i = 0; i < w->count; i++) {
        const uint8_t *p = w->payloads + w->off[i];
        int rc = w->text ? ws_send_text(r->c, p, w->len[i]) : ws_send_binary(r->c, p, w->len[i]);
        if (rc != WS_OK)
            return FAIL(r, "ws_send: %s", ws_strerror(rc));
        libws_drain(r);
    }
    return 0;
}

/* libws-batched: drained once 64 KiB of payload were sent, and at the end. */
static int libws_batched_pass(runner *r, size_t *n, uint32_t *sum) {
    (void)n, (void)sum;
    workload *w = r->w;
    size_t since = 0;
    for (size_t i = 0; i < w->count; i++) {
        const uint8_t *p = w->payloads + w->off[i];
        int rc = w->text ? ws_send_text(r->c, p, w->len[i]) : ws_send_binary(r->c, p, w->len[i]);
        if (rc != WS_OK)
            return FAIL(r, "ws_send: %s", ws_strerror(rc));
        if ((since += w->len[i]) >= CHUNK) {
            libws_drain(r);
            since = 0;
        }
    }
    libws_drain(r);
    return 0;
}

static int libws_new(runner *r) {
    if (libws_open(r, r->w->server ? WS_ROLE_SERVER : WS_ROLE_CLIENT))
        return -1;
    r->pass = r->w->server ? libws_server_pass : libws_client_pass;
    return 0;
}

static int libws_batched_new(runner *r) {
    if (libws_open(r, WS_ROLE_CLIENT))
        return -1;
    r->pass = libws_batched_pass;
    return 0;
}

/* wslay ------------------------------------------------------------------- */

/* Masking keys for the wslay client: 4 bytes at a time from a pool filled
 * by getrandom() (a CSPRNG, no system call per frame — as libws does). */
static uint8_t maskpool[4096];
static size_t maskpos = sizeof maskpool;

static int wslay_genmask(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, void *user) {
    (void)ctx, (void)user;
    if (maskpos + len > sizeof maskpool) {
        if (getrandom(maskpool, sizeof maskpool, 0) != (ssize_t)sizeof maskpool)
            return -1;
        maskpos = 0;
    }
    memcpy(buf, maskpool + maskpos, len);
    maskpos += len;
    return 0;
}

static ssize_t wslay_recv_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags, void *user) {
    (void)flags;
    runner *r = user;
    if (r->in_len == 0) {
        wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
        return -1;
    }
    if (len > r->in_len)
        len = r->in_len;
    memcpy(buf, r->in, len);
    r->in += len;
    r->in_len -= len;
    return (ssize_t)len;
}

static ssize_t wslay_send_cb(wslay_event_context_ptr ctx, const uint8_t *data, size_t len, int flags, void *user) {
    (void)ctx, (void)flags;
    runner *r = user;
    sink_put(&r->out, data, len);
    return (ssize_t)len;
}

static int inflate_msg(runner *r, const uint8_t *p, size_t len, const uint8_t **out, size_t *out_len);
static int deflate_msg(runner *r, const uint8_t *p, size_t len, const uint8_t **out, size_t *out_len);

static void wslay_msg_cb(wslay_event_context_ptr ctx, const struct wslay_event_on_msg_recv_arg *arg, void *user) {
    (void)ctx;
    runner *r = user;
    if (arg->opcode != WSLAY_TEXT_FRAME && arg->opcode != WSLAY_BINARY_FRAME) {
        if (!r->failed)
            snprintf(r->err, sizeof r->err, "wslay: opcode %d, status %u", arg->opcode, arg->status_code);
        r->failed = 1;
        return;
    }
    const uint8_t *m = arg->msg;
    size_t len = arg->msg_length;
    if (arg->rsv & WSLAY_RSV1_BIT) {
        if (inflate_msg(r, m, len, &m, &len)) {
            r->failed = 1;
            return;
        }
    }
    r->sum += (uint32_t)m[0] + m[len - 1];
    r->msgs++;
}

static int wslay_server_pass(runner *r, size_t *n, uint32_t *sum) {
    workload *w = r->w;
    r->msgs = 0;
    r->sum = 0;
    for (size_t o = 0; o < w->frames_len; o += CHUNK) {
        r->in = w->frames + o;
        r->in_len = w->frames_len - o < CHUNK ? w->frames_len - o : CHUNK;
        int rc = wslay_event_recv(r->ctx);
        if (rc != 0)
            return FAIL(r, "wslay_event_recv: %d", rc);
        if (r->failed)
            return -1;
    }
    *n = r->msgs;
    *sum = r->sum;
    return 0;
}

/* zlib, as a permessage-deflate peer with no context takeover: one stream
 * reset per message (level 6, raw, window 15, memLevel 8; Z_SYNC_FLUSH, the
 * trailing 00 00 ff ff removed — RFC 7692 §7.2.1). */
static int deflate_msg(runner *r, const uint8_t *p, size_t len, const uint8_t **out, size_t *out_len) {
    size_t bound = deflateBound(&r->z, len) + 16;
    if (bound > r->zbuf_size) {
        r->zbuf_size = bound;
        r->zbuf = realloc(r->zbuf, bound);
    }
    if (!r->w->takeover)
        deflateReset(&r->z);
    r->z.next_in = (Bytef *)p;
    r->z.avail_in = (uInt)len;
    r->z.next_out = r->zbuf;
    r->z.avail_out = (uInt)r->zbuf_size;
    if (deflate(&r->z, Z_SYNC_FLUSH) != Z_OK || r->z.avail_in != 0 || r->z.avail_out == 0)
        return FAIL(r, "deflate failed");
    size_t n = r->zbuf_size - r->z.avail_out;
    if (n < 4 || memcmp(r->zbuf + n - 4, "\0\0\xff\xff", 4) != 0)
        return FAIL(r, "deflate: no sync flush tail");
    *out = r->zbuf;
    *out_len = n - 4;
    return 0;
}

static int inflate_msg(runner *r, const uint8_t *p, size_t len, const uint8_t **out, size_t *out_len) {
    static const uint8_t tail[4] = {0, 0, 0xff, 0xff};
    if (!r->w->takeover)
        inflateReset(&r->z);
    r->z.next_out = r->zbuf;
    r->z.avail_out = (uInt)r->zbuf_size;
    for (int part = 0; part < 2; part++) {
        r->z.next_in = (Bytef *)(part ? tail : p);
        r->z.avail_in = part ? 4 : (uInt)len;
        while (r->z.avail_in > 0) {
            if (r->z.avail_out == 0) {
                size_t used = r->zbuf_size;
                r->zbuf_size *= 2;
                r->zbuf = realloc(r->zbuf, r->zbuf_size);
                r->z.next_out = r->zbuf + used;
                r->z.avail_out = (uInt)(r->zbuf_size - used);
            }
            int rc = inflate(&r->z, Z_SYNC_FLUSH);
            if (rc != Z_OK && rc != Z_BUF_ERROR && rc != Z_STREAM_END)
                return FAIL(r, "inflate: %d", rc);
        }
    }
    *out = r->zbuf;
    *out_len = r->zbuf_size - r->z.avail_out;
    return 0;
}

static void wslay_drain(runner *r) { wslay_event_send(r->ctx); }

/* One wslay_event_queue_msg per message, then wslay_event_send (the drain
 * after every message); wslay-batched (r->batched): send once 64 KiB of
 * payload were queued. */
static int wslay_client_pass(runner *r, size_t *n, uint32_t *sum) {
    (void)n, (void)sum;
    workload *w = r->w;
    size_t since = 0;
    for (size_t i = 0; i < w->count; i++) {
        struct wslay_event_msg m = {w->text ? WSLAY_TEXT_FRAME : WSLAY_BINARY_FRAME, w->payloads + w->off[i], w->len[i]};
        int rc;
        if (w->deflate) {
            if (deflate_msg(r, m.msg, m.msg_length, &m.msg, &m.msg_length))
                return -1;
            rc = wslay_event_queue_msg_ex(r->ctx, &m, WSLAY_RSV1_BIT);
            wslay_drain(r); /* the message lives in our buffer: send it now */
        } else {
            rc = wslay_event_queue_msg(r->ctx, &m);
            if (!r->batched || (since += w->len[i]) >= CHUNK) {
                wslay_drain(r);
                since = 0;
            }
        }
        if (rc != 0)
            return FAIL(r, "wslay_event_queue_msg: %d", rc);
    }
    wslay_drain(r);
    if (wslay_event_get_queued_msg_count(r->ctx) != 0)
        return FAIL(r, "wslay: messages left in the queue");
    return 0;
}

static int wslay_new(runner *r) {
    struct wslay_event_callbacks cb = {wslay_recv_cb, wslay_send_cb, wslay_genmask, NULL, NULL, NULL, wslay_msg_cb};
    int rc = r->w->server ? wslay_event_context_server_init(&r->ctx, &cb, r)
                          : wslay_event_context_client_init(&r->ctx, &cb, r);
    if (rc != 0)
        return FAIL(r, "wslay init: %d", rc);
    if (r->w->deflate) {
        wslay_event_config_set_allowed_rsv_bits(r->ctx, WSLAY_RSV1_BIT);
        r->zbuf_size = 2 * r->w->size + 64;
        r->zbuf = malloc(r->zbuf_size);
        rc = r->w->server ? inflateInit2(&r->z, -15) : deflateInit2(&r->z, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
        if (rc != Z_OK)
            return FAIL(r, "zlib init: %d", rc);
    }
    r->pass = r->w->server ? wslay_server_pass : wslay_client_pass;
    return 0;
}

static int wslay_batched_new(runner *r) {
    r->batched = 1;
    return wslay_new(r);
}

/* zlib alone ------------------------------------------------------------- */

static int zlib_client_pass(runner *r, size_t *n, uint32_t *sum) {
    (void)n, (void)sum;
    workload *w = r->w;
    for (size_t i = 0; i < w->count; i++) {
        const uint8_t *c;
        size_t clen;
        if (deflate_msg(r, w->payloads + w->off[i], w->len[i], &c, &clen))
            return -1;
        /* a frame header with a zero masking key (the payload as it is:
         * no masking cost), so that the output check reads it */
        uint8_t hdr[14] = {0xc1, 0x80};
        size_t h = 2;
        if (clen <= 125) {
            hdr[1] |= (uint8_t)clen;
        } else if (clen <= 0xffff) {
            hdr[1] |= 126;
            hdr[2] = (uint8_t)(clen >> 8), hdr[3] = (uint8_t)clen;
            h = 4;
        } else {
            hdr[1] |= 127;
            for (int k = 0; k < 8; k++)
                hdr[2 + k] = (uint8_t)((uint64_t)clen >> (56 - 8 * k));
            h = 10;
        }
        sink_put(&r->out, hdr, h + 4);
        sink_put(&r->out, c, clen);
    }
    return 0;
}

static int zlib_server_pass(runner *r, size_t *n, uint32_t *sum) {
    workload *w = r->w;
    uint32_t s = 0;
    for (size_t i = 0; i < w->count; i++) {
        const uint8_t *m;
        size_t len;
        if (inflate_msg(r, w->zdata + w->zoff[i], w->zlen[i], &m, &len))
            return -1;
        s += (uint32_t)m[0] + m[len - 1];
    }
    *n = w->count;
    *sum = s;
    return 0;
}

static int zlib_new(runner *r) {
    r->zbuf_size = 2 * r->w->size + 64;
    r->zbuf = malloc(r->zbuf_size);
    int rc = r->w->server ? inflateInit2(&r->z, -15) : deflateInit2(&r->z, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
    if (rc != Z_OK)
        return FAIL(r, "zlib init: %d", rc);
    r->pass = r->w->server ? zlib_server_pass : zlib_client_pass;
    return 0;
}

/* ---- independent check of a client's output ------------------------------ */

static int verify_client(runner *r, const uint8_t *out, size_t len, uint64_t *payload_bytes) {
    workload *w = r->w;
    size_t n = 0, msg_len = 0, msg_cap = 0;
    uint8_t *msg = NULL;
    int in_msg = 0, compressed = 0;
    z_stream z;
    memset(&z, 0, sizeof z);
    inflateInit2(&z, -15);
    uint8_t *plain = malloc(w->size + 1);

    *payload_bytes = 0;
    int rc = -1;
    while (len > 0) {
        if (len < 2) {
            FAIL(r, "truncated header");
            goto out;
        }
        int fin = out[0] >> 7, rsv = (out[0] >> 4) & 7, op = out[0] & 15;
        if (!(out[1] & 0x80)) {
            FAIL(r, "unmasked frame");
            goto out;
        }
        uint64_t l = out[1] & 0x7f;
        size_t h = 2;
        if (l == 126) {
            l = (uint64_t)out[2] << 8 | out[3];
            h = 4;
        } else if (l == 127) {
            l = 0;
            for (int i = 0; i < 8; i++)
                l = l << 8 | out[2 + i];
            h = 10;
        }
        if (len < h + 4 + l) {
            FAIL(r, "truncated frame");
            goto out;
        }
        const uint8_t *key = out + h, *p = out + h + 4;
        *payload_bytes += l;
        if (!in_msg) {
            if (op != (w->text ? 1 : 2) || (rsv & 3) || (!!(rsv & 4)) != w->deflate) {
                FAIL(r, "message %zu: opcode %d rsv %d", n, op, rsv);
                goto out;
            }
            compressed = !!(rsv & 4);
            in_msg = 1;
            msg_len = 0;
        } else if (op != 0 || rsv != 0) {
            FAIL(r, "bad continuation");
            goto out;
        }
        if (msg_len + l + 4 > msg_cap) {
            msg_cap = (msg_len + l + 4) * 2;
            msg = realloc(msg, msg_cap);
        }
        for (uint64_t i = 0; i < l; i++)
            msg[msg_len + i] = p[i] ^ key[i & 3];
        msg_len += l;
        out += h + 4 + l;
        len -= h + 4 + l;
        if (!fin)
            continue;
        in_msg = 0;
        const uint8_t *got = msg;
        size_t got_len = msg_len;
        if (compressed) {
            memcpy(msg + msg_len, "\0\0\xff\xff", 4);
            if (!w->takeover)
                inflateReset(&z);
            z.next_in = msg;
            z.avail_in = (uInt)msg_len + 4;
            z.next_out = plain;
            z.avail_out = (uInt)w->size + 1;
            int zr = inflate(&z, Z_SYNC_FLUSH);
            if ((zr != Z_OK && zr != Z_BUF_ERROR) || z.avail_in != 0) {
                FAIL(r, "message %zu: inflate %d", n, zr);
                goto out;
            }
            got = plain;
            got_len = w->size + 1 - z.avail_out;
        }
        if (n >= w->count || got_len != w->len[n] || memcmp(got, w->payloads + w->off[n], got_len) != 0) {
            FAIL(r, "message %zu differs", n);
            goto out;
        }
        n++;
    }
    if (in_msg || n != w->count) {
        FAIL(r, "%zu messages, want %zu", n, w->count);
        goto out;
    }
    rc = 0;
out:
    inflateEnd(&z);
    free(plain);
    free(msg);
    return rc;
}

/* ---- the request loop ------------------------------------------------------ */

typedef struct {
    const char *name;
    int (*make)(runner *r);
    int (*applies)(const workload *w);
} impl;

static int any(const workload *w) { (void)w; return 1; }
static int plain(const workload *w) { return !w->deflate; }
static int plain_client(const workload *w) { return !w->deflate && !w->server; }
static int deflated(const workload *w) { return w->deflate; }

static const impl IMPLS[] = {
    {"libws", libws_new, any},
    {"libws-batched", libws_batched_new, plain_client},
    {"wslay", wslay_new, plain},
    {"wslay-batched", wslay_batched_new, plain_client},
    {"wslay+zlib", wslay_new, deflated},
    {"zlib", zlib_new, deflated},
};
#define NI (sizeof IMPLS / sizeof IMPLS[0])

static runner *runners[NI][NW];

static void json_err(const char *w, const char *impl, const char *key, const char *msg) {
    printf("{\"w\":\"%s\",\"impl\":\"%s\",\"%s\":\"", w, impl, key);
    for (const char *p = msg; *p; p++)
        if (*p == '"' || *p == '\\')
            printf("\\%c", *p);
        else if ((unsigned char)*p >= 0x20)
            putchar(*p);
    printf("\"}\n");
}

static int get_str(const char *line, const char *key, char *out, size_t cap) {
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\"", key);
    const char *p = strstr(line, pat);
    if (!p || !(p = strchr(p + strlen(pat), '"')))
        return -1;
    p++;
    size_t i = 0;
    while (*p && *p != '"' && i + 1 < cap)
        out[i++] = *p++;
    out[i] = 0;
    return 0;
}

static double get_num(const char *line, const char *key, double dflt) {
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\"", key);
    const char *p = strstr(line, pat);
    if (!p || !(p = strchr(p, ':')))
        return dflt;
    return strtod(p + 1, NULL);
}

static void handle(const char *line) {
    char wid[32] = "", iname[32] = "";
    get_str(line, "w", wid, sizeof wid);
    get_str(line, "impl", iname, sizeof iname);
    double min_time = get_num(line, "min_time", 0.3);
    size_t wi = NW, ii = NI;
    for (size_t i = 0; i < NW; i++)
        if (strcmp(W[i].id, wid) == 0)
            wi = i;
    for (size_t i = 0; i < NI; i++)
        if (strcmp(IMPLS[i].name, iname) == 0)
            ii = i;
    if (wi == NW || ii == NI) {
        json_err(wid, iname, "error", "unknown workload or impl");
        return;
    }
    workload *w = &W[wi];
    if (!IMPLS[ii].applies(w)) {
        json_err(wid, iname, "skip", "not applicable");
        return;
    }
    runner *r = runners[ii][wi];
    uint64_t wire = 0, payload_wire = 0;
    size_t n;
    uint32_t sum;
    if (r == NULL) {
        r = calloc(1, sizeof *r);
        r->w = w;
        if (IMPLS[ii].make(r)) {
            json_err(wid, iname, "error", r->err);
            free(r);
            return;
        }
        /* warm-up pass, checked */
        r->out.capturing = !w->server;
        if (r->pass(r, &n, &sum)) {
            json_err(wid, iname, "error", r->err);
            return;
        }
        if (w->server && (n != w->count || sum != w->checksum)) {
            char m[128];
            snprintf(m, sizeof m, "%zu messages, checksum %u; want %zu, %u", n, sum, w->count, w->checksum);
            json_err(wid, iname, "error", m);
            return;
        }
        if (!w->server) {
            r->out.capturing = 0;
            if (verify_client(r, r->out.cap, r->out.cap_len, &payload_wire)) {
                json_err(wid, iname, "error", r->err);
                return;
            }
            wire = r->out.cap_len;
            free(r->out.cap);
            r->out.cap = NULL;
            r->out.cap_len = r->out.cap_size = 0;
        }
        runners[ii][wi] = r;
    }
    char clk[16] = "cpu";
    get_str(line, "clock", clk, sizeof clk);
    int wall = strcmp(clk, "wall") == 0;
    int passes = 0;
    double t0 = now(), c0 = cpu_now(), t, c;
    do {
        if (r->pass(r, &n, &sum)) {
            json_err(wid, iname, "error", r->err);
            return;
        }
        if (w->server && (n != w->count || sum != w->checksum)) {
            json_err(wid, iname, "error", "count or checksum mismatch");
            return;
        }
        passes++;
        t = now();
        c = cpu_now();
    } while ((wall ? t - t0 : c - c0) < min_time);
    printf("{\"w\":\"%s\",\"impl\":\"%s\",\"messages\":%zu,\"seconds\":%.6f,\"cpu_seconds\":%.6f,\"passes\":%d",
           wid, iname, (size_t)passes * w->count, t - t0, c - c0, passes);
    if (r->c)
        printf(",\"memory_bytes\":%lld", (long long)ws_memory(r->c));
    if (wire)
        printf(",\"wire_bytes\":%llu,\"payload_wire_bytes\":%llu", (unsigned long long)wire,
               (unsigned long long)payload_wire);
    printf("}\n");
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s DATA_DIR  (requests on stdin, see bench/run.py)\n", argv[0]);
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    load(argv[1]);
    printf("{\"hello\":{\"surface\":\"c\",\"impls\":[\"libws\",\"libws-batched\",\"wslay\",\"wslay-batched\",\"wslay+zlib\",\"zlib\"],"
           "\"versions\":{\"libws\":\"%s\",\"wslay\":\"%s\",\"zlib\":\"%s\"}}}\n",
           ws_version(), WSLAY_PKG_VERSION, zlibVersion());
    char line[4096];
    while (fgets(line, sizeof line, stdin))
        handle(line);
    return 0;
}
