// With two loops and little traffic, the second loop parks on the first (its turns run on the
// first loop's thread, docs/defaults.md `server.park_idle_loops`): it shows in /metrics, and
// subscribers on both loops still get every event in order; with the setting off it never parks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startHerald, connectWsSubscribed, metric, publish, waitFor } from '../lib/herald.mjs';

test('an idle second loop parks and its subscribers still get every event', async () => {
  const node = await startHerald({ args: ['--threads', '2'] });
  try {
    await waitFor(async () => (await metric(node.url, 'herald_loops_parked')) === 1, {
      message: 'the second loop parked', timeoutMs: 10_000,
    });
    // SO_REUSEPORT spreads these over both loops (all on one: odds of 1 in 2^15).
    const subs = [];
    for (let i = 0; i < 16; i++) {
      const ws = await connectWsSubscribed(node.url, ['park/#']);
      subs.push(ws);
    }
    for (let i = 1; i <= 50; i++) await publish(node.url, 'park/a', JSON.stringify({ i }), { retain: false });
    for (const ws of subs) {
      for (let i = 1; i <= 50; i++) assert.equal((await ws.nextType('event')).data.i, i);
    }
    assert.ok((await metric(node.url, 'herald_loop_parks_total')) >= 1);
    // Still parked after that trickle of traffic, or parked again within a few windows.
    await waitFor(async () => (await metric(node.url, 'herald_loops_parked')) === 1, {
      message: 'the second loop parked again', timeoutMs: 10_000,
    });
    for (const ws of subs) ws.terminate();
  } finally {
    await node.stop();
  }
});

test('park_idle_loops = false keeps every loop on its own thread', async () => {
  const node = await startHerald({ args: ['--threads', '2'], config: { server: { park_idle_loops: false } } });
  try {
    await new Promise((r) => setTimeout(r, 2_000));  // four windows are 1 s
    assert.equal(await metric(node.url, 'herald_loops_parked'), 0);
    assert.equal(await metric(node.url, 'herald_loop_parks_total'), 0);
  } finally {
    await node.stop();
  }
});
