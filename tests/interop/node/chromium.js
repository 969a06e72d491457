#!/usr/bin/env node
// The headless Chromium client of the interop matrix:
//
//   node chromium.js ws://127.0.0.1:PA/A ws://127.0.0.1:PB/B
//
// Serves page.html (and script.js) over HTTP on 127.0.0.1, starts Debian's
// chromium headless on that page with a fresh profile, and prints the
// RESULT lines the page POSTs back (one per connection). The browser is
// stopped (its whole process group) once the page says it is done, or
// after a timeout. CHROMIUM overrides the browser's path.
'use strict';

const { spawn } = require('child_process');
const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const TOTAL_TIMEOUT = 50000;
// Without the background-networking flags Chromium reaches for the network
// at start, which this machine's closed network refuses.
const FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-default-apps', '--disable-extensions', '--mute-audio', '--no-default-browser-check',
];

const urls = process.argv.slice(2);
if (!urls.length) {
  console.error('usage: chromium.js ws://127.0.0.1:PA/A ws://127.0.0.1:PB/B');
  process.exit(2);
}
if (!fs.existsSync(CHROMIUM)) {
  console.error(`chromium.js: ${CHROMIUM} is missing (Debian package chromium)`);
  process.exit(1);
}

const files = {
  '/': ['page.html', 'text/html; charset=utf-8'],
  '/script.js': ['script.js', 'text/javascript; charset=utf-8'],
};
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'libws-interop-chromium-'));
let browser = null;
let finished = false;

function finish(code) {
  if (finished) return;
  finished = true;
  if (browser && browser.exitCode === null) {
    try { process.kill(-browser.pid, 'SIGKILL'); } catch (_) { /* gone */ }
  }
  setTimeout(() => {
    fs.rmSync(profile, { recursive: true, force: true });
    process.exit(code);
  }, 200);
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://127.0.0.1');
  if (req.method === 'GET' && files[url.pathname]) {
    const [file, type] = files[url.pathname];
    res.writeHead(200, { 'Content-Type': type, 'Cache-Control': 'no-store' });
    res.end(fs.readFileSync(path.join(__dirname, file)));
    return;
  }
  if (req.method !== 'POST') {
    res.writeHead(404);
    res.end();
    return;
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    res.writeHead(204);
    res.end();
    if (url.pathname === '/result') process.stdout.write('RESULT ' + body + '\n');
    else if (url.pathname === '/log') console.error('page: ' + body);
    else if (url.pathname === '/done') finish(0);
  });
});

server.listen(0, '127.0.0.1', () => {
  const q = new URLSearchParams();
  for (const u of urls) q.set(u.replace(/\/$/, '').split('/').pop(), u);
  const page = `http://127.0.0.1:${server.address().port}/?${q}`;
  browser = spawn(CHROMIUM, [...FLAGS, `--user-data-dir=${profile}`, page], {
    detached: true, // its own process group, so that its helpers go with it
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  browser.stderr.on('data', (d) => {
    // Chromium is chatty (dbus, GPU); keep only what looks like ours.
    for (const line of d.toString().split('\n')) if (/websocket|interop|FATAL/i.test(line)) console.error('chromium: ' + line);
  });
  browser.on('exit', (code, sig) => {
    if (!finished) {
      console.error(`chromium.js: the browser exited early (${code ?? sig})`);
      finish(1);
    }
  });
});

setTimeout(() => {
  console.error('chromium.js: timed out');
  finish(1);
}, TOTAL_TIMEOUT);
