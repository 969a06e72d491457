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
#define _GNU_SOURCE /* ucontext_t's uc_sigmask */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <ucontext.h>

#include "capi.h"

typedef void (*handler3)(int, siginfo_t *, void *);

static handler3 target;       /* the host's handler */
static pthread_t home;        /* the thread it must run on */
static pthread_mutex_t setup = PTHREAD_MUTEX_INITIALIZER;

/* While forwarding is on, every ws_* call blocks these signals on the
 * calling thread for the time it spends in the Go runtime (see
 * wrappers.c): inside Go the thread runs on a small goroutine stack, and
 * a disposition without SA_ONSTACK would get its signal frame written
 * there. harden() below adds SA_ONSTACK, but only when the trampoline
 * runs: after the host re-installs its handler (perl: every %SIG
 * assignment, with flags 0) the next signal is delivered on whatever stack
 * is current, which is why this is a mask and not a flag the trampoline
 * could test. It also keeps the host's handler (which may longjmp: perl's
 * pending-signal limit) out of Go code. The set is every asynchronous
 * signal; the synchronous ones, and those the Go runtime needs (SIGURG for
 * preemption, SIGPROF), stay deliverable. */
volatile sig_atomic_t wsint_sigguard;
sigset_t wsint_sigguard_set;

static void build_guard_set(void) {
    sigfillset(&wsint_sigguard_set);
    static const int keep[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS,
                               SIGKILL, SIGSTOP, SIGURG, SIGPROF};
    for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++)
        sigdelset(&wsint_sigguard_set, keep[i]);
}

/* The Go runtime requires SA_ONSTACK of handlers that may run on its
 * threads, and forwarded signals must not nest on a small stack: add both
 * to a disposition that lacks them. */
static int harden(struct sigaction *sa) {
    int changed = 0;
    if (!(sa->sa_flags & SA_ONSTACK)) {
        sa->sa_flags |= SA_ONSTACK;
        changed = 1;
    }
    for (int s = 1; s < NSIG; s++) {
        if (sigismember(&wsint_sigguard_set, s) == 1 && sigismember(&sa->sa_mask, s) == 0) {
            sigaddset(&sa->sa_mask, s);
            changed = 1;
        }
    }
    return changed;
}

static void trampoline(int sig, siginfo_t *info, void *uc) {
    int saved = errno;
    struct sigaction cur;
    /* The host re-installs its handler (perl: on every %SIG assignment)
     * with its own flags; put ours back (sigaction is async-signal-safe). */
    int have_cur = sigaction(sig, NULL, &cur) == 0;
    if (have_cur && cur.sa_sigaction == trampoline && harden(&cur))
        sigaction(sig, &cur, NULL);
    if (pthread_equal(pthread_self(), home)) {
        target(sig, info, uc);
    } else {
        pthread_kill(home, sig); /* async-signal-safe (POSIX.1-2008) */
        /* Keep this signal off this thread from now on: the mask in uc is
         * restored when the handler returns. uc is valid with SA_SIGINFO,
         * and always on x86-64 Linux (perl installs without SA_SIGINFO). */
#if defined(__x86_64__)
        int uc_valid = 1;
#else
        int uc_valid = have_cur && (cur.sa_flags & SA_SIGINFO);
#endif
        if (uc != NULL && uc_valid)
            sigaddset(&((ucontext_t *)uc)->uc_sigmask, sig);
    }
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
    build_guard_set();
    target = h;
    home = pthread_self();
    *slot = (void *)trampoline;
    /* Handlers the host installed before: route them too, with the same
     * flags and mask plus SA_ONSTACK and the guard set. */
    for (int sig = 1; sig < NSIG; sig++) {
        struct sigaction sa;
        if (sigaction(sig, NULL, &sa) != 0)
            continue;
        /* sa_handler and sa_sigaction share storage: one comparison covers
         * handlers installed with or without SA_SIGINFO (perl 5.36: without). */
        if (sa.sa_sigaction == h) {
            sa.sa_sigaction = trampoline;
            harden(&sa);
            sigaction(sig, &sa, NULL);
        }
    }
    wsint_sigguard = 1;
    pthread_mutex_unlock(&setup);
    return WS_OK;
}
