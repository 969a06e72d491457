/*
 * test_api.c — the public C API of libws, checked against include/ws.h.
 *
 * Every function is called with valid arguments and with misuse (NULL
 * pointers, freed/foreign/garbage handles, impossible lengths, wrong
 * states, bad option values); then real protocol behaviour is driven
 * through the C API with in-memory connection pairs (one side's output fed
 * to the other). Each assertion checks a result ws.h promises.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>

#include <cmocka.h>

#include "util.h"
#include "ws.h"

#define HUGE_LEN ((size_t)-1)
#define BIG_LEN ((size_t)PTRDIFF_MAX + 1)

/* Garbage handles: never made by libws. */
#define GARBAGE1 ((ws_conn *)0x1234)
#define GARBAGE2 ((ws_conn *)(uintptr_t)-1)

static void pump(ws_conn *from, ws_conn *to) {
    long n = util_pump(from, to, 0);
    if (n < 0)
        fail_msg("pump: %ld (%s) %s", n, ws_strerror((int)n), ws_last_error());
}

static void drain(ws_conn *c, ev_list *l) {
    int rc = util_drain(c, l);
    if (rc < 0)
        fail_msg("drain: %d (%s) %s", rc, ws_strerror(rc), ws_last_error());
}

static size_t output_len(ws_conn *c) {
    const uint8_t *p;
    size_t n = 12345;
    assert_int_equal(ws_output(c, &p, &n), WS_OK);
    return n;
}

/* The output as a NUL-terminated copy (consumed). */
static char *take_text_output(ws_conn *c) {
    char *s = util_take_output_str(c);
    assert_non_null(s);
    return s;
}

/* The first frame of c's output: header and unmasked payload (malloc'ed).
 * The output is consumed. */
static uint8_t *take_frame(ws_conn *c, ws_frame_header *h) {
    uint8_t *out;
    size_t len;
    assert_int_equal(util_take_output(c, &out, &len), WS_OK);
    int hl = ws_frame_parse_header(out, len, h, NULL);
    assert_true(hl >= 2);
    assert_true(h->length <= len - (size_t)hl);
    uint8_t *p = malloc((size_t)h->length + 1);
    assert_non_null(p);
    if (h->masked)
        ws_mask(h->mask, 0, out + hl, p, (size_t)h->length);
    else
        memcpy(p, out + hl, (size_t)h->length);
    p[h->length] = 0;
    free(out);
    return p;
}

static ws_config *cfg_client(void) {
    ws_config *c = util_config(WS_ROLE_CLIENT, 0);
    assert_non_null(c);
    return c;
}

static ws_config *cfg_server(void) {
    ws_config *c = util_config(WS_ROLE_SERVER, 0);
    assert_non_null(c);
    return c;
}

/* An open pair through the real handshake with default configs. */
static void open_pair(ws_conn **c, ws_conn **s) {
    ws_config *cc = cfg_client(), *sc = cfg_server();
    assert_int_equal(util_handshake(cc, sc, c, s), WS_OK);
    ws_config_free(cc);
    ws_config_free(sc);
}

static void free_pair(ws_conn *c, ws_conn *s) {
    ws_conn_free(c);
    ws_conn_free(s);
}

/* ---- Versions, codes, errors ------------------------------------------- */

static void test_versions(void **state) {
    (void)state;
    assert_non_null(ws_version());
    assert_string_equal(ws_version(), WS_VERSION_STRING);
    assert_int_equal(ws_abi_version(), WS_ABI_VERSION);
    char want[32];
    snprintf(want, sizeof want, "%d.%d.%d", WS_VERSION_MAJOR, WS_VERSION_MINOR, WS_VERSION_PATCH);
    assert_string_equal(ws_version(), want);
}

static void test_error_class(void **state) {
    (void)state;
    assert_int_equal(WS_E_CLASS(WS_OK), 0);
    assert_int_equal(WS_E_CLASS(7), 0);
    assert_int_equal(WS_E_CLASS(WS_E_AGAIN), -1);
    assert_int_equal(WS_E_CLASS(WS_E_OUTPUT_FULL), -1);
    assert_int_equal(WS_E_CLASS(-9), -1);
    assert_int_equal(WS_E_CLASS(WS_E_STATE), WS_E_STATE);
    assert_int_equal(WS_E_CLASS(WS_E_CLOSED), WS_E_STATE);
    assert_int_equal(WS_E_CLASS(-19), WS_E_STATE);
    assert_int_equal(WS_E_CLASS(WS_E_ARG), WS_E_ARG);
    assert_int_equal(WS_E_CLASS(WS_E_NULL), WS_E_ARG);
    assert_int_equal(WS_E_CLASS(WS_E_LIMIT), WS_E_LIMIT);
    assert_int_equal(WS_E_CLASS(WS_E_TOO_BIG), WS_E_LIMIT);
    assert_int_equal(WS_E_CLASS(WS_E_NOMEM), WS_E_LIMIT);
    assert_int_equal(WS_E_CLASS(WS_E_PROTOCOL), WS_E_PROTOCOL);
    assert_int_equal(WS_E_CLASS(WS_E_UTF8), WS_E_PROTOCOL);
    assert_int_equal(WS_E_CLASS(WS_E_HANDSHAKE), WS_E_PROTOCOL);
    assert_int_equal(WS_E_CLASS(WS_E_EXTENSION), WS_E_PROTOCOL);
    assert_int_equal(WS_E_CLASS(WS_E_BAD_HANDLE), WS_E_BAD_HANDLE);
    assert_int_equal(WS_E_CLASS(WS_E_BUSY), WS_E_BAD_HANDLE);
    assert_int_equal(WS_E_CLASS(WS_E_FORKED), WS_E_FORKED);
    assert_int_equal(WS_E_CLASS(WS_E_INTERNAL), WS_E_INTERNAL);
}

static const int all_codes[] = {WS_OK,         WS_E_AGAIN,     WS_E_OUTPUT_FULL, WS_E_STATE,
                                WS_E_CLOSED,   WS_E_ARG,       WS_E_NULL,        WS_E_LIMIT,
                                WS_E_TOO_BIG,  WS_E_NOMEM,     WS_E_PROTOCOL,    WS_E_UTF8,
                                WS_E_HANDSHAKE, WS_E_EXTENSION, WS_E_BAD_HANDLE, WS_E_BUSY,
                                WS_E_FORKED,   WS_E_INTERNAL};
#define NCODES (sizeof all_codes / sizeof all_codes[0])

static void test_strerror(void **state) {
    (void)state;
    char copies[NCODES][128];
    const char *ptrs[NCODES];
    for (size_t i = 0; i < NCODES; i++) {
        const char *s = ws_strerror(all_codes[i]);
        assert_non_null(s);
        assert_true(strlen(s) > 0);
        assert_true(strlen(s) < sizeof copies[i]);
        strcpy(copies[i], s);
        ptrs[i] = s;
        /* Each code has its own description. */
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(copies[j], s);
    }
    /* Unknown codes still get a (static, non-NULL) description. */
    const int unknown[] = {-3, -12, -99, -1000, 5, 12345, INT32_MIN, INT32_MAX};
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        const char *s = ws_strerror(unknown[i]);
        assert_non_null(s);
        assert_true(strlen(s) > 0);
    }
    /* Static: earlier pointers still hold their text after other calls. */
    for (size_t i = 0; i < NCODES; i++)
        assert_string_equal(ptrs[i], copies[i]);
}

static void *last_error_thread(void *arg) {
    char *out = arg;
    /* A fresh thread has no failed call yet. */
    strcpy(out, ws_last_error());
    ws_config *cfg;
    if (ws_config_new(0, &cfg) == WS_E_ARG)
        strcat(out, "|failed");
    return NULL;
}

static void test_last_error(void **state) {
    (void)state;
    ws_config *cfg = NULL;
    assert_non_null(ws_last_error());

    assert_int_equal(ws_config_new(WS_ROLE_CLIENT, NULL), WS_E_NULL);
    char null_msg[512];
    snprintf(null_msg, sizeof null_msg, "%s", ws_last_error());
    assert_true(strlen(null_msg) > 0);

    assert_int_equal(ws_config_new(99, &cfg), WS_E_ARG);
    char arg_msg[512];
    snprintf(arg_msg, sizeof arg_msg, "%s", ws_last_error());
    assert_true(strlen(arg_msg) > 0);
    assert_string_not_equal(null_msg, arg_msg);

    /* A successful call leaves the message of the last failure. */
    assert_int_equal(ws_config_new(WS_ROLE_CLIENT, &cfg), WS_OK);
    assert_string_equal(ws_last_error(), arg_msg);

    assert_int_equal(ws_state(GARBAGE1), WS_E_BAD_HANDLE);
    assert_true(strlen(ws_last_error()) > 0);
    assert_string_not_equal(ws_last_error(), arg_msg);

    /* Thread-local: another thread starts empty and its failure does not
     * change this thread's message. */
    char before[512], other[600] = "";
    snprintf(before, sizeof before, "%s", ws_last_error());
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, last_error_thread, other), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_string_equal(other, "|failed");
    assert_string_equal(ws_last_error(), before);
    ws_config_free(cfg);
}

/* ---- Configuration --------------------------------------------------------- */

struct optdef {
    int opt;
    int64_t def;
};

static const struct optdef defaults[] = {
    {WS_OPT_MAX_MESSAGE, 64 << 20},
    {WS_OPT_MAX_FRAME, 64 << 20},
    {WS_OPT_MAX_OUTPUT, 64 << 20},
    {WS_OPT_MAX_HANDSHAKE, 16 << 10},
    {WS_OPT_MAX_HEADERS, 100},
    {WS_OPT_STREAMING, 0},
    {WS_OPT_CHUNK_PER_FRAME, 0},
    {WS_OPT_VALIDATE_UTF8, 1},
    {WS_OPT_AUTO_PONG, 1},
    {WS_OPT_MAX_PINGS, 3},
    {WS_OPT_MANUAL_ACCEPT, 0},
    {WS_OPT_DEFLATE, 0},
    {WS_OPT_DEFLATE_SERVER_NO_CONTEXT_TAKEOVER, 0},
    {WS_OPT_DEFLATE_CLIENT_NO_CONTEXT_TAKEOVER, 0},
    {WS_OPT_DEFLATE_SERVER_MAX_WINDOW_BITS, 15},
    {WS_OPT_DEFLATE_CLIENT_MAX_WINDOW_BITS, 15},
    {WS_OPT_DEFLATE_LEVEL, 6},
    {WS_OPT_DEFLATE_MIN_SIZE, 32},
    {WS_OPT_DEFLATE_REQUIRED, 0},
    {WS_OPT_ALLOW_RSV, 0},
    {WS_OPT_ALLOW_OPCODES, 0},
};

static int64_t get_opt(ws_config *cfg, int opt) {
    int64_t v = -12345;
    assert_int_equal(ws_config_get(cfg, opt, &v), WS_OK);
    return v;
}

static void test_config_defaults(void **state) {
    (void)state;
    const int roles[] = {WS_ROLE_CLIENT, WS_ROLE_SERVER};
    for (int r = 0; r < 2; r++) {
        ws_config *cfg = NULL;
        assert_int_equal(ws_config_new(roles[r], &cfg), WS_OK);
        assert_non_null(cfg);
        for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++) {
            int64_t v = get_opt(cfg, defaults[i].opt);
            if (v != defaults[i].def)
                fail_msg("option %d: default %lld, ws.h says %lld", defaults[i].opt, (long long)v,
                         (long long)defaults[i].def);
        }
        ws_config_free(cfg);
    }
}

static void test_config_new_free_misuse(void **state) {
    (void)state;
    ws_config *cfg = (ws_config *)0x1;
    assert_int_equal(ws_config_new(WS_ROLE_CLIENT, NULL), WS_E_NULL);
    assert_int_equal(ws_config_new(0, &cfg), WS_E_ARG);
    assert_int_equal(ws_config_new(3, &cfg), WS_E_ARG);
    assert_int_equal(ws_config_new(-1, &cfg), WS_E_ARG);
    ws_config_free(NULL); /* no-op */
    assert_int_equal(ws_config_new(WS_ROLE_SERVER, &cfg), WS_OK);
    ws_config_free(cfg);
    ws_config_free(cfg); /* freed: must not crash */
    ws_config_free((ws_config *)GARBAGE1);
    ws_config_free((ws_config *)GARBAGE2);
    /* A connection passed to ws_config_free is not a config: nothing
     * happens to it. */
    ws_conn *c, *s;
    open_pair(&c, &s);
    ws_config_free((ws_config *)c);
    assert_int_equal(ws_state(c), WS_STATE_OPEN);
    assert_int_equal(ws_send_text(c, "still here", 10), WS_OK);
    pump(c, s);
    ev_list l = {0};
    drain(s, &l);
    assert_int_equal(l.n, 1);
    assert_string_equal((char *)l.v[0].data, "still here");
    ev_list_free(&l);
    free_pair(c, s);
}

struct optval {
    int opt;
    int64_t value;
};

static void test_config_set_get(void **state) {
    (void)state;
    ws_config *cfg = cfg_client();
    static const struct optval good[] = {
        {WS_OPT_MAX_MESSAGE, 1000},
        {WS_OPT_MAX_MESSAGE, -1},
        {WS_OPT_MAX_FRAME, 5000},
        {WS_OPT_MAX_OUTPUT, 1 << 20},
        {WS_OPT_MAX_HANDSHAKE, 4096},
        {WS_OPT_MAX_HEADERS, 20},
        {WS_OPT_STREAMING, 1},
        {WS_OPT_CHUNK_PER_FRAME, 1},
        {WS_OPT_VALIDATE_UTF8, 0},
        {WS_OPT_AUTO_PONG, 0},
        {WS_OPT_MAX_PINGS, 7},
        {WS_OPT_MANUAL_ACCEPT, 1},
        {WS_OPT_DEFLATE, 1},
        {WS_OPT_DEFLATE_SERVER_NO_CONTEXT_TAKEOVER, 1},
        {WS_OPT_DEFLATE_CLIENT_NO_CONTEXT_TAKEOVER, 1},
        {WS_OPT_DEFLATE_SERVER_MAX_WINDOW_BITS, 8},
        {WS_OPT_DEFLATE_CLIENT_MAX_WINDOW_BITS, 12},
        {WS_OPT_DEFLATE_LEVEL, 9},
        {WS_OPT_DEFLATE_MIN_SIZE, -1},
        {WS_OPT_DEFLATE_MIN_SIZE, 100},
        {WS_OPT_DEFLATE_REQUIRED, 1},
        {WS_OPT_ALLOW_RSV, WS_RSV2 | WS_RSV3},
        {WS_OPT_ALLOW_OPCODES, (1 << 3) | (1 << 7) | (1 << 11) | (1 << 15)},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        if (ws_config_set(cfg, good[i].opt, good[i].value) != WS_OK)
            fail_msg("set option %d = %lld: %s", good[i].opt, (long long)good[i].value, ws_last_error());
        assert_int_equal(get_opt(cfg, good[i].opt), good[i].value);
    }
    /* 0 restores the default of a limit. */
    assert_int_equal(ws_config_set(cfg, WS_OPT_MAX_MESSAGE, 0), WS_OK);
    assert_int_equal(get_opt(cfg, WS_OPT_MAX_MESSAGE), 64 << 20);
    assert_int_equal(ws_config_set(cfg, WS_OPT_DEFLATE_LEVEL, 0), WS_OK);
    assert_int_equal(get_opt(cfg, WS_OPT_DEFLATE_LEVEL), 6);
    assert_int_equal(ws_config_set(cfg, WS_OPT_DEFLATE_SERVER_MAX_WINDOW_BITS, 0), WS_OK);
    assert_int_equal(get_opt(cfg, WS_OPT_DEFLATE_SERVER_MAX_WINDOW_BITS), 15);
    assert_int_equal(ws_config_set(cfg, WS_OPT_MAX_PINGS, 0), WS_OK);
    assert_int_equal(get_opt(cfg, WS_OPT_MAX_PINGS), 3);
    ws_config_free(cfg);
}

static void test_config_bad_values(void **state) {
    (void)state;
    ws_config *cfg = cfg_server();
    static const struct optval bad[] = {
        {WS_OPT_MAX_MESSAGE, -2},
        {WS_OPT_MAX_FRAME, INT64_MIN},
        {WS_OPT_MAX_OUTPUT, -5},
        {WS_OPT_STREAMING, 2},
        {WS_OPT_STREAMING, -1},
        {WS_OPT_CHUNK_PER_FRAME, 7},
        {WS_OPT_VALIDATE_UTF8, 2},
        {WS_OPT_AUTO_PONG, -1},
        {WS_OPT_MANUAL_ACCEPT, 1LL << 40},
        {WS_OPT_DEFLATE, 3},
        {WS_OPT_DEFLATE_SERVER_NO_CONTEXT_TAKEOVER, 2},
        {WS_OPT_DEFLATE_CLIENT_NO_CONTEXT_TAKEOVER, -1},
        {WS_OPT_DEFLATE_SERVER_MAX_WINDOW_BITS, 7},
        {WS_OPT_DEFLATE_SERVER_MAX_WINDOW_BITS, 16},
        {WS_OPT_DEFLATE_CLIENT_MAX_WINDOW_BITS, 1},
        {WS_OPT_DEFLATE_CLIENT_MAX_WINDOW_BITS, -1},
        {WS_OPT_DEFLATE_LEVEL, 10},
        {WS_OPT_DEFLATE_LEVEL, -1},
        {WS_OPT_DEFLATE_MIN_SIZE, -2},
        {WS_OPT_DEFLATE_REQUIRED, 2},
        {WS_OPT_MAX_PINGS, -1},
        {WS_OPT_ALLOW_RSV, 8},
        {WS_OPT_ALLOW_RSV, -1},
        {WS_OPT_ALLOW_OPCODES, 1 << WS_OP_TEXT},   /* not a reserved opcode */
        {WS_OPT_ALLOW_OPCODES, 1 << WS_OP_CLOSE},  /* not a reserved opcode */
        {WS_OPT_ALLOW_OPCODES, 1 << 16},           /* no such opcode */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t before = get_opt(cfg, bad[i].opt);
        int rc = ws_config_set(cfg, bad[i].opt, bad[i].value);
        if (rc != WS_E_ARG)
            fail_msg("set option %d = %lld: got %d, want WS_E_ARG", bad[i].opt, (long long)bad[i].value, rc);
        assert_true(strlen(ws_last_error()) > 0);
        assert_int_equal(get_opt(cfg, bad[i].opt), before); /* nothing changed */
    }
    /* Unknown options, for set and get. */
    const int unknown[] = {0, 24, 99, -1, 1 << 20};
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        int64_t v = 777;
        assert_int_equal(ws_config_set(cfg, unknown[i], 1), WS_E_ARG);
        assert_int_equal(ws_config_get(cfg, unknown[i], &v), WS_E_ARG);
        assert_int_equal(v, 777); /* not written */
    }
    /* NULL pointers. */
    assert_int_equal(ws_config_get(cfg, WS_OPT_MAX_FRAME, NULL), WS_E_NULL);
    int64_t v;
    assert_int_equal(ws_config_get(NULL, WS_OPT_MAX_FRAME, &v), WS_E_NULL);
    assert_int_equal(ws_config_set(NULL, WS_OPT_MAX_FRAME, 1), WS_E_NULL);
    ws_config_free(cfg);
}

static void test_config_subprotocol_header_origin(void **state) {
    (void)state;
    ws_config *cfg = cfg_client();
    assert_int_equal(ws_config_add_subprotocol(cfg, "chat"), WS_OK);
    assert_int_equal(ws_config_add_subprotocol(cfg, "v2.json"), WS_OK);
    assert_int_equal(ws_config_add_subprotocol(cfg, ""), WS_E_ARG);
    assert_int_equal(ws_config_add_subprotocol(cfg, "two words"), WS_E_ARG);
    assert_int_equal(ws_config_add_subprotocol(cfg, "a,b"), WS_E_ARG);
    assert_int_equal(ws_config_add_subprotocol(cfg, "tab\there"), WS_E_ARG);
    assert_int_equal(ws_config_add_subprotocol(cfg, NULL), WS_E_NULL);
    assert_int_equal(ws_config_add_subprotocol(NULL, "chat"), WS_E_NULL);

    assert_int_equal(ws_config_add_header(cfg, "X-Token", "abc 123"), WS_OK);
    static const char *owned[] = {"Upgrade", "Connection", "Host", "Origin", "Sec-WebSocket-Key",
                                  "sec-websocket-protocol", "SEC-WEBSOCKET-EXTENSIONS", "Sec-WebSocket-Version",
                                  "Content-Length", "Transfer-Encoding", "connection"};
    for (size_t i = 0; i < sizeof owned / sizeof owned[0]; i++)
        if (ws_config_add_header(cfg, owned[i], "x") != WS_E_ARG)
            fail_msg("client header %s accepted; ws.h says libws owns it", owned[i]);
    assert_int_equal(ws_config_add_header(cfg, "Bad Name", "x"), WS_E_ARG);
    assert_int_equal(ws_config_add_header(cfg, "", "x"), WS_E_ARG);
    assert_int_equal(ws_config_add_header(cfg, "X-Name:", "x"), WS_E_ARG);
    assert_int_equal(ws_config_add_header(cfg, "X-A", "a\r\nInjected: 1"), WS_E_ARG);
    assert_int_equal(ws_config_add_header(cfg, "X-A", "a\nb"), WS_E_ARG);
    assert_int_equal(ws_config_add_header(cfg, "X-A", "a\rb"), WS_E_ARG);
    assert_int_equal(ws_config_add_header(cfg, NULL, "x"), WS_E_NULL);
    assert_int_equal(ws_config_add_header(cfg, "X-A", NULL), WS_E_NULL);
    assert_int_equal(ws_config_add_header(NULL, "X-A", "x"), WS_E_NULL);

    assert_int_equal(ws_config_set_origin(cfg, "https://first.example"), WS_OK);
    assert_int_equal(ws_config_set_origin(cfg, "https://app.example"), WS_OK);
    assert_int_equal(ws_config_set_origin(cfg, "https://x\r\nInjected: 1"), WS_E_ARG);
    assert_int_equal(ws_config_set_origin(NULL, "x"), WS_E_NULL);

    /* What was set shows in the request. */
    ws_conn *c;
    assert_int_equal(ws_client_new(cfg, "ws://h.example/p", &c), WS_OK);
    char *req = take_text_output(c);
    assert_non_null(strstr(req, "\r\nX-Token: abc 123\r\n"));
    assert_non_null(strstr(req, "\r\nOrigin: https://app.example\r\n"));
    assert_non_null(strstr(req, "\r\nSec-WebSocket-Protocol: chat, v2.json\r\n"));
    assert_null(strstr(req, "Injected"));
    free(req);
    ws_conn_free(c);

    /* NULL and "" origin: none sent. */
    assert_int_equal(ws_config_set_origin(cfg, NULL), WS_OK);
    assert_int_equal(ws_client_new(cfg, "ws://h.example/p", &c), WS_OK);
    req = take_text_output(c);
    assert_null(strstr(req, "Origin:"));
    free(req);
    ws_conn_free(c);
    assert_int_equal(ws_config_set_origin(cfg, "https://app.example"), WS_OK);
    assert_int_equal(ws_config_set_origin(cfg, ""), WS_OK);
    assert_int_equal(ws_client_new(cfg, "ws://h.example/p", &c), WS_OK);
    req = take_text_output(c);
    assert_null(strstr(req, "Origin:"));
    free(req);
    ws_conn_free(c);
    ws_config_free(cfg);
}

/* ws.h: "Fields that libws owns (Upgrade, Connection, Host,
 * Sec-WebSocket-*, Content-Length, Transfer-Encoding, and on a client
 * Origin) are refused". */
static void test_config_server_header_owned(void **state) {
    (void)state;
    /* Origin is owned on a client only (ws_config_set_origin); a response
     * may carry any other field. */
    static const char *owned[] = {"Upgrade", "Connection", "Host", "Sec-WebSocket-Accept",
                                  "sec-websocket-protocol", "Content-Length", "Transfer-Encoding"};
    ws_config *scfg = cfg_server();
    assert_int_equal(ws_config_add_header(scfg, "X-Server", "1"), WS_OK);
    assert_int_equal(ws_config_add_header(scfg, "Origin", "x"), WS_OK);
    for (size_t i = 0; i < sizeof owned / sizeof owned[0]; i++) {
        int rc = ws_config_add_header(scfg, owned[i], "x");
        if (rc != WS_E_ARG) {
            ws_config_free(scfg);
            fail_msg("server config: header %s accepted (%d); ws.h says libws owns it", owned[i], rc);
        }
    }
    ws_config_free(scfg);
}

static void test_config_offers(void **state) {
    (void)state;
    ws_config *cfg = util_config(WS_ROLE_CLIENT, WS_OPT_DEFLATE, 1, 0);
    assert_non_null(cfg);
    assert_int_equal(ws_config_add_deflate_offer(cfg, 1, 1, 10, 0), WS_OK);
    assert_int_equal(ws_config_add_deflate_offer(cfg, 0, 0, 0, 0), WS_OK);
    assert_int_equal(ws_config_add_deflate_offer(cfg, 0, 0, 7, 0), WS_E_ARG);
    assert_int_equal(ws_config_add_deflate_offer(cfg, 0, 0, 0, 16), WS_E_ARG);
    assert_int_equal(ws_config_add_deflate_offer(cfg, 0, 0, -1, 0), WS_E_ARG);
    assert_int_equal(ws_config_add_deflate_offer(NULL, 0, 0, 0, 0), WS_E_NULL);
    assert_int_equal(ws_config_add_extension_offer(cfg, "x-my-ext; level=2"), WS_OK);
    assert_int_equal(ws_config_add_extension_offer(cfg, ""), WS_E_ARG);
    assert_int_equal(ws_config_add_extension_offer(cfg, "bad ext name"), WS_E_ARG);
    assert_int_equal(ws_config_add_extension_offer(cfg, "x; =1"), WS_E_ARG);
    assert_int_equal(ws_config_add_extension_offer(cfg, NULL), WS_E_NULL);
    assert_int_equal(ws_config_add_extension_offer(NULL, "x"), WS_E_NULL);

    ws_conn *c;
    assert_int_equal(ws_client_new(cfg, "ws://h.example/", &c), WS_OK);
    char *req = take_text_output(c);
    /* The first offer, then the fallbacks in order, then the extension. */
    const char *ext = strstr(req, "Sec-WebSocket-Extensions:");
    assert_non_null(ext);
    const char *first = strstr(req, "permessage-deflate");
    const char *second = first ? strstr(first + 1, "permessage-deflate; server_no_context_takeover") : NULL;
    const char *third = second ? strstr(second + 1, "permessage-deflate") : NULL;
    assert_non_null(first);
    assert_non_null(second);
    assert_non_null(third);
    assert_non_null(strstr(second, "server_max_window_bits=10"));
    assert_non_null(strstr(req, "x-my-ext; level=2"));
    free(req);
    ws_conn_free(c);
    ws_config_free(cfg);
}

/* ---- Handles: NULL, freed, foreign, garbage ------------------------------ */

/* Calls every function taking a connection with h and otherwise valid
 * arguments; each must return want. */
static void all_conn_calls(ws_conn *h, int want) {
    const uint8_t *out = NULL;
    size_t len = 0;
    const char *s = NULL;
    ws_event ev;
    memset(&ev, 0, sizeof ev);
    ev.size = sizeof ev;
    ws_event evs[2];
    memset(evs, 0, sizeof evs);
    evs[0].size = sizeof(ws_event);
    const char *names[] = {"Host"}, *values[] = {"x"};
    int a, b, c2, d;

#define CHECK(call)                                                                            \
    do {                                                                                       \
        int64_t rc_ = (int64_t)(call);                                                          \
        if (rc_ != want)                                                                       \
            fail_msg("%s: got %lld, want %d (handle %p)", #call, (long long)rc_, want, (void *)h); \
    } while (0)
    CHECK(ws_feed(h, "x", 1));
    CHECK(ws_feed(h, NULL, 0));
    CHECK(ws_feed_eof(h));
    CHECK(ws_need(h));
    CHECK(ws_feed_request(h, "GET", "/", "HTTP/1.1", names, values, 1));
    CHECK(ws_feed_response(h, 101, "Switching Protocols", names, values, 1));
    CHECK(ws_next_event(h, &ev));
    CHECK(ws_next_events(h, evs, 2));
    CHECK(ws_pending_events(h));
    CHECK(ws_send_text(h, "x", 1));
    CHECK(ws_send_binary(h, "x", 1));
    CHECK(ws_send(h, WS_OP_BINARY, "x", 1, 0));
    CHECK(ws_begin_message(h, WS_OP_TEXT, 0));
    CHECK(ws_send_fragment(h, "x", 1, 1));
    CHECK(ws_send_frame(h, WS_OP_BINARY, 0, 1, "x", 1));
    CHECK(ws_ping(h, "x", 1));
    CHECK(ws_pong(h, "x", 1));
    CHECK(ws_close(h, 1000, "x", 1));
    CHECK(ws_heartbeat(h));
    CHECK(ws_heartbeat_with(h, "x", 1));
    CHECK(ws_unanswered_pings(h));
    CHECK(ws_output(h, &out, &len));
    CHECK(ws_consume(h, 0));
    CHECK(ws_state(h));
    CHECK(ws_hint(h));
    CHECK(ws_subprotocol(h, &s));
    CHECK(ws_extensions(h, &s));
    CHECK(ws_deflate_params(h, &a, &b, &c2, &d));
    CHECK(ws_memory(h));
    CHECK(ws_shrink(h));
    CHECK(ws_request_method(h, &s));
    CHECK(ws_request_target(h, &s));
    CHECK(ws_request_host(h, &s));
    CHECK(ws_request_origin(h, &s));
    CHECK(ws_request_header(h, "Host", 0, &s));
    CHECK(ws_request_subprotocol(h, 0, &s));
    CHECK(ws_request_extension(h, 0, &s));
    CHECK(ws_accept(h, NULL, NULL, NULL, NULL, 0));
    CHECK(ws_reject(h, 400, "no", NULL, NULL, 0));
    CHECK(ws_response_status(h));
#undef CHECK
    /* Never NULL, even for a bad handle. */
    const char *f = ws_conn_failure(h);
    assert_non_null(f);
    assert_string_equal(f, "");
    ws_conn_free(h); /* NULL: no-op; bad handle: nothing happens */
}

/* Calls every function taking a config with h; each must return want. */
static void all_config_calls(ws_config *h, int want) {
    int64_t v;
    ws_conn *c = NULL;
#define CHECK(call)                                                                      \
    do {                                                                                 \
        int rc_ = (call);                                                                \
        if (rc_ != want)                                                                 \
            fail_msg("%s: got %d, want %d (handle %p)", #call, rc_, want, (void *)h);    \
    } while (0)
    CHECK(ws_config_set(h, WS_OPT_MAX_FRAME, 1000));
    CHECK(ws_config_get(h, WS_OPT_MAX_FRAME, &v));
    CHECK(ws_config_add_subprotocol(h, "chat"));
    CHECK(ws_config_add_header(h, "X-A", "1"));
    CHECK(ws_config_set_origin(h, "https://o.example"));
    CHECK(ws_config_add_deflate_offer(h, 0, 0, 0, 0));
    CHECK(ws_config_add_extension_offer(h, "x-ext"));
    CHECK(ws_client_new(h, "ws://h.example/", &c));
    CHECK(ws_server_new(h, &c));
    CHECK(ws_conn_new_open(h, NULL, NULL, &c));
#undef CHECK
    ws_config_free(h);
}

static void test_null_handles(void **state) {
    (void)state;
    all_conn_calls(NULL, WS_E_NULL);
    all_config_calls(NULL, WS_E_NULL);
}

static void test_bad_handles(void **state) {
    (void)state;
    ws_config *cfg = cfg_server(), *freed_cfg = cfg_client();
    ws_conn *freed, *live, *c2, *s2;
    ws_config_free(freed_cfg);
    assert_int_equal(ws_server_new(cfg, &freed), WS_OK);
    ws_conn_free(freed);
    /* The next connection may reuse the freed one's slot: the old handle
     * must still be refused, and the new one keep working. */
    assert_int_equal(ws_server_new(cfg, &live), WS_OK);

    all_conn_calls(freed, WS_E_BAD_HANDLE);
    all_conn_calls((ws_conn *)cfg, WS_E_BAD_HANDLE);       /* a config is not a conn */
    all_conn_calls((ws_conn *)freed_cfg, WS_E_BAD_HANDLE); /* nor a freed config */
    all_conn_calls(GARBAGE1, WS_E_BAD_HANDLE);
    all_conn_calls(GARBAGE2, WS_E_BAD_HANDLE);
    int local;
    all_conn_calls((ws_conn *)&local, WS_E_BAD_HANDLE);

    all_config_calls(freed_cfg, WS_E_BAD_HANDLE);
    all_config_calls((ws_config *)live, WS_E_BAD_HANDLE); /* a conn is not a config */
    all_config_calls((ws_config *)freed, WS_E_BAD_HANDLE);
    all_config_calls((ws_config *)GARBAGE1, WS_E_BAD_HANDLE);
    all_config_calls((ws_config *)GARBAGE2, WS_E_BAD_HANDLE);

    /* After all that, the live objects are intact. */
    assert_int_equal(ws_state(live), WS_STATE_CONNECTING);
    assert_int_equal(ws_feed(live, UTIL_REQUEST, strlen(UTIL_REQUEST)), WS_OK);
    assert_int_equal(ws_state(live), WS_STATE_OPEN);
    ws_conn_free(live);
    assert_int_equal(ws_state(live), WS_E_BAD_HANDLE);
    ws_conn_free(live); /* double free: nothing happens */
    ws_config *cc = cfg_client();
    assert_int_equal(util_handshake(cc, cfg, &c2, &s2), WS_OK);
    free_pair(c2, s2);
    ws_config_free(cc);
    ws_config_free(cfg);
}

/* A length beyond any real buffer is refused before anything is read: the
 * buffers given here are one byte long. */
static void test_huge_lengths(void **state) {
    (void)state;
    ws_conn *c, *s;
    open_pair(&c, &s);
    const uint8_t one[1] = {0x81};
    uint8_t dst[1];
    ws_frame_header h;
    const uint8_t key[4] = {1, 2, 3, 4};
    const char *names[] = {"X-A"}, *values[] = {"1"};
    const size_t lens[] = {HUGE_LEN, BIG_LEN};
    for (int i = 0; i < 2; i++) {
        size_t n = lens[i];
        assert_int_equal(ws_feed(s, one, n), WS_E_ARG);
        assert_int_equal(ws_send_text(c, one, n), WS_E_ARG);
        assert_int_equal(ws_send_binary(c, one, n), WS_E_ARG);
        assert_int_equal(ws_send(c, WS_OP_BINARY, one, n, 0), WS_E_ARG);
        assert_int_equal(ws_send_frame(c, WS_OP_BINARY, 0, 1, one, n), WS_E_ARG);
        assert_int_equal(ws_ping(c, one, n), WS_E_ARG);
        assert_int_equal(ws_pong(c, one, n), WS_E_ARG);
        assert_int_equal(ws_close(c, 1000, one, n), WS_E_ARG);
        assert_int_equal(ws_consume(c, n), WS_E_ARG);
        assert_int_equal(ws_frame_parse_header(one, n, &h, NULL), WS_E_ARG);
        assert_int_equal(ws_mask(key, 0, one, dst, n), WS_E_ARG);
        assert_int_equal(ws_utf8_valid(one, n), WS_E_ARG);
    }
    assert_int_equal(ws_begin_message(c, WS_OP_BINARY, 0), WS_OK);
    assert_int_equal(ws_send_fragment(c, one, HUGE_LEN, 1), WS_E_ARG);
    assert_int_equal(ws_send_fragment(c, one, 1, 1), WS_OK);
    /* Nothing of the refused calls reached the output or the peer. */
    pump(c, s);
    ev_list l = {0};
    drain(s, &l);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.v[0].type, WS_EV_BINARY);
    assert_int_equal(l.v[0].len, 1);
    ev_list_free(&l);
    assert_int_equal(ws_state(c), WS_STATE_OPEN);
    assert_int_equal(ws_state(s), WS_STATE_OPEN);

    /* Header arrays: a huge count is refused before the arrays are read. */
    ws_config *scfg = util_config(WS_ROLE_SERVER, WS_OPT_MANUAL_ACCEPT, 1, 0);
    ws_config *ccfg = cfg_client();
    ws_conn *ms, *cl;
    assert_int_equal(ws_server_new(scfg, &ms), WS_OK);
    assert_int_equal(ws_feed_request(ms, "GET", "/", "HTTP/1.1", names, values, HUGE_LEN), WS_E_ARG);
    assert_int_equal(ws_feed(ms, UTIL_REQUEST, strlen(UTIL_REQUEST)), WS_OK);
    assert_int_equal(ws_accept(ms, NULL, NULL, names, values, HUGE_LEN), WS_E_ARG);
    assert_int_equal(ws_reject(ms, 400, NULL, names, values, HUGE_LEN), WS_E_ARG);
    assert_int_equal(ws_client_new(ccfg, "ws://h.example/", &cl), WS_OK);
    assert_int_equal(ws_feed_response(cl, 101, "x", names, values, HUGE_LEN), WS_E_ARG);
    assert_int_equal(ws_state(cl), WS_STATE_CONNECTING);
    assert_int_equal(ws_state(ms), WS_STATE_CONNECTING);
    ws_conn_free(ms);
    ws_conn_free(cl);
    ws_config_free(scfg);
    ws_config_free(ccfg);
    free_pair(c, s);
}

/* Zero lengths are fine everywhere, with or without a pointer. */
static void test_zero_lengths(void **state) {
    (void)state;
    ws_conn *c, *s;
    open_pair(&c, &s);
    assert_int_equal(ws_feed(s, NULL, 0), WS_OK);
    assert_int_equal(ws_feed(s, "", 0), WS_OK);
    assert_int_equal(ws_pending_events(s), 0);
    assert_int_equal(ws_send_text(c, NULL, 0), WS_OK);
    assert_int_equal(ws_send_binary(c, NULL, 0), WS_OK);
    assert_int_equal(ws_send(c, WS_OP_TEXT, "", 0, 0), WS_OK);
    assert_int_equal(ws_ping(c, NULL, 0), WS_OK);
    assert_int_equal(ws_pong(c, NULL, 0), WS_OK);
    assert_int_equal(ws_begin_message(c, WS_OP_BINARY, 0), WS_OK);
    assert_int_equal(ws_send_fragment(c, NULL, 0, 0), WS_OK);
    assert_int_equal(ws_send_fragment(c, NULL, 0, 1), WS_OK);
    assert_int_equal(ws_consume(c, 0), WS_OK);
    pump(c, s);
    ev_list l = {0};
    drain(s, &l);
    static const int types[] = {WS_EV_TEXT, WS_EV_BINARY, WS_EV_TEXT, WS_EV_PING, WS_EV_PONG, WS_EV_BINARY};
    assert_int_equal(l.n, 6);
    for (size_t i = 0; i < 6; i++) {
        assert_int_equal(l.v[i].type, types[i]);
        assert_int_equal(l.v[i].len, 0);
    }
    ev_list_free(&l);
    assert_int_equal(ws_utf8_valid(NULL, 0), 1);
    uint8_t key[4] = {1, 2, 3, 4};
    assert_int_equal(ws_mask(key, 2, NULL, NULL, 0), 2);
    ws_frame_header h;
    size_t need = 0;
    assert_int_equal(ws_frame_parse_header(NULL, 0, &h, &need), 0);
    assert_int_equal(need, 2);
    /* Close with code 0 and no reason. */
    assert_int_equal(ws_close(c, 0, NULL, 0), WS_OK);
    pump(c, s);
    drain(s, &l);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.v[0].type, WS_EV_CLOSE);
    assert_int_equal(l.v[0].code, WS_CLOSE_NO_STATUS);
    assert_int_equal(l.v[0].len, 0);
    ev_list_free(&l);
    free_pair(c, s);
}

/* NULL for each remaining pointer parameter. */
static void test_null_arguments(void **state) {
    (void)state;
    ws_config *cc = cfg_client(), *sc = cfg_server();
    ws_conn *c, *s;
    assert_int_equal(util_handshake(cc, sc, &c, &s), WS_OK);
    const char *str;
    const uint8_t *out;
    size_t len;
    const char *names[] = {"X-A"}, *values[] = {"1"}, *nullname[] = {NULL}, *nullvalue[] = {NULL};

    ws_conn *scratch;
    assert_int_equal(ws_client_new(cc, "ws://h/", NULL), WS_E_NULL);
    assert_int_equal(ws_client_new(cc, NULL, &scratch), WS_E_NULL);
    assert_int_equal(ws_server_new(sc, NULL), WS_E_NULL);
    assert_int_equal(ws_conn_new_open(sc, NULL, NULL, NULL), WS_E_NULL);
    assert_int_equal(ws_config_get(cc, WS_OPT_MAX_FRAME, NULL), WS_E_NULL);
    assert_int_equal(ws_feed(s, NULL, 3), WS_E_NULL);
    assert_int_equal(ws_next_event(s, NULL), WS_E_NULL);
    assert_int_equal(ws_next_events(s, NULL, 3), WS_E_NULL);
    assert_int_equal(ws_next_events(s, NULL, 0), 0);
    assert_int_equal(ws_send_text(c, NULL, 1), WS_E_NULL);
    assert_int_equal(ws_send_binary(c, NULL, 1), WS_E_NULL);
    assert_int_equal(ws_send(c, WS_OP_BINARY, NULL, 1, 0), WS_E_NULL);
    assert_int_equal(ws_send_frame(c, WS_OP_BINARY, 0, 1, NULL, 1), WS_E_NULL);
    assert_int_equal(ws_ping(c, NULL, 1), WS_E_NULL);
    assert_int_equal(ws_heartbeat_with(c, NULL, 1), WS_E_NULL);
    assert_int_equal(ws_pong(c, NULL, 1), WS_E_NULL);
    assert_int_equal(ws_close(c, 1000, NULL, 1), WS_E_NULL);
    assert_int_equal(ws_begin_message(c, WS_OP_TEXT, 0), WS_OK);
    assert_int_equal(ws_send_fragment(c, NULL, 1, 1), WS_E_NULL);
    assert_int_equal(ws_send_fragment(c, "x", 1, 1), WS_OK);
    assert_int_equal(ws_output(c, NULL, &len), WS_E_NULL);
    assert_int_equal(ws_output(c, &out, NULL), WS_E_NULL);
    assert_int_equal(ws_subprotocol(c, NULL), WS_E_NULL);
    assert_int_equal(ws_extensions(c, NULL), WS_E_NULL);
    /* ws_deflate_params fills only the non-NULL pointers. */
    assert_int_equal(ws_deflate_params(c, NULL, NULL, NULL, NULL), 0);
    assert_int_equal(ws_request_method(s, NULL), WS_E_NULL);
    assert_int_equal(ws_request_target(s, NULL), WS_E_NULL);
    assert_int_equal(ws_request_host(s, NULL), WS_E_NULL);
    assert_int_equal(ws_request_origin(s, NULL), WS_E_NULL);
    assert_int_equal(ws_request_header(s, NULL, 0, &str), WS_E_NULL);
    assert_int_equal(ws_request_header(s, "Host", 0, NULL), WS_E_NULL);
    assert_int_equal(ws_request_subprotocol(s, 0, NULL), WS_E_NULL);
    assert_int_equal(ws_request_extension(s, 0, NULL), WS_E_NULL);
    assert_int_equal(ws_accept(s, NULL, NULL, NULL, values, 1), WS_E_NULL);
    assert_int_equal(ws_accept(s, NULL, NULL, names, NULL, 1), WS_E_NULL);
    assert_int_equal(ws_accept(s, NULL, NULL, nullname, values, 1), WS_E_NULL);
    assert_int_equal(ws_reject(s, 400, NULL, names, nullvalue, 1), WS_E_NULL);
    assert_int_equal(ws_reject(s, 400, NULL, NULL, NULL, 1), WS_E_NULL);

    /* Handshake inputs. */
    ws_conn *fresh_s, *fresh_c;
    assert_int_equal(ws_server_new(sc, &fresh_s), WS_OK);
    assert_int_equal(ws_feed_request(fresh_s, NULL, "/", "HTTP/1.1", names, values, 1), WS_E_NULL);
    assert_int_equal(ws_feed_request(fresh_s, "GET", NULL, "HTTP/1.1", names, values, 1), WS_E_NULL);
    assert_int_equal(ws_feed_request(fresh_s, "GET", "/", NULL, names, values, 1), WS_E_NULL);
    assert_int_equal(ws_feed_request(fresh_s, "GET", "/", "HTTP/1.1", NULL, values, 1), WS_E_NULL);
    assert_int_equal(ws_feed_request(fresh_s, "GET", "/", "HTTP/1.1", names, NULL, 1), WS_E_NULL);
    assert_int_equal(ws_feed_request(fresh_s, "GET", "/", "HTTP/1.1", nullname, values, 1), WS_E_NULL);
    assert_int_equal(ws_state(fresh_s), WS_STATE_CONNECTING);
    assert_int_equal(ws_pending_events(fresh_s), 0);
    assert_int_equal(ws_client_new(cc, "ws://h.example/", &fresh_c), WS_OK);
    assert_int_equal(ws_feed_response(fresh_c, 101, "x", NULL, values, 1), WS_E_NULL);
    assert_int_equal(ws_feed_response(fresh_c, 101, "x", names, nullvalue, 1), WS_E_NULL);
    assert_int_equal(ws_state(fresh_c), WS_STATE_CONNECTING);

    /* Helpers. */
    ws_frame_header h;
    uint8_t buf[14];
    const uint8_t key[4] = {0};
    char acc[29];
    memset(&h, 0, sizeof h);
    assert_int_equal(ws_frame_parse_header(NULL, 2, &h, NULL), WS_E_NULL);
    assert_int_equal(ws_frame_parse_header("\x81\x00", 2, NULL, NULL), WS_E_NULL);
    assert_int_equal(ws_frame_encode_header(NULL, buf, sizeof buf), WS_E_NULL);
    assert_int_equal(ws_frame_encode_header(&h, NULL, sizeof buf), WS_E_NULL);
    assert_int_equal(ws_mask(NULL, 0, "ab", buf, 2), WS_E_NULL);
    assert_int_equal(ws_mask(key, 0, NULL, buf, 2), WS_E_NULL);
    assert_int_equal(ws_mask(key, 0, "ab", NULL, 2), WS_E_NULL);
    assert_int_equal(ws_random_mask(NULL), WS_E_NULL);
    assert_int_equal(ws_accept_key(NULL, acc), WS_E_NULL);
    assert_int_equal(ws_accept_key("dGhlIHNhbXBsZSBub25jZQ==", NULL), WS_E_NULL);
    assert_int_equal(ws_utf8_valid(NULL, 1), WS_E_NULL);
    /* ws_signal_forward's behaviour is tested in test_signals.c. */
    assert_int_equal(ws_signal_forward(NULL), WS_E_NULL);
    void *no_handler = NULL;
    assert_int_equal(ws_signal_forward(&no_handler), WS_E_ARG);
    ws_conn_free(fresh_s);
    ws_conn_free(fresh_c);
    free_pair(c, s);
    ws_config_free(cc);
    ws_config_free(sc);
}

/* ---- Connections and the opening handshake --------------------------------- */

static void test_client_new(void **state) {
    (void)state;
    ws_config *cc = cfg_client(), *sc = cfg_server();
    ws_conn *c = NULL;
    assert_int_equal(ws_client_new(cc, "ws://example.com/chat?room=1", &c), WS_OK);
    assert_non_null(c);
    assert_int_equal(ws_state(c), WS_STATE_CONNECTING);
    assert_int_equal(ws_hint(c), WS_HINT_NONE);
    assert_int_equal(ws_response_status(c), 0);
    assert_int_equal(ws_need(c), 1);
    char *req = take_text_output(c);
    assert_true(strncmp(req, "GET /chat?room=1 HTTP/1.1\r\n", 27) == 0);
    assert_non_null(strstr(req, "\r\nHost: example.com\r\n"));
    assert_non_null(strstr(req, "\r\nSec-WebSocket-Version: 13\r\n"));
    assert_non_null(strstr(req, "\r\nSec-WebSocket-Key: "));
    assert_int_equal(strcmp(req + strlen(req) - 4, "\r\n\r\n"), 0);
    free(req);
    ws_conn_free(c);

    assert_int_equal(ws_client_new(cc, "wss://example.com:8443", &c), WS_OK);
    req = take_text_output(c);
    assert_true(strncmp(req, "GET / HTTP/1.1\r\n", 16) == 0);
    assert_non_null(strstr(req, "\r\nHost: example.com:8443\r\n"));
    free(req);
    ws_conn_free(c);

    static const char *bad_urls[] = {"", "example.com/chat", "http://example.com/", "ws://", "ws:// bad host/",
                                     "ws://example.com:99999/", "ws://example.com/#frag"};
    for (size_t i = 0; i < sizeof bad_urls / sizeof bad_urls[0]; i++)
        if (ws_client_new(cc, bad_urls[i], &c) != WS_E_ARG)
            fail_msg("ws_client_new accepted bad URL \"%s\"", bad_urls[i]);
    /* A server config cannot make a client, and vice versa. */
    assert_int_equal(ws_client_new(sc, "ws://example.com/", &c), WS_E_ARG);
    assert_int_equal(ws_server_new(cc, &c), WS_E_ARG);

    /* The config is copied: changing it later does not affect the conn. */
    ws_conn *c2;
    assert_int_equal(ws_client_new(cc, "ws://example.com/", &c2), WS_OK);
    assert_int_equal(ws_config_add_header(cc, "X-Later", "1"), WS_OK);
    req = take_text_output(c2);
    assert_null(strstr(req, "X-Later"));
    free(req);
    ws_config_free(cc); /* connections made from it are not affected */
    assert_int_equal(ws_state(c2), WS_STATE_CONNECTING);
    ws_conn_free(c2);
    ws_config_free(sc);
}

static void handshake_case(int deflate) {
    ws_config *cc = util_config(WS_ROLE_CLIENT, WS_OPT_DEFLATE, deflate, 0);
    ws_config *sc = util_config(WS_ROLE_SERVER, WS_OPT_DEFLATE, deflate, 0);
    assert_non_null(cc);
    assert_non_null(sc);
    assert_int_equal(ws_config_add_subprotocol(cc, "chat"), WS_OK);
    assert_int_equal(ws_config_add_subprotocol(cc, "superchat"), WS_OK);
    assert_int_equal(ws_config_add_subprotocol(sc, "superchat"), WS_OK);
    ws_conn *c, *s;
    const char *str;
    assert_int_equal(ws_client_new(cc, "ws://server.example.com/chat", &c), WS_OK);
    assert_int_equal(ws_server_new(sc, &s), WS_OK);
    assert_int_equal(ws_state(s), WS_STATE_CONNECTING);
    assert_int_equal(ws_need(s), 1);
    assert_int_equal(ws_subprotocol(c, &str), WS_OK);
    assert_string_equal(str, "");
    assert_int_equal(ws_extensions(c, &str), WS_OK);
    assert_string_equal(str, "");
    assert_int_equal(ws_deflate_params(c, NULL, NULL, NULL, NULL), 0);
    pump(c, s);

    ev_list l = {0};
    drain(s, &l);
    assert_int_equal(l.n, 2);
    assert_int_equal(l.v[0].type, WS_EV_REQUEST);
    assert_int_equal(l.v[1].type, WS_EV_OPEN);
    ev_list_free(&l);
    assert_int_equal(ws_state(s), WS_STATE_OPEN);
    char *resp = take_text_output(s);
    assert_true(strncmp(resp, "HTTP/1.1 101 ", 13) == 0);
    assert_non_null(strstr(resp, "\r\nSec-WebSocket-Protocol: superchat\r\n"));
    assert_int_equal(strstr(resp, "permessage-deflate") != NULL, deflate);
    assert_int_equal(ws_feed(c, resp, strlen(resp)), WS_OK);
    free(resp);
    drain(c, &l);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.v[0].type, WS_EV_OPEN);
    ev_list_free(&l);
    assert_int_equal(ws_state(c), WS_STATE_OPEN);
    assert_int_equal(ws_response_status(c), 101);
    assert_int_equal(ws_hint(c), WS_HINT_NONE);
    assert_int_equal(ws_hint(s), WS_HINT_NONE);
    assert_true(ws_need(c) >= 1);

    for (int side = 0; side < 2; side++) {
        ws_conn *x = side ? s : c;
        assert_int_equal(ws_subprotocol(x, &str), WS_OK);
        assert_string_equal(str, "superchat");
        assert_int_equal(ws_extensions(x, &str), WS_OK);
        int snct = -1, cnct = -1, smwb = -1, cmwb = -1;
        if (deflate) {
            assert_string_equal(str, "permessage-deflate");
            assert_int_equal(ws_deflate_params(x, &snct, &cnct, &smwb, &cmwb), 1);
            assert_int_equal(snct, 0);
            assert_int_equal(cnct, 0);
            assert_int_equal(smwb, 15);
            assert_int_equal(cmwb, 15);
        } else {
            assert_string_equal(str, "");
            assert_int_equal(ws_deflate_params(x, &snct, &cnct, &smwb, &cmwb), 0);
        }
    }
    /* Messages flow both ways; with deflate, a long one arrives compressed. */
    char big[300];
    memset(big, 'a', sizeof big);
    assert_int_equal(ws_send_text(c, big, sizeof big), WS_OK);
    assert_int_equal(ws_send_binary(s, "xyz", 3), WS_OK);
    pump(c, s);
    pump(s, c);
    drain(s, &l);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.v[0].type, WS_EV_TEXT);
    assert_int_equal(l.v[0].len, sizeof big);
    assert_memory_equal(l.v[0].data, big, sizeof big);
    assert_int_equal(l.v[0].flags, WS_EVF_FIRST | WS_EVF_LAST | (deflate ? WS_EVF_COMPRESSED : 0));
    ev_list_free(&l);
    drain(c, &l);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.v[0].type, WS_EV_BINARY);
    assert_string_equal((char *)l.v[0].data, "xyz");
    assert_int_equal(l.v[0].flags, WS_EVF_FIRST | WS_EVF_LAST); /* below the min size */
    ev_list_free(&l);
    free_pair(c, s);
    ws_config_free(cc);
    ws_config_free(sc);
}

static void test_handshake_plain(void **state) {
    (void)state;
    handshake_case(0);
}

static void test_handshake_deflate(void **state) {
    (void)state;
    handshake_case(1);
}

/* Negotiated permessage-deflate parameters, as both sides see them. */
static void test_deflate_negotiation(void **state) {
    (void)state;
    ws_config *cc = util_config(WS_ROLE_CLIENT, WS_OPT_DEFLATE, 1, WS_OPT_DEFLATE_SERVER_MAX_WINDOW_BITS, 10,
                                WS_OPT_DEFLATE_CLIENT_NO_CONTEXT_TAKEOVER, 1, 0);
    ws_config *sc = util_config(WS_ROLE_SERVER, WS_OPT_DEFLATE, 1, 0);
    assert_non_null(cc);
    assert_non_null(sc);
    ws_conn *c, *s;
    assert_int_equal(util_handshake(cc, sc, &c, &s), WS_OK);
    for (int side = 0; side < 2; side++) {
        int snct = -1, cnct = -1, smwb = -1, cmwb = -1;
        assert_int_equal(ws_deflate_params(side ? s : c, &snct, &cnct, &smwb, &cmwb), 1);
        assert_int_equal(snct, 0);
        assert_int_equal(cnct, 1);
        assert_int_equal(smwb, 10);
        assert_true(cmwb >= 8 && cmwb <= 15);
        const char *ext;
        assert_int_equal(ws_extensions(side ? s : c, &ext), WS_OK);
        assert_non_null(strstr(ext, "permessage-deflate"));
        assert_non_null(strstr(ext, "server_max_window_bits=10"));
        assert_non_null(strstr(ext, "client_no_context_takeover"));
    }
    /* Repetitive messages, compressed both ways, several times (context
     * kept on one side, dropped on the other). */
    char msg[4096];
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = "abcdefghij"[(i * i) % 10];
    ev_list l = {0};
    for (int round = 0; round < 3; round++) {
        assert_int_equal(ws_send_text(c, msg, sizeof msg), WS_OK);
        assert_int_equal(ws_send_text(s, msg, sizeof msg), WS_OK);
        const uint8_t *out;
        size_t len;
        assert_int_equal(ws_output(s, &out, &len), WS_OK);
        assert_true(len < sizeof msg / 2); /* it really was compressed */
        pump(c, s);
        pump(s, c);
        for (int side = 0; side < 2; side++) {
            drain(side ? s : c, &l);
            assert_int_equal(l.n, 1);
            assert_int_equal(l.v[0].flags, WS_EVF_FIRST | WS_EVF_LAST | WS_EVF_COMPRESSED);
            assert_int_equal(l.v[0].len, sizeof msg);
            assert_memory_equal(l.v[0].data, msg, sizeof msg);
            ev_list_free(&l);
        }
    }
    free_pair(c, s);
    ws_config_free(cc);
    ws_config_free(sc);
}

/* Compression state belongs to one connection: another connection
 * compressing while this one is in the middle of a compressed fragmented
 * message must not disturb it (single-threaded, deterministic). */
static void test_deflate_connections_isolated(void **state) {
    (void)state;
    ws_config *cc = util_config(WS_ROLE_CLIENT, WS_OPT_DEFLATE, 1, 0);
    ws_config *sc = util_config(WS_ROLE_SERVER, WS_OPT_DEFLATE, 1, 0);
    ws_conn *ac, *as, *bc, *bs;
    assert_int_equal(util_handshake(cc, sc, &ac, &as), WS_OK);
    assert_int_equal(util_handshake(cc, sc, &bc, &bs), WS_OK);
    char a1[100], b1[100], x[100];
    memset(a1, 'a', sizeof a1);
    memset(b1, 'b', sizeof b1);
    for (int i = 0; i < 100; i++)
        x[i] = (char)(33 + (i * 37) % 90); /* the same 100 bytes sent by A and by B */
    assert_int_equal(ws_send_binary(ac, a1, 100), WS_OK);
    assert_int_equal(ws_begin_message(bc, WS_OP_BINARY, 0), WS_OK);
    assert_int_equal(ws_send_fragment(bc, b1, 100, 0), WS_OK);
    assert_int_equal(ws_send_binary(ac, x, 100), WS_OK); /* while B's message is open */
    assert_int_equal(ws_send_fragment(bc, x, 100, 1), WS_OK);
    pump(ac, as);
    pump(bc, bs);
    ev_list la = {0}, lb = {0};
    drain(as, &la);
    drain(bs, &lb);
    free_pair(ac, as);
    free_pair(bc, bs);
    ws_config_free(cc);
    ws_config_free(sc);
    assert_int_equal(la.n, 2);
    assert_memory_equal(la.v[1].data, x, 100);
    assert_int_equal(lb.n, 1);
    assert_int_equal(lb.v[0].type, WS_EV_BINARY);
    assert_int_equal(lb.v[0].len, 200);
    int ok = memcmp(lb.v[0].data, b1, 100) == 0 && memcmp(lb.v[0].data + 100, x, 100) == 0;
    ev_list_free(&la);
    ev_list_free(&lb);
    if (!ok)
        fail_msg("B's compressed message arrived corrupted: another connection's send changed its "
                 "compressor mid-message");
}

/* The handshake fed one byte at a time gives the same events. */
static void test_handshake_bytewise(void **state) {
    (void)state;
    ws_config *cc = cfg_client(), *sc = cfg_server();
    ws_conn *c, *s;
    assert_int_equal(ws_client_new(cc, "ws://server.example.com/chat", &c), WS_OK);
    assert_int_equal(ws_server_new(sc, &s), WS_OK);
    assert_int_equal(ws_send_text(c, "early", 5), WS_E_STATE);
    assert_true(util_pump(c, s, 1) > 0);
    assert_true(util_pump(s, c, 1) > 0);
    ev_list l = {0};
    drain(s, &l);
    assert_int_equal(l.n, 2);
    assert_int_equal(l.v[0].type, WS_EV_REQUEST);
    assert_int_equal(l.v[1].type, WS_EV_OPEN);
    ev_list_free(&l);
    drain(c, &l);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.v[0].type, WS_EV_OPEN);
    ev_list_free(&l);
    free_pair(c, s);
    ws_config_free(cc);
    ws_config_free(sc);
}

static void test_handshake_rejected(void **state) {
    (void)state;
    ws_config *sc = cfg_server();
    ws_conn *s;
    ev_list l = {0};
    /* Not a WebSocket request: 400 (or 426), REJECTED, closed. */
    assert_int_equal(ws_server_new(sc, &s), WS_OK);
    const char *bad = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    assert_int_equal(ws_feed(s, bad, strlen(bad)), WS_OK);
    drain(s, &l);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.v[0].type, WS_EV_REJECTED);
    assert_true(l.v[0].code == 400 || l.v[0].code == 426);
    assert_true(l.v[0].len > 0);
    char *resp = take_text_output(s);
    char want[32];
    snprintf(want, sizeof want, "HTTP/1.1 %d ", l.v[0].code);
    assert_true(strncmp(resp, want, strlen(want)) == 0);
    free(resp);
    ev_list_free(&l);
    assert_int_equal(ws_state(s), WS_STATE_CLOSED);
    assert_int_equal(ws_hint(s), WS_HINT_CLOSE);
    assert_true(strlen(ws_conn_failure(s)) > 0);
    assert_int_equal(ws_need(s), 0);
    assert_int_equal(ws_send_text(s, "x", 1), WS_E_CLOSED);
    ws_conn_free(s);

    /* Unsupported version: 426. */
    assert_int_equal(ws_server_new(sc, &s), WS_OK);
    const char *v8 = "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n";
    assert_int_equal(ws_feed(s, v8, strlen(v8)), WS_OK);
    drain(s, &l);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.v[0].type, WS_EV_REJECTED);
    assert_int_equal(l.v[0].code, 426);
    ev_list_free(&l);
    resp = take_text_output(s);
    assert_true(strncmp(resp, "HTTP/1.1 426 ", 13) == 0);
    free(resp);
    ws_conn_free(s);

    /* A head over WS_OPT_MAX_HANDSHAKE: 431. */
    ws_config *small = util_config(WS_ROLE_SERVER, WS_OPT_MAX_HANDSHAKE, 256, 0);
    assert_non_null(small);
    assert_int_equal(ws_server_new(small, &s), WS_OK);
    char head[600];
    snprintf(head, sizeof head, "GET / HTTP/1.1\r\nHost: x\r\nX-Pad: %0400d\r\n\r\n", 0);
    assert_int_equal(ws_feed(s, head, strlen(head)), WS_OK);
    drain(s, &l);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.v[0].type, WS_EV_REJECTED);
    assert_int_equal(l.v[0].code, 431);
    ev_list_free(&l);
    ws_conn_free(s);
    ws_config_free(small);

    /* EOF during the handshake: REJECTED. */
    assert_int_equal(ws_server_new(sc, &s), WS_OK);
    assert_int_equal(ws_feed(s, "GET / HT", 8), WS_OK);
    assert_int_equal(ws_feed_eof(s), WS_OK);
    drain(s, &l);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.v[0].type, WS_EV_REJECTED);
    ev_list_free(&l);
    assert_int_equal(ws_state(s), WS_STATE_CLOSED);
    assert_int_equal(ws_hint(s), WS_HINT_CLOSE);
    ws_conn_free(s);

    /* A client answered with 404: REJECTED with the status. */
    ws_config *cc = cfg_client();
    ws_conn *c;
    assert_int_equal(ws_client_new(cc, "ws://h.example/", &c), WS_OK);
    const char *nf = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
    assert_int_equal(ws_feed(c, nf, strlen(nf)), WS_OK);
    drain(c, &l);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.v[0].type, WS_EV_REJECTED);
    assert_int_equal(l.v[0].code, 404);
    ev_list_free(&l);
    assert_int_equal(ws_response_status(c), 404);
    assert_int_equal(ws_state(c), WS_STATE_CLOSED);
    assert_int_equal(ws_hint(c), WS_HINT_CLOSE);
    assert_true(strlen(ws_conn_failure(c)) > 0);
    ws_conn_free(c);
    ws_config_free(cc);
    ws_config_free(sc);
}

static void test_deflate_required(void **state) {
    (void)state;
    ev_list l = {0};
    ws_conn *c, *s;
    /* Server requires it; the client does not offer it: 400. */
    ws_config *cc = cfg_client();
    ws_config *sc = util_config(WS_ROLE_SERVER, WS_OPT_DEFLATE, 1, WS_OPT_DEFLATE_REQUIRED, 1, 0);
    assert_non_null(sc);
    assert_int_equal(ws_client_new(cc, "ws://h.example/", &c), WS_OK);
    assert_int_equal(ws_server_new(sc, &s), WS_OK);
    pump(c, s);
    drain(s, &l);
    const ev_copy *rej = ev_find(&l, WS_EV_REJECTED);
    assert_non_null(rej);
    assert_int_equal(rej->code, 400);
    assert_null(ev_find(&l, WS_EV_OPEN));
    ev_list_free(&l);
    free_pair(c, s);
    ws_config_free(cc);
    ws_config_free(sc);

    /* Client requires it; the server does not accept it: close 1010. */
    cc = util_config(WS_ROLE_CLIENT, WS_OPT_DEFLATE, 1, WS_OPT_DEFLATE_REQUIRED, 1, 0);
    sc = cfg_server();
    assert_non_null(cc);
    assert_int_equal(ws_client_new(cc, "ws://h.example/", &c), WS_OK);
    assert_int_equal(ws_server_new(sc, &s), WS_OK);
    pump(c, s);
    pump(s, c);
    drain(c, &l);
    const ev_copy *cl = ev_find(&l, WS_EV_CLOSE);
    assert_non_null(cl);
    assert_int_equal(cl->code, WS_CLOSE_MANDATORY_EXTENSION);
    assert_int_equal(cl->initiator, WS_CLOSED_BY_FAILURE);
    ev_list_free(&l);
    ws_frame_header h;
    uint8_t *p = take_frame(c, &h);
    assert_int_equal(h.opcode, WS_OP_CLOSE);
    assert_true(h.length >= 2);
    assert_int_equal(p[0] << 8 | p[1], 1010);
    free(p);
    free_pair(c, s);
    ws_config_free(cc);
    ws_config_free(sc);
}

/* ws_conn_new_open with an agreed permessage-deflate element. */
static void test_conn_new_open(void **state) {
    (void)state;
    ws_config *cc = cfg_client(), *sc = cfg_server();
    const char *ext = "permessage-deflate; client_no_context_takeover";
    ws_conn *c, *s;
    assert_int_equal(ws_conn_new_open(cc, "chat", ext, &c), WS_OK);
    assert_int_equal(ws_conn_new_open(sc, "chat", ext, &s), WS_OK);
    const char *str;
    for (int side = 0; side < 2; side++) {
        ws_conn *x = side ? s : c;
        assert_int_equal(ws_state(x), WS_STATE_OPEN);
        assert_int_equal(ws_subprotocol(x, &str), WS_OK);
        assert_string_equal(str, "chat");
        assert_int_equal(ws_extensions(x, &str), WS_OK);
        assert_string_equal(str, ext);
        int snct = -1, cnct = -1, smwb = -1, cmwb = -1;
        assert_int_equal(ws_deflate_params(x, &snct, &cnct, &smwb, &cmwb), 1);
        assert_int_equal(snct, 0);
        assert_int_equal(cnct, 1);
        assert_int_equal(smwb, 15);
        assert_int_equal(cmwb, 15);
        /* Only some pointers. */
        cnct = -1;
        assert_int_equal(ws_deflate_params(x, NULL, &cnct, NULL, NULL), 1);
        assert_int_equal(cnct, 1);
    }
    /* Compressed messages both ways, several, so no-context-takeover and
     * context takeover are both exercised. */
    char msg[200];
    for (int i = 0; i < 5; i++) {
        memset(msg, 'a' + i, sizeof msg);
        assert_int_equal(ws_send_text(c, msg, sizeof msg), WS_OK);
        assert_int_equal(ws_send_text(s, msg, sizeof msg), WS_OK);
    }
    pump(c, s);
    pump(s, c);
    for (int side = 0; side < 2; side++) {
        ev_list l = {0};
        drain(side ? s : c, &l);
        assert_int_equal(l.n, 5);
        for (int i = 0; i < 5; i++) {
            memset(msg, 'a' + i, sizeof msg);
            assert_int_equal(l.v[i].type, WS_EV_TEXT);
            assert_int_equal(l.v[i].flags, WS_EVF_FIRST | WS_EVF_LAST | WS_EVF_COMPRESSED);
            assert_int_equal(l.v[i].len, sizeof msg);
            assert_memory_equal(l.v[i].data, msg, sizeof msg);
        }
        ev_list_free(&l);
    }
    free_pair(c, s);

    /* No subprotocol, no extensions: NULL and "" both mean none. */
    assert_int_equal(ws_conn_new_open(sc, NULL, NULL, &s), WS_OK);
    assert_int_equal(ws_subprotocol(s, &str), WS_OK);
    assert_string_equal(str, "");
    assert_int_equal(ws_deflate_params(s, NULL, NULL, NULL, NULL), 0);
    ws_conn_free(s);
    assert_int_equal(ws_conn_new_open(sc, "", "", &s), WS_OK);
    assert_int_equal(ws_extensions(s, &str), WS_OK);
    assert_string_equal(str, "");
    ws_conn_free(s);

    /* Bad values. */
    assert_int_equal(ws_conn_new_open(sc, "two words", NULL, &s), WS_E_ARG);
    assert_int_equal(ws_conn_new_open(sc, NULL, "permessage-deflate; server_max_window_bits=7", &s), WS_E_ARG);
    assert_int_equal(ws_conn_new_open(sc, NULL, "permessage-deflate; bogus_param", &s), WS_E_ARG);
    assert_int_equal(ws_conn_new_open(sc, NULL, "permessage-deflate, permessage-deflate", &s), WS_E_ARG);
    assert_int_equal(ws_conn_new_open(sc, NULL, ";;", &s), WS_E_ARG);
    ws_config_free(cc);
    ws_config_free(sc);
}

/* ---- Input: ws_feed, ws_feed_eof, ws_need --------------------------------- */

static void test_feed_states(void **state) {
    (void)state;
    ws_conn *c, *s;
    ev_list l = {0};
    open_pair(&c, &s);
    /* ws_need: a frame header needs at least 2 bytes. */
    assert_true(ws_need(s) >= 1);
    assert_int_equal(ws_send_binary(c, "0123456789", 10), WS_OK);
    const uint8_t *out;
    size_t len;
    assert_int_equal(ws_output(c, &out, &len), WS_OK);
    assert_int_equal(len, 2 + 4 + 10);
    assert_int_equal(ws_feed(s, out, 1), WS_OK);
    assert_int_equal(ws_need(s), 1); /* the rest of the 2-byte header */
    assert_int_equal(ws_feed(s, out + 1, 1), WS_OK);
    assert_int_equal(ws_need(s), 4 + 10); /* the rest of the header (the mask key) and, the length being known, the payload */
    assert_int_equal(ws_feed(s, out + 2, 4), WS_OK);
    assert_int_equal(ws_need(s), 10); /* the payload */
    assert_int_equal(ws_feed(s, out + 6, 3), WS_OK);
    assert_int_equal(ws_need(s), 7);
    assert_int_equal(ws_pending_events(s), 0);
    assert_int_equal(ws_feed(s, out + 9, 7), WS_OK);
    assert_int_equal(ws_pending_events(s), 1);
    assert_int_equal(ws_consume(c, len), WS_OK);
    drain(s, &l);
    ev_list_free(&l);

    /* EOF without a close: 1006, initiator ABNORMALLY; again: nothing. */
    assert_int_equal(ws_feed_eof(s), WS_OK);
    drain(s, &l);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.v[0].type, WS_EV_CLOSE);
    assert_int_equal(l.v[0].code, WS_CLOSE_ABNORMAL);
    assert_int_equal(l.v[0].initiator, WS_CLOSED_ABNORMALLY);
    ev_list_free(&l);
    assert_int_equal(ws_state(s), WS_STATE_CLOSED);
    assert_int_equal(ws_hint(s), WS_HINT_CLOSE);
    assert_int_equal(ws_need(s), 0);
    /* Again: WS_E_CLOSED, and nothing changes. */
    assert_int_equal(ws_feed_eof(s), WS_E_CLOSED);
    assert_int_equal(ws_pending_events(s), 0);
    assert_int_equal(ws_state(s), WS_STATE_CLOSED);
    /* Feed after EOF: WS_E_STATE. */
    assert_int_equal(ws_feed(s, "x", 1), WS_E_STATE);
    assert_int_equal(ws_feed(s, NULL, 0), WS_E_STATE);
    free_pair(c, s);

    /* Bytes after the connection closed are discarded (WS_OK). */
    open_pair(&c, &s);
    assert_int_equal(ws_close(c, 1000, NULL, 0), WS_OK);
    pump(c, s);
    drain(s, &l); /* taking the close queues the reply */
    pump(s, c);
    drain(c, &l);
    ev_list_free(&l);
    assert_int_equal(ws_state(c), WS_STATE_CLOSED);
    assert_int_equal(ws_feed(c, "\x81\x02hi", 4), WS_OK);
    assert_int_equal(ws_pending_events(c), 0);
    free_pair(c, s);
}

/* ---- Sending ------------------------------------------------------------ */

static void test_send_states(void **state) {
    (void)state;
    ws_config *cc = cfg_client(), *sc = cfg_server();
    ws_conn *c, *s;
    /* Before the handshake: WS_E_STATE for every send. */
    assert_int_equal(ws_client_new(cc, "ws://h.example/", &c), WS_OK);
    assert_int_equal(ws_server_new(sc, &s), WS_OK);
    ws_conn *both[2] = {c, s};
    for (int i = 0; i < 2; i++) {
        ws_conn *x = both[i];
        size_t before = output_len(x);
        assert_int_equal(ws_send_text(x, "a", 1), WS_E_STATE);
        assert_int_equal(ws_send_binary(x, "a", 1), WS_E_STATE);
        assert_int_equal(ws_send(x, WS_OP_TEXT, "a", 1, 0), WS_E_STATE);
        assert_int_equal(ws_begin_message(x, WS_OP_TEXT, 0), WS_E_STATE);
        assert_int_equal(ws_send_frame(x, WS_OP_BINARY, 0, 1, "a", 1), WS_E_STATE);
        assert_int_equal(ws_ping(x, "a", 1), WS_E_STATE);
        assert_int_equal(ws_pong(x, "a", 1), WS_E_STATE);
        assert_int_equal(ws_close(x, 1000, NULL, 0), WS_E_STATE);
        assert_int_equal(ws_heartbeat(x), WS_E_STATE);
        assert_int_equal(output_len(x), before);
    }
    free_pair(c, s);

    /* After ws_close: WS_E_CLOSED for every send, and no second close. */
    open_pair(&c, &s);
    assert_int_equal(ws_close(c, 1001, "going", 5), WS_OK);
    assert_int_equal(ws_state(c), WS_STATE_CLOSING);
    size_t before = output_len(c);
    assert_int_equal(ws_send_text(c, "a", 1), WS_E_CLOSED);
    assert_int_equal(ws_send_binary(c, "a", 1), WS_E_CLOSED);
    assert_int_equal(ws_send(c, WS_OP_BINARY, "a", 1, 0), WS_E_CLOSED);
    assert_int_equal(ws_begin_message(c, WS_OP_TEXT, 0), WS_E_CLOSED);
    assert_int_equal(ws_send_frame(c, WS_OP_BINARY, 0, 1, "a", 1), WS_E_CLOSED);
    assert_int_equal(ws_ping(c, "a", 1), WS_E_CLOSED);
    assert_int_equal(ws_pong(c, "a", 1), WS_E_CLOSED);
    assert_int_equal(ws_close(c, 1000, NULL, 0), WS_E_CLOSED);
    assert_int_equal(ws_heartbeat(c), WS_E_CLOSED);
    assert_int_equal(output_len(c), before);
    free_pair(c, s);
    ws_config_free(cc);
    ws_config_free(sc);
}

static void test_send_text_binary(void **state) {
    (void)state;
    ws_conn *c, *s;
    ev_list l = {0};
    open_pair(&c, &s);
    /* Sizes across the 7-bit, 16-bit and 64-bit length encodings. */
    static const size_t sizes[] = {0, 1, 125, 126, 65535, 65536, 200000};
    uint8_t *buf = malloc(200000), *copy = malloc(200000);
    assert_non_null(buf);
    for (size_t i = 0; i < 200000; i++)
        buf[i] = (uint8_t)(i * 7 + 3);
    memcpy(copy, buf, 200000);
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        assert_int_equal(ws_send_binary(c, buf, sizes[i]), WS_OK);
        assert_int_equal(ws_send_binary(s, buf, sizes[i]), WS_OK);
    }
    /* The caller's buffer is never modified (masking copies). */
    assert_memory_equal(buf, copy, 200000);
    pump(c, s);
    pump(s, c);
    for (int side = 0; side < 2; side++) {
        drain(side ? s : c, &l);
        assert_int_equal(l.n, sizeof sizes / sizeof sizes[0]);
        for (size_t i = 0; i < l.n; i++) {
            assert_int_equal(l.v[i].type, WS_EV_BINARY);
            assert_int_equal(l.v[i].opcode, WS_OP_BINARY);
            assert_int_equal(l.v[i].flags, WS_EVF_FIRST | WS_EVF_LAST);
            assert_int_equal(l.v[i].len, sizes[i]);
            if (sizes[i])
                assert_memory_equal(l.v[i].data, buf, sizes[i]);
        }
        ev_list_free(&l);
    }
    free(buf);
    free(copy);

    /* Text: UTF-8 required. */
    const char *utf8 = "h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80";
    assert_int_equal(ws_send_text(c, utf8, strlen(utf8)), WS_OK);
    assert_int_equal(ws_send(c, WS_OP_TEXT, utf8, strlen(utf8), 0), WS_OK);
    size_t before = output_len(c);
    assert_int_equal(ws_send_text(c, "\xff\xfe", 2), WS_E_ARG);
    assert_int_equal(ws_send_text(c, "\xe2\x82", 2), WS_E_ARG); /* truncated */
    assert_int_equal(ws_send_text(c, "\xed\xa0\x80", 3), WS_E_ARG); /* surrogate */
    assert_int_equal(ws_send(c, WS_OP_TEXT, "\xc0\xaf", 2, 0), WS_E_ARG); /* overlong */
    assert_int_equal(output_len(c), before);
    /* Bad opcodes. */
    assert_int_equal(ws_send(c, WS_OP_PING, "a", 1, 0), WS_E_ARG);
    assert_int_equal(ws_send(c, WS_OP_CLOSE, "a", 1, 0), WS_E_ARG);
    assert_int_equal(ws_send(c, WS_OP_CONTINUATION, "a", 1, 0), WS_E_ARG);
    assert_int_equal(ws_send(c, 3, "a", 1, 0), WS_E_ARG); /* reserved, unclaimed */
    assert_int_equal(ws_send(c, 16, "a", 1, 0), WS_E_ARG);
    assert_int_equal(ws_send(c, -1, "a", 1, 0), WS_E_ARG);
    assert_int_equal(output_len(c), before);
    pump(c, s);
    drain(s, &l);
    assert_int_equal(l.n, 2);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(l.v[i].type, WS_EV_TEXT);
        assert_int_equal(l.v[i].opcode, WS_OP_TEXT);
        assert_string_equal((char *)l.v[i].data, utf8);
    }
    ev_list_free(&l);
    free_pair(c, s);

    /* Without validation, invalid text may be sent. */
    ws_config *cc = util_config(WS_ROLE_CLIENT, WS_OPT_VALIDATE_UTF8, 0, 0);
    assert_non_null(cc);
    assert_int_equal(ws_conn_new_open(cc, NULL, NULL, &c), WS_OK);
    assert_int_equal(ws_send_text(c, "\xff", 1), WS_OK);
    ws_conn_free(c);
    ws_config_free(cc);
}

static void test_send_flags_deflate(void **state) {
    (void)state;
    ws_config *cc = util_config(WS_ROLE_CLIENT, WS_OPT_DEFLATE, 1, 0);
    ws_config *sc = util_config(WS_ROLE_SERVER, WS_OPT_DEFLATE, 1, 0);
    ws_conn *c, *s;
    assert_int_equal(util_handshake(cc, sc, &c, &s), WS_OK);
    char longmsg[100];
    memset(longmsg, 'z', sizeof longmsg);
    assert_int_equal(ws_send(c, WS_OP_TEXT, "short", 5, 0), WS_OK);                  /* < 32: plain */
    assert_int_equal(ws_send(c, WS_OP_TEXT, "short", 5, WS_SEND_COMPRESS), WS_OK);   /* forced */
    assert_int_equal(ws_send(c, WS_OP_BINARY, longmsg, 100, 0), WS_OK);              /* compressed */
    assert_int_equal(ws_send(c, WS_OP_BINARY, longmsg, 100, WS_SEND_NO_COMPRESS), WS_OK);
    assert_int_equal(ws_begin_message(c, WS_OP_TEXT, WS_SEND_NO_COMPRESS), WS_OK);
    assert_int_equal(ws_send_fragment(c, longmsg, 50, 0), WS_OK);
    assert_int_equal(ws_send_fragment(c, longmsg, 50, 1), WS_OK);
    assert_int_equal(ws_begin_message(c, WS_OP_TEXT, 0), WS_OK);
    assert_int_equal(ws_send_fragment(c, longmsg, 50, 0), WS_OK);
    assert_int_equal(ws_ping(c, "between", 7), WS_OK);
    assert_int_equal(ws_send_fragment(c, longmsg, 50, 1), WS_OK);
    pump(c, s);
    ev_list l = {0};
    drain(s, &l);
    assert_int_equal(l.n, 7);
    static const int comp[] = {0, 1, 1, 0, 0, -1, 1};
    static const size_t lens[] = {5, 5, 100, 100, 100, 7, 100};
    for (int i = 0; i < 7; i++) {
        assert_int_equal(l.v[i].len, lens[i]);
        if (comp[i] < 0) {
            assert_int_equal(l.v[i].type, WS_EV_PING);
            continue;
        }
        assert_int_equal(!!(l.v[i].flags & WS_EVF_COMPRESSED), comp[i]);
        assert_int_equal(l.v[i].flags & (WS_EVF_FIRST | WS_EVF_LAST), WS_EVF_FIRST | WS_EVF_LAST);
        assert_int_equal(l.v[i].rsv, 0); /* RSV1 of deflate is not reported as rsv */
    }
    assert_memory_equal(l.v[6].data, longmsg, 100);
    ev_list_free(&l);
    /* RSV1 only on the first frame of a compressed fragmented message. */
    assert_int_equal(ws_begin_message(c, WS_OP_BINARY, 0), WS_OK);
    assert_int_equal(ws_send_fragment(c, longmsg, 100, 0), WS_OK);
    assert_int_equal(ws_send_fragment(c, longmsg, 100, 1), WS_OK);
    uint8_t *out;
    size_t len;
    assert_int_equal(util_take_output(c, &out, &len), WS_OK);
    ws_frame_header hs[4];
    int nh = 0;
    size_t off = 0;
    while (off < len && nh < 4) {
        int hl = ws_frame_parse_header(out + off, len - off, &hs[nh], NULL);
        assert_true(hl > 0);
        off += (size_t)hl + (size_t)hs[nh].length;
        nh++;
    }
    assert_int_equal(off, len);
    assert_int_equal(nh, 2);
    assert_int_equal(hs[0].rsv, WS_RSV1);
    assert_int_equal(hs[0].opcode, WS_OP_BINARY);
    assert_int_equal(hs[0].fin, 0);
    assert_int_equal(hs[1].rsv, 0);
    assert_int_equal(hs[1].opcode, WS_OP_CONTINUATION);
    assert_int_equal(hs[1].fin, 1);
    assert_int_equal(ws_feed(s, out, len), WS_OK);
    free(out);
    drain(s, &l);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.v[0].len, 200);
    ev_list_free(&l);
    free_pair(c, s);
    ws_config_free(cc);
    ws_config_free(sc);
}

static void test_fragmented(void **state) {
    (void)state;
    ws_conn *c, *s;
    ev_list l = {0};
    open_pair(&c, &s);
    assert_int_equal(ws_send_fragment(c, "x", 1, 1), WS_E_STATE); /* no message begun */
    assert_int_equal(ws_begin_message(c, WS_OP_PING, 0), WS_E_ARG);
    assert_int_equal(ws_begin_message(c, WS_OP_CONTINUATION, 0), WS_E_ARG);
    assert_int_equal(ws_begin_message(c, 3, 0), WS_E_ARG);
    assert_int_equal(ws_begin_message(c, WS_OP_TEXT, 0), WS_OK);
    assert_int_equal(ws_begin_message(c, WS_OP_TEXT, 0), WS_E_STATE); /* already begun */
    assert_int_equal(ws_send_text(c, "other", 5), WS_E_STATE);        /* no other message */
    assert_int_equal(ws_send_binary(c, "other", 5), WS_E_STATE);
    /* "Héllo €": the é and the € are split across fragments. */
    assert_int_equal(ws_send_fragment(c, "H\xc3", 2, 0), WS_OK);
    assert_int_equal(ws_ping(c, "p1", 2), WS_OK); /* a ping between fragments */
    assert_int_equal(ws_send_fragment(c, "\xa9llo \xe2", 6, 0), WS_OK);
    assert_int_equal(ws_send_fragment(c, "", 0, 0), WS_OK); /* empty fragment */
    assert_int_equal(ws_pong(c, "u", 1), WS_OK);
    assert_int_equal(ws_send_fragment(c, "\xff", 1, 0), WS_E_ARG);   /* invalid: refused */
    assert_int_equal(ws_send_fragment(c, "\x82", 1, 1), WS_E_ARG);   /* ends inside € */
    assert_int_equal(ws_send_fragment(c, "\x82\xac", 2, 1), WS_OK);
    assert_int_equal(ws_send_fragment(c, "x", 1, 1), WS_E_STATE); /* message ended */
    pump(c, s);
    drain(s, &l);
    assert_int_equal(l.n, 3);
    assert_int_equal(l.v[0].type, WS_EV_PING);
    assert_string_equal((char *)l.v[0].data, "p1");
    assert_int_equal(l.v[1].type, WS_EV_PONG);
    assert_string_equal((char *)l.v[1].data, "u");
    assert_int_equal(l.v[2].type, WS_EV_TEXT);
    assert_int_equal(l.v[2].flags, WS_EVF_FIRST | WS_EVF_LAST);
    assert_string_equal((char *)l.v[2].data, "H\xc3\xa9llo \xe2\x82\xac");
    ev_list_free(&l);
    /* The server answered the ping with a pong carrying its payload. */
    pump(s, c);
    drain(c, &l);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.v[0].type, WS_EV_PONG);
    assert_string_equal((char *)l.v[0].data, "p1");
    ev_list_free(&l);
    free_pair(c, s);
}

/* ws_close may be sent between fragments; the message begun can then not
 * go on: ws_send_fragment "returns as ws_send", i.e. WS_E_CLOSED once a
 * close frame was sent (WS_E_STATE is for "without ws_begin_message"). */
static void test_fragment_after_close(void **state) {
    (void)state;
    ws_conn *c, *s;
    open_pair(&c, &s);
    assert_int_equal(ws_begin_message(c, WS_OP_BINARY, 0), WS_OK);
    assert_int_equal(ws_send_fragment(c, "ab", 2, 0), WS_OK);
    assert_int_equal(ws_close(c, 1000, NULL, 0), WS_OK);
    int rc = ws_send_fragment(c, "cd", 2, 1);
    free_pair(c, s);
    assert_int_equal(rc, WS_E_CLOSED);
}

static void test_control_frames(void **state) {
    (void)state;
    ws_conn *c, *s;
    ev_list l = {0};
    open_pair(&c, &s);
    uint8_t p[126];
    memset(p, 'p', sizeof p);
    assert_int_equal(ws_ping(c, p, 125), WS_OK);
    assert_int_equal(ws_ping(c, p, 126), WS_E_ARG);
    assert_int_equal(ws_pong(c, p, 126), WS_E_ARG);
    assert_int_equal(ws_pong(c, p, 125), WS_OK);
    pump(c, s);
    drain(s, &l);
    assert_int_equal(l.n, 2);
    assert_int_equal(l.v[0].type, WS_EV_PING);
    assert_int_equal(l.v[0].opcode, WS_OP_PING);
    assert_int_equal(l.v[0].len, 125);
    assert_int_equal(l.v[1].type, WS_EV_PONG);
    assert_int_equal(l.v[1].opcode, WS_OP_PONG);
    ev_list_free(&l);
    /* Auto pong queued. */
    ws_frame_header h;
    uint8_t *pl = take_frame(s, &h);
    assert_int_equal(h.opcode, WS_OP_PONG);
    assert_int_equal(h.length, 125);
    assert_int_equal(h.masked, 0); /* server frames are not masked */
    assert_memory_equal(pl, p, 125);
    free(pl);
    free_pair(c, s);

    /* WS_OPT_AUTO_PONG 0: the ping is reported, nothing is queued. */
    ws_config *cc = cfg_client();
    ws_config *sc = util_config(WS_ROLE_SERVER, WS_OPT_AUTO_PONG, 0, 0);
    assert_int_equal(util_open_pair(cc, sc, &c, &s), WS_OK);
    assert_int_equal(ws_ping(c, "q", 1), WS_OK);
    pump(c, s);
    drain(s, &l);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.v[0].type, WS_EV_PING);
    ev_list_free(&l);
    assert_int_equal(output_len(s), 0);
    /* Client frames are masked. */
    assert_int_equal(ws_ping(c, "q", 1), WS_OK);
    pl = take_frame(c, &h);
    assert_int_equal(h.masked, 1);
    assert_string_equal((char *)pl, "q");
    free(pl);
    free_pair(c, s);
    ws_config_free(cc);
    ws_config_free(sc);
}

/* Application-claimed opcodes and RSV bits through ws_send_frame. */
static void test_extension_frames(void **state) {
    (void)state;
    const int claim = (1 << 3) | (1 << 11);
    ws_config *cc = util_config(WS_ROLE_CLIENT, WS_OPT_ALLOW_OPCODES, claim, WS_OPT_ALLOW_RSV, WS_RSV2, 0);
    ws_config *sc = util_config(WS_ROLE_SERVER, WS_OPT_ALLOW_OPCODES, claim, WS_OPT_ALLOW_RSV, WS_RSV2, 0);
    assert_non_null(cc);
    assert_non_null(sc);
    ws_conn *c, *s;
    assert_int_equal(util_open_pair(cc, sc, &c, &s), WS_OK);
    assert_int_equal(ws_send(c, 3, "data3", 5, 0), WS_OK);
    assert_int_equal(ws_send_frame(c, 11, 0, 1, "ctl", 3), WS_OK);
    assert_int_equal(ws_send_frame(c, WS_OP_BINARY, WS_RSV2, 1, "r2", 2), WS_OK);
    assert_int_equal(ws_send_frame(c, WS_OP_BINARY, WS_RSV3, 1, "r3", 2), WS_E_ARG); /* unclaimed bit */
    assert_int_equal(ws_send_frame(c, 4, 0, 1, "x", 1), WS_E_ARG);                 /* unclaimed opcode */
    assert_int_equal(ws_send_frame(c, WS_OP_CLOSE, 0, 1, "", 0), WS_E_ARG);          /* use ws_close */
    assert_int_equal(ws_send_frame(c, WS_OP_PING, 0, 0, "x", 1), WS_E_ARG);          /* fragmented control */
    uint8_t big[126] = {0};
    assert_int_equal(ws_send_frame(c, WS_OP_PING, 0, 1, big, 126), WS_E_ARG);
    /* A data frame without fin starts a message continued by ws_send_fragment. */
    assert_int_equal(ws_send_frame(c, 3, 0, 0, "ab", 2), WS_OK);
    assert_int_equal(ws_send_frame(c, WS_OP_CONTINUATION, 0, 1, "cd", 2), WS_OK);
    pump(c, s);
    ev_list l = {0};
    drain(s, &l);
    assert_int_equal(l.n, 4);
    assert_int_equal(l.v[0].type, WS_EV_DATA);
    assert_int_equal(l.v[0].opcode, 3);
    assert_string_equal((char *)l.v[0].data, "data3");
    assert_int_equal(l.v[1].type, WS_EV_CONTROL);
    assert_int_equal(l.v[1].opcode, 11);
    assert_string_equal((char *)l.v[1].data, "ctl");
    assert_int_equal(l.v[2].type, WS_EV_BINARY);
    assert_int_equal(l.v[2].rsv, WS_RSV2);
    assert_int_equal(l.v[3].type, WS_EV_DATA);
    assert_string_equal((char *)l.v[3].data, "abcd");
    ev_list_free(&l);
    free_pair(c, s);

    /* RSV1 belongs to permessage-deflate: claiming it with WS_OPT_DEFLATE
     * makes a config no connection can be made from. */
    ws_config *both = util_config(WS_ROLE_SERVER, WS_OPT_DEFLATE, 1, WS_OPT_ALLOW_RSV, WS_RSV1, 0);
    assert_non_null(both);
    assert_int_equal(ws_server_new(both, &s), WS_E_ARG);
    assert_int_equal(ws_conn_new_open(both, NULL, "permessage-deflate", &s), WS_E_ARG);
    ws_config_free(both);
    /* Without deflate RSV1 may be claimed. */
    both = util_config(WS_ROLE_SERVER, WS_OPT_ALLOW_RSV, WS_RSV1, 0);
    assert_int_equal(ws_conn_new_open(both, NULL, NULL, &s), WS_OK);
    ws_conn_free(s);
    ws_config_free(both);

    /* A peer that did not claim them fails the connection with 1002. */
    ws_config *plain = cfg_server();
    assert_int_equal(ws_conn_new_open(cc, NULL, NULL, &c), WS_OK);
    assert_int_equal(ws_conn_new_open(plain, NULL, NULL, &s), WS_OK);
    assert_int_equal(ws_send(c, 3, "x", 1, 0), WS_OK);
    pump(c, s);
    drain(s, &l);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.v[0].type, WS_EV_CLOSE);
    assert_int_equal(l.v[0].code, WS_CLOSE_PROTOCOL_ERROR);
    assert_int_equal(l.v[0].initiator, WS_CLOSED_BY_FAILURE);
    ev_list_free(&l);
    free_pair(c, s);
    ws_config_free(plain);
    ws_config_free(cc);
    ws_config_free(sc);
}

/* ---- Output: cap and partial consumption -------------------------------- */

static void test_output_cap_consume(void **state) {
    (void)state;
    ws_config *cc = cfg_client();
    ws_config *sc = util_config(WS_ROLE_SERVER, WS_OPT_MAX_OUTPUT, 1000, 0);
    ws_conn *c, *s;
    assert_int_equal(util_open_pair(cc, sc, &c, &s), WS_OK);
    /* Backpressure: a send into a queue below the cap is accepted whole
     * (even past the cap); while the queue holds at least the cap, data
     * sends fail with WS_E_OUTPUT_FULL and queue nothing. */
    uint8_t buf[2000];
    memset(buf, 'o', sizeof buf);
    assert_int_equal(ws_send_binary(s, buf, 500), WS_OK);
    assert_int_equal(ws_begin_message(s, WS_OP_BINARY, 0), WS_OK);
    assert_int_equal(ws_send_fragment(s, buf, 10, 0), WS_OK);
    assert_int_equal(ws_send_fragment(s, buf, 600, 0), WS_OK); /* 514 + 600 > 1000: still whole */
    size_t full = output_len(s);
    assert_true(full >= 1000);
    assert_int_equal(ws_send_fragment(s, buf, 1, 1), WS_E_OUTPUT_FULL);
    assert_int_equal(ws_send_fragment(s, NULL, 0, 1), WS_E_OUTPUT_FULL);
    assert_int_equal(output_len(s), full); /* nothing queued */
    assert_int_equal(ws_consume(s, full - 999), WS_OK); /* 999 left: below the cap */
    assert_int_equal(ws_send_fragment(s, buf, 1, 1), WS_OK);
    size_t after_frag = full + 2 + 1;
    assert_int_equal(ws_consume(s, 0), WS_OK);
    assert_int_equal(output_len(s), after_frag - (full - 999));
    assert_int_equal(ws_send_binary(s, buf, 1), WS_E_OUTPUT_FULL);
    assert_int_equal(ws_send_text(s, "x", 1), WS_E_OUTPUT_FULL);
    assert_int_equal(ws_send(s, WS_OP_BINARY, buf, 0, 0), WS_E_OUTPUT_FULL);
    assert_int_equal(output_len(s), after_frag - (full - 999));
    /* A message larger than the cap can be sent into an empty queue; control
     * frames (not data sends) are queued regardless. */
    assert_int_equal(ws_ping(s, "p", 1), WS_OK);
    size_t with_ping = output_len(s);
    assert_int_equal(with_ping, after_frag - (full - 999) + 3);

    free_pair(c, s);

    /* Partial consumption: the rest is what follows, and the peer gets
     * everything whatever the split. */
    assert_int_equal(util_open_pair(cc, sc, &c, &s), WS_OK);
    assert_int_equal(ws_send_binary(s, buf, 500), WS_OK);
    assert_int_equal(ws_send_binary(s, buf, 2000), WS_OK); /* bigger than the cap, queue below it */
    const uint8_t *out;
    size_t len;
    assert_int_equal(ws_output(s, &out, &len), WS_OK);
    assert_int_equal(len, 4 + 500 + 4 + 2000);
    uint8_t *copy = malloc(len);
    memcpy(copy, out, len);
    assert_int_equal(ws_consume(s, len + 1), WS_E_ARG);
    assert_int_equal(ws_consume(s, 100), WS_OK);
    assert_int_equal(ws_output(s, &out, &len), WS_OK);
    assert_int_equal(len, 4 + 500 + 4 + 2000 - 100);
    assert_memory_equal(out, copy + 100, len);
    assert_int_equal(ws_feed(c, copy, 100), WS_OK);
    assert_int_equal(ws_feed(c, out, len), WS_OK);
    assert_int_equal(ws_consume(s, len), WS_OK);
    free(copy);
    assert_int_equal(ws_output(s, &out, &len), WS_OK);
    assert_int_equal(len, 0);
    assert_int_equal(ws_consume(s, 1), WS_E_ARG);
    ev_list l = {0};
    drain(c, &l);
    assert_int_equal(l.n, 2);
    assert_int_equal(l.v[0].len, 500);
    assert_int_equal(l.v[1].len, 2000);
    ev_list_free(&l);
    free_pair(c, s);
    ws_config_free(cc);
    ws_config_free(sc);
}

/* ---- Events ------------------------------------------------------------- */

/* A batch stops before a close: the messages that came with it can be
 * answered before taking the close queues the reply. */
static void test_batch_stops_before_close(void **state) {
    (void)state;
    ws_conn *c, *s;
    open_pair(&c, &s);
    assert_int_equal(ws_send_text(c, "one", 3), WS_OK);
    assert_int_equal(ws_send_text(c, "two", 3), WS_OK);
    assert_int_equal(ws_close(c, 1000, "bye", 3), WS_OK);
    pump(c, s);
    ws_event evs[8];
    evs[0].size = sizeof(ws_event);
    assert_int_equal(ws_next_events(s, evs, 8), 2);
    assert_int_equal(evs[1].type, WS_EV_TEXT);
    assert_int_equal(ws_state(s), WS_STATE_CLOSING);
    assert_int_equal(ws_send_text(s, evs[0].data, evs[0].len), WS_OK); /* still allowed */
    evs[0].size = sizeof(ws_event);
    assert_int_equal(ws_next_events(s, evs, 8), 1);
    assert_int_equal(evs[0].type, WS_EV_CLOSE);
    assert_int_equal(evs[0].initiator, WS_CLOSED_BY_PEER);
    assert_int_equal(ws_state(s), WS_STATE_CLOSED);
    assert_int_equal(ws_send_text(s, "late", 4), WS_E_CLOSED);
    free_pair(c, s);
}

/* ws_output_copy, and the header lists of both sides. */
static void test_output_copy_and_header_lists(void **state) {
    (void)state;
    ws_config *cc = util_config(WS_ROLE_CLIENT, 0, 0, 0);
    ws_config *sc = util_config(WS_ROLE_SERVER, 0, 0, 0);
    assert_int_equal(ws_config_add_header(cc, "X-Client", "c1"), WS_OK);
    assert_int_equal(ws_config_add_header(sc, "X-Server", "s1"), WS_OK);
    ws_conn *c = NULL, *s = NULL;
    assert_int_equal(ws_client_new(cc, "ws://h/x", &c), WS_OK);
    assert_int_equal(ws_server_new(sc, &s), WS_OK);
    const char *name = NULL, *value = NULL;
    assert_int_equal(ws_response_header_at(c, 0, &name, &value), WS_E_STATE);
    assert_int_equal(ws_response_header(c, "Upgrade", 0, &value), WS_E_STATE);

    /* Copy the request out in small pieces. */
    uint8_t buf[4096];
    size_t total = 0;
    int64_t n;
    while ((n = ws_output_copy(c, buf + total, 7)) > 0)
        total += (size_t)n;
    assert_int_equal(n, 0);
    assert_true(total > 100);
    assert_int_equal(ws_output_copy(c, NULL, 5), WS_E_NULL);
    assert_int_equal(ws_output_copy(c, buf, 0), 0);
    assert_int_equal(ws_feed(s, buf, total), WS_OK);

    /* The request's fields in order, names as sent. */
    int found_client = 0;
    size_t i = 0;
    for (; ws_request_header_at(s, i, &name, &value) == 1; i++) {
        assert_non_null(name);
        if (strcmp(name, "X-Client") == 0 && strcmp(value, "c1") == 0)
            found_client = 1;
    }
    assert_true(i >= 6);
    assert_true(found_client);
    assert_int_equal(ws_request_header_at(s, i, &name, &value), 0);
    assert_null(name);
    assert_int_equal(ws_request_header_at(s, 0, &name, &value), 1);
    assert_string_equal(name, "Host");
    assert_string_equal(value, "h");
    assert_int_equal(ws_request_header_at(s, 0, NULL, &value), WS_E_NULL);

    total = 0;
    while ((n = ws_output_copy(s, buf + total, sizeof buf - total)) > 0)
        total += (size_t)n;
    assert_int_equal(ws_feed(c, buf, total), WS_OK);
    assert_int_equal(ws_response_header(c, "x-server", 0, &value), 1);
    assert_string_equal(value, "s1");
    assert_int_equal(ws_response_header(c, "x-server", 1, &value), 0);
    assert_int_equal(ws_response_header(c, "Upgrade", 0, &value), 1);
    assert_string_equal(value, "websocket");
    assert_int_equal(ws_response_header_at(c, 0, &name, &value), 1);
    assert_string_equal(name, "Upgrade");
    assert_int_equal(ws_response_header_at(c, 99, &name, &value), 0);
    assert_int_equal(ws_response_header(c, NULL, 0, &value), WS_E_NULL);
    assert_int_equal(ws_response_header_at(NULL, 0, &name, &value), WS_E_NULL);
    ws_conn_free(c);
    ws_conn_free(s);
    assert_int_equal(ws_output_copy(c, buf, 5), WS_E_BAD_HANDLE);
    ws_config_free(cc);
    ws_config_free(sc);
}

/* ws_handshake_failure classifies failures; ws_config_set_key and
 * ws_client_key fix and read the client's key. */
static void test_handshake_failure_and_key(void **state) {
    (void)state;
    ws_config *cc = util_config(WS_ROLE_CLIENT, 0, 0, 0);
    ws_config *sc = util_config(WS_ROLE_SERVER, 0, 0, 0);
    const char *key = "dGhlIHNhbXBsZSBub25jZQ==";
    assert_int_equal(ws_config_set_key(cc, "bad"), WS_E_ARG);
    assert_int_equal(ws_config_set_key(sc, key), WS_E_ARG);
    assert_int_equal(ws_config_set_key(NULL, key), WS_E_NULL);
    assert_int_equal(ws_config_set_key(cc, key), WS_OK);
    ws_conn *c = NULL, *s = NULL;
    assert_int_equal(ws_client_new(cc, "ws://h/", &c), WS_OK);
    const char *got = NULL;
    assert_int_equal(ws_client_key(c, &got), WS_OK);
    assert_string_equal(got, key);
    assert_int_equal(ws_client_key(c, NULL), WS_E_NULL);
    const char *field = "unset";
    assert_int_equal(ws_handshake_failure(c, &field), WS_FAIL_NONE);
    assert_string_equal(field, "");
    /* A server answer with the wrong accept. */
    static const char bad_accept[] = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                                     "Connection: Upgrade\r\nSec-WebSocket-Accept: nope\r\n\r\n";
    assert_int_equal(ws_feed(c, bad_accept, sizeof bad_accept - 1), WS_OK);
    assert_int_equal(ws_handshake_failure(c, &field), WS_FAIL_ACCEPT);
    assert_string_equal(field, "Sec-WebSocket-Accept");
    assert_int_equal(ws_handshake_failure(c, NULL), WS_FAIL_ACCEPT);
    /* A request without a Host. */
    assert_int_equal(ws_server_new(sc, &s), WS_OK);
    static const char no_host[] = "GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    assert_int_equal(ws_feed(s, no_host, sizeof no_host - 1), WS_OK);
    assert_int_equal(ws_handshake_failure(s, &field), WS_FAIL_MISSING_HEADER);
    assert_string_equal(field, "Host");
    assert_int_equal(ws_client_key(s, &got), WS_E_STATE);
    assert_int_equal(ws_handshake_failure(NULL, &field), WS_E_NULL);
    ws_conn_free(c);
    ws_conn_free(s);
    assert_int_equal(ws_handshake_failure(c, &field), WS_E_BAD_HANDLE);
    ws_config_free(cc);
    ws_config_free(sc);
}

static void test_next_events_batch(void **state) {
    (void)state;
    ws_conn *c, *s;
    open_pair(&c, &s);
    for (int i = 0; i < 5; i++) {
        char m[16];
        snprintf(m, sizeof m, "m%d", i);
        assert_int_equal(ws_send_text(c, m, strlen(m)), WS_OK);
    }
    pump(c, s);
    assert_int_equal(ws_pending_events(s), 5);
    ws_event evs[8];
    memset(evs, 0, sizeof evs);
    /* evs[0].size too small (under 8, or unset): WS_E_ARG, nothing taken. */
    evs[0].size = 7;
    assert_int_equal(ws_next_events(s, evs, 8), WS_E_ARG);
    evs[0].size = 0;
    assert_int_equal(ws_next_events(s, evs, 8), WS_E_ARG);
    ws_event one;
    memset(&one, 0, sizeof one);
    assert_int_equal(ws_next_event(s, &one), WS_E_ARG);
    one.size = 7;
    assert_int_equal(ws_next_event(s, &one), WS_E_ARG);
    assert_int_equal(ws_pending_events(s), 5);
    assert_int_equal(ws_next_events(s, evs, 0), 0);
    /* Two, then the rest. */
    evs[0].size = sizeof(ws_event);
    assert_int_equal(ws_next_events(s, evs, 2), 2);
    assert_int_equal(ws_pending_events(s), 3);
    assert_int_equal(evs[0].type, WS_EV_TEXT);
    assert_int_equal(evs[0].len, 2);
    assert_memory_equal(evs[0].data, "m0", 2);
    assert_memory_equal(evs[1].data, "m1", 2);
    evs[0].size = sizeof(ws_event);
    assert_int_equal(ws_next_events(s, evs, 8), 3);
    for (int i = 0; i < 3; i++) {
        char m[16];
        snprintf(m, sizeof m, "m%d", i + 2);
        assert_int_equal(evs[i].type, WS_EV_TEXT);
        assert_int_equal(evs[i].flags, WS_EVF_FIRST | WS_EVF_LAST);
        assert_memory_equal(evs[i].data, m, 2);
    }
    evs[0].size = sizeof(ws_event);
    assert_int_equal(ws_next_events(s, evs, 8), 0);
    assert_int_equal(ws_pending_events(s), 0);

    /* A larger element (a newer caller's struct): events land at that
     * stride; bytes past the struct libws knows are not touched. */
    struct bigger {
        ws_event ev;
        uint8_t tail[24];
    } big[3];
    memset(big, 0xAB, sizeof big);
    big[0].ev.size = sizeof big[0];
    for (int i = 0; i < 3; i++)
        assert_int_equal(ws_send_binary(c, "bb", 2), WS_OK);
    pump(c, s);
    assert_int_equal(ws_next_events(s, &big[0].ev, 3), 3);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(big[i].ev.type, WS_EV_BINARY);
        assert_int_equal(big[i].ev.len, 2);
        assert_memory_equal(big[i].ev.data, "bb", 2);
        for (size_t j = 0; j < sizeof big[i].tail; j++)
            assert_int_equal(big[i].tail[j], 0xAB);
    }
    /* The same with ws_next_event. */
    assert_int_equal(ws_send_binary(c, "cc", 2), WS_OK);
    pump(c, s);
    memset(big, 0xAB, sizeof big);
    big[0].ev.size = sizeof big[0];
    assert_int_equal(ws_next_event(s, &big[0].ev), 1);
    assert_int_equal(big[0].ev.type, WS_EV_BINARY);
    assert_memory_equal(big[0].ev.data, "cc", 2);
    for (size_t j = 0; j < sizeof big[0].tail; j++)
        assert_int_equal(big[0].tail[j], 0xAB);
    assert_int_equal(ws_next_event(s, &big[0].ev), 0);

    /* A smaller (older) element: libws writes only the fields that fit in
     * size (at least 8) — here 16 bytes: size .. reserved1, no data/len —
     * at that stride. */
    union {
        ws_event align;
        uint8_t b[3 * 16 + 8];
    } small;
    memset(&small, 0xCD, sizeof small);
    const uint32_t sixteen = 16;
    memcpy(small.b, &sixteen, 4);
    assert_int_equal(ws_send_binary(c, "s1", 2), WS_OK);
    assert_int_equal(ws_ping(c, "s2", 2), WS_OK);
    assert_int_equal(ws_close(c, 3001, NULL, 0), WS_OK);
    pump(c, s);
    /* The close starts a batch of its own (see ws_next_events). */
    assert_int_equal(ws_next_events(s, &small.align, 3), 2);
    memcpy(small.b + 32, &sixteen, 4);
    assert_int_equal(ws_next_events(s, (ws_event *)(void *)(small.b + 32), 3), 1);
    for (int i = 0; i < 3; i++) {
        const uint8_t *e = small.b + 16 * i;
        static const uint8_t types[3] = {WS_EV_BINARY, WS_EV_PING, WS_EV_CLOSE};
        assert_int_equal(e[offsetof(ws_event, type)], types[i]);
        uint16_t code;
        memcpy(&code, e + offsetof(ws_event, code), 2);
        assert_int_equal(code, i == 2 ? 3001 : 0);
        if (i == 2)
            assert_int_equal(e[offsetof(ws_event, initiator)], WS_CLOSED_BY_PEER);
    }
    for (size_t j = 48; j < sizeof small.b; j++)
        assert_int_equal(small.b[j], 0xCD); /* nothing past 3 elements */
    free_pair(c, s);
}

/* Event data stays valid across ws_next_event calls (and sends, as in the
 * echo loop of ws.h) until the next ws_feed. */
static void test_event_data_lifetime(void **state) {
    (void)state;
    ws_conn *c, *s;
    open_pair(&c, &s);
    const char *msgs[] = {"first message", "second, longer message with more bytes", "3"};
    for (int i = 0; i < 3; i++)
        assert_int_equal(ws_send_text(c, msgs[i], strlen(msgs[i])), WS_OK);
    assert_int_equal(ws_ping(c, "ping!", 5), WS_OK);
    pump(c, s);
    ws_event evs[4];
    for (int i = 0; i < 4; i++) {
        memset(&evs[i], 0, sizeof evs[i]);
        evs[i].size = sizeof evs[i];
        assert_int_equal(ws_next_event(s, &evs[i]), 1);
        /* Echo it: sends and output calls do not invalidate event data. */
        if (evs[i].type == WS_EV_TEXT)
            assert_int_equal(ws_send_text(s, evs[i].data, evs[i].len), WS_OK);
        const uint8_t *out;
        size_t len;
        assert_int_equal(ws_output(s, &out, &len), WS_OK);
        assert_true(ws_pending_events(s) >= 0);
        assert_true(ws_memory(s) >= 0);
    }
    ws_event none;
    memset(&none, 0, sizeof none);
    none.size = sizeof none;
    assert_int_equal(ws_next_event(s, &none), 0);
    /* All four still hold their bytes. */
    for (int i = 0; i < 3; i++) {
        assert_int_equal(evs[i].type, WS_EV_TEXT);
        assert_int_equal(evs[i].len, strlen(msgs[i]));
        assert_memory_equal(evs[i].data, msgs[i], evs[i].len);
    }
    assert_int_equal(evs[3].type, WS_EV_PING);
    assert_memory_equal(evs[3].data, "ping!", 5);
    pump(s, c);
    ev_list l = {0};
    drain(c, &l);
    assert_int_equal(l.n, 4);
    assert_int_equal(l.v[0].type, WS_EV_PONG); /* queued while the ping was fed */
    assert_string_equal((char *)l.v[0].data, "ping!");
    for (int i = 0; i < 3; i++)
        assert_string_equal((char *)l.v[i + 1].data, msgs[i]);
    ev_list_free(&l);
    free_pair(c, s);
}

/* A stream of frames fed whole or one byte at a time gives the same events. */
static void test_bytewise_feeding(void **state) {
    (void)state;
    ws_config *cc = cfg_client(), *sc = cfg_server();
    ws_conn *c, *s1, *s2;
    assert_int_equal(ws_conn_new_open(cc, NULL, NULL, &c), WS_OK);
    assert_int_equal(ws_conn_new_open(sc, NULL, NULL, &s1), WS_OK);
    assert_int_equal(ws_conn_new_open(sc, NULL, NULL, &s2), WS_OK);
    uint8_t big[70000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)(i ^ (i >> 8));
    assert_int_equal(ws_send_text(c, "h\xc3\xa9llo", 6), WS_OK);
    assert_int_equal(ws_send_binary(c, big, 300), WS_OK);
    assert_int_equal(ws_ping(c, "pp", 2), WS_OK);
    assert_int_equal(ws_begin_message(c, WS_OP_TEXT, 0), WS_OK);
    assert_int_equal(ws_send_fragment(c, "ab\xe2", 3, 0), WS_OK);
    assert_int_equal(ws_pong(c, "qq", 2), WS_OK);
    assert_int_equal(ws_send_fragment(c, "\x82\xac", 2, 1), WS_OK);
    assert_int_equal(ws_send_binary(c, big, sizeof big), WS_OK);
    assert_int_equal(ws_send_text(c, NULL, 0), WS_OK);
    assert_int_equal(ws_close(c, 3000, "done", 4), WS_OK);
    uint8_t *out;
    size_t len;
    assert_int_equal(util_take_output(c, &out, &len), WS_OK);
    assert_int_equal(ws_feed(s1, out, len), WS_OK);
    ev_list whole = {0}, bytes = {0};
    drain(s1, &whole);
    /* One byte at a time, taking events as they come. */
    for (size_t i = 0; i < len; i++) {
        assert_int_equal(ws_feed(s2, out + i, 1), WS_OK);
        drain(s2, &bytes);
    }
    free(out);
    assert_int_equal(whole.n, 8);
    assert_int_equal(bytes.n, whole.n);
    for (size_t i = 0; i < whole.n; i++) {
        const ev_copy *a = &whole.v[i], *b = &bytes.v[i];
        assert_int_equal(a->type, b->type);
        assert_int_equal(a->opcode, b->opcode);
        assert_int_equal(a->flags, b->flags);
        assert_int_equal(a->code, b->code);
        assert_int_equal(a->initiator, b->initiator);
        assert_int_equal(a->len, b->len);
        if (a->len)
            assert_memory_equal(a->data, b->data, a->len);
    }
    assert_int_equal(whole.v[5].len, sizeof big);
    assert_memory_equal(whole.v[5].data, big, sizeof big);
    assert_int_equal(whole.v[7].type, WS_EV_CLOSE);
    assert_int_equal(whole.v[7].code, 3000);
    assert_string_equal((char *)whole.v[7].data, "done");
    ev_list_free(&whole);
    ev_list_free(&bytes);
    ws_conn_free(c);
    ws_conn_free(s1);
    ws_conn_free(s2);
    ws_config_free(cc);
    ws_config_free(sc);
}

/* WS_OPT_STREAMING: chunks as data arrives, with FIRST/LAST flags. */
static void test_streaming(void **state) {
    (void)state;
    ws_config *cc = cfg_client();
    ws_config *sc = util_config(WS_ROLE_SERVER, WS_OPT_STREAMING, 1, 0);
    ws_conn *c, *s;
    assert_int_equal(util_open_pair(cc, sc, &c, &s), WS_OK);
    uint8_t msg[3000];
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (uint8_t)i;
    assert_int_equal(ws_send_binary(c, msg, sizeof msg), WS_OK);
    uint8_t *out;
    size_t len;
    assert_int_equal(util_take_output(c, &out, &len), WS_OK);
    ev_list l = {0};
    for (size_t off = 0; off < len; off += 1000) {
        size_t n = len - off < 1000 ? len - off : 1000;
        assert_int_equal(ws_feed(s, out + off, n), WS_OK);
        drain(s, &l);
    }
    free(out);
    assert_true(l.n >= 3);
    size_t total = 0;
    for (size_t i = 0; i < l.n; i++) {
        assert_int_equal(l.v[i].type, WS_EV_BINARY);
        assert_int_equal(!!(l.v[i].flags & WS_EVF_FIRST), i == 0);
        assert_int_equal(!!(l.v[i].flags & WS_EVF_LAST), i == l.n - 1);
        assert_memory_equal(l.v[i].data, msg + total, l.v[i].len);
        total += l.v[i].len;
    }
    assert_int_equal(total, sizeof msg);
    ev_list_free(&l);

    /* Text fed byte by byte: every chunk ends on a character boundary. */
    const char *text = "\xe2\x82\xac\xf0\x9f\x98\x80 h\xc3\xa9 \xe2\x82\xac";
    assert_int_equal(ws_send_text(c, text, strlen(text)), WS_OK);
    assert_int_equal(util_take_output(c, &out, &len), WS_OK);
    for (size_t i = 0; i < len; i++) {
        assert_int_equal(ws_feed(s, out + i, 1), WS_OK);
        drain(s, &l);
    }
    free(out);
    assert_true(l.n >= 2);
    char joined[64] = "";
    for (size_t i = 0; i < l.n; i++) {
        assert_int_equal(l.v[i].type, WS_EV_TEXT);
        assert_int_equal(ws_utf8_valid(l.v[i].data, l.v[i].len), 1);
        assert_int_equal(!!(l.v[i].flags & WS_EVF_FIRST), i == 0);
        assert_int_equal(!!(l.v[i].flags & WS_EVF_LAST), i == l.n - 1);
        strncat(joined, (char *)l.v[i].data, l.v[i].len);
    }
    assert_string_equal(joined, text);
    ev_list_free(&l);
    free_pair(c, s);
    ws_config_free(sc);

    /* WS_OPT_CHUNK_PER_FRAME: one chunk per complete frame. */
    sc = util_config(WS_ROLE_SERVER, WS_OPT_STREAMING, 1, WS_OPT_CHUNK_PER_FRAME, 1, 0);
    assert_int_equal(util_open_pair(cc, sc, &c, &s), WS_OK);
    assert_int_equal(ws_begin_message(c, WS_OP_BINARY, 0), WS_OK);
    assert_int_equal(ws_send_fragment(c, "aaaa", 4, 0), WS_OK);
    assert_int_equal(ws_send_fragment(c, "bbbbbb", 6, 0), WS_OK);
    assert_int_equal(ws_send_fragment(c, "cc", 2, 1), WS_OK);
    assert_true(util_pump(c, s, 1) > 0);
    drain(s, &l);
    assert_int_equal(l.n, 3);
    assert_string_equal((char *)l.v[0].data, "aaaa");
    assert_int_equal(l.v[0].flags, WS_EVF_FIRST);
    assert_string_equal((char *)l.v[1].data, "bbbbbb");
    assert_int_equal(l.v[1].flags, 0);
    assert_string_equal((char *)l.v[2].data, "cc");
    assert_int_equal(l.v[2].flags, WS_EVF_LAST);
    ev_list_free(&l);
    free_pair(c, s);
    ws_config_free(cc);
    ws_config_free(sc);
}

/* ---- Closing ---------------------------------------------------------------- */

static void close_case(int client_first) {
    ws_conn *c, *s;
    ev_list l = {0};
    open_pair(&c, &s);
    ws_conn *a = client_first ? c : s, *b = client_first ? s : c;
    const int code = client_first ? WS_CLOSE_GOING_AWAY : 4000;
    const char *reason = client_first ? "bye" : "server says \xc3\xa9nough";
    assert_int_equal(ws_hint(a), WS_HINT_NONE);
    assert_int_equal(ws_close(a, code, reason, strlen(reason)), WS_OK);
    assert_int_equal(ws_state(a), WS_STATE_CLOSING);
    assert_int_equal(ws_pending_events(a), 0);
    /* b still sends before it sees the close: a still receives it. */
    assert_int_equal(ws_send_text(b, "late", 4), WS_OK);
    pump(b, a);
    drain(a, &l);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.v[0].type, WS_EV_TEXT);
    assert_string_equal((char *)l.v[0].data, "late");
    ev_list_free(&l);
    assert_int_equal(ws_state(a), WS_STATE_CLOSING);

    pump(a, b);
    /* The peer's close stops b's parsing, but b's reply is queued only when
     * b takes the event: until then b is CLOSING and may still answer. */
    assert_int_equal(ws_pending_events(b), 1);
    assert_int_equal(ws_state(b), WS_STATE_CLOSING);
    assert_int_equal(output_len(b), 0);
    assert_int_equal(ws_send_text(b, "answer", 6), WS_OK);
    size_t answered = output_len(b);
    drain(b, &l);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.v[0].type, WS_EV_CLOSE);
    assert_int_equal(l.v[0].code, code);
    assert_int_equal(l.v[0].initiator, WS_CLOSED_BY_PEER);
    assert_string_equal((char *)l.v[0].data, reason);
    ev_list_free(&l);
    assert_int_equal(ws_state(b), WS_STATE_CLOSED);
    assert_int_equal(ws_need(b), 0);
    /* Now b's reply follows the answer: the code echoed, without the
     * reason; b may send nothing more. */
    uint8_t *out;
    size_t len;
    assert_int_equal(ws_output(b, (const uint8_t **)&out, &len), WS_OK);
    assert_true(len > answered);
    ws_frame_header h;
    int hl = ws_frame_parse_header(out + answered, len - answered, &h, NULL);
    assert_true(hl >= 2);
    assert_int_equal(h.opcode, WS_OP_CLOSE);
    assert_int_equal(h.length, 2);
    uint8_t echo[2];
    if (h.masked)
        ws_mask(h.mask, 0, out + answered + hl, echo, 2);
    else
        memcpy(echo, out + answered + hl, 2);
    assert_int_equal(echo[0] << 8 | echo[1], code);
    assert_int_equal(ws_send_text(b, "x", 1), WS_E_CLOSED);
    assert_int_equal(ws_close(b, 1000, NULL, 0), WS_E_CLOSED);
    /* §7.1.1: the server closes TCP; the client only shuts down writing. */
    assert_int_equal(ws_hint(s), client_first ? WS_HINT_CLOSE : WS_HINT_NONE);
    if (!client_first)
        assert_int_equal(ws_hint(c), WS_HINT_SHUTDOWN_WRITE);

    pump(b, a);
    drain(a, &l);
    assert_int_equal(l.n, 2);
    assert_int_equal(l.v[0].type, WS_EV_TEXT);
    assert_string_equal((char *)l.v[0].data, "answer");
    assert_int_equal(l.v[1].type, WS_EV_CLOSE);
    assert_int_equal(l.v[1].code, code); /* the peer echoed our code */
    assert_int_equal(l.v[1].initiator, WS_CLOSED_BY_US);
    ev_list_free(&l);
    assert_int_equal(ws_state(a), WS_STATE_CLOSED);
    assert_int_equal(ws_hint(s), WS_HINT_CLOSE);
    assert_int_equal(ws_hint(c), WS_HINT_SHUTDOWN_WRITE);
    assert_string_equal(ws_conn_failure(a), "");
    assert_string_equal(ws_conn_failure(b), "");
    assert_int_equal(output_len(a), 0);
    /* The transport ends after a clean close: no further event. */
    assert_int_equal(ws_feed_eof(c), WS_OK);
    assert_int_equal(ws_pending_events(c), 0);
    assert_int_equal(ws_hint(c), WS_HINT_CLOSE);
    free_pair(c, s);
}

static void test_close_client_first(void **state) {
    (void)state;
    close_case(1);
}

static void test_close_server_first(void **state) {
    (void)state;
    close_case(0);
}

/* Calling ws_close before taking the peer's WS_EV_CLOSE answers it with
 * our own code and reason; taking the event then queues nothing more. */
static void test_close_reply_with_ws_close(void **state) {
    (void)state;
    ws_conn *c, *s;
    ev_list l = {0};
    open_pair(&c, &s);
    assert_int_equal(ws_close(c, 1001, "leaving", 7), WS_OK);
    pump(c, s);
    assert_int_equal(ws_state(s), WS_STATE_CLOSING);
    assert_int_equal(ws_close(s, 4001, "mine", 4), WS_OK);
    size_t queued = output_len(s);
    assert_true(queued > 0);
    assert_int_equal(ws_close(s, 1000, NULL, 0), WS_E_CLOSED);
    drain(s, &l);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.v[0].type, WS_EV_CLOSE);
    assert_int_equal(l.v[0].initiator, WS_CLOSED_BY_PEER);
    assert_int_equal(l.v[0].code, 1001);
    ev_list_free(&l);
    assert_int_equal(output_len(s), queued); /* no second close */
    assert_int_equal(ws_state(s), WS_STATE_CLOSED);
    ws_frame_header h;
    uint8_t *p = take_frame(s, &h);
    assert_int_equal(h.opcode, WS_OP_CLOSE);
    assert_int_equal(h.length, 6);
    assert_int_equal(p[0] << 8 | p[1], 4001);
    assert_memory_equal(p + 2, "mine", 4);
    free(p);
    free_pair(c, s);
}

static void test_close_arguments(void **state) {
    (void)state;
    ws_conn *c, *s;
    open_pair(&c, &s);
    const int bad[] = {-1, 1, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, 65535, 70000};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (ws_close(c, bad[i], NULL, 0) != WS_E_ARG)
            fail_msg("ws_close accepted code %d", bad[i]);
    char reason[124];
    memset(reason, 'r', sizeof reason);
    assert_int_equal(ws_close(c, 1000, reason, 124), WS_E_ARG);
    assert_int_equal(ws_close(c, 1000, "\xff", 1), WS_E_ARG);
    assert_int_equal(ws_close(c, 0, "why", 3), WS_E_ARG); /* a reason needs a code */
    assert_int_equal(output_len(c), 0);
    assert_int_equal(ws_state(c), WS_STATE_OPEN);
    assert_int_equal(ws_close(c, 1000, reason, 123), WS_OK);
    assert_int_equal(ws_close(c, 1000, NULL, 0), WS_E_CLOSED);
    pump(c, s);
    ev_list l = {0};
    drain(s, &l);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.v[0].len, 123);
    ev_list_free(&l);
    free_pair(c, s);
}

/* Invalid UTF-8 from the peer: close 1007 by failure, after the messages
 * that arrived intact before the fault. */
static void test_peer_invalid_utf8(void **state) {
    (void)state;
    ws_config *cc = util_config(WS_ROLE_CLIENT, WS_OPT_VALIDATE_UTF8, 0, 0);
    ws_config *sc = cfg_server();
    ws_conn *c, *s;
    assert_int_equal(util_open_pair(cc, sc, &c, &s), WS_OK);
    assert_int_equal(ws_send_text(c, "ok1", 3), WS_OK);
    assert_int_equal(ws_send_text(c, "bad\xff\xfe", 5), WS_OK);
    assert_int_equal(ws_send_text(c, "never", 5), WS_OK);
    pump(c, s);
    ev_list l = {0};
    drain(s, &l);
    assert_int_equal(l.n, 2);
    assert_int_equal(l.v[0].type, WS_EV_TEXT);
    assert_string_equal((char *)l.v[0].data, "ok1");
    assert_int_equal(l.v[1].type, WS_EV_CLOSE);
    assert_int_equal(l.v[1].code, WS_CLOSE_INVALID_PAYLOAD);
    assert_int_equal(l.v[1].initiator, WS_CLOSED_BY_FAILURE);
    assert_true(l.v[1].len > 0); /* says why */
    ev_list_free(&l);
    assert_int_equal(ws_state(s), WS_STATE_CLOSED);
    assert_int_equal(ws_hint(s), WS_HINT_CLOSE);
    assert_true(strlen(ws_conn_failure(s)) > 0);
    ws_frame_header h;
    uint8_t *p = take_frame(s, &h);
    assert_int_equal(h.opcode, WS_OP_CLOSE);
    assert_int_equal(h.fin, 1);
    assert_true(h.length >= 2);
    assert_int_equal(p[0] << 8 | p[1], 1007);
    assert_int_equal(ws_utf8_valid(p + 2, (size_t)h.length - 2), 1);
    free(p);
    assert_int_equal(output_len(s), 0);
    free_pair(c, s);
    ws_config_free(cc);
    ws_config_free(sc);
}

static void test_peer_faults(void **state) {
    (void)state;
    ev_list l = {0};
    ws_config *sc = util_config(WS_ROLE_SERVER, WS_OPT_MAX_MESSAGE, 100, 0);
    ws_config *cc = cfg_client();
    ws_conn *c, *s;
    /* An unmasked frame from a client: 1002. */
    assert_int_equal(ws_conn_new_open(sc, NULL, NULL, &s), WS_OK);
    assert_int_equal(ws_feed(s, "\x81\x02hi", 4), WS_OK);
    drain(s, &l);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.v[0].type, WS_EV_CLOSE);
    assert_int_equal(l.v[0].code, WS_CLOSE_PROTOCOL_ERROR);
    assert_int_equal(l.v[0].initiator, WS_CLOSED_BY_FAILURE);
    ev_list_free(&l);
    /* Later input is discarded. */
    assert_int_equal(ws_feed(s, "\x81\x02hi", 4), WS_OK);
    assert_int_equal(ws_pending_events(s), 0);
    ws_conn_free(s);
    /* Over WS_OPT_MAX_MESSAGE: 1009. */
    assert_int_equal(util_open_pair(cc, sc, &c, &s), WS_OK);
    uint8_t big[101] = {0};
    assert_int_equal(ws_send_binary(c, big, 100), WS_OK);
    assert_int_equal(ws_send_binary(c, big, 101), WS_OK);
    pump(c, s);
    drain(s, &l);
    assert_int_equal(l.n, 2);
    assert_int_equal(l.v[0].type, WS_EV_BINARY);
    assert_int_equal(l.v[1].type, WS_EV_CLOSE);
    assert_int_equal(l.v[1].code, WS_CLOSE_MESSAGE_TOO_BIG);
    assert_int_equal(l.v[1].initiator, WS_CLOSED_BY_FAILURE);
    ev_list_free(&l);
    free_pair(c, s);
    /* A close frame with an invalid code: 1002. */
    assert_int_equal(util_open_pair(cc, sc, &c, &s), WS_OK);
    ws_frame_header h = {.fin = 1, .opcode = WS_OP_CLOSE, .masked = 1, .mask = {1, 2, 3, 4}, .length = 2};
    uint8_t frame[16];
    int hl = ws_frame_encode_header(&h, frame, sizeof frame);
    assert_int_equal(hl, 6);
    uint8_t code[2] = {0x03, 0xED}; /* 1005 may not be sent */
    assert_int_equal(ws_mask(h.mask, 0, code, frame + hl, 2), 2);
    assert_int_equal(ws_feed(s, frame, (size_t)hl + 2), WS_OK);
    drain(s, &l);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.v[0].code, WS_CLOSE_PROTOCOL_ERROR);
    assert_int_equal(l.v[0].initiator, WS_CLOSED_BY_FAILURE);
    ev_list_free(&l);
    free_pair(c, s);
    ws_config_free(cc);
    ws_config_free(sc);
}

/* ---- Heartbeat -------------------------------------------------------------- */

static void test_heartbeat(void **state) {
    (void)state;
    ws_config *cc = util_config(WS_ROLE_CLIENT, WS_OPT_MAX_PINGS, 2, 0);
    ws_config *sc = cfg_server();
    ws_conn *c, *s;
    ev_list l = {0};
    assert_int_equal(util_open_pair(cc, sc, &c, &s), WS_OK);
    assert_int_equal(ws_unanswered_pings(c), 0);
    /* Answered pings reset the count. */
    assert_int_equal(ws_heartbeat(c), WS_OK);
    assert_int_equal(ws_unanswered_pings(c), 1);
    pump(c, s);
    pump(s, c);
    drain(c, &l);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.v[0].type, WS_EV_PONG);
    ev_list_free(&l);
    drain(s, &l);
    ev_list_free(&l);
    assert_int_equal(ws_unanswered_pings(c), 0);

    /* Each heartbeat ping carries a payload no other ping carries. */
    ws_frame_header h1, h2;
    assert_int_equal(ws_heartbeat(c), WS_OK);
    uint8_t *p1 = take_frame(c, &h1);
    assert_int_equal(ws_heartbeat(c), WS_OK);
    uint8_t *p2 = take_frame(c, &h2);
    assert_int_equal(h1.opcode, WS_OP_PING);
    assert_int_equal(h2.opcode, WS_OP_PING);
    assert_true(h1.length != h2.length || memcmp(p1, p2, (size_t)h1.length) != 0);
    free(p1);
    free(p2);
    assert_int_equal(ws_unanswered_pings(c), 2);
    assert_int_equal(ws_state(c), WS_STATE_OPEN);

    /* WS_OPT_MAX_PINGS (2) unanswered: the next heartbeat fails with 1008. */
    assert_int_equal(ws_heartbeat(c), WS_OK);
    drain(c, &l);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.v[0].type, WS_EV_CLOSE);
    assert_int_equal(l.v[0].code, WS_CLOSE_POLICY_VIOLATION);
    assert_int_equal(l.v[0].initiator, WS_CLOSED_BY_FAILURE);
    assert_non_null(strstr((char *)l.v[0].data, "Unanswered ping(s): 2"));
    ev_list_free(&l);
    assert_non_null(strstr(ws_conn_failure(c), "Unanswered ping(s): 2"));
    assert_int_equal(ws_state(c), WS_STATE_CLOSED);
    ws_frame_header h;
    uint8_t *p = take_frame(c, &h);
    assert_int_equal(h.opcode, WS_OP_CLOSE);
    assert_int_equal(p[0] << 8 | p[1], 1008);
    free(p);
    assert_int_equal(output_len(c), 0);
    /* Then WS_E_CLOSED, and never a second close. */
    assert_int_equal(ws_heartbeat(c), WS_E_CLOSED);
    assert_int_equal(ws_heartbeat(c), WS_E_CLOSED);
    assert_int_equal(output_len(c), 0);
    assert_int_equal(ws_pending_events(c), 0);
    free_pair(c, s);
    ws_config_free(cc);
    ws_config_free(sc);
}

/* ws_heartbeat_with: the host's payload goes out as is; a pong echoing any
 * of the last 16 outstanding payloads answers them all; over 125 bytes is
 * WS_E_ARG with nothing sent. */
static void test_heartbeat_with(void **state) {
    (void)state;
    ws_config *cc = util_config(WS_ROLE_CLIENT, WS_OPT_MAX_PINGS, 20, 0);
    ws_config *sc = cfg_server();
    ws_conn *c, *s;
    ev_list l = {0};
    assert_int_equal(util_open_pair(cc, sc, &c, &s), WS_OK);
    char big[126];
    memset(big, 'x', sizeof big);
    assert_int_equal(ws_heartbeat_with(c, big, sizeof big), WS_E_ARG);
    assert_int_equal(output_len(c), 0);
    assert_int_equal(ws_unanswered_pings(c), 0);
    const char *pl = "Mon Dec  7 12:00:00 2026 UTC: ping #1 (5f3a)";
    assert_int_equal(ws_heartbeat_with(c, pl, strlen(pl)), WS_OK);
    ws_frame_header h;
    uint8_t *p = take_frame(c, &h);
    assert_int_equal(h.opcode, WS_OP_PING);
    assert_string_equal((char *)p, pl);
    assert_int_equal(ws_heartbeat_with(c, big, 125), WS_OK);
    assert_int_equal(ws_unanswered_pings(c), 2);
    uint8_t *p2 = take_frame(c, &h);
    assert_int_equal(h.length, 125);
    free(p2);
    /* The peer answers the first only: both count as answered. */
    assert_int_equal(ws_pong(s, p, strlen(pl)), WS_OK);
    free(p);
    pump(s, c);
    drain(c, &l);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.v[0].type, WS_EV_PONG);
    ev_list_free(&l);
    assert_int_equal(ws_unanswered_pings(c), 0);
    free_pair(c, s);
    ws_config_free(cc);
    ws_config_free(sc);
}

/* WS_OPT_ECHO_CLOSE_REASON: the reply to a close repeats the reason too;
 * by default only the code. */
static void test_echo_close_reason(void **state) {
    (void)state;
    for (int echo = 0; echo <= 1; echo++) {
        ws_config *cc = cfg_client();
        ws_config *sc = util_config(WS_ROLE_SERVER, WS_OPT_ECHO_CLOSE_REASON, echo, 0);
        int64_t v = -1;
        assert_int_equal(ws_config_get(sc, WS_OPT_ECHO_CLOSE_REASON, &v), WS_OK);
        assert_int_equal(v, echo);
        ws_conn *c, *s;
        ev_list l = {0};
        assert_int_equal(util_open_pair(cc, sc, &c, &s), WS_OK);
        assert_int_equal(ws_close(c, 4001, "bye now", 7), WS_OK);
        pump(c, s);
        drain(s, &l);
        assert_int_equal(l.n, 1);
        assert_int_equal(l.v[0].type, WS_EV_CLOSE);
        ev_list_free(&l);
        ws_frame_header h;
        uint8_t *p = take_frame(s, &h);
        assert_int_equal(h.opcode, WS_OP_CLOSE);
        assert_int_equal(p[0] << 8 | p[1], 4001);
        assert_int_equal(h.length, echo ? 9 : 2);
        if (echo)
            assert_memory_equal(p + 2, "bye now", 7);
        free(p);
        free_pair(c, s);
        ws_config_free(cc);
        ws_config_free(sc);
    }
    ws_config *sc = cfg_server();
    assert_int_equal(ws_config_set(sc, WS_OPT_ECHO_CLOSE_REASON, 2), WS_E_ARG);
    ws_config_free(sc);
}

/* ws_heartbeat: "once closing or closed it sends nothing and returns
 * WS_E_CLOSED — never a second close". The peer's close arrived (state
 * WS_STATE_CLOSING until its event is taken): no ping, no 1008 close, one
 * WS_EV_CLOSE only. */
static void test_heartbeat_while_peer_closing(void **state) {
    (void)state;
    ws_config *cc = util_config(WS_ROLE_CLIENT, WS_OPT_MAX_PINGS, 1, 0);
    ws_config *sc = cfg_server();
    ws_conn *c, *s;
    ev_list l = {0};
    assert_int_equal(util_open_pair(cc, sc, &c, &s), WS_OK);
    /* One heartbeat ping, never answered: the next heartbeat would fail the
     * connection with 1008 if it were still open. */
    assert_int_equal(ws_heartbeat(c), WS_OK);
    assert_int_equal(ws_unanswered_pings(c), 1);
    char *ping = util_take_output_str(c);
    assert_non_null(ping);
    free(ping);
    assert_int_equal(ws_close(s, 1000, NULL, 0), WS_OK);
    pump(s, c);
    assert_int_equal(ws_state(c), WS_STATE_CLOSING);
    int hb = ws_heartbeat(c);
    size_t out = output_len(c);
    drain(c, &l);
    size_t closes = 0;
    for (size_t i = 0; i < l.n; i++)
        closes += l.v[i].type == WS_EV_CLOSE;
    int first_is_peer = l.n > 0 && l.v[0].type == WS_EV_CLOSE && l.v[0].initiator == WS_CLOSED_BY_PEER;
    ev_list_free(&l);
    free_pair(c, s);
    ws_config_free(cc);
    ws_config_free(sc);
    if (hb != WS_E_CLOSED || out != 0 || closes != 1 || !first_is_peer)
        fail_msg("heartbeat while CLOSING (peer's close pending): returned %d (want WS_E_CLOSED), queued %zu "
                 "bytes (want 0), %zu WS_EV_CLOSE events (want 1, by the peer)",
                 hb, out, closes);
}

/* ---- Server handshake: manual accept, reject, header arrays ----------------- */

static void manual_server(ws_config **scfg, ws_conn **c, ws_conn **s, ws_config **ccfg) {
    *scfg = util_config(WS_ROLE_SERVER, WS_OPT_MANUAL_ACCEPT, 1, 0);
    assert_non_null(*scfg);
    assert_int_equal(ws_config_add_subprotocol(*scfg, "a"), WS_OK);
    *ccfg = cfg_client();
    assert_int_equal(ws_config_add_subprotocol(*ccfg, "a"), WS_OK);
    assert_int_equal(ws_config_add_subprotocol(*ccfg, "b"), WS_OK);
    assert_int_equal(ws_config_set_origin(*ccfg, "https://o.example"), WS_OK);
    assert_int_equal(ws_config_add_header(*ccfg, "X-Token", "42"), WS_OK);
    assert_int_equal(ws_config_add_extension_offer(*ccfg, "x-my-ext; level=2"), WS_OK);
    assert_int_equal(ws_client_new(*ccfg, "ws://example.com:9000/path?q=1", c), WS_OK);
    assert_int_equal(ws_server_new(*scfg, s), WS_OK);
}

static void test_manual_accept(void **state) {
    (void)state;
    ws_config *sc, *cc;
    ws_conn *c, *s;
    const char *str;
    ev_list l = {0};
    manual_server(&sc, &c, &s, &cc);
    /* Before the request: WS_E_STATE. */
    assert_int_equal(ws_request_method(s, &str), WS_E_STATE);
    assert_int_equal(ws_request_header(s, "Host", 0, &str), WS_E_STATE);
    assert_int_equal(ws_accept(s, NULL, NULL, NULL, NULL, 0), WS_E_STATE);
    assert_int_equal(ws_reject(s, 400, NULL, NULL, NULL, 0), WS_E_STATE);
    pump(c, s);
    /* The client may send before the 101: kept until accepted. */
    ws_conn *c_open;
    assert_int_equal(ws_conn_new_open(cc, NULL, NULL, &c_open), WS_OK);
    assert_int_equal(ws_send_text(c_open, "held", 4), WS_OK);
    pump(c_open, s);
    ws_conn_free(c_open);

    drain(s, &l);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.v[0].type, WS_EV_REQUEST);
    ev_list_free(&l);
    assert_int_equal(ws_state(s), WS_STATE_CONNECTING);
    assert_int_equal(output_len(s), 0);

    assert_int_equal(ws_request_method(s, &str), WS_OK);
    assert_string_equal(str, "GET");
    assert_int_equal(ws_request_target(s, &str), WS_OK);
    assert_string_equal(str, "/path?q=1");
    assert_int_equal(ws_request_host(s, &str), WS_OK);
    assert_string_equal(str, "example.com:9000");
    assert_int_equal(ws_request_origin(s, &str), WS_OK);
    assert_string_equal(str, "https://o.example");
    assert_int_equal(ws_request_header(s, "x-token", 0, &str), 1);
    assert_string_equal(str, "42");
    assert_int_equal(ws_request_header(s, "X-TOKEN", 1, &str), 0);
    assert_int_equal(ws_request_header(s, "X-Absent", 0, &str), 0);
    assert_int_equal(ws_request_header(s, "Sec-WebSocket-Key", 0, &str), 1);
    assert_int_equal(strlen(str), 24);
    assert_int_equal(ws_request_subprotocol(s, 0, &str), 1);
    assert_string_equal(str, "a");
    assert_int_equal(ws_request_subprotocol(s, 1, &str), 1);
    assert_string_equal(str, "b");
    assert_int_equal(ws_request_subprotocol(s, 2, &str), 0);
    assert_int_equal(ws_request_subprotocol(s, (size_t)-1, &str), 0);
    assert_int_equal(ws_request_extension(s, 0, &str), 1);
    assert_string_equal(str, "x-my-ext; level=2");
    assert_int_equal(ws_request_extension(s, 1, &str), 0);

    /* Bad accepts change nothing. */
    const char *rn[] = {"Upgrade"}, *rv[] = {"x"};
    assert_int_equal(ws_accept(s, "zzz", NULL, NULL, NULL, 0), WS_E_ARG); /* not offered */
    assert_int_equal(ws_accept(s, NULL, NULL, rn, rv, 1), WS_E_ARG);      /* libws owns it */
    assert_int_equal(ws_accept(s, NULL, "x-not-offered", NULL, NULL, 0), WS_E_ARG);
    assert_int_equal(ws_state(s), WS_STATE_CONNECTING);
    assert_int_equal(output_len(s), 0);

    const char *names[] = {"X-Server"}, *values[] = {"yes"};
    assert_int_equal(ws_accept(s, "b", "x-my-ext", names, values, 1), WS_OK);
    assert_int_equal(ws_state(s), WS_STATE_OPEN);
    drain(s, &l);
    assert_int_equal(l.n, 2);
    assert_int_equal(l.v[0].type, WS_EV_OPEN);
    assert_int_equal(l.v[1].type, WS_EV_TEXT);
    assert_string_equal((char *)l.v[1].data, "held");
    ev_list_free(&l);
    /* The request stays readable after the handshake. */
    assert_int_equal(ws_request_target(s, &str), WS_OK);
    assert_string_equal(str, "/path?q=1");
    assert_int_equal(ws_accept(s, NULL, NULL, NULL, NULL, 0), WS_E_STATE); /* already accepted */
    assert_int_equal(ws_reject(s, 400, NULL, NULL, NULL, 0), WS_E_STATE);

    char *resp = take_text_output(s);
    assert_true(strncmp(resp, "HTTP/1.1 101 ", 13) == 0);
    assert_non_null(strstr(resp, "\r\nSec-WebSocket-Protocol: b\r\n"));
    assert_non_null(strstr(resp, "\r\nX-Server: yes\r\n"));
    assert_non_null(strstr(resp, "x-my-ext"));
    assert_int_equal(ws_feed(c, resp, strlen(resp)), WS_OK);
    free(resp);
    drain(c, &l);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.v[0].type, WS_EV_OPEN);
    ev_list_free(&l);
    assert_int_equal(ws_subprotocol(c, &str), WS_OK);
    assert_string_equal(str, "b");
    assert_int_equal(ws_extensions(c, &str), WS_OK);
    assert_non_null(strstr(str, "x-my-ext"));
    assert_int_equal(ws_response_status(c), 101);
    /* Request accessors on a client: no request. */
    assert_int_equal(ws_request_method(c, &str), WS_E_STATE);
    assert_int_equal(ws_accept(c, NULL, NULL, NULL, NULL, 0), WS_E_STATE);
    free_pair(c, s);

    /* Without WS_OPT_MANUAL_ACCEPT ws_accept is WS_E_STATE (already accepted). */
    ws_config *auto_cfg = cfg_server();
    assert_int_equal(ws_server_new(auto_cfg, &s), WS_OK);
    assert_int_equal(ws_accept(s, NULL, NULL, NULL, NULL, 0), WS_E_STATE);
    assert_int_equal(ws_feed(s, UTIL_REQUEST, strlen(UTIL_REQUEST)), WS_OK);
    assert_int_equal(ws_accept(s, NULL, NULL, NULL, NULL, 0), WS_E_STATE);
    assert_int_equal(ws_reject(s, 403, NULL, NULL, NULL, 0), WS_E_STATE);
    assert_int_equal(ws_state(s), WS_STATE_OPEN);
    ws_conn_free(s);
    ws_config_free(auto_cfg);
    ws_config_free(sc);
    ws_config_free(cc);
}

static void test_reject(void **state) {
    (void)state;
    ws_config *sc, *cc;
    ws_conn *c, *s;
    ev_list l = {0};
    manual_server(&sc, &c, &s, &cc);
    pump(c, s);
    drain(s, &l);
    ev_list_free(&l);
    assert_int_equal(ws_reject(s, 200, NULL, NULL, NULL, 0), WS_E_ARG);
    assert_int_equal(ws_reject(s, 399, NULL, NULL, NULL, 0), WS_E_ARG);
    assert_int_equal(ws_reject(s, 600, NULL, NULL, NULL, 0), WS_E_ARG);
    assert_int_equal(ws_state(s), WS_STATE_CONNECTING);
    const char *names[] = {"X-Why"}, *values[] = {"policy"};
    assert_int_equal(ws_reject(s, 403, "go away", names, values, 1), WS_OK);
    assert_int_equal(ws_state(s), WS_STATE_CLOSED);
    assert_int_equal(ws_hint(s), WS_HINT_CLOSE);
    assert_int_equal(ws_reject(s, 403, NULL, NULL, NULL, 0), WS_E_STATE);
    assert_int_equal(ws_accept(s, NULL, NULL, NULL, NULL, 0), WS_E_STATE);
    char *resp = take_text_output(s);
    assert_true(strncmp(resp, "HTTP/1.1 403 ", 13) == 0);
    assert_non_null(strstr(resp, "\r\nX-Why: policy\r\n"));
    assert_non_null(strstr(resp, "\r\n\r\ngo away"));
    assert_int_equal(ws_feed(c, resp, strlen(resp)), WS_OK);
    free(resp);
    drain(c, &l);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.v[0].type, WS_EV_REJECTED);
    assert_int_equal(l.v[0].code, 403);
    ev_list_free(&l);
    assert_int_equal(ws_response_status(c), 403);
    assert_int_equal(ws_state(c), WS_STATE_CLOSED);
    free_pair(c, s);

    ws_config_free(sc);
    ws_config_free(cc);

    /* A NULL body. */
    manual_server(&sc, &c, &s, &cc);
    ws_config_free(sc);
    ws_config_free(cc);
    pump(c, s);
    assert_int_equal(ws_reject(s, 503, NULL, NULL, NULL, 0), WS_OK);
    resp = take_text_output(s);
    assert_true(strncmp(resp, "HTTP/1.1 503 ", 13) == 0);
    free(resp);
    free_pair(c, s);
}

static void test_feed_request_response(void **state) {
    (void)state;
    ws_config *sc = cfg_server(), *cc = cfg_client();
    ws_conn *s, *c;
    ev_list l = {0};
    const char *names[] = {"Host", "upgrade", "CONNECTION", "Sec-WebSocket-Version", "Sec-WebSocket-Key", "X-Multi",
                           "x-multi"};
    const char *values[] = {"server.example.com", "websocket", "keep-alive, Upgrade", "13",
                            "dGhlIHNhbXBsZSBub25jZQ==", "one", "two"};
    assert_int_equal(ws_server_new(sc, &s), WS_OK);
    assert_int_equal(ws_feed_request(s, "GET", "/chat", "HTTP/1.1", names, values, 7), WS_OK);
    drain(s, &l);
    assert_int_equal(l.n, 2);
    assert_int_equal(l.v[0].type, WS_EV_REQUEST);
    assert_int_equal(l.v[1].type, WS_EV_OPEN);
    ev_list_free(&l);
    const char *str;
    assert_int_equal(ws_request_header(s, "X-Multi", 0, &str), 1);
    assert_string_equal(str, "one");
    assert_int_equal(ws_request_header(s, "X-Multi", 1, &str), 1);
    assert_string_equal(str, "two");
    assert_int_equal(ws_request_host(s, &str), WS_OK);
    assert_string_equal(str, "server.example.com");
    assert_int_equal(ws_request_origin(s, &str), WS_OK);
    assert_string_equal(str, ""); /* absent */
    char *resp = take_text_output(s);
    assert_non_null(strstr(resp, "\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"));
    free(resp);
    /* Not twice. */
    assert_int_equal(ws_feed_request(s, "GET", "/chat", "HTTP/1.1", names, values, 5), WS_E_STATE);
    ws_conn_free(s);

    /* Missing key: rejected with 400. */
    assert_int_equal(ws_server_new(sc, &s), WS_OK);
    assert_int_equal(ws_feed_request(s, "GET", "/chat", "HTTP/1.1", names, values, 4), WS_OK);
    drain(s, &l);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.v[0].type, WS_EV_REJECTED);
    assert_int_equal(l.v[0].code, 400);
    ev_list_free(&l);
    resp = take_text_output(s);
    assert_true(strncmp(resp, "HTTP/1.1 400 ", 13) == 0);
    free(resp);
    ws_conn_free(s);

    /* Client side: answer with the right accept value. */
    assert_int_equal(ws_client_new(cc, "ws://h.example/", &c), WS_OK);
    assert_int_equal(ws_feed_request(c, "GET", "/", "HTTP/1.1", names, values, 5), WS_E_STATE);
    char *req = take_text_output(c);
    const char *k = strstr(req, "Sec-WebSocket-Key: ");
    assert_non_null(k);
    char key[25];
    memcpy(key, k + 19, 24);
    key[24] = 0;
    free(req);
    char accept[29];
    assert_int_equal(ws_accept_key(key, accept), WS_OK);
    const char *rn[] = {"Upgrade", "Connection", "Sec-WebSocket-Accept"};
    const char *rv[] = {"websocket", "Upgrade", accept};
    assert_int_equal(ws_feed_response(c, 101, "Switching Protocols", rn, rv, 3), WS_OK);
    drain(c, &l);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.v[0].type, WS_EV_OPEN);
    ev_list_free(&l);
    assert_int_equal(ws_response_status(c), 101);
    assert_int_equal(ws_feed_response(c, 101, NULL, rn, rv, 3), WS_E_STATE);
    ws_conn_free(c);

    /* A wrong accept value: rejected. */
    assert_int_equal(ws_client_new(cc, "ws://h.example/", &c), WS_OK);
    const char *wrong[] = {"websocket", "Upgrade", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="};
    assert_int_equal(ws_feed_response(c, 101, "Switching Protocols", rn, wrong, 3), WS_OK);
    drain(c, &l);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.v[0].type, WS_EV_REJECTED);
    ev_list_free(&l);
    assert_int_equal(ws_state(c), WS_STATE_CLOSED);
    ws_conn_free(c);

    /* An error status with a NULL reason. */
    assert_int_equal(ws_client_new(cc, "ws://h.example/", &c), WS_OK);
    assert_int_equal(ws_feed_response(c, 503, NULL, NULL, NULL, 0), WS_OK);
    drain(c, &l);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.v[0].type, WS_EV_REJECTED);
    assert_int_equal(l.v[0].code, 503);
    ev_list_free(&l);
    assert_int_equal(ws_response_status(c), 503);
    ws_conn_free(c);

    /* ws_feed_response on a server. */
    assert_int_equal(ws_server_new(sc, &s), WS_OK);
    assert_int_equal(ws_feed_response(s, 101, "x", rn, rv, 3), WS_E_STATE);
    ws_conn_free(s);
    ws_config_free(sc);
    ws_config_free(cc);
}

/* ---- State helpers: memory, shrink ------------------------------------------ */

static void test_memory_shrink(void **state) {
    (void)state;
    ws_conn *c, *s;
    open_pair(&c, &s);
    uint8_t big[100000];
    memset(big, 'm', sizeof big);
    assert_int_equal(ws_send_binary(c, big, sizeof big), WS_OK);
    assert_true(ws_memory(c) >= (int64_t)sizeof big);
    pump(c, s);
    assert_true(ws_memory(s) >= (int64_t)sizeof big);
    ev_list l = {0};
    drain(s, &l);
    ev_list_free(&l);
    int64_t before = ws_memory(s);
    assert_int_equal(ws_shrink(s), WS_OK);
    int64_t after = ws_memory(s);
    assert_true(after >= 0);
    assert_true(after < before);
    assert_int_equal(ws_shrink(c), WS_OK);
    assert_true(ws_memory(c) < (int64_t)sizeof big);
    /* Still fully usable. */
    assert_int_equal(ws_send_text(c, "after", 5), WS_OK);
    pump(c, s);
    drain(s, &l);
    assert_int_equal(l.n, 1);
    assert_string_equal((char *)l.v[0].data, "after");
    ev_list_free(&l);
    free_pair(c, s);
}

/* ---- Frames, masks and helpers ------------------------------------------------ */

struct rfc_frame {
    const char *what;
    uint8_t bytes[16];
    size_t hlen, total;
    uint8_t fin, opcode, masked;
    uint64_t length;
};

static void test_frame_rfc_examples(void **state) {
    (void)state;
    /* RFC 6455 §5.7. */
    static const struct rfc_frame ex[] = {
        {"unmasked text Hello", {0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f}, 2, 7, 1, WS_OP_TEXT, 0, 5},
        {"masked text Hello",
         {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58},
         6, 11, 1, WS_OP_TEXT, 1, 5},
        {"fragment 1 Hel", {0x01, 0x03, 0x48, 0x65, 0x6c}, 2, 5, 0, WS_OP_TEXT, 0, 3},
        {"fragment 2 lo", {0x80, 0x02, 0x6c, 0x6f}, 2, 4, 1, WS_OP_CONTINUATION, 0, 2},
        {"unmasked ping Hello", {0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f}, 2, 7, 1, WS_OP_PING, 0, 5},
        {"masked pong Hello",
         {0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58},
         6, 11, 1, WS_OP_PONG, 1, 5},
        {"256 bytes binary", {0x82, 0x7E, 0x01, 0x00}, 4, 4, 1, WS_OP_BINARY, 0, 256},
        {"64KiB binary", {0x82, 0x7F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00}, 10, 10, 1, WS_OP_BINARY, 0,
         65536},
    };
    for (size_t i = 0; i < sizeof ex / sizeof ex[0]; i++) {
        ws_frame_header h;
        size_t need = 999;
        memset(&h, 0xEE, sizeof h);
        int hl = ws_frame_parse_header(ex[i].bytes, ex[i].total, &h, &need);
        if (hl != (int)ex[i].hlen)
            fail_msg("%s: header length %d, want %zu", ex[i].what, hl, ex[i].hlen);
        assert_int_equal(h.fin, ex[i].fin);
        assert_int_equal(h.rsv, 0);
        assert_int_equal(h.opcode, ex[i].opcode);
        assert_int_equal(h.masked, ex[i].masked);
        assert_int_equal(h.length, ex[i].length);
        if (h.masked) {
            static const uint8_t key[4] = {0x37, 0xfa, 0x21, 0x3d};
            assert_memory_equal(h.mask, key, 4);
            char plain[6] = {0};
            assert_int_equal(ws_mask(h.mask, 0, ex[i].bytes + hl, plain, 5), 1);
            assert_string_equal(plain, "Hello");
        }
        /* Encoding gives the same bytes back. */
        uint8_t enc[14];
        assert_int_equal(ws_frame_encode_header(&h, enc, sizeof enc), (int)ex[i].hlen);
        assert_memory_equal(enc, ex[i].bytes, ex[i].hlen);
        /* Need-more: every shorter prefix returns 0 and the full header
         * length once the length field is known. */
        for (size_t n = 0; n < ex[i].hlen; n++) {
            need = 0;
            assert_int_equal(ws_frame_parse_header(ex[i].bytes, n, &h, &need), 0);
            assert_true(need > n);
            assert_true(need <= ex[i].hlen);
            if (n >= 2)
                assert_int_equal(need, ex[i].hlen);
        }
        assert_int_equal(ws_frame_parse_header(ex[i].bytes, 1, &h, NULL), 0);
    }
    /* The first need is 2, then the extended length decides. */
    size_t need = 0;
    ws_frame_header h;
    assert_int_equal(ws_frame_parse_header("\x82", 1, &h, &need), 0);
    assert_int_equal(need, 2);
    assert_int_equal(ws_frame_parse_header("\x82\x7f", 2, &h, &need), 0);
    assert_int_equal(need, 10);
    assert_int_equal(ws_frame_parse_header("\x82\xff", 2, &h, &need), 0);
    assert_int_equal(need, 14);
}

static void test_frame_protocol_errors(void **state) {
    (void)state;
    static const struct {
        const char *what;
        uint8_t b[14];
        size_t n;
    } bad[] = {
        {"16-bit length 5", {0x82, 0x7E, 0x00, 0x05}, 4},
        {"16-bit length 125", {0x82, 0x7E, 0x00, 0x7D}, 4},
        {"64-bit length 5", {0x82, 0x7F, 0, 0, 0, 0, 0, 0, 0, 5}, 10},
        {"64-bit length 65535", {0x82, 0x7F, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF}, 10},
        {"64-bit top bit", {0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 0}, 10},
        {"fragmented ping", {0x09, 0x00}, 2},
        {"126-byte ping", {0x89, 0x7E, 0x00, 0x7E}, 4},
        {"fragmented close", {0x08, 0x00}, 2},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ws_frame_header h;
        size_t need = 0;
        int rc = ws_frame_parse_header(bad[i].b, bad[i].n, &h, &need);
        if (rc != WS_E_PROTOCOL)
            fail_msg("%s: got %d, want WS_E_PROTOCOL", bad[i].what, rc);
    }
}

static void test_frame_encode(void **state) {
    (void)state;
    ws_frame_header h;
    memset(&h, 0, sizeof h);
    uint8_t out[14];
    /* Minimal length encoding at each boundary. */
    static const struct {
        uint64_t len;
        int hl;
    } cases[] = {{0, 2}, {125, 2}, {126, 4}, {65535, 4}, {65536, 10}, {(1ULL << 63) - 1, 10}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        h.fin = 1;
        h.opcode = WS_OP_BINARY;
        h.length = cases[i].len;
        h.masked = 0;
        assert_int_equal(ws_frame_encode_header(&h, out, sizeof out), cases[i].hl);
        h.masked = 1;
        h.mask[0] = 9;
        assert_int_equal(ws_frame_encode_header(&h, out, sizeof out), cases[i].hl + 4);
        ws_frame_header back;
        assert_int_equal(ws_frame_parse_header(out, (size_t)cases[i].hl + 4, &back, NULL), cases[i].hl + 4);
        assert_int_equal(back.length, cases[i].len);
        assert_int_equal(back.mask[0], 9);
    }
    h.rsv = WS_RSV1 | WS_RSV3;
    h.length = 3;
    h.masked = 0;
    assert_int_equal(ws_frame_encode_header(&h, out, sizeof out), 2);
    assert_int_equal(out[0], 0x80 | 0x40 | 0x10 | WS_OP_BINARY);
    /* Bad fields, and too little room. */
    ws_frame_header b = h;
    b.fin = 2;
    assert_int_equal(ws_frame_encode_header(&b, out, sizeof out), WS_E_ARG);
    b = h;
    b.opcode = 16;
    assert_int_equal(ws_frame_encode_header(&b, out, sizeof out), WS_E_ARG);
    b = h;
    b.rsv = 8;
    assert_int_equal(ws_frame_encode_header(&b, out, sizeof out), WS_E_ARG);
    b = h;
    b.masked = 2;
    assert_int_equal(ws_frame_encode_header(&b, out, sizeof out), WS_E_ARG);
    b = h;
    b.length = 1ULL << 63;
    assert_int_equal(ws_frame_encode_header(&b, out, sizeof out), WS_E_ARG);
    /* Control frames: final and at most 125 bytes (RFC 6455 §5.5). */
    b = h;
    b.opcode = WS_OP_PING;
    b.length = 126;
    assert_int_equal(ws_frame_encode_header(&b, out, sizeof out), WS_E_ARG);
    b.length = 125;
    assert_int_equal(ws_frame_encode_header(&b, out, sizeof out), 2);
    b.fin = 0;
    assert_int_equal(ws_frame_encode_header(&b, out, sizeof out), WS_E_ARG);
    memset(out, 0x5A, sizeof out);
    assert_int_equal(ws_frame_encode_header(&h, out, 1), WS_E_ARG);
    assert_int_equal(ws_frame_encode_header(&h, out, 0), WS_E_ARG);
    assert_int_equal(out[0], 0x5A); /* nothing written */
    b = h;
    b.length = 70000;
    b.masked = 1;
    assert_int_equal(ws_frame_encode_header(&b, out, 13), WS_E_ARG);
    assert_int_equal(ws_frame_encode_header(&b, out, 14), 14);
}

static void test_mask(void **state) {
    (void)state;
    const uint8_t key[4] = {0x37, 0xfa, 0x21, 0x3d};
    uint8_t src[1000], whole[1000], pieces[1000], back[1000];
    for (size_t i = 0; i < sizeof src; i++)
        src[i] = (uint8_t)(i * 31);
    uint8_t copy[1000];
    memcpy(copy, src, sizeof src);
    assert_int_equal(ws_mask(key, 0, src, whole, sizeof src), 1000 % 4);
    assert_memory_equal(src, copy, sizeof src); /* src untouched */
    for (size_t i = 0; i < sizeof src; i++)
        assert_int_equal(whole[i], src[i] ^ key[i % 4]);
    /* In pieces of odd sizes, carrying the key offset. */
    int pos = 0;
    size_t off = 0, step = 1;
    while (off < sizeof src) {
        size_t n = sizeof src - off < step ? sizeof src - off : step;
        int next = ws_mask(key, pos, src + off, pieces + off, n);
        assert_int_equal(next, (int)((pos + n) % 4));
        pos = next;
        off += n;
        step = step * 2 + 1;
    }
    assert_memory_equal(pieces, whole, sizeof src);
    /* Unmasking is the same operation; in place is allowed. */
    memcpy(back, whole, sizeof back);
    assert_int_equal(ws_mask(key, 0, back, back, sizeof back), 0);
    assert_memory_equal(back, src, sizeof src);
    /* Other overlaps are refused. */
    assert_int_equal(ws_mask(key, 0, back, back + 1, 100), WS_E_ARG);
    assert_int_equal(ws_mask(key, 0, back + 1, back, 100), WS_E_ARG);
    assert_memory_equal(back, src, sizeof src);

    /* Random keys: not all the same. */
    uint8_t k1[4], k2[4];
    assert_int_equal(ws_random_mask(k1), WS_OK);
    int differs = 0;
    for (int i = 0; i < 16 && !differs; i++) {
        assert_int_equal(ws_random_mask(k2), WS_OK);
        differs = memcmp(k1, k2, 4) != 0;
    }
    assert_true(differs);
}

/* The receive budget: ws_feed stops once the untaken events reach
 * WS_OPT_MAX_QUEUED and returns the bytes left; feeding them again after
 * taking the events gives every message, in order. ws_feed_next reports
 * *used; ws_feed_events (1.0) still consumes everything. */
static void test_feed_budget(void **state) {
    (void)state;
    ws_config *cc = util_config(WS_ROLE_CLIENT, 0);
    ws_config *sc = util_config(WS_ROLE_SERVER, WS_OPT_MAX_QUEUED, 1000, 0);
    int64_t v = 0;
    assert_int_equal(ws_config_get(sc, WS_OPT_MAX_QUEUED, &v), WS_OK);
    assert_int_equal(v, 1000);
    assert_int_equal(ws_config_get(cc, WS_OPT_MAX_QUEUED, &v), WS_OK);
    assert_int_equal(v, 1 << 20); /* the default */
    ws_conn *c, *s;
    assert_int_equal(util_open_pair(cc, sc, &c, &s), WS_OK);
    enum { N = 100, SIZE = 300 };
    char msg[SIZE];
    for (int i = 0; i < N; i++) {
        memset(msg, 'a' + i % 26, sizeof msg);
        assert_int_equal(ws_send_binary(c, msg, sizeof msg), WS_OK);
    }
    uint8_t *out;
    size_t len;
    assert_int_equal(util_take_output(c, &out, &len), WS_OK);

    /* ws_feed: each call queues about the budget. */
    int got = 0, calls = 0;
    size_t off = 0;
    ws_event ev = {.size = sizeof ev};
    while (off < len) {
        int left = ws_feed(s, out + off, len - off);
        assert_true(left >= 0);
        assert_true((size_t)left < len - off || ws_pending_events(s) == 0 || calls > 0);
        off = len - (size_t)left;
        calls++;
        int queued = ws_pending_events(s);
        assert_true(queued * SIZE <= 1000 + SIZE + SIZE); /* the budget, plus the frame that crossed it */
        while (ws_next_event(s, &ev) > 0) {
            assert_int_equal(ev.type, WS_EV_BINARY);
            assert_int_equal(ev.len, SIZE);
            assert_int_equal(ev.data[0], 'a' + got % 26);
            got++;
        }
        assert_true(calls <= N + 1);
    }
    assert_int_equal(got, N);
    assert_true(calls >= N / 4);
    /* Fed again without taking: nothing consumed. */
    assert_int_equal(ws_send_binary(c, msg, sizeof msg), WS_OK);
    assert_int_equal(ws_send_binary(c, msg, sizeof msg), WS_OK);
    assert_int_equal(ws_send_binary(c, msg, sizeof msg), WS_OK);
    assert_int_equal(ws_send_binary(c, msg, sizeof msg), WS_OK);
    uint8_t *more;
    size_t mlen;
    assert_int_equal(util_take_output(c, &more, &mlen), WS_OK);
    int left = ws_feed(s, more, mlen);
    assert_true(left > 0);
    assert_int_equal(ws_feed(s, more + mlen - left, (size_t)left), left);

    /* ws_feed_next: *used, and events in the same call. */
    ws_event evs[8];
    memset(evs, 0, sizeof evs);
    evs[0].size = sizeof(ws_event);
    size_t used = 12345;
    assert_int_equal(ws_feed_next(s, more, mlen, NULL, evs, 8), WS_E_NULL);
    assert_int_equal(ws_feed_next(NULL, more, mlen, &used, evs, 8), WS_E_NULL);
    assert_int_equal(used, 0);
    /* The budget is still full: nothing consumed, the queued events taken. */
    int k = ws_feed_next(s, more + mlen - left, (size_t)left, &used, evs, 8);
    assert_true(k > 0);
    assert_int_equal(used, 0);
    /* Now it consumes, and the new events come in the same call. */
    k = ws_feed_next(s, more + mlen - left, (size_t)left, &used, evs, 8);
    assert_true(k > 0);
    assert_true(used > 0 && used <= (size_t)left);
    assert_int_equal(evs[0].type, WS_EV_BINARY);
    free(more);

    /* ws_feed_events ignores the budget for its call: nothing is left. */
    for (int i = 0; i < 20; i++)
        assert_int_equal(ws_send_binary(c, msg, sizeof msg), WS_OK);
    assert_int_equal(util_take_output(c, &more, &mlen), WS_OK);
    while (ws_next_event(s, &ev) > 0)
        ;
    assert_int_equal(ws_feed_events(s, more, mlen, evs, 1), 1);
    assert_true(ws_pending_events(s) >= 19);
    free(more);

    /* A length whose remainder cannot be returned. */
    assert_int_equal(ws_feed(s, out, (size_t)INT_MAX + 1), WS_E_ARG);
    free(out);
    free_pair(c, s);
    ws_config_free(cc);
    ws_config_free(sc);
}

/* ws_feed_events: feed and take in one call; ws_peek_event: look without
 * taking (a close is not answered until taken); ws_random_bytes. */
static void test_feed_events_peek_random(void **state) {
    (void)state;
    ws_conn *c, *s;
    open_pair(&c, &s);
    assert_int_equal(ws_send_text(c, "a1", 2), WS_OK);
    assert_int_equal(ws_send_text(c, "a2", 2), WS_OK);
    assert_int_equal(ws_close(c, 1000, "bye", 3), WS_OK);
    uint8_t *out;
    size_t len;
    assert_int_equal(util_take_output(c, &out, &len), WS_OK);

    ws_event evs[4];
    memset(evs, 0, sizeof evs);
    /* Misuse: nothing fed, nothing taken. */
    assert_int_equal(ws_feed_events(NULL, out, len, evs, 4), WS_E_NULL);
    assert_int_equal(ws_feed_events(s, NULL, 5, evs, 4), WS_E_NULL);
    assert_int_equal(ws_feed_events(s, out, len, NULL, 4), WS_E_NULL);
    assert_int_equal(ws_feed_events(s, out, len, evs, 4), WS_E_ARG); /* evs[0].size unset */
    assert_int_equal(ws_pending_events(s), 0);
    assert_int_equal(ws_peek_event(s), 0);
    assert_int_equal(ws_peek_event(NULL), WS_E_NULL);

    /* Feed everything: the two messages come back, the close waits. */
    evs[0].size = sizeof(ws_event);
    assert_int_equal(ws_feed_events(s, out, len, evs, 4), 2);
    assert_int_equal(evs[0].type, WS_EV_TEXT);
    assert_memory_equal(evs[0].data, "a1", 2);
    assert_memory_equal(evs[1].data, "a2", 2);
    assert_int_equal(ws_peek_event(s), WS_EV_CLOSE);
    assert_int_equal(ws_peek_event(s), WS_EV_CLOSE); /* peeking takes nothing */
    assert_int_equal(output_len(s), 0);             /* and queues no reply */
    assert_int_equal(ws_send_text(s, "a2", 2), WS_OK); /* the echo goes first */
    /* max 0 only feeds; then the close is taken and the reply queued. */
    assert_int_equal(ws_feed_events(s, NULL, 0, NULL, 0), 0);
    assert_int_equal(ws_feed_events(s, NULL, 0, evs, 4), 1);
    assert_int_equal(evs[0].type, WS_EV_CLOSE);
    assert_int_equal(evs[0].code, 1000);
    assert_int_equal(ws_peek_event(s), 0);
    assert_true(output_len(s) > 4);
    free(out);
    /* Bytes after the closing handshake are ignored, as ws_feed does. */
    assert_int_equal(ws_feed_events(s, "x", 1, evs, 4), 0);
    free_pair(c, s);
    assert_int_equal(ws_feed_events(s, "x", 1, evs, 4), WS_E_BAD_HANDLE);
    assert_int_equal(ws_peek_event(s), WS_E_BAD_HANDLE);

    /* Random bytes: filled, and not the same twice. */
    uint8_t r1[100], r2[100];
    memset(r1, 0, sizeof r1);
    memset(r2, 0, sizeof r2);
    assert_int_equal(ws_random_bytes(r1, sizeof r1), WS_OK);
    assert_int_equal(ws_random_bytes(r2, sizeof r2), WS_OK);
    assert_memory_not_equal(r1, r2, sizeof r1);
    assert_int_equal(ws_random_bytes(NULL, 0), WS_OK);
    assert_int_equal(ws_random_bytes(NULL, 4), WS_E_NULL);
    static uint8_t big[1 << 16];
    assert_int_equal(ws_random_bytes(big, sizeof big), WS_OK);
    size_t zeros = 0;
    for (size_t i = 0; i < sizeof big; i++)
        zeros += big[i] == 0;
    assert_true(zeros < 1024); /* about 256 expected */
}

static void test_accept_key(void **state) {
    (void)state;
    char out[29];
    memset(out, 'X', sizeof out);
    assert_int_equal(ws_accept_key("dGhlIHNhbXBsZSBub25jZQ==", out), WS_OK);
    assert_string_equal(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    assert_int_equal(strlen(out), 28);
}

static void test_utf8_valid(void **state) {
    (void)state;
    static const struct {
        const char *s;
        int valid;
    } cases[] = {
        {"", 1},
        {"plain ascii", 1},
        {"h\xc3\xa9llo", 1},
        {"\xe2\x82\xac", 1},
        {"\xf0\x9f\x98\x80", 1},
        {"\xf4\x8f\xbf\xbf", 1},  /* U+10FFFF */
        {"\xff", 0},
        {"\xc0\xaf", 0},          /* overlong */
        {"\xe0\x80\xaf", 0},      /* overlong */
        {"\xed\xa0\x80", 0},      /* surrogate */
        {"\xf4\x90\x80\x80", 0},  /* > U+10FFFF */
        {"\xe2\x82", 0},          /* truncated */
        {"\x80", 0},              /* lone continuation */
        {"ok\xc3", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc = ws_utf8_valid(cases[i].s, strlen(cases[i].s));
        if (rc != cases[i].valid)
            fail_msg("ws_utf8_valid case %zu: got %d, want %d", i, rc, cases[i].valid);
    }
    /* NUL bytes are valid UTF-8. */
    assert_int_equal(ws_utf8_valid("a\0b", 3), 1);
}

/* ws_compressor / ws_decompressor: per-message permessage-deflate outside
 * a connection (RFC 7692 §7.2). */
static void test_compressor(void **state) {
    (void)state;
    ws_compressor *z = NULL;
    ws_decompressor *u = NULL;
    const uint8_t *out = NULL;
    size_t out_len = 0;
    assert_int_equal(ws_compressor_new(0, 7, 1, &z), WS_E_ARG);
    assert_null(z);
    assert_int_equal(ws_compressor_new(10, 15, 1, &z), WS_E_ARG);
    assert_int_equal(ws_compressor_new(0, 15, 1, NULL), WS_E_NULL);
    assert_int_equal(ws_decompressor_new(16, 1, 0, &u), WS_E_ARG);
    assert_int_equal(ws_decompressor_new(15, 1, 0, NULL), WS_E_NULL);
    assert_int_equal(ws_compressor_new(6, 15, 1, &z), WS_OK);
    assert_int_equal(ws_decompressor_new(15, 1, 0, &u), WS_OK);

    /* RFC 7692 §7.2.3.1 and §7.2.3.2: "Hello" twice, sharing the window. */
    static const uint8_t hello1[] = {0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00};
    static const uint8_t hello2[] = {0xf2, 0x00, 0x11, 0x00, 0x00};
    assert_int_equal(ws_decompress(u, hello1, sizeof hello1, &out, &out_len), WS_OK);
    assert_int_equal(out_len, 5);
    assert_memory_equal(out, "Hello", 5);
    assert_int_equal(ws_decompress(u, hello2, sizeof hello2, &out, &out_len), WS_OK);
    assert_memory_equal(out, "Hello", 5);

    /* A message compressed in two parts decompresses whole. */
    ws_decompressor *u2 = NULL;
    assert_int_equal(ws_decompressor_new(15, 1, 0, &u2), WS_OK);
    const char *msg = "compress me, compress me, compress me, compress me";
    uint8_t joined[256];
    size_t jn = 0;
    assert_int_equal(ws_compress(z, msg, 20, 0, &out, &out_len), WS_OK);
    memcpy(joined, out, out_len);
    jn = out_len;
    assert_int_equal(ws_compress(z, msg + 20, strlen(msg) - 20, 1, &out, &out_len), WS_OK);
    memcpy(joined + jn, out, out_len);
    jn += out_len;
    assert_int_equal(ws_decompress(u2, joined, jn, &out, &out_len), WS_OK);
    assert_int_equal(out_len, strlen(msg));
    assert_memory_equal(out, msg, out_len);

    /* Corrupt data and the size limit. */
    static const uint8_t junk[] = {0xff, 0xff, 0xff};
    assert_int_equal(ws_decompress(u2, junk, sizeof junk, &out, &out_len), WS_E_PROTOCOL);
    ws_decompressor *small = NULL;
    assert_int_equal(ws_decompressor_new(15, 0, 10, &small), WS_OK);
    assert_int_equal(ws_decompress(small, hello1, sizeof hello1, &out, &out_len), WS_OK);
    ws_compressor *z2 = NULL;
    assert_int_equal(ws_compressor_new(0, 15, 0, &z2), WS_OK);
    static uint8_t zeros[4096];
    assert_int_equal(ws_compress(z2, zeros, sizeof zeros, 1, &out, &out_len), WS_OK);
    assert_int_equal(ws_decompress(small, out, out_len, &out, &out_len), WS_E_TOO_BIG);

    /* Misuse. */
    assert_int_equal(ws_compress(NULL, "x", 1, 1, &out, &out_len), WS_E_NULL);
    assert_int_equal(ws_compress(z, NULL, 1, 1, &out, &out_len), WS_E_NULL);
    assert_int_equal(ws_compress(z, "x", 1, 1, NULL, &out_len), WS_E_NULL);
    assert_int_equal(ws_decompress(NULL, "x", 1, &out, &out_len), WS_E_NULL);
    assert_int_equal(ws_decompress(u, "x", 1, &out, NULL), WS_E_NULL);
    assert_int_equal(ws_compress((ws_compressor *)u, "x", 1, 1, &out, &out_len), WS_E_BAD_HANDLE);
    assert_int_equal(ws_decompress((ws_decompressor *)z, "x", 1, &out, &out_len), WS_E_BAD_HANDLE);
    ws_compressor_free(z);
    ws_compressor_free(z2);
    ws_decompressor_free(u);
    ws_decompressor_free(u2);
    ws_decompressor_free(small);
    ws_compressor_free(NULL);
    ws_decompressor_free(NULL);
    assert_int_equal(ws_compress(z, "x", 1, 1, &out, &out_len), WS_E_BAD_HANDLE);
    assert_int_equal(ws_decompress(u, "x", 1, &out, &out_len), WS_E_BAD_HANDLE);
}

static void test_close_codes(void **state) {
    (void)state;
    for (int code = -5; code < 70000; code++) {
        int want = (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
                   (code >= 3000 && code <= 4999);
        if (ws_close_code_valid(code) != want)
            fail_msg("ws_close_code_valid(%d) = %d, want %d", code, ws_close_code_valid(code), want);
    }
    assert_int_equal(ws_close_code_valid(INT32_MIN), 0);
    assert_int_equal(ws_close_code_valid(INT32_MAX), 0);
    assert_int_equal(ws_close_code_valid(65536 + 1000), 0);
    assert_string_equal(ws_close_code_name(1000), "SUCCESS");
    assert_string_equal(ws_close_code_name(1002), "PROTOCOL_ERROR");
    const int others[] = {1001, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014};
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        const char *n = ws_close_code_name(others[i]);
        assert_non_null(n);
        assert_true(strlen(n) > 0);
    }
    const int none[] = {0, 999, 1004, 1005, 1006, 1015, 3000, 4999, -1, 65536 + 1000, INT32_MIN};
    for (size_t i = 0; i < sizeof none / sizeof none[0]; i++) {
        const char *n = ws_close_code_name(none[i]);
        assert_non_null(n);
        assert_string_equal(n, "");
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_versions),
        cmocka_unit_test(test_error_class),
        cmocka_unit_test(test_strerror),
        cmocka_unit_test(test_last_error),
        cmocka_unit_test(test_config_defaults),
        cmocka_unit_test(test_config_new_free_misuse),
        cmocka_unit_test(test_config_set_get),
        cmocka_unit_test(test_config_bad_values),
        cmocka_unit_test(test_config_subprotocol_header_origin),
        cmocka_unit_test(test_config_server_header_owned),
        cmocka_unit_test(test_config_offers),
        cmocka_unit_test(test_null_handles),
        cmocka_unit_test(test_bad_handles),
        cmocka_unit_test(test_huge_lengths),
        cmocka_unit_test(test_zero_lengths),
        cmocka_unit_test(test_null_arguments),
        cmocka_unit_test(test_client_new),
        cmocka_unit_test(test_handshake_plain),
        cmocka_unit_test(test_handshake_deflate),
        cmocka_unit_test(test_deflate_negotiation),
        cmocka_unit_test(test_deflate_connections_isolated),
        cmocka_unit_test(test_handshake_bytewise),
        cmocka_unit_test(test_handshake_rejected),
        cmocka_unit_test(test_deflate_required),
        cmocka_unit_test(test_conn_new_open),
        cmocka_unit_test(test_feed_states),
        cmocka_unit_test(test_send_states),
        cmocka_unit_test(test_send_text_binary),
        cmocka_unit_test(test_send_flags_deflate),
        cmocka_unit_test(test_fragmented),
        cmocka_unit_test(test_fragment_after_close),
        cmocka_unit_test(test_control_frames),
        cmocka_unit_test(test_extension_frames),
        cmocka_unit_test(test_output_cap_consume),
        cmocka_unit_test(test_next_events_batch),
        cmocka_unit_test(test_event_data_lifetime),
        cmocka_unit_test(test_bytewise_feeding),
        cmocka_unit_test(test_streaming),
        cmocka_unit_test(test_close_client_first),
        cmocka_unit_test(test_close_server_first),
        cmocka_unit_test(test_close_reply_with_ws_close),
        cmocka_unit_test(test_close_arguments),
        cmocka_unit_test(test_peer_invalid_utf8),
        cmocka_unit_test(test_peer_faults),
        cmocka_unit_test(test_heartbeat),
        cmocka_unit_test(test_heartbeat_while_peer_closing),
        cmocka_unit_test(test_heartbeat_with),
        cmocka_unit_test(test_echo_close_reason),
        cmocka_unit_test(test_manual_accept),
        cmocka_unit_test(test_reject),
        cmocka_unit_test(test_feed_request_response),
        cmocka_unit_test(test_memory_shrink),
        cmocka_unit_test(test_frame_rfc_examples),
        cmocka_unit_test(test_frame_protocol_errors),
        cmocka_unit_test(test_frame_encode),
        cmocka_unit_test(test_mask),
        cmocka_unit_test(test_accept_key),
        cmocka_unit_test(test_utf8_valid),
        cmocka_unit_test(test_close_codes),
        cmocka_unit_test(test_handshake_failure_and_key),
        cmocka_unit_test(test_batch_stops_before_close),
        cmocka_unit_test(test_output_copy_and_header_lists),
        cmocka_unit_test(test_compressor),
        cmocka_unit_test(test_feed_events_peek_random),
        cmocka_unit_test(test_feed_budget),
    };
    return cmocka_run_group_tests_name("libws C API", tests, NULL, NULL);
}
