/*
 * The public ws_* functions: argument checks and the fork guard, done in C
 * before the Go runtime is entered, then a call to the wsgo_* export that
 * does the work. Nothing here makes a protocol decision.
 */
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "capi.h"
#include "_cgo_export.h"

/* ---- Thread-local last error --------------------------------------------- */

/* A pthread key rather than _Thread_local: libws is often dlopen()ed, and
 * static TLS in a dlopen()ed library eats into the small surplus glibc
 * reserves for that (the Go runtime already needs some). */
#define LAST_ERROR_MAX 512
static pthread_key_t last_error_key;
static int last_error_ready;

static char *last_error_buf(int create) {
    char *b;
    if (!last_error_ready)
        return NULL;
    b = pthread_getspecific(last_error_key);
    if (b == NULL && create) {
        b = calloc(1, LAST_ERROR_MAX);
        if (b != NULL && pthread_setspecific(last_error_key, b) != 0) {
            free(b);
            b = NULL;
        }
    }
    return b;
}

void wsint_set_error(const char *msg, size_t len) {
    char *b = last_error_buf(1);
    if (b == NULL)
        return;
    if (len >= LAST_ERROR_MAX)
        len = LAST_ERROR_MAX - 1;
    memcpy(b, msg, len);
    b[len] = 0;
}

/* Records "fn: msg" as the thread's last error: the wrappers' own
 * messages name the call that refused its arguments. (Messages from the
 * Go side say what happened in the connection and carry no prefix.) */
static int err_at(const char *fn, int code, const char *msg) {
    char b[LAST_ERROR_MAX];
    int n = snprintf(b, sizeof b, "%s: %s", fn, msg);
    wsint_set_error(b, n < 0 ? 0 : (size_t)n);
    return code;
}
#define err(code, msg) err_at(__func__, code, msg)

const char *ws_last_error(void) {
    const char *b = last_error_buf(0);
    return b ? b : "";
}

/* ---- Fork guard ----------------------------------------------------------- */

/* A Go runtime does not survive fork(): in the child only the forking
 * thread exists and the runtime's locks and threads are gone, so entering
 * it can hang for ever. The child handler marks the library unusable and
 * every entry point checks the mark before calling into Go. */
static volatile sig_atomic_t forked;

static void on_fork_child(void) { forked = 1; }

__attribute__((constructor)) static void init(void) {
    pthread_atfork(NULL, NULL, on_fork_child);
    last_error_ready = pthread_key_create(&last_error_key, free) == 0;
}

#define FORK_GUARD()                                                              \
    do {                                                                          \
        if (forked)                                                               \
            return err(WS_E_FORKED, "libws was loaded before fork() and cannot " \
                                    "be used in the child; load it after forking");    \
    } while (0)

#define NOT_NULL(p)                                                               \
    do {                                                                          \
        if ((p) == NULL)                                                          \
            return err(WS_E_NULL, #p " is NULL");                           \
    } while (0)

/* A buffer may be NULL only when empty; a length beyond PTRDIFF_MAX is
 * certainly a caller's bug (a negative value cast to size_t). */
#define BUFFER(p, n)                                                              \
    do {                                                                          \
        if ((p) == NULL && (n) > 0)                                               \
            return err(WS_E_NULL, #p " is NULL with a non-zero length");    \
        if ((n) > (size_t)PTRDIFF_MAX)                                            \
            return err(WS_E_ARG, #n " is impossibly large (a negative length?)"); \
    } while (0)

/* No buffer is larger than 2^47 bytes (128 TiB, all of a 4-level x86-64 or
 * AArch64 user address space): a longer length is a caller's bug, refused
 * before Go views the buffer and sizes an allocation from it. */
#if SIZE_MAX > 0xFFFFFFFFu
#define LEN_MAX ((size_t)1 << 47)
#else
#define LEN_MAX ((size_t)PTRDIFF_MAX)
#endif

/* BUFFER with the tighter bound. */
#define LENGTH(p, n)                                                              \
    do {                                                                          \
        BUFFER(p, n);                                                             \
        if ((n) > LEN_MAX)                                                        \
            return err(WS_E_ARG, #n " is impossibly large (over 2^47 bytes)"); \
    } while (0)

/* Strings are copied into Go memory, where running out is fatal: one
 * call's strings together may hold STR_MAX bytes, more than any HTTP head
 * needs. STRING(s) counts s against the call's `room`. */
#define STR_MAX ((size_t)1 << 20)

static int str_fits(const char *s, size_t *room) {
    size_t n = s ? strnlen(s, *room + 1) : 0;
    if (n > *room)
        return 0;
    *room -= n;
    return 1;
}

#define STRING(s)                                                                 \
    do {                                                                          \
        if (!str_fits((s), &room))                                                \
            return err(WS_E_LIMIT, "the strings of one call exceed 1 MiB");   \
    } while (0)

/* Pairs of header names and values: both arrays needed when n > 0, and no
 * NULL entries; their strings count against *room. */
static int check_pairs(const char *fn, const char *const *names, const char *const *values, size_t n, size_t *room) {
    if (n == 0)
        return WS_OK;
    if (names == NULL || values == NULL)
        return err_at(fn, WS_E_NULL, "header name/value arrays are NULL with n > 0");
    if (n > 100000)
        return err_at(fn, WS_E_ARG, "too many header fields");
    for (size_t i = 0; i < n; i++) {
        if (names[i] == NULL || values[i] == NULL)
            return err_at(fn, WS_E_NULL, "a header name or value is NULL");
        if (!str_fits(names[i], room) || !str_fits(values[i], room))
            return err_at(fn, WS_E_LIMIT, "the strings of one call exceed 1 MiB");
    }
    return WS_OK;
}

#define H(c) ((uintptr_t)(c))

/* ---- Entering the Go runtime ----------------------------------------------- */

/* GO(call) makes a call into the Go runtime. While ws_signal_forward is on,
 * asynchronous signals are blocked on this thread for the duration (see
 * signals.c); restoring the mask delivers what arrived meanwhile, here on
 * the caller's stack. Off, the cost is one predictable branch.
 *
 * It has to be the signal mask. A thread-local "inside Go" flag (no system
 * call) could make the trampoline put the host's handler off until the
 * call returns, but not keep the signal frame off the goroutine stack the
 * thread runs on: a host that re-installs the trampoline without
 * SA_ONSTACK (perl, on every %SIG assignment) leaves it so until the
 * trampoline next runs, and the kernel writes that next signal's frame
 * (3 KiB or more with AVX-512 state) on the current stack before the
 * trampoline can do anything; Go's goroutine stacks start at a few KiB.
 * test_signals' control shows it happening with the guard off. Two
 * rt_sigprocmask calls are the floor (about 0.25 us here; glibc adds
 * nothing measurable over a raw syscall): the mask changes twice. */
#define GO(call)                                                                  \
    __extension__({                                                               \
        __typeof__(call) go_r_;                                                   \
        if (wsint_sigguard) {                                                     \
            sigset_t go_old_;                                                     \
            pthread_sigmask(SIG_BLOCK, &wsint_sigguard_set, &go_old_);            \
            go_r_ = (call);                                                       \
            pthread_sigmask(SIG_SETMASK, &go_old_, NULL);                         \
        } else {                                                                  \
            go_r_ = (call);                                                       \
        }                                                                         \
        go_r_;                                                                    \
    })

#define GOV(call)                                                                 \
    do {                                                                          \
        if (wsint_sigguard) {                                                     \
            sigset_t go_old_;                                                     \
            pthread_sigmask(SIG_BLOCK, &wsint_sigguard_set, &go_old_);            \
            call;                                                                 \
            pthread_sigmask(SIG_SETMASK, &go_old_, NULL);                         \
        } else {                                                                  \
            call;                                                                 \
        }                                                                         \
    } while (0)


/* ---- Versions and errors ---------------------------------------------------- */

const char *ws_version(void) { return WS_VERSION_STRING; }

int ws_abi_version(void) { return WS_ABI_VERSION; }

const char *ws_strerror(int code) {
    const char *s;
    if (forked)
        return "libws unusable after fork()";
    s = GO(wsgo_strerror(code));
    return s ? s : "unknown error";
}

/* ---- Config ------------------------------------------------------------------- */

int ws_config_new(int role, ws_config **out) {
    FORK_GUARD();
    NOT_NULL(out);
    uintptr_t h = 0;
    int rc = GO(wsgo_config_new(role, &h));
    *out = rc == WS_OK ? (ws_config *)h : NULL;
    return rc;
}

void ws_config_free(ws_config *cfg) {
    if (cfg == NULL || forked)
        return;
    GOV(wsgo_config_free(H(cfg)));
}

int ws_config_set(ws_config *cfg, int option, int64_t value) {
    FORK_GUARD();
    NOT_NULL(cfg);
    return GO(wsgo_config_set(H(cfg), option, value));
}

int ws_config_get(const ws_config *cfg, int option, int64_t *value) {
    FORK_GUARD();
    NOT_NULL(cfg);
    NOT_NULL(value);
    return GO(wsgo_config_get(H(cfg), option, value));
}

int ws_config_add_subprotocol(ws_config *cfg, const char *name) {
    FORK_GUARD();
    NOT_NULL(cfg);
    NOT_NULL(name);
    size_t room = STR_MAX;
    STRING(name);
    return GO(wsgo_config_add_subprotocol(H(cfg), (char *)name));
}

int ws_config_add_header(ws_config *cfg, const char *name, const char *value) {
    FORK_GUARD();
    NOT_NULL(cfg);
    NOT_NULL(name);
    NOT_NULL(value);
    size_t room = STR_MAX;
    STRING(name);
    STRING(value);
    return GO(wsgo_config_add_header(H(cfg), (char *)name, (char *)value));
}

int ws_config_set_origin(ws_config *cfg, const char *origin) {
    FORK_GUARD();
    NOT_NULL(cfg);
    size_t room = STR_MAX;
    STRING(origin);
    return GO(wsgo_config_set_origin(H(cfg), (char *)(origin ? origin : "")));
}

int ws_config_set_key(ws_config *cfg, const char *key) {
    FORK_GUARD();
    NOT_NULL(cfg);
    size_t room = STR_MAX;
    STRING(key);
    return GO(wsgo_config_set_key(H(cfg), (char *)(key ? key : "")));
}

int ws_config_add_deflate_offer(ws_config *cfg, int server_no_context_takeover,
                                int client_no_context_takeover,
                                int server_max_window_bits, int client_max_window_bits) {
    FORK_GUARD();
    NOT_NULL(cfg);
    return GO(wsgo_config_add_deflate_offer(H(cfg), server_no_context_takeover, client_no_context_takeover,
                                         server_max_window_bits, client_max_window_bits));
}

int ws_config_add_extension_offer(ws_config *cfg, const char *offer) {
    FORK_GUARD();
    NOT_NULL(cfg);
    NOT_NULL(offer);
    size_t room = STR_MAX;
    STRING(offer);
    return GO(wsgo_config_add_extension_offer(H(cfg), (char *)offer));
}

/* ---- Connections ----------------------------------------------------------------- */

int ws_client_new(const ws_config *cfg, const char *url, ws_conn **out) {
    FORK_GUARD();
    NOT_NULL(out);
    *out = NULL;
    NOT_NULL(cfg);
    NOT_NULL(url);
    size_t room = STR_MAX;
    STRING(url);
    uintptr_t h = 0;
    int rc = GO(wsgo_client_new(H(cfg), (char *)url, &h));
    if (rc == WS_OK)
        *out = (ws_conn *)h;
    return rc;
}

int ws_server_new(const ws_config *cfg, ws_conn **out) {
    FORK_GUARD();
    NOT_NULL(out);
    *out = NULL;
    NOT_NULL(cfg);
    uintptr_t h = 0;
    int rc = GO(wsgo_server_new(H(cfg), &h));
    if (rc == WS_OK)
        *out = (ws_conn *)h;
    return rc;
}

int ws_conn_new_open(const ws_config *cfg, const char *subprotocol, const char *extensions,
                     ws_conn **out) {
    FORK_GUARD();
    NOT_NULL(out);
    *out = NULL;
    NOT_NULL(cfg);
    size_t room = STR_MAX;
    STRING(subprotocol);
    STRING(extensions);
    uintptr_t h = 0;
    int rc = GO(wsgo_conn_new_open(H(cfg), (char *)(subprotocol ? subprotocol : ""),
                                (char *)(extensions ? extensions : ""), &h));
    if (rc == WS_OK)
        *out = (ws_conn *)h;
    return rc;
}

void ws_conn_free(ws_conn *c) {
    if (c == NULL || forked)
        return;
    GOV(wsgo_conn_free(H(c)));
}

/* ---- Input ------------------------------------------------------------------------- */

int ws_feed(ws_conn *c, const void *buf, size_t len) {
    FORK_GUARD();
    NOT_NULL(c);
    LENGTH(buf, len);
    if (len > INT_MAX) /* the count left must fit the int result */
        return err(WS_E_ARG, "len exceeds INT_MAX; feed in pieces");
    return GO(wsgo_feed(H(c), (void *)buf, len));
}

int ws_feed_eof(ws_conn *c) {
    FORK_GUARD();
    NOT_NULL(c);
    return GO(wsgo_feed_eof(H(c)));
}

int64_t ws_need(ws_conn *c) {
    FORK_GUARD();
    NOT_NULL(c);
    return GO(wsgo_need(H(c)));
}

int ws_feed_request(ws_conn *c, const char *method, const char *target, const char *proto,
                    const char *const *names, const char *const *values, size_t n) {
    FORK_GUARD();
    NOT_NULL(c);
    NOT_NULL(method);
    NOT_NULL(target);
    NOT_NULL(proto);
    size_t room = STR_MAX;
    STRING(method);
    STRING(target);
    STRING(proto);
    int rc = check_pairs(__func__, names, values, n, &room);
    if (rc != WS_OK)
        return rc;
    return GO(wsgo_feed_request(H(c), (char *)method, (char *)target, (char *)proto, (char **)names,
                             (char **)values, n));
}

int ws_feed_response(ws_conn *c, int status, const char *reason, const char *const *names,
                     const char *const *values, size_t n) {
    FORK_GUARD();
    NOT_NULL(c);
    size_t room = STR_MAX;
    STRING(reason);
    int rc = check_pairs(__func__, names, values, n, &room);
    if (rc != WS_OK)
        return rc;
    return GO(wsgo_feed_response(H(c), status, (char *)(reason ? reason : ""), (char **)names,
                              (char **)values, n));
}

/* ---- Extended CONNECT (HTTP/2, HTTP/3) ------------------------------------------------- */

int ws_connect_client_new(const ws_config *cfg, const char *url, ws_conn **out) {
    FORK_GUARD();
    NOT_NULL(out);
    *out = NULL;
    NOT_NULL(cfg);
    NOT_NULL(url);
    size_t room = STR_MAX;
    STRING(url);
    uintptr_t h = 0;
    int rc = GO(wsgo_connect_client_new(H(cfg), (char *)url, &h));
    if (rc == WS_OK)
        *out = (ws_conn *)h;
    return rc;
}

int ws_feed_connect_request(ws_conn *c, const char *proto, const char *const *names,
                            const char *const *values, size_t n) {
    FORK_GUARD();
    NOT_NULL(c);
    NOT_NULL(proto);
    size_t room = STR_MAX;
    STRING(proto);
    int rc = check_pairs(__func__, names, values, n, &room);
    if (rc != WS_OK)
        return rc;
    return GO(wsgo_feed_connect_request(H(c), (char *)proto, (char **)names, (char **)values, n));
}

int ws_feed_connect_response(ws_conn *c, const char *const *names, const char *const *values,
                             size_t n) {
    FORK_GUARD();
    NOT_NULL(c);
    size_t room = STR_MAX;
    int rc = check_pairs(__func__, names, values, n, &room);
    if (rc != WS_OK)
        return rc;
    return GO(wsgo_feed_connect_response(H(c), (char **)names, (char **)values, n));
}

int ws_connect_field_at(ws_conn *c, size_t index, const char **name, const char **value) {
    FORK_GUARD();
    NOT_NULL(c);
    NOT_NULL(name);
    NOT_NULL(value);
    return GO(wsgo_connect_field_at(H(c), index, (char **)name, (char **)value));
}

/* ---- Events -------------------------------------------------------------------------- */

int ws_next_event(ws_conn *c, ws_event *ev) {
    FORK_GUARD();
    NOT_NULL(c);
    NOT_NULL(ev);
    return GO(wsgo_next_events(H(c), ev, 1));
}

int ws_next_events(ws_conn *c, ws_event *evs, size_t max) {
    FORK_GUARD();
    NOT_NULL(c);
    if (max == 0)
        return 0;
    NOT_NULL(evs);
    return GO(wsgo_next_events(H(c), evs, max));
}

int ws_feed_next(ws_conn *c, const void *buf, size_t len, size_t *used, ws_event *evs, size_t max) {
    FORK_GUARD();
    NOT_NULL(used);
    *used = 0;
    NOT_NULL(c);
    LENGTH(buf, len);
    if (max > 0)
        NOT_NULL(evs);
    return GO(wsgo_feed_next(H(c), (void *)buf, len, used, evs, max, 0));
}

int ws_feed_events(ws_conn *c, const void *buf, size_t len, ws_event *evs, size_t max) {
    FORK_GUARD();
    NOT_NULL(c);
    LENGTH(buf, len);
    if (max > 0)
        NOT_NULL(evs);
    size_t used = 0;
    return GO(wsgo_feed_next(H(c), (void *)buf, len, &used, evs, max, 1));
}

int ws_peek_event(ws_conn *c) {
    FORK_GUARD();
    NOT_NULL(c);
    return GO(wsgo_peek_event(H(c)));
}

int ws_pending_events(ws_conn *c) {
    FORK_GUARD();
    NOT_NULL(c);
    return GO(wsgo_pending_events(H(c)));
}

/* ---- Sending --------------------------------------------------------------------------- */

int ws_send_text(ws_conn *c, const void *buf, size_t len) {
    FORK_GUARD();
    NOT_NULL(c);
    LENGTH(buf, len);
    return GO(wsgo_send(H(c), WS_OP_TEXT, (void *)buf, len, 0));
}

int ws_send_binary(ws_conn *c, const void *buf, size_t len) {
    FORK_GUARD();
    NOT_NULL(c);
    LENGTH(buf, len);
    return GO(wsgo_send(H(c), WS_OP_BINARY, (void *)buf, len, 0));
}

int ws_send(ws_conn *c, int opcode, const void *buf, size_t len, unsigned flags) {
    FORK_GUARD();
    NOT_NULL(c);
    LENGTH(buf, len);
    return GO(wsgo_send(H(c), opcode, (void *)buf, len, flags));
}

int ws_begin_message(ws_conn *c, int opcode, unsigned flags) {
    FORK_GUARD();
    NOT_NULL(c);
    return GO(wsgo_begin_message(H(c), opcode, flags));
}

int ws_send_fragment(ws_conn *c, const void *buf, size_t len, int final) {
    FORK_GUARD();
    NOT_NULL(c);
    LENGTH(buf, len);
    return GO(wsgo_send_fragment(H(c), (void *)buf, len, final));
}

int ws_send_frame(ws_conn *c, int opcode, unsigned rsv, int fin, const void *buf, size_t len) {
    FORK_GUARD();
    NOT_NULL(c);
    LENGTH(buf, len);
    return GO(wsgo_send_frame(H(c), opcode, rsv, fin, (void *)buf, len));
}

int ws_ping(ws_conn *c, const void *buf, size_t len) {
    FORK_GUARD();
    NOT_NULL(c);
    LENGTH(buf, len);
    return GO(wsgo_ping(H(c), (void *)buf, len));
}

int ws_pong(ws_conn *c, const void *buf, size_t len) {
    FORK_GUARD();
    NOT_NULL(c);
    LENGTH(buf, len);
    return GO(wsgo_pong(H(c), (void *)buf, len));
}

int ws_close(ws_conn *c, int code, const void *reason, size_t len) {
    FORK_GUARD();
    NOT_NULL(c);
    LENGTH(reason, len);
    return GO(wsgo_close(H(c), code, (void *)reason, len));
}

int ws_heartbeat(ws_conn *c) {
    FORK_GUARD();
    NOT_NULL(c);
    return GO(wsgo_heartbeat(H(c)));
}

int ws_heartbeat_with(ws_conn *c, const void *buf, size_t len) {
    FORK_GUARD();
    NOT_NULL(c);
    LENGTH(buf, len);
    return GO(wsgo_heartbeat_with(H(c), (void *)buf, len));
}

int ws_unanswered_pings(ws_conn *c) {
    FORK_GUARD();
    NOT_NULL(c);
    return GO(wsgo_unanswered_pings(H(c)));
}

/* ---- Output ------------------------------------------------------------------------------- */

int ws_output(ws_conn *c, const uint8_t **data, size_t *len) {
    FORK_GUARD();
    NOT_NULL(c);
    NOT_NULL(data);
    NOT_NULL(len);
    return wsint_output(c, data, len); /* in C: output.c */
}

int64_t ws_output_copy(ws_conn *c, void *dst, size_t cap) {
    FORK_GUARD();
    NOT_NULL(c);
    LENGTH(dst, cap);
    return wsint_output_copy(c, dst, cap);
}

int ws_consume(ws_conn *c, size_t n) {
    FORK_GUARD();
    NOT_NULL(c);
    return wsint_consume(c, n);
}

/* ---- State -------------------------------------------------------------------------------- */

int ws_state(ws_conn *c) {
    FORK_GUARD();
    NOT_NULL(c);
    return GO(wsgo_state(H(c)));
}

int ws_hint(ws_conn *c) {
    FORK_GUARD();
    NOT_NULL(c);
    return GO(wsgo_hint(H(c)));
}

const char *ws_conn_failure(ws_conn *c) {
    if (forked || c == NULL)
        return "";
    const char *s = GO(wsgo_conn_failure(H(c)));
    return s ? s : "";
}

int ws_handshake_failure(ws_conn *c, const char **field) {
    FORK_GUARD();
    NOT_NULL(c);
    const char *f = NULL;
    int rc = GO(wsgo_handshake_failure(H(c), (char **)&f));
    if (field != NULL)
        *field = f ? f : "";
    return rc;
}

int ws_client_key(ws_conn *c, const char **s) {
    FORK_GUARD();
    NOT_NULL(c);
    NOT_NULL(s);
    return GO(wsgo_client_key(H(c), (char **)s));
}

int ws_subprotocol(ws_conn *c, const char **s) {
    FORK_GUARD();
    NOT_NULL(c);
    NOT_NULL(s);
    return GO(wsgo_subprotocol(H(c), (char **)s));
}

int ws_extensions(ws_conn *c, const char **s) {
    FORK_GUARD();
    NOT_NULL(c);
    NOT_NULL(s);
    return GO(wsgo_extensions(H(c), (char **)s));
}

int ws_deflate_params(ws_conn *c, int *server_no_context_takeover, int *client_no_context_takeover,
                      int *server_max_window_bits, int *client_max_window_bits) {
    FORK_GUARD();
    NOT_NULL(c);
    return GO(wsgo_deflate_params(H(c), server_no_context_takeover, client_no_context_takeover,
                               server_max_window_bits, client_max_window_bits));
}

int64_t ws_memory(ws_conn *c) {
    FORK_GUARD();
    NOT_NULL(c);
    return GO(wsgo_memory(H(c)));
}

int ws_shrink(ws_conn *c) {
    FORK_GUARD();
    NOT_NULL(c);
    return GO(wsgo_shrink(H(c)));
}

/* ---- Server handshake details --------------------------------------------------------------- */

int ws_request_method(ws_conn *c, const char **s) {
    FORK_GUARD();
    NOT_NULL(c);
    NOT_NULL(s);
    return GO(wsgo_request_method(H(c), (char **)s));
}

int ws_request_target(ws_conn *c, const char **s) {
    FORK_GUARD();
    NOT_NULL(c);
    NOT_NULL(s);
    return GO(wsgo_request_target(H(c), (char **)s));
}

int ws_request_host(ws_conn *c, const char **s) {
    FORK_GUARD();
    NOT_NULL(c);
    NOT_NULL(s);
    return GO(wsgo_request_host(H(c), (char **)s));
}

int ws_request_origin(ws_conn *c, const char **s) {
    FORK_GUARD();
    NOT_NULL(c);
    NOT_NULL(s);
    return GO(wsgo_request_origin(H(c), (char **)s));
}

int ws_request_header(ws_conn *c, const char *name, size_t index, const char **value) {
    FORK_GUARD();
    NOT_NULL(c);
    NOT_NULL(name);
    NOT_NULL(value);
    size_t room = STR_MAX;
    STRING(name);
    return GO(wsgo_request_header(H(c), (char *)name, index, (char **)value));
}

int ws_request_header_at(ws_conn *c, size_t index, const char **name, const char **value) {
    FORK_GUARD();
    NOT_NULL(c);
    NOT_NULL(name);
    NOT_NULL(value);
    return GO(wsgo_request_header_at(H(c), index, (char **)name, (char **)value));
}

int ws_response_header(ws_conn *c, const char *name, size_t index, const char **value) {
    FORK_GUARD();
    NOT_NULL(c);
    NOT_NULL(name);
    NOT_NULL(value);
    size_t room = STR_MAX;
    STRING(name);
    return GO(wsgo_response_header(H(c), (char *)name, index, (char **)value));
}

int ws_response_header_at(ws_conn *c, size_t index, const char **name, const char **value) {
    FORK_GUARD();
    NOT_NULL(c);
    NOT_NULL(name);
    NOT_NULL(value);
    return GO(wsgo_response_header_at(H(c), index, (char **)name, (char **)value));
}

int ws_request_subprotocol(ws_conn *c, size_t index, const char **s) {
    FORK_GUARD();
    NOT_NULL(c);
    NOT_NULL(s);
    return GO(wsgo_request_subprotocol(H(c), index, (char **)s));
}

int ws_request_extension(ws_conn *c, size_t index, const char **s) {
    FORK_GUARD();
    NOT_NULL(c);
    NOT_NULL(s);
    return GO(wsgo_request_extension(H(c), index, (char **)s));
}

int ws_accept(ws_conn *c, const char *subprotocol, const char *extensions,
              const char *const *names, const char *const *values, size_t n) {
    FORK_GUARD();
    NOT_NULL(c);
    size_t room = STR_MAX;
    STRING(subprotocol);
    STRING(extensions);
    int rc = check_pairs(__func__, names, values, n, &room);
    if (rc != WS_OK)
        return rc;
    return GO(wsgo_accept(H(c), (char *)(subprotocol ? subprotocol : ""),
                       (char *)(extensions ? extensions : ""), (char **)names, (char **)values, n));
}

int ws_reject(ws_conn *c, int status, const char *body, const char *const *names,
              const char *const *values, size_t n) {
    FORK_GUARD();
    NOT_NULL(c);
    size_t room = STR_MAX;
    STRING(body);
    int rc = check_pairs(__func__, names, values, n, &room);
    if (rc != WS_OK)
        return rc;
    return GO(wsgo_reject(H(c), status, (char *)(body ? body : ""), (char **)names, (char **)values, n));
}

int ws_response_status(ws_conn *c) {
    FORK_GUARD();
    NOT_NULL(c);
    return GO(wsgo_response_status(H(c)));
}

/* ---- Frames, masks and helpers ----------------------------------------------------------------- */

int ws_frame_parse_header(const void *buf, size_t len, ws_frame_header *h, size_t *need) {
    FORK_GUARD();
    LENGTH(buf, len);
    NOT_NULL(h);
    return GO(wsgo_frame_parse_header((void *)buf, len, h, need));
}

int ws_frame_encode_header(const ws_frame_header *h, uint8_t *out, size_t cap) {
    FORK_GUARD();
    NOT_NULL(h);
    NOT_NULL(out);
    if (cap > LEN_MAX)
        return err(WS_E_ARG, "cap is impossibly large (over 2^47 bytes)");
    return GO(wsgo_frame_encode_header((ws_frame_header *)h, out, cap));
}

int ws_mask(const uint8_t key[4], int pos, const void *src, void *dst, size_t len) {
    FORK_GUARD();
    NOT_NULL(key);
    LENGTH(src, len);
    LENGTH(dst, len);
    if (src != dst && len > 0 &&
        (const uint8_t *)src < (const uint8_t *)dst + len && (const uint8_t *)dst < (const uint8_t *)src + len)
        return err(WS_E_ARG, "buffers overlap (only src == dst is allowed)");
    return GO(wsgo_mask((uint8_t *)key, pos, (void *)src, dst, len));
}

int ws_random_mask(uint8_t key[4]) {
    FORK_GUARD();
    NOT_NULL(key);
    return GO(wsgo_random_mask(key));
}

int ws_random_bytes(void *buf, size_t len) {
    FORK_GUARD();
    LENGTH(buf, len);
    if (len == 0)
        return WS_OK;
    return GO(wsgo_random_bytes(buf, len));
}

int ws_accept_key(const char *key, char out[29]) {
    FORK_GUARD();
    NOT_NULL(key);
    NOT_NULL(out);
    size_t room = STR_MAX;
    STRING(key);
    return GO(wsgo_accept_key((char *)key, out));
}

int ws_utf8_valid(const void *buf, size_t len) {
    FORK_GUARD();
    LENGTH(buf, len);
    return GO(wsgo_utf8_valid((void *)buf, len));
}

int ws_close_code_valid(int code) {
    FORK_GUARD();
    return GO(wsgo_close_code_valid(code));
}

const char *ws_close_code_name(int code) {
    const char *s;
    if (forked)
        return "";
    s = GO(wsgo_close_code_name(code));
    return s ? s : "";
}

/* ---- Embedding helpers ------------------------------------------------------------------------ */

int ws_signal_forward(void **handler_slot) {
    NOT_NULL(handler_slot);
    if (*handler_slot == NULL)
        return err(WS_E_ARG, "*handler_slot is NULL: it must hold the host's signal handler");
    int rc = wsint_signal_forward(handler_slot);
    if (rc == WS_E_STATE)
        return err(rc, "ws_signal_forward already routes a different handler");
    return rc;
}

/* ---- Per-message compression -------------------------------------------------------------------- */

int ws_compressor_new(int level, int window_bits, int context_takeover, ws_compressor **out) {
    FORK_GUARD();
    NOT_NULL(out);
    *out = NULL;
    uintptr_t h = 0;
    int rc = GO(wsgo_compressor_new(level, window_bits, context_takeover, &h));
    if (rc == WS_OK)
        *out = (ws_compressor *)h;
    return rc;
}

int ws_compress(ws_compressor *z, const void *buf, size_t len, int final, const uint8_t **out,
                size_t *out_len) {
    FORK_GUARD();
    NOT_NULL(z);
    LENGTH(buf, len);
    NOT_NULL(out);
    NOT_NULL(out_len);
    return GO(wsgo_compress(H(z), (void *)buf, len, final, (uint8_t **)out, out_len));
}

void ws_compressor_free(ws_compressor *z) {
    if (z == NULL || forked)
        return;
    GOV(wsgo_compressor_free(H(z)));
}

int ws_decompressor_new(int window_bits, int context_takeover, int64_t max_size, ws_decompressor **out) {
    FORK_GUARD();
    NOT_NULL(out);
    *out = NULL;
    uintptr_t h = 0;
    int rc = GO(wsgo_decompressor_new(window_bits, context_takeover, max_size, &h));
    if (rc == WS_OK)
        *out = (ws_decompressor *)h;
    return rc;
}

int ws_decompress(ws_decompressor *z, const void *buf, size_t len, const uint8_t **out, size_t *out_len) {
    FORK_GUARD();
    NOT_NULL(z);
    LENGTH(buf, len);
    NOT_NULL(out);
    NOT_NULL(out_len);
    return GO(wsgo_decompress(H(z), (void *)buf, len, (uint8_t **)out, out_len));
}

void ws_decompressor_free(ws_decompressor *z) {
    if (z == NULL || forked)
        return;
    GOV(wsgo_decompressor_free(H(z)));
}
