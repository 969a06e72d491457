/*
 * messages: the C surface's side of the error-message table (cases.tsv).
 * For each case it feeds the input to a new connection of the case's role
 * and prints, tab-separated: the case name, ws_conn_failure(), the data of
 * the WS_EV_REJECTED or WS_EV_CLOSE event, and that event's code. check.py
 * judges the lines of every surface against the table and each other.
 *
 *   messages CASES.TSV
 */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ws.h"

static size_t unhex(const char *h, unsigned char *out) {
    size_t n = 0;
    for (; h[0] && h[1]; h += 2) {
        unsigned v;
        if (sscanf(h, "%2x", &v) != 1)
            break;
        out[n++] = (unsigned char)v;
    }
    return n;
}

static ws_conn *make(const char *role) {
    ws_config *cfg;
    ws_conn *c = NULL;
    int rc = ws_config_new(strcmp(role, "client") == 0 ? WS_ROLE_CLIENT : WS_ROLE_SERVER, &cfg);
    if (rc == WS_OK) {
        if (strcmp(role, "client") == 0)
            rc = ws_client_new(cfg, "ws://example.com/chat", &c);
        else if (strcmp(role, "server") == 0)
            rc = ws_server_new(cfg, &c);
        else
            rc = ws_conn_new_open(cfg, NULL, NULL, &c);
        ws_config_free(cfg);
    }
    if (rc != WS_OK) {
        fprintf(stderr, "messages: cannot make a %s connection: %s\n", role, ws_last_error());
        exit(1);
    }
    const uint8_t *out;
    size_t len;
    if (ws_output(c, &out, &len) == WS_OK)
        ws_consume(c, len); /* the client's request: not what is judged */
    return c;
}

int main(int argc, char **argv) {
    FILE *f = argc == 2 ? fopen(argv[1], "r") : NULL;
    if (f == NULL) {
        fprintf(stderr, "usage: messages CASES.TSV\n");
        return 2;
    }
    static char line[65536];
    static unsigned char in[32768];
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || line[0] == '\n')
            continue;
        char *name = strtok(line, "\t"), *role = strtok(NULL, "\t"), *hex = strtok(NULL, "\t\n");
        if (!name || !role || !hex) {
            fprintf(stderr, "messages: bad line in %s\n", argv[1]);
            return 2;
        }
        ws_conn *c = make(role);
        size_t n = unhex(hex, in);
        if (ws_feed(c, in, n) < 0) {
            fprintf(stderr, "messages: %s: ws_feed: %s\n", name, ws_last_error());
            return 1;
        }
        ws_event ev = {.size = sizeof ev};
        const char *reason = "";
        size_t rlen = 0;
        int code = -1;
        while (ws_next_event(c, &ev) > 0) {
            if (ev.type == WS_EV_REJECTED || ev.type == WS_EV_CLOSE) {
                reason = (const char *)ev.data;
                rlen = ev.len;
                code = ev.code;
                break;
            }
        }
        printf("%s\t%s\t%.*s\t%d\n", name, ws_conn_failure(c), (int)rlen, reason ? reason : "", code);
        ws_conn_free(c);
    }
    fclose(f);
    return 0;
}
