package ws

import (
	"reflect"
	"strings"
	"testing"
)

func TestHandshakeParseResponse(t *testing.T) {
	good := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"
	tests := []struct {
		name   string
		head   string
		status int
		reason string
		code   Code
	}{
		{"good", good, 101, "Switching Protocols", 0},
		{"bare LF", strings.ReplaceAll(good, "\r\n", "\n"), 101, "Switching Protocols", 0},
		{"no reason", "HTTP/1.1 101\r\n\r\n", 101, "", 0},
		{"empty reason", "HTTP/1.1 101 \r\n\r\n", 101, "", 0},
		{"HTTP/1.0 error", "HTTP/1.0 403 Forbidden\r\n\r\n", 403, "Forbidden", 0},
		{"reason with spaces and obs-text", "HTTP/1.1 400 Bad  Réquest\r\n\r\n", 400, "Bad  Réquest", 0},
		{"leading empty line", "\r\n" + good, 101, "Switching Protocols", 0},
		{"no version", "101 Switching Protocols\r\n\r\n", 0, "", CodeHandshake},
		{"ICY", "ICY 200 OK\r\n\r\n", 0, "", CodeHandshake},
		{"HTTP/11", "HTTP/11 101 x\r\n\r\n", 0, "", CodeHandshake},
		{"two-digit status", "HTTP/1.1 10 x\r\n\r\n", 0, "", CodeHandshake},
		{"four-digit status", "HTTP/1.1 1010 x\r\n\r\n", 0, "", CodeHandshake},
		{"status 099", "HTTP/1.1 099 x\r\n\r\n", 0, "", CodeHandshake},
		{"letters in status", "HTTP/1.1 1o1 x\r\n\r\n", 0, "", CodeHandshake},
		{"control in reason", "HTTP/1.1 101 x\x01\r\n\r\n", 0, "", CodeHandshake},
		{"obs-fold", "HTTP/1.1 101 x\r\nUpgrade:\r\n websocket\r\n\r\n", 0, "", CodeHandshake},
		{"space before colon", "HTTP/1.1 101 x\r\nUpgrade : websocket\r\n\r\n", 0, "", CodeHandshake},
		{"incomplete", "HTTP/1.1 101 x\r\nUpgrade: websocket\r\n", 0, "", CodeHandshake},
		{"trailing frame", good + "\x81\x00", 0, "", CodeArg},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := ParseResponse([]byte(tt.head))
			if tt.code != 0 {
				if resp != nil {
					t.Error("response with an error")
				}
				wantError(t, err, tt.code, 0)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if resp.Status != tt.status || resp.Reason != tt.reason {
				t.Errorf("status %d %q, want %d %q", resp.Status, resp.Reason, tt.status, tt.reason)
			}
		})
	}
}

func TestHandshakeResponseFromHeaders(t *testing.T) {
	raw, err := ParseResponse([]byte("HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nConnection:keep-alive\r\nCONNECTION: Upgrade \r\n\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	pairs, err := ResponseFromHeaders(101, "Switching Protocols", [][2]string{{"UPGRADE", "websocket"}, {"connection", "keep-alive"}, {"Connection", " Upgrade"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(raw.Fields) != 3 || raw.Fields[2] != [2]string{"CONNECTION", "Upgrade"} || pairs.Fields[2] != [2]string{"Connection", "Upgrade"} {
		t.Errorf("fields %q / %q", raw.Fields, pairs.Fields)
	}
	raw.Fields, pairs.Fields = nil, nil
	if !reflect.DeepEqual(raw, pairs) {
		t.Errorf("raw %+v\npairs %+v", raw, pairs)
	}
	for _, tt := range []struct {
		status int
		reason string
		fields [][2]string
	}{
		{99, "", nil},
		{1000, "", nil},
		{101, "a\nb", nil},
		{101, "", [][2]string{{"A B", "c"}}},
		{101, "", [][2]string{{"A", "c\x00"}}},
	} {
		_, err := ResponseFromHeaders(tt.status, tt.reason, tt.fields)
		wantError(t, err, CodeHandshake, 0)
	}
}
