// WebSocket clients that misuse the protocol: one that pings (or errs) and never reads is closed
// at the queue limit like a slow consumer; a filter repeated in one subscribe counts once;
// publish retry keys of different (client_id, ref) pairs never collide; a refused publish's
// error names its ref.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import {
  startHerald, connectWsWelcomed, getJson, metric, publish, waitFor,
} from '../lib/herald.mjs';
import { OP, encodeFrame, rawHandshake } from '../lib/ws_frames.mjs';

let node;
before(async () => {
  node = await startHerald({
    config: {
      limits: {
        max_message_bytes: 1024, max_queue_bytes: 8192, max_unsent_socket_bytes: 4096,
        max_subscriptions: 2,
      },
    },
  });
});
after(async () => { await node?.stop(); });

const wsConnections = async () =>
  (await metric(node.url, 'herald_connections{protocol="websocket"}')) ?? 0;

for (const [what, frame] of [
  ['pings', encodeFrame({ opcode: OP.PING, payload: Buffer.alloc(125, 7) })],
  ['malformed messages', encodeFrame({ opcode: OP.TEXT, payload: '[]' })],
]) {
  test(`a client that sends ${what} and never reads is closed at the queue limit`, async () => {
    const client = await rawHandshake(node.port);
    await client.frames.next();  // welcome
    client.socket.pause();
    const overflowsBefore = (await metric(node.url, 'herald_queue_overflows_total')) ?? 0;
    const openBefore = await wsConnections();
    // 20,000 answers of 80-127 bytes: far more than the queue, the socket and the client's
    // receive buffer hold together.
    for (let i = 0; i < 20; i++) client.send(Buffer.concat(Array(1000).fill(frame)));
    await waitFor(async () => (await metric(node.url, 'herald_queue_overflows_total')) > overflowsBefore,
      { timeoutMs: 10_000, message: 'a queue overflow' });
    await waitFor(async () => (await wsConnections()) < openBefore,
      { timeoutMs: 10_000, message: 'the node to close the client' });
    client.socket.destroy();
  });
}

test('a filter repeated in one subscribe is one subscription, started once', async () => {
  const { id } = await publish(node.url, 'rep/a', '{"n":1}');
  const ws = await connectWsWelcomed(node.url);
  try {
    // Two distinct filters are the limit here; the repeats must not count.
    ws.send({ type: 'subscribe', topics: ['rep/#', 'rep/#', 'other', 'rep/#'] });
    const reply = await ws.next((m) => m.type === 'subscribed' || m.type === 'error');
    assert.deepEqual(reply, { type: 'subscribed', topics: ['rep/#', 'other'] });
    const first = await ws.nextType('event');
    assert.equal(first.id, id);
    ws.send({ type: 'publish', topic: 'x/marker', data: 1, ref: 'marker' });
    await ws.nextType('published');
    assert.equal(ws.inbox.all.filter((m) => m.type === 'event').length, 1, 'the row came once');
  } finally {
    await ws.close();
  }
});

test('publish retries of different (client_id, ref) pairs are different publishes', async () => {
  const ws = await connectWsWelcomed(node.url);
  try {
    ws.send({ type: 'publish', topic: 'keys/a', data: 1, client_id: 'app:1', ref: '7' });
    const one = await ws.nextType('published');
    ws.send({ type: 'publish', topic: 'keys/a', data: 2, client_id: 'app', ref: '1:7' });
    const two = await ws.nextType('published');
    assert.notEqual(two.id, one.id);
    const history = await getJson(`${node.url}/api/history/keys/a`);
    assert.equal(history.body.items.length, 2);
  } finally {
    await ws.close();
  }
});

test('a publish refused as malformed gets an error carrying its ref', async () => {
  const ws = await connectWsWelcomed(node.url);
  try {
    ws.sendRaw('{"type":"publish","topic":"refs/a","ref":"r1"}');
    const missing = await ws.nextType('error');
    assert.equal(missing.code, 'bad_message');
    assert.equal(missing.ref, 'r1');
    ws.sendRaw('{"type":"publish","topic":"refs/a","data":1,"retain":"no","ref":"r2"}');
    const wrongType = await ws.nextType('error');
    assert.equal(wrongType.ref, 'r2');
    ws.sendRaw('{"type":"publish","ref":"r3",');  // not JSON: no ref to name
    const notJson = await ws.nextType('error');
    assert.equal(notJson.code, 'bad_json');
    assert.equal(notJson.ref, undefined);
  } finally {
    await ws.close();
  }
});

// Publishes `count` retained rows of 1.5 KB under `prefix`/<i> and waits for the last.
async function publishRows(target, prefix, count) {
  const publisher = await connectWsWelcomed(target.url);
  for (let i = 0; i < count; i++) {
    publisher.send({ type: 'publish', topic: `${prefix}/${i}`, data: 'y'.repeat(1500), ref: `p${i}` });
  }
  await publisher.nextType('published', (m) => m.ref === `p${count - 1}`, 20_000);
  await publisher.close();
}

test('a client re-subscribing without reading its start holds bounded memory', async () => {
  // Default limits: a 2 MiB queue, so the replies to 20,000 subscribes (under 1 MiB) do not
  // close the client by themselves. 2,000 rows of 1.5 KB: one start is more than half the
  // queue, so it waits for the client to read.
  const big = await startHerald();
  try {
    await publishRows(big, 'big', 2000);

    const rss = () => Number(/VmRSS:\s+(\d+) kB/.exec(
      fs.readFileSync(`/proc/${big.proc.pid}/status`, 'utf8'))[1]) * 1024;
    const client = await rawHandshake(big.port);
    await client.frames.next();  // welcome
    client.socket.pause();
    const subscribe = encodeFrame({ opcode: OP.TEXT, payload: '{"type":"subscribe","topics":["big/#"]}' });
    client.send(subscribe);
    await new Promise((r) => setTimeout(r, 200));
    const before = rss();
    // Each repeat would queue another 2,000-event start (32 KB of pointers) behind the first:
    // 640 MB for 20,000 of them.
    for (let i = 0; i < 20; i++) client.send(Buffer.concat(Array(1000).fill(subscribe)));
    await new Promise((r) => setTimeout(r, 1500));
    const grown = rss() - before;
    assert.ok(grown < 48 * 1024 * 1024, `the node grew by ${grown} bytes for one client`);
    client.socket.destroy();
  } finally {
    await big.stop();
  }
});

test('a client reading a long start slowly is not dropped for silence while its messages wait', async () => {
  // Pings every 200 ms: a client unheard for 500 ms is dropped. The start below takes the
  // client about 2 s to read, and the node does not read from it meanwhile.
  const slow = await startHerald({ config: { timeouts: { ws_ping_ms: 200 } } });
  try {
    await publishRows(slow, 'long', 2000);

    const client = await rawHandshake(slow.port);
    await client.frames.next();  // welcome
    client.send(encodeFrame({ opcode: OP.TEXT, payload: '{"type":"subscribe","topics":["long/#"]}' }));
    // Read in short bursts with long pauses, answering pings as a browser would; the node
    // reads none of the pongs until the start is queued.
    let events = 0;
    let pinged = 0;
    const deadline = Date.now() + 20_000;
    while (events < 2000 && Date.now() < deadline && !client.socket.destroyed) {
      client.socket.pause();
      await new Promise((r) => setTimeout(r, 300));
      client.socket.resume();
      await new Promise((r) => setTimeout(r, 20));
      const pings = client.frames.all.filter((f) => f.opcode === OP.PING).length;
      for (; pinged < pings; pinged++) client.send(encodeFrame({ opcode: OP.PONG }));
      events = client.frames.all.filter((f) => f.opcode === OP.TEXT && f.text.includes('"type":"event"')).length;
    }
    assert.equal(events, 2000, 'the whole start arrived');
    assert.ok(!client.frames.all.some((f) => f.opcode === OP.CLOSE), 'not closed for silence');
    client.socket.destroy();
  } finally {
    await slow.stop();
  }
});

test('retry keys over 256 bytes are refused, so the remembered keys stay small', async () => {
  const rest = await fetch(`${node.url}/api/publish/keys/long`, {
    method: 'POST', body: '1', headers: { 'Idempotency-Key': 'k'.repeat(257) },
  });
  assert.equal(rest.status, 400);
  assert.equal((await rest.json()).error.code, 'invalid_idempotency_key');
  const atLimit = await fetch(`${node.url}/api/publish/keys/long`, {
    method: 'POST', body: '1', headers: { 'Idempotency-Key': 'k'.repeat(256) },
  });
  assert.equal(atLimit.status, 200);

  const ws = await connectWsWelcomed(node.url);
  try {
    ws.send({ type: 'publish', topic: 'keys/long', data: 1, client_id: 'c'.repeat(251), ref: 'r-long' });
    const error = await ws.next((m) => m.type === 'error' || m.type === 'published');
    assert.equal(error.type, 'error');
    assert.equal(error.code, 'bad_message');
    assert.equal(error.ref, 'r-long');
    ws.send({ type: 'publish', topic: 'keys/long', data: 1, client_id: 'c'.repeat(251), ref: 'r' });
    assert.equal((await ws.next((m) => m.type === 'error' || m.type === 'published')).type, 'published');
  } finally {
    await ws.close();
  }
});
