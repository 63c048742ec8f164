// Per-topic-filter policies from [[policies]] in the config: transient by default, a payload
// limit, history depth, and the "conflate" slow-consumer policy with its gap notice.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHerald, connectWsWelcomed, connectWsSubscribed, getJson } from '../lib/herald.mjs';

const CONFIG = `
[limits]
max_message_bytes = 4096
max_queue_bytes = 16384

[[policies]]
filter = "typing/#"
transient = true
max_payload_bytes = 16

[[policies]]
filter = "quotes/#"
history_depth = 3
slow_consumer = "conflate"
`;

let node;
before(async () => { node = await startHerald({ config: CONFIG }); });
after(async () => { await node.stop(); });

const post = (topic, body, query = '') =>
  fetch(`${node.url}/api/publish/${topic}${query}`, { method: 'POST', body });

test('a transient policy keeps publishes out of the state unless retain is asked for', async () => {
  assert.equal((await post('typing/u1', 'on')).status, 200);
  const empty = await getJson(`${node.url}/api/state/typing%2F%23`);
  assert.deepEqual(empty.body.items, [], 'a transient publish does not enter the state');
  assert.equal((await post('typing/u2', 'on', '?retain=true')).status, 200);
  const state = await getJson(`${node.url}/api/state/typing%2F%23`);
  assert.deepEqual(state.body.items.map((i) => i.topic), ['typing/u2']);

  const ws = await connectWsWelcomed(node.url);
  ws.send({ type: 'publish', topic: 'typing/u3', data: 'on', ref: 'a' });
  await ws.nextType('published');
  const after = await getJson(`${node.url}/api/state/typing%2F%23`);
  assert.deepEqual(after.body.items.map((i) => i.topic), ['typing/u2'], 'WebSocket default too');
  await ws.close();
});

test('a policy payload limit refuses larger publishes on REST and WebSocket', async () => {
  const res = await post('typing/u1', 'x'.repeat(17));
  assert.equal(res.status, 413);
  assert.equal((await res.json()).error.code, 'payload_too_large');
  assert.equal((await post('other/t', 'x'.repeat(17))).status, 200, 'other topics keep the node limit');
  const ws = await connectWsWelcomed(node.url);
  ws.send({ type: 'publish', topic: 'typing/u1', data: 'x'.repeat(17), ref: 'big' });
  const error = await ws.nextType('error');
  assert.equal(error.code, 'payload_too_large');
  await ws.close();
});

test('a policy history depth keeps the newest events of each topic', async () => {
  for (let i = 1; i <= 5; i++) assert.equal((await post('quotes/DEPTH', `{"p":${i}}`)).status, 200);
  const page = await getJson(`${node.url}/api/history/quotes%2FDEPTH`);
  assert.deepEqual(page.body.items.map((i) => i.data.p), [3, 4, 5]);
  assert.equal(page.body.complete, false);
});

test('a conflating subscriber that falls behind gets a gap notice and the newest events', async () => {
  const slow = await connectWsSubscribed(node.url, ['quotes/C1', 'quotes/C2']);
  slow.ws._socket.pause();  // stop reading: the kernel buffers fill, then Herald's queue

  const publisher = await connectWsWelcomed(node.url);
  const pad = 'p'.repeat(3000);
  const total = 4000;
  for (let i = 1; i <= total; i++) {
    const topic = i % 2 ? 'quotes/C1' : 'quotes/C2';
    publisher.send({ type: 'publish', topic, data: { i, pad }, retain: false, ...(i === total ? { ref: 'last' } : {}) });
  }
  const last = await publisher.nextType('published', (m) => m.ref === 'last', 20_000);
  await publisher.close();

  slow.ws._socket.resume();
  const lastSeq = BigInt(last.id.split(':')[1]);
  let gap;
  const newest = new Map();
  for (;;) {
    const m = await slow.next((x) => x.type === 'event' || x.type === 'gap', 20_000);
    if (m.type === 'gap') { gap = m; continue; }
    newest.set(m.topic, m.data.i);
    if (BigInt(m.id.split(':')[1]) === lastSeq) break;
  }
  assert.ok(gap, 'a gap notice arrived');
  assert.ok(gap.skipped_count > 0);
  assert.ok(gap.skipped.length > 0 && gap.skipped.length <= gap.skipped_count);
  assert.equal(newest.get('quotes/C2'), total, 'the newest event of each topic arrives');
  assert.equal(newest.get('quotes/C1'), total - 1);
  assert.equal(slow.ws.readyState, 1, 'the conflating subscriber stays connected');
  await slow.close();
});
