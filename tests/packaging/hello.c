/* A program built against the installed libws-dev (pkg-config): the
 * header and the library agree on the version and ABI, and a client and a
 * server connection exchange a message in memory. */
#include <stdio.h>
#include <string.h>
#include <ws.h>

static int pump(ws_conn *from, ws_conn *to) {
    const uint8_t *p;
    size_t n;
    if (ws_output(from, &p, &n) != WS_OK) return -1;
    if (n && ws_feed(to, p, n) != WS_OK) return -1;
    return ws_consume(from, n);
}

int main(void) {
    ws_config *cc, *sc;
    ws_conn *c, *s;
    ws_event ev = {.size = sizeof ev};
    int got = 0;
    if (strcmp(ws_version(), WS_VERSION_STRING) != 0 || ws_abi_version() != WS_ABI_VERSION) {
        fprintf(stderr, "hello: header %s/ABI %d, library %s/ABI %d\n", WS_VERSION_STRING, WS_ABI_VERSION,
                ws_version(), ws_abi_version());
        return 1;
    }
    if (ws_config_new(WS_ROLE_CLIENT, &cc) || ws_config_new(WS_ROLE_SERVER, &sc) ||
        ws_client_new(cc, "ws://example.com/", &c) || ws_server_new(sc, &s))
        return 2;
    if (pump(c, s) || pump(s, c)) return 3;
    while (ws_next_event(s, &ev) > 0) {}
    while (ws_next_event(c, &ev) > 0) {}
    if (ws_send_text(c, "hello", 5) != WS_OK || pump(c, s)) return 4;
    while (ws_next_event(s, &ev) > 0)
        if (ev.type == WS_EV_TEXT && ev.len == 5 && memcmp(ev.data, "hello", 5) == 0) got = 1;
    ws_conn_free(c);
    ws_conn_free(s);
    ws_config_free(cc);
    ws_config_free(sc);
    if (!got) return 5;
    printf("hello: libws %s, a message went from client to server\n", ws_version());
    return 0;
}
