#!/usr/bin/env node
// The Node "ws" peer of the interop matrix (the npm package pinned in
// package.json), as a client or a server running the matrix exchange:
//
//   node ws_peer.js client ws://127.0.0.1:PA/A ws://127.0.0.1:PB/B
//   node ws_peer.js server            # prints READY <port-A> <port-B> <port-C>
//
// Connection A: permessage-deflate as ws offers/accepts it by default
// (context takeover); B: serverNoContextTakeover and clientNoContextTakeover
// (offered by the client, imposed by the server on port B); C: window bits
// 10 both ways (serverMaxWindowBits, clientMaxWindowBits). ws does not
// say whether a message arrived compressed; pings and pongs it reports.
'use strict';

const { WebSocket, WebSocketServer } = require('ws');
const M = require('./script.js');

const IMPL = 'node-ws';
const NO_CONTEXT = { serverNoContextTakeover: true, clientNoContextTakeover: true };
const WINDOW = { serverMaxWindowBits: M.WINDOW_BITS, clientMaxWindowBits: M.WINDOW_BITS };
const DEFLATE = { A: {}, B: NO_CONTEXT, C: WINDOW };

function emit(rep) {
  process.stdout.write('RESULT ' + JSON.stringify(rep.result()) + '\n');
}

// Collects what a WebSocket reports: messages and the close in order,
// pings and pongs on the side.
class Inbox {
  constructor(ws) {
    this.items = [];
    this.wake = null;
    this.pings = [];
    this.pongs = [];
    this.closed = null;
    const push = (item) => { this.items.push(item); if (this.wake) this.wake(); };
    ws.on('message', (data, isBinary) => push({ kind: 'message', data: isBinary ? data : data.toString('utf8') }));
    ws.on('ping', (data) => { this.pings.push(data.toString('utf8')); if (this.wake) this.wake(); });
    ws.on('pong', (data) => { this.pongs.push(data.toString('utf8')); if (this.wake) this.wake(); });
    ws.on('close', (code, reason) => { this.closed = { code, reason: reason.toString('utf8') }; push({ kind: 'close', ...this.closed }); });
    ws.on('error', (err) => push({ kind: 'error', error: err }));
  }

  // Resolves once pred() is true; rejects after the timeout.
  until(pred, what) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { this.wake = null; reject(new Error(`timed out waiting for ${what}`)); }, M.TIMEOUT);
      const check = () => {
        if (pred()) { clearTimeout(timer); this.wake = null; resolve(); }
      };
      this.wake = check;
      check();
    });
  }

  async next(what) {
    await this.until(() => this.items.length > 0, what);
    return this.items.shift();
  }
}

function sendMessage(ws, i, msg) {
  if (i !== 2) { ws.send(msg, { binary: typeof msg !== 'string' }); return; }
  for (let off = 0; off < msg.length; off += M.FRAG) {
    ws.send(msg.subarray(off, off + M.FRAG), { binary: true, fin: off + M.FRAG >= msg.length });
  }
}

function currentStep(rep) { return rep.current(); }

// ---- client -----------------------------------------------------------------------

async function clientConn(url, conn) {
  const rep = new M.Report(IMPL, 'client', conn);
  rep.notObservable('rsv1', 'ws does not say whether a message arrived compressed');
  const ws = new WebSocket(url, { perMessageDeflate: DEFLATE[conn], maxPayload: 64 << 20 });
  const inbox = new Inbox(ws);
  ws.on('upgrade', (res) => { rep.info.extensions = res.headers['sec-websocket-extensions'] || ''; });
  try {
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('opening handshake timed out')), M.TIMEOUT);
      ws.once('open', () => { clearTimeout(timer); resolve(); });
      ws.once('error', (e) => { clearTimeout(timer); reject(e); });
      ws.once('unexpected-response', (req, res) => { clearTimeout(timer); reject(new Error(`HTTP ${res.statusCode}`)); });
    });
  } catch (e) {
    rep.fail('open', e.message);
    emit(rep);
    ws.terminate();
    return;
  }
  rep.ok('open');
  try {
    rep.check('deflate', /permessage-deflate/.test(rep.info.extensions || ''), `extensions "${rep.info.extensions}"`);
    for (let i = 0; i < M.SCRIPT.length; i++) {
      sendMessage(ws, i, M.SCRIPT[i]);
      const item = await inbox.next(`echo ${i + 1}`);
      if (item.kind !== 'message') throw new Error(`${item.kind} ${item.code || item.error || ''} instead of echo ${i + 1}`);
      rep.message(i, item.data);
      if (i === 0) {
        ws.ping(M.CLIENT_PING);
        await inbox.until(() => inbox.pongs.length > 0, 'the pong');
        rep.check('client-ping', inbox.pongs[0] === M.CLIENT_PING, `pong "${inbox.pongs[0]}"`);
      }
    }
    rep.check('server-ping', inbox.pings.includes(M.SERVER_PING), `pings seen: ${JSON.stringify(inbox.pings)}`);
    if (conn !== 'B') ws.close(M.CLOSE_A[0], M.CLOSE_A[1]);
    const item = await inbox.next('the close');
    if (item.kind !== 'close') throw new Error(`${item.kind} instead of the close`);
    if (conn !== 'B') rep.check('close', item.code === M.CLOSE_A[0], `reply ${item.code} "${item.reason}"`);
    else rep.check('close', item.code === M.CLOSE_B[0] && item.reason === M.CLOSE_B[1], `got ${item.code} "${item.reason}"`);
    rep.ok('end'); // ws reports 'close' once the TCP connection is closed
  } catch (e) {
    rep.fail(currentStep(rep), e.message);
  }
  emit(rep);
  ws.terminate();
}

async function client(urls) {
  let ok = true;
  for (const url of urls) {
    const conn = url.replace(/\/$/, '').split('/').pop();
    await clientConn(url, conn);
  }
  return ok;
}

// ---- server -----------------------------------------------------------------------

async function handle(ws, req, conn, extensions) {
  const rep = new M.Report(IMPL, 'server', conn);
  rep.notObservable('rsv1', 'ws does not say whether a message arrived compressed');
  rep.info.extensions = extensions;
  const inbox = new Inbox(ws);
  try {
    rep.check('open', req.url === '/' + conn, `path ${req.url}, want /${conn}`);
    rep.check('deflate', /permessage-deflate/.test(extensions), `extensions "${extensions}"`);
    ws.ping(M.SERVER_PING);
    for (let i = 0; i < M.SCRIPT.length; i++) {
      const item = await inbox.next(`message ${i + 1}`);
      if (item.kind !== 'message') throw new Error(`${item.kind} ${item.code || item.error || ''} instead of message ${i + 1}`);
      rep.message(i, item.data);
      if (i === 1) {
        rep.check('server-ping', inbox.pongs.includes(M.SERVER_PING), `pongs before the second message: ${JSON.stringify(inbox.pongs)}`);
        rep.check('client-ping', inbox.pings.includes(M.CLIENT_PING), `pings before the second message: ${JSON.stringify(inbox.pings)}`);
      }
      sendMessage(ws, i, item.data);
    }
    if (conn === 'B') ws.close(M.CLOSE_B[0], M.CLOSE_B[1]);
    const item = await inbox.next('the close');
    if (item.kind !== 'close') throw new Error(`${item.kind} instead of the close`);
    if (conn !== 'B') rep.check('close', item.code === M.CLOSE_A[0] && item.reason === M.CLOSE_A[1], `got ${item.code} "${item.reason}"`);
    else rep.check('close', item.code === M.CLOSE_B[0], `reply ${item.code} "${item.reason}"`);
    rep.ok('end');
  } catch (e) {
    rep.fail(currentStep(rep), e.message);
  }
  emit(rep);
  ws.terminate();
}

async function server() {
  const done = [];
  const ports = [];
  for (const conn of M.CONNS) {
    const wss = new WebSocketServer({
      host: '127.0.0.1', port: 0, perMessageDeflate: DEFLATE[conn], maxPayload: 64 << 20,
    });
    let extensions = '';
    wss.on('headers', (headers) => {
      const h = headers.find((line) => /^sec-websocket-extensions:/i.test(line));
      extensions = h ? h.replace(/^[^:]*:\s*/, '') : '';
    });
    done.push(new Promise((resolve) => {
      wss.once('connection', (ws, req) => handle(ws, req, conn, extensions).then(() => { wss.close(); resolve(); }));
    }));
    await new Promise((resolve) => wss.once('listening', resolve));
    ports.push(wss.address().port);
  }
  process.stdout.write(`READY ${ports.join(' ')}\n`);
  const timer = setTimeout(() => { console.error('ws_peer: server timed out'); process.exit(1); }, 6 * M.TIMEOUT);
  await Promise.all(done);
  clearTimeout(timer);
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'client' && args.length) client(args).then(() => process.exit(0));
else if (mode === 'server') server().then(() => process.exit(0));
else { console.error('usage: ws_peer.js client URL... | server'); process.exit(2); }
