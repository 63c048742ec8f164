// The demo page: a live feed over WebSocket (or SSE), the state table over REST with ETag
// polling, a publish form. `?transport=sse` forces SSE; `?topic=a/#&topic=b/+` sets the filters.
import { HeraldClient, encodeTopicPath } from './herald.js';

const FEED_ROWS = 200;         // the feed keeps the newest rows only
const STATE_POLL_MS = 3_000;   // state refresh; a 304 costs the server almost nothing

const params = new URLSearchParams(location.search);
const mode = { sse: 'sse', ws: 'websocket', websocket: 'websocket' }[params.get('transport')] ?? 'auto';
const filters = params.getAll('topic').length ? params.getAll('topic') : ['#'];
const stateFilter = params.get('state') ?? '#';

const $ = (id) => document.getElementById(id);
const client = new HeraldClient({ transport: mode });
let count = 0;

function dataText(item) {
  if ('data_b64' in item) return `base64:${item.data_b64}`;
  if (typeof item.data === 'string') return item.data;
  return JSON.stringify(item.data);
}

function cell(text, className) {
  const td = document.createElement('td');
  const full = String(text);
  td.textContent = full.length > 300 ? `${full.slice(0, 300)}…` : full;
  if (full.length > 300) td.title = full;
  if (className) td.className = className;
  return td;
}

function clock(ms) {
  const d = new Date(ms);
  const pad = (n, w = 2) => String(n).padStart(w, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

function addFeedRow(row) {
  const feed = $('feed');
  feed.prepend(row);
  while (feed.rows.length > FEED_ROWS) feed.deleteRow(-1);
}

client.on('event', (e) => {
  const tr = document.createElement('tr');
  tr.className = 'event';
  tr.dataset.transport = e.transport;
  tr.append(cell(clock(e.receivedAt), 'time'), cell(e.topic, 'topic'), cell(e.id, 'id'), cell(dataText(e), 'data'));
  addFeedRow(tr);
  count++;
  $('count').textContent = String(count);
  $('last-id').textContent = client.lastId ?? '—';
});

client.on('reset', () => {
  const tr = document.createElement('tr');
  tr.className = 'notice';
  const td = cell('reset: history no longer reaches back; current state follows');
  td.colSpan = 4;
  tr.append(td);
  addFeedRow(tr);
});

client.on('welcome', (w) => { $('node').textContent = `${w.node} (epoch ${w.epoch})`; });

client.on('status', ({ status, retryInMs }) => {
  const el = $('status');
  el.className = `status ${status}`;
  el.textContent = status === 'reconnecting' && retryInMs !== undefined
    ? `reconnecting in ${(retryInMs / 1000).toFixed(1)} s` : status;
  $('transport').textContent = client.transport ?? '—';
});

client.on('error', (err) => console.warn('herald:', err.message ?? err));

// ---- state table -------------------------------------------------------------------------

let etag = null;
let shownIds = new Map();  // topic → id, to mark rows that changed since the last refresh

function renderState(items) {
  const body = $('state');
  const next = new Map();
  const rows = items.map((item) => {
    const tr = document.createElement('tr');
    tr.className = shownIds.size && shownIds.get(item.topic) !== item.id ? 'row changed' : 'row';
    tr.append(cell(item.topic, 'topic'), cell(item.id, 'id'), cell(dataText(item), 'data'));
    next.set(item.topic, item.id);
    return tr;
  });
  body.replaceChildren(...rows);
  shownIds = next;
}

async function refreshState() {
  try {
    const headers = etag ? { 'If-None-Match': etag } : {};
    const res = await fetch(`${client.baseUrl}/api/state/${encodeTopicPath(stateFilter)}`,
      { headers, cache: 'no-store' });
    const when = clock(Date.now());
    if (res.status === 304) {
      $('state-info').textContent = `unchanged at ${when} (304)`;
    } else if (res.ok) {
      const { items } = await res.json();
      etag = res.headers.get('ETag');
      renderState(items);
      $('state-info').textContent = `${items.length} rows at ${when}`;
    } else {
      $('state-info').textContent = `error ${res.status} at ${when}`;
    }
  } catch (err) {
    $('state-info').textContent = `unreachable: ${err.message}`;
  } finally {
    setTimeout(refreshState, STATE_POLL_MS);
  }
}

// ---- publish form ------------------------------------------------------------------------

$('publish-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const out = $('pub-result');
  try {
    // The text is published as is: JSON text arrives as JSON, other text as a string.
    const { id } = await client.publish($('pub-topic').value, $('pub-data').value,
      { retain: $('pub-retain').checked });
    out.textContent = `published ${id}`;
  } catch (err) {
    out.textContent = `failed: ${err.message}`;
  }
});

$('filters').textContent = filters.join(', ');
client.subscribe(filters);
client.connect();
refreshState();
