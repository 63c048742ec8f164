// Both write paths (io_uring, the default, and plain writev) deliver every event in order to
// several subscribers and close a subscriber that stops reading with 1013.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startHerald, connectWsWelcomed, curl } from '../lib/herald.mjs';
import { rawHandshake, encodeFrame, OP } from '../lib/ws_frames.mjs';

for (const ioUring of [true, false]) {
  test(`io_uring = ${ioUring}: in-order delivery to every subscriber, and a slow one is closed`, async () => {
    const node = await startHerald({
      config: { server: { io_uring: ioUring }, limits: { max_message_bytes: 4096, max_queue_bytes: 65536 } },
    });
    try {
      const subs = [];
      for (let i = 0; i < 3; i++) {
        const ws = await connectWsWelcomed(node.url);
        ws.send({ type: 'subscribe', topics: ['paths/#'] });
        await ws.nextType('subscribed');
        subs.push(ws);
      }
      const pub = await connectWsWelcomed(node.url);
      for (let i = 1; i <= 300; i++) pub.send({ type: 'publish', topic: 'paths/a', data: { i }, retain: false });
      for (const ws of subs) {
        for (let i = 1; i <= 300; i++) {
          const m = await ws.nextType('event');
          assert.equal(m.data.i, i);
        }
      }

      const slow = await rawHandshake(node.port);
      await slow.frames.next();  // welcome
      slow.send(encodeFrame({ opcode: OP.TEXT, payload: JSON.stringify({ type: 'subscribe', topics: ['paths/#'] }) }));
      await slow.frames.next((f) => f.opcode === OP.TEXT && JSON.parse(f.text).type === 'subscribed');
      slow.socket.pause();
      const overflows = async () =>
        Number(/^herald_queue_overflows_total (\d+)/m.exec((await curl(`${node.url}/metrics`)).body)?.[1] ?? 0);
      const data = 'x'.repeat(3000);
      const deadline = Date.now() + 20_000;
      for (let batch = 0; (await overflows()) === 0; batch++) {
        assert.ok(Date.now() < deadline, 'the slow subscriber was closed within 20 s');
        for (let i = 0; i < 500; i++) pub.send({ type: 'publish', topic: 'paths/b', data, retain: false });
        pub.send({ type: 'publish', topic: 'other', data: 1, ref: `b${batch}` });
        await pub.nextType('published', (m) => m.ref === `b${batch}`, 10_000);
      }
      slow.socket.resume();
      // The backlog the kernel buffered is read first; under load that takes a while.
      const close = await slow.frames.next((f) => f.opcode === OP.CLOSE, 30_000);
      assert.equal(close.code, 1013);
      for (const ws of [...subs, pub]) ws.terminate();
    } finally {
      await node.stop();
    }
  });
}
