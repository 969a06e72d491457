/*
 * wsbench-scale — many concurrent connections in one process, through the C
 * API (issue 7, deliverable 4).
 *
 *   wsbench-scale DATA_DIR CONNECTIONS MODE [MESSAGES [SIZE]]
 *
 * MODE is "plain" or "deflate" (permessage-deflate with context takeover,
 * 15 window bits both ways). One run, one configuration — run.py starts a
 * fresh process for each so that resident memory is measured from a clean
 * state.
 *
 * 1. The Go runtime is started (one connection made and freed), then RSS is
 *    read (baseline).
 * 2. CONNECTIONS server connections (ws_server_new) are each fed a client's
 *    opening request (with a permessage-deflate offer in deflate mode) and
 *    their 101 answers written away: RSS and ws_memory() now give the idle
 *    cost per connection.
 * 3. Traffic: MESSAGES rounds (default 48); in each, every connection is fed
 *    the next client frame (SIZE-byte pieces, default 1 KiB, of the W6
 *    JSON-like text, made by a
 *    libws client connection — compressed with context takeover in deflate
 *    mode, so every server connection inflates one continuous stream) and
 *    echoes the message back (ws_send_text; compressed with its own context
 *    in deflate mode); its output is written away at once. Messages/s
 *    counts received-and-echoed messages, per second of wall time and per
 *    second of the process's CPU time.
 * 4. RSS and ws_memory() after the traffic; then after ws_shrink() on every
 *    connection (what a server holding idle connections may do).
 *
 * Output: one JSON line.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ws.h"

static long rss_kib(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kib = -1;
    if (f == NULL)
        return -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0)
            kib = strtol(line + 6, NULL, 10);
    fclose(f);
    return kib;
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, int rc) {
    fprintf(stderr, "wsbench-scale: %s: %s (%s)\n", what, ws_strerror(rc), ws_last_error());
    exit(1);
}

static void drain(ws_conn *c) {
    const uint8_t *p;
    size_t len;
    int rc = ws_output(c, &p, &len);
    if (rc != WS_OK)
        die("ws_output", rc);
    if (len && (rc = ws_consume(c, len)) != WS_OK)
        die("ws_consume", rc);
}

/* Takes one batch of c's events and echoes them: text messages of size
 * bytes, whose first and last bytes go into *sum. Returns how many, or -1
 * for any other event. */
static int echo_batch(ws_conn *c, size_t size, uint32_t *sum) {
    ws_event ev[8];
    ev[0].size = sizeof ev[0];
    int k = ws_next_events(c, ev, 8), rc;
    if (k < 0)
        die("ws_next_events", k);
    for (int j = 0; j < k; j++) {
        if (ev[j].type != WS_EV_TEXT || ev[j].len != size)
            return -1;
        *sum += ev[j].data[0] + ev[j].data[size - 1];
        if ((rc = ws_send_text(c, ev[j].data, ev[j].len)) != WS_OK)
            die("ws_send_text", rc);
    }
    return k;
}

static const char *REQUEST =
    "GET /chat HTTP/1.1\r\nHost: bench.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n%s\r\n";
static const char *OFFER = "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n";

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: %s DATA_DIR CONNECTIONS plain|deflate [MESSAGES [SIZE]]\n", argv[0]);
        return 2;
    }
    size_t n = strtoul(argv[2], NULL, 10);
    int deflate = strcmp(argv[3], "deflate") == 0;
    size_t msgs = argc > 4 ? strtoul(argv[4], NULL, 10) : 48;
    size_t MSG_SIZE = argc > 5 ? strtoul(argv[5], NULL, 10) : 1024;
    if (n == 0 || msgs == 0 || MSG_SIZE == 0 || msgs * MSG_SIZE > (4u << 20)) {
        fprintf(stderr, "bad arguments\n");
        return 2;
    }

    /* The messages: 1 KiB pieces of the W6 texts. */
    char path[4096];
    snprintf(path, sizeof path, "%s/w6.text", argv[1]);
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return 1;
    }
    uint8_t *text = malloc(msgs * MSG_SIZE);
    if (fread(text, 1, msgs * MSG_SIZE, f) != msgs * MSG_SIZE) {
        fprintf(stderr, "%s: too short\n", path);
        return 1;
    }
    fclose(f);

    /* Start the runtime, then the baseline. */
    ws_config *scfg, *ccfg;
    int rc;
    if ((rc = ws_config_new(WS_ROLE_SERVER, &scfg)) != WS_OK || (rc = ws_config_new(WS_ROLE_CLIENT, &ccfg)) != WS_OK)
        die("ws_config_new", rc);
    if (deflate) {
        ws_config_set(scfg, WS_OPT_DEFLATE, 1);
        ws_config_set(ccfg, WS_OPT_DEFLATE, 1);
    }
    ws_conn *warm;
    if ((rc = ws_server_new(scfg, &warm)) != WS_OK)
        die("ws_server_new", rc);
    ws_conn_free(warm);

    /* The client frames, from a libws client with the agreed parameters. */
    ws_conn *cli;
    const char *agreed = deflate ? "permessage-deflate; client_max_window_bits=15; server_max_window_bits=15" : NULL;
    if ((rc = ws_conn_new_open(ccfg, NULL, agreed, &cli)) != WS_OK)
        die("ws_conn_new_open", rc);
    uint8_t **frame = calloc(msgs, sizeof *frame);
    size_t *frame_len = calloc(msgs, sizeof *frame_len);
    size_t wire = 0;
    for (size_t k = 0; k < msgs; k++) {
        if ((rc = ws_send_text(cli, text + k * MSG_SIZE, MSG_SIZE)) != WS_OK)
            die("ws_send_text (client)", rc);
        const uint8_t *p;
        ws_output(cli, &p, &frame_len[k]);
        frame[k] = malloc(frame_len[k]);
        memcpy(frame[k], p, frame_len[k]);
        ws_consume(cli, frame_len[k]);
        wire += frame_len[k];
    }
    ws_conn_free(cli);

    char req[1024];
    snprintf(req, sizeof req, REQUEST, deflate ? OFFER : "");
    long rss0 = rss_kib();

    /* Open n connections. */
    ws_conn **c = calloc(n, sizeof *c);
    ws_event ev[8];
    double t0 = now();
    for (size_t i = 0; i < n; i++) {
        if ((rc = ws_server_new(scfg, &c[i])) != WS_OK)
            die("ws_server_new", rc);
        /* REQUEST, OPEN; ws_feed leaves the bytes past its receive budget,
         * fed again once the events are taken. */
        size_t off = 0, len = strlen(req);
        int k = 0, opened = 0;
        do {
            if ((rc = ws_feed(c[i], req + off, len - off)) < 0)
                die("ws_feed (request)", rc);
            off = len - (size_t)rc;
            ev[0].size = sizeof ev[0];
            int got = ws_next_events(c[i], ev, 8);
            for (int j = 0; j < got; j++)
                opened += ev[j].type == WS_EV_OPEN;
            k += got;
        } while (off < len);
        if (k != 2 || !opened) {
            fprintf(stderr, "connection %zu: handshake gave %d events\n", i, k);
            return 1;
        }
        drain(c[i]);
        if (i == 0 && deflate) {
            int snct, cnct, sb, cb;
            if (ws_deflate_params(c[i], &snct, &cnct, &sb, &cb) != 1 || snct || cnct || sb != 15 || cb != 15) {
                fprintf(stderr, "unexpected deflate agreement\n");
                return 1;
            }
        }
    }
    double t_open = now() - t0;
    long rss_idle = rss_kib();
    long long mem_idle = 0;
    for (size_t i = 0; i < n; i++)
        mem_idle += ws_memory(c[i]);

    /* Traffic: round-robin, each message received and echoed. */
    uint32_t sum = 0, want = 0;
    t0 = now();
    double c0 = cpu_now();
    for (size_t k = 0; k < msgs; k++) {
        for (size_t i = 0; i < n; i++) {
            size_t off = 0;
            int got = 0, e;
            do { /* one ws_feed per frame, unless the receive budget fills */
                if ((rc = ws_feed(c[i], frame[k] + off, frame_len[k] - off)) < 0)
                    die("ws_feed", rc);
                off = frame_len[k] - (size_t)rc;
                if ((e = echo_batch(c[i], MSG_SIZE, &sum)) < 0)
                    break;
                got += e;
            } while (off < frame_len[k]);
            if (e < 0 || got != 1) {
                fprintf(stderr, "connection %zu, message %zu: %d events, not one text message\n", i, k, got);
                return 1;
            }
            drain(c[i]);
        }
        want += (uint32_t)n * (text[k * MSG_SIZE] + text[k * MSG_SIZE + MSG_SIZE - 1]);
    }
    double t_traffic = now() - t0, c_traffic = cpu_now() - c0;
    if (sum != want) {
        fprintf(stderr, "checksum mismatch\n");
        return 1;
    }
    long rss_busy = rss_kib();
    long long mem_busy = 0;
    for (size_t i = 0; i < n; i++)
        mem_busy += ws_memory(c[i]);
    for (size_t i = 0; i < n; i++)
        ws_shrink(c[i]);
    long rss_shrunk = rss_kib();
    long long mem_shrunk = 0;
    for (size_t i = 0; i < n; i++)
        mem_shrunk += ws_memory(c[i]);
    t0 = now();
    for (size_t i = 0; i < n; i++)
        ws_conn_free(c[i]);
    double t_free = now() - t0;

    printf("{\"connections\":%zu,\"mode\":\"%s\",\"messages_per_conn\":%zu,\"message_size\":%zu,"
           "\"wire_bytes_per_message\":%.1f,\"rss_base_kib\":%ld,"
           "\"idle_rss_per_conn\":%.1f,\"idle_ws_memory_per_conn\":%.1f,"
           "\"busy_rss_per_conn\":%.1f,\"busy_ws_memory_per_conn\":%.1f,"
           "\"shrunk_rss_per_conn\":%.1f,\"shrunk_ws_memory_per_conn\":%.1f,"
           "\"open_us_per_conn\":%.2f,\"msgs_per_s\":%.0f,\"ns_per_msg\":%.0f,\"msgs_per_cpu_s\":%.0f,"
           "\"cpu_ns_per_msg\":%.0f,\"free_us_per_conn\":%.2f}\n",
           n, deflate ? "deflate" : "plain", msgs, MSG_SIZE, (double)wire / (double)msgs, rss0,
           (double)(rss_idle - rss0) * 1024.0 / (double)n, (double)mem_idle / (double)n,
           (double)(rss_busy - rss0) * 1024.0 / (double)n, (double)mem_busy / (double)n,
           (double)(rss_shrunk - rss0) * 1024.0 / (double)n, (double)mem_shrunk / (double)n,
           t_open * 1e6 / (double)n, (double)(n * msgs) / t_traffic, t_traffic * 1e9 / (double)(n * msgs),
           (double)(n * msgs) / c_traffic, c_traffic * 1e9 / (double)(n * msgs), t_free * 1e6 / (double)n);
    return 0;
}
