package ws

import "testing"

func TestParseAgreement(t *testing.T) {
	tests := []struct {
		sub, ext string
		want     *DeflateParams
		exts     int
		bad      bool
	}{
		{"", "", nil, 0, false},
		{"chat", "permessage-deflate", &DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}, 1, false},
		{"", "permessage-deflate; server_no_context_takeover; client_max_window_bits=9", &DeflateParams{ServerNoContextTakeover: true, ServerMaxWindowBits: 15, ClientMaxWindowBits: 9}, 1, false},
		{"", "x-custom; a=1, permessage-deflate; server_max_window_bits=10", &DeflateParams{ServerMaxWindowBits: 10, ClientMaxWindowBits: 15}, 2, false},
		{"", "permessage-deflate; client_max_window_bits", nil, 0, true}, // a response needs the value
		{"", "permessage-deflate; bogus", nil, 0, true},
		{"", "permessage-deflate, permessage-deflate", nil, 0, true},
		{"", "bad;;", nil, 0, true},
		{"not a token", "", nil, 0, true},
	}
	for _, tt := range tests {
		a, err := ParseAgreement(tt.sub, tt.ext)
		if tt.bad {
			if err == nil {
				t.Errorf("%q %q accepted", tt.sub, tt.ext)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q %q: %v", tt.sub, tt.ext, err)
			continue
		}
		if a.Subprotocol != tt.sub || len(a.Extensions) != tt.exts || (tt.want == nil) != (a.Deflate == nil) || (tt.want != nil && *a.Deflate != *tt.want) {
			t.Errorf("%q %q: %+v %+v", tt.sub, tt.ext, a, a.Deflate)
		}
	}
	// The result opens a working connection.
	a, _ := ParseAgreement("", "permessage-deflate; client_no_context_takeover")
	c := mustConn(t, &Config{Role: RoleClient}, a)
	if c.Deflate() == nil || !c.Deflate().ClientNoContextTakeover {
		t.Fatal("agreement not applied")
	}
}
