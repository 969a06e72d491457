/*
 * test_fork_dlopen.c — "load only in the child": this program does NOT
 * link libws. It forks; the child dlopen()s libws.so (starting a fresh Go
 * runtime there) and runs an in-memory handshake and a message exchange,
 * which must work normally. Then the parent loads it too and forks once
 * more: that child (library loaded before fork) must get WS_E_FORKED, also
 * through dlsym()'d pointers.
 *
 * Usage: test_fork_dlopen PATH/TO/libws.so
 */
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ws.h" /* types and constants only; functions come from dlsym */

struct api {
    int (*config_new)(int, ws_config **);
    void (*config_free)(ws_config *);
    int (*config_set)(ws_config *, int, int64_t);
    int (*client_new)(const ws_config *, const char *, ws_conn **);
    int (*server_new)(const ws_config *, ws_conn **);
    void (*conn_free)(ws_conn *);
    int (*feed)(ws_conn *, const void *, size_t);
    int (*output)(ws_conn *, const uint8_t **, size_t *);
    int (*consume)(ws_conn *, size_t);
    int (*next_event)(ws_conn *, ws_event *);
    int (*send_text)(ws_conn *, const void *, size_t);
    int (*state)(ws_conn *);
    const char *(*strerror)(int);
    const char *(*version)(void);
};

static int load(const char *path, struct api *a) {
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (h == NULL) {
        fprintf(stderr, "dlopen %s: %s\n", path, dlerror());
        return -1;
    }
#define SYM(field, name)                                         \
    do {                                                         \
        *(void **)(&a->field) = dlsym(h, name);                  \
        if (a->field == NULL) {                                  \
            fprintf(stderr, "dlsym %s: %s\n", name, dlerror());  \
            return -1;                                           \
        }                                                        \
    } while (0)
    SYM(config_new, "ws_config_new");
    SYM(config_free, "ws_config_free");
    SYM(config_set, "ws_config_set");
    SYM(client_new, "ws_client_new");
    SYM(server_new, "ws_server_new");
    SYM(conn_free, "ws_conn_free");
    SYM(feed, "ws_feed");
    SYM(output, "ws_output");
    SYM(consume, "ws_consume");
    SYM(next_event, "ws_next_event");
    SYM(send_text, "ws_send_text");
    SYM(state, "ws_state");
    SYM(strerror, "ws_strerror");
    SYM(version, "ws_version");
#undef SYM
    return 0;
}

static int pump(struct api *a, ws_conn *from, ws_conn *to) {
    const uint8_t *p;
    size_t n;
    if (a->output(from, &p, &n) != WS_OK || a->feed(to, p, n) != WS_OK || a->consume(from, n) != WS_OK)
        return -1;
    return 0;
}

/* Handshake and one message each way, in memory. Returns 0 on success. */
static int exercise(struct api *a) {
    ws_config *cc, *sc;
    ws_conn *c, *s;
    if (a->config_new(WS_ROLE_CLIENT, &cc) != WS_OK || a->config_new(WS_ROLE_SERVER, &sc) != WS_OK)
        return 1;
    if (a->config_set(cc, WS_OPT_DEFLATE, 1) != WS_OK || a->config_set(sc, WS_OPT_DEFLATE, 1) != WS_OK)
        return 2;
    if (a->client_new(cc, "ws://h.example/chat", &c) != WS_OK || a->server_new(sc, &s) != WS_OK)
        return 3;
    if (pump(a, c, s) || pump(a, s, c))
        return 4;
    if (a->state(c) != WS_STATE_OPEN || a->state(s) != WS_STATE_OPEN)
        return 5;
    if (a->send_text(c, "from the child, compressed if long enough: aaaaaaaaaaaaaaaaaaaaaaaa", 68) != WS_OK ||
        a->send_text(s, "reply", 5) != WS_OK)
        return 6;
    if (pump(a, c, s) || pump(a, s, c))
        return 7;
    ws_event ev;
    int got = 0;
    for (int i = 0; i < 2; i++) {
        ws_conn *x = i ? c : s;
        memset(&ev, 0, sizeof ev);
        ev.size = sizeof ev;
        while (a->next_event(x, &ev) == 1) {
            if (ev.type == WS_EV_TEXT && i == 0 && ev.len == 68 && (ev.flags & WS_EVF_COMPRESSED))
                got |= 1;
            if (ev.type == WS_EV_TEXT && i == 1 && ev.len == 5 && memcmp(ev.data, "reply", 5) == 0)
                got |= 2;
        }
    }
    a->conn_free(c);
    a->conn_free(s);
    a->config_free(cc);
    a->config_free(sc);
    return got == 3 ? 0 : 8;
}

static int loaded_here(void) {
    FILE *f = fopen("/proc/self/maps", "r");
    char line[512];
    int found = 0;
    if (f == NULL)
        return -1;
    while (fgets(line, sizeof line, f))
        if (strstr(line, "libws.so"))
            found = 1;
    fclose(f);
    return found;
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int wait_child(pid_t pid, double timeout, const char *what) {
    double end = now() + timeout;
    int status;
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            break;
        if (r < 0 && errno != EINTR) {
            perror("waitpid");
            return -1;
        }
        if (now() > end) {
            fprintf(stderr, "%s: child still running after %.0f s: HANG; killing it\n", what, timeout);
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            return -1;
        }
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    if (WIFSIGNALED(status)) {
        fprintf(stderr, "%s: child killed by signal %d\n", what, WTERMSIG(status));
        return -1;
    }
    if (WEXITSTATUS(status) != 0) {
        fprintf(stderr, "%s: child failed at step %d\n", what, WEXITSTATUS(status));
        return -1;
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s PATH/TO/libws.so\n", argv[0]);
        return 2;
    }
    const char *path = argv[1];
    if (loaded_here() != 0) {
        fprintf(stderr, "libws is already mapped in the parent: this test must not link it\n");
        return 1;
    }
    /* (1) Load only in the child: works normally. */
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return 1;
    }
    if (pid == 0) {
        alarm(20);
        struct api a;
        if (load(path, &a) != 0)
            _exit(100);
        _exit(exercise(&a));
    }
    if (wait_child(pid, 30, "load in child") != 0)
        return 1;
    if (loaded_here() != 0) {
        fprintf(stderr, "the child's dlopen leaked into the parent?\n");
        return 1;
    }

    /* (2) Now the parent loads it and uses it; a child forked after that
     * gets WS_E_FORKED through the dlsym()'d functions. */
    struct api a;
    if (load(path, &a) != 0 || exercise(&a) != 0) {
        fprintf(stderr, "parent: load and use failed\n");
        return 1;
    }
    fflush(NULL);
    pid = fork();
    if (pid == 0) {
        alarm(5);
        ws_config *cfg;
        int ok = a.config_new(WS_ROLE_CLIENT, &cfg) == WS_E_FORKED && a.strerror(WS_E_FORKED) != NULL &&
                 strcmp(a.version(), WS_VERSION_STRING) == 0;
        _exit(ok ? 0 : 1);
    }
    if (pid < 0 || wait_child(pid, 10, "loaded before fork (dlopen)") != 0)
        return 1;
    if (exercise(&a) != 0) {
        fprintf(stderr, "parent: unusable after fork\n");
        return 1;
    }
    printf("test_fork_dlopen: ok (library loaded only in the child works; loaded before fork gives WS_E_FORKED)\n");
    return 0;
}
