/*
 * Shared helpers of the libws C tests: moving bytes between two in-memory
 * connections, draining events into owned copies, frame walking, clocks
 * and memory figures. No cmocka here: the helpers report failures by
 * return value, so the non-cmocka programs (threads, soak, bench) use them
 * too.
 */
#ifndef LIBWS_TEST_UTIL_H
#define LIBWS_TEST_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "ws.h"

/* An event copied out of the connection (the library's data pointer is
 * borrowed; tests keep copies to compare after later calls). */
typedef struct {
    int type, opcode, rsv, flags, code, initiator;
    size_t len;
    uint8_t *data; /* malloc'ed copy, NUL-terminated for convenience */
} ev_copy;

typedef struct {
    ev_copy *v;
    size_t n, cap;
} ev_list;

/* Takes every queued event of c into l (appending). Returns the number
 * taken or a negative WS_E_* code. */
int util_drain(ws_conn *c, ev_list *l);
void ev_list_free(ev_list *l);
/* The first event of type in l, or NULL. */
const ev_copy *ev_find(const ev_list *l, int type);

/* Moves all of from's output into to (feeding it in chunks of at most
 * chunk bytes; 0 = all at once) and consumes it. Returns the number of
 * bytes moved or a negative WS_E_* code. */
long util_pump(ws_conn *from, ws_conn *to, size_t chunk);

/* Copies from's pending output into a malloc'ed buffer (*out, *len) and
 * consumes it. Returns 0 or a negative WS_E_* code. */
int util_take_output(ws_conn *c, uint8_t **out, size_t *len);
/* The same as a malloc'ed NUL-terminated string (an HTTP head), or NULL. */
char *util_take_output_str(ws_conn *c);

/* Makes a config of role with the given (option, value) int pairs,
 * terminated by option 0. Returns NULL on any failure. The values are read
 * as int: a 64-bit value passed here is misread where int64_t and int are
 * passed differently (i386); set those with ws_config_set. */
ws_config *util_config(int role, ...);

/* A client/server pair through the full in-memory opening handshake
 * (client request fed to the server, the 101 fed back). The handshake
 * events (server: REQUEST, OPEN; client: OPEN) are checked and drained.
 * Returns 0 or a negative code (with a message on stderr). */
int util_handshake(const ws_config *ccfg, const ws_config *scfg, ws_conn **client, ws_conn **server);

/* A client/server pair made open with ws_conn_new_open (no handshake). */
int util_open_pair(const ws_config *ccfg, const ws_config *scfg, ws_conn **client, ws_conn **server);

/* Walks buf as a sequence of complete frames with ws_frame_parse_header.
 * Returns the number of frames, or -1 if a header is malformed or the
 * buffer does not end exactly at a frame boundary. For each frame, if cb
 * is not NULL, calls cb(arg, header, payload) (payload still masked). */
typedef void (*frame_cb)(void *arg, const ws_frame_header *h, const uint8_t *payload);
long util_walk_frames(const uint8_t *buf, size_t len, frame_cb cb, void *arg);

/* A standard opening request for a server test ("GET /chat ..."). */
extern const char UTIL_REQUEST[];

/* Monotonic seconds. */
double util_now(void);
/* Resident set size of this process in KiB (VmRSS), or -1. */
long util_rss_kib(void);
/* A kB field of /proc/self/status ("VmSize", "VmHWM"...), or -1. */
long util_status_kib(const char *field);
/* Bytes of C heap in use (glibc mallinfo2: arena + mmapped chunks). */
long long util_heap_bytes(void);

/* An unsigned integer from the environment, or def. */
unsigned long util_env_ulong(const char *name, unsigned long def);

#endif
