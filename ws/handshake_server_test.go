package ws

import (
	"strings"
	"testing"
)

func mustRequest(t *testing.T, fields [][2]string) *Request {
	t.Helper()
	req, err := RequestFromHeaders("GET", "/chat", "HTTP/1.1", fields)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func TestHandshakeServerAcceptBytes(t *testing.T) {
	// RFC 6455 §1.3: the sample handshake.
	req := mustRequest(t, [][2]string{
		{"Host", "server.example.com"},
		{"Upgrade", "websocket"},
		{"Connection", "Upgrade"},
		{"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="},
		{"Origin", "http://example.com"},
		{"Sec-WebSocket-Protocol", "chat, superchat"},
		{"Sec-WebSocket-Version", "13"},
	})
	s := ServerHandshake{Subprotocols: []string{"chat"}, Header: [][2]string{{"Server", "libws"}}}
	b, ag, err := s.Accept(req, &AcceptOptions{Header: [][2]string{{"Set-Cookie", "a=b"}}})
	if err != nil {
		t.Fatal(err)
	}
	want := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: chat\r\n" +
		"Server: libws\r\nSet-Cookie: a=b\r\n\r\n"
	if string(b) != want {
		t.Errorf("Accept =\n%q\nwant\n%q", b, want)
	}
	if ag.Subprotocol != "chat" || ag.Deflate != nil || ag.Extensions != nil {
		t.Errorf("agreement %+v", ag)
	}
}

func TestHandshakeServerSubprotocol(t *testing.T) {
	offer := withField(reqFields, "Sec-WebSocket-Protocol", "b, a", "c")
	none := withField(reqFields, "Sec-WebSocket-Protocol")
	chooser := func(pick string) func([]string) string {
		return func(offered []string) string {
			offered[0] = "mutated" // must not affect the request
			return pick
		}
	}
	tests := []struct {
		name   string
		s      ServerHandshake
		fields [][2]string
		forced string
		want   string
		err    string
	}{
		{"client order decides", ServerHandshake{Subprotocols: []string{"a", "b"}}, offer, "", "b", ""},
		{"only supported", ServerHandshake{Subprotocols: []string{"c", "x"}}, offer, "", "c", ""},
		{"none supported", ServerHandshake{Subprotocols: []string{"x"}}, offer, "", "", ""},
		{"none offered", ServerHandshake{Subprotocols: []string{"a"}}, none, "", "", ""},
		{"chooser", ServerHandshake{Subprotocols: []string{"b"}, SelectSubprotocol: chooser("c")}, offer, "", "c", ""},
		{"chooser picks none", ServerHandshake{Subprotocols: []string{"b"}, SelectSubprotocol: chooser("")}, offer, "", "", ""},
		{"chooser not called without offer", ServerHandshake{SelectSubprotocol: func([]string) string { panic("called") }}, none, "", "", ""},
		{"chooser picks unoffered", ServerHandshake{SelectSubprotocol: chooser("z")}, offer, "", "", "did not offer"},
		{"forced", ServerHandshake{Subprotocols: []string{"b"}, SelectSubprotocol: chooser("b")}, offer, "a", "a", ""},
		{"forced unoffered", ServerHandshake{}, offer, "z", "", "did not offer"},
		{"forced without offer", ServerHandshake{}, none, "a", "", "did not offer"},
		{"invalid supported", ServerHandshake{Subprotocols: []string{"a b"}}, offer, "", "", "not a token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := mustRequest(t, tt.fields)
			b, ag, err := tt.s.Accept(req, &AcceptOptions{Subprotocol: tt.forced})
			if tt.err != "" {
				if e := wantError(t, err, CodeArg, 0); !strings.Contains(e.Msg, tt.err) {
					t.Errorf("message %q does not contain %q", e.Msg, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if ag.Subprotocol != tt.want {
				t.Errorf("subprotocol %q, want %q", ag.Subprotocol, tt.want)
			}
			if has := strings.Contains(string(b), "Sec-WebSocket-Protocol"); has != (tt.want != "") {
				t.Errorf("response %q", b)
			}
			if len(req.Subprotocols) > 0 && req.Subprotocols[0] == "mutated" {
				t.Error("the chooser changed the request")
			}
		})
	}
	// A hand-made request cannot smuggle a header through a subprotocol.
	req := mustRequest(t, offer)
	req.Subprotocols = []string{"a\r\nEvil: 1"}
	_, _, err := (&ServerHandshake{}).Accept(req, &AcceptOptions{Subprotocol: "a\r\nEvil: 1"})
	wantError(t, err, CodeArg, 0)
}

func TestHandshakeServerExtensions(t *testing.T) {
	fields := withField(reqFields, "Sec-WebSocket-Extensions", "x-foo; a=1, permessage-deflate; client_max_window_bits", "x-bar")
	deflate := &DeflateConfig{ClientMaxWindowBits: 12}
	tests := []struct {
		name    string
		s       ServerHandshake
		opts    *AcceptOptions
		header  string // the Sec-WebSocket-Extensions line, "" for none
		deflate bool
		err     string
	}{
		{"no deflate configured", ServerHandshake{}, nil, "", false, ""},
		{"deflate", ServerHandshake{Deflate: deflate}, nil, "permessage-deflate; client_max_window_bits=12", true, ""},
		{"deflate declined this time", ServerHandshake{Deflate: deflate}, &AcceptOptions{NoDeflate: true}, "", false, ""},
		{"application extensions after deflate", ServerHandshake{Deflate: deflate}, &AcceptOptions{Extensions: []string{"x-bar", "x-foo; a=2"}},
			"permessage-deflate; client_max_window_bits=12, x-bar, x-foo; a=2", true, ""},
		{"application extension only", ServerHandshake{}, &AcceptOptions{Extensions: []string{"x-foo"}}, "x-foo", false, ""},
		{"raw deflate from the host", ServerHandshake{}, &AcceptOptions{Extensions: []string{"permessage-deflate"}}, "permessage-deflate", false, ""},
		{"deflate twice", ServerHandshake{Deflate: deflate}, &AcceptOptions{Extensions: []string{"permessage-deflate"}}, "", false, "second time"},
		{"extension twice", ServerHandshake{}, &AcceptOptions{Extensions: []string{"x-foo, x-foo"}}, "", false, "second time"},
		{"unoffered extension", ServerHandshake{}, &AcceptOptions{Extensions: []string{"x-baz"}}, "", false, "did not offer"},
		{"unparsable extension", ServerHandshake{}, &AcceptOptions{Extensions: []string{"x-foo;"}}, "", false, "does not parse"},
		{"invalid deflate config", ServerHandshake{Deflate: &DeflateConfig{Level: 10}}, nil, "", false, "level"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, ag, err := tt.s.Accept(mustRequest(t, fields), tt.opts)
			if tt.err != "" {
				if e := wantError(t, err, CodeArg, 0); !strings.Contains(e.Msg, tt.err) {
					t.Errorf("message %q does not contain %q", e.Msg, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			line := ""
			if tt.header != "" {
				line = "Sec-WebSocket-Extensions: " + tt.header + "\r\n"
			}
			if got := extensionsLine(string(b)); got != line {
				t.Errorf("extensions line %q, want %q", got, line)
			}
			if (ag.Deflate != nil) != tt.deflate || FormatExtensions(ag.Extensions) != tt.header {
				t.Errorf("agreement %+v", ag)
			}
		})
	}
}

func extensionsLine(resp string) string {
	for _, l := range strings.SplitAfter(resp, "\r\n") {
		if strings.HasPrefix(l, "Sec-WebSocket-Extensions:") {
			return l
		}
	}
	return ""
}

func TestHandshakeServerAcceptErrors(t *testing.T) {
	req := mustRequest(t, reqFields)
	tests := []struct {
		name string
		s    ServerHandshake
		req  *Request
		opts *AcceptOptions
		msg  string
	}{
		{"nil request", ServerHandshake{}, nil, nil, "needs a request"},
		{"hand-made request", ServerHandshake{}, &Request{Key: "x"}, nil, "not valid"},
		{"reserved header", ServerHandshake{Header: [][2]string{{"Sec-WebSocket-Accept", "x"}}}, req, nil, "sets it"},
		{"reserved option header", ServerHandshake{}, req, &AcceptOptions{Header: [][2]string{{"Upgrade", "x"}}}, "sets it"},
		{"Content-Length", ServerHandshake{}, req, &AcceptOptions{Header: [][2]string{{"content-length", "0"}}}, "frames"},
		{"bad header value", ServerHandshake{}, req, &AcceptOptions{Header: [][2]string{{"X-A", "\r\n"}}}, "control character"},
		{"bad header name", ServerHandshake{Header: [][2]string{{"X:A", "1"}}}, req, nil, "not a token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, ag, err := tt.s.Accept(tt.req, tt.opts)
			if b != nil || ag != nil {
				t.Error("results with an error")
			}
			if e := wantError(t, err, CodeArg, 0); !strings.Contains(e.Msg, tt.msg) {
				t.Errorf("message %q does not contain %q", e.Msg, tt.msg)
			}
		})
	}
}

func TestHandshakeReject(t *testing.T) {
	tests := []struct {
		status int
		msg    string
		header [][2]string
		want   string
	}{
		{400, "bad key", nil,
			"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 7\r\nConnection: close\r\n\r\nbad key"},
		{426, "", [][2]string{{"Sec-WebSocket-Version", "8"}, {"X-A", "1"}},
			"HTTP/1.1 426 Upgrade Required\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 0\r\nConnection: close\r\nSec-WebSocket-Version: 13\r\nX-A: 1\r\n\r\n"},
		{403, "no", [][2]string{{"content-type", "text/html"}, {"Content-Length", "99"}, {"transfer-encoding", "chunked"}, {"Connection", "keep-alive"},
			{"Bad Name", "x"}, {"X-Evil", "a\r\nb"}, {"Sec-WebSocket-Version", "13"}, {"Retry-After", "5"}},
			"HTTP/1.1 403 Forbidden\r\nContent-Type: text/html\r\nContent-Length: 2\r\nConnection: close\r\nSec-WebSocket-Version: 13\r\nRetry-After: 5\r\n\r\nno"},
		{431, "héllo", nil,
			"HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 6\r\nConnection: close\r\n\r\nhéllo"},
		{42, "x", nil, "HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 1\r\nConnection: close\r\n\r\nx"},
		{418, "", nil, "HTTP/1.1 418 Client Error\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"},
	}
	for _, tt := range tests {
		if got := string(Reject(tt.status, tt.msg, tt.header)); got != tt.want {
			t.Errorf("Reject(%d) =\n%q\nwant\n%q", tt.status, got, tt.want)
		}
	}
	phrases := map[int]string{401: "Unauthorized", 404: "Not Found", 405: "Method Not Allowed", 408: "Request Timeout",
		429: "Too Many Requests", 501: "Not Implemented", 502: "Bad Gateway", 503: "Service Unavailable",
		199: "Informational", 299: "Success", 399: "Redirection", 599: "Server Error", 999: "Server Error"}
	for status, phrase := range phrases {
		if got := statusText(status); got != phrase {
			t.Errorf("statusText(%d) = %q, want %q", status, got, phrase)
		}
	}
	// A rejection must parse as the response it is.
	resp, err := ParseResponse(Reject(400, "", nil))
	if err != nil || resp.Status != 400 || resp.Header.Get("Connection") != "close" {
		t.Errorf("ParseResponse(Reject) = %+v, %v", resp, err)
	}
}

// TestHandshakeServerErrorStatusRejects shows the intended use of a
// validation error: its Status goes into Reject.
func TestHandshakeServerErrorStatusRejects(t *testing.T) {
	_, err := ParseRequest(rawHead("GET / HTTP/1.1", withField(reqFields, "Sec-WebSocket-Version", "8")))
	e := wantError(t, err, CodeHandshake, 426)
	got := string(Reject(e.Status, e.Msg, nil))
	if !strings.HasPrefix(got, "HTTP/1.1 426 Upgrade Required\r\n") || !strings.Contains(got, "\r\nSec-WebSocket-Version: 13\r\n") {
		t.Errorf("Reject = %q", got)
	}
}
