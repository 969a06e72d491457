/*
 * wsbench-calls — the cost of one call into libws, timed by the calling
 * thread's CPU time (CLOCK_THREAD_CPUTIME_ID), so that a machine shared
 * with other work does not inflate it; tests/c/bench_calls.c measures the
 * same by the wall clock (and more). ws_state (a cheap call), from the main
 * thread and from another thread; best of 5 runs of N calls each.
 *
 *   wsbench-calls [N]      → one JSON line
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "ws.h"

static unsigned long iters = 2000000;
static ws_conn *conn;

static double tcpu(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double run(void) {
    double best = 1e9;
    for (int r = 0; r < 5; r++) {
        int sink = 0;
        double t0 = tcpu();
        for (unsigned long i = 0; i < iters; i++)
            sink += ws_state(conn);
        double ns = (tcpu() - t0) * 1e9 / (double)iters;
        if (sink != (int)(WS_STATE_OPEN * iters))
            fprintf(stderr, "unexpected ws_state results\n");
        if (ns < best)
            best = ns;
    }
    return best;
}

static void *thread_main(void *arg) {
    for (int i = 0; i < 10000; i++)
        ws_state(conn);
    *(double *)arg = run();
    return NULL;
}

int main(int argc, char **argv) {
    if (argc > 1)
        iters = strtoul(argv[1], NULL, 10);
    ws_config *cfg;
    if (ws_config_new(WS_ROLE_SERVER, &cfg) != WS_OK || ws_conn_new_open(cfg, NULL, NULL, &conn) != WS_OK)
        return 1;
    for (int i = 0; i < 10000; i++)
        ws_state(conn);
    double main_ns = run(), other_ns;
    pthread_t t;
    pthread_create(&t, NULL, thread_main, &other_ns);
    pthread_join(t, NULL);
    printf("{\"ws_state_main_ns\":%.1f,\"ws_state_thread_ns\":%.1f,\"iterations\":%lu}\n", main_ns, other_ns, iters);
    ws_conn_free(conn);
    ws_config_free(cfg);
    return 0;
}
