// The demo page in headless Chromium (Debian's, driven by playwright-core) against `herald demo`:
// events arrive over WebSocket, the state table fills over REST, and `?transport=sse` gets the
// feed over Server-Sent Events.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { startHerald, repoRoot } from '../lib/herald.mjs';

const require = createRequire(path.join(repoRoot, 'package.json'));
const { chromium } = require('playwright-core');

const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let node;
let context;
let profile;

before(async () => {
  node = await startHerald({ command: 'demo' });
  profile = mkdtempSync(path.join(tmpdir(), 'herald-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, args: ARGS, timeout: 20_000,
  });
});

after(async () => {
  await context?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  await node?.stop();
});

// Opens `url` in a new page, records page errors and network use, runs `body`, and saves a
// screenshot to /tmp when it fails.
async function withPage(name, url, body, setup) {
  const page = await context.newPage();
  if (setup) await setup(page);
  const seen = { errors: [], websockets: [], requests: [], console: [] };
  page.on('pageerror', (err) => seen.errors.push(err.message));
  page.on('console', (msg) => seen.console.push(`${msg.type()}: ${msg.text()}`));
  page.on('websocket', (ws) => seen.websockets.push(ws.url()));
  page.on('request', (req) => seen.requests.push(req.url()));
  try {
    await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 10_000 });
    await body(page, seen);
    assert.deepEqual(seen.errors, [], 'no uncaught errors in the page');
  } catch (err) {
    const file = `/tmp/herald-e2e-${name}-${Date.now()}.png`;
    await page.screenshot({ path: file, fullPage: true }).catch(() => {});
    err.message += `\nscreenshot: ${file}\nconsole:\n  ${seen.console.join('\n  ')}` +
      `\nstatus: ${await page.textContent('#status').catch(() => '?')}`;
    throw err;
  } finally {
    await page.close();
  }
}

function waitForPage(page, transport) {
  return page.waitForFunction((want) => {
    const t = document.querySelector('#transport')?.textContent;
    return t === want &&
      document.querySelectorAll('#feed .event').length >= 3 &&
      document.querySelectorAll('#state .row').length >= 1;
  }, transport, { timeout: 15_000, polling: 100 });
}

test('the demo page shows live events over WebSocket and the state table', async () => {
  await withPage('websocket', `${node.url}/`, async (page, seen) => {
    await waitForPage(page, 'WebSocket');
    assert.ok(seen.websockets.some((u) => u.endsWith('/ws')), `a WebSocket to /ws: ${seen.websockets}`);
    assert.ok(!seen.requests.some((u) => u.includes('/events?')), 'no SSE while WebSocket works');
    assert.match(await page.textContent('#status'), /connected/);
    const rows = await page.$$eval('#feed .event', (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
    for (const [time, topic, id, data] of rows.slice(0, 3)) {
      assert.match(time, /^\d\d:\d\d:\d\d\.\d{3}$/);
      assert.match(topic, /^(scores|quotes|weather)\//);
      assert.match(id, /^[A-Za-z0-9_-]{1,32}:\d+$/);
      assert.ok(data.length > 0);
    }
    const state = await page.$$eval('#state .row', (trs) => trs.map((tr) => tr.cells[0].textContent));
    assert.ok(state.every((t) => /^(scores|quotes|weather)\//.test(t)), `state topics: ${state}`);
  });
});

test('?transport=sse gets the live feed over Server-Sent Events', async () => {
  await withPage('sse', `${node.url}/?transport=sse`, async (page, seen) => {
    await waitForPage(page, 'SSE');
    assert.deepEqual(seen.websockets, [], 'no WebSocket when SSE is forced');
    assert.ok(seen.requests.some((u) => u.includes('/events?')), 'an /events request');
    const transports = await page.$$eval('#feed .event', (trs) => trs.map((tr) => tr.dataset.transport));
    assert.ok(transports.every((t) => t === 'SSE'), `rows came over SSE: ${transports}`);
  });
});

test('the page falls back to SSE when the WebSocket is refused', async () => {
  // The mock socket closes before any welcome: to the page, WebSocket "fails to connect".
  const refuse = (page) => page.routeWebSocket(/\/ws$/, (ws) => ws.close({ code: 1011, reason: 'refused by test' }));
  await withPage('fallback', `${node.url}/`, async (page, seen) => {
    await waitForPage(page, 'SSE');
    assert.ok(seen.requests.some((u) => u.includes('/events?')), 'an /events request');
  }, refuse);
});

test('the page reconnects with backoff when the node restarts, and keeps receiving', async () => {
  await withPage('restart', `${node.url}/`, async (page) => {
    await waitForPage(page, 'WebSocket');
    const epochOf = () => page.$eval('#feed .event .id', (td) => td.textContent.split(':')[0]);
    const before = await epochOf();
    const port = node.port;
    await node.stop();
    await page.waitForFunction(() => /reconnecting|connecting/.test(document.querySelector('#status').textContent),
      null, { timeout: 10_000 });
    node = await startHerald({ command: 'demo', listen: `127.0.0.1:${port}` });
    // A new epoch: the resume point is unknown to the new node, which sends a reset and state.
    await page.waitForFunction((old) => {
      const first = document.querySelector('#feed .event .id');
      return document.querySelector('#transport').textContent === 'WebSocket' &&
        first && !first.textContent.startsWith(`${old}:`);
    }, before, { timeout: 15_000, polling: 100 });
    assert.ok(await page.$('#feed .notice'), 'the reset notice is shown');
  });
});
