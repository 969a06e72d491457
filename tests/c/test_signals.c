/*
 * ws_signal_forward: a host handler routed through libws's trampoline runs
 * only on the home thread, whichever thread the kernel picks — including
 * the Go runtime's own threads, which take process-directed signals.
 *
 * Second part: a handler installed the way perl installs it (flags 0: no
 * SA_ONSTACK), re-installed again and again as every %SIG assignment does,
 * never runs on a goroutine stack while the home thread is inside libws —
 * the per-call signal guard keeps the signals blocked for that time.
 *
 * Built with -DGUARD_OFF (test_signals_control, linked with libws.a) the
 * program switches that guard off after ws_signal_forward and runs only the
 * second part, which must then see the handler on a goroutine stack: the
 * control shows the check can tell, and why a plain "inside libws" flag
 * cannot replace the guard (the kernel writes the signal frame on the
 * current stack before any handler code runs).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ws.h"

#ifdef GUARD_OFF
extern volatile sig_atomic_t wsint_sigguard; /* internal: libws.a only */
#endif

static pthread_t main_thread;
static atomic_int on_home, off_home;
static uintptr_t stack_lo, stack_hi;          /* the main thread's stack */
static atomic_int on_c_stack, on_altstack, on_other_stack;

/* Stands in for perl's Perl_csighandler. */
static void host_handler(int sig, siginfo_t *info, void *uc) {
    (void)sig, (void)info, (void)uc;
    if (!pthread_equal(pthread_self(), main_thread)) {
        atomic_fetch_add(&off_home, 1);
        return;
    }
    atomic_fetch_add(&on_home, 1);
    /* Which stack is this frame on? The thread's own, the alternate
     * signal stack (SA_ONSTACK), or neither: a goroutine stack. */
    volatile char here;
    uintptr_t sp = (uintptr_t)&here;
    stack_t ss;
    if (sp >= stack_lo && sp < stack_hi)
        atomic_fetch_add(&on_c_stack, 1);
    else if (sigaltstack(NULL, &ss) == 0 && !(ss.ss_flags & SS_DISABLE) && sp >= (uintptr_t)ss.ss_sp &&
             sp < (uintptr_t)ss.ss_sp + ss.ss_size)
        atomic_fetch_add(&on_altstack, 1);
    else
        atomic_fetch_add(&on_other_stack, 1);
}

/* Stands in for PL_csighandlerp. */
static void *handler_slot = (void *)host_handler;

static void install(int sig) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = (void (*)(int, siginfo_t *, void *))handler_slot;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    if (sigaction(sig, &sa, NULL) != 0) {
        perror("sigaction");
        exit(1);
    }
}

/* As perl's rsignal installs *PL_csighandlerp: no SA_SIGINFO, no
 * SA_ONSTACK, an empty mask. */
static void install_like_perl(int sig) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = (void (*)(int))handler_slot;
    sigemptyset(&sa.sa_mask);
    if (sigaction(sig, &sa, NULL) != 0) {
        perror("sigaction");
        exit(1);
    }
}

static atomic_int stop;

static void *pester_main(void *arg) {
    int sig = *(int *)arg;
    while (!atomic_load(&stop)) {
        pthread_kill(main_thread, sig);
        usleep(20);
    }
    return NULL;
}

static void *idle_thread(void *arg) {
    (void)arg;
    while (!atomic_load(&stop))
        usleep(1000);
    return NULL;
}

#define CHECK(cond, ...)                                                  \
    do {                                                                  \
        if (!(cond)) {                                                    \
            fprintf(stderr, "test_signals: FAIL: " __VA_ARGS__);          \
            fprintf(stderr, "\n");                                        \
            exit(1);                                                      \
        }                                                                 \
    } while (0)

/* The second part: returns the number of handler runs off the thread's
 * stack and its signal stack. */
static int busy_home_thread(ws_config *cfg) {
    ws_conn *c;
    CHECK(ws_conn_new_open(cfg, NULL, NULL, &c) == WS_OK, "conn: %s", ws_last_error());
    /* One masked 10-byte binary frame, as a client sends it. */
    const uint8_t key[4] = {0x11, 0x22, 0x33, 0x44};
    uint8_t frame[16] = {0x82, 0x80 | 10};
    memcpy(frame + 2, key, 4);
    CHECK(ws_mask(key, 0, "0123456789", frame + 6, 10) == 2, "mask");

    int sig = SIGUSR2;
    atomic_store(&stop, 0);
    atomic_store(&on_c_stack, 0);
    atomic_store(&on_altstack, 0);
    atomic_store(&on_other_stack, 0);
    install_like_perl(sig);
    pthread_t pester;
    pthread_create(&pester, NULL, pester_main, &sig);
    /* 200,000 calls and 200 handler runs at least (at most 5 s). */
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long i = 0;; i++) {
        if (i % 100 == 0) {
            int runs = atomic_load(&on_c_stack) + atomic_load(&on_altstack) + atomic_load(&on_other_stack);
            clock_gettime(CLOCK_MONOTONIC, &t);
            if ((i >= 200000 && runs >= 200) || t.tv_sec - t0.tv_sec > 5)
                break;
            install_like_perl(sig); /* every %SIG assignment does this */
        }
        ws_event ev;
        memset(&ev, 0, sizeof ev);
        ev.size = sizeof ev;
        CHECK(ws_feed(c, frame, sizeof frame) == WS_OK && ws_next_event(c, &ev) == 1, "feed/next_event");
    }
    atomic_store(&stop, 1);
    pthread_join(pester, NULL);
    ws_conn_free(c);
    printf("test_signals: perl-style handler while busy in libws: %d runs on the thread's stack, %d on "
           "its signal stack, %d elsewhere (a goroutine stack)\n",
           atomic_load(&on_c_stack), atomic_load(&on_altstack), atomic_load(&on_other_stack));
    CHECK(atomic_load(&on_c_stack) + atomic_load(&on_altstack) + atomic_load(&on_other_stack) >= 200,
          "the handler hardly ran");
    return atomic_load(&on_other_stack);
}

int main(void) {
    main_thread = pthread_self();
    pthread_attr_t attr;
    void *lo;
    size_t size;
    CHECK(pthread_getattr_np(main_thread, &attr) == 0 && pthread_attr_getstack(&attr, &lo, &size) == 0,
          "stack bounds");
    pthread_attr_destroy(&attr);
    stack_lo = (uintptr_t)lo;
    stack_hi = stack_lo + size;

#ifdef GUARD_OFF
    {
        ws_config *cfg;
        CHECK(ws_config_new(WS_ROLE_SERVER, &cfg) == WS_OK, "config");
        CHECK(ws_signal_forward(&handler_slot) == WS_OK, "forward: %s", ws_last_error());
        wsint_sigguard = 0;
        int n = busy_home_thread(cfg);
        ws_config_free(cfg);
        CHECK(n > 0, "control: without the guard the handler should have run on a goroutine stack");
        printf("test_signals: control: without libws's guard the handler ran on a goroutine stack %d times\n", n);
        return 0;
    }
#endif

    /* Misuse. */
    void *null_slot = NULL;
    CHECK(ws_signal_forward(NULL) == WS_E_NULL, "NULL slot");
    CHECK(ws_signal_forward(&null_slot) == WS_E_ARG, "slot holding NULL");

    /* Start the Go runtime: its threads exist from here on. */
    ws_config *cfg;
    CHECK(ws_config_new(WS_ROLE_SERVER, &cfg) == WS_OK, "config");

    install(SIGUSR1); /* installed before forwarding */
    CHECK(ws_signal_forward(&handler_slot) == WS_OK, "forward: %s", ws_last_error());
    CHECK(handler_slot != (void *)host_handler, "slot not redirected");
    CHECK(ws_signal_forward(&handler_slot) == WS_OK, "second call");
    void *other = (void *)idle_thread;
    CHECK(ws_signal_forward(&other) == WS_E_STATE, "a different handler must be refused");
    install(SIGUSR2);   /* installed after: through the slot, like a new %SIG entry */
    install(SIGCHLD);

    pthread_t workers[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&workers[i], NULL, idle_thread, NULL);

    /* Signals aimed at foreign threads, and a storm of process-directed
     * ones that the kernel may give to any thread, Go's included. */
    for (int round = 0; round < 2000; round++) {
        pthread_kill(workers[round % 4], round % 2 ? SIGUSR1 : SIGUSR2);
        kill(getpid(), round % 3 ? SIGCHLD : SIGUSR1);
        if (round % 100 == 0)
            usleep(100);
    }
    /* Let forwarded signals arrive. */
    for (int i = 0; i < 100 && atomic_load(&on_home) == 0; i++)
        usleep(1000);
    usleep(20000);
    atomic_store(&stop, 1);
    for (int i = 0; i < 4; i++)
        pthread_join(workers[i], NULL);

    printf("test_signals: %d handler runs, all on the home thread (%d elsewhere)\n",
           atomic_load(&on_home), atomic_load(&off_home));
    CHECK(atomic_load(&off_home) == 0, "the handler ran on a foreign thread %d times", atomic_load(&off_home));
    CHECK(atomic_load(&on_home) > 0, "the handler never ran");

    int n = busy_home_thread(cfg);
    CHECK(n == 0, "the handler ran on a goroutine stack %d times", n);
    CHECK(atomic_load(&off_home) == 0, "the handler ran on a foreign thread %d times", atomic_load(&off_home));
    ws_config_free(cfg);
    return 0;
}
