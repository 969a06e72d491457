package cases

import (
	"fmt"
	"time"

	"github.com/libws/libws/tests/conformance/internal/pmd"
)

// msgSizes is Autobahn's MSG_SIZES for 12.x and 13.x: (payload length,
// auto-fragment size). Autobahn sends 1000 messages of each; the profile
// decides how many we send.
var msgSizes = [][2]int{
	{16, 0}, {64, 0}, {256, 0}, {1024, 0}, {4096, 0}, {8192, 0}, {16384, 0}, {32768, 0}, {65536, 0}, {131072, 0},
	{8192, 256}, {16384, 256}, {32768, 256}, {65536, 256}, {131072, 256}, {131072, 1024}, {131072, 4096}, {131072, 32768},
}

// respond builds the fuzzing server's response to one client offer: it
// grants what the offer asks of the server, and imposes on the client the
// given no_context_takeover and max window (RFC 7692 §7.1.1.2 lets a
// server impose client_no_context_takeover on any offer;
// client_max_window_bits only if the offer has the parameter). The server
// may also limit itself (serverNoCtx, serverBits) unasked (§7.1.1.1,
// §7.1.2.1).
func respond(o pmd.Offer, clientNoCtx bool, clientBits int, serverNoCtx bool, serverBits int) (pmd.Response, bool) {
	r := pmd.Response{
		ServerNoContextTakeover: o.ServerNoContextTakeover || serverNoCtx,
		ServerMaxWindowBits:     o.ServerMaxWindowBits,
		ClientNoContextTakeover: clientNoCtx,
	}
	if serverBits != 0 && (r.ServerMaxWindowBits == 0 || serverBits < r.ServerMaxWindowBits) {
		r.ServerMaxWindowBits = serverBits
	}
	if clientBits != 0 {
		if !o.ClientMaxWindowBitsSent {
			return r, false
		}
		r.ClientMaxWindowBits = clientBits
		if o.ClientMaxWindowBits != 0 && o.ClientMaxWindowBits < clientBits {
			r.ClientMaxWindowBits = o.ClientMaxWindowBits
		}
	}
	return r, true
}

type acceptRule struct {
	clientNoCtx bool
	clientBits  int
	serverNoCtx bool
	serverBits  int
}

// acceptFirst answers the first offer one of the rules (tried in order)
// can accept.
func acceptFirst(rules ...acceptRule) func([]pmd.Offer) (pmd.Response, int, bool) {
	return func(offers []pmd.Offer) (pmd.Response, int, bool) {
		for _, ru := range rules {
			for i, o := range offers {
				if r, ok := respond(o, ru.clientNoCtx, ru.clientBits, ru.serverNoCtx, ru.serverBits); ok {
					return r, i, true
				}
			}
		}
		return pmd.Response{}, -1, false
	}
}

// deflateParams are Autobahn's DEFLATE_PARAMS for 13.1 ... 13.7: the
// client's offers and the server's accept function, each
// (requestNoContextTakeover, requestMaxWindowBits).
func deflateParams() []*DeflateSpec {
	ab := pmd.AutobahnOffer
	return []*DeflateSpec{
		{Offers: []pmd.Offer{ab(false, 0)}, Accept: acceptFirst(acceptRule{}),
			Desc: "client offers (requestNoContextTakeover, requestMaxWindowBits): [(False, 0)] / server accept (requestNoContextTakeover, requestMaxWindowBits): [(False, 0)]"},
		{Offers: []pmd.Offer{ab(true, 0)}, Accept: acceptFirst(acceptRule{clientNoCtx: true}),
			Desc: "client offers: [(True, 0)] / server accept: [(True, 0)]"},
		{Offers: []pmd.Offer{ab(false, 8)}, Accept: acceptFirst(acceptRule{clientBits: 8}),
			Desc: "client offers: [(False, 8)] / server accept: [(False, 8)]"},
		{Offers: []pmd.Offer{ab(false, 15)}, Accept: acceptFirst(acceptRule{clientBits: 15}),
			Desc: "client offers: [(False, 15)] / server accept: [(False, 15)]"},
		{Offers: []pmd.Offer{ab(true, 8)}, Accept: acceptFirst(acceptRule{clientNoCtx: true, clientBits: 8}),
			Desc: "client offers: [(True, 8)] / server accept: [(True, 8)]"},
		{Offers: []pmd.Offer{ab(true, 15)}, Accept: acceptFirst(acceptRule{clientNoCtx: true, clientBits: 15}),
			Desc: "client offers: [(True, 15)] / server accept: [(True, 15)]"},
		{Offers: []pmd.Offer{ab(true, 8), ab(true, 0), ab(false, 0)},
			Accept: acceptFirst(acceptRule{clientNoCtx: true, clientBits: 8}, acceptRule{clientNoCtx: true}, acceptRule{}),
			Desc:   "client offers: [(True, 8), (True, 0), (False, 0)] / server accept: [(True, 8), (True, 0), (False, 0)]"},
	}
}

// windowSweep is our extension of 13.x: window bits w in both directions,
// with or without context takeover, for every w in 8..15.
func windowSweep(w int, noCtx bool) *DeflateSpec {
	o := pmd.Offer{ServerNoContextTakeover: noCtx, ClientNoContextTakeover: noCtx, ServerMaxWindowBits: w, ClientMaxWindowBits: w, ClientMaxWindowBitsSent: true}
	return &DeflateSpec{Offers: []pmd.Offer{o},
		Accept: acceptFirst(acceptRule{clientNoCtx: noCtx, clientBits: w, serverNoCtx: noCtx, serverBits: w}),
		Desc:   fmt.Sprintf("window bits %d both ways, context takeover %v (offer %q)", w, !noCtx, o.String())}
}

// compressedEcho: count messages of size bytes taken in turn from a
// corpus, each echoed before the next is sent.
func compressedEcho(id, desc string, spec *DeflateSpec, c *Corpus, size, frag int, short bool) *Case {
	return &Case{ID: id, Desc: desc, Deflate: spec, Short: short, Limit: 300 * sec,
		Expect: "Receive echo'ed messages (with payload as sent). Timeout case after 480 secs.",
		Run: func(t *T) {
			ptr := 0
			n := len(c.Data)
			roundTrips(t, t.Profile.CompressCount(size), 240*time.Second, func(int) (bool, []byte) {
				msg := make([]byte, 0, size)
				for len(msg) < size {
					k := min(size-len(msg), n-ptr)
					msg = append(msg, c.Data[ptr:ptr+k]...)
					ptr = (ptr + k) % n
				}
				return c.Binary, msg
			}, frag)
		}}
}

// 12 WebSocket Compression (different payloads).
func compression() []*Case {
	var cs []*Case
	shortPick := map[int]int{1: 5, 2: 11, 3: 9, 4: 16, 5: 10}
	for j, c := range Corpora() {
		sub := fmt.Sprintf("12.%d", j+1)
		kind := "utf8"
		if c.Binary {
			kind = "binary"
		}
		SubcategoryNames[sub] = fmt.Sprintf("%s (synthetic stand-in, %s, %d bytes)", c.Desc, kind, len(c.Data))
		spec := deflateParams()[0]
		for i, s := range msgSizes {
			cs = append(cs, compressedEcho(fmt.Sprintf("%s.%d", sub, i+1),
				fmt.Sprintf("Send compressed messages each of payload size %d, auto-fragment to %d octets. Use default permessage-deflate offer.", s[0], s[1]),
				spec, c, s[0], s[1], shortPick[j+1] == i+1))
		}
	}
	return cs
}

// 13 WebSocket Compression (different parameters).
func compressionParams() []*Case {
	var cs []*Case
	c := Corpora()[0] // Autobahn's TEST_DATA: json_data1
	shortPick := map[int][]int{1: {4}, 2: {9}, 3: {4, 10}, 4: {6}, 5: {10, 18}, 6: {14}, 7: {10}}
	for j, spec := range deflateParams() {
		sub := fmt.Sprintf("13.%d", j+1)
		SubcategoryNames[sub] = fmt.Sprintf("%s (utf8, %d bytes) - %s", c.Desc, len(c.Data), spec.Desc)
		for i, s := range msgSizes {
			short := false
			for _, k := range shortPick[j+1] {
				short = short || k == i+1
			}
			cs = append(cs, compressedEcho(fmt.Sprintf("%s.%d", sub, i+1),
				fmt.Sprintf("Send compressed messages each of payload size %d, auto-fragment to %d octets. Use permessage-deflate %s", s[0], s[1], spec.Desc),
				spec, c, s[0], s[1], short))
		}
	}
	// Our extension: every window size 8..15, with and without context
	// takeover, both directions (13.8.x, 13.9.x; not in Autobahn).
	for k, noCtx := range []bool{false, true} {
		sub := fmt.Sprintf("13.%d", 8+k)
		SubcategoryNames[sub] = fmt.Sprintf("libws extension: window bits 8..15 in both directions, context takeover %v; messages of 64 to 131072 bytes", !noCtx)
		for w := 8; w <= 15; w++ {
			spec := windowSweep(w, noCtx)
			id := fmt.Sprintf("%s.%d", sub, w-7)
			sizes := []int{64, 1024, 16384, 131072}
			cs = append(cs, &Case{ID: id, Deflate: spec, Limit: 300 * sec, Short: w == 8 || w == 11 || w == 15,
				Desc:   fmt.Sprintf("Send compressed text messages of sizes %v in turn with permessage-deflate %s", sizes, spec.Desc),
				Expect: "Receive echo'ed messages (with payload as sent); every echo decodes within the agreed window and context takeover.",
				Run: func(t *T) {
					ptr := 0
					roundTrips(t, 4*t.Profile.CompressCount(16384)/4, 240*time.Second, func(i int) (bool, []byte) {
						size := sizes[i%len(sizes)]
						if ptr+size > len(c.Data) {
							ptr = 0
						}
						ptr += size
						return false, c.Data[ptr-size : ptr]
					}, 0)
				}})
		}
	}
	return cs
}
