#define _GNU_SOURCE
#include "util.h"

#include <malloc.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char UTIL_REQUEST[] =
    "GET /chat HTTP/1.1\r\n"
    "Host: server.example.com\r\n"
    "Upgrade: websocket\r\n"
    "Connection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    "Sec-WebSocket-Version: 13\r\n"
    "\r\n";

/* Makes room for more events in l. */
static int ev_reserve(ev_list *l, size_t more) {
    if (l->n + more <= l->cap)
        return 0;
    size_t cap = l->cap ? l->cap : 16;
    while (cap < l->n + more)
        cap *= 2;
    ev_copy *v = realloc(l->v, cap * sizeof *v);
    if (v == NULL)
        return WS_E_NOMEM;
    l->v = v;
    l->cap = cap;
    return 0;
}

/* Copies c's queued events into l. Returns the number taken or an error. */
static int take_events(ws_conn *c, ev_list *l) {
    int taken = 0;
    for (;;) {
        ws_event ev;
        memset(&ev, 0, sizeof ev);
        ev.size = sizeof ev;
        int rc = ws_next_event(c, &ev);
        if (rc < 0)
            return rc;
        if (rc == 0)
            return taken;
        if (ev_reserve(l, 1) < 0)
            return WS_E_NOMEM;
        ev_copy *e = &l->v[l->n++];
        e->type = ev.type;
        e->opcode = ev.opcode;
        e->rsv = ev.rsv;
        e->flags = ev.flags;
        e->code = ev.code;
        e->initiator = ev.initiator;
        e->len = ev.len;
        e->data = malloc(ev.len + 1);
        if (e->data == NULL)
            return WS_E_NOMEM;
        if (ev.len > 0)
            memcpy(e->data, ev.data, ev.len);
        e->data[ev.len] = 0;
        taken++;
    }
}

/*
 * Events util_pump had to take to go on feeding: ws_feed stops once the
 * untaken events reach the receive budget (WS_OPT_MAX_QUEUED) and leaves
 * the rest of the input. They wait here for the next util_drain of their
 * connection, which hands them out first. Threads pump their own pairs at
 * the same time (test_threads), hence the lock.
 */
#define HELD_SLOTS 64
static struct {
    ws_conn *c;
    ev_list l;
} held[HELD_SLOTS];
static pthread_mutex_t held_mu = PTHREAD_MUTEX_INITIALIZER;

/* Takes c's queued events into its held list. Returns the number taken or
 * an error. */
static int hold_events(ws_conn *c) {
    ev_list l = {0};
    int rc = take_events(c, &l);
    if (rc <= 0) {
        ev_list_free(&l);
        return rc;
    }
    pthread_mutex_lock(&held_mu);
    size_t i = 0;
    while (i < HELD_SLOTS && held[i].c != c)
        i++;
    if (i == HELD_SLOTS) /* none held for c yet: a free slot */
        for (i = 0; i < HELD_SLOTS && held[i].c != NULL; i++)
            ;
    if (i == HELD_SLOTS) {
        rc = WS_E_LIMIT;
    } else if (ev_reserve(&held[i].l, l.n) < 0) {
        rc = WS_E_NOMEM;
    } else {
        held[i].c = c;
        memcpy(held[i].l.v + held[i].l.n, l.v, l.n * sizeof *l.v);
        held[i].l.n += l.n;
        l.n = 0; /* the copies belong to the held list now */
    }
    pthread_mutex_unlock(&held_mu);
    ev_list_free(&l);
    return rc;
}

int util_drain(ws_conn *c, ev_list *l) {
    ev_list mine = {0};
    pthread_mutex_lock(&held_mu);
    for (size_t i = 0; i < HELD_SLOTS; i++)
        if (held[i].c == c) {
            mine = held[i].l;
            held[i].c = NULL;
            held[i].l = (ev_list){0};
        }
    pthread_mutex_unlock(&held_mu);
    if (ev_reserve(l, mine.n) < 0) {
        ev_list_free(&mine);
        return WS_E_NOMEM;
    }
    if (mine.n > 0)
        memcpy(l->v + l->n, mine.v, mine.n * sizeof *mine.v);
    l->n += mine.n;
    free(mine.v);
    int rc = take_events(c, l);
    return rc < 0 ? rc : (int)mine.n + rc;
}

void ev_list_free(ev_list *l) {
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i].data);
    free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}

const ev_copy *ev_find(const ev_list *l, int type) {
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].type == type)
            return &l->v[i];
    return NULL;
}

long util_pump(ws_conn *from, ws_conn *to, size_t chunk) {
    const uint8_t *out;
    size_t len;
    int rc = ws_output(from, &out, &len);
    if (rc < 0)
        return rc;
    if (len == 0)
        return 0;
    /* The output pointer is borrowed from `from` only, so feeding `to`
     * does not invalidate it. */
    size_t off = 0;
    while (off < len) {
        size_t n = len - off;
        if (chunk > 0 && n > chunk)
            n = chunk;
        int left = ws_feed(to, out + off, n);
        if (left < 0)
            return left;
        off += n - (size_t)left;
        /* Bytes left: the budget is full. Take the events to make room,
         * then feed the rest. */
        if (left > 0 && (rc = hold_events(to)) <= 0)
            return rc < 0 ? rc : WS_E_INTERNAL; /* nothing to take: no progress */
    }
    rc = ws_consume(from, len);
    if (rc < 0)
        return rc;
    return (long)len;
}

int util_take_output(ws_conn *c, uint8_t **out, size_t *len) {
    const uint8_t *p;
    size_t n;
    int rc = ws_output(c, &p, &n);
    if (rc < 0)
        return rc;
    *out = malloc(n + 1);
    if (*out == NULL)
        return WS_E_NOMEM;
    if (n > 0)
        memcpy(*out, p, n);
    (*out)[n] = 0;
    *len = n;
    return ws_consume(c, n);
}

char *util_take_output_str(ws_conn *c) {
    const uint8_t *p;
    size_t n;
    if (ws_output(c, &p, &n) != WS_OK)
        return NULL;
    char *s = malloc(n + 1);
    if (s == NULL)
        return NULL;
    if (n > 0)
        memcpy(s, p, n);
    s[n] = 0;
    if (ws_consume(c, n) != WS_OK) {
        free(s);
        return NULL;
    }
    return s;
}

ws_config *util_config(int role, ...) {
    ws_config *cfg;
    if (ws_config_new(role, &cfg) != WS_OK)
        return NULL;
    va_list ap;
    va_start(ap, role);
    for (;;) {
        int opt = va_arg(ap, int);
        if (opt == 0)
            break;
        int v = va_arg(ap, int);
        if (ws_config_set(cfg, opt, v) != WS_OK) {
            fprintf(stderr, "util_config: option %d = %d: %s\n", opt, v, ws_last_error());
            ws_config_free(cfg);
            cfg = NULL;
            break;
        }
    }
    va_end(ap);
    return cfg;
}

static int expect_events(ws_conn *c, const char *who, const int *types, size_t n) {
    ev_list l = {0};
    int rc = util_drain(c, &l);
    if (rc < 0) {
        ev_list_free(&l);
        return rc;
    }
    int ok = l.n == n;
    for (size_t i = 0; ok && i < n; i++)
        ok = l.v[i].type == types[i];
    if (!ok) {
        fprintf(stderr, "util_handshake: %s: unexpected events:", who);
        for (size_t i = 0; i < l.n; i++)
            fprintf(stderr, " type=%d code=%d '%s'", l.v[i].type, l.v[i].code, (char *)l.v[i].data);
        fprintf(stderr, "\n");
    }
    ev_list_free(&l);
    return ok ? 0 : WS_E_HANDSHAKE;
}

int util_handshake(const ws_config *ccfg, const ws_config *scfg, ws_conn **client, ws_conn **server) {
    static const int server_evs[] = {WS_EV_REQUEST, WS_EV_OPEN};
    static const int client_evs[] = {WS_EV_OPEN};
    ws_conn *c = NULL, *s = NULL;
    long n;
    int rc = ws_client_new(ccfg, "ws://server.example.com/chat", &c);
    if (rc == WS_OK)
        rc = ws_server_new(scfg, &s);
    if (rc == WS_OK && (n = util_pump(c, s, 0)) < 0)
        rc = (int)n;
    if (rc == WS_OK && (n = util_pump(s, c, 0)) < 0)
        rc = (int)n;
    if (rc == WS_OK)
        rc = expect_events(s, "server", server_evs, 2);
    if (rc == WS_OK)
        rc = expect_events(c, "client", client_evs, 1);
    if (rc == WS_OK && (ws_state(c) != WS_STATE_OPEN || ws_state(s) != WS_STATE_OPEN))
        rc = WS_E_STATE;
    if (rc != WS_OK) {
        fprintf(stderr, "util_handshake failed: %d (%s) %s\n", rc, ws_strerror(rc), ws_last_error());
        ws_conn_free(c);
        ws_conn_free(s);
        return rc;
    }
    *client = c;
    *server = s;
    return WS_OK;
}

int util_open_pair(const ws_config *ccfg, const ws_config *scfg, ws_conn **client, ws_conn **server) {
    ws_conn *c = NULL, *s = NULL;
    int rc = ws_conn_new_open(ccfg, NULL, NULL, &c);
    if (rc == WS_OK)
        rc = ws_conn_new_open(scfg, NULL, NULL, &s);
    if (rc != WS_OK) {
        ws_conn_free(c);
        return rc;
    }
    *client = c;
    *server = s;
    return WS_OK;
}

long util_walk_frames(const uint8_t *buf, size_t len, frame_cb cb, void *arg) {
    long frames = 0;
    size_t off = 0;
    while (off < len) {
        ws_frame_header h;
        size_t need = 0;
        int hl = ws_frame_parse_header(buf + off, len - off, &h, &need);
        if (hl <= 0)
            return -1; /* malformed, or a truncated header */
        if (h.length > len - off - (size_t)hl)
            return -1; /* truncated payload */
        if (cb)
            cb(arg, &h, buf + off + hl);
        off += (size_t)hl + (size_t)h.length;
        frames++;
    }
    return frames;
}

double util_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

long util_status_kib(const char *field) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    size_t n = strlen(field);
    long kib = -1;
    if (f == NULL)
        return -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, field, n) == 0 && line[n] == ':') {
            kib = strtol(line + n + 1, NULL, 10);
            break;
        }
    fclose(f);
    return kib;
}

long util_rss_kib(void) { return util_status_kib("VmRSS"); }

long long util_heap_bytes(void) {
    struct mallinfo2 mi = mallinfo2();
    return (long long)mi.uordblks + (long long)mi.hblkhd;
}

unsigned long util_env_ulong(const char *name, unsigned long def) {
    const char *s = getenv(name);
    if (s == NULL || *s == 0)
        return def;
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    return *end == 0 ? v : def;
}
