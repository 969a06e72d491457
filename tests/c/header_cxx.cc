// header_cxx.cc — ws.h is C++-safe: it compiles as C++11 with warnings as
// errors, its declarations have C linkage (this links against libws.so and
// runs), and its macros and enums work in C++.
#include "ws.h"

#include <cstdio>
#include <cstring>

static_assert(WS_E_CLASS(WS_E_BUSY) == WS_E_BAD_HANDLE, "WS_E_CLASS in a constant expression");
static_assert(WS_OPT_ALLOW_OPCODES == 21, "enum values are usable");

int main() {
    if (std::strcmp(ws_version(), WS_VERSION_STRING) != 0 || ws_abi_version() != WS_ABI_VERSION)
        return 1;
    ws_config *cfg = nullptr;
    if (ws_config_new(WS_ROLE_SERVER, &cfg) != WS_OK)
        return 2;
    int64_t v = 0;
    if (ws_config_get(cfg, WS_OPT_MAX_PINGS, &v) != WS_OK || v != 3)
        return 3;
    ws_conn *c = nullptr;
    if (ws_conn_new_open(cfg, nullptr, nullptr, &c) != WS_OK)
        return 4;
    ws_event ev = ws_event();
    ev.size = sizeof ev;
    if (ws_next_event(c, &ev) != 0 || ws_state(c) != WS_STATE_OPEN)
        return 5;
    ws_frame_header h = ws_frame_header();
    uint8_t out[14];
    h.fin = 1;
    h.opcode = WS_OP_TEXT;
    if (ws_frame_encode_header(&h, out, sizeof out) != 2)
        return 6;
    ws_conn_free(c);
    ws_config_free(cfg);
    std::printf("header_cxx: ok (%s)\n", ws_strerror(WS_OK));
    return 0;
}
