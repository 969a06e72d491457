package ws

import (
	"bytes"
	"fmt"
	"math/rand"
	"strings"
	"testing"
	"time"
)

// headResult is what feeding an input produced: the head, the bytes left
// unconsumed after it, or the error.
type headResult struct {
	head, rest []byte
	err        string
}

// feedAll feeds input to h in chunks whose sizes next returns.
func feedAll(t *testing.T, h *HeadReader, input []byte, next func() int) headResult {
	t.Helper()
	for pos := 0; pos < len(input); {
		k := min(max(next(), 1), len(input)-pos)
		chunk := input[pos : pos+k]
		head, n, err := h.Feed(chunk)
		if err != nil {
			wantError(t, err, CodeLimit, 431)
			return headResult{err: err.Error()}
		}
		if head != nil {
			rest := append(append([]byte(nil), chunk[n:]...), input[pos+k:]...)
			return headResult{head: append([]byte(nil), head...), rest: rest}
		}
		if n != k {
			t.Fatalf("Feed consumed %d of %d bytes without completing the head", n, k)
		}
		pos += k
	}
	return headResult{}
}

func TestHeadReaderChunking(t *testing.T) {
	req := "GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n\r\n"
	frames := "\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58" // a masked "Hello"
	tests := []struct {
		name                string
		input               string
		maxSize, maxHeaders int
		head, rest          string // want; head "" and rest "" for incomplete
		err                 bool
	}{
		{"request with frames", req + frames, 0, 0, req, frames, false},
		{"bare LF", "GET / HTTP/1.1\nHost: h\n\nrest", 0, 0, "GET / HTTP/1.1\nHost: h\n\n", "rest", false},
		{"mixed endings", "GET / HTTP/1.1\nHost: h\r\n\nrest", 0, 0, "GET / HTTP/1.1\nHost: h\r\n\n", "rest", false},
		{"LF then CRLF", "GET / HTTP/1.1\r\nHost: h\n\r\nrest", 0, 0, "GET / HTTP/1.1\r\nHost: h\n\r\n", "rest", false},
		{"leading empty lines dropped", "\r\n\n\r\n" + req + "x", 0, 0, req, "x", false},
		{"bare CR does not end a line", "GET / HTTP/1.1\r\nA: b\r\r\r\n\r\n", 0, 0, "GET / HTTP/1.1\r\nA: b\r\r\r\n\r\n", "", false},
		{"start line only", "HTTP/1.1 101 OK\r\n\r\n", 0, 0, "HTTP/1.1 101 OK\r\n\r\n", "", false},
		{"incomplete", "GET / HTTP/1.1\r\nHost: h\r\n", 0, 0, "", "", false},
		{"exactly MaxSize", req + frames, len(req), 0, req, frames, false},
		{"MaxSize + 1", req + frames, len(req) - 1, 0, "", "", true},
		{"MaxSize hit before the line ends", req, 10, 0, "", "", true},
		{"MaxSize counts leading empty lines", "\r\n\r\n" + req, len(req) + 3, 0, "", "", true},
		{"exactly MaxHeaders", req, 0, 2, req, "", false},
		{"MaxHeaders + 1", req, 0, 1, "", "", true},
		{"default MaxSize", "GET / HTTP/1.1\r\nA: " + strings.Repeat("a", DefaultMaxHandshakeSize) + "\r\n\r\n", 0, 0, "", "", true},
		{"default MaxHeaders", "GET / HTTP/1.1\r\n" + strings.Repeat("A: b\r\n", DefaultMaxHeaderCount+1) + "\r\n", 0, 0, "", "", true},
		{"default MaxHeaders exact", "GET / HTTP/1.1\r\n" + strings.Repeat("A: b\r\n", DefaultMaxHeaderCount) + "\r\n", 0, 0,
			"GET / HTTP/1.1\r\n" + strings.Repeat("A: b\r\n", DefaultMaxHeaderCount) + "\r\n", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			whole := &HeadReader{MaxSize: tt.maxSize, MaxHeaders: tt.maxHeaders}
			want := feedAll(t, whole, []byte(tt.input), func() int { return len(tt.input) })
			if tt.err != (want.err != "") {
				t.Fatalf("error = %q, want error %v", want.err, tt.err)
			}
			if string(want.head) != tt.head || string(want.rest) != tt.rest {
				t.Fatalf("head, rest = %q, %q; want %q, %q", want.head, want.rest, tt.head, tt.rest)
			}
			splitters := map[string]func() int{"byte at a time": func() int { return 1 }}
			for seed := int64(1); seed <= 20; seed++ {
				r := rand.New(rand.NewSource(seed))
				splitters[fmt.Sprintf("seed %d", seed)] = func() int { return 1 + r.Intn(12) }
			}
			for name, next := range splitters {
				h := &HeadReader{MaxSize: tt.maxSize, MaxHeaders: tt.maxHeaders}
				got := feedAll(t, h, []byte(tt.input), next)
				if !bytes.Equal(got.head, want.head) || !bytes.Equal(got.rest, want.rest) || got.err != want.err {
					t.Errorf("%s: got %q %q %q, want %q %q %q", name, got.head, got.rest, got.err, want.head, want.rest, want.err)
				}
			}
		})
	}
}

func TestHeadReaderAfterCompletion(t *testing.T) {
	var h HeadReader
	head, n, err := h.Feed([]byte("GET / HTTP/1.1\r\n\r\nabc"))
	if err != nil || n != 18 || string(head) != "GET / HTTP/1.1\r\n\r\n" {
		t.Fatalf("Feed = %q, %d, %v", head, n, err)
	}
	again, n, err := h.Feed([]byte("more"))
	if err != nil || n != 0 || !bytes.Equal(again, head) {
		t.Fatalf("Feed after completion = %q, %d, %v", again, n, err)
	}
	h.Reset()
	head, n, err = h.Feed([]byte("HTTP/1.1 101 OK\r\n\r\n"))
	if err != nil || n != 19 || string(head) != "HTTP/1.1 101 OK\r\n\r\n" {
		t.Fatalf("Feed after Reset = %q, %d, %v", head, n, err)
	}
	// Empty input changes nothing.
	h.Reset()
	if head, n, err := h.Feed(nil); head != nil || n != 0 || err != nil {
		t.Fatalf("Feed(nil) = %q, %d, %v", head, n, err)
	}
}

func TestHeadReaderErrorIsSticky(t *testing.T) {
	h := HeadReader{MaxSize: 8, MaxHeaders: 5}
	_, _, err := h.Feed([]byte("GET / HTTP/1.1\r\n"))
	e := wantError(t, err, CodeLimit, 431)
	if !strings.Contains(e.Msg, "8 bytes") {
		t.Errorf("message %q does not name the limit", e.Msg)
	}
	if _, n, err2 := h.Feed([]byte("\r\n")); err2 != err || n != 0 {
		t.Errorf("second Feed = %d, %v; want the same error", n, err2)
	}
	h.Reset()
	if h.MaxSize != 8 || h.MaxHeaders != 5 {
		t.Errorf("Reset lost the limits: %+v", h)
	}
	if _, _, err := h.Feed([]byte("GET")); err != nil {
		t.Errorf("after Reset: %v", err)
	}
	h = HeadReader{MaxHeaders: 1}
	_, _, err = h.Feed([]byte("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\n"))
	if e := wantError(t, err, CodeLimit, 431); !strings.Contains(e.Msg, "1 header lines") {
		t.Errorf("message %q does not name the limit", e.Msg)
	}
}

// TestHeadReaderLinear feeds a 1 MiB head one byte at a time; rescanning
// from the start on every call would take hours.
func TestHeadReaderLinear(t *testing.T) {
	const size = 1 << 20
	input := []byte("GET / HTTP/1.1\r\nA: " + strings.Repeat("a", size) + "\r\n\r\n")
	h := HeadReader{MaxSize: 2 * size}
	start := time.Now()
	var head []byte
	for i := range input {
		var err error
		if head, _, err = h.Feed(input[i : i+1]); err != nil {
			t.Fatal(err)
		}
	}
	if len(head) != len(input) {
		t.Fatalf("head has %d bytes, want %d", len(head), len(input))
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("byte-at-a-time feeding took %v", d)
	}
}

// TestHeadErrorWording: what a peer's bad head is reported as — the start
// line judged before any header line, a header line without a colon named
// by its number in our own words, and a peer's bytes quoted as a short,
// escaped prefix (never a whole line of them).
func TestHeadErrorWording(t *testing.T) {
	long := strings.Repeat("x", 300)
	for _, tc := range []struct {
		name, head string
		want       []string // substrings of the message
	}{
		{"not HTTP, bad header too", "HELLO THERE\r\nno colon here\r\n\r\n", []string{`malformed status line "HELLO THERE"`}},
		{"binary reply", "\x16\x03\x01\x02\x00" + strings.Repeat("\x00\xff", 100) + "\r\n\r\n", []string{`malformed status line "\x16\x03\x01\x02\x00`, `"...`}},
		{"no colon", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nthis line " + long + "\r\n\r\n", []string{`header line 2 has no colon: "this line xxx`, `"...`}},
		{"200", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", []string{`the server answered 200 "OK", not 101 Switching Protocols`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := NewClient(&Config{Role: RoleClient}, "ws://example.com/x")
			if err != nil {
				t.Fatal(err)
			}
			c.Consume(c.OutputLen())
			c.Feed([]byte(tc.head))
			e, ok := c.NextEvent()
			if !ok || e.Type != EventRejected {
				t.Fatalf("event %v %v", e.Type, ok)
			}
			msg := string(e.Data)
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q lacks %q", msg, w)
				}
			}
			if len(msg) > 200 || strings.Count(msg, "handshake") > 1 || strings.Contains(msg, "MIME") {
				t.Errorf("message %q: too long, says handshake twice, or is textproto's", msg)
			}
			if c.Err() == nil || c.Err().Error() != "ws: "+msg {
				t.Errorf("Err() %v, want the event's words", c.Err())
			}
		})
	}
	for _, tc := range []struct{ in, want string }{
		{"short", `"short"`},
		{strings.Repeat("a", 64), `"` + strings.Repeat("a", 64) + `"`},
		{strings.Repeat("a", 65), `"` + strings.Repeat("a", 64) + `"...`},
		{strings.Repeat("é", 40), `"` + strings.Repeat("é", 32) + `"...`},
		{strings.Repeat("\x00", 30), `"` + strings.Repeat(`\x00`, 19) + `"...`},
	} {
		if got := quote(tc.in); got != tc.want {
			t.Errorf("quote(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}
