package ws

import (
	"reflect"
	"strings"
	"testing"
)

// reqFields are the header fields of a good opening request.
var reqFields = [][2]string{
	{"Host", "server.example.com"},
	{"Upgrade", "websocket"},
	{"Connection", "keep-alive, Upgrade"},
	{"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="},
	{"Sec-WebSocket-Version", "13"},
	{"Origin", "http://example.com"},
	{"Sec-WebSocket-Protocol", "chat, superchat"},
	{"Sec-WebSocket-Protocol", "v2"},
	{"Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits"},
	{"Sec-WebSocket-Extensions", "x-foo"},
}

// withField returns fields without any field named name, plus one field
// per value.
func withField(fields [][2]string, name string, values ...string) [][2]string {
	var out [][2]string
	for _, f := range fields {
		if !strings.EqualFold(f[0], name) {
			out = append(out, f)
		}
	}
	for _, v := range values {
		out = append(out, [2]string{name, v})
	}
	return out
}

// rawHead renders a start line and fields as a head with CRLF lines.
func rawHead(start string, fields [][2]string) []byte {
	var b strings.Builder
	b.WriteString(start + "\r\n")
	for _, f := range fields {
		b.WriteString(f[0] + ": " + f[1] + "\r\n")
	}
	b.WriteString("\r\n")
	return []byte(b.String())
}

func TestHandshakeParseRequestGood(t *testing.T) {
	req, err := ParseRequest(rawHead("GET /chat?x=1 HTTP/1.1", reqFields))
	if err != nil {
		t.Fatal(err)
	}
	want := &Request{
		Method: "GET", Target: "/chat?x=1", Proto: "HTTP/1.1",
		Host:         "server.example.com",
		Key:          "dGhlIHNhbXBsZSBub25jZQ==",
		Origin:       "http://example.com",
		Subprotocols: []string{"chat", "superchat", "v2"},
		Extensions: []Extension{
			{Name: "permessage-deflate", Params: []ExtensionParam{{Name: "client_max_window_bits"}}},
			{Name: "x-foo"},
		},
	}
	want.Header = req.Header
	want.Fields = reqFields // in the order received, names as sent
	if !reflect.DeepEqual(req, want) {
		t.Errorf("ParseRequest =\n%+v\nwant\n%+v", req, want)
	}
	if got := req.Header["Sec-Websocket-Protocol"]; !reflect.DeepEqual(got, []string{"chat, superchat", "v2"}) {
		t.Errorf("repeated fields = %q", got)
	}
}

// TestHandshakeRequestRules runs each RFC 6455 §4.2.1 rule through both
// ParseRequest and RequestFromHeaders, which must agree.
func TestHandshakeRequestRules(t *testing.T) {
	tests := []struct {
		name                  string
		method, target, proto string
		fields                [][2]string
		status                int    // 0: valid
		check                 string // for valid requests: "Target Host" expected
	}{
		{"good", "GET", "/", "HTTP/1.1", reqFields, 0, "/ server.example.com"},
		{"later HTTP/1.x", "GET", "/", "HTTP/1.2", reqFields, 0, ""},
		{"POST", "POST", "/", "HTTP/1.1", reqFields, 400, ""},
		{"lower-case get", "get", "/", "HTTP/1.1", reqFields, 400, ""},
		{"HTTP/1.0", "GET", "/", "HTTP/1.0", reqFields, 400, ""},
		{"HTTP/2.0", "GET", "/", "HTTP/2.0", reqFields, 400, ""},
		{"HTTP/1.10", "GET", "/", "HTTP/1.10", reqFields, 400, ""},
		{"lower-case proto", "GET", "/", "http/1.1", reqFields, 400, ""},
		{"relative target", "GET", "chat", "HTTP/1.1", reqFields, 400, ""},
		{"empty target", "GET", "", "HTTP/1.1", reqFields, 400, ""},
		{"asterisk target", "GET", "*", "HTTP/1.1", reqFields, 400, ""},
		{"fragment", "GET", "/chat#x", "HTTP/1.1", reqFields, 400, ""},
		{"non-ASCII target", "GET", "/ä", "HTTP/1.1", reqFields, 400, ""},
		{"ftp target", "GET", "ftp://h/", "HTTP/1.1", reqFields, 400, ""},
		{"absolute ws", "GET", "ws://Other.example:81/chat?x", "HTTP/1.1", reqFields, 0, "/chat?x Other.example:81"},
		{"absolute WSS no path", "GET", "WSS://h", "HTTP/1.1", reqFields, 0, "/ h"},
		{"absolute http query only", "GET", "http://h?x=1", "HTTP/1.1", reqFields, 0, "/?x=1 h"},
		{"absolute https", "GET", "https://h/p", "HTTP/1.1", reqFields, 0, "/p h"},
		{"absolute empty authority", "GET", "ws:///chat", "HTTP/1.1", reqFields, 400, ""},
		{"absolute userinfo", "GET", "ws://u@h/chat", "HTTP/1.1", reqFields, 400, ""},
		{"absolute no slashes", "GET", "ws:h/chat", "HTTP/1.1", reqFields, 400, ""},
		{"no Host", "GET", "/", "HTTP/1.1", withField(reqFields, "Host"), 400, ""},
		{"two Hosts", "GET", "/", "HTTP/1.1", withField(reqFields, "Host", "a", "b"), 400, ""},
		{"empty Host", "GET", "/", "HTTP/1.1", withField(reqFields, "Host", ""), 400, ""},
		{"Host with space", "GET", "/", "HTTP/1.1", withField(reqFields, "Host", "a b"), 400, ""},
		{"Host with path", "GET", "/", "HTTP/1.1", withField(reqFields, "Host", "a/b"), 400, ""},
		{"Host with userinfo", "GET", "/", "HTTP/1.1", withField(reqFields, "Host", "u@a"), 400, ""},
		{"Host non-ASCII", "GET", "/", "HTTP/1.1", withField(reqFields, "Host", "bücher.example"), 400, ""},
		{"Host IPv6 and port", "GET", "/", "HTTP/1.1", withField(reqFields, "Host", "[::1]:8080"), 0, "/ [::1]:8080"},
		{"Host every allowed character", "GET", "/", "HTTP/1.1", withField(reqFields, "Host", "aZ09-._~%20!$&'()*+,;=:[]"), 0, ""},
		{"no Upgrade", "GET", "/", "HTTP/1.1", withField(reqFields, "Upgrade"), 400, ""},
		{"Upgrade h2c", "GET", "/", "HTTP/1.1", withField(reqFields, "Upgrade", "h2c"), 400, ""},
		{"Upgrade WebSocket", "GET", "/", "HTTP/1.1", withField(reqFields, "Upgrade", "WebSocket"), 0, ""},
		{"Upgrade list", "GET", "/", "HTTP/1.1", withField(reqFields, "Upgrade", "h2c, websocket"), 0, ""},
		{"Upgrade two fields", "GET", "/", "HTTP/1.1", withField(reqFields, "Upgrade", "h2c", "websocket"), 0, ""},
		{"no Connection", "GET", "/", "HTTP/1.1", withField(reqFields, "Connection"), 400, ""},
		{"Connection keep-alive", "GET", "/", "HTTP/1.1", withField(reqFields, "Connection", "keep-alive"), 400, ""},
		{"Connection upgrade", "GET", "/", "HTTP/1.1", withField(reqFields, "Connection", "upgrade"), 0, ""},
		{"Connection substring", "GET", "/", "HTTP/1.1", withField(reqFields, "Connection", "upgrades"), 400, ""},
		{"no version", "GET", "/", "HTTP/1.1", withField(reqFields, "Sec-WebSocket-Version"), 426, ""},
		{"version 8", "GET", "/", "HTTP/1.1", withField(reqFields, "Sec-WebSocket-Version", "8"), 426, ""},
		{"two versions", "GET", "/", "HTTP/1.1", withField(reqFields, "Sec-WebSocket-Version", "13", "13"), 426, ""},
		{"version list", "GET", "/", "HTTP/1.1", withField(reqFields, "Sec-WebSocket-Version", "13, 8"), 426, ""},
		{"no key", "GET", "/", "HTTP/1.1", withField(reqFields, "Sec-WebSocket-Key"), 400, ""},
		{"two keys", "GET", "/", "HTTP/1.1", withField(reqFields, "Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==", "dGhlIHNhbXBsZSBub25jZQ=="), 400, ""},
		{"short key", "GET", "/", "HTTP/1.1", withField(reqFields, "Sec-WebSocket-Key", "abc"), 400, ""},
		{"unpadded key", "GET", "/", "HTTP/1.1", withField(reqFields, "Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ"), 400, ""},
		{"15-byte key", "GET", "/", "HTTP/1.1", withField(reqFields, "Sec-WebSocket-Key", "AAAAAAAAAAAAAAAAAAAA"), 400, ""},
		{"two Origins", "GET", "/", "HTTP/1.1", withField(reqFields, "Origin", "http://a", "http://b"), 400, ""},
		{"no Origin", "GET", "/", "HTTP/1.1", withField(reqFields, "Origin"), 0, ""},
		{"bad subprotocol", "GET", "/", "HTTP/1.1", withField(reqFields, "Sec-WebSocket-Protocol", "a b"), 400, ""},
		{"subprotocol with ;", "GET", "/", "HTTP/1.1", withField(reqFields, "Sec-WebSocket-Protocol", "a;b"), 400, ""},
		{"empty subprotocol elements", "GET", "/", "HTTP/1.1", withField(reqFields, "Sec-WebSocket-Protocol", "a, , b", ""), 0, ""},
		{"bad extensions", "GET", "/", "HTTP/1.1", withField(reqFields, "Sec-WebSocket-Extensions", "permessage-deflate;"), 400, ""},
		{"bad extensions second field", "GET", "/", "HTTP/1.1", withField(reqFields, "Sec-WebSocket-Extensions", "a", "=b"), 400, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw, errRaw := ParseRequest(rawHead(tt.method+" "+tt.target+" "+tt.proto, tt.fields))
			pairs, errPairs := RequestFromHeaders(tt.method, tt.target, tt.proto, tt.fields)
			if tt.status != 0 {
				e1 := wantError(t, errRaw, CodeHandshake, tt.status)
				e2 := wantError(t, errPairs, CodeHandshake, tt.status)
				if e1.Msg != e2.Msg {
					t.Errorf("messages differ:\n%s\n%s", e1.Msg, e2.Msg)
				}
				return
			}
			if errRaw != nil || errPairs != nil {
				t.Fatalf("errors: %v / %v", errRaw, errPairs)
			}
			if !reflect.DeepEqual(raw, pairs) {
				t.Errorf("ParseRequest and RequestFromHeaders differ:\n%+v\n%+v", raw, pairs)
			}
			if tt.check != "" && raw.Target+" "+raw.Host != tt.check {
				t.Errorf("Target, Host = %q %q, want %q", raw.Target, raw.Host, tt.check)
			}
		})
	}
}

// TestHandshakeRequestHeaderPairs checks that header pairs behave like raw
// fields: names in any case, values trimmed, order kept.
func TestHandshakeRequestHeaderPairs(t *testing.T) {
	var mixed [][2]string
	for i, f := range reqFields {
		name := f[0]
		if i%2 == 0 {
			name = strings.ToLower(name)
		} else {
			name = strings.ToUpper(name)
		}
		mixed = append(mixed, [2]string{name, " \t" + f[1] + " "})
	}
	a, err := RequestFromHeaders("GET", "/chat", "HTTP/1.1", mixed)
	if err != nil {
		t.Fatal(err)
	}
	b, err := ParseRequest(rawHead("GET /chat HTTP/1.1", reqFields))
	if err != nil {
		t.Fatal(err)
	}
	// Names keep the case they were given in; values are trimmed alike.
	for i := range a.Fields {
		if !strings.EqualFold(a.Fields[i][0], b.Fields[i][0]) || a.Fields[i][1] != b.Fields[i][1] {
			t.Errorf("field %d: %q vs %q", i, a.Fields[i], b.Fields[i])
		}
	}
	a.Fields, b.Fields = nil, nil
	if !reflect.DeepEqual(a, b) {
		t.Errorf("pairs:\n%+v\nraw:\n%+v", a, b)
	}
	for _, bad := range [][2]string{{"Bad Name", "x"}, {"", "x"}, {"X-A", "x\r\nEvil: 1"}, {"X-A", "x\x00"}, {"Host:", "x"}} {
		_, err := RequestFromHeaders("GET", "/", "HTTP/1.1", append(reqFields[:len(reqFields):len(reqFields)], bad))
		wantError(t, err, CodeHandshake, 400)
	}
}

// TestHandshakeParseRequestSyntax covers what only raw heads can get wrong.
func TestHandshakeParseRequestSyntax(t *testing.T) {
	good := string(rawHead("GET / HTTP/1.1", reqFields))
	tests := []struct {
		name   string
		head   string
		code   Code
		status int
	}{
		{"good", good, 0, 0},
		{"bare LF", strings.ReplaceAll(good, "\r\n", "\n"), 0, 0},
		{"leading empty lines", "\r\n\n" + good, 0, 0},
		{"no blank line", strings.TrimSuffix(good, "\r\n"), CodeHandshake, 400},
		{"empty", "", CodeHandshake, 400},
		{"only empty lines", "\r\n\r\n", CodeHandshake, 400},
		{"trailing bytes", good + "\x81\x00", CodeArg, 0},
		{"obs-fold", strings.Replace(good, "Upgrade: websocket\r\n", "Upgrade:\r\n websocket\r\n", 1), CodeHandshake, 400},
		{"obs-fold tab", strings.Replace(good, "Upgrade: websocket\r\n", "Upgrade: websocket\r\n\tx\r\n", 1), CodeHandshake, 400},
		{"whitespace before first field", strings.Replace(good, "\r\nHost", "\r\n Host", 1), CodeHandshake, 400},
		{"space before colon", strings.Replace(good, "Host:", "Host :", 1), CodeHandshake, 400},
		{"no colon", strings.Replace(good, "Host:", "Host", 1), CodeHandshake, 400},
		{"control in value", strings.Replace(good, "websocket", "web\x01socket", 1), CodeHandshake, 400},
		{"bare CR in value", strings.Replace(good, "websocket", "web\rsocket", 1), CodeHandshake, 400},
		{"bare CR line end", strings.Replace(good, "GET / HTTP/1.1\r\n", "GET / HTTP/1.1\r\r\n", 1), CodeHandshake, 400},
		{"two spaces", strings.Replace(good, "GET /", "GET  /", 1), CodeHandshake, 400},
		{"missing proto", strings.Replace(good, " HTTP/1.1", "", 1), CodeHandshake, 400},
		{"tab separator", strings.Replace(good, "GET /", "GET\t/", 1), CodeHandshake, 400},
		{"non-ASCII field name", strings.Replace(good, "Origin", "Orígin", 1), CodeHandshake, 400},
		{"leading whitespace in request line", " " + good, CodeHandshake, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := ParseRequest([]byte(tt.head))
			if tt.code == 0 {
				if err != nil {
					t.Fatal(err)
				}
				if req.Host != "server.example.com" || len(req.Subprotocols) != 3 {
					t.Errorf("request = %+v", req)
				}
				return
			}
			wantError(t, err, tt.code, tt.status)
		})
	}
}
