package main

// #include "capi.h"
import "C"

import (
	"errors"
	"fmt"
	"unsafe"

	"github.com/libws/libws/ws"
)

// fail records msg as the calling thread's ws_last_error and returns the
// code as a C status.
func fail(code ws.Code, msg string) C.int {
	setLastError(msg)
	return C.int(code)
}

func setLastError(msg string) {
	if msg == "" {
		return
	}
	C.wsint_set_error((*C.char)(unsafe.Pointer(unsafe.StringData(msg))), C.size_t(len(msg)))
}

// status converts a ws error to a C status, recording its message.
func status(err error) C.int {
	if err == nil { // inlined: most calls succeed
		return C.WS_OK
	}
	return errStatus(err)
}

func errStatus(err error) C.int {
	var e *ws.Error
	if errors.As(err, &e) {
		return fail(e.Code, cMessage(e))
	}
	return fail(ws.CodeInternal, err.Error())
}

// cMessage is an error's text for C (ws_last_error, ws_conn_failure): its
// message without Go's "ws: " prefix, the same words a close event's
// reason has. (Go's Error() names the package, as Go errors do.)
func cMessage(e *ws.Error) string {
	if e.Msg == "" {
		return e.Code.String()
	}
	return e.Msg
}

func internalError(r any) C.int {
	return fail(ws.CodeInternal, fmt.Sprintf("libws internal error (please report it): %v", r))
}

// guard recovers a panic in a call that has no object. Use as
// `defer guard(&rc)`.
func guard(rc *C.int) {
	if r := recover(); r != nil {
		*rc = internalError(r)
	}
}

func argError(msg string) C.int { return fail(ws.CodeArg, msg) }

// errNoMem reports C memory that could not be had for a result.
func errNoMem() C.int { return fail(ws.CodeNoMem, "out of memory") }
