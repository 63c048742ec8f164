// Both write paths (io_uring, the default, and plain writev) deliver every event in order to
// several subscribers and close a subscriber that stops reading with 1013; and a subscriber
// whose socket is full never holds up the others on its loop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startHerald, connectWsWelcomed, connectWsSubscribed, metric } from '../lib/herald.mjs';
import { OP, encodeFrame, rawHandshake, stuckSubscriber } from '../lib/ws_frames.mjs';

for (const ioUring of [true, false]) {
  test(`io_uring = ${ioUring}: in-order delivery to every subscriber, and a slow one is closed`, async () => {
    const node = await startHerald({
      config: { server: { io_uring: ioUring }, limits: { max_message_bytes: 4096, max_queue_bytes: 65536 } },
    });
    try {
      const subs = [];
      for (let i = 0; i < 3; i++) {
        const ws = await connectWsSubscribed(node.url, ['paths/#']);
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

      const slow = await stuckSubscriber(node.port, ['paths/#']);
      const overflows = async () => (await metric(node.url, 'herald_queue_overflows_total')) ?? 0;
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

  test(`io_uring = ${ioUring}: a full socket does not stall the loop's other connections`, async () => {
    // One loop, so the stuck subscriber, the reader and the publisher share it. The socket of a
    // client that stops reading fills (its receive window plus max_unsent_socket_bytes); every
    // later write to it must come back at once (EAGAIN) instead of waiting for room.
    const node = await startHerald({ args: ['--threads', '1'], config: { server: { io_uring: ioUring } } });
    try {
      const stuck = await stuckSubscriber(node.port, ['full/#']);
      const reader = await connectWsSubscribed(node.url, ['full/#']);
      const pub = await connectWsWelcomed(node.url);
      const data = 'x'.repeat(3000);
      // 30 batches of 20 events: 1.8 MB, several times what the stuck socket takes, less than
      // the 2 MiB queue that would close it.
      for (let batch = 0; batch < 30; batch++) {
        for (let i = 0; i < 20; i++) pub.send({ type: 'publish', topic: 'full/a', data: { batch, i, data }, retain: false });
        pub.send({ type: 'publish', topic: 'other', data: 1, ref: `b${batch}` });
        await pub.nextType('published', (m) => m.ref === `b${batch}`, 5_000);
        for (let i = 0; i < 20; i++) {
          const m = await reader.nextType('event', () => true, 5_000);
          assert.deepEqual([m.data.batch, m.data.i], [batch, i]);
        }
      }
      stuck.socket.destroy();
      for (const ws of [reader, pub]) ws.terminate();
    } finally {
      await node.stop();
    }
  });

  test(`io_uring = ${ioUring}: a burst over the queue limit in one turn does not close a reader that keeps up`, async () => {
    // 80 publishes of 3 KB in one TCP write: the node reads up to 256 KiB of them in one loop
    // turn, so 240 KB of events are queued for the reader before the turn's write. Only what
    // its socket refuses may count against the 64 KiB limit.
    const node = await startHerald({
      args: ['--threads', '1'],
      config: { server: { io_uring: ioUring }, limits: { max_message_bytes: 4096, max_queue_bytes: 65536 } },
    });
    try {
      const reader = await connectWsSubscribed(node.url, ['burst/#']);
      const pub = await rawHandshake(node.port);
      await pub.frames.next();  // welcome
      const data = 'x'.repeat(3000);
      for (let burst = 0; burst < 5; burst++) {
        const frames = [];
        for (let i = 0; i < 80; i++) {
          const message = { type: 'publish', topic: 'burst/a', data: { burst, i, data }, retain: false };
          frames.push(encodeFrame({ opcode: OP.TEXT, payload: JSON.stringify(message) }));
        }
        pub.send(Buffer.concat(frames));
        for (let i = 0; i < 80; i++) {
          const m = await reader.nextType('event', () => true, 5_000);
          assert.deepEqual([m.data.burst, m.data.i], [burst, i]);
        }
      }
      assert.equal(await metric(node.url, 'herald_queue_overflows_total'), 0);
      reader.terminate();
      pub.socket.destroy();
    } finally {
      await node.stop();
    }
  });
}
