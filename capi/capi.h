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

#endif
