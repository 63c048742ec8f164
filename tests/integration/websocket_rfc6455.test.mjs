// RFC 6455 rules over raw TCP sockets against a real herald: the opening handshake byte by byte,
// framing, masking, control frames, fragmentation, UTF-8, size limits and the closing handshake.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHerald, publish, withDeadline } from '../lib/herald.mjs';
import { OP, encodeFrame, closePayload, rawHandshake, acceptFor, expectClose } from '../lib/ws_frames.mjs';

// A connection past the handshake with the welcome message read.
async function open(port, opts) {
  const conn = await rawHandshake(port, opts);
  assert.equal(conn.status, 101, conn.rawHead);
  const welcome = await conn.frames.next();
  assert.equal(welcome.opcode, OP.TEXT);
  assert.equal(JSON.parse(welcome.text).type, 'welcome');
  return conn;
}

function text(payload, opts = {}) {
  return encodeFrame({ opcode: OP.TEXT, payload, ...opts });
}

// The next text frame parsed as JSON, skipping nothing: control frames are left pending.
async function nextJson(conn, predicate = () => true, ms = 5_000) {
  const f = await conn.frames.next((x) => x.opcode === OP.TEXT && predicate(JSON.parse(x.text)), ms);
  return JSON.parse(f.text);
}

async function assertFailsWith(conn, code, what) {
  const frame = await expectClose(conn);
  assert.equal(frame.code, code, `${what}: close ${frame.code} ${frame.reason}`);
}

describe('RFC 6455 on a default node', () => {
  let node;
  before(async () => { node = await startHerald(); });
  after(async () => { await node?.stop(); });

  test('4.2.2: Sec-WebSocket-Accept for the RFC\'s sample key', async () => {
    const key = 'dGhlIHNhbXBsZSBub25jZQ==';
    const conn = await rawHandshake(node.port, { headers: { 'Sec-WebSocket-Key': key } });
    try {
      assert.equal(conn.status, 101, conn.rawHead);
      assert.equal(conn.headers['sec-websocket-accept'], 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
      assert.equal(conn.headers['sec-websocket-accept'], acceptFor(key));
      assert.match(conn.headers.upgrade ?? '', /^websocket$/i);
      assert.match(conn.headers.connection ?? '', /\bupgrade\b/i);
    } finally {
      conn.socket.destroy();
    }
  });

  test('4.2.1: header names and tokens are case-insensitive; Connection may list tokens', async () => {
    const conn = await rawHandshake(node.port, {
      headers: { Upgrade: 'WebSocket', Connection: 'keep-alive, Upgrade' },
    });
    try {
      assert.equal(conn.status, 101, conn.rawHead);
      assert.equal(conn.headers['sec-websocket-accept'], acceptFor(conn.key));
    } finally {
      conn.socket.destroy();
    }
  });

  test('4.2.1: a missing or malformed Sec-WebSocket-Key is 400', async () => {
    for (const key of [null, 'abc', 'dGhlIHNhbXBsZSBub25j', '!!!!!!!!!!!!!!!!!!!!!!==']) {
      const conn = await rawHandshake(node.port, { headers: { 'Sec-WebSocket-Key': key } });
      assert.equal(conn.status, 400, `key ${key}: ${conn.rawHead}`);
      conn.socket.destroy();
    }
  });

  test('4.4: a wrong Sec-WebSocket-Version is 426 with Sec-WebSocket-Version: 13', async () => {
    for (const version of ['8', '14']) {
      const conn = await rawHandshake(node.port, { headers: { 'Sec-WebSocket-Version': version } });
      assert.equal(conn.status, 426, `version ${version}: ${conn.rawHead}`);
      assert.equal(conn.headers['sec-websocket-version'], '13');
      conn.socket.destroy();
    }
    const none = await rawHandshake(node.port, { headers: { 'Sec-WebSocket-Version': null } });
    assert.ok(none.status === 426 || none.status === 400, `no version: ${none.rawHead}`);
    none.socket.destroy();
  });

  test('9.1: permessage-deflate offered, no Sec-WebSocket-Extensions answered', async () => {
    const conn = await rawHandshake(node.port, {
      headers: { 'Sec-WebSocket-Extensions': 'permessage-deflate; client_max_window_bits' },
    });
    try {
      assert.equal(conn.status, 101);
      assert.equal(conn.headers['sec-websocket-extensions'], undefined);
      // Frames stay uncompressed: RSV1 clear on the welcome.
      const welcome = await conn.frames.next();
      assert.equal(welcome.rsv, 0);
    } finally {
      conn.socket.destroy();
    }
  });

  test('5.1: server frames are unmasked and final; the welcome is the first message', async () => {
    const conn = await rawHandshake(node.port);
    try {
      const f = await conn.frames.next();
      assert.equal(f.opcode, OP.TEXT);
      assert.equal(f.masked, false);
      assert.equal(f.fin, true);
      assert.equal(JSON.parse(f.text).type, 'welcome');
    } finally {
      conn.socket.destroy();
    }
  });

  test('frames sent in the same packet as the handshake are handled', async () => {
    const conn = await rawHandshake(node.port, {
      extra: text(JSON.stringify({ type: 'publish', topic: 'pipe/a', data: 1, ref: 'p' })),
    });
    try {
      assert.equal(conn.status, 101);
      const reply = await nextJson(conn, (m) => m.type === 'published');
      assert.equal(reply.ref, 'p');
    } finally {
      conn.socket.destroy();
    }
  });

  test('5.2: 16-bit and 64-bit payload lengths are decoded', async () => {
    const conn = await open(node.port);
    try {
      const pad = 'x'.repeat(300);
      conn.send(text(JSON.stringify({ type: 'publish', topic: 'len/a', data: pad, ref: 'l16' })));
      assert.equal((await nextJson(conn, (m) => m.type === 'published')).ref, 'l16');
      const big = 'y'.repeat(70_000);
      conn.send(text(JSON.stringify({ type: 'publish', topic: 'len/b', data: big, ref: 'l64' })));
      assert.equal((await nextJson(conn, (m) => m.type === 'published')).ref, 'l64');
      conn.send(text(JSON.stringify({ type: 'subscribe', topics: ['len/b'] })));
      const ev = await nextJson(conn, (m) => m.type === 'event');
      assert.equal(ev.data, big, 'a 70 KB event comes back whole (server 64-bit length)');
    } finally {
      conn.socket.destroy();
    }
  });

  test('5.5.2/5.5.3: ping → pong with the same payload', async () => {
    const conn = await open(node.port);
    try {
      for (const payload of [Buffer.from('hello'), Buffer.alloc(0), Buffer.alloc(125, 7)]) {
        conn.send(encodeFrame({ opcode: OP.PING, payload }));
        const pong = await conn.frames.next((f) => f.opcode === OP.PONG);
        assert.deepEqual(pong.payload, payload);
        assert.equal(pong.masked, false);
      }
    } finally {
      conn.socket.destroy();
    }
  });

  test('an unsolicited pong is ignored', async () => {
    const conn = await open(node.port);
    try {
      conn.send(encodeFrame({ opcode: OP.PONG, payload: 'unsolicited' }));
      conn.send(text(JSON.stringify({ type: 'publish', topic: 'pong/a', data: 1, ref: 'after' })));
      assert.equal((await nextJson(conn, (m) => m.type === 'published')).ref, 'after');
    } finally {
      conn.socket.destroy();
    }
  });

  test('5.5.1/7.1.2: client close 1000 → server echoes close 1000 and closes TCP', async () => {
    const conn = await open(node.port);
    conn.send(encodeFrame({ opcode: OP.CLOSE, payload: closePayload(1000, 'bye') }));
    const frame = await conn.frames.next((f) => f.opcode === OP.CLOSE);
    assert.equal(frame.code, 1000);
    assert.equal(frame.masked, false);
    await withDeadline(conn.socketClosed, 5_000, 'server did not close TCP');
  });

  test('7.1.5: a close without a status code is answered with a close', async () => {
    const conn = await open(node.port);
    conn.send(encodeFrame({ opcode: OP.CLOSE }));
    const frame = await conn.frames.next((f) => f.opcode === OP.CLOSE);
    assert.ok(frame.payload.length === 0 || frame.code === 1000, `close ${frame.code}`);
    await withDeadline(conn.socketClosed, 5_000, 'server did not close TCP');
  });

  test('5.1: an unmasked client frame fails the connection with 1002', async () => {
    const conn = await open(node.port);
    conn.send(text('{"type":"ack","id":"a:1"}', { mask: false }));
    await assertFailsWith(conn, 1002, 'unmasked frame');
  });

  const protocolErrors = {
    '5.2: reserved opcode 0x3': () => encodeFrame({ opcode: 0x3, payload: 'x' }),
    '5.2: reserved control opcode 0xB': () => encodeFrame({ opcode: 0xb, payload: 'x' }),
    '5.2: RSV1 without a negotiated extension': () => text('{}', { rsv: 4 }),
    '5.2: RSV3 set': () => text('{}', { rsv: 1 }),
    '5.5: control frame payload over 125 bytes': () => encodeFrame({ opcode: OP.PING, payload: Buffer.alloc(126) }),
    '5.5: fragmented control frame': () => encodeFrame({ opcode: OP.PING, payload: 'x', fin: false }),
    '5.4: continuation without a message to continue': () => encodeFrame({ opcode: OP.CONT, payload: 'x' }),
    '5.4: a new data frame while a fragmented message is open': () => Buffer.concat([
      text('{"type":', { fin: false }), text('"ack"}'),
    ]),
    '7.4.1: close code 1005 on the wire': () => encodeFrame({ opcode: OP.CLOSE, payload: closePayload(1005) }),
    '7.4.1: close code 999': () => encodeFrame({ opcode: OP.CLOSE, payload: closePayload(999) }),
    '5.5.1: close payload of one byte': () => encodeFrame({ opcode: OP.CLOSE, payload: Buffer.from([3]) }),
  };
  for (const [name, frame] of Object.entries(protocolErrors)) {
    test(`${name} fails the connection with 1002`, async () => {
      const conn = await open(node.port);
      conn.send(frame());
      await assertFailsWith(conn, 1002, name);
    });
  }

  test('8.1: invalid UTF-8 in a text message closes with 1007', async () => {
    const conn = await open(node.port);
    conn.send(text(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d])));
    await assertFailsWith(conn, 1007, 'invalid UTF-8');
  });

  test('8.1: invalid UTF-8 split across fragments closes with 1007', async () => {
    const conn = await open(node.port);
    // "é" is C3 A9; a C3 followed by 0x28 is invalid, across the fragment boundary.
    conn.send(text(Buffer.from([0x22, 0xc3]), { fin: false }));
    conn.send(encodeFrame({ opcode: OP.CONT, payload: Buffer.from([0x28, 0x22]) }));
    await assertFailsWith(conn, 1007, 'invalid UTF-8 across fragments');
  });

  test('8.1: a UTF-8 character split across fragments is valid', async () => {
    const conn = await open(node.port);
    try {
      const msg = Buffer.from(JSON.stringify({ type: 'publish', topic: 'utf/a', data: 'é✓', ref: 'u' }));
      const at = msg.indexOf(Buffer.from('✓')) + 1;  // inside the 3-byte character
      conn.send(text(msg.subarray(0, at), { fin: false }));
      conn.send(encodeFrame({ opcode: OP.CONT, payload: msg.subarray(at) }));
      assert.equal((await nextJson(conn, (m) => m.type === 'published')).ref, 'u');
    } finally {
      conn.socket.destroy();
    }
  });

  test('7.4.1: an invalid UTF-8 close reason closes with 1007 or 1002', async () => {
    const conn = await open(node.port);
    conn.send(encodeFrame({ opcode: OP.CLOSE, payload: closePayload(1000, Buffer.from([0xff])) }));
    const frame = await expectClose(conn);
    assert.ok(frame.code === 1007 || frame.code === 1002, `close ${frame.code}`);
  });

  test('5.4: fragments with a ping between them: pong first, then the whole message handled', async () => {
    const prime = await publish(node.url, 'frag/a', '"state"');
    const conn = await open(node.port);
    try {
      const msg = Buffer.from(JSON.stringify({ type: 'subscribe', topics: ['frag/#'] }));
      conn.send(text(msg.subarray(0, 5), { fin: false }));
      conn.send(encodeFrame({ opcode: OP.CONT, payload: msg.subarray(5, 12), fin: false }));
      conn.send(encodeFrame({ opcode: OP.PING, payload: 'mid' }));
      const pong = await conn.frames.next((f) => f.opcode === OP.PONG);
      assert.equal(pong.text, 'mid');
      assert.equal(conn.frames.all.filter((f) => f.opcode === OP.TEXT).length, 1, 'only the welcome so far');
      conn.send(encodeFrame({ opcode: OP.CONT, payload: msg.subarray(12) }));
      const subscribed = await nextJson(conn);
      assert.equal(subscribed.type, 'subscribed');
      assert.deepEqual(subscribed.topics, ['frag/#']);
      const ev = await nextJson(conn);
      assert.equal(ev.type, 'event');
      assert.equal(ev.id, prime.id);
    } finally {
      conn.socket.destroy();
    }
  });

  test('a binary message is refused without crashing the node', async () => {
    const conn = await open(node.port);
    conn.send(encodeFrame({ opcode: OP.BINARY, payload: Buffer.from('{"type":"ack","id":"a:1"}') }));
    // Either an error message or a close 1003 (unsupported data); the node keeps serving.
    const f = await conn.frames.next((x) => x.opcode === OP.CLOSE || x.opcode === OP.TEXT);
    if (f.opcode === OP.CLOSE) assert.equal(f.code, 1003);
    else assert.equal(JSON.parse(f.text).type, 'error');
    conn.socket.destroy();
    const again = await open(node.port);
    again.socket.destroy();
  });
});

describe('RFC 6455 with small limits and a fast ping', () => {
  let node;
  before(async () => {
    node = await startHerald({
      config: { limits: { max_message_bytes: 128 }, timeouts: { ws_ping_ms: 200 } },
    });
  });
  after(async () => { await node?.stop(); });

  test('7.4.1: a message over max_message_bytes closes with 1009', async () => {
    const conn = await open(node.port);
    conn.send(text(JSON.stringify({ type: 'publish', topic: 'big/a', data: 'z'.repeat(200) })));
    await assertFailsWith(conn, 1009, 'oversize message');
  });

  test('7.4.1: 1009 as soon as the header announces too much', async () => {
    const conn = await open(node.port);
    // Announce 10 MB and send only the header and mask: the limit applies before the payload.
    conn.send(encodeFrame({ opcode: OP.TEXT, payload: Buffer.alloc(0), length: 10_000_000 }));
    await assertFailsWith(conn, 1009, 'announced oversize');
  });

  test('7.4.1: fragments adding up to more than the limit close with 1009', async () => {
    const conn = await open(node.port);
    conn.send(text('x'.repeat(100), { fin: false }));
    conn.send(encodeFrame({ opcode: OP.CONT, payload: 'x'.repeat(100) }));
    await assertFailsWith(conn, 1009, 'oversize fragmented message');
  });

  test('a message at the limit is accepted', async () => {
    const conn = await open(node.port);
    try {
      const base = JSON.stringify({ type: 'publish', topic: 'lim/a', data: '', ref: 'r' });
      const msg = JSON.stringify({ type: 'publish', topic: 'lim/a', data: 'a'.repeat(128 - base.length), ref: 'r' });
      assert.equal(Buffer.byteLength(msg), 128);
      conn.send(text(msg));
      const reply = await nextJson(conn, (m) => m.type === 'published' || m.type === 'error');
      assert.equal(reply.type, 'published', JSON.stringify(reply));
    } finally {
      conn.socket.destroy();
    }
  });

  test('5.5.2: the server pings every ws_ping_ms; a pong keeps the connection', async () => {
    const conn = await open(node.port);
    try {
      for (let i = 0; i < 2; i++) {
        const ping = await conn.frames.next((f) => f.opcode === OP.PING, 3_000);
        assert.equal(ping.masked, false);
        conn.send(encodeFrame({ opcode: OP.PONG, payload: ping.payload }));
      }
      conn.send(text(JSON.stringify({ type: 'publish', topic: 'p/a', data: 1, ref: 'alive' })));
      assert.equal((await nextJson(conn, (m) => m.type === 'published')).ref, 'alive');
    } finally {
      conn.socket.destroy();
    }
  });
});
