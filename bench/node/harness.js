#!/usr/bin/env node
// wsbench-node: Node's ws (Receiver and Sender, the classes a ws WebSocket
// is made of, over in-memory input and a counting socket) on the shared
// workloads (shared/bench/WORKLOADS.md), for bench/run.py.
//
//   node bench/node/harness.js DATA_DIR
//
// With WS_NO_BUFFER_UTIL=1 in the environment ws uses its JavaScript
// masking ("ws"); otherwise the native bufferutil ("ws+bufferutil").
// UTF-8: ws validates received text with buffer.isUtf8 on Node >= 18.14
// (utf-8-validate is not used there); it does not check text it sends.
//
// Requests on stdin, one JSON object a line ({"w":"w1","impl":"ws",
// "min_time":0.3,"clock":"cpu"}): passes run until min_time seconds of
// process CPU time (process.cpuUsage: all threads, zlib's pool included) or
// wall time ("clock":"wall") have gone by; one JSON line answers each, with
// both times.
//
// Server side: a Receiver (isServer) written the .frames in 64 KiB slices,
// one write() per slice; 'message' events give each message as one Buffer.
// ws unmasks in place, so each pass is fed fresh copies of the slices
// (copied outside the timed part, as a socket would hand over new buffers).
// W6d: permessage-deflate with no context takeover (zlib, asynchronous).
// Client side: a Sender with mask: one send() per message, into a socket
// stand-in that counts bytes; Sender writes each message's frame to the
// socket as it is made (a drain after every message, as WORKLOADS.md asks).
// W6c: compress level 6 (zlib).
// W7 (context takeover 15/15): ws's PerMessageDeflate with takeover both
// ways; "zlib" is Node's zlib alone, one DeflateRaw stream (level 6,
// memLevel 8) written each message and flushed with Z_SYNC_FLUSH (tail
// removed, a frame header with a zero key written to the socket), or one
// InflateRaw stream fed each unmasked compressed payload and the tail — the
// way ws drives zlib, without the framing.
'use strict';

const fs = require('fs');
const path = require('path');
const readline = require('readline');
const zlib = require('zlib');

const { Receiver, Sender, PerMessageDeflate } = require('ws');

const CHUNK = 65536;
const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: harness.js DATA_DIR  (requests on stdin, see bench/run.py)\n');
  process.exit(2);
}

let bufferutil = false;
if (!process.env.WS_NO_BUFFER_UTIL) {
  try {
    require('bufferutil');
    bufferutil = true;
  } catch (e) {
    // ws falls back to JavaScript as well
  }
}
const IMPL = bufferutil ? 'ws+bufferutil' : 'ws';

const man = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json')));
const SRC = { w1: 'w1', w2: 'w2', w3: 'w3', w4: 'w4', w5a: 'w1', w5b: 'w2', w5c: 'w3', w5d: 'w4', w6c: 'w6', w6d: 'w6', w7c: 'w7', w7d: 'w7' };
const workloads = {};

function workload(id) {
  if (workloads[id]) return workloads[id];
  const src = SRC[id];
  if (!src) throw new Error('unknown workload ' + id);
  const m = man[src];
  const w = {
    id, count: m.count, size: m.payload_size, checksum: m.checksum, text: m.opcode === 1,
    deflate: src === 'w6' || src === 'w7', takeover: src === 'w7',
    server: /^w[1-4]$/.test(id) || id === 'w6d' || id === 'w7d'
  };
  const p = fs.readFileSync(path.join(dir, m.payloads));
  w.payloads = [];
  if (m.lengths) {
    const lens = fs.readFileSync(path.join(dir, m.lengths));
    let o = 0;
    for (let i = 0; i < w.count; i++) {
      const n = lens.readUInt32LE(4 * i);
      w.payloads.push(p.subarray(o, o + n));
      o += n;
    }
  } else {
    for (let i = 0; i < w.count; i++) w.payloads.push(p.subarray(i * w.size, (i + 1) * w.size));
  }
  if (w.server) {
    w.frames = fs.readFileSync(path.join(dir, m.frames));
    if (w.takeover) { // the compressed payloads, unmasked ("zlib")
      w.compressed = [];
      let pos = 0;
      while (pos < w.frames.length) {
        let len = w.frames[pos + 1] & 0x7f, h = 2;
        if (len === 126) { len = w.frames.readUInt16BE(pos + 2); h = 4; }
        const key = w.frames.subarray(pos + h, pos + h + 4);
        const c = Buffer.from(w.frames.subarray(pos + h + 4, pos + h + 4 + len));
        for (let i = 0; i < len; i++) c[i] ^= key[i & 3];
        w.compressed.push(c);
        pos += h + 4 + len;
      }
    }
  }
  return (workloads[id] = w);
}

function deflateExt(isServer, takeover) {
  const pmd = new PerMessageDeflate({
    serverNoContextTakeover: !takeover, clientNoContextTakeover: !takeover,
    zlibDeflateOptions: { level: 6, memLevel: 8 }, threshold: 0
  }, isServer, 0);
  pmd.accept([takeover ? {} : { server_no_context_takeover: [true], client_no_context_takeover: [true] }]);
  return { [PerMessageDeflate.extensionName]: pmd };
}

// ---- server side -----------------------------------------------------------

function cpuNow() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

function makeServer(w) {
  const rx = new Receiver({
    isServer: true, maxPayload: 0, binaryType: 'nodebuffer',
    extensions: w.deflate ? deflateExt(true, w.takeover) : undefined
  });
  const st = { n: 0, sum: 0, err: null, done: null };
  rx.on('message', (data) => {
    st.n++;
    st.sum = (st.sum + data[0] + data[data.length - 1]) >>> 0;
    if (st.done && st.n === w.count) st.done();
  });
  rx.on('error', (e) => { st.err = e; if (st.done) st.done(); });
  // One pass: returns the seconds it took (fresh slices prepared first).
  return async function pass() {
    const slices = [];
    for (let o = 0; o < w.frames.length; o += CHUNK) slices.push(Buffer.from(w.frames.subarray(o, o + CHUNK)));
    st.n = 0; st.sum = 0;
    const finished = new Promise((resolve) => { st.done = resolve; });
    const t0 = process.hrtime.bigint();
    const c0 = cpuNow();
    for (const s of slices) rx.write(s);
    if (st.n !== w.count && !st.err) await finished;
    const dt = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = cpuNow() - c0;
    st.done = null;
    if (st.err) throw st.err;
    if (st.n !== w.count || st.sum !== w.checksum) {
      throw new Error(`${st.n} messages, checksum ${st.sum}; want ${w.count}, ${w.checksum}`);
    }
    return [dt, cpu];
  };
}

// ---- client side -----------------------------------------------------------

function makeClient(w) {
  const sock = {
    bytes: 0, capture: null,
    cork() {}, uncork() {},
    write(buf, cb) {
      this.bytes += buf.length;
      if (this.capture) this.capture.push(Buffer.from(buf));
      if (cb) cb();
      return true;
    }
  };
  const tx = new Sender(sock, w.deflate ? deflateExt(false, w.takeover) : undefined);
  const opts = { binary: !w.text, compress: w.deflate, fin: true, mask: true };
  return async function pass(capture) {
    sock.capture = capture || null;
    sock.bytes = 0;
    const t0 = process.hrtime.bigint();
    const c0 = cpuNow();
    let last;
    const done = new Promise((resolve, reject) => {
      last = (err) => (err ? reject(err) : resolve());
    });
    const n = w.payloads.length;
    for (let i = 0; i < n - 1; i++) tx.send(w.payloads[i], opts);
    tx.send(w.payloads[n - 1], opts, last);
    await done;
    const dt = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = cpuNow() - c0;
    sock.capture = null;
    return [dt, cpu];
  };
}

// ---- zlib alone (W7) --------------------------------------------------------

const TAIL = Buffer.from([0, 0, 0xff, 0xff]);

// Runs zlib stream z over input (undefined: nothing more) and a sync flush;
// resolves with the output.
function zflush(z, inputs) {
  return new Promise((resolve, reject) => {
    const parts = [];
    const onData = (d) => parts.push(d);
    z.on('data', onData);
    for (const b of inputs) z.write(b);
    z.flush(zlib.constants.Z_SYNC_FLUSH, () => {
      z.removeListener('data', onData);
      if (z._zlibErr) reject(z._zlibErr);
      else resolve(parts.length === 1 ? parts[0] : Buffer.concat(parts));
    });
  });
}

function makeZlibClient(w) {
  const z = zlib.createDeflateRaw({ level: 6, memLevel: 8, windowBits: 15 });
  const sock = { bytes: 0, capture: null };
  const put = (b) => { sock.bytes += b.length; if (sock.capture) sock.capture.push(Buffer.from(b)); };
  return async function pass(capture) {
    sock.capture = capture || null;
    const t0 = process.hrtime.bigint();
    const c0 = cpuNow();
    for (const p of w.payloads) {
      const c = (await zflush(z, [p])).subarray(0, -4);
      const n = c.length;
      const hdr = n <= 125 ? Buffer.from([0xc1, 0x80 | n, 0, 0, 0, 0]) : Buffer.from([0xc1, 0xfe, n >> 8, n & 255, 0, 0, 0, 0]);
      put(hdr);
      put(c);
    }
    const dt = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = cpuNow() - c0;
    sock.capture = null;
    return [dt, cpu];
  };
}

function makeZlibServer(w) {
  const z = zlib.createInflateRaw({ windowBits: 15 });
  return async function pass() {
    const t0 = process.hrtime.bigint();
    const c0 = cpuNow();
    let n = 0, sum = 0;
    for (const c of w.compressed) {
      const m = await zflush(z, [c, TAIL]);
      n++;
      sum = (sum + m[0] + m[m.length - 1]) >>> 0;
    }
    const dt = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = cpuNow() - c0;
    if (n !== w.count || sum !== w.checksum) throw new Error(`${n} messages, checksum ${sum}; want ${w.count}, ${w.checksum}`);
    return [dt, cpu];
  };
}

// An independent check of a client's output: [messages, payload bytes].
function verifyClient(w, out) {
  const inf = w.takeover ? zlib.createInflateRaw() : null;
  const pending = [];
  let pos = 0, n = 0, wire = 0, inMsg = false, comp = false, parts = [];
  while (pos < out.length) {
    const b0 = out[pos], b1 = out[pos + 1];
    const fin = b0 >> 7, rsv = (b0 >> 4) & 7, op = b0 & 15;
    if (!(b1 & 0x80)) throw new Error('unmasked frame');
    let len = b1 & 0x7f, h = 2;
    if (len === 126) { len = out.readUInt16BE(pos + 2); h = 4; } else if (len === 127) { len = Number(out.readBigUInt64BE(pos + 2)); h = 10; }
    const key = out.subarray(pos + h, pos + h + 4);
    const p = Buffer.from(out.subarray(pos + h + 4, pos + h + 4 + len));
    pos += h + 4 + len;
    wire += len;
    if (!inMsg) {
      if (op !== (w.text ? 1 : 2) || (rsv & 3) || Boolean(rsv & 4) !== w.deflate) throw new Error(`message ${n}: opcode ${op} rsv ${rsv}`);
      inMsg = true; comp = Boolean(rsv & 4); parts = [];
    } else if (op || rsv) throw new Error('bad continuation');
    for (let i = 0; i < p.length; i++) p[i] ^= key[i & 3];
    parts.push(p);
    if (!fin) continue;
    inMsg = false;
    let msg = Buffer.concat(parts);
    if (comp && inf) {
      pending.push([n, msg]); // inflated in order below, on one stream
      n++;
      continue;
    }
    if (comp) msg = zlib.inflateRawSync(Buffer.concat([msg, TAIL]), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
    if (n >= w.count || !msg.equals(w.payloads[n])) throw new Error(`message ${n} differs`);
    n++;
  }
  if (inMsg || n !== w.count) throw new Error(`${n} messages, want ${w.count}`);
  if (!inf) return Promise.resolve([n, wire]);
  return (async () => {
    for (const [i, c] of pending) {
      const m = await zflush(inf, [c, TAIL]);
      if (i >= w.count || !m.equals(w.payloads[i])) throw new Error(`message ${i} differs`);
    }
    return [n, wire];
  })();
}

// ---- the request loop --------------------------------------------------------

const runners = {};

async function handle(rq) {
  const res = { w: rq.w, impl: rq.impl };
  try {
    const zl = rq.impl === 'zlib';
    if (rq.impl !== IMPL && !(zl && IMPL === 'ws')) {
      res.skip = 'not this process';
      return res;
    }
    const w = workload(rq.w);
    if (zl && !w.takeover) {
      res.skip = 'not applicable';
      return res;
    }
    const key = rq.impl + '/' + rq.w;
    let r = runners[key];
    if (!r) {
      if (w.server) {
        r = { pass: zl ? makeZlibServer(w) : makeServer(w) };
        await r.pass(); // warm-up
      } else {
        r = { pass: zl ? makeZlibClient(w) : makeClient(w) };
        const cap = [];
        await r.pass(cap); // warm-up, checked
        const out = Buffer.concat(cap);
        r.wire = out.length;
        r.payloadWire = (await verifyClient(w, out))[1];
      }
      runners[key] = r;
    }
    const minTime = rq.min_time === undefined ? 0.3 : rq.min_time;
    const wall = rq.clock === 'wall';
    let passes = 0, seconds = 0, cpuSeconds = 0;
    while ((wall ? seconds : cpuSeconds) < minTime) {
      const [dt, cpu] = await r.pass();
      seconds += dt;
      cpuSeconds += cpu;
      passes++;
    }
    Object.assign(res, { messages: passes * w.count, seconds, cpu_seconds: cpuSeconds, passes });
    if (r.wire) Object.assign(res, { wire_bytes: r.wire, payload_wire_bytes: r.payloadWire });
  } catch (e) {
    res.error = String(e && e.message ? e.message : e);
  }
  return res;
}

async function main() {
  const versions = {
    node: process.versions.node,
    ws: require('ws/package.json').version,
    zlib: process.versions.zlib
  };
  if (bufferutil) versions.bufferutil = require('bufferutil/package.json').version;
  const impls = IMPL === 'ws' ? [IMPL, 'zlib'] : [IMPL];
  process.stdout.write(JSON.stringify({ hello: { surface: 'node', impls, versions } }) + '\n');
  const rl = readline.createInterface({ input: process.stdin });
  const queue = [];
  let busy = false;
  rl.on('line', (line) => {
    queue.push(line);
    if (!busy) pump();
  });
  async function pump() {
    busy = true;
    while (queue.length) {
      const res = await handle(JSON.parse(queue.shift()));
      process.stdout.write(JSON.stringify(res) + '\n');
    }
    busy = false;
  }
}

main();
