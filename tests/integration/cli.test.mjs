// The command line: version, config check (every problem at once; the effective configuration
// it prints is itself a valid file), and bad flags.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { heraldBin } from '../lib/herald.mjs';

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
