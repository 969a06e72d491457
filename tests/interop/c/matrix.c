/* matrix.c — payloads and RESULT lines of the C programs (see matrix.h). */
#include "matrix.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char TEXT[] = "h\xc3\xa9llo w\xc3\xb6rld \xe2\x9c\x93 \xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x98\x80 "
                           "\xe2\x80\x94 libws interop";
static const char COMP_UNIT[] = "compressible text \xe2\x80\x94 context takeover; ";
static uint8_t bin[1000];
static uint8_t *large;
static uint8_t *comp;

struct payload SCRIPT[MSG_COUNT];
const char *const STEP_OF[MSG_COUNT] = { "text", "binary", "large", "compressed", "compressed", "compressed" };
static const char *const STEPS[] = { "open", "deflate", "server-ping", "text", "client-ping", "binary",
                                     "large", "compressed", "rsv1", "close", "end" };

void matrix_init(void)
{
    size_t i, unit = sizeof COMP_UNIT - 1;
    for (i = 0; i < sizeof bin; i++)
        bin[i] = (uint8_t)((i * 37 + 11) & 0xFF);
    large = malloc(LARGE_SIZE);
    comp = malloc(unit * 100);
    if (large == NULL || comp == NULL) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    for (i = 0; i < LARGE_SIZE; i++)
        large[i] = (uint8_t)((i * 31 + (i >> 9)) & 0xFF);
    for (i = 0; i < 100; i++)
        memcpy(comp + i * unit, COMP_UNIT, unit);
    SCRIPT[0] = (struct payload){ 1, (const uint8_t *)TEXT, sizeof TEXT - 1 };
    SCRIPT[1] = (struct payload){ 0, bin, sizeof bin };
    SCRIPT[2] = (struct payload){ 0, large, LARGE_SIZE };
    for (i = 3; i < MSG_COUNT; i++)
        SCRIPT[i] = (struct payload){ 1, comp, unit * 100 };
}

int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int set_nonblocking(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

void report_init(struct report *r, const char *impl, const char *role, char conn)
{
    memset(r, 0, sizeof *r);
    r->impl = impl;
    r->role = role;
    r->conn = conn;
    r->deflate = -1;
}

static int has(const char list[][16], int n, const char *step)
{
    for (int i = 0; i < n; i++)
        if (strcmp(list[i], step) == 0)
            return 1;
    return 0;
}

void report_ok(struct report *r, const char *step)
{
    if (!has(r->passed, r->npassed, step) && r->npassed < 16)
        snprintf(r->passed[r->npassed++], sizeof r->passed[0], "%s", step);
}

static void vfail(struct report *r, const char *step, const char *fmt, va_list ap)
{
    char msg[256];
    vsnprintf(msg, sizeof msg, fmt, ap);
    fprintf(stderr, "[%s %s %c] FAIL %s: %s\n", r->impl, r->role, r->conn, step, msg);
    if (r->failed[0] == '\0') {
        snprintf(r->failed, sizeof r->failed, "%s", step);
        snprintf(r->error, sizeof r->error, "%s", msg);
    }
}

void report_fail(struct report *r, const char *step, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(r, step, fmt, ap);
    va_end(ap);
}

int report_check(struct report *r, const char *step, int cond, const char *fmt, ...)
{
    va_list ap;
    if (cond) {
        report_ok(r, step);
        return 1;
    }
    va_start(ap, fmt);
    vfail(r, step, fmt, ap);
    va_end(ap);
    return 0;
}

void report_na(struct report *r, const char *step, const char *why)
{
    if (r->nna < 8) {
        snprintf(r->na[r->nna], sizeof r->na[0], "%s", step);
        snprintf(r->na_why[r->nna++], sizeof r->na_why[0], "%s", why);
    }
}

const char *report_current(const struct report *r)
{
    for (size_t i = 0; i < sizeof STEPS / sizeof STEPS[0]; i++)
        if (!has(r->passed, r->npassed, STEPS[i]) && !has(r->na, r->nna, STEPS[i]))
            return STEPS[i];
    return "end";
}

int report_message(struct report *r, int index, int text, const uint8_t *data, size_t len)
{
    const struct payload *p = &SCRIPT[index];
    size_t i;
    if (text != p->text)
        return report_check(r, STEP_OF[index], 0, "message %d: got %s, want %s", index + 1,
                            text ? "text" : "binary", p->text ? "text" : "binary");
    if (len != p->len)
        return report_check(r, STEP_OF[index], 0, "message %d: got %zu bytes, want %zu", index + 1, len, p->len);
    for (i = 0; i < len && data[i] == p->data[i]; i++)
        ;
    return report_check(r, STEP_OF[index], i == len, "message %d: differs at offset %zu", index + 1, i);
}

void report_deflate(struct report *r, ws_conn *c)
{
    const char *ext = "";
    if (ws_extensions(c, &ext) < 0)
        ext = "";
    snprintf(r->extensions, sizeof r->extensions, "%s", ext);
    r->deflate = ws_deflate_params(c, &r->snct, &r->cnct, &r->smwb, &r->cmwb);
}

/* A JSON string (the values we print are UTF-8 already). */
static void json_str(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            printf("\\%c", ch);
        else if (ch < 0x20)
            printf("\\u%04x", ch);
        else
            putchar(ch);
    }
    putchar('"');
}

void report_emit(struct report *r)
{
    int i;
    if (r->emitted)
        return;
    r->emitted = 1;
    if (r->failed[0] == '\0') {
        const char *cur = report_current(r);
        if (!has(r->passed, r->npassed, cur) && !has(r->na, r->nna, cur))
            report_fail(r, cur, "not reached");
    }
    printf("RESULT {\"impl\": ");
    json_str(r->impl);
    printf(", \"role\": ");
    json_str(r->role);
    printf(", \"conn\": \"%c\", \"ok\": %s, \"failed\": ", r->conn, r->failed[0] ? "false" : "true");
    json_str(r->failed);
    printf(", \"error\": ");
    json_str(r->error);
    printf(", \"passed\": [");
    for (i = 0; i < r->npassed; i++) {
        printf(i ? ", " : "");
        json_str(r->passed[i]);
    }
    printf("], \"na\": {");
    for (i = 0; i < r->nna; i++) {
        printf(i ? ", " : "");
        json_str(r->na[i]);
        printf(": ");
        json_str(r->na_why[i]);
    }
    printf("}, \"extensions\": ");
    json_str(r->extensions);
    if (r->deflate == 1)
        printf(", \"deflate\": {\"server_no_context_takeover\": %s, \"client_no_context_takeover\": %s, "
               "\"server_max_window_bits\": %d, \"client_max_window_bits\": %d}",
               r->snct ? "true" : "false", r->cnct ? "true" : "false", r->smwb, r->cmwb);
    else if (r->deflate == 0)
        printf(", \"deflate\": null");
    printf("}\n");
    fflush(stdout);
}

int send_fragmented(ws_conn *c, int text, const uint8_t *data, size_t len)
{
    size_t off = 0;
    int rc = ws_begin_message(c, text ? WS_OP_TEXT : WS_OP_BINARY, 0);
    while (rc == WS_OK) {
        size_t n = len - off < FRAG_SIZE ? len - off : FRAG_SIZE;
        rc = ws_send_fragment(c, data + off, n, off + n == len);
        off += n;
        if (off == len)
            break;
    }
    return rc;
}
