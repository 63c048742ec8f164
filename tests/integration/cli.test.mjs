// The command line: version, config check (every problem at once; the effective configuration
// it prints is itself a valid file), bad flags, and an address already in use.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { heraldBin, startHerald, getJson } from '../lib/herald.mjs';

const run = (...args) => spawnSync(heraldBin(), args, { encoding: 'utf8' });

test('herald version prints the version', () => {
  const out = run('version');
  assert.equal(out.status, 0);
  assert.match(out.stdout, /^herald \d+\.\d+\.\d+/);
});

test('config check reports every problem with its key and exits 2', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'herald-cli-'));
  try {
    const file = path.join(dir, 'bad.toml');
    writeFileSync(file, '[server]\nlisten = "nope"\nbogus = 1\n[limits]\nmax_queue_bytes = "x"\n' +
      '[[policies]]\nfilter = "a/#/b"\n');
    const out = run('config', 'check', file);
    assert.equal(out.status, 2);
    for (const key of ['server.listen', 'server.bogus', 'limits.max_queue_bytes', 'policies[0].filter']) {
      assert.match(out.stderr, new RegExp(key.replace(/[.[\]]/g, '\\$&')), `${key} reported`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a config path that opens but cannot be read, and NaN rates, are reported, not crashes', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'herald-cli-'));
  try {
    const asDirectory = run('config', 'check', dir);
    assert.equal(asDirectory.status, 2, asDirectory.stderr);
    assert.match(asDirectory.stderr, /cannot be read/);
    const file = path.join(dir, 'nan.toml');
    writeFileSync(file, '[limits]\nmax_publishes_per_second = nan\npublish_burst = nan\n');
    const nan = run('config', 'check', file);
    assert.equal(nan.status, 2);
    assert.match(nan.stderr, /limits\.max_publishes_per_second: must be from/);
    assert.match(nan.stderr, /limits\.publish_burst: must be from/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the effective configuration printed by config check is itself a valid file', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'herald-cli-'));
  try {
    const file = path.join(dir, 'in.toml');
    writeFileSync(file, '[log]\nmax_events = 5000\n[[policies]]\nfilter = "q/#"\nslow_consumer = "conflate"\n');
    const first = run('config', 'check', file);
    assert.equal(first.status, 0, first.stderr);
    const effective = path.join(dir, 'effective.toml');
    writeFileSync(effective, first.stdout);
    const second = run('config', 'check', effective);
    assert.equal(second.status, 0, second.stderr);
    assert.equal(second.stdout.split('\n').slice(1).join('\n'), first.stdout.split('\n').slice(1).join('\n'));
    assert.match(first.stdout, /max_events = 5000/);
    assert.match(first.stdout, /slow_consumer = "conflate"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an unknown flag exits 2 with a message', () => {
  const out = run('serve', '--no-such-flag');
  assert.equal(out.status, 2);
  assert.match(out.stderr, /no-such-flag/);
});

test('a second node on an address in use exits 1 and the first keeps every connection', async () => {
  const first = await startHerald();
  try {
    // Listeners use SO_REUSEPORT; without the check the second node would bind too and take a
    // share of the first one's connections.
    const out = spawnSync(heraldBin(), ['serve', '--listen', `127.0.0.1:${first.port}`], {
      encoding: 'utf8', timeout: 10_000,
    });
    assert.equal(out.status, 1, out.stderr);
    assert.match(out.stderr, /address in use/);
    for (let i = 0; i < 10; i++) assert.equal((await getJson(`${first.url}/healthz`)).status, 200);
  } finally {
    await first.stop();
  }
});
