// Command capi is libws's C ABI: built with -buildmode=c-shared (libws.so)
// or c-archive (libws.a). It only translates between C and package ws:
// checked handles, C memory for everything handed out, panics recovered
// into WS_E_INTERNAL. Every protocol decision is made in package ws.
//
// Each public function is a C wrapper in wrappers.c (fork guard, NULL and
// length checks, before entering the Go runtime) over a Go export named
// wsgo_* in the files of this package. include/ws.h documents the API.
package main

// #cgo CFLAGS: -I${SRCDIR}/../include -O2 -Wall
// #include "capi.h"
import "C"

func main() {}
