/*
 * test_fork.c — libws linked (so loaded, with its Go runtime, before
 * fork()): in the child every call must return WS_E_FORKED at once, never
 * hang (a Go runtime does not survive fork); the parent keeps working.
 *
 * The child runs under alarm() and the parent polls waitpid with its own
 * deadline, so a hang fails the test instead of blocking it for ever.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util.h"
#include "ws.h"

static int failures;

#define CHECK(cond)                                                          \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "[%d] %s:%d: check failed: %s\n", (int)getpid(), \
                    __FILE__, __LINE__, #cond);                              \
            failures++;                                                      \
        }                                                                    \
    } while (0)

/* Waits for pid up to timeout seconds; kills it after that. Returns 0 if it
 * exited with status 0. */
static int wait_child(pid_t pid, double timeout, const char *what) {
    double end = util_now() + timeout;
    int status;
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            break;
        if (r < 0 && errno != EINTR) {
            perror("waitpid");
            return -1;
        }
        if (util_now() > end) {
            fprintf(stderr, "%s: child %d still running after %.0f s: HANG; killing it\n", what, (int)pid, timeout);
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            return -1;
        }
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    if (WIFSIGNALED(status)) {
        fprintf(stderr, "%s: child killed by signal %d (%s)\n", what, WTERMSIG(status),
                WTERMSIG(status) == SIGALRM ? "alarm: it hung" : "a crash");
        return -1;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "%s: child exited with status %d\n", what, WEXITSTATUS(status));
        return -1;
    }
    return 0;
}

/* The child's checks: everything returns at once, with WS_E_FORKED. */
static void child(ws_config *cfg, ws_conn *conn) {
    alarm(5); /* a hang becomes SIGALRM, which the parent reports */
    ws_config *cfg2 = (ws_config *)0x1;
    ws_conn *c2 = (ws_conn *)0x1;
    const uint8_t *out;
    size_t len;
    ws_event ev;
    memset(&ev, 0, sizeof ev);
    ev.size = sizeof ev;
    char acc[29];
    double t0 = util_now();

    CHECK(ws_client_new(cfg, "ws://h.example/", &c2) == WS_E_FORKED);
    CHECK(ws_feed(conn, "\x81\x00", 2) == WS_E_FORKED);
    CHECK(ws_config_new(WS_ROLE_CLIENT, &cfg2) == WS_E_FORKED);
    CHECK(ws_server_new(cfg, &c2) == WS_E_FORKED);
    CHECK(ws_conn_new_open(cfg, NULL, NULL, &c2) == WS_E_FORKED);
    CHECK(ws_config_set(cfg, WS_OPT_MAX_FRAME, 100) == WS_E_FORKED);
    CHECK(ws_state(conn) == WS_E_FORKED);
    CHECK(ws_send_text(conn, "x", 1) == WS_E_FORKED);
    CHECK(ws_next_event(conn, &ev) == WS_E_FORKED);
    CHECK(ws_output(conn, &out, &len) == WS_E_FORKED);
    CHECK(ws_heartbeat(conn) == WS_E_FORKED);
    CHECK(ws_need(conn) == WS_E_FORKED);
    CHECK(ws_memory(conn) == WS_E_FORKED);
    CHECK(ws_utf8_valid("a", 1) == WS_E_FORKED);
    CHECK(ws_accept_key("dGhlIHNhbXBsZSBub25jZQ==", acc) == WS_E_FORKED);
    /* Even a garbage handle gets WS_E_FORKED: the guard comes first. */
    CHECK(ws_state((ws_conn *)0x1234) == WS_E_FORKED);
    /* String functions do not hang and never return NULL. */
    const char *s = ws_strerror(WS_E_FORKED);
    CHECK(s != NULL && strlen(s) > 0);
    s = ws_strerror(WS_OK);
    CHECK(s != NULL);
    s = ws_last_error();
    CHECK(s != NULL && strlen(s) > 0);
    s = ws_close_code_name(1000);
    CHECK(s != NULL);
    s = ws_conn_failure(conn);
    CHECK(s != NULL);
    CHECK(strcmp(ws_version(), WS_VERSION_STRING) == 0);
    CHECK(ws_abi_version() == WS_ABI_VERSION);
    /* Frees return (doing nothing) instead of entering the runtime. */
    ws_conn_free(conn);
    ws_config_free(cfg);
    /* "At once": all of the above took no time to speak of (generous bound
     * for a loaded machine; a hang is caught by alarm()). */
    double took = util_now() - t0;
    CHECK(took < 1.0);
    if (took >= 1.0)
        fprintf(stderr, "child: the calls took %.3f s\n", took);
    _exit(failures == 0 ? 0 : 1);
}

/* A thread keeps the library (and its runtime) busy while the main thread
 * forks: the child must still get WS_E_FORKED at once. */
static volatile int stop_busy;

static void *busy_thread(void *arg) {
    ws_config *sc = arg;
    while (!stop_busy) {
        ws_conn *s;
        if (ws_server_new(sc, &s) != WS_OK)
            abort();
        ws_feed(s, UTIL_REQUEST, strlen(UTIL_REQUEST));
        ws_send_text(s, "busy", 4);
        ws_conn_free(s);
    }
    return NULL;
}

int main(void) {
    ws_config *cc = util_config(WS_ROLE_CLIENT, 0), *sc = util_config(WS_ROLE_SERVER, 0);
    ws_conn *c, *s;
    if (cc == NULL || sc == NULL || util_handshake(cc, sc, &c, &s) != WS_OK) {
        fprintf(stderr, "setup failed\n");
        return 1;
    }
    CHECK(ws_send_text(c, "before fork", 11) == WS_OK);

    /* (1) A plain fork. */
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return 1;
    }
    if (pid == 0)
        child(cc, c);
    if (wait_child(pid, 10, "fork") != 0)
        failures++;

    /* (2) Forks while another thread is inside the library. */
    pthread_t t;
    CHECK(pthread_create(&t, NULL, busy_thread, sc) == 0);
    for (int i = 0; i < 20; i++) {
        fflush(NULL);
        pid = fork();
        if (pid < 0) {
            perror("fork");
            failures++;
            break;
        }
        if (pid == 0)
            child(cc, c);
        if (wait_child(pid, 10, "fork during use") != 0) {
            failures++;
            break;
        }
    }
    stop_busy = 1;
    pthread_join(t, NULL);

    /* The parent is unaffected: the connection made before the forks goes
     * on working, and new objects can be made. */
    CHECK(ws_state(c) == WS_STATE_OPEN);
    CHECK(ws_send_text(c, "after fork", 10) == WS_OK);
    CHECK(util_pump(c, s, 0) > 0);
    ev_list l = {0};
    CHECK(util_drain(s, &l) == 2);
    CHECK(l.n == 2 && strcmp((char *)l.v[0].data, "before fork") == 0 &&
          strcmp((char *)l.v[1].data, "after fork") == 0);
    ev_list_free(&l);
    ws_config *cfg3;
    CHECK(ws_config_new(WS_ROLE_SERVER, &cfg3) == WS_OK);
    ws_config_free(cfg3);
    ws_conn_free(c);
    ws_conn_free(s);
    ws_config_free(cc);
    ws_config_free(sc);
    printf("test_fork: %s (1 + 20 forks, children got WS_E_FORKED at once)\n", failures ? "FAILED" : "ok");
    return failures ? 1 : 0;
}
