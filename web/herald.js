// Herald browser client (ES module, no dependencies).
//
// Speaks the WebSocket JSON protocol (docs/protocol.md), reconnects with exponential backoff and
// jitter, and resumes with `since` = the last id seen, so nothing is missed while the history
// still reaches back (otherwise the server sends a reset and the current state). When WebSocket
// cannot connect at all (a proxy that refuses upgrades, a network that blocks it), it falls back
// to Server-Sent Events on /events, which resume the same way.
//
//   const client = new HeraldClient({ transport: 'auto' });
//   client.on('event', (e) => console.log(e.topic, e.id, e.data));
//   client.subscribe(['scores/#']);
//   client.connect();
//   await client.publish('chat/room1', { text: 'hi' });

const DEFAULTS = {
  transport: 'auto',          // 'auto' (WebSocket, else SSE), 'websocket' or 'sse'
  initialBackoffMs: 500,      // first reconnect delay; doubles per failed attempt
  maxBackoffMs: 30_000,       // cap, so a long outage is retried twice a minute
  connectTimeoutMs: 5_000,    // WebSocket open + welcome; slower counts as a failure
  publishTimeoutMs: 10_000,   // a publish with no "published" reply by then is rejected
  wsFailuresBeforeSse: 1,     // auto: failed WebSocket attempts before SSE, if it never worked
};

export class HeraldError extends Error {
  constructor(code, message) {
    super(message ? `${code}: ${message}` : code);
    this.name = 'HeraldError';
    this.code = code;
  }
}

// Percent-encodes each level of a topic for a URL path: '#' → %23, '+' → %2B, '/' kept.
export function encodeTopicPath(topic) {
  return topic.split('/').map(encodeURIComponent).join('/');
}

// Splits "<epoch>:<seq>"; null when malformed.
export function parseId(id) {
  const m = /^([A-Za-z0-9_-]{1,32}):(\d+)$/.exec(id ?? '');
  return m ? { epoch: m[1], seq: BigInt(m[2]) } : null;
}

function defaultBaseUrl() {
  const loc = globalThis.location;
  if (!loc || !/^https?:$/.test(loc.protocol)) return 'http://127.0.0.1:8080';
  return new URL('.', loc.href).href.replace(/\/$/, '');
}

export class HeraldClient {
  // options: url (http(s) base, default: the page's directory), transport, and the DEFAULTS.
  constructor(options = {}) {
    this.options = { ...DEFAULTS, ...options };
    this.baseUrl = (options.url ?? defaultBaseUrl()).replace(/\/$/, '');
    this.filters = new Set();
    this.lastId = null;        // the last id seen: where a reconnect resumes
    this.transport = null;     // 'WebSocket' or 'SSE' while connected, else null
    this.status = 'idle';      // idle | connecting | connected | reconnecting | closed
    this.welcome = null;       // the server's last welcome message (WebSocket)

    this._listeners = new Map();
    this._stopped = true;
    this._ws = null;
    this._es = null;
    this._timer = null;
    this._attempt = 0;         // consecutive failed attempts, for the backoff
    this._wsFailures = 0;      // consecutive WebSocket attempts that never got a welcome
    this._wsEverWorked = false;
    this._pending = new Map(); // publish ref → {resolve, reject, timer}
    this._refSeq = 0;
  }

  // Registers `callback` for 'event', 'reset', 'status', 'welcome', 'subscribed', 'error',
  // 'disconnect'. Returns a function that removes it.
  on(type, callback) {
    if (!this._listeners.has(type)) this._listeners.set(type, new Set());
    this._listeners.get(type).add(callback);
    return () => this._listeners.get(type)?.delete(callback);
  }

  connect() {
    if (!this._stopped) return this;
    this._stopped = false;
    this._open();
    return this;
  }

  close() {
    this._stopped = true;
    clearTimeout(this._timer);
    this._closeWs(1000, 'client closed');
    this._closeSse();
    this._failPending(new HeraldError('closed', 'client closed'));
    this.transport = null;
    this._setStatus('closed');
  }

  // Adds filters. New filters get the current state of their topics first, then live events.
  subscribe(filters) {
    const added = [].concat(filters).filter((f) => !this.filters.has(f));
    for (const f of added) this.filters.add(f);
    if (added.length === 0 || this._stopped) return;
    if (this._wsReady()) {
      this._send({ type: 'subscribe', topics: added });
    } else if (this._es) {
      this._restartSse({ resume: false });  // fresh state for every filter, new ones included
    } else if (!this._ws && !this._timer) {
      this._open();
    }
  }

  unsubscribe(filters) {
    const removed = [].concat(filters).filter((f) => this.filters.delete(f));
    if (removed.length === 0 || this._stopped) return;
    if (this._wsReady()) this._send({ type: 'unsubscribe', topics: removed });
    else if (this._es) this._restartSse({ resume: true });
  }

  // Publishes `data` (a string is published as its text, anything else as JSON) on `topic`.
  // Resolves with {id} once the node has assigned the event its id. Over WebSocket when
  // connected (with `ref`, or one made up), else over REST.
  publish(topic, data, { retain = true, ref } = {}) {
    if (this._wsReady()) {
      const r = ref ?? `c${++this._refSeq}`;
      const msg = { type: 'publish', topic, data, ref: r };
      if (!retain) msg.retain = false;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          this._pending.delete(r);
          reject(new HeraldError('timeout', `no reply to publish ${r}`));
        }, this.options.publishTimeoutMs);
        this._pending.set(r, { resolve, reject, timer });
        this._send(msg);
      });
    }
    const body = typeof data === 'string' ? data : JSON.stringify(data);
    const url = `${this.baseUrl}/api/publish/${encodeTopicPath(topic)}${retain ? '' : '?retain=false'}`;
    return fetch(url, { method: 'POST', body }).then(async (res) => {
      const json = await res.json().catch(() => null);
      if (!res.ok) {
        throw new HeraldError(json?.error?.code ?? `http_${res.status}`, json?.error?.message ?? res.statusText);
      }
      return { id: json.id, ref };
    });
  }

  // Acknowledges an event (WebSocket only; dropped otherwise).
  ack(id, extra = {}) {
    if (this._wsReady()) this._send({ type: 'ack', id, ...extra });
  }

  // ---- internals -------------------------------------------------------------------------

  _emit(type, value) {
    for (const cb of this._listeners.get(type) ?? []) {
      try {
        cb(value);
      } catch (err) {
        setTimeout(() => { throw err; });  // a listener's bug must not break the client
      }
    }
  }

  _setStatus(status, extra = {}) {
    this.status = status;
    this._emit('status', { status, transport: this.transport, ...extra });
  }

  _wsReady() {
    return this._ws !== null && this._ws.readyState === 1 && this.transport === 'WebSocket';
  }

  _send(msg) {
    this._ws.send(JSON.stringify(msg));
  }

  _nextTransport() {
    const mode = this.options.transport;
    if (mode === 'sse' || typeof WebSocket === 'undefined') return 'sse';
    if (mode === 'websocket' || typeof EventSource === 'undefined') return 'websocket';
    // Once WebSocket has worked, failures mean the node is down or restarting: keep trying it.
    if (!this._wsEverWorked && this._wsFailures >= this.options.wsFailuresBeforeSse) return 'sse';
    return 'websocket';
  }

  _open() {
    this._timer = null;
    if (this._stopped) return;
    if (this._nextTransport() === 'sse') this._openSse({ resume: true });
    else this._openWs();
  }

  _scheduleReconnect() {
    if (this._stopped || this._timer) return;
    const { initialBackoffMs, maxBackoffMs } = this.options;
    const ceiling = Math.min(maxBackoffMs, initialBackoffMs * 2 ** Math.min(this._attempt, 20));
    const delay = Math.round(ceiling / 2 + Math.random() * (ceiling / 2));  // jitter: [½, 1]×
    this._attempt++;
    this._setStatus('reconnecting', { retryInMs: delay });
    this._timer = setTimeout(() => this._open(), delay);
  }

  // Records an event's id as the resume point: the highest seq seen in the newest epoch.
  _seen(id) {
    const next = parseId(id);
    if (!next) return;
    const last = parseId(this.lastId);
    if (!last || last.epoch !== next.epoch || next.seq > last.seq) this.lastId = id;
  }

  _deliver(msg, transport) {
    this._seen(msg.id);
    const event = { topic: msg.topic, id: msg.id, transport, receivedAt: Date.now() };
    if ('data' in msg) event.data = msg.data;
    if ('data_b64' in msg) event.data_b64 = msg.data_b64;
    for (const [k, v] of Object.entries(msg)) if (!(k in event) && k !== 'type') event[k] = v;
    this._emit('event', event);
  }

  _failPending(err) {
    for (const [, p] of this._pending) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    this._pending.clear();
  }

  // WebSocket -----------------------------------------------------------------------------

  _openWs() {
    const url = `${this.baseUrl.replace(/^http/, 'ws')}/ws`;
    let ws;
    try {
      ws = new WebSocket(url);
    } catch (err) {
      this._wsFailures++;
      this._emit('error', err);
      this._scheduleReconnect();
      return;
    }
    this._ws = ws;
    this._setStatus('connecting', { transport: 'WebSocket' });
    let welcomed = false;
    const timeout = setTimeout(() => { if (!welcomed) ws.close(); }, this.options.connectTimeoutMs);

    ws.onmessage = (m) => {
      if (this._ws !== ws) return;
      let msg;
      try {
        msg = JSON.parse(m.data);
      } catch {
        return;
      }
      switch (msg.type) {
        case 'welcome':
          welcomed = true;
          clearTimeout(timeout);
          this.welcome = msg;
          this._wsEverWorked = true;
          this._wsFailures = 0;
          this._attempt = 0;
          this.transport = 'WebSocket';
          this._setStatus('connected');
          this._emit('welcome', msg);
          if (this.filters.size > 0) {
            const sub = { type: 'subscribe', topics: [...this.filters] };
            if (this.lastId) sub.since = this.lastId;
            this._send(sub);
          }
          break;
        case 'event':
          this._deliver(msg, 'WebSocket');
          break;
        case 'reset':
          this._emit('reset', msg);
          break;
        case 'subscribed':
          this._emit('subscribed', msg);
          break;
        case 'published': {
          const p = this._pending.get(msg.ref);
          if (p) {
            this._pending.delete(msg.ref);
            clearTimeout(p.timer);
            p.resolve({ id: msg.id, ref: msg.ref });
          }
          break;
        }
        case 'error': {
          const err = new HeraldError(msg.code, msg.message);
          const p = msg.ref !== undefined ? this._pending.get(msg.ref) : undefined;
          if (p) {
            this._pending.delete(msg.ref);
            clearTimeout(p.timer);
            p.reject(err);
          } else {
            this._emit('error', err);
          }
          break;
        }
        default:
          break;  // newer server messages are ignored
      }
    };

    ws.onclose = (ev) => {
      clearTimeout(timeout);
      if (this._ws !== ws) return;
      this._ws = null;
      this.transport = null;
      if (!welcomed) this._wsFailures++;
      this._failPending(new HeraldError('disconnected', `WebSocket closed (${ev.code})`));
      this._emit('disconnect', { transport: 'WebSocket', code: ev.code, reason: ev.reason });
      if (this._stopped) return;
      // Never connected and the next try is SSE: fall back at once, no need to wait.
      if (!welcomed && this._nextTransport() === 'sse') {
        this._open();
      } else {
        this._scheduleReconnect();
      }
    };
    ws.onerror = () => {};  // onclose follows with the details there are
  }

  _closeWs(code, reason) {
    const ws = this._ws;
    this._ws = null;
    if (ws && ws.readyState <= 1) ws.close(code, reason);
  }

  // Server-Sent Events --------------------------------------------------------------------

  _openSse({ resume }) {
    if (this.filters.size === 0) {
      this._setStatus('idle');  // /events needs a topic; opened on the first subscribe
      return;
    }
    const params = [...this.filters].map((f) => `topic=${encodeURIComponent(f)}`);
    if (resume && this.lastId) params.push(`since=${encodeURIComponent(this.lastId)}`);
    const es = new EventSource(`${this.baseUrl}/events?${params.join('&')}`);
    this._es = es;
    this._setStatus('connecting', { transport: 'SSE' });

    es.onopen = () => {
      if (this._es !== es) return;
      this._attempt = 0;
      this.transport = 'SSE';
      this._setStatus('connected');
    };
    es.onmessage = (m) => {
      if (this._es !== es) return;
      let msg;
      try {
        msg = JSON.parse(m.data);
      } catch {
        return;
      }
      this._deliver(msg, 'SSE');
    };
    es.addEventListener('reset', (m) => {
      if (this._es !== es) return;
      let msg = {};
      try { msg = m.data ? JSON.parse(m.data) : {}; } catch { /* a bare notice */ }
      this._emit('reset', { type: 'reset', ...msg });
    });
    es.onerror = () => {
      if (this._es !== es) return;
      if (es.readyState === 2) {
        // Closed for good (an HTTP error or a wrong content type): reconnect ourselves. If the
        // node was simply down, WebSocket gets another chance first.
        this._es = null;
        this.transport = null;
        this._wsFailures = 0;
        this._emit('disconnect', { transport: 'SSE' });
        this._scheduleReconnect();
      } else {
        // The browser reconnects by itself, sending Last-Event-ID: the resume point.
        this.transport = null;
        this._setStatus('reconnecting');
      }
    };
  }

  _closeSse() {
    const es = this._es;
    this._es = null;
    if (es) es.close();
  }

  _restartSse({ resume }) {
    this._closeSse();
    this.transport = null;
    this._openSse({ resume });
  }
}
