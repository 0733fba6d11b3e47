// The fetch read path: sequential consumers (which start where their previous read stopped) must see exactly
// what a model of the log holds across appends, truncations and rolls, and a read must not pull in much more
// from the file than it returns (every byte read is a fresh Buffer the GC has to collect).
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileStorage } from '../../../src/storage/file/index.js';
import type { PartitionLog } from '../../../src/storage/types.js';
import { config, lastOffsetOf, makeBatch, tempDir, rng } from './helpers.js';

interface ModelBatch {
  base: number;
  last: number;
  bytes: Buffer;
}

function expectedRead(model: ModelBatch[], from: number, maxBytes: number, maxOffset: number): Buffer[] {
  const out: Buffer[] = [];
  let bytes = 0;
  for (const b of model) {
    if (b.last < from) continue;
    if (b.last >= maxOffset) break;
    if (out.length > 0 && bytes + b.bytes.length > maxBytes) break;
    out.push(b.bytes);
    bytes += b.bytes.length;
  }
  return out;
}

let tmp: ReturnType<typeof tempDir>;
let storage: FileStorage;
beforeEach(() => {
  tmp = tempDir();
});
afterEach(async () => {
  await storage.close();
  tmp.cleanup();
});

describe('sequential reads', () => {
  for (const seed of [3, 17, 51, 808]) {
    it(`consumers following the log agree with the model (seed ${seed})`, async () => {
      const rand = rng(seed);
      const cfg = config({ 'segment.bytes': 5000 + rand(40000), 'index.interval.bytes': rand(3000), 'retention.ms': -1 });
      storage = await FileStorage.open({ dataDir: tmp.dir, fsync: 'never', retentionCheckIntervalMs: 0 });
      const log: PartitionLog = await storage.openPartition('tid', 'seq', 0, cfg);
      let model: ModelBatch[] = [];
      let leo = 0;
      const cursors = [0, 0, 0];
      for (let step = 0; step < 600; step++) {
        const op = rand(100);
        if (op < 45) {
          const count = 1 + rand(4);
          // Mix of small batches and ones far larger than the index interval.
          const { batch, meta } = makeBatch(count, { valueBytes: rand(4) === 0 ? 2000 + rand(6000) : rand(200) });
          expect(await log.append(batch, meta)).toBe(leo);
          model.push({ base: leo, last: leo + count - 1, bytes: Buffer.from(batch) });
          model[model.length - 1].bytes.writeBigInt64BE(BigInt(leo), 0);
          leo += count;
        } else if (op < 92) {
          const c = rand(cursors.length);
          const maxBytes = rand(4) === 0 ? rand(200) : rand(30000);
          const maxOffset = rand(4) === 0 ? rand(leo + 1) : leo;
          const r = await log.read(cursors[c], maxBytes, maxOffset);
          const want = cursors[c] < Math.min(leo, maxOffset) ? expectedRead(model, cursors[c], maxBytes, maxOffset) : [];
          expect(Buffer.concat(r.chunks).equals(Buffer.concat(want))).toBe(true);
          expect(r.bytes).toBe(want.reduce((n, b) => n + b.length, 0));
          if (r.chunks.length > 0) cursors[c] = lastOffsetOf(r.chunks[r.chunks.length - 1]) + 1;
        } else {
          // Truncation in place: positions learnt from earlier reads now point at other bytes.
          const target = rand(leo + 1);
          await log.truncateTo(target);
          if (target < leo) {
            const cut = model.findIndex((b) => b.last >= target);
            leo = model[cut].base;
            model = model.slice(0, cut);
          }
          for (let i = 0; i < cursors.length; i++) cursors[i] = Math.min(cursors[i], leo);
        }
        expect(log.logEndOffset).toBe(leo);
      }
    });
  }
});

describe('read amplification', () => {
  it('a sequential consumer reads about the bytes it gets, not a budget more per fetch', async () => {
    storage = await FileStorage.open({ dataDir: tmp.dir, fsync: 'never', retentionCheckIntervalMs: 0 });
    const log = await storage.openPartition('tid', 'amp', 0, config({ 'retention.ms': -1 }));
    // ~100 KB batches with a 256 KB budget: two fit, the third does not (the case that used to read it anyway).
    for (let i = 0; i < 40; i++) {
      const { batch, meta } = makeBatch(10, { valueBytes: 10_000 });
      await log.append(batch, meta);
    }
    const probe = await fsp.open(join(tmp.dir, 'probe'), 'w');
    const proto = Object.getPrototypeOf(probe) as { read: (...args: unknown[]) => Promise<unknown> };
    await probe.close();
    const read = proto.read;
    let readBytes = 0;
    proto.read = function (this: unknown, ...args: unknown[]) {
      readBytes += args[2] as number;
      return read.apply(this, args);
    };
    let got = 0;
    try {
      for (let offset = 0; offset < log.logEndOffset; ) {
        const r = await log.read(offset, 256 << 10, log.logEndOffset);
        got += r.bytes;
        offset = lastOffsetOf(r.chunks[r.chunks.length - 1]) + 1;
      }
    } finally {
      proto.read = read;
    }
    expect(got).toBe(log.size);
    expect(readBytes / got).toBeLessThan(1.15);
  });
});

describe('reusable read buffers', () => {
  it('a released read lends its buffers to the next one, whose bytes are its own', async () => {
    storage = await FileStorage.open({ dataDir: tmp.dir, fsync: 'never', retentionCheckIntervalMs: 0 });
    const log: PartitionLog = await storage.openPartition('tid', 'reuse', 0, config({ 'segment.bytes': 1 << 30 }));
    for (let i = 0; i < 40; i++) {
      const { batch, meta } = makeBatch(20, { valueBytes: 500, timestamp: 1000 + i });
      await log.append(batch, meta);
    }
    const plain = async (offset: number) => Buffer.concat((await log.read(offset, 150_000)).chunks);
    expect((await log.read(0, 1 << 20)).release).toBeUndefined(); // only asked-for reuse is offered

    const first = await log.read(0, 150_000, Infinity, { reusable: true });
    expect(first.release).toBeTypeOf('function');
    const firstBacking = first.chunks[0].buffer;
    const firstCount = first.chunks.length;
    expect(first.chunks.length).toBeGreaterThan(1);
    expect(Buffer.concat(first.chunks).equals(await plain(0))).toBe(true);
    first.release!();

    const next = lastOffsetOf(first.chunks[firstCount - 1]) + 1;
    const second = await log.read(next, 150_000, Infinity, { reusable: true });
    expect(second.chunks[0].buffer).toBe(firstBacking); // the released buffer was taken again
    expect(Buffer.concat(second.chunks).equals(await plain(next))).toBe(true);
    second.release!();
  });
});
