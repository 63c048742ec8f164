// Server-Sent Events against a real herald, over raw HTTP (exact wire lines) and with the
// `eventsource` package: headers, state then live, since / Last-Event-ID resume, reset,
// several filters, heartbeats, query decoding.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startHerald, publish, openSse, sseJson, parseId, curl, Inbox, EventSource, ID_RE, core,
} from '../lib/herald.mjs';

const q = encodeURIComponent;

// Checks the wire shape of one message event and returns its JSON body.
function messageBody(ev) {
  assert.equal(ev.event, undefined, `a data event has no event: field (${JSON.stringify(ev)})`);
  assert.equal(ev.dataLines.length, 1, `exactly one data: line (${JSON.stringify(ev)})`);
  const body = core(sseJson(ev));
  assert.match(body.id, ID_RE);
  assert.equal(ev.id, body.id, 'id: line equals the envelope id');
  return body;
}

// Reads message events until one with `lastId`; returns their bodies.
async function readThrough(sse, lastId, ms = 5_000) {
  const out = [];
  for (;;) {
    const body = messageBody(await sse.nextMessage(() => true, ms));
    out.push(body);
    if (body.id === lastId) return out;
  }
}

function openEventSource(url, headers) {
  const es = new EventSource(url, headers ? { headers } : undefined);
  const inbox = new Inbox();
  es.onmessage = (e) => inbox.push({ kind: 'message', lastEventId: e.lastEventId, body: JSON.parse(e.data) });
  es.addEventListener('reset', () => inbox.push({ kind: 'reset' }));
  es.onerror = (e) => inbox.push({ kind: 'error', status: e.status, message: e.message });
  return { es, inbox, close: () => es.close() };
}

describe('SSE on a default node', () => {
  let node;
  before(async () => { node = await startHerald(); });
  after(async () => { await node?.stop(); });

  test('headers come at once: text/event-stream, no-cache, X-Accel-Buffering: no, and retry:', async () => {
    const sse = await openSse(`${node.url}/events?topic=${q('hdr/#')}`, { timeoutMs: 2_000 });
    try {
      assert.equal(sse.status, 200);
      assert.match(sse.headers['content-type'], /^text\/event-stream/);
      assert.match(sse.headers['cache-control'] ?? '', /no-cache/);
      assert.equal(sse.headers['x-accel-buffering'], 'no');
      assert.equal(sse.headers['content-length'], undefined, 'a stream has no Content-Length');
      const retry = await sse.lines.next((l) => l.startsWith('retry:'), 2_000);
      assert.match(retry, /^retry: ?\d+$/);
      assert.ok(Number(retry.split(':')[1]) > 0);
    } finally {
      sse.close();
    }
  });

  test('state first (increasing seq, one id each), then live', async () => {
    await publish(node.url, 's2/a', '{"v":1}');
    const b = await publish(node.url, 's2/b', 'text');
    const a = await publish(node.url, 's2/a', '{"v":3}');
    await publish(node.url, 's2x/a', '0');
    const sse = await openSse(`${node.url}/events?topic=${q('s2/#')}`);
    try {
      const state = await readThrough(sse, a.id);
      assert.deepEqual(state, [
        { topic: 's2/b', id: b.id, data: 'text' },
        { topic: 's2/a', id: a.id, data: { v: 3 } },
      ]);
      const c = await publish(node.url, 's2/c', '[1,2]');
      await publish(node.url, 's2x/b', '0');
      const d = await publish(node.url, 's2/a/deep', '"d"');
      const live = await readThrough(sse, d.id);
      assert.deepEqual(live, [
        { topic: 's2/c', id: c.id, data: [1, 2] },
        { topic: 's2/a/deep', id: d.id, data: 'd' },
      ]);
      assert.equal(sse.events.all.filter((e) => e.event === 'reset').length, 0, 'no reset');
    } finally {
      sse.close();
    }
  });

  test('non-UTF-8 payloads arrive as data_b64; deletions arrive live', async () => {
    // A state row first: once it arrives the subscription is live (state, then live, no gap).
    const prime = await publish(node.url, 'bin/prime', '0');
    const sse = await openSse(`${node.url}/events?topic=${q('bin/#')}`);
    try {
      await readThrough(sse, prime.id);
      const bytes = Buffer.from([0xff, 0x00, 0xfe]);
      const res = await curl(`${node.url}/api/publish/bin/a`, { method: 'POST', data: bytes });
      const body = messageBody(await sse.nextMessage());
      assert.deepEqual(body, { topic: 'bin/a', id: res.json().id, data_b64: bytes.toString('base64') });
      const del = await publish(node.url, 'bin/a', '');
      const gone = messageBody(await sse.nextMessage());
      assert.equal(gone.id, del.id);
      assert.equal(gone.topic, 'bin/a');
    } finally {
      sse.close();
    }
  });

  test('since: exactly the missed events in order, then live', async () => {
    const ids = [];
    for (let i = 1; i <= 4; i++) {
      ids.push((await publish(node.url, `s3/${i % 2}`, String(i))).id);
      await publish(node.url, 's3x/other', String(i));
    }
    const sse = await openSse(`${node.url}/events?topic=${q('s3/#')}&since=${q(ids[0])}`);
    try {
      const missed = await readThrough(sse, ids[3]);
      assert.deepEqual(missed.map((e) => e.id), ids.slice(1));
      assert.deepEqual(missed.map((e) => e.data), [2, 3, 4]);
      const live = await publish(node.url, 's3/1', '5');
      assert.equal(messageBody(await sse.nextMessage()).id, live.id);
      assert.equal(sse.events.all.filter((e) => e.event === 'reset').length, 0, 'no reset');
    } finally {
      sse.close();
    }
  });

  test('since at the head of the log: nothing, then live', async () => {
    const head = await publish(node.url, 's4/a', '1');
    const sse = await openSse(`${node.url}/events?topic=${q('s4/#')}&since=${q(head.id)}`);
    try {
      await sse.lines.next((l) => l.startsWith('retry:'));
      const next = await publish(node.url, 's4/a', '2');
      const first = messageBody(await sse.nextMessage());
      assert.equal(first.id, next.id, 'the first event after since=head is the next live one');
    } finally {
      sse.close();
    }
  });

  test('since with the eventsource package', async () => {
    const ids = [];
    for (let i = 1; i <= 3; i++) ids.push((await publish(node.url, 's5/a', String(i))).id);
    const client = openEventSource(`${node.url}/events?topic=${q('s5/#')}&since=${q(ids[0])}`);
    try {
      const got = await client.inbox.take(2);
      assert.deepEqual(got.map((m) => [m.kind, m.lastEventId, m.body.id, m.body.data]),
        [['message', ids[1], ids[1], 2], ['message', ids[2], ids[2], 3]]);
      const live = await publish(node.url, 's5/a', '4');
      const m = await client.inbox.next();
      assert.equal(m.kind, 'message');
      assert.equal(m.body.id, live.id);
    } finally {
      client.close();
    }
  });

  test('Last-Event-ID overrides since (raw and eventsource)', async () => {
    const ids = [];
    for (let i = 1; i <= 4; i++) ids.push((await publish(node.url, 's6/a', String(i))).id);
    const url = `${node.url}/events?topic=${q('s6/#')}&since=${q(ids[0])}`;
    const sse = await openSse(url, { headers: { 'Last-Event-ID': ids[2] } });
    try {
      const got = await readThrough(sse, ids[3]);
      assert.deepEqual(got.map((e) => e.id), [ids[3]]);
    } finally {
      sse.close();
    }
    const client = openEventSource(url, { 'Last-Event-ID': ids[1] });
    try {
      const got = await client.inbox.take(2);
      assert.deepEqual(got.map((m) => m.body?.id), [ids[2], ids[3]]);
    } finally {
      client.close();
    }
  });

  test('reset for an unknown epoch: event: reset, then current state, then live', async () => {
    const a = await publish(node.url, 'r1/a', '1');
    const b = await publish(node.url, 'r1/b', '2');
    const sse = await openSse(`${node.url}/events?topic=${q('r1/#')}&since=${q('noSuchEpoch:1')}`);
    try {
      const reset = await sse.events.next((e) => e.event === 'reset' || e.data !== undefined);
      assert.equal(reset.event, 'reset', `first event is the reset notice: ${JSON.stringify(reset)}`);
      const state = await readThrough(sse, b.id);
      assert.deepEqual(state.map((e) => e.id), [a.id, b.id]);
      const live = await publish(node.url, 'r1/c', '3');
      assert.equal(messageBody(await sse.nextMessage()).id, live.id);
    } finally {
      sse.close();
    }
  });

  test('reset for a seq ahead of the log (raw and eventsource)', async () => {
    const a = await publish(node.url, 'r2/a', '1');
    const { epoch, seq } = parseId(a.id);
    const url = `${node.url}/events?topic=${q('r2/#')}&since=${q(`${epoch}:${seq + 1000n}`)}`;
    const sse = await openSse(url);
    try {
      const reset = await sse.events.next((e) => e.event === 'reset' || e.data !== undefined);
      assert.equal(reset.event, 'reset', JSON.stringify(reset));
      assert.deepEqual((await readThrough(sse, a.id)).map((e) => e.id), [a.id]);
    } finally {
      sse.close();
    }
    const client = openEventSource(url);
    try {
      const [reset, row] = await client.inbox.take(2);
      assert.equal(reset.kind, 'reset');
      assert.equal(row.body.id, a.id);
    } finally {
      client.close();
    }
  });

  test('several topic= parameters; an event matching two filters comes once', async () => {
    const a = await publish(node.url, 'm/a', '1');
    await publish(node.url, 'm/c', '2');
    const b = await publish(node.url, 'm/b/x', '3');
    const sse = await openSse(`${node.url}/events?topic=${q('m/a')}&topic=${q('m/b/#')}&topic=${q('m/+')}`);
    try {
      // m/a, m/c (via m/+) and m/b/x: in seq order.
      const state = await readThrough(sse, b.id);
      assert.deepEqual(state.map((e) => e.topic), ['m/a', 'm/c', 'm/b/x']);
      assert.equal(state[0].id, a.id);
      await publish(node.url, 'm/d/nope', '4');
      const live = await publish(node.url, 'm/a', '5');
      const next = messageBody(await sse.nextMessage());
      assert.equal(next.id, live.id, 'm/d/nope is not delivered; m/a once');
      const after = await publish(node.url, 'm/b/y', '6');
      assert.equal(messageBody(await sse.nextMessage()).id, after.id);
    } finally {
      sse.close();
    }
  });

  test('%2B in the query is a + filter; a raw + decodes to a space and is refused', async () => {
    await publish(node.url, 'p/x/score', '1');
    await publish(node.url, 'p/x/other', '2');
    const y = await publish(node.url, 'p/y/score', '3');
    const sse = await openSse(`${node.url}/events?topic=p%2F%2B%2Fscore`);
    try {
      const state = await readThrough(sse, y.id);
      assert.deepEqual(state.map((e) => e.topic), ['p/x/score', 'p/y/score']);
    } finally {
      sse.close();
    }
    const mixed = await openSse(`${node.url}/events?topic=p/%2B/score`);
    try {
      assert.equal(mixed.status, 200);
      const state = await readThrough(mixed, y.id);
      assert.deepEqual(state.map((e) => e.topic), ['p/x/score', 'p/y/score']);
    } finally {
      mixed.close();
    }
    const raw = await curl(`${node.url}/events?topic=p/+/score`);
    assert.equal(raw.status, 400, raw.body);
    assert.equal(JSON.parse(raw.body).error.code, 'invalid_filter');
  });

  test('bad requests are refused before streaming', async () => {
    const cases = [
      [`/events?topic=${q('a/#/b')}`, 'invalid_filter'],
      [`/events?topic=${q('a/#')}&since=garbage`, 'invalid_since'],
    ];
    for (const [path, code] of cases) {
      const res = await curl(`${node.url}${path}`);
      assert.equal(res.status, 400, `${path}: ${res.body}`);
      assert.equal(JSON.parse(res.body).error.code, code, path);
    }
  });
});

describe('SSE reset when history is evicted', () => {
  let node;
  before(async () => { node = await startHerald({ config: { history: { max_events: 3, max_events_per_topic: 3 } } }); });
  after(async () => { await node?.stop(); });

  test('event: reset, then state, then live', async () => {
    const ids = [];
    for (let i = 1; i <= 6; i++) ids.push((await publish(node.url, `ev/${i % 2}`, String(i))).id);
    const sse = await openSse(`${node.url}/events?topic=${q('ev/#')}&since=${q(ids[0])}`);
    try {
      const reset = await sse.events.next((e) => e.event === 'reset' || e.data !== undefined);
      assert.equal(reset.event, 'reset', JSON.stringify(reset));
      // State: ev/1 (id 5), ev/0 (id 6).
      const state = await readThrough(sse, ids[5]);
      assert.deepEqual(state.map((e) => e.id), [ids[4], ids[5]]);
      const live = await publish(node.url, 'ev/1', '7');
      assert.equal(messageBody(await sse.nextMessage()).id, live.id);
    } finally {
      sse.close();
    }
    // A since that history still reaches back to resumes without a reset.
    const ok = await openSse(`${node.url}/events?topic=${q('ev/#')}&since=${q(ids[4])}`);
    try {
      const first = await ok.events.next((e) => e.event === 'reset' || e.data !== undefined);
      assert.notEqual(first.event, 'reset');
      assert.equal(messageBody(first).id, ids[5]);
    } finally {
      ok.close();
    }
  });
});

describe('SSE resume when only other topics were evicted', () => {
  let node;
  before(async () => { node = await startHerald({ config: { history: { max_events: 3, max_events_per_topic: 3 } } }); });
  after(async () => { await node?.stop(); });

  test('no reset: history still holds every event of the subscribed topics after since', async () => {
    const a = await publish(node.url, 'keep/a', '1');
    for (let i = 0; i < 5; i++) await publish(node.url, 'other/b', String(i));  // evicts keep/a's event
    const sse = await openSse(`${node.url}/events?topic=${q('keep/#')}&since=${q(a.id)}`);
    try {
      await sse.lines.next((l) => l.startsWith('retry:'));
      const live = await publish(node.url, 'keep/a', '2');
      const first = await sse.events.next((e) => e.event === 'reset' || e.data !== undefined);
      assert.notEqual(first.event, 'reset', 'nothing of keep/# after since was evicted');
      assert.equal(messageBody(first).id, live.id);
    } finally {
      sse.close();
    }
  });
});

describe('SSE heartbeats and retry', () => {
  let node;
  before(async () => {
    node = await startHerald({ config: { timeouts: { sse_heartbeat_ms: 200, sse_retry_ms: 4000 } } });
  });
  after(async () => { await node?.stop(); });

  test('retry: is around sse_retry_ms, with jitter between connections', async () => {
    const values = [];
    for (let i = 0; i < 8; i++) {
      const sse = await openSse(`${node.url}/events?topic=${q('rt/#')}`);
      try {
        const line = await sse.lines.next((l) => l.startsWith('retry:'));
        values.push(Number(line.slice('retry:'.length)));
      } finally {
        sse.close();
      }
    }
    for (const v of values) assert.ok(v >= 2000 && v <= 8000, `retry ${v} within [½, 2]× of 4000: ${values}`);
    assert.ok(new Set(values).size > 1, `jitter: not all the same (${values})`);
  });

  test('comment lines arrive every sse_heartbeat_ms', async () => {
    const sse = await openSse(`${node.url}/events?topic=${q('hb/#')}`);
    try {
      const start = Date.now();
      for (let i = 0; i < 3; i++) await sse.lines.next((l) => l.startsWith(':'), 2_000);
      assert.ok(Date.now() - start < 2_500, 'three heartbeats within 2.5 s at 200 ms');
    } finally {
      sse.close();
    }
  });
});
