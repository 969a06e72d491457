/*
 * ws_output, ws_output_copy and ws_consume, served in C from the window the
 * Go side publishes in each connection's struct wsint_conn (capi.h), so a
 * host that sends a message and writes it out enters the Go runtime once.
 * What is consumed here is applied by Go at the connection's next call.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capi.h"

/* The slots' structs, indexed like Go's handle table. A table is replaced
 * by a larger copy when a slot beyond it is needed; the old ones stay
 * (a lookup may still be reading one) and are chained from the new. */
struct conn_table {
    struct conn_table *prev;
    size_t cap;
    struct wsint_conn *slot[];
};
static struct conn_table *conns;

struct wsint_conn *wsint_conn_slot(uint32_t slot) {
    struct conn_table *t = conns;
    if (t == NULL || slot >= t->cap) {
        size_t cap = t ? t->cap : 64;
        while (cap <= slot)
            cap *= 2;
        struct conn_table *n = wsint_malloc(sizeof *n + cap * sizeof n->slot[0]);
        if (n == NULL)
            return NULL;
        n->prev = t;
        n->cap = cap;
        memset(n->slot, 0, cap * sizeof n->slot[0]);
        if (t)
            memcpy(n->slot, t->slot, t->cap * sizeof t->slot[0]);
        __atomic_store_n(&conns, n, __ATOMIC_RELEASE);
        t = n;
    }
    if (t->slot[slot] == NULL) {
        struct wsint_conn *s = wsint_malloc(sizeof *s);
        if (s == NULL)
            return NULL;
        memset(s, 0, sizeof *s);
        s->busy = 1; /* no connection yet */
        __atomic_store_n(&t->slot[slot], s, __ATOMIC_RELEASE);
    }
    return t->slot[slot];
}

/* A handle is (generation << SLOT_BITS) | (slot + 1), as in handles.go. */
#define SLOT_BITS (sizeof(uintptr_t) == 8 ? 32 : 20)

static int err(int code, const char *msg) {
    wsint_set_error(msg, strlen(msg));
    return code;
}

/* enter looks up c and takes its busy mark, as Go's enter does; it
 * returns the struct, or NULL with *rc set. */
static struct wsint_conn *enter(ws_conn *c, int *rc) {
    uintptr_t h = (uintptr_t)c;
    size_t slot = (size_t)(h & (((uintptr_t)1 << SLOT_BITS) - 1)) - 1; /* 0 wraps: no slot */
    uint32_t gen = (uint32_t)(h >> SLOT_BITS);
    struct conn_table *t = __atomic_load_n(&conns, __ATOMIC_ACQUIRE);
    struct wsint_conn *s = t && slot < t->cap ? __atomic_load_n(&t->slot[slot], __ATOMIC_ACQUIRE) : NULL;
    if (s == NULL || gen == 0 || __atomic_load_n(&s->gen, __ATOMIC_ACQUIRE) != gen) {
        *rc = err(WS_E_BAD_HANDLE, "not a live libws connection (freed, or never made by libws)");
        return NULL;
    }
    int32_t idle = 0;
    if (!__atomic_compare_exchange_n(&s->busy, &idle, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
        *rc = __atomic_load_n(&s->gen, __ATOMIC_ACQUIRE) != gen
                  ? err(WS_E_BAD_HANDLE, "the object was freed")
                  : err(WS_E_BUSY, "another thread is using this object right now");
        return NULL;
    }
    if (s->gen != gen) { /* freed and reused between the check and the mark */
        __atomic_store_n(&s->busy, 0, __ATOMIC_RELEASE);
        *rc = err(WS_E_BAD_HANDLE, "the object was freed");
        return NULL;
    }
    if (s->poisoned) {
        __atomic_store_n(&s->busy, 0, __ATOMIC_RELEASE);
        *rc = err(WS_E_INTERNAL, "this object hit an internal error earlier and is unusable; free it");
        return NULL;
    }
    return s;
}

static void leave(struct wsint_conn *s) { __atomic_store_n(&s->busy, 0, __ATOMIC_RELEASE); }

int wsint_output(ws_conn *c, const uint8_t **data, size_t *len) {
    int rc;
    struct wsint_conn *s = enter(c, &rc);
    if (s == NULL)
        return rc;
    size_t n = s->out_len - s->taken;
    *data = n ? s->out + s->taken : NULL;
    *len = n;
    leave(s);
    return WS_OK;
}

int64_t wsint_output_copy(ws_conn *c, void *dst, size_t cap) {
    int rc;
    struct wsint_conn *s = enter(c, &rc);
    if (s == NULL)
        return rc;
    size_t n = s->out_len - s->taken;
    if (n > cap)
        n = cap;
    if (n)
        memcpy(dst, s->out + s->taken, n);
    s->taken += n;
    leave(s);
    return (int64_t)n;
}

int wsint_consume(ws_conn *c, size_t n) {
    int rc;
    struct wsint_conn *s = enter(c, &rc);
    if (s == NULL)
        return rc;
    if (n > s->out_len - s->taken) {
        leave(s);
        return err(WS_E_ARG, "consume count is more than the output waiting");
    }
    s->taken += n;
    leave(s);
    return WS_OK;
}
