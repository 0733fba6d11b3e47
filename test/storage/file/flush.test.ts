import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileStorage, type FileStorageOptions } from '../../../src/storage/file/index.js';
import { config, makeBatch, tempDir } from './helpers.js';

let tmp: ReturnType<typeof tempDir>;
let storage: FileStorage | undefined;
let events: string[];

async function open(opts: Partial<FileStorageOptions>): Promise<FileStorage> {
  storage = await FileStorage.open({ dataDir: tmp.dir, fsync: 'always', onFsync: () => events.push('fsync'), ...opts });
  return storage;
}

beforeEach(() => {
  tmp = tempDir();
  events = [];
});
afterEach(async () => {
  await storage?.close();
  storage = undefined;
  tmp.cleanup();
});

describe('flush policy', () => {
  it('fsync=always resolves appends only after an fsync and group-commits concurrent ones', async () => {
    const s = await open({ fsync: 'always' });
    const log = await s.openPartition('tid', 'gc', 0, config());
    // 50 producers, each appending 10 batches one after another: 500 appends, interleaved.
    const producer = async (): Promise<number[]> => {
      const out: number[] = [];
      for (let i = 0; i < 10; i++) {
        const { batch, meta } = makeBatch(1);
        const before = s.stats.fsyncs;
        const offset = await log.append(batch, meta);
        expect(s.stats.fsyncs).toBeGreaterThan(before); // durable when resolved
        out.push(offset);
      }
      return out;
    };
    const offsets = (await Promise.all(Array.from({ length: 50 }, producer))).flat();
    expect(new Set(offsets).size).toBe(500);
    expect(log.logEndOffset).toBe(500);
    expect(s.stats.fsyncs).toBeLessThan(100);
    expect(s.stats.fsyncs).toBe(events.length);
  });

  it('fsync=never does not fsync on append; flush() and close() do', async () => {
    const s = await open({ fsync: 'never' });
    const log = await s.openPartition('tid', 'nv', 0, config());
    for (let i = 0; i < 20; i++) {
      const { batch, meta } = makeBatch(1);
      await log.append(batch, meta);
    }
    expect(s.stats.fsyncs).toBe(0);
    await log.flush();
    expect(s.stats.fsyncs).toBe(1);
    await log.flush(); // nothing dirty
    expect(s.stats.fsyncs).toBe(1);
  });

  it('fsync=interval resolves after the write and fsyncs in the background', async () => {
    const s = await open({ fsync: 'interval', fsyncIntervalMs: 20 });
    const log = await s.openPartition('tid', 'iv', 0, config());
    const { batch, meta } = makeBatch(1);
    await log.append(batch, meta);
    expect(s.stats.fsyncs).toBe(0);
    const deadline = Date.now() + 5000;
    while (s.stats.fsyncs === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(s.stats.fsyncs).toBe(1);
  });

  it('honours per-topic flush.messages', async () => {
    const s = await open({ fsync: 'never' });
    const log = await s.openPartition('tid', 'fm', 0, config({ 'flush.messages': 5 }));
    for (let i = 0; i < 4; i++) {
      const { batch, meta } = makeBatch(1);
      await log.append(batch, meta);
    }
    expect(s.stats.fsyncs).toBe(0);
    const { batch, meta } = makeBatch(1);
    await log.append(batch, meta);
    expect(s.stats.fsyncs).toBe(1);
  });

  it('honours per-topic flush.ms', async () => {
    const s = await open({ fsync: 'never', flushCheckIntervalMs: 10 });
    const quiet = await s.openPartition('tid', 'fms', 0, config());
    const timed = await s.openPartition('tid', 'fms', 1, config({ 'flush.ms': 20 }));
    for (const log of [quiet, timed]) {
      const { batch, meta } = makeBatch(1);
      await log.append(batch, meta);
    }
    const deadline = Date.now() + 5000;
    while (s.stats.fsyncs === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 60));
    expect(s.stats.fsyncs).toBe(1); // only the partition with flush.ms
  });

  it('a rolled segment is flushed even with fsync=never', async () => {
    const s = await open({ fsync: 'never' });
    const log = await s.openPartition('tid', 'rl', 0, config({ 'segment.bytes': 300 }));
    for (let i = 0; i < 4; i++) {
      const { batch, meta } = makeBatch(1, { valueBytes: 150 });
      await log.append(batch, meta);
    }
    await log.flush();
    expect(s.stats.fsyncs).toBeGreaterThanOrEqual(3);
  });
});
