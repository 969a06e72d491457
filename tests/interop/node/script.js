// The interop matrix's exchange for the JavaScript peers (node/ws_peer.js
// and the Chromium page, which loads this file too). The same script is
// written in Python (python/matrix_common.py), C, Go and Perl; README.md
// describes it.
(function (root) {
  'use strict';

  const TEXT = 'héllo wörld ✓ 中文 😀 — libws interop';
  const BIN = new Uint8Array(1000).map((_, i) => (i * 37 + 11) & 0xff);
  const LARGE = new Uint8Array(1 << 20);
  for (let i = 0; i < LARGE.length; i++) LARGE[i] = (i * 31 + (i >> 9)) & 0xff;
  const FRAG = 65536;
  const COMP = 'compressible text — context takeover; '.repeat(100);
  const SERVER_PING = 'server ping ✓';
  const CLIENT_PING = 'client ping ✓';
  const CLOSE_A = [4000, 'matrix done ✓'];
  const CLOSE_B = [4001, 'server done ✓'];
  const SCRIPT = [TEXT, BIN, LARGE, COMP, COMP, COMP];
  const STEP_OF = ['text', 'binary', 'large', 'compressed', 'compressed', 'compressed'];
  const STEPS = ['open', 'deflate', 'server-ping', 'text', 'client-ping', 'binary', 'large', 'compressed', 'rsv1', 'close', 'end'];
  const TIMEOUT = 10000;
  const WINDOW_BITS = 10; // connection C: server_ and client_max_window_bits
  const CONNS = ['A', 'B', 'C'];

  function bytesOf(x) {
    if (typeof x === 'string') return new TextEncoder().encode(x);
    if (x instanceof ArrayBuffer) return new Uint8Array(x);
    return new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
  }

  function describe(got, want) {
    const gt = typeof got === 'string' ? 'text' : 'binary';
    const wt = typeof want === 'string' ? 'text' : 'binary';
    if (gt !== wt) return `got ${gt}, want ${wt}`;
    const a = bytesOf(got);
    const b = bytesOf(want);
    if (a.length !== b.length) return `got ${a.length} bytes, want ${b.length}`;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return `differs at offset ${i}`;
    return 'equal';
  }

  // What one side saw on one connection; emit() gives the RESULT object.
  class Report {
    constructor(impl, role, conn) {
      Object.assign(this, { impl, role, conn, passed: [], na: {}, failed: '', error: '', info: {} });
    }
    ok(step) { if (!this.passed.includes(step)) this.passed.push(step); }
    fail(step, error) {
      if (!this.failed) { this.failed = step; this.error = String(error); }
      if (typeof console !== 'undefined') console.error(`[${this.impl} ${this.role} ${this.conn}] FAIL ${step}: ${error}`);
    }
    check(step, cond, error) { if (cond) this.ok(step); else this.fail(step, error); return cond; }
    notObservable(step, why) { this.na[step] = why; }
    current() { return STEPS.find((s) => !this.passed.includes(s) && !(s in this.na)) || 'end'; }
    message(index, got) {
      const d = describe(got, SCRIPT[index]);
      return this.check(STEP_OF[index], d === 'equal', `message ${index + 1}: ${d}`);
    }
    result() {
      if (!this.failed) {
        const cur = STEPS.find((s) => !this.passed.includes(s) && !(s in this.na));
        if (cur) this.fail(cur, 'not reached');
      }
      return Object.assign({
        impl: this.impl, role: this.role, conn: this.conn, ok: !this.failed, failed: this.failed,
        error: this.error, passed: this.passed, na: this.na,
      }, this.info);
    }
  }

  const api = {
    TEXT, BIN, LARGE, FRAG, COMP, SERVER_PING, CLIENT_PING, CLOSE_A, CLOSE_B, SCRIPT, STEP_OF, STEPS, TIMEOUT, WINDOW_BITS, CONNS,
    Report, describe, bytesOf,
  };
  if (typeof module !== 'undefined' && module.exports) module.exports = api;
  else root.Matrix = api;
})(typeof self !== 'undefined' ? self : this);
