/*
 * ws_signal_forward: a host handler routed through libws's trampoline runs
 * only on the home thread, whichever thread the kernel picks — including
 * the Go runtime's own threads, which take process-directed signals.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ws.h"

static pthread_t main_thread;
static atomic_int on_home, off_home;

/* Stands in for perl's Perl_csighandler. */
static void host_handler(int sig, siginfo_t *info, void *uc) {
    (void)sig, (void)info, (void)uc;
    if (pthread_equal(pthread_self(), main_thread))
        atomic_fetch_add(&on_home, 1);
    else
        atomic_fetch_add(&off_home, 1);
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

static atomic_int stop;

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

int main(void) {
    main_thread = pthread_self();

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
    ws_config_free(cfg);
    return 0;
}
