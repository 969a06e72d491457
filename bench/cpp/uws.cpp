/*
 * wsbench-uws — uWebSockets' protocol layer on the shared workloads
 * (shared/bench/WORKLOADS.md): src/WebSocketProtocol.h of the npm package
 * uws 9.148.0 (uWebSockets v0.14 / "v9" C++ source, zlib licence; bench/run.sh
 * fetches it with `npm pack` and checks its SHA-256), header only, with
 * uws_shim.h standing in for src/Networking.h (see there: Networking.h
 * brings OpenSSL and the event loop, which WebSocketProtocol.h does not
 * use).
 *
 *   wsbench-uws DATA_DIR
 *
 * The same line protocol as bench/c/bench.c (whose structure, request
 * parsing, timing, checksum and hello line this copies): requests on stdin,
 * one JSON object a line ({"w":"w1","impl":"uws","min_time":0.3,
 * "clock":"wall"}); passes run until min_time seconds have gone by; one JSON
 * line answers each. The first request of a workload sets the connection
 * up and makes an untimed warm-up pass, checked (server: count and
 * checksum, checked on every pass too; client: the output captured and
 * re-parsed by an independent frame walker).
 *
 * Server side (W1-W4), impl "uws": one long-lived WebSocketState<SERVER>,
 * fed the .frames in 64 KiB slices, one WebSocketProtocol::consume() per
 * slice. uWS parses and unmasks in place in the buffer it recv()'d the
 * socket into (Socket.h: recv(fd, nodeData->recvBuffer, ...), then
 * consume(recvBuffer, ...)), with CONSUME_PRE_PADDING bytes before it for a
 * header split across reads (the "spill") and CONSUME_POST_PADDING after it
 * (its unmasking writes whole 4-byte words); the workload's frames are
 * read-only and used again every pass, so each slice is first memcpy'd
 * into such a receive buffer — the copy recv() does into uWS's buffer. That
 * memcpy (64 KiB per slice) is inside the timed loop and counted against
 * uws (libws's ws_feed only reads the slice, unmasking into its own memory;
 * wslay's recv callback copies it into wslay's buffer).
 *
 * The Impl of WebSocketProtocol<SERVER, Impl> (uWS: WebSocket<SERVER>)
 * replicates WebSocket.cpp's handleFragment for data frames: a message
 * complete in one consume() is delivered in place; one split across slices
 * is gathered in a std::string fragmentBuffer (as WebSocket::fragmentBuffer)
 * and delivered from there; text is checked with WebSocketProtocol's
 * isValidUtf8 on every complete message, as WebSocket.cpp does before its
 * messageHandler, and invalid UTF-8 closes the connection (forceClose). The
 * delivery counts the message and adds its first and last byte to the
 * checksum, as bench.c's hosts do; uWS's Group::messageHandler
 * (std::function) call and its isClosed()/isShuttingDown() checks are left
 * out, so that the row is the protocol layer alone. Control frames and
 * rsv1 (permessage-deflate: not negotiated here) are errors: the workloads
 * have none. refusePayloadLength: Hub's default maxPayload, 16 MiB.
 *
 * Client side (W5a-W5d), impl "uws": one WebSocketProtocol<CLIENT>::
 * formatMessage per message (uWS's send path: header, a masking key from
 * rand() — not a CSPRNG, that is uWS v9's code — copy and mask), the frame
 * then drained into a byte counter (the drain after every message,
 * WORKLOADS.md). uWS does not check sent text for UTF-8.
 *
 * Built by bench/run.sh: g++ -O2 -std=c++11 -Wall (uws's binding.gyp:
 * -std=c++11 at node-gyp's Release -O3; -O2 here as for bench.c).
 */
#include "uws_shim.h"

#include "WebSocketProtocol.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <string>

#define CHUNK 65536

#ifndef UWS_VERSION
#define UWS_VERSION "unknown"
#endif
#ifndef UWS_CXXFLAGS
#define UWS_CXXFLAGS "?"
#endif

/* ---- workloads ----------------------------------------------------------- */

struct workload {
    const char *id, *src;
    int server, text;
    size_t count, size;
    uint32_t checksum;
    uint8_t *payloads; /* the messages, concatenated (all of size bytes) */
    uint8_t *frames;   /* server side */
    size_t frames_len;
};

#define WL(id, src, server) {id, src, server, 0, 0, 0, 0, NULL, NULL, 0}
static workload W[] = {
    WL("w1", "w1", 1), WL("w2", "w2", 1), WL("w3", "w3", 1), WL("w4", "w4", 1),
    WL("w5a", "w1", 0), WL("w5b", "w2", 0), WL("w5c", "w3", 0), WL("w5d", "w4", 0),
};
#define NW (sizeof W / sizeof W[0])
/* the suite's other workloads: answered "not applicable" (no permessage-deflate here) */
static const char *OTHER[] = {"w6c", "w6d", "w7c", "w7d"};

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
    uint8_t *b = (uint8_t *)malloc((size_t)n + 1);
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

static void load(const char *dir) {
    size_t n;
    char *man = (char *)slurp(dir, "manifest.json", &n);
    for (size_t i = 0; i < NW; i++) {
        workload *w = &W[i];
        w->count = (size_t)man_num(man, w->src, "count");
        w->size = (size_t)man_num(man, w->src, "payload_size");
        w->text = man_num(man, w->src, "opcode") == 1;
        w->checksum = (uint32_t)man_num(man, w->src, "checksum");
        char name[64];
        snprintf(name, sizeof name, "%s.payloads", w->src);
        w->payloads = slurp(dir, name, &n);
        if (n != w->count * w->size) {
            fprintf(stderr, "%s: %zu bytes, want %zu\n", name, n, w->count * w->size);
            exit(1);
        }
        if (w->server) {
            snprintf(name, sizeof name, "%s.frames", w->src);
            w->frames = slurp(dir, name, &w->frames_len);
        }
    }
    free(man);
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- an output sink: counts, and captures during the checked pass -------- */

struct sink {
    uint64_t bytes;
    uint8_t *cap;
    size_t cap_len, cap_size;
    int capturing;
};

static void sink_put(sink *s, const uint8_t *p, size_t n) {
    s->bytes += n;
    if (s->capturing) {
        if (s->cap_len + n > s->cap_size) {
            s->cap_size = (s->cap_len + n) * 2;
            s->cap = (uint8_t *)realloc(s->cap, s->cap_size);
        }
        memcpy(s->cap + s->cap_len, p, n);
        s->cap_len += n;
    }
}

__attribute__((format(printf, 3, 4))) static int fail_(char *buf, size_t cap, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, cap, fmt, ap);
    va_end(ap);
    return -1;
}
#define FAIL(r, ...) fail_((r)->err, sizeof (r)->err, __VA_ARGS__)

/* ---- uWS: the connection and its Impl ------------------------------------ */

/* The connection's state: uWS's WebSocket<SERVER> derives from
 * WebSocketState<SERVER> the same way and keeps fragmentBuffer beside it. */
struct Conn : uWS::WebSocketState<true> {
    std::string fragmentBuffer;
    size_t msgs = 0;
    uint32_t sum = 0;
    bool closed = false;
    char why[128] = "";
};

struct Impl {
    static const uint64_t maxPayload = 16777216; /* Hub's default */

    static Conn *conn(uWS::WebSocketState<true> *s) { return static_cast<Conn *>(s); }

    static bool refusePayloadLength(uint64_t length, uWS::WebSocketState<true> *s) {
        (void)s;
        return length > maxPayload;
    }

    /* permessage-deflate is not negotiated: a frame with rsv1 closes */
    static bool setCompressed(uWS::WebSocketState<true> *s) {
        (void)s;
        return false;
    }

    static void forceClose(uWS::WebSocketState<true> *s) {
        Conn *c = conn(s);
        if (!c->why[0])
            snprintf(c->why, sizeof c->why, "uws: forceClose (protocol error)");
        c->closed = true;
    }

    static inline void deliver(Conn *c, const char *data, size_t length) {
        c->msgs++;
        if (length)
            c->sum += (uint32_t)(unsigned char)data[0] + (unsigned char)data[length - 1];
    }

    /* WebSocket.cpp's handleFragment, data frames; returns true when the
     * connection closed (consume() stops) */
    static bool handleFragment(char *data, size_t length, unsigned int remainingBytes, int opCode, bool fin,
                               uWS::WebSocketState<true> *s);
};

typedef uWS::WebSocketProtocol<true, Impl> ServerProtocol;
typedef uWS::WebSocketProtocol<false, Impl> ClientProtocol; /* formatMessage only */

bool Impl::handleFragment(char *data, size_t length, unsigned int remainingBytes, int opCode, bool fin,
                          uWS::WebSocketState<true> *s) {
    Conn *c = conn(s);
    if (opCode >= 3) {
        snprintf(c->why, sizeof c->why, "uws: control frame (opcode %d): the workloads have none", opCode);
        forceClose(s);
        return true;
    }
    if (!remainingBytes && fin && !c->fragmentBuffer.length()) {
        if (opCode == 1 && !ServerProtocol::isValidUtf8((unsigned char *)data, length)) {
            snprintf(c->why, sizeof c->why, "uws: invalid UTF-8 in message %zu", c->msgs);
            forceClose(s);
            return true;
        }
        deliver(c, data, length);
    } else {
        c->fragmentBuffer.append(data, length);
        if (!remainingBytes && fin) {
            data = (char *)c->fragmentBuffer.data();
            length = c->fragmentBuffer.length();
            if (opCode == 1 && !ServerProtocol::isValidUtf8((unsigned char *)data, length)) {
                snprintf(c->why, sizeof c->why, "uws: invalid UTF-8 in message %zu", c->msgs);
                forceClose(s);
                return true;
            }
            deliver(c, data, length);
            c->fragmentBuffer.clear();
        }
    }
    return false;
}

/* ---- runners ------------------------------------------------------------- */

struct runner {
    workload *w;
    int (*pass)(runner *r, size_t *n, uint32_t *sum);
    sink out;
    char err[256];
    Conn *conn;
    char *block, *recv; /* the receive buffer: recv = block + CONSUME_PRE_PADDING */
    char *frame;        /* the client's frame buffer */
};

static int uws_server_pass(runner *r, size_t *n, uint32_t *sum) {
    workload *w = r->w;
    Conn *c = r->conn;
    c->msgs = 0;
    c->sum = 0;
    for (size_t o = 0; o < w->frames_len; o += CHUNK) {
        size_t len = w->frames_len - o < CHUNK ? w->frames_len - o : CHUNK;
        /* what recv() does: the bytes land in uWS's receive buffer, which
         * consume() then parses and unmasks in place */
        memcpy(r->recv, w->frames + o, len);
        ServerProtocol::consume(r->recv, (unsigned int)len, c);
        if (c->closed)
            return FAIL(r, "%s", c->why);
    }
    *n = c->msgs;
    *sum = c->sum;
    return 0;
}

static int uws_client_pass(runner *r, size_t *n, uint32_t *sum) {
    (void)n, (void)sum;
    workload *w = r->w;
    uWS::OpCode op = w->text ? uWS::TEXT : uWS::BINARY;
    for (size_t i = 0; i < w->count; i++) {
        const char *p = (const char *)w->payloads + i * w->size;
        size_t len = ClientProtocol::formatMessage(r->frame, p, w->size, op, w->size, false);
        sink_put(&r->out, (const uint8_t *)r->frame, len); /* the drain after every message */
    }
    return 0;
}

static int uws_new(runner *r) {
    if (r->w->server) {
        r->conn = new Conn();
        size_t pre = ServerProtocol::CONSUME_PRE_PADDING, post = ServerProtocol::CONSUME_POST_PADDING;
        r->block = new char[pre + CHUNK + post];
        r->recv = r->block + pre;
        r->pass = uws_server_pass;
    } else {
        r->frame = new char[r->w->size + ClientProtocol::LONG_MESSAGE_HEADER];
        r->pass = uws_client_pass;
    }
    return 0;
}

/* ---- independent check of a client's output ------------------------------ */

static int verify_client(runner *r, const uint8_t *out, size_t len, uint64_t *payload_bytes) {
    workload *w = r->w;
    size_t n = 0;
    uint8_t *msg = (uint8_t *)malloc(w->size + 1);
    *payload_bytes = 0;
    int rc = -1;
    while (len > 0) {
        if (len < 2) {
            FAIL(r, "truncated header");
            goto out;
        }
        {
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
            if (!fin || rsv || op != (w->text ? 1 : 2) || l != w->size) {
                FAIL(r, "message %zu: fin %d opcode %d rsv %d length %llu", n, fin, op, rsv, (unsigned long long)l);
                goto out;
            }
            const uint8_t *key = out + h, *p = out + h + 4;
            for (uint64_t i = 0; i < l; i++)
                msg[i] = p[i] ^ key[i & 3];
            if (n >= w->count || memcmp(msg, w->payloads + n * w->size, l) != 0) {
                FAIL(r, "message %zu differs", n);
                goto out;
            }
            *payload_bytes += l;
            out += h + 4 + l;
            len -= h + 4 + l;
            n++;
        }
    }
    if (n != w->count) {
        FAIL(r, "%zu messages, want %zu", n, w->count);
        goto out;
    }
    rc = 0;
out:
    free(msg);
    return rc;
}

/* ---- the request loop ------------------------------------------------------ */

static runner *runners[NW];

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
    size_t wi = NW;
    for (size_t i = 0; i < NW; i++)
        if (strcmp(W[i].id, wid) == 0)
            wi = i;
    int other = 0;
    for (size_t i = 0; i < sizeof OTHER / sizeof OTHER[0]; i++)
        if (strcmp(OTHER[i], wid) == 0)
            other = 1;
    if (strcmp(iname, "uws") != 0 || (wi == NW && !other)) {
        json_err(wid, iname, "error", "unknown workload or impl");
        return;
    }
    if (other) {
        json_err(wid, iname, "skip", "not applicable");
        return;
    }
    workload *w = &W[wi];
    runner *r = runners[wi];
    uint64_t wire = 0, payload_wire = 0;
    size_t n = 0;
    uint32_t sum = 0;
    if (r == NULL) {
        r = new runner();
        r->w = w;
        if (uws_new(r)) {
            json_err(wid, iname, "error", r->err);
            delete r;
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
        runners[wi] = r;
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
    printf("{\"w\":\"%s\",\"impl\":\"%s\",\"messages\":%zu,\"seconds\":%.6f,\"cpu_seconds\":%.6f,\"passes\":%d", wid,
           iname, (size_t)passes * w->count, t - t0, c - c0, passes);
    if (w->server)
        printf(",\"checksum\":%u", sum);
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
    printf("{\"hello\":{\"surface\":\"c\",\"impls\":[\"uws\"],"
           "\"versions\":{\"uws\":\"%s (src/WebSocketProtocol.h)\",\"g++\":\"%d.%d.%d %s\"}}}\n",
           UWS_VERSION, __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__, UWS_CXXFLAGS);
    char line[4096];
    while (fgets(line, sizeof line, stdin))
        handle(line);
    return 0;
}
