package ws

import (
	"errors"
	"strings"
	"testing"
)

func TestAcceptKey(t *testing.T) {
	tests := []struct{ key, want string }{
		// RFC 6455 §1.3.
		{"dGhlIHNhbXBsZSBub25jZQ==", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="},
		// RFC 6455 §4.2.2 works on the key as sent, without decoding it.
		{"x3JJHMbDL1EzLkh9GBhXDw==", "HSmrc0sMlYUkAGmm5OPpG2HaGWk="},
	}
	for _, tt := range tests {
		if got := AcceptKey(tt.key); got != tt.want {
			t.Errorf("AcceptKey(%q) = %q, want %q", tt.key, got, tt.want)
		}
	}
}

func TestHandshakeValidKey(t *testing.T) {
	tests := []struct {
		key  string
		want bool
	}{
		{"dGhlIHNhbXBsZSBub25jZQ==", true},
		{"AAAAAAAAAAAAAAAAAAAAAA==", true},
		{"", false},
		{"abc", false},
		{"dGhlIHNhbXBsZSBub25jZQ", false},       // unpadded
		{"dGhlIHNhbXBsZSBub25jZR==", false},     // non-zero padding bits (not canonical)
		{"AAAAAAAAAAAAAAAAAAAA", false},         // 15 bytes
		{"AAAAAAAAAAAAAAAAAAAAAAA=", false},     // 17 bytes
		{"AAAAAAAAAAAAAAAAAAAAA-==", false},     // URL alphabet
		{"AAAAAAAAAAAAAAAAAAAA\r\nAA==", false}, // the decoder would skip CR/LF
		{"AAAAAAAAAAAAAAAAAAAAAA\n=", false},
	}
	for _, tt := range tests {
		if got := validKey(tt.key); got != tt.want {
			t.Errorf("validKey(%q) = %v, want %v", tt.key, got, tt.want)
		}
	}
}

func TestHandshakeTokens(t *testing.T) {
	for _, s := range []string{"a", "chat.v2", "!#$%&'*+-.^_`|~09azAZ"} {
		if !isToken(s) {
			t.Errorf("isToken(%q) = false", s)
		}
	}
	for _, s := range []string{"", "a b", "a,b", "a;b", "a=b", `"a"`, "a/b", "é", "a\x00", "a\x7f", "(a)", "a@b", "[a]", "{a}", "a?", "a:b", "a\\b"} {
		if isToken(s) {
			t.Errorf("isToken(%q) = true", s)
		}
	}
	if !hasToken([]string{"keep-alive, Upgrade"}, "upgrade") || !hasToken([]string{"a", " UPGRADE "}, "upgrade") {
		t.Error("hasToken misses a case-insensitive element")
	}
	if hasToken([]string{"upgrade-not", "x upgrade"}, "upgrade") {
		t.Error("hasToken matched a non-element")
	}
	if got := listElements([]string{" a ,, b,", "", "c"}); strings.Join(got, "|") != "a|b|c" {
		t.Errorf("listElements = %q", got)
	}
	if got := quote(strings.Repeat("x", 100)); len(got) != 64+5 {
		t.Errorf("quote of a long string = %q", got)
	}
}

// wantError checks that err is an *Error with the given code and status.
func wantError(t *testing.T, err error, code Code, status int) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v (%T), want *Error with code %v", err, err, code)
	}
	if e.Code != code || e.Status != status {
		t.Fatalf("error = %v: code %d status %d, want code %d status %d", err, e.Code, e.Status, code, status)
	}
	if e.Msg == "" {
		t.Fatalf("error %v has no message", err)
	}
	return e
}
