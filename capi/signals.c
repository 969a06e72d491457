/*
 * Signal forwarding for hosts whose signal handlers may only run on one
 * thread (threaded perls before 5.42 crash when a %SIG handler runs on a
 * thread perl did not create). The Go runtime's threads unblock SIGCHLD and
 * take process-directed signals like any thread, so a signal can land on
 * one of them. ws_signal_forward puts a trampoline in front of the host's
 * handler: on the home thread it calls the handler; on any other thread it
 * re-sends the signal to the home thread with pthread_kill.
 *
 * The host names the variable through which it installs its handler (for
 * perl, PL_csighandlerp: every %SIG assignment installs *PL_csighandlerp),
 * so that handlers installed later go through the trampoline too.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>

#include "capi.h"

typedef void (*handler3)(int, siginfo_t *, void *);

static handler3 target;       /* the host's handler */
static pthread_t home;        /* the thread it must run on */
static pthread_mutex_t setup = PTHREAD_MUTEX_INITIALIZER;

static void trampoline(int sig, siginfo_t *info, void *uc) {
    int saved = errno;
    if (pthread_equal(pthread_self(), home))
        target(sig, info, uc);
    else
        pthread_kill(home, sig); /* async-signal-safe (POSIX.1-2008) */
    errno = saved;
}

int wsint_signal_forward(void **slot) {
    handler3 h;
    pthread_mutex_lock(&setup);
    h = (handler3)*slot;
    if (h == trampoline) { /* already installed: just move home */
        home = pthread_self();
        pthread_mutex_unlock(&setup);
        return WS_OK;
    }
    if (target != NULL && target != h) {
        pthread_mutex_unlock(&setup);
        return WS_E_STATE; /* a different handler is already forwarded */
    }
    target = h;
    home = pthread_self();
    *slot = (void *)trampoline;
    /* Handlers the host installed before: route them too, with the same
     * flags and mask. */
    for (int sig = 1; sig < NSIG; sig++) {
        struct sigaction sa;
        if (sigaction(sig, NULL, &sa) != 0)
            continue;
        if ((sa.sa_flags & SA_SIGINFO) ? sa.sa_sigaction == h : (handler3)(void *)sa.sa_handler == h) {
            if (sa.sa_flags & SA_SIGINFO)
                sa.sa_sigaction = trampoline;
            else
                sa.sa_handler = (void (*)(int))(void *)trampoline;
            sigaction(sig, &sa, NULL);
        }
    }
    pthread_mutex_unlock(&setup);
    return WS_OK;
}
