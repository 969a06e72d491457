package ws

import (
	"bytes"
	"crypto/sha256"
	"flag"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/klauspost/compress/flate"
)

// TestGoldenEvents is a differential test: every corpus stream, fed in any
// split and under any receive budget (Config.MaxQueued), must give the
// events and replies recorded in testdata/events.golden. That file was
// written with -update by the code before Feed took a receive budget and
// before compressed messages were inflated as they arrive (commit 1219960,
// where Feed consumed all its input), each stream fed whole, so it says
// what "as before" means.
//
// Regenerate it only to record a deliberate change of behaviour. A changed
// input line means the corpus itself changed (a new klauspost/compress may
// compress differently); the golden file then has to be written again from
// code whose behaviour is trusted.
var updateGolden = flag.Bool("update", false, "rewrite testdata/events.golden from a whole-input feed of the corpus")

const goldenPath = "testdata/events.golden"

func TestGoldenEvents(t *testing.T) {
	cases := goldenCorpus(t)
	if *updateGolden {
		writeGolden(t, cases)
	}
	want := readGolden(t)
	for _, gc := range cases {
		t.Run(gc.name, func(t *testing.T) {
			t.Parallel()
			w, ok := want[gc.name]
			if !ok {
				t.Fatalf("no record in %s (run with -update on trusted code)", goldenPath)
			}
			for _, budget := range goldenBudgets {
				for _, sp := range goldenSplits(len(gc.wire), budget.n) {
					got := goldenRun(t, gc, sp, budget.n)
					if i, g, x := firstDiff(got, w); i >= 0 {
						t.Errorf("split %s, budget %s: line %d:\n got: %s\nwant: %s", sp.name, budget.name, i, g, x)
					}
				}
			}
		})
	}
}

// goldenBudgets are the MaxQueued values every split runs with: the
// default, small ones that stop Feed after nearly every event, and none.
var goldenBudgets = []struct {
	name string
	n    int64
}{{"default", 0}, {"1", 1}, {"100", 100}, {"4096", 4096}, {"unlimited", -1}}

// goldenSplit cuts the input into pieces: next returns the next piece's
// size (0: all that is left).
type goldenSplit struct {
	name string
	next func() int
}

func goldenSplits(n int, budget int64) []goldenSplit {
	var s []goldenSplit
	s = append(s, goldenSplit{"whole", func() int { return 0 }})
	for _, k := range []int{1, 2, 3, 7, 13, 125, 4096, 65536} {
		if k >= n && k > 1 {
			continue // the same as whole
		}
		if k < 125 && n > goldenTinySplitMax && (testing.Short() || budget != 0 && budget != 1) {
			continue
		}
		s = append(s, goldenSplit{strconv.Itoa(k), func() int { return k }})
	}
	for seed := uint64(1); seed <= 3; seed++ {
		rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
		// Sizes spread over every order of magnitude up to 64 KiB.
		s = append(s, goldenSplit{"random" + strconv.FormatUint(seed, 10), func() int { return 1 + rng.IntN(1<<rng.IntN(17)) }})
	}
	return s
}

// goldenTinySplitMax: inputs longer than this are split into pieces of 1
// to 13 bytes only with the default budget and a budget of 1 (the others
// stop Feed at the same event boundaries, and a megabyte a byte at a time
// takes a while), and not at all with -short.
const goldenTinySplitMax = 256 << 10

// goldenRun feeds gc's input as sp cuts it, with the receive budget
// (MaxQueued), and returns the record. Each piece is fed as a host does:
// feed, take every event, feed what Feed did not consume.
func goldenRun(t *testing.T, gc goldenCase, sp goldenSplit, budget int64) []string {
	return goldenRunWith(t, gc, sp, budget, func(t *testing.T, cfg *Config, a *Agreement) *Conn { return mustConn(t, cfg, a) })
}

// goldenRunWith is goldenRun on a connection that open makes.
func goldenRunWith(t *testing.T, gc goldenCase, sp goldenSplit, budget int64, open func(t *testing.T, cfg *Config, a *Agreement) *Conn) []string {
	cfg := gc.cfg
	cfg.MaxQueued = budget
	c := open(t, &cfg, gc.agreement())
	r := &goldenRecorder{streaming: cfg.Streaming}
	r.addf("input %s", gc.input)
	b := gc.wire
	for len(b) > 0 {
		n := sp.next()
		if n <= 0 || n > len(b) {
			n = len(b)
		}
		if !r.feed(c, b[:n], len(gc.wire)-len(b)) {
			break
		}
		b = b[n:]
	}
	r.end(t, c)
	return r.lines
}

// goldenRecorder writes events down canonically, one line each.
//
// With Config.Streaming, data messages arrive in chunks whose boundaries
// depend on how the input was cut (a chunk is what has arrived; a
// compressed message may be inflated in pieces), so a streamed message is
// recorded as one line when its Last chunk comes, with its chunks' data
// joined, after checking that the chunks form one message (First on the
// first only; type, opcode, RSV and Compressed alike). A streamed message
// that never completes (the connection failed or ended inside it) is not
// recorded: how much of it was delivered first depends on the split too.
type goldenRecorder struct {
	streaming bool
	prefix    string // "eof " after FeedEOF
	lines     []string
	msg       *Event // streaming: the message being received
	data      []byte // its data so far
}

func (r *goldenRecorder) addf(format string, a ...any) {
	r.lines = append(r.lines, r.prefix+fmt.Sprintf(format, a...))
}

// feed feeds p (which starts at offset off of the input) until Feed has
// consumed it, taking the events after each call. It records and reports
// an error of Feed, or a call that consumed nothing and queued nothing to
// take (which would loop forever).
func (r *goldenRecorder) feed(c *Conn, p []byte, off int) bool {
	for len(p) > 0 {
		k, err := c.Feed(p)
		if err != nil {
			r.addf("feed error at offset %d: %v", off, err)
			return false
		}
		if r.take(c) == 0 && k == 0 {
			r.addf("stalled at offset %d: Feed consumed none of %d bytes and queued no event", off, len(p))
			return false
		}
		p, off = p[k:], off+k
	}
	return true
}

// take takes every queued event and returns how many there were.
func (r *goldenRecorder) take(c *Conn) int {
	var e Event
	n := 0
	for c.TakeEvent(&e) {
		r.event(&e)
		n++
	}
	return n
}

func (r *goldenRecorder) event(e *Event) {
	if !r.streaming || e.Type != EventText && e.Type != EventBinary && e.Type != EventData {
		r.line(e, e.Data)
		return
	}
	m := r.msg
	switch {
	case e.First && m != nil:
		r.addf("violation: a chunk with First inside a message")
	case !e.First && m == nil:
		r.addf("violation: a chunk without First outside a message")
		return
	case !e.First && (e.Type != m.Type || e.Opcode != m.Opcode || e.RSV != m.RSV || e.Compressed != m.Compressed):
		r.addf("violation: a chunk unlike its message's first one: %v op=%d rsv=%d z=%t", e.Type, e.Opcode, e.RSV, e.Compressed)
	}
	if e.First {
		head := *e
		r.msg, r.data = &head, r.data[:0]
	}
	r.data = append(r.data, e.Data...)
	if e.Last {
		r.msg.Last = true
		r.line(r.msg, r.data)
		r.msg = nil
	}
}

func (r *goldenRecorder) line(e *Event, data []byte) {
	d := goldenData(data)
	if e.Type == EventClose || e.Type == EventRejected {
		d = strconv.Quote(string(data)) // reasons are short text
	}
	r.addf("%v op=%d rsv=%d first=%t last=%t z=%t code=%d init=%v data=%s",
		e.Type, e.Opcode, e.RSV, e.First, e.Last, e.Compressed, e.Code, e.Initiator, d)
}

// end records the state after the input, what FeedEOF adds, and the
// output: replies (pongs, close frames) re-encoded unmasked, since a
// client masks with random keys. For a server that is the output itself.
func (r *goldenRecorder) end(t *testing.T, c *Conn) {
	r.msg = nil
	r.addf("state=%v hint=%v", c.State(), c.Hint())
	r.prefix = "eof "
	if err := c.FeedEOF(); err != nil {
		r.addf("error %v", err)
	}
	r.take(c)
	r.msg = nil
	r.prefix = ""
	var out []byte
	frames := outFrames(t, c)
	for _, f := range frames {
		out = AppendHeader(out, &Header{Fin: f.Fin, RSV: f.RSV, Opcode: f.Op, Length: int64(len(f.Data))})
		out = append(out, f.Data...)
	}
	r.addf("output frames=%d %s", len(frames), goldenData(out))
}

// goldenData shows short data in hex and longer data by its length and
// sha256.
func goldenData(b []byte) string {
	if len(b) <= 32 {
		return fmt.Sprintf("%d:%x", len(b), b)
	}
	return fmt.Sprintf("%d:sha256:%x", len(b), sha256.Sum256(b))
}

func firstDiff(got, want []string) (int, string, string) {
	for i := 0; i < max(len(got), len(want)); i++ {
		g, w := "(none)", "(none)"
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			return i, g, w
		}
	}
	return -1, "", ""
}

func writeGolden(t *testing.T, cases []goldenCase) {
	var b strings.Builder
	b.WriteString("# Events of each golden_events_test.go corpus stream, fed whole (see TestGoldenEvents).\n")
	for _, gc := range cases {
		fmt.Fprintf(&b, "== %s\n", gc.name)
		for _, l := range goldenRun(t, gc, goldenSplit{"whole", func() int { return 0 }}, -1) {
			b.WriteString(l + "\n")
		}
	}
	if err := os.MkdirAll(filepath.Dir(goldenPath), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(goldenPath, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readGolden(t *testing.T) map[string][]string {
	b, err := os.ReadFile(goldenPath)
	if err != nil {
		t.Fatal(err)
	}
	m := make(map[string][]string)
	var cur string
	for _, l := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		switch {
		case strings.HasPrefix(l, "#"):
		case strings.HasPrefix(l, "== "):
			cur = l[3:]
			m[cur] = []string{}
		default:
			m[cur] = append(m[cur], l)
		}
	}
	return m
}

// goldenCase is one corpus stream as one role receives it.
type goldenCase struct {
	name    string
	cfg     Config
	deflate *DeflateParams
	wire    []byte
	input   string // goldenData(wire), computed once
}

func (gc *goldenCase) agreement() *Agreement {
	if gc.deflate == nil {
		return nil
	}
	d := *gc.deflate
	return &Agreement{Deflate: &d}
}

// goldenEntry describes a stream; build writes it as the peer of a
// server (masked frames) or of a client.
type goldenEntry struct {
	name    string
	only    Role // zero: both roles
	cfg     Config
	deflate *DeflateParams
	build   func(w *gw)
}

// goldenCorpus expands the entries for each role. It fails if the
// compressed data lacks stored, fixed or dynamic blocks.
func goldenCorpus(t *testing.T) []goldenCase {
	var cases []goldenCase
	var blocks [4]int
	names := map[string]bool{}
	for _, e := range goldenEntries() {
		for _, role := range []Role{RoleServer, RoleClient} {
			if e.only != 0 && e.only != role {
				continue
			}
			h := fnv.New64a()
			h.Write([]byte(e.name))
			w := &gw{masked: role == RoleServer, rng: rand.New(rand.NewPCG(h.Sum64(), 1))}
			e.build(w)
			for i, n := range w.blocks {
				blocks[i] += n
			}
			cfg := e.cfg
			cfg.Role = role
			name := role.String() + "/" + e.name
			if names[name] {
				t.Fatalf("corpus entry %s twice", name)
			}
			names[name] = true
			cases = append(cases, goldenCase{name: name, cfg: cfg, deflate: e.deflate, wire: w.b, input: goldenData(w.b)})
		}
	}
	if blocks[0] == 0 || blocks[1] == 0 || blocks[2] == 0 {
		t.Fatalf("compressed corpus messages begin with %d stored, %d fixed, %d dynamic blocks; want each kind", blocks[0], blocks[1], blocks[2])
	}
	return cases
}

// gw writes the peer's side of a stream.
type gw struct {
	masked bool
	rng    *rand.Rand
	b      []byte
	z      *gz
	blocks [4]int // first block types of compressed messages
}

func (w *gw) frame(fin bool, rsv uint8, op Opcode, p []byte) {
	w.b = append(w.b, frame(fin, rsv, op, w.masked, p)...)
}

func (w *gw) msg(op Opcode, p []byte) { w.frame(true, 0, op, p) }
func (w *gw) text(s string)           { w.msg(OpText, []byte(s)) }
func (w *gw) ping(s string)           { w.msg(OpPing, []byte(s)) }
func (w *gw) pong(s string)           { w.msg(OpPong, []byte(s)) }
func (w *gw) close(code CloseCode, reason string) {
	w.msg(OpClose, []byte(closePayload(code, reason)))
}

// frags sends p as a fragmented message cut after the given sizes, the
// rest in the final frame; rsv goes on the first frame. Between frames,
// between(i) may add frames (control frames).
func (w *gw) frags(op Opcode, rsv uint8, p []byte, sizes []int, between func(i int)) {
	for i, n := range sizes {
		n = min(n, len(p))
		w.frame(false, rsv, op, p[:n])
		p, op, rsv = p[n:], OpContinuation, 0
		if between != nil {
			between(i)
		}
	}
	w.frame(true, rsv, op, p)
}

// rawFrame writes a frame with a hand-made first byte and length field
// (the 7-bit length and its extension), masked as the role requires.
func (w *gw) rawFrame(b0 byte, length []byte, p []byte) {
	l := append([]byte(nil), length...)
	w.b = append(w.b, b0)
	if w.masked {
		l[0] |= 0x80
		l = append(l, rfcMaskKey[:]...)
	}
	w.b = append(w.b, l...)
	start := len(w.b)
	w.b = append(w.b, p...)
	if w.masked {
		MaskBytes(rfcMaskKey, 0, w.b[start:])
	}
}

// deflate makes the compressor later messages use: a flate level, or with
// windowBits below 15 klauspost's windowed encoder (which has no levels).
func (w *gw) deflate(level, windowBits int, takeover bool) {
	w.z = newGz(level, windowBits, takeover)
}

// zmsg sends p as a compressed message in one frame; zfrags in fragments.
func (w *gw) zmsg(op Opcode, p []byte) { w.frame(true, RSV1, op, w.compress(p)) }

func (w *gw) zfrags(op Opcode, p []byte, sizes []int, between func(i int)) {
	w.frags(op, RSV1, w.compress(p), sizes, between)
}

func (w *gw) compress(p []byte) []byte {
	z := w.z.msg(p)
	if len(z) > 0 {
		w.blocks[z[0]>>1&3]++
	}
	return z
}

func (w *gw) bytes(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(w.rng.Uint32())
	}
	return b
}

// utf8Text returns n bytes of valid UTF-8: words in several scripts, so
// that characters of 1 to 4 bytes fall on every kind of boundary.
func (w *gw) utf8Text(n int) []byte {
	words := []string{"the", "frame", "héllo", "wörld", "ünïcödé", "日本語", "テキスト", "данные", "🎉", "𝄞", "a", "message", "deflate", "\n", "κείμενο", "0123456789"}
	b := make([]byte, 0, n)
	for {
		word := words[w.rng.IntN(len(words))]
		if len(b)+len(word)+1 > n {
			break
		}
		b = append(append(b, word...), ' ')
	}
	for len(b) < n {
		b = append(b, 'x')
	}
	return b
}

// repetitive returns n bytes of a few short patterns repeated.
func (w *gw) repetitive(n int) []byte {
	b := make([]byte, 0, n)
	for len(b) < n {
		pat := []byte{byte(w.rng.IntN(4)), 0xFF, byte(w.rng.IntN(256)), 7}
		for k := 1 + w.rng.IntN(50); k > 0 && len(b) < n; k-- {
			b = append(b, pat[:min(len(pat), n-len(b))]...)
		}
	}
	return b
}

// gz compresses messages as a permessage-deflate peer does (RFC 7692
// §7.2.1): a sync flush ends each, its 00 00 ff ff removed; with context
// takeover the stream simply goes on into the next message.
type gz struct {
	w        *flate.Writer
	out      bytes.Buffer
	takeover bool
}

func newGz(level, windowBits int, takeover bool) *gz {
	z := &gz{takeover: takeover}
	var err error
	if windowBits < 15 {
		z.w, err = flate.NewWriterWindow(&z.out, 1<<windowBits)
	} else {
		z.w, err = flate.NewWriter(&z.out, level)
	}
	if err != nil {
		panic(err)
	}
	return z
}

func (z *gz) msg(p []byte) []byte {
	if !z.takeover {
		z.w.Reset(&z.out)
	}
	z.out.Reset()
	z.w.Write(p)
	z.w.Flush()
	return bytes.TrimSuffix(bytes.Clone(z.out.Bytes()), []byte{0, 0, 0xff, 0xff})
}

// final compresses p as a whole deflate stream ending with a final block
// (what a peer gets by closing its writer instead of flushing it).
func (z *gz) final(p []byte) []byte {
	z.w.Reset(&z.out)
	z.out.Reset()
	z.w.Write(p)
	z.w.Close()
	return bytes.Clone(z.out.Bytes())
}

func deflateParams(bits int, takeover bool) *DeflateParams {
	return &DeflateParams{ServerMaxWindowBits: bits, ClientMaxWindowBits: bits, ServerNoContextTakeover: !takeover, ClientNoContextTakeover: !takeover}
}

func goldenEntries() []goldenEntry {
	var es []goldenEntry
	add := func(e goldenEntry) { es = append(es, e) }
	sizes := []int{0, 1, 125, 126, 65535, 65536, 1<<20 + 3}

	// Whole messages of every length encoding (§5.2).
	for _, n := range sizes {
		add(goldenEntry{name: "plain/text-" + strconv.Itoa(n), build: func(w *gw) { w.msg(OpText, w.utf8Text(n)) }})
		add(goldenEntry{name: "plain/binary-" + strconv.Itoa(n), build: func(w *gw) { w.msg(OpBinary, w.bytes(n)) }})
	}
	add(goldenEntry{name: "plain/sequence", build: func(w *gw) {
		for _, n := range sizes[:len(sizes)-1] {
			w.msg(OpText, w.utf8Text(n))
			w.msg(OpBinary, w.bytes(n))
		}
		for range 300 {
			w.msg(OpBinary, w.bytes(w.rng.IntN(40)))
		}
		w.close(CloseNormal, "done")
	}})

	// Fragments (§5.4) with control frames between them.
	add(goldenEntry{name: "frag/text-pings", build: func(w *gw) {
		w.frags(OpText, 0, w.utf8Text(3000), []int{1, 500, 1499}, func(i int) {
			switch i {
			case 0:
				w.ping("p1")
			case 1:
				w.ping("")
			case 2:
				w.pong("x")
			}
		})
		w.text("after")
	}})
	add(goldenEntry{name: "frag/binary-empty-frames", build: func(w *gw) {
		w.frags(OpBinary, 0, w.bytes(110), []int{0, 10, 0, 100}, nil)
		w.frags(OpText, 0, nil, []int{0, 0}, nil)
	}})
	add(goldenEntry{name: "frag/many", build: func(w *gw) {
		sz := make([]int, 199)
		for i := range sz {
			sz[i] = 7
		}
		w.frags(OpText, 0, w.utf8Text(200*7), sz, func(i int) {
			if i%10 == 0 {
				w.ping(strconv.Itoa(i))
			}
		})
	}})
	add(goldenEntry{name: "frag/large", build: func(w *gw) {
		w.frags(OpBinary, 0, w.bytes(300000), []int{65536, 1, 100000, 70000}, func(int) { w.ping("mid") })
	}})

	// Control frames (§5.5).
	add(goldenEntry{name: "control/pongs", build: func(w *gw) {
		w.pong("")
		w.pong(string(w.utf8Text(125)))
		w.pong("abc")
	}})
	add(goldenEntry{name: "control/pings", build: func(w *gw) {
		w.ping("")
		w.msg(OpPing, w.bytes(125))
		w.ping("hello")
		w.text("after")
	}})
	add(goldenEntry{name: "close/code-reason", build: func(w *gw) {
		w.text("hi")
		w.close(CloseNormal, "bye")
		w.text("ignored after the close")
		w.ping("ignored")
	}})
	add(goldenEntry{name: "close/max-reason", build: func(w *gw) { w.close(4000, string(w.utf8Text(123))) }})
	add(goldenEntry{name: "close/empty", build: func(w *gw) { w.msg(OpClose, nil) }})
	add(goldenEntry{name: "close/1-byte", build: func(w *gw) { w.msg(OpClose, []byte{3}) }})
	for _, code := range []CloseCode{999, 1005, 1006, 1016, 2999, 5000} {
		add(goldenEntry{name: "close/bad-code-" + strconv.Itoa(int(code)), build: func(w *gw) { w.close(code, "") }})
	}
	add(goldenEntry{name: "close/bad-utf8-reason", build: func(w *gw) { w.close(CloseNormal, "ok \xff") }})
	add(goldenEntry{name: "close/after-pings", build: func(w *gw) {
		for i := range 20 {
			w.ping(strconv.Itoa(i))
		}
		w.close(CloseGoingAway, "")
	}})
	add(goldenEntry{name: "eof/mid-frame", build: func(w *gw) {
		w.text("complete")
		full := frame(true, 0, OpText, w.masked, []byte("0123456789"))
		w.b = append(w.b, full[:len(full)-5]...)
	}})
	add(goldenEntry{name: "eof/mid-header", build: func(w *gw) {
		w.text("complete")
		w.b = append(w.b, 0x81)
	}})
	add(goldenEntry{name: "eof/mid-message", build: func(w *gw) { w.frame(false, 0, OpText, []byte("part")) }})

	// Invalid UTF-8 in text (§8.1): 1007.
	add(goldenEntry{name: "utf8/bad-single", build: func(w *gw) { w.text("abc\xffdef") }})
	add(goldenEntry{name: "utf8/bad-split-across-fragments", build: func(w *gw) {
		w.frags(OpText, 0, []byte("héllo \xe6\x97A rest"), []int{9}, nil)
	}})
	add(goldenEntry{name: "utf8/bad-at-end", build: func(w *gw) { w.text("abc\xe6\x97") }})
	add(goldenEntry{name: "utf8/bad-at-end-fragmented", build: func(w *gw) {
		w.frags(OpText, 0, []byte("abc\xf0\x9f\x8e"), []int{3}, nil)
	}})
	add(goldenEntry{name: "utf8/overlong", build: func(w *gw) { w.text("\xc0\xaf") }})
	add(goldenEntry{name: "utf8/surrogate", build: func(w *gw) { w.text("x\xed\xa0\x80") }})
	add(goldenEntry{name: "utf8/above-max", build: func(w *gw) { w.text("\xf4\x90\x80\x80") }})
	add(goldenEntry{name: "utf8/bad-late-large", build: func(w *gw) {
		w.msg(OpText, append(append(w.utf8Text(100000), 0xff), w.utf8Text(100)...))
	}})
	add(goldenEntry{name: "utf8/bad-after-good", build: func(w *gw) {
		w.text("fine")
		w.msg(OpBinary, []byte{0xff, 0xfe})
		w.ping("p")
		w.text("bad \x80 text")
		w.text("never seen")
	}})

	// Protocol errors (§5.2, §5.4, §5.5): 1002.
	add(goldenEntry{name: "proto/opcode-3", build: func(w *gw) { w.msg(3, []byte("x")) }})
	add(goldenEntry{name: "proto/opcode-11", build: func(w *gw) { w.msg(11, nil) }})
	add(goldenEntry{name: "proto/unmasked-client-frame", only: RoleServer, build: func(w *gw) {
		w.b = append(w.b, frame(true, 0, OpText, false, []byte("hi"))...)
	}})
	add(goldenEntry{name: "proto/masked-server-frame", only: RoleClient, build: func(w *gw) {
		w.b = append(w.b, frame(true, 0, OpText, true, []byte("hi"))...)
	}})
	for _, rsv := range []uint8{RSV1, RSV2, RSV3} {
		add(goldenEntry{name: "proto/rsv-" + strconv.Itoa(int(rsv)), build: func(w *gw) {
			w.text("ok")
			w.frame(true, rsv, OpText, []byte("x"))
		}})
	}
	add(goldenEntry{name: "proto/stray-continuation", build: func(w *gw) { w.frame(true, 0, OpContinuation, []byte("x")) }})
	add(goldenEntry{name: "proto/control-too-long", build: func(w *gw) { w.msg(OpPing, w.bytes(126)) }})
	add(goldenEntry{name: "proto/fragmented-ping", build: func(w *gw) { w.frame(false, 0, OpPing, []byte("a")) }})
	add(goldenEntry{name: "proto/fragmented-close", build: func(w *gw) { w.frame(false, 0, OpClose, nil) }})
	add(goldenEntry{name: "proto/new-message-inside-fragmented", build: func(w *gw) {
		w.frame(false, 0, OpText, []byte("a"))
		w.msg(OpBinary, []byte("b"))
	}})
	add(goldenEntry{name: "proto/non-minimal-length-16", build: func(w *gw) {
		w.rawFrame(0x82, []byte{126, 0, 5}, []byte("12345"))
	}})
	add(goldenEntry{name: "proto/non-minimal-length-64", build: func(w *gw) {
		w.rawFrame(0x82, []byte{127, 0, 0, 0, 0, 0, 0, 0, 5}, []byte("12345"))
	}})
	add(goldenEntry{name: "proto/length-64-msb", build: func(w *gw) {
		w.rawFrame(0x82, []byte{127, 0x80, 0, 0, 0, 0, 0, 0, 1}, nil)
	}})
	add(goldenEntry{name: "proto/rsv1-on-continuation-without-deflate", build: func(w *gw) {
		w.frame(false, 0, OpText, []byte("a"))
		w.frame(true, RSV1, OpContinuation, []byte("b"))
	}})

	// Options that change what is reported or answered.
	add(goldenEntry{name: "option/claimed-rsv-and-opcodes", cfg: Config{AllowRSV: RSV2 | RSV3, AllowOpcodes: 1<<3 | 1<<11}, build: func(w *gw) {
		w.frame(true, RSV2, OpText, []byte("rsv2"))
		w.frags(3, RSV3, w.bytes(300), []int{100, 100}, func(int) { w.frame(true, RSV2, 11, []byte("ctl")) })
		w.msg(11, nil)
		w.frame(true, RSV1, OpBinary, nil)
	}})
	add(goldenEntry{name: "option/skip-utf8", cfg: Config{SkipUTF8Validation: true}, build: func(w *gw) {
		w.text("abc\xff")
		w.frags(OpText, 0, []byte("\xe6\x97"), []int{1}, nil)
		w.close(CloseNormal, "\xff") // close reasons are still checked
	}})
	add(goldenEntry{name: "option/no-auto-pong", cfg: Config{NoAutoPong: true}, build: func(w *gw) {
		w.ping("a")
		w.ping("b")
		w.close(CloseNormal, "")
	}})

	// Size limits: 1009.
	lim := func(msg, frame int64) Config { return Config{MaxMessageSize: msg, MaxFrameSize: frame} }
	add(goldenEntry{name: "limit/message-at-limit", cfg: lim(100, 0), build: func(w *gw) { w.msg(OpText, w.utf8Text(100)) }})
	add(goldenEntry{name: "limit/message-over", cfg: lim(100, 0), build: func(w *gw) { w.msg(OpText, w.utf8Text(101)) }})
	add(goldenEntry{name: "limit/message-over-fragmented", cfg: lim(100, 0), build: func(w *gw) {
		w.frags(OpBinary, 0, w.bytes(101), []int{60}, func(int) { w.ping("between") })
	}})
	add(goldenEntry{name: "limit/frame-over", cfg: lim(0, 100), build: func(w *gw) {
		w.msg(OpBinary, w.bytes(100))
		w.msg(OpBinary, w.bytes(101))
	}})
	add(goldenEntry{name: "limit/frames-at-limit", cfg: lim(0, 100), build: func(w *gw) {
		w.frags(OpBinary, 0, w.bytes(300), []int{100, 100}, nil)
	}})
	add(goldenEntry{name: "limit/ping-with-small-limits", cfg: lim(10, 10), build: func(w *gw) { w.msg(OpPing, w.bytes(125)) }})

	// permessage-deflate (RFC 7692).
	for bits := 8; bits <= 15; bits++ {
		for _, takeover := range []bool{true, false} {
			name := fmt.Sprintf("deflate/window-%d-takeover-%t", bits, takeover)
			add(goldenEntry{name: name, deflate: deflateParams(bits, takeover), build: func(w *gw) {
				w.deflate(6, bits, takeover)
				first := w.utf8Text(1000)
				w.zmsg(OpText, first)
				w.zmsg(OpText, append(bytes.Repeat(first[:300], 3), w.utf8Text(4100)...))
				w.text("plain between")
				w.zmsg(OpBinary, w.bytes(300))
				w.zmsg(OpText, append(w.utf8Text(40000), first...))
				w.zmsg(OpBinary, w.repetitive(2000))
				w.zmsg(OpText, []byte("hi"))
				w.close(CloseNormal, "")
			}})
		}
	}
	for _, level := range []int{flate.HuffmanOnly, flate.NoCompression, flate.BestSpeed, flate.BestCompression} {
		add(goldenEntry{name: "deflate/level-" + strconv.Itoa(level), deflate: deflateParams(15, true), build: func(w *gw) {
			w.deflate(level, 15, true)
			w.zmsg(OpText, w.utf8Text(3000))
			w.zmsg(OpBinary, w.bytes(3000))
			w.zmsg(OpBinary, w.repetitive(3000))
			w.zmsg(OpText, []byte("hi"))
			w.zmsg(OpText, nil)
		}})
	}
	add(goldenEntry{name: "deflate/fragmented", deflate: deflateParams(15, true), build: func(w *gw) {
		w.deflate(9, 15, true)
		w.zfrags(OpText, w.utf8Text(20000), []int{1, 50, 1000, 2000}, func(i int) { w.ping(strconv.Itoa(i)) })
		w.zfrags(OpBinary, w.repetitive(5000), []int{0, 3}, nil)
		w.zfrags(OpText, []byte("tiny"), []int{1}, nil)
	}})
	add(goldenEntry{name: "deflate/fragmented-no-takeover", deflate: deflateParams(15, false), build: func(w *gw) {
		w.deflate(1, 15, false)
		for range 3 {
			w.zfrags(OpText, w.utf8Text(5000), []int{100, 100}, nil)
		}
	}})
	add(goldenEntry{name: "deflate/empty", deflate: deflateParams(15, true), build: func(w *gw) {
		w.frame(true, RSV1, OpBinary, []byte{0}) // RFC 7692 §7.2.3.6
		w.deflate(6, 15, true)
		w.zmsg(OpText, nil)
		w.frags(OpText, RSV1, []byte{0}, []int{0}, nil)
		w.frags(OpText, RSV1, []byte{0}, []int{1}, nil)
	}})
	add(goldenEntry{name: "deflate/empty-payload", deflate: deflateParams(15, true), build: func(w *gw) {
		w.frame(true, RSV1, OpText, nil) // not even the empty block's 0x00
	}})
	add(goldenEntry{name: "deflate/mixed-with-plain", deflate: deflateParams(15, true), build: func(w *gw) {
		w.deflate(6, 15, true)
		for i := range 10 {
			if i%2 == 0 {
				w.zmsg(OpText, w.utf8Text(200))
			} else {
				w.text(string(w.utf8Text(200)))
			}
		}
	}})
	add(goldenEntry{name: "deflate/many-small", deflate: deflateParams(15, true), build: func(w *gw) {
		w.deflate(6, 15, true)
		for range 500 {
			w.zmsg(OpText, w.utf8Text(w.rng.IntN(60)))
		}
	}})
	add(goldenEntry{name: "deflate/bad-utf8", deflate: deflateParams(15, true), build: func(w *gw) {
		w.deflate(6, 15, true)
		w.zmsg(OpText, []byte("good"))
		w.zmsg(OpText, []byte("abc\xffdef"))
	}})
	add(goldenEntry{name: "deflate/bad-utf8-late", deflate: deflateParams(15, true), build: func(w *gw) {
		w.deflate(6, 15, true)
		w.zmsg(OpText, append(append(w.utf8Text(50000), 0xff), w.utf8Text(20000)...))
	}})
	add(goldenEntry{name: "deflate/utf8-ends-inside", deflate: deflateParams(15, true), build: func(w *gw) {
		w.deflate(6, 15, true)
		w.zfrags(OpText, []byte("abc\xe6\x97"), []int{2}, nil)
	}})
	add(goldenEntry{name: "deflate/corrupt-block-type-3", deflate: deflateParams(15, true), build: func(w *gw) {
		w.frame(true, RSV1, OpBinary, []byte{0x07, 0x12, 0x34})
	}})
	add(goldenEntry{name: "deflate/corrupt-stored-length", deflate: deflateParams(15, true), build: func(w *gw) {
		w.frame(true, RSV1, OpBinary, []byte{0x00, 0x05, 0x00, 0x00, 0x00, 1, 2, 3, 4, 5})
	}})
	add(goldenEntry{name: "deflate/corrupt-garbage", deflate: deflateParams(15, true), build: func(w *gw) {
		for range 8 {
			w.frame(true, RSV1, OpBinary, w.bytes(200))
		}
	}})
	add(goldenEntry{name: "deflate/corrupt-truncated", deflate: deflateParams(15, true), build: func(w *gw) {
		w.deflate(9, 15, true)
		z := w.compress(w.utf8Text(20000))
		w.frame(true, RSV1, OpText, z[:len(z)/2])
	}})
	add(goldenEntry{name: "deflate/distance-too-far", deflate: deflateParams(15, false), build: func(w *gw) {
		w.deflate(6, 15, true) // the peer keeps its context though it agreed not to
		first := w.utf8Text(2000)
		w.compress(first) // not sent
		w.zmsg(OpText, first)
	}})
	add(goldenEntry{name: "deflate/window-exceeded-across-messages", deflate: deflateParams(9, true), build: func(w *gw) {
		w.deflate(6, 15, true) // a 15-bit window where 9 bits were agreed
		first := w.utf8Text(4000)
		w.zmsg(OpText, first)
		w.zmsg(OpText, first[:1000])
	}})
	add(goldenEntry{name: "deflate/final-block-then-trailing-bytes", deflate: deflateParams(15, false), build: func(w *gw) {
		w.deflate(6, 15, false)
		w.frame(true, RSV1, OpText, append(w.z.final([]byte("the whole stream")), "garbage after it"...))
		w.frame(true, RSV1, OpText, w.z.final(nil))
	}})
	add(goldenEntry{name: "deflate/bomb", cfg: lim(1<<20, 0), deflate: deflateParams(15, true), build: func(w *gw) {
		w.deflate(9, 15, true)
		w.zmsg(OpBinary, []byte("small first"))
		w.zmsg(OpBinary, make([]byte, 4<<20))
	}})
	add(goldenEntry{name: "deflate/bomb-fragmented-text", cfg: lim(1<<20, 0), deflate: deflateParams(15, false), build: func(w *gw) {
		w.deflate(9, 15, false)
		w.zfrags(OpText, bytes.Repeat([]byte("a"), 4<<20), []int{10, 1000}, func(int) { w.ping("") })
	}})
	add(goldenEntry{name: "deflate/at-message-limit", cfg: lim(1000, 0), deflate: deflateParams(15, true), build: func(w *gw) {
		w.deflate(6, 15, true)
		w.zmsg(OpBinary, w.repetitive(1000))
		w.zmsg(OpBinary, w.repetitive(1001))
	}})
	add(goldenEntry{name: "deflate/frame-limit-on-compressed-size", cfg: lim(0, 100), deflate: deflateParams(15, true), build: func(w *gw) {
		w.deflate(6, 15, true)
		w.zmsg(OpBinary, make([]byte, 50000)) // small on the wire
		w.zmsg(OpBinary, w.bytes(200))        // 200+ compressed bytes
	}})
	add(goldenEntry{name: "deflate/rsv1-on-continuation", deflate: deflateParams(15, true), build: func(w *gw) {
		w.frame(false, RSV1, OpText, []byte{0x00})
		w.frame(true, RSV1, OpContinuation, []byte{0x00})
	}})
	add(goldenEntry{name: "deflate/rsv1-on-ping", deflate: deflateParams(15, true), build: func(w *gw) {
		w.frame(true, RSV1, OpPing, []byte{0x00})
	}})
	add(goldenEntry{name: "deflate/large-text", deflate: deflateParams(15, true), build: func(w *gw) {
		w.deflate(1, 15, true)
		w.zmsg(OpText, w.utf8Text(1<<20+3))
		w.zmsg(OpText, w.utf8Text(100))
	}})
	add(goldenEntry{name: "deflate/large-stored", deflate: deflateParams(15, true), build: func(w *gw) {
		w.deflate(0, 15, true)
		w.zmsg(OpBinary, w.bytes(1<<20+3))
	}})
	add(goldenEntry{name: "deflate/large-fragmented", deflate: deflateParams(15, true), build: func(w *gw) {
		w.deflate(9, 15, true)
		z := w.compress(w.utf8Text(1<<20 + 3))
		var sz []int
		for n := 4096; n < len(z); n += 4096 {
			sz = append(sz, 4096)
		}
		w.frags(OpText, RSV1, z, sz, nil)
	}})

	// Streaming: the same kinds of traffic delivered in chunks, per arrival
	// and per frame.
	for _, mode := range []struct {
		name string
		cfg  Config
	}{{"stream", Config{Streaming: true}}, {"stream-per-frame", Config{Streaming: true, ChunkPerFrame: true}}} {
		with := func(c Config) Config {
			c.Streaming, c.ChunkPerFrame = mode.cfg.Streaming, mode.cfg.ChunkPerFrame
			return c
		}
		add(goldenEntry{name: mode.name + "/plain", cfg: mode.cfg, build: func(w *gw) {
			w.frags(OpText, 0, w.utf8Text(100000), []int{1, 2, 3, 5000, 20000, 30000}, func(i int) { w.ping(strconv.Itoa(i)) })
			w.msg(OpBinary, w.bytes(70000))
			w.text("")
			w.frags(OpBinary, 0, w.bytes(50), []int{0, 10, 0}, nil)
			w.msg(OpText, w.utf8Text(1<<20+3))
			w.close(CloseNormal, "end")
		}})
		add(goldenEntry{name: mode.name + "/deflate", cfg: mode.cfg, deflate: deflateParams(15, true), build: func(w *gw) {
			w.deflate(6, 15, true)
			w.zfrags(OpText, w.utf8Text(100000), []int{1, 2, 3, 5000, 20000}, func(i int) { w.pong(strconv.Itoa(i)) })
			w.zmsg(OpBinary, w.bytes(70000))
			w.text("plain")
			w.zmsg(OpText, []byte("x"))
			w.zmsg(OpText, nil)
			w.zmsg(OpText, w.utf8Text(1<<20+3))
			w.close(CloseNormal, "end")
		}})
		add(goldenEntry{name: mode.name + "/deflate-window-9-no-takeover", cfg: mode.cfg, deflate: deflateParams(9, false), build: func(w *gw) {
			w.deflate(6, 9, false)
			w.zfrags(OpText, w.utf8Text(30000), []int{1000, 1000}, nil)
			w.zmsg(OpBinary, w.repetitive(30000))
		}})
		add(goldenEntry{name: mode.name + "/bad-utf8", cfg: mode.cfg, build: func(w *gw) {
			w.frags(OpText, 0, append(w.utf8Text(20000), "\xff tail"...), []int{5000, 10000}, nil)
		}})
		add(goldenEntry{name: mode.name + "/utf8-ends-inside", cfg: mode.cfg, build: func(w *gw) {
			w.frags(OpText, 0, append(w.utf8Text(2000), "\xe6\x97"...), []int{1000}, nil)
		}})
		add(goldenEntry{name: mode.name + "/deflate-bad-utf8", cfg: mode.cfg, deflate: deflateParams(15, true), build: func(w *gw) {
			w.deflate(6, 15, true)
			w.zmsg(OpText, w.utf8Text(1000))
			w.zmsg(OpText, append(append(w.utf8Text(50000), 0xff), w.utf8Text(20000)...))
		}})
		add(goldenEntry{name: mode.name + "/deflate-corrupt", cfg: mode.cfg, deflate: deflateParams(15, true), build: func(w *gw) {
			w.deflate(9, 15, true)
			z := w.compress(w.utf8Text(20000))
			w.frame(true, RSV1, OpText, append(z[:len(z)/2], 0x07, 0xff, 0xff))
		}})
		add(goldenEntry{name: mode.name + "/deflate-bomb", cfg: with(lim(1<<20, 0)), deflate: deflateParams(15, true), build: func(w *gw) {
			w.deflate(9, 15, true)
			w.zmsg(OpBinary, make([]byte, 4<<20))
		}})
		add(goldenEntry{name: mode.name + "/too-big", cfg: with(lim(1000, 0)), build: func(w *gw) {
			w.frags(OpBinary, 0, w.bytes(1001), []int{500, 500}, nil)
		}})
	}
	return es
}
