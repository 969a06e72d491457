// Package cases is the catalogue: Autobahn|Testsuite's cases by category
// and number, each a script of what the driver sends and what it expects,
// judged with Autobahn's verdicts.
package cases

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/libws/libws/tests/conformance/internal/driver"
	"github.com/libws/libws/tests/conformance/internal/pmd"
	"github.com/libws/libws/tests/conformance/internal/wire"
)

// Verdicts. Behavior (the events observed) is OK, NON-STRICT, FAILED,
// INFORMATIONAL or UNIMPLEMENTED; the closing behavior is OK, WRONG CODE,
// UNCLEAN, FAILED BY CLIENT, FAILED or INFORMATIONAL (Autobahn's names).
const (
	OK             = "OK"
	NonStrict      = "NON-STRICT"
	Failed         = "FAILED"
	Informational  = "INFORMATIONAL"
	Unimplemented  = "UNIMPLEMENTED"
	WrongCode      = "WRONG CODE"
	Unclean        = "UNCLEAN"
	FailedByClient = "FAILED BY CLIENT"
)

// Case is one test case.
type Case struct {
	ID     string // "6.4.1"
	Desc   string
	Expect string
	// Deflate, when set, makes the case negotiate permessage-deflate.
	Deflate *DeflateSpec
	Run     func(t *T)
	// Post adjusts the verdict after judging (informational cases).
	Post func(t *T, r *Result)
	// Short puts the case in the short profile.
	Short bool
	// Limit bounds the whole case (0: 30 s).
	Limit time.Duration
}

// Category is the case's first number ("6" for 6.4.1).
func (c *Case) Category() string { return strings.SplitN(c.ID, ".", 2)[0] }

// Sub is the case's subcategory ("6.4" for 6.4.1; "2" for 2.1).
func (c *Case) Sub() string {
	p := strings.Split(c.ID, ".")
	if len(p) <= 2 {
		return p[0]
	}
	return p[0] + "." + p[1]
}

// DeflateSpec is a case's permessage-deflate negotiation: the offers the
// driver sends as a client, and how it answers a client's offers as the
// fuzzing server.
type DeflateSpec struct {
	Offers []pmd.Offer
	// Accept picks the response to a client's offers: the response and
	// the index of the offer it accepts; ok false declines (the case is
	// then UNIMPLEMENTED by the client).
	Accept func(offers []pmd.Offer) (r pmd.Response, index int, ok bool)
	Desc   string
}

// Profile says how a run is sized.
type Profile struct {
	Full bool
	// WaitScale multiplies the deliberate waits of cases that test timing
	// (6.4.x fail-fast, 5.19/5.20): Autobahn's 1 s in the full profile.
	WaitScale float64
	// CompressCount is the number of messages a 12.x/13.x case exchanges
	// for a message size (Autobahn: 1000 whatever the size).
	CompressCount func(size int) int
}

// Outcome is one acceptable list of events with the behavior it earns.
type Outcome struct {
	Behavior string
	Events   []driver.Event
}

// CloseExp is Autobahn's expectedClose.
type CloseExp struct {
	ClosedByMe   bool  // the driver starts the closing handshake
	Codes        []int // acceptable close codes from the peer (or none)
	RequireClean bool  // the closing handshake must complete
}

// T runs one case on one connection.
type T struct {
	C       *driver.Conn
	Case    *Case
	Profile *Profile

	expected      []Outcome
	close         CloseExp
	suppressClose bool
	notFailed     bool   // the peer did not fail the connection when it should have
	pending       []byte // frames sent "in one chop", not written yet

	// Custom judging (the 9.x, 10.x, 12.x, 13.x cases set these).
	custom   bool
	behavior string
	result   string
	Info     string // extra information for the report (timings, ratios)
}

// ---- expectations ----------------------------------------------------------

// Expect adds an acceptable outcome.
func (t *T) Expect(behavior string, evs ...driver.Event) {
	t.expected = append(t.expected, Outcome{behavior, evs})
}

// ExpectClose sets the closing expectation.
func (t *T) ExpectClose(closedByMe, requireClean bool, codes ...int) {
	t.close = CloseExp{ClosedByMe: closedByMe, Codes: codes, RequireClean: requireClean}
}

// SuppressClose stops the driver from closing when the expected events
// have arrived (cases that send their own close frames).
func (t *T) SuppressClose() { t.suppressClose = true }

// SetBehavior sets a custom behavior and result (bulk cases).
func (t *T) SetBehavior(b, result string) { t.custom, t.behavior, t.result = true, b, result }

// Msg, Bin, PongEv, TimeoutEv build expected events.
func Msg(s string) driver.Event  { return driver.Event{Kind: driver.Message, Data: []byte(s)} }
func MsgB(b []byte) driver.Event { return driver.Event{Kind: driver.Message, Data: b} }
func Bin(b []byte) driver.Event  { return driver.Event{Kind: driver.Message, Binary: true, Data: b} }
func PongEv(b []byte) driver.Event {
	return driver.Event{Kind: driver.Pong, Data: b}
}
func TimeoutEv(label string) driver.Event { return driver.Event{Kind: driver.Timeout, Label: label} }

// ---- actions ---------------------------------------------------------------------

// FrameOpt adjusts a frame sent with Frame.
type FrameOpt func(*frameOpts)

type frameOpts struct {
	fin       bool
	rsv       byte
	chop      int
	sync      bool
	repeatLen int
}

func NoFin() FrameOpt           { return func(o *frameOpts) { o.fin = false } }
func RSV(n byte) FrameOpt       { return func(o *frameOpts) { o.rsv = n } }
func Chop(n int) FrameOpt       { return func(o *frameOpts) { o.chop = n } }
func Sync() FrameOpt            { return func(o *frameOpts) { o.sync = true } }
func PayloadLen(n int) FrameOpt { return func(o *frameOpts) { o.repeatLen = n } }

// Repeat returns pattern repeated to n bytes (Autobahn's payload_len).
func Repeat(pattern string, n int) []byte {
	b := make([]byte, n)
	for i := 0; i < n; i += copy(b[i:], pattern) {
	}
	return b
}

// Frame sends one frame exactly (Autobahn's sendFrame).
func (t *T) Frame(op byte, payload []byte, opts ...FrameOpt) {
	o := frameOpts{fin: true}
	for _, f := range opts {
		f(&o)
	}
	if o.repeatLen > 0 {
		payload = Repeat(string(payload), o.repeatLen)
	}
	if o.chop == 0 && !o.sync {
		// Like Autobahn (Twisted), frames sent in one go leave in one
		// write: the peer may well read them in one piece.
		t.C.TxFrames[op&15]++
		t.pending = append(t.pending, t.C.EncodeFrame(o.fin, o.rsv, op, payload)...)
		return
	}
	t.flush()
	t.C.WriteFrame(o.fin, o.rsv, op, payload, o.chop, o.sync)
}

func (t *T) flush() {
	if len(t.pending) > 0 {
		t.C.WriteRaw(t.pending, 0, false)
		t.pending = nil
	}
}

// Message sends a message (Autobahn's sendMessage): compressed when
// permessage-deflate is in use, in frames of fragSize bytes (0: one frame).
func (t *T) Message(binary bool, p []byte, fragSize int) {
	t.flush()
	t.C.SendMessage(binary, p, fragSize, false)
}

// Close sends a close frame with code (< 0: none) and reason, starting the
// closing handshake (Autobahn's sendClose / sendCloseFrame).
func (t *T) Close(code int, reason []byte) {
	t.CloseRaw(wire.ClosePayload(code, reason))
}

// CloseRaw sends a close frame with any payload (even a 1-byte one),
// starting the closing handshake.
func (t *T) CloseRaw(payload []byte) {
	p := t.pending
	t.pending = nil
	t.C.SendCloseRaw(p, payload)
}

// IsOpen reports whether no close frame went either way and TCP is up.
func (t *T) IsOpen() bool { return t.C.Open() }

// Mark records ("timeout", label) in the events, as Autobahn's fail-fast
// cases do when the connection is still open at a checkpoint.
func (t *T) Mark(label string) { t.C.Mark(label) }

// Scaled returns d times the profile's wait scale.
func (t *T) Scaled(d time.Duration) time.Duration {
	return time.Duration(float64(d) * t.Profile.WaitScale)
}

// Sleep waits d (Autobahn's continueLater), finishing the case early if
// the expectations are met (finishWhenDone) or the connection ends.
func (t *T) Sleep(d time.Duration) { t.waitLoop(time.Now().Add(d), false, false) }

// KillAfter waits up to d for the case to finish; then, if the connection
// is still open, it drops TCP (Autobahn's killAfter).
func (t *T) KillAfter(d time.Duration) { t.waitLoop(time.Now().Add(d), true, true) }

// CloseAfter waits up to d for the case to finish; then, if the connection
// is still open, it starts the closing handshake (Autobahn's closeAfter).
func (t *T) CloseAfter(d time.Duration) { t.waitLoop(time.Now().Add(d), false, true) }

// finished reports whether the received events match every expected
// outcome (Autobahn's finishWhenDone condition).
func (t *T) finishedL() bool {
	if len(t.expected) == 0 {
		return false
	}
	rec := t.C.ReceivedL()
	for _, o := range t.expected {
		if !eventsEqual(rec, o.Events) {
			return false
		}
	}
	return true
}

func (t *T) waitLoop(deadline time.Time, kill, final bool) {
	c := t.C
	t.flush()
	for {
		var closeNow bool
		stop := c.WaitUntil(deadline, func() bool {
			if c.DoneL() {
				return true
			}
			if t.close.ClosedByMe && !t.suppressClose && c.OpenL() && t.finishedL() {
				closeNow = true
				return true
			}
			// A failing peer ends the wait too.
			return !c.OpenL() && !t.close.ClosedByMe
		})
		if closeNow {
			c.SendClose(t.closeCode(), nil)
			if !final {
				continue
			}
		}
		if stop || !final {
			break
		}
		// The deadline passed with the connection in some state.
		if c.Open() {
			if kill {
				if !t.close.ClosedByMe {
					t.notFailed = true
				}
				c.Drop("killed: the case timed out")
			} else {
				c.SendClose(t.closeCode(), nil)
			}
		}
		break
	}
	if final {
		// Let the closing handshake finish (its own timeouts apply).
		c.WaitDone(time.Now().Add(c.CloseHandshakeTimeout + c.ServerDropTimeout + 2*time.Second))
	}
}

func (t *T) closeCode() int {
	if len(t.close.Codes) > 0 {
		return t.close.Codes[0]
	}
	return 1000
}

// ---- judging ------------------------------------------------------------------

// Result is the verdict of one case on one surface.
type Result struct {
	ID             string
	Desc           string
	Behavior       string
	BehaviorReason string
	Close          string
	CloseReason    string
	Verdict        string // the summary: OK, NON-STRICT, FAILED, INFORMATIONAL, UNIMPLEMENTED
	Reason         string // why, when not OK
	RemoteCode     int
	Duration       time.Duration
	Info           string
}

func eventsEqual(a, b []driver.Event) bool {
	return slices.EqualFunc(a, b, func(x, y driver.Event) bool { return x.Equal(y) })
}

func (t *T) judge(role driver.Role) Result {
	c := t.C
	st := c.Status()
	rec := c.Received()
	r := Result{ID: t.Case.ID, Desc: t.Case.Desc, RemoteCode: st.RemoteCode, Info: t.Info}

	if t.custom {
		r.Behavior, r.BehaviorReason = t.behavior, t.result
	} else {
		r.Behavior, r.BehaviorReason = Failed, "Actual events differ from any expected."
		for _, o := range t.expected {
			if eventsEqual(rec, o.Events) {
				r.Behavior, r.BehaviorReason = o.Behavior, "Actual events match at least one expected."
				break
			}
		}
		switch r.Behavior {
		case OK:
		case NonStrict:
			r.BehaviorReason = fmt.Sprintf("Acceptable, not strict: observed %s; the strict outcome is %s.",
				driver.Describe(rec), driver.Describe(t.expected[0].Events))
		default:
			var want []string
			for _, o := range t.expected {
				want = append(want, o.Behavior+" "+driver.Describe(o.Events))
			}
			r.BehaviorReason += fmt.Sprintf(" Expected %s; observed %s.", strings.Join(want, " or "), driver.Describe(rec))
		}
	}
	if st.PeerError != "" {
		r.Behavior, r.BehaviorReason = Failed, "the peer violated the protocol: "+st.PeerError
	}

	ce := t.close
	codes := make([]string, len(ce.Codes))
	for i, code := range ce.Codes {
		codes[i] = fmt.Sprint(code)
	}
	switch {
	case ce.ClosedByMe != st.ClosedByMe:
		r.Close = Failed
		if ce.ClosedByMe {
			r.CloseReason = fmt.Sprintf("The connection was failed by the wrong endpoint: the peer closed first (close code %s)", codeString(st))
		} else {
			r.CloseReason = "The connection was failed by the wrong endpoint: the peer did not fail it, the driver closed"
		}
	case !ce.ClosedByMe && t.notFailed:
		r.Close = Failed
		r.CloseReason = "The peer did not fail the connection (no close frame, TCP left open) before the case timed out"
	case ce.RequireClean && !st.WasClean:
		r.Close = Unclean
		r.CloseReason = "The spec requires the connection to be failed cleanly here: " + st.NotCleanReason
	case st.RemoteCode >= 0 && !slices.Contains(ce.Codes, st.RemoteCode):
		r.Close = WrongCode
		r.CloseReason = fmt.Sprintf("The close code should have been %s or empty, got %d", strings.Join(codes, ","), st.RemoteCode)
	case role == driver.Client && st.DroppedByMe:
		r.Close = FailedByClient
		r.CloseReason = "It is preferred that the server close the TCP connection: " + st.NotCleanReason
	default:
		r.Close = OK
		r.CloseReason = fmt.Sprintf("Connection was properly closed (close code %s)", codeString(st))
	}
	if t.Case.Post != nil {
		t.Case.Post(t, &r)
	}
	r.Verdict, r.Reason = combine(r)
	return r
}

func codeString(st driver.Status) string {
	switch {
	case st.RemoteCode >= 0:
		return fmt.Sprint(st.RemoteCode)
	case st.GotClose:
		return "none"
	}
	return "-, no close frame"
}

// combine folds the two verdicts into the summary one: FAILED if either
// failed (an unclean close included), NON-STRICT if the events were only
// acceptable or the close code / TCP closing was not the preferred one.
func combine(r Result) (string, string) {
	switch r.Behavior {
	case Informational, Unimplemented:
		return r.Behavior, r.BehaviorReason
	}
	switch {
	case r.Behavior == Failed:
		return Failed, r.BehaviorReason
	case r.Close == Failed || r.Close == Unclean:
		return Failed, r.Close + ": " + r.CloseReason
	case r.Behavior == NonStrict:
		return NonStrict, r.BehaviorReason
	case r.Close == WrongCode || r.Close == FailedByClient:
		return NonStrict, r.Close + ": " + r.CloseReason
	}
	return OK, ""
}

// ---- running --------------------------------------------------------------------

// Execute runs cs on the open connection c and judges it.
func Execute(c *driver.Conn, cs *Case, p *Profile) (res Result) {
	t := &T{C: c, Case: cs, Profile: p}
	t.close = CloseExp{ClosedByMe: true, Codes: []int{1000}, RequireClean: true}
	start := time.Now()
	limit := cs.Limit
	if limit == 0 {
		limit = 30 * time.Second
	}
	watchdog := time.AfterFunc(limit, func() { c.Drop(fmt.Sprintf("case did not finish within %v", limit)) })
	defer func() {
		watchdog.Stop()
		if e := recover(); e != nil {
			c.Drop("driver panic")
			res = Result{ID: cs.ID, Desc: cs.Desc, Behavior: Failed, Verdict: Failed, Reason: fmt.Sprintf("driver panic: %v", e)}
		}
		res.Duration = time.Since(start)
	}()
	cs.Run(t)
	// Whatever the script did, the case ends when the connection does.
	t.waitLoop(time.Now().Add(2*time.Second), true, true)
	return t.judge(c.Role)
}

// Unimplemented is the result of a permessage-deflate case whose offer or
// response the peer declined.
func UnimplementedResult(cs *Case, why string) Result {
	return Result{ID: cs.ID, Desc: cs.Desc, Behavior: Unimplemented, BehaviorReason: why, Close: OK, Verdict: Unimplemented, Reason: why}
}

// FailedResult is a case that could not run (handshake failure...).
func FailedResult(cs *Case, why string) Result {
	return Result{ID: cs.ID, Desc: cs.Desc, Behavior: Failed, BehaviorReason: why, Close: Failed, Verdict: Failed, Reason: why, RemoteCode: -1}
}
