/*
 * C memory for the Go side. cgo's own C.malloc and C.CString abort the
 * process when malloc fails ("runtime: C malloc failed"); these return
 * NULL instead, which the callers turn into WS_E_NOMEM or a connection
 * failed with 1011.
 *
 * They also stop short of the process's memory limit (RLIMIT_AS,
 * RLIMIT_DATA, strict overcommit): a buffer that a peer grows a piece at a
 * time would otherwise take the last free byte, and the Go runtime, whose
 * own allocations cannot fail cleanly (a new heap arena, mark bits, a
 * thread stack), would then kill the process at its next one.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "capi.h"

/* Left free for the Go runtime by a large block: a 64 MiB heap arena with
 * its metadata and a few thread stacks. Small blocks may go on to within
 * HEADROOM_SMALL of the limit, so that the events and messages that report
 * a failure still get their few bytes. */
#define HEADROOM ((size_t)96 << 20)
#define HEADROOM_SMALL ((size_t)32 << 20)

/* Blocks from SMALL up are checked each time they grow; smaller ones once
 * they have taken SMALL bytes together since the last check that found
 * room (every time after one that did not). */
#define SMALL ((size_t)1 << 20)
static size_t unchecked;

/* Whether n more bytes can be mapped: a mapping that is never touched (and
 * costs nothing but two system calls) must succeed. */
static int mappable(size_t n) {
    void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return 0;
    munmap(p, n);
    return 1;
}

/* Whether a block of size bytes may take more bytes than it has. */
static int room_for(size_t size, size_t more) {
    if (more > SIZE_MAX - HEADROOM)
        return 0;
    if (size >= SMALL)
        return mappable(more + HEADROOM);
    if (__atomic_add_fetch(&unchecked, more, __ATOMIC_RELAXED) < SMALL)
        return 1;
    int ok = mappable(more + HEADROOM_SMALL);
    __atomic_store_n(&unchecked, ok ? 0 : SMALL, __ATOMIC_RELAXED);
    return ok;
}

void *wsint_malloc(size_t n) { return room_for(n, n) ? malloc(n > 0 ? n : 1) : NULL; }

void *wsint_realloc(void *p, size_t old, size_t n) {
    if (n > old && !room_for(n, n - old))
        return NULL;
    return realloc(p, n > 0 ? n : 1);
}

char *wsint_strndup(const char *s, size_t n) {
    char *d = wsint_malloc(n + 1);
    if (d == NULL)
        return NULL;
    if (n > 0)
        memcpy(d, s, n);
    d[n] = 0;
    return d;
}
