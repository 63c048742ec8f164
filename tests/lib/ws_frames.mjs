// RFC 6455 frames by hand, for raw-socket tests: a frame encoder (masked or not, any RSV bits or
// opcode, fragments), a frame reader for the server's frames, and a hand-made handshake.
import net from 'node:net';
import crypto from 'node:crypto';
import { Inbox, withDeadline } from './herald.mjs';

export const OP = { CONT: 0x0, TEXT: 0x1, BINARY: 0x2, CLOSE: 0x8, PING: 0x9, PONG: 0xa };
export const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export function acceptFor(key) {
  return crypto.createHash('sha1').update(key + GUID).digest('base64');
}

// One frame. `payload` is a Buffer or string; `mask` false sends it unmasked (a protocol error
// from a client); `length` overrides the header's length field (to announce a size without
// sending it).
export function encodeFrame({ opcode, payload = Buffer.alloc(0), fin = true, rsv = 0, mask = true,
  maskKey = crypto.randomBytes(4), length } = {}) {
  const body = Buffer.isBuffer(payload) ? payload : Buffer.from(payload, 'utf8');
  const len = length ?? body.length;
  const head = [((fin ? 0x80 : 0) | ((rsv & 7) << 4) | (opcode & 0xf))];
  const maskBit = mask ? 0x80 : 0;
  if (len < 126) {
    head.push(maskBit | len);
  } else if (len < 65536) {
    head.push(maskBit | 126, len >> 8, len & 0xff);
  } else {
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(BigInt(len));
    head.push(maskBit | 127, ...b);
  }
  let out = Buffer.from(head);
  if (mask) {
    const masked = Buffer.alloc(body.length);
    for (let i = 0; i < body.length; i++) masked[i] = body[i] ^ maskKey[i & 3];
    out = Buffer.concat([out, maskKey, masked]);
  } else {
    out = Buffer.concat([out, body]);
  }
  return out;
}

export function closePayload(code, reason = '') {
  const r = Buffer.isBuffer(reason) ? reason : Buffer.from(reason, 'utf8');
  const b = Buffer.alloc(2 + r.length);
  b.writeUInt16BE(code, 0);
  r.copy(b, 2);
  return b;
}

// Parses frames from the server: {fin, rsv, opcode, masked, payload (Buffer), text, code (close)}.
export class FrameReader {
  constructor(onFrame) {
    this.buf = Buffer.alloc(0);
    this.onFrame = onFrame;
  }

  push(chunk) {
    this.buf = Buffer.concat([this.buf, chunk]);
    for (;;) {
      const b = this.buf;
      if (b.length < 2) return;
      const fin = (b[0] & 0x80) !== 0;
      const rsv = (b[0] >> 4) & 7;
      const opcode = b[0] & 0xf;
      const masked = (b[1] & 0x80) !== 0;
      let len = b[1] & 0x7f;
      let off = 2;
      if (len === 126) {
        if (b.length < 4) return;
        len = b.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (b.length < 10) return;
        len = Number(b.readBigUInt64BE(2));
        off = 10;
      }
      let maskKey;
      if (masked) {
        if (b.length < off + 4) return;
        maskKey = b.subarray(off, off + 4);
        off += 4;
      }
      if (b.length < off + len) return;
      let payload = Buffer.from(b.subarray(off, off + len));
      if (masked) for (let i = 0; i < payload.length; i++) payload[i] ^= maskKey[i & 3];
      this.buf = b.subarray(off + len);
      const frame = { fin, rsv, opcode, masked, payload, text: payload.toString('utf8') };
      if (opcode === OP.CLOSE && payload.length >= 2) {
        frame.code = payload.readUInt16BE(0);
        frame.reason = payload.subarray(2).toString('utf8');
      }
      this.onFrame(frame);
    }
  }
}

function describeFrame(f) {
  const name = Object.entries(OP).find(([, v]) => v === f.opcode)?.[0] ?? `op${f.opcode}`;
  return `${name}${f.fin ? '' : '(no FIN)'}${f.masked ? '(masked)' : ''} ` +
    (f.opcode === OP.CLOSE ? `code=${f.code} reason=${JSON.stringify(f.reason)}` : JSON.stringify(f.text.slice(0, 200)));
}

// Opens a TCP connection to 127.0.0.1:`port`, sends a hand-made upgrade request (default headers
// of a valid handshake, overridable; a header set to null is left out), followed by `extra`
// bytes in the same write, and reads the response head. Resolves with {status, statusLine,
// headers (lower-case), rawHead, key, socket, frames (Inbox of server frames after the head),
// socketClosed (Promise), send(buf), body()}.
export function rawHandshake(port, { headers = {}, path = '/ws', extra, timeoutMs = 5_000 } = {}) {
  const key = crypto.randomBytes(16).toString('base64');
  const all = {
    Host: `127.0.0.1:${port}`,
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': key,
    'Sec-WebSocket-Version': '13',
    ...headers,
  };
  let request = `GET ${path} HTTP/1.1\r\n`;
  for (const [k, v] of Object.entries(all)) if (v !== null && v !== undefined) request += `${k}: ${v}\r\n`;
  request += '\r\n';

  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const frames = new Inbox(describeFrame);
    let closedResolve;
    const socketClosed = new Promise((r) => { closedResolve = r; });
    let head = null;
    let pre = Buffer.alloc(0);
    let rest = Buffer.alloc(0);
    const reader = new FrameReader((f) => frames.push(f));
    const timer = setTimeout(() => { socket.destroy(); reject(new Error(`no handshake response within ${timeoutMs} ms`)); }, timeoutMs);
    socket.on('error', (err) => { if (!head) { clearTimeout(timer); reject(err); } });
    socket.on('close', () => { frames.end('tcp closed'); closedResolve(); if (!head) { clearTimeout(timer); reject(new Error(`closed before response head: ${pre}`)); } });
    socket.on('data', (chunk) => {
      if (head) {
        rest = Buffer.concat([rest, chunk]);
        if (head.status === 101) reader.push(chunk);
        return;
      }
      pre = Buffer.concat([pre, chunk]);
      const end = pre.indexOf('\r\n\r\n');
      if (end < 0) return;
      clearTimeout(timer);
      const rawHead = pre.subarray(0, end).toString('latin1');
      const after = pre.subarray(end + 4);
      const lines = rawHead.split('\r\n');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0])?.[1]);
      const hdrs = {};
      for (const l of lines.slice(1)) {
        const i = l.indexOf(':');
        const k = l.slice(0, i).trim().toLowerCase();
        const v = l.slice(i + 1).trim();
        hdrs[k] = k in hdrs ? `${hdrs[k]}, ${v}` : v;
      }
      head = { status, statusLine: lines[0], headers: hdrs, rawHead };
      rest = Buffer.from(after);
      if (status === 101 && after.length) reader.push(after);
      resolve({
        ...head,
        key,
        socket,
        frames,
        socketClosed,
        send: (buf) => socket.write(buf),
        // Non-101 responses: the body so far after the socket closes or Content-Length arrives.
        body: async () => {
          const n = Number(hdrs['content-length'] ?? NaN);
          const deadline = Date.now() + 2_000;
          while (!(n >= 0 && rest.length >= n) && !socket.destroyed && Date.now() < deadline) {
            await new Promise((r) => setTimeout(r, 10));
          }
          return rest.toString('utf8');
        },
      });
    });
    socket.write(extra ? Buffer.concat([Buffer.from(request), extra]) : request);
  });
}

// Waits for the server's close frame; then answers it (so the server may finish the closing
// handshake) and waits for the TCP connection to close. Returns the close frame.
export async function expectClose(conn, timeoutMs = 5_000) {
  const frame = await conn.frames.next((f) => f.opcode === OP.CLOSE, timeoutMs);
  if (!conn.socket.destroyed) {
    conn.socket.write(encodeFrame({ opcode: OP.CLOSE, payload: frame.payload.subarray(0, 2) }), () => {});
  }
  await withDeadline(conn.socketClosed, 5_000, 'TCP not closed after the close frame');
  return frame;
}

// A raw WebSocket client that subscribes to `topics`, waits for `subscribed`, then stops
// reading: a stuck subscriber whose kernel buffers, then server queue, fill.
export async function stuckSubscriber(port, topics) {
  const client = await rawHandshake(port);
  await client.frames.next();  // welcome
  client.send(encodeFrame({ opcode: OP.TEXT, payload: JSON.stringify({ type: 'subscribe', topics }) }));
  await client.frames.next((f) => f.opcode === OP.TEXT && JSON.parse(f.text).type === 'subscribed');
  client.socket.pause();
  return client;
}
