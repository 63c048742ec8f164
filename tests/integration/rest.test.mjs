// REST API against a real herald: publish, state (ETag, 304, Cache-Control), history, payload
// kinds, reserved topics, CORS, health and metrics. curl where the issue says curl.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { execFile } from 'node:child_process';
import {
  startHerald, curl, getJson, publish, getState, encodeTopicPath, parseId, ID_RE,
  connectWsWelcomed, connectWsSubscribed, openSse, core, withDeadline,
} from '../lib/herald.mjs';

function assertErrorBody(res, status, code) {
  assert.equal(res.status, status, `status for ${res.statusLine}: ${res.body}`);
  assert.match(res.headers['content-type'] ?? '', /^application\/json/);
  const body = JSON.parse(res.body);
  assert.equal(typeof body.error, 'object', res.body);
  assert.equal(body.error.code, code, res.body);
  assert.equal(typeof body.error.message, 'string', res.body);
  assert.ok(body.error.message.length > 0, res.body);
}

describe('REST on a default node', () => {
  let node;
  before(async () => { node = await startHerald(); });
  after(async () => { await node?.stop(); });

  test('publish answers {id, topic}; ids are <epoch>:<seq> with seq +1 per event', async () => {
    const ids = [];
    for (let i = 0; i < 3; i++) {
      const res = await curl(`${node.url}/api/publish/pub/a`, { method: 'POST', data: `{"n":${i}}` });
      assert.equal(res.status, 200, res.body);
      assert.match(res.headers['content-type'] ?? '', /^application\/json/);
      const body = res.json();
      assert.equal(body.topic, 'pub/a');
      assert.match(body.id, ID_RE);
      ids.push(parseId(body.id));
    }
    assert.equal(ids[1].epoch, ids[0].epoch);
    assert.equal(ids[2].epoch, ids[0].epoch);
    assert.equal(ids[1].seq, ids[0].seq + 1n);
    assert.equal(ids[2].seq, ids[1].seq + 1n);
  });

  test('the first event of an epoch has seq 1', async () => {
    const fresh = await startHerald();
    try {
      const body = await publish(fresh.url, 'first/x', '1');
      assert.equal(parseId(body.id).seq, 1n);
    } finally {
      await fresh.stop();
    }
  });

  test('invalid topics are refused with 400 invalid_topic', async () => {
    const cases = {
      plus: 'bad/%2B/x',
      'plus inside a level': 'bad/a%2Bb',
      hash: 'bad/%23',
      star: 'bad/*',
      'greater-than': 'bad/%3E',
      space: 'bad/a%20b',
      tab: 'bad/a%09b',
      'control character': 'bad/a%01b',
      '33 levels': Array.from({ length: 33 }, (_, i) => `l${i}`).join('/'),
      '257 bytes': 'x'.repeat(257),
      'empty middle level': 'bad//x',
      'empty last level': 'bad/x/',
      'invalid UTF-8': 'bad/%FF%FE',
    };
    for (const [name, path] of Object.entries(cases)) {
      const res = await curl(`${node.url}/api/publish/${path}`, { method: 'POST', data: '1' });
      assert.equal(res.status, 400, `${name} (${path}): ${res.status} ${res.body}`);
      assertErrorBody(res, 400, 'invalid_topic');
    }
  });

  test('the limits themselves are allowed: 32 levels, 256 bytes, UTF-8', async () => {
    const ok = [
      Array.from({ length: 32 }, (_, i) => `l${i}`).join('/'),
      'y'.repeat(256),
      encodeTopicPath('ok/héllo/日本'),
    ];
    for (const path of ok) {
      const res = await curl(`${node.url}/api/publish/${path}`, { method: 'POST', data: '1' });
      assert.equal(res.status, 200, `${path}: ${res.body}`);
    }
  });

  test('a 1 MiB payload is accepted by default and one byte more is 413', async () => {
    const ok = await curl(`${node.url}/api/publish/big/a`, { method: 'POST', data: Buffer.alloc(1 << 20, 0x61) });
    assert.equal(ok.status, 200, ok.body.slice(0, 300));
    const res = await curl(`${node.url}/api/publish/big/a`, { method: 'POST', data: Buffer.alloc((1 << 20) + 1, 0x61) });
    assertErrorBody(res, 413, 'payload_too_large');
    await publish(node.url, 'big/a', '');  // delete the big row
  });

  test('a publish is in state and history as soon as its 200 arrives', async () => {
    for (let i = 0; i < 20; i++) {
      const { id } = await publish(node.url, 'ryw/a', String(i));
      assert.deepEqual((await getState(node.url, 'ryw/a')).map(core), [{ topic: 'ryw/a', id, data: i }]);
      const hist = await getJson(`${node.url}/api/history/ryw/a?limit=1`);
      assert.equal(hist.body.items[0]?.id, id);
    }
  });

  test('state lists the rows under a filter in increasing seq order', async () => {
    await publish(node.url, 'st/b', '{"v":1}');
    await publish(node.url, 'st/a', '"two"');
    await publish(node.url, 'st/c', '3');
    const last = await publish(node.url, 'st/b', '{"v":4}');
    await publish(node.url, 'st/deep/x', '5');
    await publish(node.url, 'stx/a', '6');
    const res = await curl(`${node.url}/api/state/st/%2B`);
    assert.equal(res.status, 200, res.body);
    assert.match(res.headers['content-type'] ?? '', /^application\/json/);
    const items = res.json().items;
    assert.deepEqual(items.map((i) => i.topic), ['st/a', 'st/c', 'st/b']);
    assert.deepEqual(items.map((i) => i.data), ['two', 3, { v: 4 }]);
    assert.equal(items[2].id, last.id);
    const seqs = items.map((i) => parseId(i.id).seq);
    assert.ok(seqs[0] < seqs[1] && seqs[1] < seqs[2], `seq order ${seqs}`);

    const all = (await getState(node.url, 'st/#')).map((i) => i.topic);
    assert.deepEqual(all, ['st/a', 'st/c', 'st/b', 'st/deep/x']);
    const one = await getState(node.url, 'st/a');
    assert.deepEqual(one.map((i) => i.topic), ['st/a']);
    assert.deepEqual(await getState(node.url, 'st/none'), []);
  });

  test('?retain=false publishes without entering or changing state', async () => {
    const kept = await publish(node.url, 'tr/a', '"kept"');
    const res = await curl(`${node.url}/api/publish/tr/a?retain=false`, { method: 'POST', data: '"transient"' });
    assert.equal(res.status, 200, res.body);
    assert.match(res.json().id, ID_RE);
    const res2 = await curl(`${node.url}/api/publish/tr/b?retain=false`, { method: 'POST', data: '1' });
    assert.equal(res2.status, 200, res2.body);
    const items = await getState(node.url, 'tr/#');
    assert.deepEqual(items.map(core), [{ topic: 'tr/a', id: kept.id, data: 'kept' }]);
  });

  test('an empty payload deletes the row', async () => {
    await publish(node.url, 'del/a', '1');
    await publish(node.url, 'del/b', '2');
    const res = await curl(`${node.url}/api/publish/del/a`, { method: 'POST', data: '' });
    assert.equal(res.status, 200, res.body);
    assert.match(res.json().id, ID_RE);
    assert.deepEqual((await getState(node.url, 'del/#')).map((i) => i.topic), ['del/b']);
  });

  test('ETag changes on change and delete; If-None-Match gives 304; CDN Cache-Control', async () => {
    const url = `${node.url}/api/state/etag/%23`;
    await publish(node.url, 'etag/a', '1');
    const r1 = await curl(url);
    assert.equal(r1.status, 200);
    const e1 = r1.headers.etag;
    assert.ok(e1, 'ETag header present');
    assert.match(e1, /^(W\/)?"[^"]*"$/, 'ETag is a quoted entity tag');
    const cc = r1.headers['cache-control'] ?? '';
    assert.match(cc, /max-age=\d+/, `Cache-Control: ${cc}`);
    assert.match(cc, /stale-while-revalidate=\d+/, `Cache-Control: ${cc}`);
    assert.doesNotMatch(cc, /no-store|private/, `Cache-Control: ${cc}`);

    const same = await curl(url);
    assert.equal(same.headers.etag, e1, 'ETag stable while nothing changes');

    const notModified = await curl(url, { headers: { 'If-None-Match': e1 } });
    assert.equal(notModified.status, 304);
    assert.equal(notModified.bodyBytes.length, 0, '304 has no body');
    assert.equal(notModified.headers.etag, e1, '304 repeats the ETag (RFC 9110 15.4.5)');
    assert.match(notModified.headers['cache-control'] ?? '', /max-age=\d+/, '304 repeats Cache-Control');
    const listed = await curl(url, { headers: { 'If-None-Match': `"nope", ${e1}` } });
    assert.equal(listed.status, 304, 'If-None-Match with a list');

    await publish(node.url, 'etag/b', '2');
    const r2 = await curl(url, { headers: { 'If-None-Match': e1 } });
    assert.equal(r2.status, 200, 'changed rows → 200');
    const e2 = r2.headers.etag;
    assert.notEqual(e2, e1);

    await publish(node.url, 'etag/a', '3');  // same topics, new value
    const e3 = (await curl(url)).headers.etag;
    assert.notEqual(e3, e2);

    await publish(node.url, 'etag/b', '');  // delete
    const r4 = await curl(url, { headers: { 'If-None-Match': e3 } });
    assert.equal(r4.status, 200, 'deletion → 200');
    const e4 = r4.headers.etag;
    assert.notEqual(e4, e3);
    assert.deepEqual(r4.json().items.map((i) => i.topic), ['etag/a']);

    await publish(node.url, 'etag/a', '');  // delete the last row: the tag of no rows
    const e5 = (await curl(url)).headers.etag;
    assert.notEqual(e5, e4);
    assert.match(e5, /-0{16}"$/, 'no matching row gives the documented empty tag');
  });

  test('payload kinds: JSON as JSON, other UTF-8 text as a string, other bytes as data_b64', async () => {
    const cases = [
      ['kind/obj', '{ "a" : [1, 2, {"b": null}] }', { data: { a: [1, 2, { b: null }] } }],
      ['kind/num', '42', { data: 42 }],
      ['kind/str', '"quoted"', { data: 'quoted' }],
      ['kind/bool', 'true', { data: true }],
      ['kind/text', 'hello world', { data: 'hello world' }],
      ['kind/almost', '{"a":1', { data: '{"a":1' }],
      ['kind/utf8', 'héllo ✓ 日本', { data: 'héllo ✓ 日本' }],
      ['kind/multiline', 'line1\nline2\r\n', { data: 'line1\nline2\r\n' }],
      ['kind/bin', Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x80]), { data_b64: Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x80]).toString('base64') }],
      ['kind/overlong', Buffer.from([0xc0, 0xaf]), { data_b64: Buffer.from([0xc0, 0xaf]).toString('base64') }],
    ];
    const ids = {};
    for (const [topic, payload] of cases) {
      const res = await curl(`${node.url}/api/publish/${topic}`, { method: 'POST', data: payload });
      assert.equal(res.status, 200, res.body);
      ids[topic] = res.json().id;
    }
    const state = await getState(node.url, 'kind/#');
    const hist = (await getJson(`${node.url}/api/history/kind/%23?limit=100`)).body.items;
    for (const [topic, , expected] of cases) {
      for (const [where, items] of [['state', state], ['history', hist]]) {
        const item = items.find((i) => i.topic === topic);
        assert.ok(item, `${where} has ${topic}`);
        assert.deepEqual(core(item), { topic, id: ids[topic], ...expected }, `${where} ${topic}`);
      }
    }
  });

  test('history: all, since, limit, more', async () => {
    const ids = [];
    for (let i = 1; i <= 5; i++) ids.push((await publish(node.url, `hist/${i % 2 ? 'a' : 'b'}`, `{"n":${i}}`)).id);
    await publish(node.url, 'histx/a', '0');

    const all = await getJson(`${node.url}/api/history/hist/%23`);
    assert.equal(all.status, 200, all.text);
    assert.deepEqual(all.body.items.map((i) => i.id), ids);
    assert.deepEqual(all.body.items.map((i) => i.data.n), [1, 2, 3, 4, 5]);
    assert.equal(all.body.complete, true);
    assert.equal(all.body.more, false);

    const since = await getJson(`${node.url}/api/history/hist/%23?since=${ids[1]}`);
    assert.deepEqual(since.body.items.map((i) => i.id), ids.slice(2));
    assert.equal(since.body.complete, true);
    assert.equal(since.body.more, false);

    const latest = await getJson(`${node.url}/api/history/hist/%23?limit=2`);
    assert.deepEqual(latest.body.items.map((i) => i.id), ids.slice(3), 'the most recent N, oldest first');
    assert.equal(latest.body.more, true);

    const page1 = await getJson(`${node.url}/api/history/hist/%23?since=${ids[0]}&limit=2`);
    assert.deepEqual(page1.body.items.map((i) => i.id), ids.slice(1, 3));
    assert.equal(page1.body.more, true);
    assert.equal(page1.body.complete, true);
    const page2 = await getJson(`${node.url}/api/history/hist/%23?since=${ids[2]}&limit=5`);
    assert.deepEqual(page2.body.items.map((i) => i.id), ids.slice(3));
    assert.equal(page2.body.more, false);

    const onlyA = await getJson(`${node.url}/api/history/hist/a`);
    assert.deepEqual(onlyA.body.items.map((i) => i.id), [ids[0], ids[2], ids[4]]);

    const upToDate = await getJson(`${node.url}/api/history/hist/%23?since=${ids[4]}`);
    assert.deepEqual(upToDate.body.items, []);
    assert.equal(upToDate.body.complete, true);
    assert.equal(upToDate.body.more, false);
  });

  test('history: a since from another epoch or ahead of the log is not complete', async () => {
    const { id } = await publish(node.url, 'histe/a', '1');
    const { epoch, seq } = parseId(id);
    const other = await getJson(`${node.url}/api/history/histe/%23?since=otherepoch:1`);
    assert.equal(other.status, 200, other.text);
    assert.equal(other.body.complete, false, `other epoch: ${other.text}`);
    const ahead = await getJson(`${node.url}/api/history/histe/%23?since=${epoch}:${seq + 1000n}`);
    assert.equal(ahead.status, 200, ahead.text);
    assert.equal(ahead.body.complete, false, `seq ahead: ${ahead.text}`);
  });

  test('history and state refuse bad parameters', async () => {
    const bad = [
      ['/api/history/h/%23?since=garbage', 400, 'invalid_since'],
      ['/api/history/h/%23?since=ep:notanumber', 400, 'invalid_since'],
      ['/api/history/h/%23?limit=abc', 400, 'invalid_limit'],
      ['/api/history/h/%23?limit=-1', 400, 'invalid_limit'],
      ['/api/history/a/%23/b', 400, 'invalid_filter'],
      ['/api/state/a/%23/b', 400, 'invalid_filter'],
      ['/api/state/a%2Bb/c', 400, 'invalid_filter'],
      ['/api/state/a//b', 400, 'invalid_filter'],
    ];
    for (const [path, status, code] of bad) {
      const res = await curl(`${node.url}${path}`);
      assert.equal(res.status, status, `${path}: ${res.status} ${res.body}`);
      assertErrorBody(res, status, code);
    }
  });

  test('history limit: default 100, at most 1000', async () => {
    // 1,100 events over two topics (under the per-topic default), published over WebSocket.
    const ws = await connectWsWelcomed(node.url);
    for (let i = 0; i < 1100; i++) ws.send({ type: 'publish', topic: `cap/${i % 2}`, data: { i } });
    ws.send({ type: 'publish', topic: 'capdone/x', data: 1, ref: 'done' });
    await ws.nextType('published', (m) => m.ref === 'done', 10_000);
    await ws.close();

    const def = await getJson(`${node.url}/api/history/cap/%2B`);
    assert.equal(def.body.items.length, 100);
    assert.equal(def.body.more, true);
    assert.deepEqual(def.body.items.at(-1).data, { i: 1099 });
    assert.deepEqual(def.body.items[0].data, { i: 1000 });

    const max = await getJson(`${node.url}/api/history/cap/%2B?limit=1000`);
    assert.equal(max.body.items.length, 1000);
    assert.equal(max.body.more, true);
    assert.deepEqual(max.body.items.at(-1).data, { i: 1099 });

    // Documented: a limit over 1000 is capped, not refused, however many digits it has.
    for (const limit of ['5000', '99999999999999999999999']) {
      const over = await getJson(`${node.url}/api/history/cap/%2B?limit=${limit}`);
      assert.equal(over.status, 200, `limit=${limit}: ${over.text}`);
      assert.equal(over.body.items.length, 1000, `limit=${limit} is capped at 1000`);
      assert.equal(over.body.more, true);
    }
  });

  test('$-topics are not matched by filters starting with a wildcard', async (t) => {
    const res = await curl(`${node.url}/api/publish/${encodeURIComponent('$sys')}/load`, { method: 'POST', data: '1' });
    if (res.status !== 200) {
      t.skip(`server refuses REST publishes to $-topics (${res.status} ${res.body}); cannot check matching`);
      return;
    }
    await publish(node.url, 'plain/load', '2');
    const hash = (await getState(node.url, '#')).map((i) => i.topic);
    assert.ok(hash.includes('plain/load'));
    assert.ok(!hash.includes('$sys/load'), '# does not match $sys/load');
    const plus = (await getState(node.url, '+/load')).map((i) => i.topic);
    assert.deepEqual(plus, ['plain/load']);
    const explicit = (await getState(node.url, '$sys/#')).map((i) => i.topic);
    assert.deepEqual(explicit, ['$sys/load']);
    const hist = (await getJson(`${node.url}/api/history/%23?limit=1000`)).body.items.map((i) => i.topic);
    assert.ok(!hist.includes('$sys/load'), 'history under # has no $-topics');
  });

  test('unknown paths are 404 not_found; wrong methods are 405 method_not_allowed', async () => {
    assertErrorBody(await curl(`${node.url}/api/nope`), 404, 'not_found');
    assertErrorBody(await curl(`${node.url}/no/such/page`), 404, 'not_found');
    const get = await curl(`${node.url}/api/publish/a/b`);
    assertErrorBody(get, 405, 'method_not_allowed');
    assert.match(get.headers.allow ?? '', /POST/, 'Allow lists POST');
    assertErrorBody(await curl(`${node.url}/api/state/a`, { method: 'POST', data: 'x' }), 405, 'method_not_allowed');
  });

  test('a chunked request body is published byte-exact', async () => {
    const res = await curl(`${node.url}/api/publish/chunk/a`, {
      method: 'POST', data: '{"chunked":true}', headers: { 'Transfer-Encoding': 'chunked' },
    });
    assert.equal(res.status, 200, res.body);
    assert.deepEqual((await getState(node.url, 'chunk/a')).map(core), [{ topic: 'chunk/a', id: res.json().id, data: { chunked: true } }]);
  });

  test('numbers beyond 64 bits or a double stay JSON numbers, digit for digit', async () => {
    const body = '{"order": 123456789012345678901234567890, "tiny": 1e-400, "big": -1E400}';
    assert.equal((await curl(`${node.url}/api/publish/big/n`, { method: 'POST', data: body })).status, 200);
    const raw = (await curl(`${node.url}/api/state/big/n`)).body;
    assert.match(raw, /"data":\{"order":123456789012345678901234567890,"tiny":1e-400,"big":-1E400\}/, raw);
  });

  test('Expect: 100-continue gets a 100 before the body, then the publish answer', async () => {
    const socket = net.connect(node.port, '127.0.0.1');
    let got = '';
    const received = (pattern) => withDeadline(new Promise((resolve) => {
      const check = () => { if (pattern.test(got)) resolve(); else socket.once('data', check); };
      check();
    }), 5_000, `no ${pattern} from the server`);
    socket.on('data', (d) => { got += d.toString('latin1'); });
    const body = JSON.stringify({ big: 'x'.repeat(2000) });
    try {
      socket.write('POST /api/publish/expect/a HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n' +
        `Content-Length: ${body.length}\r\n\r\n`);
      await received(/^HTTP\/1\.1 100 Continue\r\n\r\n/);
      socket.write(body);
      await received(/HTTP\/1\.1 200 [^]*\r\n\r\n[^]*\}/);
    } catch (err) {
      err.message += `; got:\n${got}`;
      throw err;
    } finally {
      socket.destroy();
    }
    assert.equal((got.match(/100 Continue/g) ?? []).length, 1, got);
    assert.deepEqual((await getState(node.url, 'expect/a')).map((e) => e.data), [JSON.parse(body)]);
  });

  test('curl sending Expect: 100-continue does not wait for its timeout', async () => {
    // --expect100-timeout 60 and --max-time 10: without a 100 from the server curl would fail.
    const body = JSON.stringify({ curl: 'y'.repeat(3000) });
    const out = await new Promise((resolve, reject) => {
      const child = execFile('curl', ['-sS', '-i', '--max-time', '10', '--expect100-timeout', '60',
        '-H', 'Expect: 100-continue', '--data-binary', '@-', `${node.url}/api/publish/expect/curl`],
      (err, stdout, stderr) => (err ? reject(new Error(`${err.message} ${stderr}`)) : resolve(stdout)));
      child.stdin.end(body);
    });
    assert.match(out, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 /, out);
    assert.deepEqual((await getState(node.url, 'expect/curl')).map((e) => e.data), [JSON.parse(body)]);
  });

  test('an expectation other than 100-continue is refused with 417', async () => {
    const res = await curl(`${node.url}/api/publish/expect/b`, {
      method: 'POST', data: '1', headers: { Expect: 'teapot' },
    });
    assertErrorBody(res, 417, 'expectation_failed');
  });

  test('pipelined requests on one connection are answered in order', async () => {
    const socket = net.connect(node.port, '127.0.0.1');
    let got = '';
    socket.on('data', (d) => { got += d.toString('latin1'); });
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n' +
      'POST /api/publish/pipe/a HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\n7' +
      'GET /api/state/pipe/a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    try {
      await withDeadline(new Promise((resolve, reject) => {
        socket.on('close', resolve);
        socket.on('error', reject);
      }), 5_000, 'the server did not close after Connection: close');
    } catch (err) {
      socket.destroy();
      err.message += `; got:\n${got}`;
      throw err;
    }
    const statuses = [...got.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => m[1]);
    assert.deepEqual(statuses, ['200', '200', '200'], got);
    assert.match(got, /"topic":"pipe\/a","id":"[^"]+","data":7/);
  });

  test('healthz and readyz answer 200', async () => {
    assert.equal((await curl(`${node.url}/healthz`)).status, 200);
    assert.equal((await curl(`${node.url}/readyz`)).status, 200);
  });

  test('metrics are Prometheus text with connections by protocol, events and bytes', async () => {
    const prime = await publish(node.url, 'met/prime', '0');
    const ws = await connectWsSubscribed(node.url, ['met/#']);
    const sse = await openSse(`${node.url}/events?topic=met%2F%23`);
    await sse.nextMessage((e) => e.id === prime.id);  // state arrived: the subscription is live
    const live = await publish(node.url, 'met/a', '1');
    await ws.nextType('event', (m) => m.id === live.id);
    await sse.nextMessage((e) => e.id === live.id);

    const res = await curl(`${node.url}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers['content-type'] ?? '', /^text\/plain/);
    const samples = [];
    for (const line of res.body.split('\n')) {
      if (line === '' || line.startsWith('#')) {
        if (line.startsWith('# TYPE')) assert.match(line, /^# TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge|histogram|summary|untyped)$/);
        continue;
      }
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (-?[0-9.eE+-]+|NaN|\+Inf|-Inf)( \d+)?$/.exec(line);
      assert.ok(m, `not a Prometheus sample line: ${JSON.stringify(line)}`);
      samples.push({ name: m[1], labels: m[2] ?? '', value: Number(m[3]) });
    }
    const find = (nameRe, labelRe = /.*/) => samples.filter((s) => nameRe.test(s.name) && labelRe.test(s.labels));
    const wsConn = find(/conn/i, /="(ws|websocket)"/i);
    const sseConn = find(/conn/i, /="sse"/i);
    assert.ok(wsConn.some((s) => s.value >= 1), `a WebSocket connection count ≥ 1:\n${res.body}`);
    assert.ok(sseConn.some((s) => s.value >= 1), `an SSE connection count ≥ 1:\n${res.body}`);
    assert.ok(find(/event/i).some((s) => /in|publish|receiv/i.test(s.name + s.labels) && s.value >= 1), 'events in');
    assert.ok(find(/event/i).some((s) => /out|deliver|sent/i.test(s.name + s.labels) && s.value >= 2), 'events out');
    assert.ok(find(/bytes/i).some((s) => /out|sent|written/i.test(s.name + s.labels) && s.value > 0), 'bytes out');
    assert.ok(find(/overflow|slow|dropped/i).length > 0, 'queue overflows');
    assert.ok(find(/history/i).some((s) => s.value >= 1), 'history size');
    sse.close();
    await ws.close();
  });

  test('the demo page and its three assets are served with their types', async () => {
    const types = { '/': /^text\/html/, '/herald.js': /^(text|application)\/javascript/, '/demo.js': /^(text|application)\/javascript/, '/demo.css': /^text\/css/ };
    for (const [path, type] of Object.entries(types)) {
      const res = await curl(`${node.url}${path}`);
      assert.equal(res.status, 200, path);
      assert.match(res.headers['content-type'] ?? '', type, path);
      assert.ok(res.body.length > 0, path);
    }
  });
});

describe('REST with a small message limit', () => {
  let node;
  before(async () => { node = await startHerald({ config: { limits: { max_message_bytes: 64 } } }); });
  after(async () => { await node?.stop(); });

  test('a payload at the limit is accepted, one byte more is 413 payload_too_large', async () => {
    const ok = await curl(`${node.url}/api/publish/lim/a`, { method: 'POST', data: 'x'.repeat(64) });
    assert.equal(ok.status, 200, ok.body);
    const res = await curl(`${node.url}/api/publish/lim/a`, { method: 'POST', data: 'x'.repeat(65) });
    assertErrorBody(res, 413, 'payload_too_large');
    const chunked = await curl(`${node.url}/api/publish/lim/a`, {
      method: 'POST', data: 'x'.repeat(200), headers: { 'Transfer-Encoding': 'chunked' },
    });
    assertErrorBody(chunked, 413, 'payload_too_large');
    assert.deepEqual((await getState(node.url, 'lim/a')).map((i) => i.data), ['x'.repeat(64)]);
  });
});

describe('REST history eviction', () => {
  let node;
  before(async () => { node = await startHerald({ config: { history: { max_events: 5, max_events_per_topic: 5 } } }); });
  after(async () => { await node?.stop(); });

  test('complete:false when history no longer reaches back to since', async () => {
    const ids = [];
    for (let i = 1; i <= 10; i++) ids.push((await publish(node.url, 'ev/x', String(i))).id);
    const gone = await getJson(`${node.url}/api/history/ev/%23?since=${ids[0]}`);
    assert.equal(gone.status, 200, gone.text);
    assert.equal(gone.body.complete, false);
    assert.deepEqual(gone.body.items.map((i) => i.id), ids.slice(5), 'what history still holds');
    const held = await getJson(`${node.url}/api/history/ev/%23?since=${ids[7]}`);
    assert.equal(held.body.complete, true);
    assert.deepEqual(held.body.items.map((i) => i.id), ids.slice(8));
  });
});

describe('ETag across epochs', () => {
  test('the same rows in a new epoch have a different ETag', async () => {
    const tags = [];
    for (let run = 0; run < 2; run++) {
      const node = await startHerald();
      try {
        const empty = await curl(`${node.url}/api/state/ep/%23`);
        await publish(node.url, 'ep/a', '1');
        const one = await curl(`${node.url}/api/state/ep/%23`);
        tags.push([empty.headers.etag, one.headers.etag]);
      } finally {
        await node.stop();
      }
    }
    assert.notEqual(tags[0][0], tags[1][0], 'empty state, two epochs');
    assert.notEqual(tags[0][1], tags[1][1], 'one row, two epochs');
  });
});

describe('CORS', () => {
  let node;
  before(async () => {
    node = await startHerald({ config: { server: { cors_allowed_origins: ['https://app.example'] } } });
  });
  after(async () => { await node?.stop(); });

  test('an allowed origin gets Access-Control-Allow-Origin on REST and SSE; others do not', async () => {
    const origin = 'https://app.example';
    const state = await curl(`${node.url}/api/state/%23`, { headers: { Origin: origin } });
    assert.equal(state.status, 200);
    assert.equal(state.headers['access-control-allow-origin'], origin);
    assert.match(state.headers.vary ?? '', /origin/i, 'Vary: Origin when the origin is echoed');
    assert.match(state.headers['access-control-expose-headers'] ?? '', /etag/i,
      'cross-origin pollers need to read ETag');

    const pub = await curl(`${node.url}/api/publish/cors/a`, { method: 'POST', data: '1', headers: { Origin: origin } });
    assert.equal(pub.status, 200);
    assert.equal(pub.headers['access-control-allow-origin'], origin);

    const hist = await curl(`${node.url}/api/history/%23`, { headers: { Origin: origin } });
    assert.equal(hist.headers['access-control-allow-origin'], origin);

    const sse = await openSse(`${node.url}/events?topic=cors%2F%23`, { headers: { Origin: origin } });
    assert.equal(sse.status, 200);
    assert.equal(sse.headers['access-control-allow-origin'], origin);
    sse.close();

    const evil = await curl(`${node.url}/api/state/%23`, { headers: { Origin: 'https://evil.example' } });
    assert.equal(evil.headers['access-control-allow-origin'], undefined);
  });

  test('an OPTIONS preflight is answered with the allowed method and headers', async () => {
    const res = await curl(`${node.url}/api/publish/cors/a`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://app.example',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type',
      },
    });
    assert.ok(res.status === 204 || res.status === 200, `preflight status ${res.status}`);
    assert.equal(res.headers['access-control-allow-origin'], 'https://app.example');
    assert.match(res.headers['access-control-allow-methods'] ?? '', /POST/);
    assert.match(res.headers['access-control-allow-headers'] ?? '', /content-type/i);
    const evil = await curl(`${node.url}/api/publish/cors/a`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' },
    });
    assert.equal(evil.headers['access-control-allow-origin'], undefined);
  });

  test('"*" allows every origin', async () => {
    const any = await startHerald({ config: { server: { cors_allowed_origins: ['*'] } } });
    try {
      const res = await curl(`${any.url}/api/state/%23`, { headers: { Origin: 'https://whoever.example' } });
      const acao = res.headers['access-control-allow-origin'];
      assert.ok(acao === '*' || acao === 'https://whoever.example', `ACAO ${acao}`);
    } finally {
      await any.stop();
    }
  });
});

describe('HTTP timeouts', () => {
  let node;
  before(async () => { node = await startHerald({ config: { timeouts: { handshake_timeout_ms: 300 } } }); });
  after(async () => { await node?.stop(); });

  test('a connection that never finishes its request is closed after handshake_timeout_ms', async () => {
    const socket = net.connect(node.port, '127.0.0.1');
    const start = Date.now();
    socket.on('data', () => {});  // a 408 before the close is fine
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');  // no blank line: never complete
    try {
      await withDeadline(new Promise((resolve) => {
        socket.on('close', resolve);
        socket.on('error', resolve);
      }), 5_000, 'the incomplete request was not closed');
    } finally {
      socket.destroy();
    }
    assert.ok(Date.now() - start >= 250, `closed after ${Date.now() - start} ms, not before the timeout`);
  });
});
