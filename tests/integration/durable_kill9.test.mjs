// The durable log under a real crash: publishers run concurrently, the node is killed with
// SIGKILL mid-stream, and after a restart on the same data directory every acknowledged publish
// is there, in order, with its id, under the same epoch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startHerald, parseId, getJson } from '../lib/herald.mjs';

// Every event in the node's history under `filter`, paging with since.
async function readAll(base, filter) {
  const items = [];
  let since;
  for (;;) {
    const query = since ? `?since=${encodeURIComponent(since)}&limit=1000` : '?limit=1000';
    const page = await getJson(`${base}/api/history/${encodeURIComponent(filter)}${query}`);
    items.push(...page.body.items);
    if (page.body.items.length === 0 || !page.body.more) {
      if (!since && page.body.more) continue;
      return items;
    }
    since = page.body.items[page.body.items.length - 1].id;
  }
}

test('every acknowledged publish survives kill -9, in order, with its id', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'herald-data-'));
  try {
    const first = await startHerald({ args: ['--data-dir', dir] });
    const acked = [];
    let stop = false;
    const publisher = async (p) => {
      for (let i = 0; !stop; i++) {
        const topic = `crash/p${p}/m${i}`;
        try {
          const res = await fetch(`${first.url}/api/publish/${topic}`, { method: 'POST', body: `{"p":${p},"i":${i}}` });
          if (res.status !== 200) break;
          const body = await res.json();
          acked.push({ topic, id: body.id, data: { p, i } });
        } catch {
          break;  // the node is gone: this publish was never acknowledged
        }
      }
    };
    const running = [0, 1, 2, 3, 4, 5, 6, 7].map(publisher);
    while (acked.length < 300) await new Promise((r) => setTimeout(r, 10));
    first.proc.kill('SIGKILL');
    stop = true;
    await Promise.all(running);
    await first.stop();

    const second = await startHerald({ args: ['--data-dir', dir] });
    try {
      const events = await readAll(second.url, 'crash/#');
      const byId = new Map(events.map((e) => [e.id, e]));
      for (const a of acked) {
        const e = byId.get(a.id);
        assert.ok(e, `acknowledged ${a.id} (${a.topic}) is missing after the restart`);
        assert.equal(e.topic, a.topic);
        assert.deepEqual(e.data, a.data);
      }
      const seqs = events.map((e) => parseId(e.id).seq);
      for (let i = 1; i < seqs.length; i++) assert.equal(seqs[i], seqs[i - 1] + 1n, "ids are contiguous");
      assert.equal(parseId(events[0].id).epoch, parseId(acked[0].id).epoch, 'the epoch survives');
      // New publishes continue the same log.
      const next = await (await fetch(`${second.url}/api/publish/crash/after`, { method: 'POST', body: '1' })).json();
      assert.equal(parseId(next.id).seq, seqs[seqs.length - 1] + 1n);
    } finally {
      await second.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a state snapshot written at shutdown is loaded at start and later events apply on top', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'herald-data-'));
  const stateOf = async (node) =>
    (await (await fetch(`${node.url}/api/state/snap%2F%23`)).json()).items.map((i) => [i.topic, i.data]);
  const post = (node, topic, body) => fetch(`${node.url}/api/publish/${topic}`, { method: 'POST', body });
  try {
    const first = await startHerald({ args: ['--data-dir', dir] });
    for (const t of ['a', 'b', 'c']) await post(first, `snap/${t}`, `"${t}1"`);
    await first.stop();  // SIGTERM: a final snapshot
    assert.match(first.log(), /state snapshot at seq 3: 3 rows/);

    const second = await startHerald({ args: ['--data-dir', dir] });
    assert.match(second.log(), /state snapshot at seq 3 with 3 rows/);
    await post(second, 'snap/a', '');       // a delete after the snapshot
    await post(second, 'snap/b', '"b2"');   // an update after it
    second.proc.kill('SIGKILL');
    await second.stop();

    const third = await startHerald({ args: ['--data-dir', dir] });
    try {
      assert.deepEqual(await stateOf(third), [['snap/c', 'c1'], ['snap/b', 'b2']]);
    } finally {
      await third.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
