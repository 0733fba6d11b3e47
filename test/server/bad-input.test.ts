// Malformed input closes only the offending connection; the broker keeps serving everyone else.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBroker } from '../../src/kafkalite.js';
import { decodeResponse, encodeRequest } from '../../src/protocol/messages.js';
import { startTestBroker } from '../compat/helpers.js';

let broker: RunningBroker;
beforeAll(async () => {
  broker = await startTestBroker({ overrides: { 'socket.request.max.bytes': '1048576' } });
});
afterAll(() => broker?.stop());

/** Sends raw bytes; resolves with everything received until the server closes or `ms` passes. */
function exchange(bytes: Buffer, ms = 1000, frames = Infinity): Promise<{ data: Buffer; closed: boolean }> {
  return new Promise((resolve) => {
    const s = net.connect(broker.port, '127.0.0.1');
    const got: Buffer[] = [];
    let closed = false;
    const timer = setTimeout(() => { s.destroy(); resolve({ data: Buffer.concat(got), closed }); }, ms);
    s.on('data', (d) => {
      got.push(d);
      if (countFrames(Buffer.concat(got)) >= frames) s.destroy();
    });
    s.on('close', () => { closed = true; clearTimeout(timer); resolve({ data: Buffer.concat(got), closed }); });
    s.on('error', () => {});
    s.write(bytes);
  });
}

function countFrames(data: Buffer): number {
  let n = 0;
  for (let pos = 0; pos + 4 <= data.length && pos + 4 + data.readInt32BE(pos) <= data.length; pos += 4 + data.readInt32BE(pos)) n++;
  return n;
}

async function apiVersionsWorks(): Promise<boolean> {
  const { data } = await exchange(encodeRequest(18, 2, 7, 'probe', {}), 2000, 1);
  if (data.length < 4) return false;
  const { correlationId, body } = decodeResponse(18, 2, data.subarray(4));
  return correlationId === 7 && body.errorCode === 0 && body.apiKeys.length > 0;
}

describe('bad input', () => {
  it('random bytes close the connection', async () => {
    const junk = Buffer.from([0, 0, 0, 20, ...Array.from({ length: 20 }, (_, i) => (i * 37 + 11) & 0xff)]);
    const r = await exchange(junk);
    expect(r.closed).toBe(true);
    expect(await apiVersionsWorks()).toBe(true);
  });

  it('an oversized length is refused before reading the body', async () => {
    const r = await exchange(Buffer.from([0x7f, 0xff, 0xff, 0xff, 1, 2, 3]));
    expect(r.closed).toBe(true);
    expect(r.data.length).toBe(0);
    const neg = await exchange(Buffer.from([0xff, 0xff, 0xff, 0xf0]));
    expect(neg.closed).toBe(true);
    expect(await apiVersionsWorks()).toBe(true);
  });

  it('a truncated frame waits for more bytes and never answers', async () => {
    const frame = encodeRequest(3, 1, 1, 'x', { topics: null });
    const r = await exchange(frame.subarray(0, frame.length - 2), 300);
    expect(r.data.length).toBe(0);
    expect(r.closed).toBe(false);
  });

  it('a frame whose body is cut short inside its declared size is malformed', async () => {
    const frame = encodeRequest(3, 1, 1, 'x', { topics: [{ name: 'abc' }] });
    const cut = Buffer.concat([frame.subarray(0, frame.length - 2)]);
    cut.writeInt32BE(cut.length - 4, 0);
    const r = await exchange(cut);
    expect(r.closed).toBe(true);
  });

  it('unknown API key closes the connection; unsupported ApiVersions version answers v0 with UNSUPPORTED_VERSION', async () => {
    const unknown = Buffer.alloc(4 + 10);
    unknown.writeInt32BE(10, 0);
    unknown.writeInt16BE(999, 4);
    unknown.writeInt16BE(0, 6);
    unknown.writeInt32BE(5, 8);
    unknown.writeInt16BE(-1, 12);
    expect((await exchange(unknown)).closed).toBe(true);

    const av = Buffer.alloc(4 + 10);
    av.writeInt32BE(10, 0);
    av.writeInt16BE(18, 4);
    av.writeInt16BE(99, 6);
    av.writeInt32BE(42, 8);
    av.writeInt16BE(-1, 12);
    const r = await exchange(av, 1000, 1);
    const { correlationId, body } = decodeResponse(18, 0, r.data.subarray(4));
    expect(correlationId).toBe(42);
    expect(body.errorCode).toBe(35);
    expect(body.apiKeys.find((k: any) => k.apiKey === 18).maxVersion).toBe(4);
    expect(await apiVersionsWorks()).toBe(true);
  });

  it('pipelined requests are answered in order', async () => {
    const frames = [encodeRequest(18, 0, 1, 'p', {}), encodeRequest(3, 1, 2, 'p', { topics: null }), encodeRequest(18, 3, 3, 'p', { clientSoftwareName: 'a', clientSoftwareVersion: '1' })];
    const { data } = await exchange(Buffer.concat(frames), 1000, 3);
    const ids: number[] = [];
    for (let pos = 0; pos < data.length; ) {
      const size = data.readInt32BE(pos);
      ids.push(data.readInt32BE(pos + 4));
      pos += 4 + size;
    }
    expect(ids).toEqual([1, 2, 3]);
  });
});

describe('graceful stop', () => {
  it('answers a request already read (even a parked long-poll fetch) before closing', async () => {
    const b = await startTestBroker();
    const { cluster } = b;
    const topic = await cluster.createTopic('graceful', { numPartitions: 1 });
    const s = net.connect(b.port, '127.0.0.1');
    await new Promise((r) => s.on('connect', r));
    const got: Buffer[] = [];
    s.on('data', (d) => got.push(d));
    const closed = new Promise((r) => s.on('close', r));
    // Fetch v11 waiting up to 10 s for data that never comes.
    s.write(encodeRequest(1, 11, 9, 'g', {
      replicaId: -1, maxWaitMs: 10_000, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
      topics: [{ topic: topic.name, partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20, currentLeaderEpoch: -1, logStartOffset: -1 }] }],
      forgottenTopicsData: [], rackId: '',
    }));
    await new Promise((r) => setTimeout(r, 100));
    const t0 = Date.now();
    await b.stop(5000);
    await closed;
    expect(Date.now() - t0).toBeLessThan(3000);
    const data = Buffer.concat(got);
    expect(data.length).toBeGreaterThan(8);
    const { correlationId, body } = decodeResponse(1, 11, data.subarray(4));
    expect(correlationId).toBe(9);
    expect(body.responses[0].partitions[0].errorCode).toBe(0);
  });
});
