/*
 * matrix.h — the interop matrix's exchange for the C programs
 * (matrix_server.c, matrix_client.c): payloads, and the RESULT line each
 * side prints per connection. The same script is written in Python
 * (python/matrix_common.py), JavaScript, Go and Perl; README.md describes
 * it.
 */
#ifndef MATRIX_H
#define MATRIX_H

#include <stddef.h>
#include <stdint.h>

#include "ws.h"

#define MSG_COUNT 6         /* TEXT, BIN, LARGE, COMP, COMP, COMP */
#define LARGE_SIZE (1u << 20)
#define FRAG_SIZE 65536u    /* LARGE goes out in 16 fragments */
#define TIMEOUT_MS 10000    /* any one wait */
#define WINDOW_BITS 10      /* connection C: server_ and client_max_window_bits */
#define NCONN 3             /* connections A, B, C */
#define CLOSE_A_CODE 4000   /* the client closes connections A and C */
#define CLOSE_A_REASON "matrix done \xe2\x9c\x93"
#define CLOSE_B_CODE 4001   /* the server closes connection B */
#define CLOSE_B_REASON "server done \xe2\x9c\x93"
#define SERVER_PING "server ping \xe2\x9c\x93"
#define CLIENT_PING "client ping \xe2\x9c\x93"

struct payload {
    int text; /* 1: text, 0: binary */
    const uint8_t *data;
    size_t len;
};

/* The messages the client sends, in order; the server echoes each. */
extern struct payload SCRIPT[MSG_COUNT];
/* The step each message belongs to ("text", "binary", "large", "compressed"). */
extern const char *const STEP_OF[MSG_COUNT];

/* Builds the payloads (call once). */
void matrix_init(void);

/* What one side saw on one connection. The first failure is kept. */
struct report {
    const char *impl, *role;
    char conn;              /* 'A' or 'B' */
    char passed[16][16];
    int npassed;
    char na[8][16];
    char na_why[8][96];
    int nna;
    char failed[16];
    char error[256];
    char extensions[256];
    int deflate;            /* ws_deflate_params: 1 in use, 0 not, -1 unknown */
    int snct, cnct, smwb, cmwb;
    int emitted;
};

void report_init(struct report *r, const char *impl, const char *role, char conn);
void report_ok(struct report *r, const char *step);
void report_fail(struct report *r, const char *step, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int report_check(struct report *r, const char *step, int cond, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void report_na(struct report *r, const char *step, const char *why);
/* The first step not yet passed (where a timeout or an abort happened). */
const char *report_current(const struct report *r);
/* Checks message index of the script: type and bytes. */
int report_message(struct report *r, int index, int text, const uint8_t *data, size_t len);
/* Records the negotiated extensions of c (ws_extensions, ws_deflate_params). */
void report_deflate(struct report *r, ws_conn *c);
/* Prints the RESULT line (once). */
void report_emit(struct report *r);

int64_t now_ms(void);
int set_nonblocking(int fd);

/* Queues LARGE-style data as a fragmented message (FRAG_SIZE pieces). */
int send_fragmented(ws_conn *c, int text, const uint8_t *data, size_t len);

#endif
