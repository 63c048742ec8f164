// SIGHUP reloads the configuration file: session limits apply to new connections at once, a
// broken file is refused and the running configuration kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startHerald, toToml, waitFor } from '../lib/herald.mjs';

// Three pipelined publishes on a new connection; returns their statuses.
function threePublishes(node) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(node.port, node.host, () => {
      const post = (i) => `POST /api/publish/reload/t HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\n${i}`;
      socket.write(post(1) + post(2) + post(3));
    });
    let text = '';
    socket.on('data', (d) => {
      text += d.toString();
      const statuses = [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => m[1]);
      if (statuses.length === 3 && /\}\s*$/.test(text)) { socket.destroy(); resolve(statuses); }
    });
    socket.on('error', reject);
  });
}

test('SIGHUP applies new publish limits to new connections and refuses a broken file', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'herald-reload-'));
  const file = path.join(dir, 'herald.toml');
  writeFileSync(file, toToml({ limits: { max_publishes_per_second: 1000, publish_burst: 1000 } }));
  const node = await startHerald({ args: ['--config', file] });
  try {
    assert.deepEqual(await threePublishes(node), ['200', '200', '200']);

    writeFileSync(file, toToml({ limits: { max_publishes_per_second: 1, publish_burst: 2 } }));
    node.proc.kill('SIGHUP');
    await waitFor(() => /SIGHUP: reloaded/.test(node.log()), { message: 'reload logged' });
    assert.deepEqual(await threePublishes(node), ['200', '200', '429']);

    writeFileSync(file, '[limits]\nmax_publishes_per_second = "fast"\n');
    node.proc.kill('SIGHUP');
    await waitFor(() => /keeping the running one/.test(node.log()), { message: 'refusal logged' });
    assert.match(node.log(), /limits\.max_publishes_per_second: expected a number/);
    assert.deepEqual(await threePublishes(node), ['200', '200', '429'], 'the last good limits stay');
  } finally {
    await node.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('SIGHUP applies new topic policies', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'herald-reload-'));
  const file = path.join(dir, 'herald.toml');
  writeFileSync(file, '[server]\nlog_level = "info"\n');
  const node = await startHerald({ args: ['--config', file] });
  const stateTopics = async () => (await (await fetch(`${node.url}/api/state/reload%2F%23`)).json())
    .items.map((i) => i.topic);
  try {
    await fetch(`${node.url}/api/publish/reload/before`, { method: 'POST', body: '1' });
    assert.deepEqual(await stateTopics(), ['reload/before']);
    writeFileSync(file, '[[policies]]\nfilter = "reload/#"\ntransient = true\nmax_payload_bytes = 4\n');
    node.proc.kill('SIGHUP');
    await waitFor(() => /SIGHUP: reloaded log level info, 1 policies/.test(node.log()), { message: 'reload logged' });
    await fetch(`${node.url}/api/publish/reload/after`, { method: 'POST', body: '2' });
    assert.deepEqual(await stateTopics(), ['reload/before'], 'the new policy makes it transient');
    const big = await fetch(`${node.url}/api/publish/reload/after`, { method: 'POST', body: '12345' });
    assert.equal(big.status, 413);
  } finally {
    await node.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
