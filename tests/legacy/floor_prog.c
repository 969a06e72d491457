/* floor_prog.c: a C program linked statically against libws.a, for the
 * glibc floor check (glibc_floor.sh) and the bullseye run (run_in_root.sh).
 * Built with -DBASELINE it is the same program without libws, so that the
 * symbols its own start files need (__libc_start_main@GLIBC_2.34 when
 * linked on glibc >= 2.34) can be told from what libws.a adds. */
#include <stdio.h>
#include <string.h>
#ifndef BASELINE
#include "ws.h"
#endif

int main(void) {
#ifdef BASELINE
    puts("baseline");
    return 0;
#else
    char out[29];
    unsigned char r[16];
    /* RFC 6455 section 1.3's example: SHA-1 and base64 in the Go runtime. */
    if (ws_accept_key("dGhlIHNhbXBsZSBub25jZQ==", out) < 0 ||
        strcmp(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") != 0) {
        fprintf(stderr, "floor_prog: ws_accept_key gave '%s'\n", out);
        return 1;
    }
    if (ws_random_bytes(r, sizeof r) < 0) {
        fprintf(stderr, "floor_prog: ws_random_bytes failed\n");
        return 1;
    }
    printf("libws %s (ABI %d) linked from libws.a: accept key ok\n", ws_version(), ws_abi_version());
    return 0;
#endif
}
