/*
 * test_nomem.c — libws never aborts its host for want of memory (issue 11).
 *
 * 1. lengths: impossible lengths (above 2^47) given to every ws_* function
 *    that takes a buffer return WS_E_ARG before anything is read or
 *    allocated, and the objects stay usable. Without the check these calls
 *    abort (C malloc failed) or read far past the buffer.
 * 2. strings: a string argument above the 1 MiB bound gives WS_E_LIMIT.
 * 3. Under an address-space limit (RLIMIT_AS = VmSize + margin, set once
 *    the Go runtime runs):
 *    send:  a 1 GiB send (mapped before the limit, zero pages) cannot be
 *           buffered: WS_E_NOMEM, server and client, and the connection
 *           still sends;
 *    peer:  a peer's 1 GiB frame (limits off), fed at once and then in
 *           64 KiB pieces from a reused buffer: the connection fails with
 *           1011, initiator WS_CLOSED_BY_FAILURE, "out of memory ..."; a
 *           new connection then works;
 *    coder: ws_compress of more incompressible data than the limit leaves
 *           gives WS_E_NOMEM, and the compressor's next message decodes
 *           with the peer's history.
 * The process must reach the end: an abort (exit 134) fails the step.
 *
 * Usage: test_nomem [part...]   (lengths strings send peer coder; default all)
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "util.h"
#include "ws.h"

static int failures;

#define CHECK(cond, ...)                                                             \
    do {                                                                             \
        if (!(cond)) {                                                               \
            failures++;                                                              \
            fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                            \
            fprintf(stderr, " (last error: %s)\n", ws_last_error());                 \
        }                                                                            \
    } while (0)

#define GiB ((size_t)1 << 30)
#define MiB ((size_t)1 << 20)

/* The address-space room left above the current VmSize (environment
 * NOMEM_MARGIN_MIB, default 256). libws keeps 96 MiB of it for the Go
 * runtime (its heap grows in 64 MiB arenas, a thread takes an 8 MiB stack:
 * ws.h, MEMORY), so the margin must exceed that by what the parts grow:
 * measured, they pass from 128 MiB; 256 leaves room for a glibc arena or
 * runtime thread that appears meanwhile, and stays far below 1 GiB. */
static size_t margin;

/* A server/client pair opened without a handshake, with options. */
static int open_pair(ws_conn **client, ws_conn **server, int64_t max_message, int64_t max_frame) {
    ws_config *cc = util_config(WS_ROLE_CLIENT, 0);
    /* util_config takes int values; these are 64-bit. */
    ws_config *sc = util_config(WS_ROLE_SERVER, 0);
    int rc = cc && sc ? WS_OK : WS_E_NOMEM;
    if (rc == WS_OK)
        rc = ws_config_set(sc, WS_OPT_MAX_MESSAGE, max_message);
    if (rc == WS_OK)
        rc = ws_config_set(sc, WS_OPT_MAX_FRAME, max_frame);
    if (rc == WS_OK)
        rc = util_open_pair(cc, sc, client, server);
    ws_config_free(cc);
    ws_config_free(sc);
    return rc;
}

/* Sends "hello" from a to b and checks it arrives. */
static void check_usable(ws_conn *a, ws_conn *b, const char *what) {
    ev_list l = {0};
    int rc = ws_send_text(a, "hello", 5);
    CHECK(rc == WS_OK, "%s: a small send afterwards: %d", what, rc);
    long moved = util_pump(a, b, 0);
    CHECK(moved > 0, "%s: pump: %ld", what, moved);
    rc = util_drain(b, &l);
    const ev_copy *e = ev_find(&l, WS_EV_TEXT);
    CHECK(e != NULL && e->len == 5 && memcmp(e->data, "hello", 5) == 0, "%s: the message did not arrive (%d events)", what, rc);
    ev_list_free(&l);
}

/* ---- 1. Impossible lengths ------------------------------------------------- */

static void part_lengths(void) {
#if SIZE_MAX > 0xFFFFFFFFu
    static const size_t bad[] = {((size_t)1 << 47) + 1, (size_t)1 << 62, (size_t)PTRDIFF_MAX, (size_t)-1};
#else /* 32-bit: the bound is PTRDIFF_MAX */
    static const size_t bad[] = {(size_t)PTRDIFF_MAX + 1, (size_t)-2, (size_t)-1};
#endif
    uint8_t buf[64] = {0}, key[4] = {1, 2, 3, 4};
    ws_conn *c, *s;
    if (open_pair(&c, &s, 0, 0) != WS_OK) {
        CHECK(0, "open_pair");
        return;
    }
    ws_compressor *z = NULL;
    ws_decompressor *d = NULL;
    CHECK(ws_compressor_new(0, 15, 1, &z) == WS_OK, "ws_compressor_new");
    CHECK(ws_decompressor_new(15, 1, 0, &d) == WS_OK, "ws_decompressor_new");
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t n = bad[i];
        const uint8_t *out;
        size_t out_len;
        ws_frame_header h = {.fin = 1, .opcode = WS_OP_BINARY};
        struct {
            const char *name;
            int rc;
        } r[] = {
            {"ws_send_binary server", ws_send_binary(s, buf, n)},
            {"ws_send_binary client", ws_send_binary(c, buf, n)},
            {"ws_send_text", ws_send_text(s, buf, n)},
            {"ws_send", ws_send(s, WS_OP_BINARY, buf, n, 0)},
            {"ws_send_frame", ws_send_frame(s, WS_OP_BINARY, 0, 1, buf, n)},
            {"ws_ping", ws_ping(s, buf, n)},
            {"ws_pong", ws_pong(s, buf, n)},
            {"ws_close", ws_close(s, 1000, buf, n)},
            {"ws_output_copy", (int)ws_output_copy(s, buf, n)},
            {"ws_frame_parse_header", ws_frame_parse_header(buf, n, &h, NULL)},
            {"ws_frame_encode_header", ws_frame_encode_header(&h, buf, n)},
            {"ws_mask", ws_mask(key, 0, buf, buf, n)},
            {"ws_random_bytes", ws_random_bytes(buf, n)},
            {"ws_utf8_valid", ws_utf8_valid(buf, n)},
            {"ws_compress", ws_compress(z, buf, n, 1, &out, &out_len)},
            {"ws_decompress", ws_decompress(d, buf, n, &out, &out_len)},
        };
        for (size_t j = 0; j < sizeof r / sizeof r[0]; j++)
            CHECK(r[j].rc == WS_E_ARG, "%s(len %zu) = %d, want WS_E_ARG", r[j].name, n, r[j].rc);
        CHECK(strstr(ws_last_error(), "impossibly large") != NULL, "message for len %zu", n);
        CHECK(ws_begin_message(s, WS_OP_BINARY, 0) == WS_OK, "ws_begin_message");
        int rc = ws_send_fragment(s, buf, n, 1);
        CHECK(rc == WS_E_ARG, "ws_send_fragment(len %zu) = %d, want WS_E_ARG", n, rc);
        CHECK(ws_send_fragment(s, buf, 0, 1) == WS_OK, "ending the fragmented message");
    }
    /* Nothing was queued or poisoned: the pair and the coders still work. */
    ev_list l = {0};
    util_pump(s, c, 0);
    util_drain(c, &l);
    size_t empty = 0;
    for (size_t i = 0; i < l.n; i++)
        empty += l.v[i].type == WS_EV_BINARY && l.v[i].len == 0;
    CHECK(l.n == sizeof bad / sizeof bad[0] && empty == l.n,
          "only the empty fragmented messages arrived (%zu events, %zu of them empty)", l.n, empty);
    ev_list_free(&l);
    check_usable(s, c, "lengths");
    const uint8_t *zo, *mo;
    size_t zn = 0, mn = 0;
    int rc = ws_compress(z, "hello hello hello", 17, 1, &zo, &zn);
    CHECK(rc == WS_OK && zn > 0, "ws_compress afterwards: %d", rc);
    rc = rc == WS_OK ? ws_decompress(d, zo, zn, &mo, &mn) : rc;
    CHECK(rc == WS_OK && mn == 17 && memcmp(mo, "hello hello hello", 17) == 0, "round trip afterwards: %d", rc);
    ws_compressor_free(z);
    ws_decompressor_free(d);
    ws_conn_free(c);
    ws_conn_free(s);
}

/* ---- 2. Long strings -------------------------------------------------------- */

static void part_strings(void) {
    size_t n = MiB + 1;
    char *big = malloc(n + 1);
    ws_config *cfg = util_config(WS_ROLE_CLIENT, 0);
    if (big == NULL || cfg == NULL) {
        CHECK(0, "setup");
        free(big);
        ws_config_free(cfg);
        return;
    }
    memset(big, 'a', n);
    big[n] = 0;
    int rc = ws_config_add_header(cfg, "X-Big", big);
    CHECK(rc == WS_E_LIMIT, "ws_config_add_header(1 MiB + 1) = %d, want WS_E_LIMIT", rc);
    rc = ws_config_set_origin(cfg, big);
    CHECK(rc == WS_E_LIMIT, "ws_config_set_origin(1 MiB + 1) = %d, want WS_E_LIMIT", rc);
    big[MiB - 64] = 0; /* a long string within the bound is fine */
    rc = ws_config_add_header(cfg, "X-Big", big);
    CHECK(rc == WS_OK, "ws_config_add_header(1 MiB - 64) = %d", rc);
    ws_conn *c = NULL;
    rc = ws_client_new(cfg, "ws://example.com/", &c);
    CHECK(rc == WS_OK, "ws_client_new with a long header: %d", rc);
    ws_conn_free(c);
    ws_config_free(cfg);
    free(big);
}

/* ---- 3. Under an address-space limit --------------------------------------- */

static long vm_size_kib(void) { return util_status_kib("VmSize"); }

static struct rlimit saved_as;

/* Lowers RLIMIT_AS to what is mapped now plus the margin. */
static int limit_memory(void) {
    long kib = vm_size_kib();
    if (kib < 0 || getrlimit(RLIMIT_AS, &saved_as) != 0)
        return -1;
    struct rlimit r = saved_as;
    r.rlim_cur = (rlim_t)kib * 1024 + margin;
    if (saved_as.rlim_cur != RLIM_INFINITY && r.rlim_cur > saved_as.rlim_cur)
        return -1;
    return setrlimit(RLIMIT_AS, &r);
}

static void unlimit_memory(void) { setrlimit(RLIMIT_AS, &saved_as); }

/* Gives the Go runtime its steady state before the limit (threads started,
 * heap arenas in use, a few collections done): traffic on a few pairs. */
static void warm_up(void) {
    static uint8_t msg[256 << 10];
    for (int i = 0; i < 20; i++) {
        ws_conn *c, *s;
        if (open_pair(&c, &s, 0, 0) != WS_OK)
            continue;
        for (int j = 0; j < 8; j++) {
            ws_send_binary(c, msg, sizeof msg);
            util_pump(c, s, 16 << 10);
        }
        ev_list l = {0};
        util_drain(s, &l);
        ev_list_free(&l);
        ws_conn_free(c);
        ws_conn_free(s);
    }
}

static void part_send(const uint8_t *big, size_t n) {
    ws_conn *c, *s;
    if (open_pair(&c, &s, 0, 0) != WS_OK) {
        CHECK(0, "open_pair");
        return;
    }
    int rc = ws_send_binary(s, big, n);
    CHECK(rc == WS_E_NOMEM, "server ws_send_binary(1 GiB) = %d, want WS_E_NOMEM", rc);
    CHECK(strstr(ws_last_error(), "out of memory") != NULL, "message");
    rc = ws_send_text(s, big, n); /* zero bytes: valid UTF-8 */
    CHECK(rc == WS_E_NOMEM, "server ws_send_text(1 GiB) = %d, want WS_E_NOMEM", rc);
    rc = ws_send_binary(c, big, n);
    CHECK(rc == WS_E_NOMEM, "client ws_send_binary(1 GiB) = %d, want WS_E_NOMEM", rc);
    CHECK(ws_begin_message(c, WS_OP_BINARY, 0) == WS_OK, "ws_begin_message");
    rc = ws_send_fragment(c, big, n, 0);
    CHECK(rc == WS_E_NOMEM, "client ws_send_fragment(1 GiB) = %d, want WS_E_NOMEM", rc);
    CHECK(ws_send_fragment(c, "", 0, 1) == WS_OK, "ending the fragmented message");
    ev_list l = {0};
    util_pump(c, s, 0);
    util_drain(s, &l);
    ev_list_free(&l);
    check_usable(s, c, "send (server)");
    check_usable(c, s, "send (client)");
    ws_conn_free(c);
    ws_conn_free(s);
}

/* A compressed send is built in the connection's output buffer (C memory),
 * so one that cannot be had gives WS_E_NOMEM instead of exhausting the Go
 * heap, and with context takeover the next message still decodes. */
static void part_deflate(const uint8_t *noise, size_t n) {
    ws_config *cc = util_config(WS_ROLE_CLIENT, WS_OPT_DEFLATE, 1, WS_OPT_MAX_MESSAGE, -1, 0);
    ws_config *sc = util_config(WS_ROLE_SERVER, WS_OPT_DEFLATE, 1, WS_OPT_MAX_MESSAGE, -1, 0);
    ws_conn *c = NULL, *s = NULL;
    int rc = cc && sc ? util_handshake(cc, sc, &c, &s) : WS_E_NOMEM;
    ws_config_free(cc);
    ws_config_free(sc);
    if (rc != WS_OK) {
        CHECK(0, "deflate handshake: %d", rc);
        return;
    }
    check_usable(s, c, "deflate (server, before)");
    rc = ws_send_binary(s, noise, n);
    CHECK(rc == WS_E_NOMEM, "compressed server ws_send_binary(%zu MiB) = %d, want WS_E_NOMEM", n >> 20, rc);
    const uint8_t *pending = NULL;
    size_t pending_len = 1;
    CHECK(ws_output(s, &pending, &pending_len) == WS_OK && pending_len == 0,
          "%zu bytes queued after the failed send", pending_len);
    rc = ws_send_binary(c, noise, n);
    CHECK(rc == WS_E_NOMEM, "compressed client ws_send_binary(%zu MiB) = %d, want WS_E_NOMEM", n >> 20, rc);
    CHECK(ws_begin_message(c, WS_OP_BINARY, 0) == WS_OK, "ws_begin_message");
    rc = ws_send_fragment(c, noise, n, 1);
    CHECK(rc == WS_E_NOMEM, "compressed client ws_send_fragment(%zu MiB) = %d, want WS_E_NOMEM", n >> 20, rc);
    CHECK(ws_send_fragment(c, "", 0, 1) == WS_OK, "ending the fragmented message");
    ev_list l = {0};
    util_pump(c, s, 0);
    util_drain(s, &l);
    ev_list_free(&l);
    check_usable(s, c, "deflate (server, after)");
    check_usable(c, s, "deflate (client, after)");
    ws_conn_free(c);
    ws_conn_free(s);
}

/* A masked binary frame header announcing len bytes. */
static size_t frame_header(uint8_t *h, uint64_t len) {
    h[0] = 0x82;
    h[1] = 0x80 | 127;
    for (int i = 0; i < 8; i++)
        h[2 + i] = (uint8_t)(len >> (56 - 8 * i));
    memcpy(h + 10, "\x11\x22\x33\x44", 4);
    return 14;
}

/* Checks that s failed with 1011 for want of memory, its WS_EV_CLOSE in l. */
static void check_failed(ws_conn *s, const ev_copy *close, const char *what) {
    CHECK(close != NULL, "%s: no WS_EV_CLOSE", what);
    if (close == NULL)
        return;
    CHECK(close->code == WS_CLOSE_INTERNAL_ERROR, "%s: close code %d, want 1011", what, close->code);
    CHECK(close->initiator == WS_CLOSED_BY_FAILURE, "%s: initiator %d", what, close->initiator);
    CHECK(strstr((const char *)close->data, "out of memory") != NULL, "%s: reason \"%s\"", what, (const char *)close->data);
    CHECK(strstr(ws_conn_failure(s), "out of memory") != NULL, "%s: ws_conn_failure \"%s\"", what, ws_conn_failure(s));
}

/* The peer's 1 GiB frame arrives in one ws_feed (from the zero mapping):
 * its buffer is asked for at once. */
static void peer_whole(const uint8_t *zeros) {
    ws_conn *c, *s;
    if (open_pair(&c, &s, -1, -1) != WS_OK) {
        CHECK(0, "open_pair");
        return;
    }
    uint8_t h[14];
    int rc = ws_feed(s, h, frame_header(h, GiB));
    CHECK(rc == 0, "feeding the header: %d", rc);
    rc = ws_feed(s, zeros, GiB);
    CHECK(rc >= 0, "ws_feed(1 GiB) = %d", rc);
    ev_list l = {0};
    util_drain(s, &l);
    check_failed(s, ev_find(&l, WS_EV_CLOSE), "peer, one feed");
    ev_list_free(&l);
    ws_conn_free(c);
    ws_conn_free(s);
}

/* The same frame in 64 KiB pieces: the buffer grows until it cannot. */
static void peer_pieces(void) {
    ws_conn *c, *s;
    if (open_pair(&c, &s, -1, -1) != WS_OK) {
        CHECK(0, "open_pair");
        return;
    }
    static uint8_t piece[64 << 10];
    uint8_t h[14];
    int rc = ws_feed(s, h, frame_header(h, GiB));
    CHECK(rc == 0, "feeding the header: %d", rc);
    ev_list l = {0};
    const ev_copy *close = NULL;
    size_t fed = 0;
    while (close == NULL && fed < GiB && failures == 0) {
        size_t off = 0;
        while (off < sizeof piece && close == NULL) {
            rc = ws_feed(s, piece + off, sizeof piece - off);
            if (rc < 0)
                break;
            size_t used = sizeof piece - off - (size_t)rc;
            off += used;
            int got = util_drain(s, &l);
            close = ev_find(&l, WS_EV_CLOSE);
            if (used == 0 && got <= 0 && close == NULL) {
                CHECK(0, "ws_feed takes nothing and gives nothing after %zu bytes", fed + off);
                break;
            }
        }
        CHECK(rc >= 0, "ws_feed after %zu bytes: %d", fed, rc);
        fed += off;
    }
    check_failed(s, close, "peer, 64 KiB pieces");
    /* It failed for want of memory, once the buffer had grown. */
    CHECK(fed > 16 * MiB && fed < GiB, "failed after %zu MiB", fed >> 20);
    ev_list_free(&l);
    ws_conn_free(c);
    ws_conn_free(s);
}

static void part_peer(const uint8_t *zeros) {
    peer_whole(zeros);
    peer_pieces();
    /* The process goes on: a new connection, under the same limit. */
    ws_conn *c, *s;
    if (open_pair(&c, &s, -1, -1) != WS_OK) {
        CHECK(0, "open_pair afterwards");
        return;
    }
    check_usable(c, s, "peer (new connection)");
    ws_conn_free(c);
    ws_conn_free(s);
}

/* 512 MiB that deflate cannot shrink, in 64 KiB of memory: one random
 * block mapped over and over (a repeat 64 KiB back is out of the 32 KiB
 * window's reach). */
static uint8_t *incompressible(size_t n) {
    size_t blk = 64 << 10;
    int fd = memfd_create("nomem", 0);
    if (fd < 0 || ftruncate(fd, (off_t)blk) != 0)
        return NULL;
    uint8_t *one = mmap(NULL, blk, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    uint8_t *all = mmap(NULL, n, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (one == MAP_FAILED || all == MAP_FAILED || ws_random_bytes(one, blk) != WS_OK)
        return NULL;
    for (size_t off = 0; off < n; off += blk)
        if (mmap(all + off, blk, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0) == MAP_FAILED)
            return NULL;
    munmap(one, blk);
    close(fd);
    return all;
}

static void part_coder(const uint8_t *noise, size_t n) {
    ws_compressor *z = NULL;
    ws_decompressor *d = NULL;
    const uint8_t *out, *msg;
    size_t out_len = 0, msg_len = 0;
    if (ws_compressor_new(1, 15, 1, &z) != WS_OK || ws_decompressor_new(15, 1, 0, &d) != WS_OK) {
        CHECK(0, "coders");
        return;
    }
    int rc = ws_compress(z, "first", 5, 1, &out, &out_len);
    CHECK(rc == WS_OK, "ws_compress: %d", rc);
    CHECK(ws_decompress(d, out, out_len, &msg, &msg_len) == WS_OK && msg_len == 5, "round trip");
    rc = ws_compress(z, noise, n, 1, &out, &out_len);
    CHECK(rc == WS_E_NOMEM, "ws_compress(%zu MiB of noise) = %d, want WS_E_NOMEM", n >> 20, rc);
    /* The failed message is abandoned, with the compressor's history: the
     * pieces taken before the failure end on a 64 KiB block boundary, so a
     * compressor that kept them would encode the end of the block as a
     * back-reference the peer's decompressor, which never saw the message,
     * cannot resolve. */
    const uint8_t *tail = noise + (48 << 10);
    rc = ws_compress(z, tail, 16 << 10, 1, &out, &out_len);
    CHECK(rc == WS_OK, "ws_compress afterwards: %d", rc);
    rc = rc == WS_OK ? ws_decompress(d, out, out_len, &msg, &msg_len) : rc;
    CHECK(rc == WS_OK && msg_len == 16 << 10 && memcmp(msg, tail, msg_len) == 0,
          "the peer decodes the next message: %d, %zu bytes", rc, msg_len);
    rc = ws_compress(z, "first again", 11, 1, &out, &out_len);
    CHECK(rc == WS_OK, "ws_compress afterwards: %d", rc);
    rc = rc == WS_OK ? ws_decompress(d, out, out_len, &msg, &msg_len) : rc;
    CHECK(rc == WS_OK && msg_len == 11 && memcmp(msg, "first again", 11) == 0, "round trip afterwards: %d", rc);
    ws_compressor_free(z);
    ws_decompressor_free(d);
}

static int wanted(int argc, char **argv, const char *part) {
    if (argc < 2)
        return 1;
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], part) == 0)
            return 1;
    return 0;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IONBF, 0);
    margin = util_env_ulong("NOMEM_MARGIN_MIB", 256) << 20;
    if (wanted(argc, argv, "lengths"))
        part_lengths();
    if (wanted(argc, argv, "strings"))
        part_strings();
    int send = wanted(argc, argv, "send"), peer = wanted(argc, argv, "peer"), coder = wanted(argc, argv, "coder");
    int deflate = wanted(argc, argv, "deflate");
    if (send || peer || coder || deflate) {
        warm_up();
        uint8_t *zeros = mmap(NULL, GiB, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        uint8_t *noise = incompressible(2 * margin);
        CHECK(zeros != MAP_FAILED && noise != NULL, "mapping the test buffers");
        CHECK(limit_memory() == 0, "setrlimit(RLIMIT_AS)");
        /* (mmap, not malloc: a failed malloc may leave glibc a new arena) */
        size_t over = margin + margin / 4;
        void *probe = mmap(NULL, over, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        CHECK(probe == MAP_FAILED, "the limit is not in force: a 1.25 x margin mapping succeeded");
        if (probe != MAP_FAILED)
            munmap(probe, over);
        if (failures == 0) {
            printf("test_nomem: RLIMIT_AS = VmSize + %zu MiB\n", margin >> 20);
            if (send)
                part_send(zeros, GiB);
            if (peer)
                part_peer(zeros);
            if (coder)
                part_coder(noise, 2 * margin);
            if (deflate)
                part_deflate(noise, 2 * margin);
        }
        unlimit_memory();
    }
    if (failures) {
        fprintf(stderr, "test_nomem: %d checks failed\n", failures);
        return 1;
    }
    printf("test_nomem: ok (the process survived every part)\n");
    return 0;
}
