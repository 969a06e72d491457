/* Internal declarations shared by the Go side (cgo preambles) and the C
 * wrappers. Not installed; the public contract is include/ws.h. */
#ifndef LIBWS_CAPI_H
#define LIBWS_CAPI_H

#include <stddef.h>
#include <stdint.h>
#include "ws.h"

/* Records the detailed message of a failed call for ws_last_error() on the
 * calling thread (thread-local storage lives in wrappers.c). */
void wsint_set_error(const char *msg, size_t len);

/* malloc, realloc (of a block of old bytes) and a copy of n bytes as a C
 * string, which return NULL when memory runs out, where cgo's C.malloc and
 * C.CString abort, and keep room free for the Go runtime (alloc.c). */
void *wsint_malloc(size_t n);
void *wsint_realloc(void *p, size_t old, size_t n);
char *wsint_strndup(const char *s, size_t n);

/* ws_signal_forward's work, in signals.c. */
int wsint_signal_forward(void **slot);

/* Set by ws_signal_forward: entry points then block wsint_sigguard_set on
 * the calling thread while inside the Go runtime (wrappers.c). */
#include <signal.h>
extern volatile sig_atomic_t wsint_sigguard;
extern sigset_t wsint_sigguard_set;

/* A connection's output as C sees it (output.c): ws_output, ws_output_copy
 * and ws_consume are served from it without entering the Go runtime, so a
 * send and its drain cost one crossing. Go publishes the output window at
 * the end of each call on the connection and applies what C consumed
 * meanwhile at the start of the next; busy is the connection's one guard
 * against concurrent calls, taken by both sides. Bookkeeping only: no
 * protocol decision is made from it. */
struct wsint_conn {
    uint32_t gen;       /* the live connection's handle generation; 0: none */
    int32_t busy;       /* 1 while a call is inside, in Go or in C */
    int32_t poisoned;   /* a panic happened inside: every call fails */
    const uint8_t *out; /* output waiting at the end of the last Go call */
    size_t out_len;
    size_t taken;       /* of it, consumed in C since */
};

/* The slot's struct (made on first use, then reused by the slot's later
 * connections), or NULL when memory runs out. Called by Go's handle table
 * under its lock. */
struct wsint_conn *wsint_conn_slot(uint32_t slot);

/* ws_output, ws_output_copy and ws_consume after their argument checks. */
int wsint_output(ws_conn *c, const uint8_t **data, size_t *len);
int64_t wsint_output_copy(ws_conn *c, void *dst, size_t cap);
int wsint_consume(ws_conn *c, size_t n);

#endif
