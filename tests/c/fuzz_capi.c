/*
 * fuzz_capi: random sequences of ws.h calls with random arguments — live,
 * freed, foreign and garbage handles, NULL pointers, empty and impossible
 * lengths, random and well-formed bytes — against libws.so. It passes if
 * nothing crashes, nothing hangs (a watchdog alarm) and every call returns
 * a value ws.h allows.
 *
 *   fuzz_capi [seconds] [seed]      (defaults: 5 s, time-based seed)
 *
 * Lengths are never larger than the buffer they describe unless they are
 * impossible ones (> PTRDIFF_MAX), which the library must refuse: a length
 * that overstates a real buffer is a host bug no library can detect.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ws.h"

static uint64_t rng_state;

static uint64_t rnd(void) { /* xorshift64* */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ULL;
}

static size_t below(size_t n) { return n ? (size_t)(rnd() % n) : 0; }

#define POOL 16
static ws_config *cfgs[POOL];
static ws_conn *conns[POOL];
static ws_compressor *comps[4];
static ws_decompressor *decomps[4];
static void *graveyard[64]; /* freed handles, kept to be passed again */
static size_t ngrave;

static uint8_t buf[70000];
static uint64_t calls, errors;

static void bury(void *h) { graveyard[ngrave++ % 64] = h; }

/* A handle of any kind: live, freed, foreign, garbage or NULL. */
static void *any_handle(void) {
    switch (below(10)) {
    case 0:
        return NULL;
    case 1:
        return ngrave ? graveyard[below(ngrave < 64 ? ngrave : 64)] : NULL;
    case 2:
        return (void *)(uintptr_t)rnd();
    case 3:
        return cfgs[below(POOL)];
    case 4:
        return comps[below(4)];
    default:
        return conns[below(POOL)];
    }
}

static ws_conn *a_conn(void) { return below(8) ? conns[below(POOL)] : (ws_conn *)any_handle(); }
static ws_config *a_cfg(void) { return below(8) ? cfgs[below(POOL)] : (ws_config *)any_handle(); }

/* A length for buf: usually sane, sometimes 0 or impossible. */
static size_t a_len(size_t cap) {
    switch (below(12)) {
    case 0:
        return 0;
    case 1:
        return (size_t)-1 - below(16);
    case 2:
        return (size_t)PTRDIFF_MAX + 1 + below(16);
    default:
        return below(below(4) ? 200 : cap + 1);
    }
}

static const void *a_buf(size_t len) {
    if (below(20) == 0)
        return NULL;
    (void)len;
    return buf;
}

/* Fills buf with something a peer might send: random bytes, valid frames,
 * or an HTTP head. */
static size_t fill_input(void) {
    size_t n = 0;
    switch (below(4)) {
    case 0:
        n = below(2048);
        for (size_t i = 0; i < n; i++)
            buf[i] = (uint8_t)rnd();
        return n;
    case 1: { /* a few well-formed frames, masked or not */
        int masked = (int)below(2);
        for (int f = 0; f < 1 + (int)below(5) && n < 60000; f++) {
            ws_frame_header h = {0};
            static const uint8_t ops[] = {0, 1, 2, 8, 9, 10, 3, 11};
            h.fin = (uint8_t)(below(4) != 0);
            h.rsv = (uint8_t)(below(8) == 0 ? below(8) : 0);
            h.opcode = ops[below(sizeof ops)];
            h.masked = (uint8_t)masked;
            h.length = h.opcode >= 8 ? below(130) : below(below(8) ? 200 : 3000);
            for (int i = 0; i < 4; i++)
                h.mask[i] = (uint8_t)rnd();
            int hl = ws_frame_encode_header(&h, buf + n, sizeof buf - n);
            if (hl <= 0)
                break;
            n += (size_t)hl;
            for (uint64_t i = 0; i < h.length && n < sizeof buf; i++)
                buf[n++] = (uint8_t)(below(3) ? 'a' + below(26) : rnd());
        }
        return n;
    }
    case 2: {
        const char *req = "GET /f HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                          "Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n";
        n = strlen(req);
        memcpy(buf, req, n);
        if (below(3) == 0)
            buf[below(n)] = (uint8_t)rnd(); /* and sometimes break it */
        return n;
    }
    default: {
        const char *resp = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                           "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
        n = strlen(resp);
        memcpy(buf, resp, n);
        return n;
    }
    }
}

static void new_config(int slot) {
    ws_config_free(cfgs[slot]);
    bury(cfgs[slot]);
    cfgs[slot] = NULL;
    ws_config_new(below(2) ? WS_ROLE_CLIENT : WS_ROLE_SERVER, &cfgs[slot]);
    for (int i = 0; i < (int)below(6); i++)
        ws_config_set(cfgs[slot], 1 + (int)below(22), (int64_t)(rnd() % 5 == 0 ? rnd() : below(20)));
    if (below(2))
        ws_config_set(cfgs[slot], WS_OPT_DEFLATE, 1);
}

static void new_conn(int slot) {
    ws_conn_free(conns[slot]);
    bury(conns[slot]);
    conns[slot] = NULL;
    ws_config *cfg = cfgs[below(POOL)];
    switch (below(4)) {
    case 0:
        ws_client_new(cfg, below(6) ? "ws://example.com/f" : "http://x", &conns[slot]);
        break;
    case 1:
        ws_server_new(cfg, &conns[slot]);
        break;
    default:
        ws_conn_new_open(cfg, below(3) ? NULL : "chat",
                         below(2) ? "permessage-deflate; client_max_window_bits=9" : NULL, &conns[slot]);
    }
}

/* Returns from ws.h functions must be success values or known codes. */
static void check(int64_t rc, const char *what) {
    calls++;
    if (rc >= 0)
        return;
    errors++;
    switch (rc) {
    case WS_E_AGAIN: case WS_E_OUTPUT_FULL: case WS_E_STATE: case WS_E_CLOSED: case WS_E_ARG:
    case WS_E_NULL: case WS_E_LIMIT: case WS_E_TOO_BIG: case WS_E_NOMEM: case WS_E_PROTOCOL:
    case WS_E_UTF8: case WS_E_HANDSHAKE: case WS_E_EXTENSION: case WS_E_BAD_HANDLE: case WS_E_BUSY:
        return;
    default:
        fprintf(stderr, "fuzz_capi: %s returned %lld, not a documented code (%s)\n", what, (long long)rc,
                ws_last_error());
        exit(1);
    }
}

/* ws_feed returns WS_OK, a documented code, or the bytes of its len it
 * left because the receive budget filled (1..len). */
static void check_feed(int rc, size_t len, const char *what) {
    if (rc > 0 && (size_t)rc > len) {
        fprintf(stderr, "fuzz_capi: %s returned %d bytes left of %zu\n", what, rc, len);
        exit(1);
    }
    check(rc, what);
}

static void one_call(void) {
    const uint8_t *out;
    size_t out_len, len;
    const char *s, *name;
    ws_event evs[8];
    int64_t v;
    int a, b, c2, d;
    switch (below(42)) {
    case 0: new_config((int)below(POOL)); break;
    case 1: new_conn((int)below(POOL)); break;
    case 2: len = fill_input(); len = below(10) ? len : a_len(len); check_feed(ws_feed(a_conn(), below(10) ? buf : a_buf(len), len), len, "ws_feed"); break;
    case 3: check(ws_feed_eof(a_conn()), "ws_feed_eof"); break;
    case 4: evs[0].size = below(10) ? sizeof(ws_event) : (uint32_t)below(40); check(ws_next_events(a_conn(), evs, below(9)), "ws_next_events"); break;
    case 5: evs[0].size = sizeof(ws_event); check(ws_next_event(a_conn(), below(20) ? evs : NULL), "ws_next_event"); break;
    case 6: len = a_len(sizeof buf); check(ws_send_text(a_conn(), a_buf(len), len), "ws_send_text"); break;
    case 7: len = a_len(sizeof buf); check(ws_send_binary(a_conn(), a_buf(len), len), "ws_send_binary"); break;
    case 8: len = a_len(sizeof buf); check(ws_send(a_conn(), (int)below(20) - 2, a_buf(len), len, (unsigned)below(5)), "ws_send"); break;
    case 9: check(ws_begin_message(a_conn(), (int)below(4), (unsigned)below(4)), "ws_begin_message"); break;
    case 10: len = a_len(sizeof buf); check(ws_send_fragment(a_conn(), a_buf(len), len, (int)below(2)), "ws_send_fragment"); break;
    case 11: len = a_len(200); check(ws_send_frame(a_conn(), (int)below(17), (unsigned)below(9), (int)below(2), a_buf(len), len), "ws_send_frame"); break;
    case 12: len = a_len(200); check(ws_ping(a_conn(), a_buf(len), len), "ws_ping"); break;
    case 13: len = a_len(200); check(ws_pong(a_conn(), a_buf(len), len), "ws_pong"); break;
    case 14: len = a_len(130); check(ws_close(a_conn(), below(3) ? 1000 + (int)below(20) : (int)rnd() % 70000, a_buf(len), len), "ws_close"); break;
    case 15: check(ws_heartbeat(a_conn()), "ws_heartbeat"); break;
    case 16: check(ws_output(a_conn(), below(20) ? &out : NULL, &out_len), "ws_output"); break;
    case 17: check(ws_consume(a_conn(), below(4) ? below(300) : (size_t)rnd()), "ws_consume"); break;
    case 18: check(ws_output_copy(a_conn(), buf, below(500)), "ws_output_copy"); break;
    case 19: check(ws_state(a_conn()), "ws_state"); check(ws_hint(a_conn()), "ws_hint"); check(ws_need(a_conn()), "ws_need"); break;
    case 20: check(ws_subprotocol(a_conn(), &s), "ws_subprotocol"); check(ws_extensions(a_conn(), &s), "ws_extensions"); (void)ws_conn_failure(a_conn()); check(ws_handshake_failure(a_conn(), below(2) ? &s : NULL), "ws_handshake_failure"); check(ws_client_key(a_conn(), &s), "ws_client_key"); break;
    case 21: check(ws_deflate_params(a_conn(), &a, &b, &c2, &d), "ws_deflate_params"); check(ws_memory(a_conn()), "ws_memory"); break;
    case 22: check(ws_shrink(a_conn()), "ws_shrink"); check(ws_pending_events(a_conn()), "ws_pending_events"); check(ws_unanswered_pings(a_conn()), "ws_unanswered_pings"); break;
    case 23: check(ws_request_target(a_conn(), &s), "ws_request_target"); check(ws_request_header(a_conn(), "Host", below(3), &s), "ws_request_header"); check(ws_request_header_at(a_conn(), below(10), &name, &s), "ws_request_header_at"); break;
    case 24: check(ws_request_subprotocol(a_conn(), below(3), &s), "ws_request_subprotocol"); check(ws_request_extension(a_conn(), below(3), &s), "ws_request_extension"); check(ws_request_method(a_conn(), &s), "m"); check(ws_request_host(a_conn(), &s), "h"); check(ws_request_origin(a_conn(), &s), "o"); break;
    case 25: check(ws_accept(a_conn(), below(2) ? NULL : "chat", below(3) ? NULL : "x-ext", NULL, NULL, 0), "ws_accept"); break;
    case 26: check(ws_reject(a_conn(), (int)below(700), below(2) ? NULL : "no", NULL, NULL, 0), "ws_reject"); break;
    case 27: {
        const char *names[] = {"Host", "Upgrade", "Connection", "Sec-WebSocket-Key", "Sec-WebSocket-Version"};
        const char *vals[] = {"x", "websocket", "Upgrade", "dGhlIHNhbXBsZSBub25jZQ==", "13"};
        check(ws_feed_request(a_conn(), "GET", "/", "HTTP/1.1", names, vals, below(6)), "ws_feed_request");
        break;
    }
    case 28: check(ws_feed_response(a_conn(), (int)below(600), NULL, NULL, NULL, 0), "ws_feed_response"); check(ws_response_status(a_conn()), "ws_response_status"); check(ws_response_header_at(a_conn(), below(4), &name, &s), "ws_response_header_at"); break;
    case 29: check(ws_config_set(a_cfg(), (int)below(25), (int64_t)rnd()), "ws_config_set"); check(ws_config_get(a_cfg(), (int)below(25), &v), "ws_config_get"); break;
    case 30: check(ws_config_add_subprotocol(a_cfg(), below(2) ? "chat" : "bad token"), "ws_config_add_subprotocol"); check(ws_config_add_header(a_cfg(), "X-A", below(2) ? "v" : "a\r\nb"), "ws_config_add_header"); break;
    case 31: check(ws_config_add_deflate_offer(a_cfg(), (int)below(2), (int)below(2), (int)below(17), (int)below(17)), "offer"); check(ws_config_set_origin(a_cfg(), "http://o"), "origin"); check(ws_config_set_key(a_cfg(), below(2) ? "dGhlIHNhbXBsZSBub25jZQ==" : "x"), "key"); check(ws_config_add_extension_offer(a_cfg(), below(2) ? "x-a; b=1" : ";;"), "ext offer"); break;
    case 32: {
        int slot = (int)below(4);
        ws_compressor_free(comps[slot]);
        bury(comps[slot]);
        comps[slot] = NULL;
        check(ws_compressor_new((int)below(11), 7 + (int)below(10), (int)below(2), &comps[slot]), "ws_compressor_new");
        break;
    }
    case 33: len = a_len(sizeof buf); check(ws_compress(below(8) ? comps[below(4)] : any_handle(), a_buf(len), len, (int)below(2), &out, &out_len), "ws_compress"); break;
    case 34: {
        int slot = (int)below(4);
        ws_decompressor_free(decomps[slot]);
        bury(decomps[slot]);
        decomps[slot] = NULL;
        check(ws_decompressor_new(7 + (int)below(10), (int)below(2), (int64_t)below(100000) - 1, &decomps[slot]), "ws_decompressor_new");
        break;
    }
    case 35: len = fill_input(); check(ws_decompress(below(8) ? decomps[below(4)] : any_handle(), buf, len, &out, &out_len), "ws_decompress"); break;
    case 36: { ws_frame_header h; size_t need; len = fill_input(); check(ws_frame_parse_header(buf, below(len + 1), &h, &need), "parse_header"); check(ws_frame_encode_header(&h, buf, below(16)), "encode_header"); break; }
    case 37: { uint8_t key[4]; check(ws_random_mask(key), "ws_random_mask"); len = below(3000); check(ws_mask(key, (int)below(8), buf, buf, len), "ws_mask"); break; }
    case 38: { char acc[29]; check(ws_accept_key("x", acc), "ws_accept_key"); len = fill_input(); check(ws_utf8_valid(buf, len), "ws_utf8_valid"); check(ws_close_code_valid((int)rnd()), "valid"); (void)ws_close_code_name((int)rnd()); (void)ws_strerror((int)rnd()); break; }
    case 40: evs[0].size = below(10) ? sizeof(ws_event) : (uint32_t)below(40); len = fill_input();
        check(ws_feed_events(a_conn(), below(10) ? buf : a_buf(len), below(10) ? len : a_len(len), below(10) ? evs : NULL, below(9)), "ws_feed_events");
        break;
    case 41: check(ws_peek_event(a_conn()), "ws_peek_event"); len = below(300); check(ws_random_bytes(below(10) ? buf : NULL, len), "ws_random_bytes"); break;
    default: { /* pump one connection's output into another */
        ws_conn *from = conns[below(POOL)], *to = conns[below(POOL)];
        if (ws_output(from, &out, &out_len) == WS_OK && out_len > 0) {
            size_t n = out_len < sizeof buf ? out_len : sizeof buf;
            memcpy(buf, out, n);
            check(ws_consume(from, n), "consume");
            /* Bytes left: the receive budget filled. Take the events, feed
             * the rest (a library that never frees room trips the watchdog). */
            for (size_t off = 0; off < n;) {
                int left = ws_feed(to, buf + off, n - off);
                check_feed(left, n - off, "feed (pump)");
                if (left <= 0)
                    break;
                off = n - (size_t)left;
                evs[0].size = sizeof(ws_event);
                while (ws_next_events(to, evs, 8) > 0)
                    ;
            }
        }
    }
    }
}

static void on_alarm(int sig) {
    (void)sig;
    static const char msg[] = "fuzz_capi: a call did not return within the watchdog time (hang)\n";
    (void)!write(2, msg, sizeof msg - 1);
    _exit(2);
}

int main(int argc, char **argv) {
    double seconds = argc > 1 ? atof(argv[1]) : 5;
    uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 0) : (uint64_t)time(NULL) ^ (uint64_t)getpid() << 16;
    rng_state = seed ? seed : 1;
    printf("fuzz_capi: seed %llu, %.0f s (rerun with: fuzz_capi %.0f %llu)\n", (unsigned long long)seed, seconds,
           seconds, (unsigned long long)seed);
    fflush(stdout);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sa.sa_flags = SA_ONSTACK;
    sigaction(SIGALRM, &sa, NULL);
    for (int i = 0; i < POOL; i++)
        new_config(i);
    for (int i = 0; i < POOL; i++)
        new_conn(i);
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (uint64_t i = 0;; i++) {
        alarm(10);
        one_call();
        if ((i & 1023) == 0) {
            clock_gettime(CLOCK_MONOTONIC, &t);
            if ((double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) * 1e-9 >= seconds)
                break;
        }
    }
    alarm(0);
    for (int i = 0; i < POOL; i++) {
        ws_conn_free(conns[i]);
        ws_config_free(cfgs[i]);
    }
    for (int i = 0; i < 4; i++) {
        ws_compressor_free(comps[i]);
        ws_decompressor_free(decomps[i]);
    }
    printf("fuzz_capi: %llu calls, %llu error returns, no crash, no hang\n", (unsigned long long)calls,
           (unsigned long long)errors);
    return 0;
}
