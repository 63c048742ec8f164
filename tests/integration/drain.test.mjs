// Graceful drain on SIGTERM: WebSocket clients get close 1001 with a reconnect hint, SSE clients
// a retry hint and the end of the stream, and the process exits 0 within the drain deadline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startHerald, connectWsSubscribed, openSse, waitFor } from '../lib/herald.mjs';

test('SIGTERM closes WebSocket with 1001, ends SSE after a retry hint, and exits 0', async () => {
  const node = await startHerald({ config: { timeouts: { drain_timeout_ms: 3000 } } });
  try {
    const ws = await connectWsSubscribed(node.url, ['news/#']);
    const sse = await openSse(`${node.url}/events?topic=news/%23`);
    assert.equal(sse.status, 200);
    // The first retry block arrives with the head; take it so the next one is the drain hint.
    await sse.events.next((e) => e.retry !== undefined);

    const started = Date.now();
    node.proc.kill('SIGTERM');
    const closed = await ws.closed;
    assert.equal(closed.code, 1001);
    assert.match(closed.reason, /reconnect/);
    const hint = await sse.events.next((e) => e.retry !== undefined);
    assert.ok(hint.retry > 0, `retry hint ${hint.retry}`);
    const body = await sse.body();
    assert.match(body, /retry: \d+\n\n$/, 'the stream ends right after the retry hint');

    // The listening socket is closed at the start of the drain: new clients are refused at once.
    const net = await import('node:net');
    const refused = await new Promise((resolve) => {
      const probe = net.connect(node.port, node.host);
      probe.on('connect', () => { probe.destroy(); resolve(false); });
      probe.on('error', (err) => resolve(err.code === 'ECONNREFUSED'));
    });
    assert.ok(refused, 'a new connection during the drain is refused');
    const exit = await node.stop();
    assert.equal(exit.code, 0, node.log());
    assert.ok(Date.now() - started < 3000, 'exited before the drain deadline');
    assert.match(node.log(), /SIGTERM: draining/);
  } finally {
    await node.stop();
  }
});

test('idle keep-alive HTTP connections are closed at once on SIGTERM', async () => {
  const node = await startHerald({ config: { timeouts: { drain_timeout_ms: 500 } } });
  try {
    // A raw TCP client that never sends a request keeps an HTTP connection open.
    const net = await import('node:net');
    const socket = net.connect(node.port, node.host);
    await new Promise((resolve) => socket.on('connect', resolve));
    await waitFor(async () => (await fetch(`${node.url}/metrics`).then((r) => r.text()))
      .includes('herald_connections{protocol="http"} 2'), { message: 'idle client counted' });
    const started = Date.now();
    const exit = await node.stop();
    assert.equal(exit.code, 0, node.log());
    assert.ok(Date.now() - started < 1000, `exited in ${Date.now() - started} ms, drain deadline 500 ms`);
    socket.destroy();
  } finally {
    await node.stop();
  }
});
