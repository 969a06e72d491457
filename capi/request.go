package main

// #include "capi.h"
import "C"

import (
	"net/textproto"
	"strings"

	"github.com/libws/libws/ws"
)

var errNoRequest = &ws.Error{Code: ws.CodeState, Msg: "no opening request yet (wait for WS_EV_REQUEST)"}

// reqString lends one field of the request to C.
func reqString(h C.uintptr_t, out **C.char, f func(r *ws.Request) string) C.int {
	return strCall(h, out, func(c *ws.Conn) (string, error) {
		r := c.PeekRequest()
		if r == nil {
			return "", errNoRequest
		}
		return f(r), nil
	})
}

//export wsgo_request_method
func wsgo_request_method(h C.uintptr_t, out **C.char) C.int {
	return reqString(h, out, func(r *ws.Request) string { return r.Method })
}

//export wsgo_request_target
func wsgo_request_target(h C.uintptr_t, out **C.char) C.int {
	return reqString(h, out, func(r *ws.Request) string { return r.Target })
}

//export wsgo_request_host
func wsgo_request_host(h C.uintptr_t, out **C.char) C.int {
	return reqString(h, out, func(r *ws.Request) string { return r.Host })
}

//export wsgo_request_origin
func wsgo_request_origin(h C.uintptr_t, out **C.char) C.int {
	return reqString(h, out, func(r *ws.Request) string { return r.Origin })
}

// reqList lends the index-th element of a request list: 1 if it exists, 0
// past the end.
func reqList(h C.uintptr_t, index C.size_t, out **C.char, list func(r *ws.Request) []string) (rc C.int) {
	found := C.int(0)
	rc = strCall(h, out, func(c *ws.Conn) (string, error) {
		r := c.PeekRequest()
		if r == nil {
			return "", errNoRequest
		}
		l := list(r)
		if uint64(index) >= uint64(len(l)) {
			return "", nil
		}
		found = 1
		return l[index], nil
	})
	if rc != 0 {
		return rc
	}
	if found == 0 {
		*out = nil
	}
	return found
}

//export wsgo_request_header
func wsgo_request_header(h C.uintptr_t, name *C.char, index C.size_t, out **C.char) C.int {
	key := goString(name)
	found := C.int(0)
	rc := strCall(h, out, func(c *ws.Conn) (string, error) {
		r := c.PeekRequest()
		if r == nil {
			return "", errNoRequest
		}
		v, ok := r.Value(key, int(min(uint64(index), 1<<31)))
		if ok {
			found = 1
		}
		return v, nil
	})
	if rc != 0 {
		return rc
	}
	if found == 0 {
		*out = nil
	}
	return found
}

//export wsgo_request_subprotocol
func wsgo_request_subprotocol(h C.uintptr_t, index C.size_t, out **C.char) C.int {
	return reqList(h, index, out, func(r *ws.Request) []string { return r.Subprotocols })
}

//export wsgo_request_extension
func wsgo_request_extension(h C.uintptr_t, index C.size_t, out **C.char) C.int {
	return reqList(h, index, out, func(r *ws.Request) []string {
		l := make([]string, len(r.Extensions))
		for i, e := range r.Extensions {
			l[i] = e.String()
		}
		return l
	})
}

//export wsgo_accept
func wsgo_accept(h C.uintptr_t, sub, exts *C.char, names, values **C.char, n C.size_t) C.int {
	return call(h, func(c *ws.Conn) error {
		opts := &ws.AcceptOptions{Subprotocol: goString(sub), Header: goPairs(names, values, n)}
		if e := strings.TrimSpace(goString(exts)); e != "" {
			list, err := ws.ParseExtensions(e)
			if err != nil {
				msg := err.Error()
				if e, ok := err.(*ws.Error); ok {
					msg = cMessage(e)
				}
				return &ws.Error{Code: ws.CodeArg, Msg: "ws_accept: extensions: " + msg}
			}
			for _, x := range list {
				opts.Extensions = append(opts.Extensions, x.String())
			}
		}
		return c.Accept(opts)
	})
}

//export wsgo_reject
func wsgo_reject(h C.uintptr_t, code C.int, body *C.char, names, values **C.char, n C.size_t) C.int {
	return call(h, func(c *ws.Conn) error {
		return c.Reject(int(code), goString(body), goPairs(names, values, n))
	})
}

// fieldAt lends the index-th header field of fields: 1 if it exists, 0
// past the end.
func fieldAt(h C.uintptr_t, index C.size_t, name, value **C.char, fields func(c *ws.Conn) ([][2]string, error)) (rc C.int) {
	o, rc := conn(h)
	if rc != 0 {
		return rc
	}
	defer o.leave(&rc)
	f, err := fields(o.conn)
	if err != nil {
		return status(err)
	}
	if uint64(index) >= uint64(len(f)) {
		*name, *value = nil, nil
		return 0
	}
	*name, *value = o.cstr(f[index][0]), o.cstr(f[index][1])
	if *name == nil || *value == nil {
		*name, *value = nil, nil
		return errNoMem()
	}
	return 1
}

//export wsgo_request_header_at
func wsgo_request_header_at(h C.uintptr_t, index C.size_t, name, value **C.char) C.int {
	return fieldAt(h, index, name, value, func(c *ws.Conn) ([][2]string, error) {
		if r := c.PeekRequest(); r != nil {
			return r.Fields, nil
		}
		return nil, errNoRequest
	})
}

var errNoResponse = &ws.Error{Code: ws.CodeState, Msg: "no response from the server yet"}

//export wsgo_response_header_at
func wsgo_response_header_at(h C.uintptr_t, index C.size_t, name, value **C.char) C.int {
	return fieldAt(h, index, name, value, func(c *ws.Conn) ([][2]string, error) {
		if r := c.Response(); r != nil {
			return r.Fields, nil
		}
		return nil, errNoResponse
	})
}

//export wsgo_response_header
func wsgo_response_header(h C.uintptr_t, name *C.char, index C.size_t, out **C.char) C.int {
	key := textproto.CanonicalMIMEHeaderKey(goString(name))
	found := C.int(0)
	rc := strCall(h, out, func(c *ws.Conn) (string, error) {
		r := c.Response()
		if r == nil {
			return "", errNoResponse
		}
		if v := r.Header[key]; uint64(index) < uint64(len(v)) {
			found = 1
			return v[index], nil
		}
		return "", nil
	})
	if rc != 0 {
		return rc
	}
	if found == 0 {
		*out = nil
	}
	return found
}
