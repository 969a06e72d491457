/*
 * bench_calls.c — the cost of crossing into libws (a benchmark, not a
 * test): nanoseconds per call of a cheap function (ws_state) and of
 * ws_feed of one 16-byte frame + ws_next_event, from the process's main
 * thread and from another pthread (cgo calls from threads the Go runtime
 * did not create cost more the first time, and may differ after); the
 * time to dlopen() libws.so; and the resident memory the Go runtime adds.
 *
 * The library is loaded with dlopen() (not linked) so that load time and
 * RSS before/after can be measured.
 *
 * With BENCH_SIGNAL_FORWARD=1 in the environment, a handler is routed
 * through ws_signal_forward first (as the Perl binding does), so every call
 * pays for libws's signal guard.
 *
 * Usage: bench_calls PATH/TO/libws.so [iterations]
 */
#include <dlfcn.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "ws.h" /* types and constants; functions come from dlsym */

static struct {
    int (*config_new)(int, ws_config **);
    void (*config_free)(ws_config *);
    int (*conn_new_open)(const ws_config *, const char *, const char *, ws_conn **);
    void (*conn_free)(ws_conn *);
    int (*state)(ws_conn *);
    int (*feed)(ws_conn *, const void *, size_t);
    int (*next_event)(ws_conn *, ws_event *);
    int (*next_events)(ws_conn *, ws_event *, size_t);
    int (*mask)(const uint8_t *, int, const void *, void *, size_t);
    int (*signal_forward)(void **);
} api;

static volatile sig_atomic_t usr1_seen;
static void host_handler(int sig, siginfo_t *info, void *uc) {
    (void)sig, (void)info, (void)uc;
    usr1_seen = 1;
}
static void *handler_slot = (void *)host_handler;

static unsigned long iters = 2000000;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long rss_kib(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kib = -1;
    if (f == NULL)
        return -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0)
            kib = strtol(line + 6, NULL, 10);
    fclose(f);
    return kib;
}

/* One masked binary frame of 16 bytes in all (2 header + 4 key + 10
 * payload), as a client sends it. */
static uint8_t frame16[16];
static uint8_t frames16x16[16 * 16];

struct result {
    double state_ns, feed_ns, batch_ns;
};

static ws_conn *new_server(ws_config **cfg) {
    ws_conn *s;
    if (api.config_new(WS_ROLE_SERVER, cfg) != WS_OK || api.conn_new_open(*cfg, NULL, NULL, &s) != WS_OK) {
        fprintf(stderr, "setup failed\n");
        exit(1);
    }
    return s;
}

static void run(struct result *r) {
    ws_config *cfg;
    ws_conn *s = new_server(&cfg);
    ws_event ev;
    memset(&ev, 0, sizeof ev);
    ev.size = sizeof ev;
    /* Warm-up. */
    for (int i = 0; i < 10000; i++)
        api.state(s);
    double t0 = now();
    int sink = 0;
    for (unsigned long i = 0; i < iters; i++)
        sink += api.state(s);
    r->state_ns = (now() - t0) * 1e9 / (double)iters;
    if (sink != (int)(WS_STATE_OPEN * (unsigned)iters))
        fprintf(stderr, "unexpected ws_state results\n");

    unsigned long n = iters / 4;
    t0 = now();
    for (unsigned long i = 0; i < n; i++) {
        if (api.feed(s, frame16, sizeof frame16) != WS_OK || api.next_event(s, &ev) != 1) {
            fprintf(stderr, "feed/next_event failed at %lu\n", i);
            exit(1);
        }
    }
    r->feed_ns = (now() - t0) * 1e9 / (double)n;

    /* 16 frames per ws_feed, taken with one ws_next_events: per frame. */
    ws_event evs[16];
    unsigned long m = n / 16;
    t0 = now();
    for (unsigned long i = 0; i < m; i++) {
        evs[0].size = sizeof evs[0];
        if (api.feed(s, frames16x16, sizeof frames16x16) != WS_OK || api.next_events(s, evs, 16) != 16) {
            fprintf(stderr, "batch failed at %lu\n", i);
            exit(1);
        }
    }
    r->batch_ns = (now() - t0) * 1e9 / (double)(m * 16);
    api.conn_free(s);
    api.config_free(cfg);
}

static void *thread_main(void *arg) {
    run(arg);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s PATH/TO/libws.so [iterations]\n", argv[0]);
        return 2;
    }
    if (argc > 2)
        iters = strtoul(argv[2], NULL, 10);
    if (iters < 1000)
        iters = 1000;

    long rss0 = rss_kib();
    double t0 = now();
    void *h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    double load = now() - t0;
    if (h == NULL) {
        fprintf(stderr, "dlopen: %s\n", dlerror());
        return 1;
    }
    long rss1 = rss_kib();
#define SYM(f, name) *(void **)(&api.f) = dlsym(h, name)
    SYM(config_new, "ws_config_new");
    SYM(config_free, "ws_config_free");
    SYM(conn_new_open, "ws_conn_new_open");
    SYM(conn_free, "ws_conn_free");
    SYM(state, "ws_state");
    SYM(feed, "ws_feed");
    SYM(next_event, "ws_next_event");
    SYM(next_events, "ws_next_events");
    SYM(mask, "ws_mask");
    SYM(signal_forward, "ws_signal_forward");
#undef SYM
    const char *fwd = getenv("BENCH_SIGNAL_FORWARD");
    int forwarding = fwd != NULL && *fwd != 0 && *fwd != '0';
    if (forwarding) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_sigaction = (void (*)(int, siginfo_t *, void *))handler_slot;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGUSR1, &sa, NULL);
        if (api.signal_forward(&handler_slot) != WS_OK) {
            fprintf(stderr, "ws_signal_forward failed\n");
            return 1;
        }
    }
    t0 = now();
    ws_config *cfg;
    ws_conn *s = new_server(&cfg);
    double first = now() - t0;
    long rss2 = rss_kib();
    api.conn_free(s);
    api.config_free(cfg);

    const uint8_t key[4] = {0x11, 0x22, 0x33, 0x44};
    const char payload[10] = "0123456789";
    frame16[0] = 0x82;
    frame16[1] = 0x80 | 10;
    memcpy(frame16 + 2, key, 4);
    api.mask(key, 0, payload, frame16 + 6, 10);
    for (int i = 0; i < 16; i++)
        memcpy(frames16x16 + 16 * i, frame16, 16);

    struct result main_r, thr_r;
    run(&main_r);
    pthread_t t;
    pthread_create(&t, NULL, thread_main, &thr_r);
    pthread_join(t, NULL);

    struct stat st;
    long long size = stat(argv[1], &st) == 0 ? (long long)st.st_size : -1;
    printf("libws call costs (%lu iterations; ns per call, lower is better; signal forwarding %s)\n", iters,
           forwarding ? "on" : "off");
    printf("  %-44s %12s %12s\n", "", "main thread", "other thread");
    printf("  %-44s %12.1f %12.1f\n", "ws_state", main_r.state_ns, thr_r.state_ns);
    printf("  %-44s %12.1f %12.1f\n", "ws_feed(16-byte frame) + ws_next_event", main_r.feed_ns, thr_r.feed_ns);
    printf("  %-44s %12.1f %12.1f\n", "per frame: ws_feed(16 frames) + ws_next_events", main_r.batch_ns,
           thr_r.batch_ns);
    printf("library: %s, %lld bytes\n", argv[1], size);
    printf("dlopen: %.2f ms; first call (config + connection): %.3f ms\n", load * 1e3, first * 1e3);
    printf("RSS: %ld KiB before dlopen, %ld KiB after (+%ld), %ld KiB after the first calls (+%ld in all)\n", rss0,
           rss1, rss1 - rss0, rss2, rss2 - rss0);
    return 0;
}
