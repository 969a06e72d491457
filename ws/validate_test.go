package ws

import "testing"

func TestValidators(t *testing.T) {
	if CheckToken("chat.v2") != nil || CheckToken("a b") == nil || CheckToken("") == nil {
		t.Error("CheckToken")
	}
	if CheckHeaders(RoleClient, [][2]string{{"X-A", "1"}}) != nil || CheckHeaders(RoleClient, [][2]string{{"Origin", "x"}}) == nil ||
		CheckHeaders(RoleServer, [][2]string{{"Sec-WebSocket-Accept", "x"}}) == nil || CheckHeaders(RoleServer, [][2]string{{"X", "a\r\nb"}}) == nil {
		t.Error("CheckHeaders")
	}
	if CheckHeaderValue("http://a") != nil || CheckHeaderValue("a\nb") == nil {
		t.Error("CheckHeaderValue")
	}
}
