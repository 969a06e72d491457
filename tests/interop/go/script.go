package main

// The interop matrix's exchange for the Go programs (gorilla's peers and our
// Go surface): payloads and the RESULT line each side prints per connection.
// The same script is written in Python (python/matrix_common.py), C,
// JavaScript and Perl; README.md describes it.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

var (
	textMsg    = []byte("héllo wörld ✓ 中文 😀 — libws interop")
	binMsg     = seq(1000, func(i int) byte { return byte((i*37 + 11) & 0xff) })
	largeMsg   = seq(1<<20, func(i int) byte { return byte((i*31 + (i >> 9)) & 0xff) })
	compMsg    = []byte(strings.Repeat("compressible text — context takeover; ", 100))
	serverPing = []byte("server ping ✓")
	clientPing = []byte("client ping ✓")
)

const (
	fragSize     = 65536 // the 1 MiB message goes out in 16 fragments
	timeout      = 10 * time.Second
	windowBits   = 10   // connection C: server_ and client_max_window_bits
	closeACode   = 4000 // the client closes connections A and C
	closeAReason = "matrix done ✓"
	closeBCode   = 4001 // the server closes connection B
	closeBReason = "server done ✓"
)

type payload struct {
	text bool
	data []byte
}

// script is what the client sends, in order; the server echoes each.
var script = []payload{{true, textMsg}, {false, binMsg}, {false, largeMsg}, {true, compMsg}, {true, compMsg}, {true, compMsg}}

var stepOf = []string{"text", "binary", "large", "compressed", "compressed", "compressed"}

var steps = []string{"open", "deflate", "server-ping", "text", "client-ping", "binary", "large", "compressed", "rsv1", "close", "end"}

func seq(n int, f func(int) byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = f(i)
	}
	return b
}

// report is what one side saw on one connection. The first failure is kept.
type report struct {
	Impl       string            `json:"impl"`
	Role       string            `json:"role"`
	Conn       string            `json:"conn"`
	OK         bool              `json:"ok"`
	Failed     string            `json:"failed"`
	Error      string            `json:"error"`
	Passed     []string          `json:"passed"`
	NA         map[string]string `json:"na"`
	Extensions string            `json:"extensions"`
	Deflate    *deflateInfo      `json:"deflate,omitempty"`
}

type deflateInfo struct {
	ServerNoContextTakeover bool `json:"server_no_context_takeover"`
	ClientNoContextTakeover bool `json:"client_no_context_takeover"`
	ServerMaxWindowBits     int  `json:"server_max_window_bits"`
	ClientMaxWindowBits     int  `json:"client_max_window_bits"`
}

func newReport(impl, role, conn string) *report {
	return &report{Impl: impl, Role: role, Conn: conn, Passed: []string{}, NA: map[string]string{}}
}

func (r *report) ok(step string) {
	if !slices.Contains(r.Passed, step) {
		r.Passed = append(r.Passed, step)
	}
}

func (r *report) fail(step, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	fmt.Fprintf(os.Stderr, "[%s %s %s] FAIL %s: %s\n", r.Impl, r.Role, r.Conn, step, msg)
	if r.Failed == "" {
		r.Failed, r.Error = step, msg
	}
}

func (r *report) check(step string, cond bool, format string, args ...any) bool {
	if cond {
		r.ok(step)
	} else {
		r.fail(step, format, args...)
	}
	return cond
}

func (r *report) notObservable(step, why string) { r.NA[step] = why }

// current is the first step not passed yet: where an error happened.
func (r *report) current() string {
	for _, s := range steps {
		if _, na := r.NA[s]; !na && !slices.Contains(r.Passed, s) {
			return s
		}
	}
	return "end"
}

func (r *report) message(i int, text bool, got []byte) bool {
	want := script[i]
	switch {
	case text != want.text:
		return r.check(stepOf[i], false, "message %d: text=%v, want %v", i+1, text, want.text)
	case len(got) != len(want.data):
		return r.check(stepOf[i], false, "message %d: got %d bytes, want %d", i+1, len(got), len(want.data))
	}
	for k := range got {
		if got[k] != want.data[k] {
			return r.check(stepOf[i], false, "message %d: differs at offset %d", i+1, k)
		}
	}
	return r.check(stepOf[i], true, "")
}

var stdout sync.Mutex

func (r *report) emit() {
	if r.Failed == "" {
		if s := r.current(); !slices.Contains(r.Passed, s) {
			if _, na := r.NA[s]; !na {
				r.fail(s, "not reached")
			}
		}
	}
	r.OK = r.Failed == ""
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(r)
	stdout.Lock()
	defer stdout.Unlock()
	os.Stdout.WriteString("RESULT " + b.String())
}

func ready(ports []int) {
	stdout.Lock()
	defer stdout.Unlock()
	fmt.Print("READY")
	for _, p := range ports {
		fmt.Printf(" %d", p)
	}
	fmt.Println()
}

// clientPings is false when the peer client cannot send pings
// (MATRIX_CLIENT_PINGS=0: a browser).
func clientPings() bool { return os.Getenv("MATRIX_CLIENT_PINGS") != "0" }

// connOf is the connection name at the end of a matrix URL (".../A").
func connOf(url string) string {
	return url[strings.LastIndexByte(strings.TrimSuffix(url, "/"), '/')+1:]
}
