// Helpers for Herald's integration and browser tests: start a real herald on a free loopback
// port, talk to it with curl, fetch, raw-HTTP SSE and `ws`, and wait on conditions with
// deadlines (never fixed sleeps).
import { spawn, execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(path.join(repoRoot, 'package.json'));
export const WebSocket = require('ws');
export const EventSource = require('eventsource');

export const ID_RE = /^([A-Za-z0-9_-]{1,32}):(\d+)$/;

// Splits "<epoch>:<seq>" into {epoch, seq (BigInt)}; throws when malformed.
export function parseId(id) {
  const m = ID_RE.exec(id);
  if (!m) throw new Error(`not an event id: ${JSON.stringify(id)}`);
  return { epoch: m[1], seq: BigInt(m[2]) };
}

export function heraldBin() {
  const bin = process.env.HERALD_BIN;
  if (bin) return path.resolve(process.cwd(), bin);
  return path.join(repoRoot, 'build/herald');
}

// Renders {section: {key: value}} as TOML; a string is taken as TOML already.
export function toToml(config) {
  if (typeof config === 'string') return config;
  const value = (v) => {
    if (Array.isArray(v)) return `[${v.map(value).join(', ')}]`;
    if (typeof v === 'string') return JSON.stringify(v);
    return String(v);
  };
  let out = '';
  for (const [section, keys] of Object.entries(config)) {
    out += `[${section}]\n`;
    for (const [k, v] of Object.entries(keys)) out += `${k} = ${value(v)}\n`;
    out += '\n';
  }
  return out;
}

// Starts `herald <command> --listen <listen> [--config FILE] ...args` and waits (10 s) for its
// "listening on http://HOST:PORT" line. `config` is TOML text or {section: {key: value}}.
// Returns {url, host, port, proc, log(), stop()}; stop() sends SIGTERM, SIGKILL after 5 s.
export async function startHerald({ command = 'serve', args = [], config, env, listen = '127.0.0.1:0' } = {}) {
  let dir;
  const argv = [command, '--listen', listen];
  if (config !== undefined) {
    dir = mkdtempSync(path.join(tmpdir(), 'herald-test-'));
    const file = path.join(dir, 'herald.toml');
    writeFileSync(file, toToml(config));
    argv.push('--config', file);
  }
  argv.push(...args);
  const bin = heraldBin();
  const proc = spawn(bin, argv, {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const onData = (chunk) => {
    log += chunk.toString();
    if (log.length > 1 << 20) log = log.slice(-(1 << 19));
  };
  proc.stdout.on('data', onData);
  proc.stderr.on('data', onData);
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  const cleanup = () => { if (dir) rmSync(dir, { recursive: true, force: true }); };

  let found;
  try {
    found = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(
        `herald did not report "listening on" within 10 s (${bin} ${argv.join(' ')})\n${log}`)), 10_000);
      const check = () => {
        const m = /listening on http:\/\/([0-9.]+):(\d+)/.exec(log);
        if (m) { clearTimeout(timer); resolve({ host: m[1], port: Number(m[2]) }); }
      };
      proc.stdout.on('data', check);
      proc.stderr.on('data', check);
      proc.on('error', (err) => { clearTimeout(timer); reject(err); });
      exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`herald exited (code ${code}, signal ${signal}) before listening\n${log}`));
      });
    });
  } catch (err) {
    proc.kill('SIGKILL');
    cleanup();
    throw err;
  }
  const { host, port } = found;
  let stopped;
  const stop = () => {
    if (stopped) return stopped;
    stopped = (async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      const killer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
      const result = await exited;
      clearTimeout(killer);
      cleanup();
      return result;
    })();
    return stopped;
  };
  return { url: `http://${host}:${port}`, host, port, proc, stop, log: () => log };
}

// Resolves or rejects as `promise` does, or rejects with `message` after `timeoutMs`; the timer
// is cleared either way, so it never keeps the test process alive.
export function withDeadline(promise, timeoutMs, message) {
  let timer;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${message} (after ${timeoutMs} ms)`)), timeoutMs);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

// Resolves when `condition()` (sync or async) returns a truthy value; throws after `timeoutMs`.
export async function waitFor(condition, { timeoutMs = 5_000, intervalMs = 20, message } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await condition();
    if (last) return last;
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${message ?? condition.toString()}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

// Percent-encodes each level of a topic or filter for a URL path ('#' → %23, '+' → %2B).
export function encodeTopicPath(topic) {
  return topic.split('/').map((level) => encodeURIComponent(level)).join('/');
}

// ---------------------------------------------------------------------------------------------
// curl

// Runs curl and parses its response: {status, headers (lower-case names, repeated joined by
// ", "), headerList [[name, value]], body (string), bodyBytes (Buffer), json()}.
// `data` (string or Buffer) is sent byte-exact on stdin with --data-binary.
export function curl(url, { method, data, headers = {}, extra = [] } = {}) {
  const args = ['-sS', '-i', '--path-as-is', '--max-time', '10', '-H', 'Expect:'];
  if (method) args.push('-X', method);
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}: ${v}`);
  if (data !== undefined) args.push('--data-binary', '@-');
  args.push(...extra, url);
  return new Promise((resolve, reject) => {
    const child = execFile('curl', args, { encoding: 'buffer', maxBuffer: 64 << 20 },
      (err, stdout, stderr) => {
        if (err) {
          reject(new Error(`curl ${args.join(' ')} failed: ${err.message} ${stderr}`));
          return;
        }
        try {
          resolve(parseHttpResponse(stdout));
        } catch (e) {
          reject(e);
        }
      });
    if (data !== undefined) child.stdin.end(typeof data === 'string' ? Buffer.from(data) : data);
    else child.stdin.end();
  });
}

function parseHttpResponse(buf) {
  let rest = buf;
  for (;;) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) throw new Error(`no header block in curl output: ${buf.toString()}`);
    const head = rest.subarray(0, end).toString('latin1');
    rest = rest.subarray(end + 4);
    const lines = head.split('\r\n');
    const status = Number(/^HTTP\/[\d.]+ (\d{3})/.exec(lines[0])?.[1]);
    if (status >= 100 && status < 200) continue;  // 100 Continue and the like
    const headerList = lines.slice(1).map((l) => {
      const i = l.indexOf(':');
      return [l.slice(0, i).trim().toLowerCase(), l.slice(i + 1).trim()];
    });
    const headers = {};
    for (const [k, v] of headerList) headers[k] = k in headers ? `${headers[k]}, ${v}` : v;
    const body = rest.toString('utf8');
    return {
      status, statusLine: lines[0], headers, headerList, body, bodyBytes: rest,
      json() { return JSON.parse(body); },
    };
  }
}

// ---------------------------------------------------------------------------------------------
// fetch

export async function getJson(url, init) {
  const res = await fetch(url, init);
  const text = await res.text();
  let body;
  try { body = JSON.parse(text); } catch { body = undefined; }
  return { status: res.status, headers: res.headers, text, body };
}

// The value of one sample in the node's /metrics (`name` as it appears, labels included), or
// undefined when the node does not report it.
export async function metric(base, name) {
  const body = (await curl(`${base}/metrics`)).body;
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const value = new RegExp(`^${escaped} (\\S+)$`, 'm').exec(body)?.[1];
  return value === undefined ? undefined : Number(value);
}

// POST /api/publish/<topic>; returns the parsed {id, topic} (throws on a non-200).
export async function publish(base, topic, payload, { retain = true } = {}) {
  const url = `${base}/api/publish/${encodeTopicPath(topic)}${retain ? '' : '?retain=false'}`;
  const res = await fetch(url, { method: 'POST', body: payload });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`publish ${topic}: ${res.status} ${text}`);
  return JSON.parse(text);
}

export async function getState(base, filter) {
  const res = await getJson(`${base}/api/state/${encodeTopicPath(filter)}`);
  if (res.status !== 200) throw new Error(`state ${filter}: ${res.status} ${res.text}`);
  return res.body.items;
}

// ---------------------------------------------------------------------------------------------
// A queue of received items that tests consume in order with deadlines.

export class Inbox {
  constructor(describe = (x) => JSON.stringify(x)) {
    this.all = [];      // every item ever received, in order
    this.queue = [];    // items not taken yet, in order
    this.waiters = [];
    this.ended = null;  // set when the source ends: no more items will come
    this.describe = describe;
  }

  push(item) {
    this.all.push(item);
    this.queue.push(item);
    this.#wake();
  }

  end(reason) {
    if (this.ended) return;
    this.ended = reason ?? 'ended';
    this.#wake();
  }

  #wake() {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  // Takes the first pending item matching `predicate` (others stay pending, in order).
  // Rejects after `timeoutMs`, or when the source ended without a match.
  next(predicate = () => true, timeoutMs = 5_000) {
    return new Promise((resolve, reject) => {
      let timer;
      let done = false;
      const fail = (why) => {
        done = true;
        clearTimeout(timer);
        const pending = this.queue.map(this.describe).join('\n  ');
        reject(new Error(`${why}; predicate ${predicate}; pending:\n  ${pending}`));
      };
      const attempt = (timedOut) => {
        if (done) return;
        const i = this.queue.findIndex((x) => predicate(x));
        if (i >= 0) {
          done = true;
          clearTimeout(timer);
          resolve(this.queue.splice(i, 1)[0]);
          return;
        }
        if (this.ended) return fail(`source ended (${this.ended}) before a matching item`);
        if (timedOut) return fail(`no matching item within ${timeoutMs} ms`);
        this.waiters.push(() => attempt(false));
      };
      timer = setTimeout(() => attempt(true), timeoutMs);
      attempt(false);
    });
  }

  // The next `count` pending items, in order, whatever they are.
  async take(count, timeoutMs = 5_000) {
    const out = [];
    const deadline = Date.now() + timeoutMs;
    for (let i = 0; i < count; i++) out.push(await this.next(() => true, Math.max(1, deadline - Date.now())));
    return out;
  }

  pending() {
    return [...this.queue];
  }
}

// ---------------------------------------------------------------------------------------------
// Raw-HTTP SSE reader: keeps every wire line and parses events.

// Opens `url` with http.get and parses the stream. Resolves once the response head arrives with
// {status, headers, rawHeaders, lines (Inbox of raw lines), events (Inbox of parsed events),
// body() (non-SSE responses: the whole body), close()}. A parsed event is
// {event, id, data, dataLines, retry, comments} where `data` is the joined data text.
export function openSse(url, { headers = {}, timeoutMs = 5_000 } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { Accept: 'text/event-stream', ...headers } });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`no SSE response head within ${timeoutMs} ms: ${url}`));
    }, timeoutMs);
    req.on('error', (err) => { clearTimeout(timer); reject(err); });
    req.on('response', (res) => {
      clearTimeout(timer);
      const lines = new Inbox((x) => JSON.stringify(x));
      const events = new Inbox((e) => JSON.stringify(e));
      let buffer = '';
      let raw = Buffer.alloc(0);
      let current = { comments: [], dataLines: [] };
      let bodyResolve;
      const bodyDone = new Promise((r) => { bodyResolve = r; });
      res.on('data', (chunk) => {
        raw = Buffer.concat([raw, chunk]);
        buffer += chunk.toString('utf8');
        for (;;) {
          const m = /\r\n|\r|\n/.exec(buffer);
          if (!m) break;
          // A lone CR at the end of a chunk may be the start of CRLF: wait for more.
          if (m[0] === '\r' && m.index === buffer.length - 1) break;
          const line = buffer.slice(0, m.index);
          buffer = buffer.slice(m.index + m[0].length);
          lines.push(line);
          if (line === '') {
            if (current.dataLines.length || current.event !== undefined || current.id !== undefined ||
                current.retry !== undefined || current.comments.length) {
              const ev = { ...current, data: current.dataLines.length ? current.dataLines.join('\n') : undefined };
              events.push(ev);
            }
            current = { comments: [], dataLines: [] };
            continue;
          }
          if (line.startsWith(':')) { current.comments.push(line.slice(1).trim()); continue; }
          const i = line.indexOf(':');
          const field = i < 0 ? line : line.slice(0, i);
          let value = i < 0 ? '' : line.slice(i + 1);
          if (value.startsWith(' ')) value = value.slice(1);
          if (field === 'data') current.dataLines.push(value);
          else if (field === 'id') current.id = value;
          else if (field === 'event') current.event = value;
          else if (field === 'retry') current.retry = value;
        }
      });
      res.on('end', () => { lines.end('end'); events.end('end'); bodyResolve(raw.toString('utf8')); });
      res.on('close', () => { lines.end('closed'); events.end('closed'); bodyResolve(raw.toString('utf8')); });
      res.on('error', () => {});
      resolve({
        status: res.statusCode,
        headers: res.headers,
        rawHeaders: res.rawHeaders,
        lines,
        events,
        body: () => bodyDone,
        // The next event that carries data (not a lone comment or retry block).
        nextMessage(predicate = () => true, ms = 5_000) {
          return events.next((e) => e.data !== undefined && predicate(e), ms);
        },
        close() { req.destroy(); },
      });
    });
  });
}

// An SSE message event's JSON body: {topic, id, data | data_b64}.
export function sseJson(ev) {
  return JSON.parse(ev.data);
}

// ---------------------------------------------------------------------------------------------
// WebSocket client wrapper over `ws`.

// Connects to `${base}/ws` (http:// → ws://) and collects JSON text messages into an Inbox.
// Resolves after the socket opens, with {ws, inbox, next(pred, ms), send(obj), sendRaw(x),
// closed (Promise of {code, reason}), close()}.
export function connectWs(base, { path: wsPath = '/ws', timeoutMs = 5_000, options = {} } = {}) {
  const url = base.replace(/^http/, 'ws') + wsPath;
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options);
    const inbox = new Inbox();
    let closedResolve;
    const closed = new Promise((r) => { closedResolve = r; });
    const timer = setTimeout(() => { ws.terminate(); reject(new Error(`ws ${url}: no open within ${timeoutMs} ms`)); }, timeoutMs);
    ws.on('message', (data, isBinary) => {
      const text = data.toString('utf8');
      let msg;
      try { msg = JSON.parse(text); } catch { msg = { type: '<non-json>', text, isBinary }; }
      inbox.push(msg);
    });
    ws.on('close', (code, reason) => {
      inbox.end(`closed ${code} ${reason}`);
      closedResolve({ code, reason: reason.toString() });
    });
    ws.on('error', (err) => { clearTimeout(timer); if (ws.readyState !== WebSocket.OPEN) reject(err); });
    ws.on('open', () => {
      clearTimeout(timer);
      resolve({
        ws,
        inbox,
        closed,
        next: (predicate, ms) => inbox.next(predicate, ms),
        // The next message of `type`, optionally also matching `predicate`.
        nextType: (type, predicate = () => true, ms) => inbox.next((m) => m.type === type && predicate(m), ms),
        send: (obj) => ws.send(JSON.stringify(obj)),
        sendRaw: (data) => ws.send(data),
        close: () => { if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close(); return closed; },
        terminate: () => ws.terminate(),
      });
    });
  });
}

// Connects and consumes the welcome message; returns the client with `welcome` set.
export async function connectWsWelcomed(base, opts) {
  const client = await connectWs(base, opts);
  client.welcome = await client.nextType('welcome');
  return client;
}

// Connects, subscribes to `topics` and waits for the `subscribed` answer.
export async function connectWsSubscribed(base, topics, opts) {
  const client = await connectWsWelcomed(base, opts);
  client.send({ type: 'subscribe', topics });
  await client.nextType('subscribed');
  return client;
}

// The contract's fields of an envelope or item ({topic, id, data | data_b64}), leaving out any
// extra metadata (stamps) a server may add.
export function core(item) {
  const out = { topic: item.topic, id: item.id };
  if ('data' in item) out.data = item.data;
  if ('data_b64' in item) out.data_b64 = item.data_b64;
  return out;
}
