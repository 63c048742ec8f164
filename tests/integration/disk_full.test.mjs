// Disk full with --data-dir on a small tmpfs: publishes get 503 storage_unavailable with a clear
// message, /readyz says why, readers keep being served, and the node recovers by itself when
// space returns. Needs root to mount a tmpfs (CI runs as root); skipped otherwise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startHerald, waitFor, getJson } from '../lib/herald.mjs';

function mountTmpfs(dir, size) {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

test('a full disk refuses publishes with 503, keeps readers served, and recovers', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'herald-full-'));
  if (!mountTmpfs(dir, '1m')) {
    rmSync(dir, { recursive: true, force: true });
    t.skip('cannot mount a tmpfs here (needs root)');
    return;
  }
  try {
    const filler = path.join(dir, 'filler');
    writeFileSync(filler, Buffer.alloc(600 * 1024));
    const node = await startHerald({ args: ['--data-dir', path.join(dir, 'data')] });
    try {
      const body = 'x'.repeat(32 * 1024);
      let refused;
      let acked = 0;
      for (let i = 0; i < 100 && !refused; i++) {
        const res = await fetch(`${node.url}/api/publish/full/t${i}`, { method: 'POST', body });
        if (res.status === 200) acked++;
        else refused = { status: res.status, body: await res.json() };
      }
      assert.ok(refused, 'the disk filled up');
      assert.ok(acked > 0);
      assert.equal(refused.status, 503);
      assert.equal(refused.body.error.code, 'storage_unavailable');
      const ready = await getJson(`${node.url}/readyz`);
      assert.equal(ready.status, 503);
      assert.match(ready.body.reason, /storage unavailable/);
      // Readers are still served: the state holds every acknowledged publish.
      const state = await getJson(`${node.url}/api/state/full%2F%23`);
      assert.equal(state.status, 200);
      assert.equal(state.body.items.length, acked);

      unlinkSync(filler);  // space returns
      await waitFor(async () => (await fetch(`${node.url}/readyz`)).status === 200,
        { timeoutMs: 10_000, message: 'readyz recovers' });
      const again = await fetch(`${node.url}/api/publish/full/after`, { method: 'POST', body: '1' });
      assert.equal(again.status, 200);
    } finally {
      await node.stop();
    }
  } finally {
    try { execFileSync('umount', [dir]); } catch { /* already gone */ }
    rmSync(dir, { recursive: true, force: true });
  }
});
