/*
 * mem_host — an in-process C host fed a hostile peer's bytes (issue 11).
 *
 *   mem_host FILE SLICE [--streaming] [--max-message N] [--max-output N]
 *            [--max-queued N] [--no-drain] [--warmup FILE]
 *
 * FILE holds what a client sends after the opening handshake (gen.py);
 * SLICE is "whole" (one ws_feed call for all of it) or a byte count (one
 * call per slice). The connection is a server one, already open with
 * permessage-deflate agreed (ws_conn_new_open), every limit at its default
 * unless an option sets it.
 *
 * The whole file is read into memory first, and the warm-up file fed, so
 * that both are part of the baseline: the VmHWM read before the first
 * byte of FILE is fed. Then every slice is fed with the loop of ws.h,
 * "Input": ws_feed returns the bytes it left (the receive budget filled),
 * the events are taken and the rest fed again — a library whose ws_feed
 * always returns 0 runs the same loop. After every ws_feed the events are
 * taken (their data dropped), ws_memory is sampled, and the output is
 * written away (ws_output/ws_consume) unless --no-drain. A feed that
 * consumes nothing while no event can be taken and no output written ends
 * the input: the connection is waiting for its host (--no-drain: for the
 * output to be written) and the host never does — it is reported as
 * stalled=1.
 *
 * Prints one line, "RESULT key=value ...": vmhwm_kb, baseline_kb,
 * wsmem_peak (bytes), output_peak (bytes waiting at once), events,
 * messages, chunks, pings, data_bytes, max_event (bytes), close_code,
 * initiator, fed (bytes consumed), size, feeds (calls), stalled, error.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../include/ws.h"

struct figures {
    int64_t wsmem_peak, output_peak, data_bytes, max_event, fed, feeds;
    long events, messages, chunks, pings;
    int close_code, initiator, stalled, error;
};

static long vmhwm_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
            break;
    fclose(f);
    return kb;
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf;
    long n;
    if (!f || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fprintf(stderr, "mem_host: %s: %s\n", path, strerror(errno));
        exit(2);
    }
    buf = malloc(n ? (size_t)n : 1);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        fprintf(stderr, "mem_host: reading %s failed\n", path);
        exit(2);
    }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static void sample(ws_conn *c, struct figures *fg)
{
    int64_t m = ws_memory(c);
    if (m > fg->wsmem_peak)
        fg->wsmem_peak = m;
}

/* Takes every queued event, dropping its data. Returns how many. */
static long take_events(ws_conn *c, struct figures *fg)
{
    ws_event evs[64];
    long took = 0;
    for (;;) {
        evs[0].size = sizeof evs[0];
        int n = ws_next_events(c, evs, 64);
        if (n <= 0)
            break;
        for (int i = 0; i < n; i++) {
            const ws_event *ev = &evs[i];
            fg->events++;
            switch (ev->type) {
            case WS_EV_TEXT:
            case WS_EV_BINARY:
            case WS_EV_DATA:
                fg->chunks++;
                if (ev->flags & WS_EVF_LAST)
                    fg->messages++;
                fg->data_bytes += (int64_t)ev->len;
                if ((int64_t)ev->len > fg->max_event)
                    fg->max_event = (int64_t)ev->len;
                break;
            case WS_EV_PING:
                fg->pings++;
                break;
            case WS_EV_CLOSE:
                if (!fg->close_code) {
                    fg->close_code = ev->code ? ev->code : -1;
                    fg->initiator = ev->initiator;
                }
                break;
            }
        }
        took += n;
    }
    return took;
}

/* Writes the output away. Returns the bytes written. */
static size_t drain(ws_conn *c, struct figures *fg, int no_drain)
{
    const uint8_t *out;
    size_t len = 0;
    if (ws_output(c, &out, &len) != WS_OK)
        return 0;
    if ((int64_t)len > fg->output_peak)
        fg->output_peak = (int64_t)len;
    if (no_drain || len == 0)
        return 0;
    ws_consume(c, len);
    return len;
}

/* Feeds one slice, re-feeding what the receive budget left. Returns 0 to
 * go on, 1 to stop feeding (closed, stalled, error). */
static int feed_slice(ws_conn *c, const uint8_t *p, size_t n, struct figures *fg, int no_drain)
{
    while (n > 0) {
        int left = ws_feed(c, p, n);
        fg->feeds++;
        if (left < 0) {
            fg->error = left;
            fprintf(stderr, "mem_host: ws_feed: %s (%s)\n", ws_strerror(left), ws_last_error());
            return 1;
        }
        size_t used = n - (size_t)left;
        fg->fed += (int64_t)used;
        sample(c, fg);
        long took = take_events(c, fg);
        sample(c, fg);
        size_t wrote = drain(c, fg, no_drain);
        if (ws_state(c) == WS_STATE_CLOSED)
            return 1;
        if (left > 0 && used == 0 && took == 0 && wrote == 0) {
            fg->stalled = 1;
            return 1;
        }
        p += used;
        n = (size_t)left;
    }
    return 0;
}

static int64_t arg_int(const char *s)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 0);
    if (errno || *end) {
        fprintf(stderr, "mem_host: not a number: %s\n", s);
        exit(2);
    }
    return (int64_t)v;
}

static void set(ws_config *cfg, int opt, int64_t v, const char *name)
{
    int rc = ws_config_set(cfg, opt, v);
    if (rc != WS_OK) {
        fprintf(stderr, "mem_host: %s=%" PRId64 ": %s (%s)\n", name, v, ws_strerror(rc), ws_last_error());
        exit(2);
    }
}

int main(int argc, char **argv)
{
    const char *warmup = NULL;
    int no_drain = 0;
    ws_config *cfg;
    ws_conn *c;
    size_t len, slice;

    if (argc < 3) {
        fprintf(stderr, "usage: mem_host FILE whole|SLICE-BYTES [--streaming] [--max-message N] "
                        "[--max-output N] [--max-queued N] [--no-drain] [--warmup FILE]\n");
        return 2;
    }
    if (ws_config_new(WS_ROLE_SERVER, &cfg) != WS_OK)
        return 2;
    set(cfg, WS_OPT_DEFLATE, 1, "deflate");
    for (int i = 3; i < argc; i++) {
        const char *a = argv[i];
        int more = i + 1 < argc;
        if (!strcmp(a, "--streaming"))
            set(cfg, WS_OPT_STREAMING, 1, "streaming");
        else if (!strcmp(a, "--no-drain"))
            no_drain = 1;
        else if (!strcmp(a, "--max-message") && more)
            set(cfg, WS_OPT_MAX_MESSAGE, arg_int(argv[++i]), "max-message");
        else if (!strcmp(a, "--max-output") && more)
            set(cfg, WS_OPT_MAX_OUTPUT, arg_int(argv[++i]), "max-output");
        else if (!strcmp(a, "--max-queued") && more)
            set(cfg, WS_OPT_MAX_QUEUED, arg_int(argv[++i]), "max-queued");
        else if (!strcmp(a, "--warmup") && more)
            warmup = argv[++i];
        else {
            fprintf(stderr, "mem_host: unknown argument %s\n", a);
            return 2;
        }
    }
    if (ws_conn_new_open(cfg, NULL, "permessage-deflate", &c) != WS_OK) {
        fprintf(stderr, "mem_host: ws_conn_new_open: %s\n", ws_last_error());
        return 2;
    }
    ws_config_free(cfg);
    if (ws_deflate_params(c, NULL, NULL, NULL, NULL) != 1) {
        fprintf(stderr, "mem_host: permessage-deflate is not in use\n");
        return 2;
    }

    uint8_t *buf = read_file(argv[1], &len);
    slice = strcmp(argv[2], "whole") ? (size_t)arg_int(argv[2]) : len;
    if (slice == 0)
        slice = len ? len : 1;

    struct figures fg = {0};
    if (warmup) {
        size_t wlen;
        uint8_t *w = read_file(warmup, &wlen);
        feed_slice(c, w, wlen, &fg, 0);
        free(w);
        if (fg.messages != 1 || fg.error || ws_state(c) != WS_STATE_OPEN) {
            fprintf(stderr, "mem_host: the warm-up did not give one message\n");
            return 2;
        }
        drain(c, &fg, 0);
        memset(&fg, 0, sizeof fg);
    }
    long baseline = vmhwm_kb();

    for (size_t off = 0; off < len; off += slice) {
        size_t n = len - off < slice ? len - off : slice;
        if (feed_slice(c, buf + off, n, &fg, no_drain))
            break;
    }
    take_events(c, &fg);
    sample(c, &fg);

    printf("RESULT vmhwm_kb=%ld baseline_kb=%ld wsmem_peak=%" PRId64 " output_peak=%" PRId64
           " events=%ld messages=%ld chunks=%ld pings=%ld data_bytes=%" PRId64 " max_event=%" PRId64
           " close_code=%d initiator=%d fed=%" PRId64 " size=%zu feeds=%" PRId64 " stalled=%d error=%d\n",
           vmhwm_kb(), baseline, fg.wsmem_peak, fg.output_peak, fg.events, fg.messages, fg.chunks, fg.pings,
           fg.data_bytes, fg.max_event, fg.close_code, fg.initiator, fg.fed, len, fg.feeds, fg.stalled,
           fg.error);
    ws_conn_free(c);
    free(buf);
    return 0;
}
