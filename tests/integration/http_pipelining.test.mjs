// HTTP/1.1 pipelining against clients that misbehave: one that never reads its responses holds
// bounded memory and still gets every response once it reads; one that asked to close and
// does not read is closed; a refused stream does not swallow the requests behind it; HEAD
// and HTTP/1.0 keep-alive get well-formed answers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import { startHerald, waitFor } from '../lib/herald.mjs';

let node;
before(async () => {
  node = await startHerald({ config: { timeouts: { handshake_timeout_ms: 3000 } } });
  const row = JSON.stringify({ filler: 'x'.repeat(32 * 1024) });
  const answer = await rawRequest(`POST /api/publish/pipe/big HTTP/1.1\r\nHost: x\r\n` +
    `Content-Length: ${row.length}\r\nConnection: close\r\n\r\n${row}`);
  assert.match(answer, /^HTTP\/1\.1 200 /);
});
after(async () => { await node?.stop(); });

const rssBytes = () => {
  const status = fs.readFileSync(`/proc/${node.proc.pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)[1]) * 1024;
};

function rawConnect() {
  return new Promise((resolve, reject) => {
    const socket = net.connect(node.port, node.host, () => resolve(socket));
    socket.on('error', reject);
  });
}

// One request on a connection of its own that closes after the answer. This file uses no
// fetch: its pooled keep-alive connections would blur the node's connection count.
async function rawRequest(bytes) {
  const socket = await rawConnect();
  let text = '';
  socket.on('data', (d) => { text += d.toString(); });
  await new Promise((resolve) => {
    socket.on('close', resolve);
    socket.write(bytes);
  });
  return text;
}

// The open HTTP connections the node counts, but for the one asking.
async function httpConnections() {
  const text = await rawRequest('GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  return Number(/herald_connections\{protocol="http"\} (\d+)/.exec(text)[1]) - 1;
}

const countMatches = (text, re) => (text.match(re) || []).length;

test('a client pipelining without reading holds bounded memory, then gets every response', async () => {
  const count = 4000;  // 4,000 × 32 KiB = 128 MiB of responses, were they all queued
  const socket = await rawConnect();
  socket.pause();
  const before = rssBytes();
  socket.write('GET /api/state/pipe/big HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(count));
  await new Promise((r) => setTimeout(r, 1000));  // under the handshake timeout: no 408 yet
  const grown = rssBytes() - before;
  assert.ok(grown < 32 * 1024 * 1024, `the node grew by ${grown} bytes for one stuck client`);
  assert.match(await rawRequest('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'),
    /^HTTP\/1\.1 200 /, 'others are still served');

  // Reading again, the client gets all of them.
  let seen = 0;
  let tail = '';
  const done = new Promise((resolve) => {
    socket.on('data', (d) => {
      const text = tail + d.toString('latin1');
      seen += countMatches(text, /HTTP\/1\.1 200 /g) - countMatches(tail, /HTTP\/1\.1 200 /g);
      tail = text.slice(-15);
      if (seen >= count) resolve();
    });
    socket.on('close', resolve);
  });
  socket.resume();
  await done;
  assert.equal(seen, count);
  socket.destroy();
});

test('a client that asked to close and does not read is closed by the node', async () => {
  const socket = await rawConnect();
  socket.pause();
  await waitFor(async () => (await httpConnections()) === 1, { message: 'only this client' });
  // Enough responses to fill the kernel's buffers, then a request that closes, then garbage.
  socket.write('GET /api/state/pipe/big HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(200) +
    'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET /heal');
  await waitFor(async () => (await httpConnections()) === 0,
    { timeoutMs: 20_000, message: 'the node to close the stuck closing connection' });
  socket.destroy();
});

test('a refused event stream leaves the pipelined requests behind it to be answered', async () => {
  const socket = await rawConnect();
  let text = '';
  socket.on('data', (d) => { text += d.toString(); });
  socket.write('GET /events HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
  await waitFor(() => countMatches(text, /HTTP\/1\.1 /g) >= 2,
    { message: 'both requests to be answered' });
  assert.match(text, /^HTTP\/1\.1 400 [^]*"invalid_filter"[^]*HTTP\/1\.1 200 /);
  socket.destroy();
});

test('a 408 after a HEAD request carries the body its Content-Length announces', async () => {
  const socket = await rawConnect();
  let text = '';
  socket.on('data', (d) => { text += d.toString(); });
  const closed = new Promise((resolve) => socket.on('close', resolve));
  socket.write('HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /heal');
  await closed;
  const at = text.indexOf('HTTP/1.1 408 ');
  assert.ok(at > 0, `a 408 after the HEAD answer; got:\n${text}`);
  const response = text.slice(at);
  const length = Number(/content-length: (\d+)/i.exec(response)[1]);
  const body = response.slice(response.indexOf('\r\n\r\n') + 4);
  assert.equal(Buffer.byteLength(body), length);
  assert.match(body, /"request_timeout"/);
});

test('an HTTP/1.0 keep-alive request is told the connection stays open', async () => {
  const socket = await rawConnect();
  let text = '';
  socket.on('data', (d) => { text += d.toString(); });
  socket.write('GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
  await waitFor(() => /\r\n\r\n[^]+/.test(text), { message: 'a response' });
  assert.match(text, /^HTTP\/1\.1 200 [^]*\r\nConnection: keep-alive\r\n/i);
  socket.write('GET /healthz HTTP/1.0\r\n\r\n');  // no keep-alive: answered, then closed
  await new Promise((resolve) => socket.on('close', resolve));
  assert.equal(countMatches(text, /HTTP\/1\.1 200 /g), 2);
  assert.match(text.slice(text.lastIndexOf('HTTP/1.1 200 ')), /\r\nConnection: close\r\n/i);
});
