// Frames split across reads, many frames in one read, and several connections interleaving partial frames:
// plain TCP connections all read into one shared buffer (src/server/listener.ts), so a frame must be copied out
// before the next read of any connection overwrites it. An echo handler answers each frame with its own bytes
// after a random delay; every connection must get back exactly its frames, in order.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { Listener } from '../../src/server/listener.js';
import type { FrameHandler } from '../../src/server/connection.js';

const logger = pino({ level: 'silent' });
let listener: Listener | undefined;
afterEach(async () => {
  await listener?.close();
  listener = undefined;
});

const echo: FrameHandler = async (frame) => {
  await new Promise((r) => setTimeout(r, Math.random() * 3));
  const out = Buffer.alloc(4 + frame.length);
  out.writeInt32BE(frame.length, 0);
  frame.copy(out, 4);
  return [out];
};

async function start(): Promise<Listener> {
  listener = new Listener({ host: '127.0.0.1', port: 0, logger, handler: echo, limits: { maxRequestBytes: 1 << 20, maxInFlight: 8 } });
  await listener.listen();
  return listener;
}

/** A frame whose body starts with the Produce API key when `produce` (so large ones use reused buffers). */
function frame(conn: number, seq: number, size: number, produce = false): Buffer {
  const body = Buffer.alloc(size, `${conn}.${seq}|`);
  if (size >= 2) body.writeInt16BE(produce ? 0 : 3, 0);
  const f = Buffer.alloc(4 + size);
  f.writeInt32BE(size, 0);
  body.copy(f, 4);
  return f;
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
    s.setNoDelay(true);
    s.on('error', reject);
  });
}

/** Resolves with the first `bytes` bytes the socket receives. */
function receive(s: net.Socket, bytes: number): Promise<Buffer> {
  const got: Buffer[] = [];
  let n = 0;
  return new Promise((resolve) => {
    s.on('data', (d) => {
      got.push(d);
      n += d.length;
      if (n >= bytes) resolve(Buffer.concat(got));
    });
  });
}

describe('request framing', () => {
  it('plain TCP connections read into the shared buffer', async () => {
    const l = await start();
    const s = await connect(l.port);
    const back = receive(s, 20);
    s.write(frame(0, 0, 16));
    await back;
    expect([...l.connections].map((c) => c.externalInput)).toEqual([true]);
    s.destroy();
  });

  it('interleaved partial frames of several connections come back intact and in order', async () => {
    const l = await start();
    const sizes = [1, 7, 300, 5000, 70000, 200000, 12, 65536];
    const conns = await Promise.all([0, 1, 2].map(() => connect(l.port)));
    const sent = conns.map((_, c) => Buffer.concat(sizes.map((size, seq) => frame(c, seq, size, seq % 2 === 1))));
    const replies = conns.map((s, c) => receive(s, sent[c].length));
    // Odd-sized pieces, connections taking turns, so reads end mid-header and mid-frame.
    const pos = [0, 0, 0];
    let piece = 1;
    while (pos.some((p, c) => p < sent[c].length)) {
      for (let c = 0; c < conns.length; c++) {
        if (pos[c] >= sent[c].length) continue;
        const n = Math.min(sent[c].length - pos[c], (piece = (piece * 7919) % 40009) + 1);
        conns[c].write(sent[c].subarray(pos[c], pos[c] + n));
        pos[c] += n;
      }
      await new Promise((r) => setImmediate(r));
    }
    const got = await Promise.all(replies);
    for (let c = 0; c < conns.length; c++) expect(got[c].equals(sent[c])).toBe(true);
    for (const s of conns) s.destroy();
  });

  it('many frames in one write are all answered', async () => {
    const l = await start();
    const s = await connect(l.port);
    const all = Buffer.concat(Array.from({ length: 200 }, (_, i) => frame(9, i, 10 + (i % 50))));
    const back = receive(s, all.length);
    s.write(all);
    expect((await back).equals(all)).toBe(true);
    s.destroy();
  });
});
