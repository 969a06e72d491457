/*
 * What uWebSockets v9's src/WebSocketProtocol.h needs from src/Networking.h,
 * and nothing else.
 *
 * WebSocketProtocol.h (the header-only protocol layer) starts with
 * #include "Networking.h", only "for htobe64" as its own comment says; it
 * also uses ntohs/htons, be64toh and the WIN32_EXPORT macro from there. The
 * real Networking.h pulls in OpenSSL (<openssl/ssl.h>, SSL_CTX in its
 * structs) and, through Backend.h, the epoll/libuv event-loop layer
 * (Epoll.h or Libuv.h: uv_os_sock_t, Poll, Loop, Async) — the socket and TLS
 * parts of uWS, which the receive and send workloads do not touch. So this
 * header defines Networking.h's include guard (NETWORKING_UWS_H), which
 * makes WebSocketProtocol.h's #include "Networking.h" expand to nothing,
 * and provides the few names WebSocketProtocol.h uses, the way Networking.h
 * provides them on Linux. Include it before WebSocketProtocol.h.
 */
#ifndef UWS_SHIM_H
#define UWS_SHIM_H

#define NETWORKING_UWS_H /* Networking.h's guard: its body is skipped */

#include <arpa/inet.h> /* ntohs, htons (Networking.h: <arpa/inet.h>) */
#include <endian.h>    /* htobe64, be64toh (Networking.h: <endian.h> on __linux) */
#include <stdint.h>    /* uint16_t, uint32_t, uint64_t, UINT16_MAX */
#include <cstring>

#define WIN32_EXPORT /* Networking.h: empty outside Windows */

#endif
