// Abuse limits and retry safety: connections per address, publish rate per connection, and
// deduplicated retries (REST Idempotency-Key, WebSocket client_id + ref).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startHerald, connectWsWelcomed, getJson, waitFor } from '../lib/herald.mjs';

let node;
before(async () => {
  node = await startHerald({ config: { limits: { max_publishes_per_second: 2, publish_burst: 2 } } });
});
after(async () => { await node.stop(); });

const connectTo = (target) => rawConnect(target);

function rawConnect(target = node) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(target.port, target.host, () => resolve(socket));
    socket.on('error', reject);
  });
}

// Sends raw bytes and collects everything until the server closes or `until` matches.
function exchange(socket, bytes, until) {
  return new Promise((resolve) => {
    let text = '';
    socket.on('data', (d) => { text += d.toString(); if (until && until.test(text)) resolve(text); });
    socket.on('close', () => resolve(text));
    if (bytes) socket.write(bytes);
  });
}

test('a fourth connection from one address is refused with 503 too_many_connections', async () => {
  const limited = await startHerald({ config: { server: { max_connections_per_ip: 3 } } });
  try {
  const rawConnect = () => connectTo(limited);
  // A connect resolves when the kernel completes the handshake, before the node accepts; a
  // request answered on each proves the node counted it (loops accept in parallel).
  const accepted = async () => {
    const socket = await rawConnect();
    await new Promise((resolve) => {
      let text = '';
      const onData = (d) => {
        text += d.toString();
        if (/\{"status":"ok"\}/.test(text)) { socket.off('data', onData); resolve(); }
      };
      socket.on('data', onData);
      socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    });
    return socket;
  };
  const held = [await accepted(), await accepted(), await accepted()];
  const fourth = await rawConnect();
  const reply = await exchange(fourth);
  assert.match(reply, /^HTTP\/1\.1 503 /);
  const [head, body] = reply.split('\r\n\r\n');
  const length = Number(/Content-Length: (\d+)/i.exec(head)[1]);
  assert.equal(Buffer.byteLength(body), length, 'the whole refusal arrives');
  assert.equal(JSON.parse(body).error.code, 'too_many_connections');
  held[0].destroy();
  // The slot comes back when the connection closes.
  await waitFor(async () => {
    const again = await rawConnect();
    const text = await exchange(again, 'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    return text.startsWith('HTTP/1.1 200');
  }, { timeoutMs: 15_000, message: 'a freed slot admits a new connection' });
  for (const s of held) s.destroy();
  await waitFor(async () => {
    const socket = await rawConnect();
    const text = await exchange(socket, 'GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    return /herald_connections_refused_total [1-9]/.test(text);
  }, { timeoutMs: 15_000, message: 'the refusal is counted' });
  } finally {
    await limited.stop();
  }
});

test('REST publishes over the per-connection rate get 429 rate_limited with Retry-After', async () => {
  const socket = await rawConnect();
  const post = (i) => `POST /api/publish/limits/rate HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\n${i}`;
  const text = await exchange(socket, post(1) + post(2) + post(3), /rate_limited[\s\S]*\}\}/);
  socket.destroy();
  const statuses = [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => m[1]);
  assert.deepEqual(statuses, ['200', '200', '429']);
  assert.match(text, /Retry-After: 1/);
});

test('WebSocket publishes over the rate get an error rate_limited; the connection stays', async () => {
  const ws = await connectWsWelcomed(node.url);
  for (const ref of ['a', 'b', 'c']) ws.send({ type: 'publish', topic: 'limits/ws', data: ref, ref });
  assert.equal((await ws.nextType('published')).ref, 'a');
  assert.equal((await ws.nextType('published')).ref, 'b');
  const error = await ws.nextType('error');
  assert.equal(error.code, 'rate_limited');
  assert.equal(error.ref, 'c');
  await ws.close();
});

test('a REST publish retried with the same Idempotency-Key gets the original id, once', async () => {
  const publishOnce = () => fetch(`${node.url}/api/publish/limits/idem`, {
    method: 'POST', body: '{"order":7}', headers: { 'Idempotency-Key': 'order-7' },
  }).then((r) => r.json());
  const first = await publishOnce();
  await new Promise((r) => setTimeout(r, 1100));  // a new token for the rate limiter
  const retry = await publishOnce();
  assert.equal(retry.id, first.id);
  const history = await getJson(`${node.url}/api/history/limits/idem`);
  assert.equal(history.body.items.length, 1, 'the retry published nothing');
});

test('a WebSocket publish retried with the same client_id and ref gets the original id', async () => {
  const ws = await connectWsWelcomed(node.url);
  ws.send({ type: 'publish', topic: 'limits/wsidem', data: 1, ref: 'r1', client_id: 'dev-9' });
  const first = await ws.nextType('published');
  ws.send({ type: 'publish', topic: 'limits/wsidem', data: 1, ref: 'r1', client_id: 'dev-9' });
  const again = await ws.nextType('published');
  assert.equal(again.id, first.id);
  await ws.close();
  const history = await getJson(`${node.url}/api/history/limits/wsidem`);
  assert.equal(history.body.items.length, 1);
});

test('an oversize request target is refused with 414 and counted', async () => {
  const res = await fetch(`${node.url}/${'a'.repeat(9000)}`);
  assert.equal(res.status, 414);
  const metrics = await (await fetch(`${node.url}/metrics`)).text();
  assert.match(metrics, /herald_http_requests_refused_total [1-9]/);
});

test('thousands of pipelined requests on one connection are all answered', async () => {
  const socket = await rawConnect();
  const count = 20_000;
  const done = new Promise((resolve) => {
    let seen = 0;
    let tail = '';
    socket.on('data', (d) => {
      const text = tail + d.toString();
      seen += (text.match(/HTTP\/1\.1 200 /g) || []).length;
      tail = text.slice(-16);  // a status line split across chunks is counted once
      seen -= (tail.match(/HTTP\/1\.1 200 /g) || []).length;
      if (seen + (tail.match(/HTTP\/1\.1 200 /g) || []).length >= count) resolve(count);
    });
    socket.on('close', () => resolve(seen));
  });
  socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(count));
  assert.equal(await done, count);
  socket.destroy();
  assert.equal((await fetch(`${node.url}/healthz`)).status, 200, 'the node is still up');
});
