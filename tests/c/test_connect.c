/*
 * test_connect.c — WebSockets over HTTP/2 and HTTP/3 through the C API
 * (RFC 8441, RFC 9220): the extended CONNECT's field lists in and out,
 * the stream's DATA fed a byte at a time, refusals, resets and misuse.
 * No HTTP/2 library here: the lists go from one connection to the other
 * as a host's library would carry them (tests/interop runs real ones).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util.h"
#include "ws.h"

#define MAXF 32

/* A field list copied out of a connection. */
typedef struct {
    const char *names[MAXF], *values[MAXF];
    char *own[2 * MAXF];
    size_t n;
} flist;

static void take_fields(ws_conn *c, flist *f) {
    memset(f, 0, sizeof *f);
    const char *name, *value;
    int rc;
    while ((rc = ws_connect_field_at(c, f->n, &name, &value)) == 1) {
        assert_true(f->n < MAXF);
        f->own[2 * f->n] = strdup(name);
        f->own[2 * f->n + 1] = strdup(value);
        f->names[f->n] = f->own[2 * f->n];
        f->values[f->n] = f->own[2 * f->n + 1];
        f->n++;
    }
    assert_int_equal(rc, 0);
}

static void flist_free(flist *f) {
    for (size_t i = 0; i < 2 * f->n; i++)
        free(f->own[i]);
    f->n = 0;
}

static const char *field(const flist *f, const char *name) {
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->names[i], name) == 0)
            return f->values[i];
    return NULL;
}

static void drain(ws_conn *c, ev_list *l) {
    int rc = util_drain(c, l);
    if (rc < 0)
        fail_msg("drain: %d (%s) %s", rc, ws_strerror(rc), ws_last_error());
}

/* A client and a server opened over extended CONNECT. */
static void connect_pair(ws_config *cc, ws_config *sc, ws_conn **c, ws_conn **s) {
    ev_list l = {0};
    flist req, resp;
    assert_int_equal(ws_connect_client_new(cc, "wss://example.com/chat?x=1", c), WS_OK);
    take_fields(*c, &req);
    assert_string_equal(req.names[0], ":method");
    assert_string_equal(req.values[0], "CONNECT");
    assert_string_equal(field(&req, ":protocol"), "websocket");
    assert_string_equal(field(&req, ":scheme"), "https");
    assert_string_equal(field(&req, ":authority"), "example.com");
    assert_string_equal(field(&req, ":path"), "/chat?x=1");
    assert_string_equal(field(&req, "sec-websocket-version"), "13");
    assert_null(field(&req, "sec-websocket-key")); /* RFC 8441 §5: no key */
    assert_int_equal(ws_server_new(sc, s), WS_OK);
    assert_int_equal(ws_feed_connect_request(*s, "HTTP/2", req.names, req.values, req.n), WS_OK);
    drain(*s, &l);
    assert_int_equal(l.n, 2);
    assert_int_equal(l.v[0].type, WS_EV_REQUEST);
    assert_int_equal(l.v[1].type, WS_EV_OPEN);
    ev_list_free(&l);
    const uint8_t *p;
    size_t n = 1;
    assert_int_equal(ws_output(*s, &p, &n), WS_OK);
    assert_int_equal(n, 0); /* the 200 is fields, not DATA */
    take_fields(*s, &resp);
    assert_string_equal(resp.names[0], ":status");
    assert_string_equal(resp.values[0], "200");
    assert_int_equal(ws_feed_connect_response(*c, resp.names, resp.values, resp.n), WS_OK);
    drain(*c, &l);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.v[0].type, WS_EV_OPEN);
    ev_list_free(&l);
    assert_int_equal(ws_response_status(*c), 200);
    flist_free(&req);
    flist_free(&resp);
}

static void test_connect_messages(void **state) {
    (void)state;
    ws_config *cc = util_config(WS_ROLE_CLIENT, 0), *sc = util_config(WS_ROLE_SERVER, 0);
    assert_int_equal(ws_config_add_subprotocol(cc, "chat"), WS_OK);
    assert_int_equal(ws_config_add_subprotocol(sc, "chat"), WS_OK);
    assert_int_equal(ws_config_set(cc, WS_OPT_DEFLATE, 1), WS_OK);
    assert_int_equal(ws_config_set(sc, WS_OPT_DEFLATE, 1), WS_OK);
    ws_conn *c, *s;
    connect_pair(cc, sc, &c, &s);
    const char *sub;
    assert_int_equal(ws_subprotocol(c, &sub), WS_OK);
    assert_string_equal(sub, "chat");
    const char *proto;
    assert_int_equal(ws_request_method(s, &proto), WS_OK);
    assert_string_equal(proto, "CONNECT");
    /* The stream's DATA: masked frames, fed a byte at a time. */
    static char big[5000];
    memset(big, 'x', sizeof big - 1);
    const char *msgs[] = {"hello", big, "ünïcode"};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(ws_send_text(c, msgs[i], strlen(msgs[i])), WS_OK);
        const uint8_t *p;
        size_t n;
        assert_int_equal(ws_output(c, &p, &n), WS_OK);
        assert_true(n > 2 && (p[1] & 0x80)); /* RFC 6455 §5.3 over the stream too */
        assert_true(util_pump(c, s, 1) > 0);
        ev_list l = {0};
        drain(s, &l);
        assert_int_equal(l.n, 1);
        assert_int_equal(l.v[0].type, WS_EV_TEXT);
        assert_int_equal(l.v[0].len, strlen(msgs[i]));
        assert_memory_equal(l.v[0].data, msgs[i], strlen(msgs[i]));
        ev_list_free(&l);
    }
    /* A stream reset is the end of input: 1006. */
    assert_int_equal(ws_feed_eof(s), WS_OK);
    ev_list l = {0};
    drain(s, &l);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.v[0].type, WS_EV_CLOSE);
    assert_int_equal(l.v[0].code, 1006);
    ev_list_free(&l);
    assert_int_equal(ws_hint(s), WS_HINT_CLOSE);
    ws_conn_free(c);
    ws_conn_free(s);
    ws_config_free(cc);
    ws_config_free(sc);
}

static void test_connect_refused(void **state) {
    (void)state;
    ws_config *sc = util_config(WS_ROLE_SERVER, 0);
    ws_conn *s;
    ev_list l = {0};
    flist resp;
    /* :protocol other than websocket: 501 (RFC 9220 §3). */
    const char *names[] = {":method", ":protocol", ":scheme", ":path", ":authority", "sec-websocket-version"};
    const char *values[] = {"CONNECT", "webtransport", "https", "/", "example.com", "13"};
    assert_int_equal(ws_server_new(sc, &s), WS_OK);
    assert_int_equal(ws_feed_connect_request(s, "HTTP/3", names, values, 6), WS_OK);
    drain(s, &l);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.v[0].type, WS_EV_REJECTED);
    assert_int_equal(l.v[0].code, 501);
    ev_list_free(&l);
    take_fields(s, &resp);
    assert_string_equal(resp.values[0], "501");
    char *body = util_take_output_str(s);
    assert_non_null(strstr(body, "webtransport"));
    assert_int_equal(atoi(field(&resp, "content-length")), (int)strlen(body));
    free(body);
    flist_free(&resp);
    assert_int_equal(ws_hint(s), WS_HINT_CLOSE);
    ws_conn_free(s);

    /* A bad version: 400 with sec-websocket-version: 13, not 426. */
    values[1] = "websocket";
    values[5] = "8";
    assert_int_equal(ws_server_new(sc, &s), WS_OK);
    assert_int_equal(ws_feed_connect_request(s, "HTTP/2", names, values, 6), WS_OK);
    take_fields(s, &resp);
    assert_string_equal(resp.values[0], "400");
    assert_string_equal(field(&resp, "sec-websocket-version"), "13");
    flist_free(&resp);
    ws_conn_free(s);

    /* The client side of a refusal. */
    ws_config *cc = util_config(WS_ROLE_CLIENT, 0);
    ws_conn *c;
    assert_int_equal(ws_connect_client_new(cc, "ws://example.com/", &c), WS_OK);
    const char *rn[] = {":status"}, *rv[] = {"403"};
    assert_int_equal(ws_feed_connect_response(c, rn, rv, 1), WS_OK);
    drain(c, &l);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.v[0].type, WS_EV_REJECTED);
    assert_int_equal(l.v[0].code, 403);
    ev_list_free(&l);
    ws_conn_free(c);
    ws_config_free(cc);
    ws_config_free(sc);
}

static void test_connect_misuse(void **state) {
    (void)state;
    ws_config *cc = util_config(WS_ROLE_CLIENT, 0), *sc = util_config(WS_ROLE_SERVER, 0);
    ws_conn *c, *s, *h1;
    const char *name, *value;
    assert_int_equal(ws_connect_client_new(NULL, "ws://x/", &c), WS_E_NULL);
    assert_int_equal(ws_connect_client_new(cc, NULL, &c), WS_E_NULL);
    assert_int_equal(ws_connect_client_new(cc, "ws://x/", NULL), WS_E_NULL);
    assert_int_equal(ws_connect_client_new(sc, "ws://x/", &c), WS_E_ARG);
    assert_null(c);
    assert_int_equal(ws_connect_client_new(cc, "http://x/", &c), WS_E_ARG);
    assert_int_equal(ws_config_add_header(cc, "Keep-Alive", "5"), WS_OK);
    assert_int_equal(ws_connect_client_new(cc, "ws://x/", &c), WS_E_ARG);
    assert_non_null(strstr(ws_last_error(), "connection-specific"));
    ws_config_free(cc);
    cc = util_config(WS_ROLE_CLIENT, 0);
    assert_int_equal(ws_connect_client_new(cc, "ws://x/", &c), WS_OK);
    /* DATA before the response's fields. */
    assert_int_equal(ws_feed(c, "\x81\x00", 2), WS_E_STATE);
    assert_int_equal(ws_feed_connect_response(c, NULL, NULL, 1), WS_E_NULL);
    assert_int_equal(ws_feed_connect_response(NULL, NULL, NULL, 0), WS_E_NULL);
    assert_int_equal(ws_connect_field_at(c, 0, NULL, &value), WS_E_NULL);
    assert_int_equal(ws_connect_field_at(c, 1000, &name, &value), 0);
    assert_int_equal(ws_feed_connect_request(c, "HTTP/2", NULL, NULL, 0), WS_E_STATE);
    assert_int_equal(ws_server_new(sc, &s), WS_OK);
    assert_int_equal(ws_connect_field_at(s, 0, &name, &value), WS_E_STATE);
    assert_int_equal(ws_feed_connect_request(s, NULL, NULL, NULL, 0), WS_E_NULL);
    assert_int_equal(ws_feed_connect_request(s, "HTTP/1.1", NULL, NULL, 0), WS_E_ARG);
    assert_int_equal(ws_feed_connect_response(s, NULL, NULL, 0), WS_E_STATE);
    assert_int_equal(ws_connect_field_at((ws_conn *)0x1234, 0, &name, &value), WS_E_BAD_HANDLE);
    /* An HTTP/1.1 client has no field list. */
    assert_int_equal(ws_client_new(cc, "ws://x/", &h1), WS_OK);
    assert_int_equal(ws_connect_field_at(h1, 0, &name, &value), WS_E_STATE);
    assert_int_equal(ws_feed_connect_response(h1, NULL, NULL, 0), WS_E_STATE);
    ws_conn_free(h1);
    ws_conn_free(c);
    ws_conn_free(s);
    ws_config_free(cc);
    ws_config_free(sc);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_connect_messages),
        cmocka_unit_test(test_connect_refused),
        cmocka_unit_test(test_connect_misuse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
