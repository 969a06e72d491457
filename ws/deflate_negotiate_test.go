package ws

import (
	"fmt"
	"strings"
	"testing"
)

func mustParseExtensions(t *testing.T, s string) []Extension {
	t.Helper()
	exts, err := ParseExtensions(s)
	if err != nil {
		t.Fatal(err)
	}
	return exts
}

func TestDeflateOfferString(t *testing.T) {
	tests := []struct {
		cfg  *DeflateConfig
		want string
	}{
		{nil, ""},
		{&DeflateConfig{}, "permessage-deflate; client_max_window_bits"},
		{&DeflateConfig{ServerNoContextTakeover: true, ClientNoContextTakeover: true, ServerMaxWindowBits: 10, ClientMaxWindowBits: 12},
			"permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=12"},
		// RFC 7692 §7.1.3: a small server window, falling back to none.
		{&DeflateConfig{ServerMaxWindowBits: 10, Offers: []DeflateParams{{}}},
			"permessage-deflate; server_max_window_bits=10; client_max_window_bits, permessage-deflate; client_max_window_bits"},
		{&DeflateConfig{Offers: []DeflateParams{{ClientNoContextTakeover: true, ClientMaxWindowBits: 9}, {ServerNoContextTakeover: true}}},
			"permessage-deflate; client_max_window_bits, permessage-deflate; client_no_context_takeover; client_max_window_bits=9, permessage-deflate; server_no_context_takeover; client_max_window_bits"},
	}
	for _, tt := range tests {
		if got := tt.cfg.OfferString(); got != tt.want {
			t.Errorf("OfferString() = %q, want %q", got, tt.want)
		}
	}
}

func TestDeflateWindowBits(t *testing.T) {
	for bits := 8; bits <= 15; bits++ {
		if got, ok := parseWindowBits(fmt.Sprint(bits)); !ok || got != bits {
			t.Errorf("parseWindowBits(%d) = %d, %v", bits, got, ok)
		}
	}
	for _, s := range []string{"", "0", "1", "7", "16", "08", "010", "+9", "-9", "9.0", " 9", "1O", "15 ", "255", "99999999999999999999", "１０"} {
		if _, ok := parseWindowBits(s); ok {
			t.Errorf("parseWindowBits(%q) accepted", s)
		}
	}
}

// TestDeflateNegotiateServer covers RFC 7692 §7.1 on the server side.
func TestDeflateNegotiateServer(t *testing.T) {
	def := &DeflateConfig{}
	tests := []struct {
		name   string
		cfg    *DeflateConfig
		offers string
		resp   string // "" when every offer is declined
		agreed DeflateParams
	}{
		// RFC 7692 §7.1.3 examples.
		{"simplest", def, "permessage-deflate", "permessage-deflate", DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}},
		{"small server window", def, "permessage-deflate; client_max_window_bits; server_max_window_bits=10, permessage-deflate; client_max_window_bits",
			"permessage-deflate; server_max_window_bits=10", DeflateParams{ServerMaxWindowBits: 10, ClientMaxWindowBits: 15}},
		{"fallback to the second offer", def, "permessage-deflate; client_max_window_bits; server_max_window_bits=10; x-unknown, permessage-deflate; client_max_window_bits",
			"permessage-deflate", DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}},
		{"other extensions are skipped", def, "x-foo; server_max_window_bits=99, permessage-deflate", "permessage-deflate", DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}},
		{"quoted value", def, `permessage-deflate; server_max_window_bits="9"`, "permessage-deflate; server_max_window_bits=9", DeflateParams{ServerMaxWindowBits: 9, ClientMaxWindowBits: 15}},

		// Declined offers (§7.1: unknown, repeated or invalid parameters).
		{"unknown parameter", def, "permessage-deflate; foo", "", DeflateParams{}},
		{"repeated parameter", def, "permessage-deflate; client_max_window_bits; client_max_window_bits", "", DeflateParams{}},
		{"repeated flag", def, "permessage-deflate; server_no_context_takeover; server_no_context_takeover", "", DeflateParams{}},
		{"value on server_no_context_takeover", def, "permessage-deflate; server_no_context_takeover=1", "", DeflateParams{}},
		{"value on client_no_context_takeover", def, `permessage-deflate; client_no_context_takeover="x"`, "", DeflateParams{}},
		{"server_max_window_bits without value", def, "permessage-deflate; server_max_window_bits", "", DeflateParams{}},
		{"server_max_window_bits 7", def, "permessage-deflate; server_max_window_bits=7", "", DeflateParams{}},
		{"server_max_window_bits 16", def, "permessage-deflate; server_max_window_bits=16", "", DeflateParams{}},
		{"server_max_window_bits leading zero", def, "permessage-deflate; server_max_window_bits=010", "", DeflateParams{}},
		{"client_max_window_bits 7", def, "permessage-deflate; client_max_window_bits=7", "", DeflateParams{}},
		{"client_max_window_bits sign", def, "permessage-deflate; client_max_window_bits=+9", "", DeflateParams{}},
		{"all declined", def, "permessage-deflate; a, permessage-deflate; b", "", DeflateParams{}},
		{"nothing offered", def, "x-foo", "", DeflateParams{}},
		{"nil config", nil, "permessage-deflate", "", DeflateParams{}},
		{"invalid config", &DeflateConfig{ServerMaxWindowBits: 20}, "permessage-deflate", "", DeflateParams{}},

		// §7.1.1: context takeover, from the offer or the server's wish.
		{"offer server_no_context_takeover", def, "permessage-deflate; server_no_context_takeover", "permessage-deflate; server_no_context_takeover",
			DeflateParams{ServerNoContextTakeover: true, ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}},
		{"config server_no_context_takeover", &DeflateConfig{ServerNoContextTakeover: true}, "permessage-deflate", "permessage-deflate; server_no_context_takeover",
			DeflateParams{ServerNoContextTakeover: true, ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}},
		{"offer client_no_context_takeover", def, "permessage-deflate; client_no_context_takeover", "permessage-deflate; client_no_context_takeover",
			DeflateParams{ClientNoContextTakeover: true, ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}},
		{"config client_no_context_takeover", &DeflateConfig{ClientNoContextTakeover: true}, "permessage-deflate", "permessage-deflate; client_no_context_takeover",
			DeflateParams{ClientNoContextTakeover: true, ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}},

		// §7.1.2.1: server_max_window_bits.
		{"offer 12, config 10", &DeflateConfig{ServerMaxWindowBits: 10}, "permessage-deflate; server_max_window_bits=12", "permessage-deflate; server_max_window_bits=10",
			DeflateParams{ServerMaxWindowBits: 10, ClientMaxWindowBits: 15}},
		{"offer 9, config 10", &DeflateConfig{ServerMaxWindowBits: 10}, "permessage-deflate; server_max_window_bits=9", "permessage-deflate; server_max_window_bits=9",
			DeflateParams{ServerMaxWindowBits: 9, ClientMaxWindowBits: 15}},
		{"offer 15, no config", def, "permessage-deflate; server_max_window_bits=15", "permessage-deflate; server_max_window_bits=15",
			DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}},
		{"not offered, config 11", &DeflateConfig{ServerMaxWindowBits: 11}, "permessage-deflate", "permessage-deflate; server_max_window_bits=11",
			DeflateParams{ServerMaxWindowBits: 11, ClientMaxWindowBits: 15}},
		{"not offered, config 15", &DeflateConfig{ServerMaxWindowBits: 15}, "permessage-deflate", "permessage-deflate",
			DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}},

		// §7.1.2.2: client_max_window_bits.
		{"client bits offered without value", def, "permessage-deflate; client_max_window_bits", "permessage-deflate",
			DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}},
		{"client bits offered without value, config 10", &DeflateConfig{ClientMaxWindowBits: 10}, "permessage-deflate; client_max_window_bits",
			"permessage-deflate; client_max_window_bits=10", DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 10}},
		{"client bits 12 offered", def, "permessage-deflate; client_max_window_bits=12", "permessage-deflate; client_max_window_bits=12",
			DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 12}},
		{"client bits 12 offered, config 9", &DeflateConfig{ClientMaxWindowBits: 9}, "permessage-deflate; client_max_window_bits=12",
			"permessage-deflate; client_max_window_bits=9", DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 9}},
		{"client bits 9 offered, config 12", &DeflateConfig{ClientMaxWindowBits: 12}, "permessage-deflate; client_max_window_bits=9",
			"permessage-deflate; client_max_window_bits=9", DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 9}},
		// §7.1.2.2: "MUST NOT include" it when not offered; accept with 15.
		{"client bits not offered, config 10", &DeflateConfig{ClientMaxWindowBits: 10}, "permessage-deflate", "permessage-deflate",
			DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}},

		{"everything", &DeflateConfig{ServerMaxWindowBits: 12, ClientMaxWindowBits: 11},
			"permessage-deflate; client_no_context_takeover; server_no_context_takeover; client_max_window_bits; server_max_window_bits=13",
			"permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=12; client_max_window_bits=11",
			DeflateParams{true, true, 12, 11}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, agreed, ok := NegotiateDeflate(tt.cfg, mustParseExtensions(t, tt.offers))
			if ok != (tt.resp != "") {
				t.Fatalf("ok = %v, response %q", ok, resp.String())
			}
			if !ok {
				return
			}
			if resp.String() != tt.resp || agreed != tt.agreed {
				t.Errorf("got %q %+v, want %q %+v", resp.String(), agreed, tt.resp, tt.agreed)
			}
		})
	}
}

// TestDeflateAcceptResponse covers RFC 7692 §7.1 on the client side.
func TestDeflateAcceptResponse(t *testing.T) {
	def := &DeflateConfig{}
	p := func(snct, cnct bool, s, c int) DeflateParams { return DeflateParams{snct, cnct, s, c} }
	tests := []struct {
		name   string
		cfg    *DeflateConfig
		resp   string
		agreed DeflateParams
		err    string // substring of the error, "" for success
	}{
		{"simplest", def, "permessage-deflate", p(false, false, 15, 15), ""},
		{"unasked server_no_context_takeover", def, "permessage-deflate; server_no_context_takeover", p(true, false, 15, 15), ""},
		{"unasked client_no_context_takeover", def, "permessage-deflate; client_no_context_takeover", p(false, true, 15, 15), ""},
		{"unasked smaller server window", def, "permessage-deflate; server_max_window_bits=10", p(false, false, 10, 15), ""},
		{"client window limited", def, "permessage-deflate; client_max_window_bits=9", p(false, false, 15, 9), ""},
		{"quoted value", def, `permessage-deflate; client_max_window_bits="9"`, p(false, false, 15, 9), ""},

		{"client bits without value", def, "permessage-deflate; client_max_window_bits", p(false, false, 0, 0), "client_max_window_bits needs a value"},
		{"client bits 16", def, "permessage-deflate; client_max_window_bits=16", p(false, false, 0, 0), "client_max_window_bits needs a value"},
		{"server bits without value", def, "permessage-deflate; server_max_window_bits", p(false, false, 0, 0), "server_max_window_bits needs a value"},
		{"server bits 7", def, "permessage-deflate; server_max_window_bits=7", p(false, false, 0, 0), "server_max_window_bits needs a value"},
		{"unknown parameter", def, "permessage-deflate; x=1", p(false, false, 0, 0), "unknown parameter"},
		{"repeated parameter", def, "permessage-deflate; server_max_window_bits=10; server_max_window_bits=10", p(false, false, 0, 0), "appears twice"},
		{"flag with value", def, "permessage-deflate; server_no_context_takeover=true", p(false, false, 0, 0), "must not have a value"},

		{"asked server_no_context_takeover, granted", &DeflateConfig{ServerNoContextTakeover: true}, "permessage-deflate; server_no_context_takeover", p(true, false, 15, 15), ""},
		{"asked server_no_context_takeover, refused", &DeflateConfig{ServerNoContextTakeover: true}, "permessage-deflate", p(false, false, 0, 0), "server_no_context_takeover was offered but not granted"},
		{"asked server window 10, granted", &DeflateConfig{ServerMaxWindowBits: 10}, "permessage-deflate; server_max_window_bits=10", p(false, false, 10, 15), ""},
		{"asked server window 10, got 8", &DeflateConfig{ServerMaxWindowBits: 10}, "permessage-deflate; server_max_window_bits=8", p(false, false, 8, 15), ""},
		{"asked server window 10, got 11", &DeflateConfig{ServerMaxWindowBits: 10}, "permessage-deflate; server_max_window_bits=11", p(false, false, 0, 0), "exceeds the offered 10"},
		{"asked server window 10, ignored", &DeflateConfig{ServerMaxWindowBits: 10}, "permessage-deflate", p(false, false, 0, 0), "was offered but not granted"},
		{"offered client window 10, kept", &DeflateConfig{ClientMaxWindowBits: 10}, "permessage-deflate", p(false, false, 15, 10), ""},
		{"offered client window 10, got 9", &DeflateConfig{ClientMaxWindowBits: 10}, "permessage-deflate; client_max_window_bits=9", p(false, false, 15, 9), ""},
		{"offered client window 10, got 12", &DeflateConfig{ClientMaxWindowBits: 10}, "permessage-deflate; client_max_window_bits=12", p(false, false, 0, 0), "exceeds the offered 10"},
		{"offered client_no_context_takeover is kept", &DeflateConfig{ClientNoContextTakeover: true}, "permessage-deflate", p(false, true, 15, 15), ""},

		// Several offers: the first one the response fits decides.
		{"RFC 7692 §7.1.3 first option", &DeflateConfig{ServerMaxWindowBits: 10, Offers: []DeflateParams{{}}},
			"permessage-deflate; server_max_window_bits=10", p(false, false, 10, 15), ""},
		{"RFC 7692 §7.1.3 second option", &DeflateConfig{ServerMaxWindowBits: 10, Offers: []DeflateParams{{}}},
			"permessage-deflate", p(false, false, 15, 15), ""},
		{"fits the second offer", &DeflateConfig{ServerNoContextTakeover: true, ServerMaxWindowBits: 10, Offers: []DeflateParams{{ServerMaxWindowBits: 12}}},
			"permessage-deflate; server_max_window_bits=12", p(false, false, 12, 15), ""},
		{"fits no offer", &DeflateConfig{ServerNoContextTakeover: true, ServerMaxWindowBits: 10, Offers: []DeflateParams{{ServerMaxWindowBits: 12}}},
			"permessage-deflate; server_max_window_bits=13", p(false, false, 0, 0), "offer 1: server_no_context_takeover was offered but not granted; offer 2: server_max_window_bits=13 exceeds the offered 12"},
		{"first fitting offer gives the client window", &DeflateConfig{ClientMaxWindowBits: 10, Offers: []DeflateParams{{}}},
			"permessage-deflate", p(false, false, 15, 10), ""},
		{"client window only fits the fallback", &DeflateConfig{ClientMaxWindowBits: 10, Offers: []DeflateParams{{}}},
			"permessage-deflate; client_max_window_bits=12", p(false, false, 15, 12), ""},
		{"offered client_no_context_takeover in the fitting offer", &DeflateConfig{ServerMaxWindowBits: 9, Offers: []DeflateParams{{ClientNoContextTakeover: true}}},
			"permessage-deflate", p(false, true, 15, 15), ""},

		{"not offered", nil, "permessage-deflate", p(false, false, 0, 0), "not offered"},
		{"other extension", def, "x-foo", p(false, false, 0, 0), "not offered"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			agreed, err := AcceptDeflateResponse(tt.cfg, mustParseExtensions(t, tt.resp)[0])
			if tt.err != "" {
				e := wantError(t, err, CodeExtension, 0)
				if !strings.Contains(e.Msg, tt.err) {
					t.Errorf("error %q does not contain %q", e.Msg, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if agreed != tt.agreed {
				t.Errorf("agreed %+v, want %+v", agreed, tt.agreed)
			}
		})
	}
	_, err := AcceptDeflateResponse(&DeflateConfig{ClientMaxWindowBits: 3}, Extension{Name: deflateName})
	wantError(t, err, CodeArg, 0)
}

// TestDeflateNegotiateInterop checks every pairing of client and server
// configurations: the server accepts the client's offers, the client
// accepts the answer, and both agree on the same parameters.
func TestDeflateNegotiateInterop(t *testing.T) {
	var cfgs []DeflateConfig
	for _, snct := range []bool{false, true} {
		for _, cnct := range []bool{false, true} {
			for _, s := range []int{0, 8, 10, 15} {
				for _, c := range []int{0, 9, 12, 15} {
					cfgs = append(cfgs, DeflateConfig{ServerNoContextTakeover: snct, ClientNoContextTakeover: cnct, ServerMaxWindowBits: s, ClientMaxWindowBits: c})
				}
			}
		}
	}
	for i := range cfgs {
		client := cfgs[i]
		if i%3 == 0 {
			client.Offers = []DeflateParams{{ServerMaxWindowBits: 11}, {}}
		}
		offers := mustParseExtensions(t, client.OfferString())
		for j := range cfgs {
			server := &cfgs[j]
			resp, sAgreed, ok := NegotiateDeflate(server, offers)
			if !ok {
				t.Fatalf("server %+v declined %q", server, client.OfferString())
			}
			cAgreed, err := AcceptDeflateResponse(&client, mustParseExtensions(t, resp.String())[0])
			if err != nil {
				t.Fatalf("client %q, server %+v, response %q: %v", client.OfferString(), server, resp.String(), err)
			}
			if cAgreed != sAgreed {
				t.Fatalf("client %q, server %+v, response %q: client agreed %+v, server %+v", client.OfferString(), server, resp.String(), cAgreed, sAgreed)
			}
			if !validWindowBits(sAgreed.ServerMaxWindowBits, false) || !validWindowBits(sAgreed.ClientMaxWindowBits, false) {
				t.Fatalf("agreed window bits not set: %+v", sAgreed)
			}
		}
	}
}
