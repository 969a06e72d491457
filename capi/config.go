package main

// #include "capi.h"
import "C"

import (
	"github.com/libws/libws/ws"
)

// config is a ws_config: a ws.Config being built, with permessage-deflate
// settings kept aside until WS_OPT_DEFLATE turns them on.
type config struct {
	ws.Config
	deflateOn bool
	deflate   ws.DeflateConfig
}

// build returns a copy for one connection, with C memory for its buffers.
func (c *config) build() *ws.Config {
	cfg := c.Config
	cfg.Subprotocols = append([]string(nil), c.Subprotocols...)
	cfg.Header = append([][2]string(nil), c.Header...)
	cfg.ExtensionOffers = append([]string(nil), c.ExtensionOffers...)
	if c.deflateOn {
		d := c.deflate
		d.Offers = append([]ws.DeflateParams(nil), c.deflate.Offers...)
		cfg.Deflate = &d
	}
	cfg.Alloc = cAlloc{}
	return &cfg
}

//export wsgo_config_new
func wsgo_config_new(role C.int, out *C.uintptr_t) (rc C.int) {
	defer guard(&rc)
	r := ws.Role(role)
	if r != ws.RoleClient && r != ws.RoleServer {
		return argError("role must be WS_ROLE_CLIENT or WS_ROLE_SERVER")
	}
	o := &object{kind: kindConfig, cfg: &config{Config: ws.Config{Role: r}}}
	*out = register(o)
	return C.WS_OK
}

//export wsgo_config_free
func wsgo_config_free(h C.uintptr_t) {
	o := lookup(h, kindConfig)
	if o == nil {
		return
	}
	for !o.busy.CompareAndSwap(0, 1) { // a call in progress elsewhere (see wsgo_conn_free)
		if lookup(h, kindConfig) != o {
			return
		}
		yield()
	}
	unregister(h)
	o.freeStrings()
}

func boolOpt(v int64) (bool, bool) { return v != 0, v == 0 || v == 1 }

//export wsgo_config_set
func wsgo_config_set(h C.uintptr_t, opt C.int, value C.int64_t) (rc C.int) {
	o, rc := enter(h, kindConfig)
	if rc != 0 {
		return rc
	}
	defer o.leave(&rc)
	c, v := o.cfg, int64(value)
	limit := func(dst *int64) C.int {
		if v < -1 {
			return argError("limits are positive, 0 (default) or -1 (unlimited)")
		}
		*dst = v
		return C.WS_OK
	}
	intIn := func(dst *int, lo, hi int64, what string) C.int {
		if v != 0 && (v < lo || v > hi) {
			return argError(what)
		}
		*dst = int(v)
		return C.WS_OK
	}
	flag := func(dst *bool, invert bool) C.int {
		b, ok := boolOpt(v)
		if !ok {
			return argError("boolean options take 0 or 1")
		}
		*dst = b != invert
		return C.WS_OK
	}
	switch opt {
	case C.WS_OPT_MAX_MESSAGE:
		return limit(&c.MaxMessageSize)
	case C.WS_OPT_MAX_FRAME:
		return limit(&c.MaxFrameSize)
	case C.WS_OPT_MAX_OUTPUT:
		return limit(&c.MaxOutput)
	case C.WS_OPT_MAX_QUEUED:
		return limit(&c.MaxQueued)
	case C.WS_OPT_MAX_HANDSHAKE:
		return intIn(&c.MaxHandshakeSize, 256, 1<<30, "WS_OPT_MAX_HANDSHAKE must be 256..2^30 bytes (or 0)")
	case C.WS_OPT_MAX_HEADERS:
		return intIn(&c.MaxHeaderCount, 4, 1<<20, "WS_OPT_MAX_HEADERS must be 4..2^20 (or 0)")
	case C.WS_OPT_STREAMING:
		return flag(&c.Streaming, false)
	case C.WS_OPT_CHUNK_PER_FRAME:
		return flag(&c.ChunkPerFrame, false)
	case C.WS_OPT_VALIDATE_UTF8:
		return flag(&c.SkipUTF8Validation, true)
	case C.WS_OPT_AUTO_PONG:
		return flag(&c.NoAutoPong, true)
	case C.WS_OPT_ECHO_CLOSE_REASON:
		return flag(&c.EchoCloseReason, false)
	case C.WS_OPT_MAX_PINGS:
		return intIn(&c.MaxPings, 1, 1<<20, "WS_OPT_MAX_PINGS must be at least 1 (or 0 for the default)")
	case C.WS_OPT_MANUAL_ACCEPT:
		return flag(&c.ManualAccept, false)
	case C.WS_OPT_DEFLATE:
		return flag(&c.deflateOn, false)
	case C.WS_OPT_DEFLATE_SERVER_NO_CONTEXT_TAKEOVER:
		return flag(&c.deflate.ServerNoContextTakeover, false)
	case C.WS_OPT_DEFLATE_CLIENT_NO_CONTEXT_TAKEOVER:
		return flag(&c.deflate.ClientNoContextTakeover, false)
	case C.WS_OPT_DEFLATE_SERVER_MAX_WINDOW_BITS:
		return intIn(&c.deflate.ServerMaxWindowBits, 8, 15, "window bits must be 8..15 (or 0)")
	case C.WS_OPT_DEFLATE_CLIENT_MAX_WINDOW_BITS:
		return intIn(&c.deflate.ClientMaxWindowBits, 8, 15, "window bits must be 8..15 (or 0)")
	case C.WS_OPT_DEFLATE_LEVEL:
		return intIn(&c.deflate.Level, 1, 9, "WS_OPT_DEFLATE_LEVEL must be 1..9 (or 0)")
	case C.WS_OPT_DEFLATE_MIN_SIZE:
		if v < -1 || v > 1<<30 {
			return argError("WS_OPT_DEFLATE_MIN_SIZE must be -1..2^30")
		}
		c.deflate.MinSize = int(v)
		return C.WS_OK
	case C.WS_OPT_DEFLATE_REQUIRED:
		return flag(&c.deflate.Required, false)
	case C.WS_OPT_ALLOW_RSV:
		if v < 0 || v > 7 {
			return argError("WS_OPT_ALLOW_RSV is a set of WS_RSV1|WS_RSV2|WS_RSV3")
		}
		c.AllowRSV = uint8(v)
		return C.WS_OK
	case C.WS_OPT_ALLOW_OPCODES:
		if v&^0xF8F8 != 0 {
			return argError("WS_OPT_ALLOW_OPCODES may only hold reserved opcodes (3-7, 11-15)")
		}
		c.AllowOpcodes = uint16(v)
		return C.WS_OK
	}
	return argError("unknown option")
}

//export wsgo_config_get
func wsgo_config_get(h C.uintptr_t, opt C.int, out *C.int64_t) (rc C.int) {
	o, rc := enter(h, kindConfig)
	if rc != 0 {
		return rc
	}
	defer o.leave(&rc)
	c := o.cfg
	b := func(x bool) int64 {
		if x {
			return 1
		}
		return 0
	}
	or := func(v, def int64) int64 {
		if v == 0 {
			return def
		}
		return v
	}
	var v int64
	switch opt {
	case C.WS_OPT_MAX_MESSAGE:
		v = or(c.MaxMessageSize, ws.DefaultMaxMessageSize)
	case C.WS_OPT_MAX_FRAME:
		v = or(c.MaxFrameSize, ws.DefaultMaxFrameSize)
	case C.WS_OPT_MAX_OUTPUT:
		v = or(c.MaxOutput, ws.DefaultMaxOutput)
	case C.WS_OPT_MAX_QUEUED:
		v = or(c.MaxQueued, ws.DefaultMaxQueued)
	case C.WS_OPT_MAX_HANDSHAKE:
		v = or(int64(c.MaxHandshakeSize), ws.DefaultMaxHandshakeSize)
	case C.WS_OPT_MAX_HEADERS:
		v = or(int64(c.MaxHeaderCount), ws.DefaultMaxHeaderCount)
	case C.WS_OPT_STREAMING:
		v = b(c.Streaming)
	case C.WS_OPT_CHUNK_PER_FRAME:
		v = b(c.ChunkPerFrame)
	case C.WS_OPT_VALIDATE_UTF8:
		v = b(!c.SkipUTF8Validation)
	case C.WS_OPT_AUTO_PONG:
		v = b(!c.NoAutoPong)
	case C.WS_OPT_ECHO_CLOSE_REASON:
		v = b(c.EchoCloseReason)
	case C.WS_OPT_MAX_PINGS:
		v = or(int64(c.MaxPings), ws.DefaultMaxPings)
	case C.WS_OPT_MANUAL_ACCEPT:
		v = b(c.ManualAccept)
	case C.WS_OPT_DEFLATE:
		v = b(c.deflateOn)
	case C.WS_OPT_DEFLATE_SERVER_NO_CONTEXT_TAKEOVER:
		v = b(c.deflate.ServerNoContextTakeover)
	case C.WS_OPT_DEFLATE_CLIENT_NO_CONTEXT_TAKEOVER:
		v = b(c.deflate.ClientNoContextTakeover)
	case C.WS_OPT_DEFLATE_SERVER_MAX_WINDOW_BITS:
		v = or(int64(c.deflate.ServerMaxWindowBits), 15)
	case C.WS_OPT_DEFLATE_CLIENT_MAX_WINDOW_BITS:
		v = or(int64(c.deflate.ClientMaxWindowBits), 15)
	case C.WS_OPT_DEFLATE_LEVEL:
		v = or(int64(c.deflate.Level), ws.DefaultCompressLevel)
	case C.WS_OPT_DEFLATE_MIN_SIZE:
		v = or(int64(c.deflate.MinSize), ws.DefaultCompressMinSize)
	case C.WS_OPT_DEFLATE_REQUIRED:
		v = b(c.deflate.Required)
	case C.WS_OPT_ALLOW_RSV:
		v = int64(c.AllowRSV)
	case C.WS_OPT_ALLOW_OPCODES:
		v = int64(c.AllowOpcodes)
	default:
		return argError("unknown option")
	}
	*out = C.int64_t(v)
	return C.WS_OK
}

//export wsgo_config_add_subprotocol
func wsgo_config_add_subprotocol(h C.uintptr_t, name *C.char) (rc C.int) {
	o, rc := enter(h, kindConfig)
	if rc != 0 {
		return rc
	}
	defer o.leave(&rc)
	s := goString(name)
	if err := ws.CheckToken(s); err != nil {
		return status(err)
	}
	o.cfg.Subprotocols = append(o.cfg.Subprotocols, s)
	return C.WS_OK
}

//export wsgo_config_add_header
func wsgo_config_add_header(h C.uintptr_t, name, value *C.char) (rc C.int) {
	o, rc := enter(h, kindConfig)
	if rc != 0 {
		return rc
	}
	defer o.leave(&rc)
	pair := [2]string{goString(name), goString(value)}
	if err := ws.CheckHeaders(o.cfg.Role, [][2]string{pair}); err != nil {
		return status(err)
	}
	o.cfg.Header = append(o.cfg.Header, pair)
	return C.WS_OK
}

//export wsgo_config_set_origin
func wsgo_config_set_origin(h C.uintptr_t, origin *C.char) (rc C.int) {
	o, rc := enter(h, kindConfig)
	if rc != 0 {
		return rc
	}
	defer o.leave(&rc)
	s := goString(origin)
	if err := ws.CheckHeaderValue(s); err != nil {
		return status(err)
	}
	o.cfg.Origin = s
	return C.WS_OK
}

//export wsgo_config_add_deflate_offer
func wsgo_config_add_deflate_offer(h C.uintptr_t, sNoCtx, cNoCtx, sBits, cBits C.int) (rc C.int) {
	o, rc := enter(h, kindConfig)
	if rc != 0 {
		return rc
	}
	defer o.leave(&rc)
	p := ws.DeflateParams{ServerNoContextTakeover: sNoCtx != 0, ClientNoContextTakeover: cNoCtx != 0, ServerMaxWindowBits: int(sBits), ClientMaxWindowBits: int(cBits)}
	for _, b := range []int{p.ServerMaxWindowBits, p.ClientMaxWindowBits} {
		if b != 0 && (b < 8 || b > 15) {
			return argError("window bits must be 8..15 (or 0)")
		}
	}
	if o.cfg.Role != ws.RoleClient {
		return argError("deflate offers are made by clients")
	}
	o.cfg.deflate.Offers = append(o.cfg.deflate.Offers, p)
	return C.WS_OK
}

//export wsgo_config_add_extension_offer
func wsgo_config_add_extension_offer(h C.uintptr_t, offer *C.char) (rc C.int) {
	o, rc := enter(h, kindConfig)
	if rc != 0 {
		return rc
	}
	defer o.leave(&rc)
	s := goString(offer)
	if _, err := ws.ParseExtensions(s); err != nil || s == "" {
		return argError("extension offer " + s + " does not parse as Sec-WebSocket-Extensions")
	}
	o.cfg.ExtensionOffers = append(o.cfg.ExtensionOffers, s)
	return C.WS_OK
}

//export wsgo_config_set_key
func wsgo_config_set_key(h C.uintptr_t, key *C.char) (rc C.int) {
	o, rc := enter(h, kindConfig)
	if rc != 0 {
		return rc
	}
	defer o.leave(&rc)
	k := goString(key)
	if o.cfg.Role != ws.RoleClient {
		return argError("only a client sends a Sec-WebSocket-Key")
	}
	if k != "" {
		if err := ws.CheckKey(k); err != nil {
			return status(err)
		}
	}
	o.cfg.Key = k
	return C.WS_OK
}
