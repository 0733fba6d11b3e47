// The PartitionLog contract (src/storage/types.ts), run against every engine: the in-memory one, the file
// engine with one big segment, the file engine with tiny segments (every read crosses segment boundaries)
// and the file engine reopened before each check (what a restart serves). The broker relies on these
// semantics being identical whichever engine is configured.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileStorage } from '../../src/storage/file/index.js';
import { MemoryStorage } from '../../src/storage/memory.js';
import type { PartitionLog, Storage } from '../../src/storage/types.js';
import { baseOffsetOf, config, lastOffsetOf, makeBatch, tempDir } from './file/helpers.js';

interface Engine {
  name: string;
  /** Opens the test partition. */
  open(): Promise<PartitionLog>;
  /** What reads go to after appends: the same log, or the log reopened from disk. */
  settle(log: PartitionLog): Promise<PartitionLog>;
  close(): Promise<void>;
}

type EngineFactory = () => Promise<Engine>;

function fileEngine(name: string, configs: Record<string, number>, reopen: boolean): EngineFactory {
  return async () => {
    const tmp = tempDir('kafkalite-contract-');
    let storage = await FileStorage.open({ dataDir: tmp.dir, fsync: 'never' });
    const open = (): Promise<PartitionLog> => storage.openPartition('contract-id', 'contract', 0, config(configs));
    return {
      name,
      open,
      async settle(log) {
        if (!reopen) return log;
        await storage.close();
        storage = await FileStorage.open({ dataDir: tmp.dir, fsync: 'never' });
        return open();
      },
      async close() {
        await storage.close();
        tmp.cleanup();
      },
    };
  };
}

const ENGINES: [string, EngineFactory][] = [
  [
    'memory',
    async () => {
      const storage: Storage = new MemoryStorage();
      return { name: 'memory', open: () => storage.openPartition('contract-id', 'contract', 0, config()), settle: async (l) => l, close: () => storage.close() };
    },
  ],
  ['file', fileEngine('file', {}, false)],
  ['file, tiny segments', fileEngine('file, tiny segments', { 'segment.bytes': 300, 'index.interval.bytes': 100 }, false)],
  ['file, reopened', fileEngine('file, reopened', { 'segment.bytes': 500, 'index.interval.bytes': 1 }, true)],
];

/** Appends batches of the given record counts; batch i has timestamps ts(i). Returns the batches as stored. */
async function fill(log: PartitionLog, counts: number[], ts: (i: number) => number = (i) => 1_000 + i * 10): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (let i = 0; i < counts.length; i++) {
    const records = Array.from({ length: counts[i] }, (_, r) => ({ key: `k${i}-${r}`, value: `value-${i}-${r}`, timestamp: ts(i) + r }));
    const { batch, meta } = makeBatch(records, { timestamp: ts(i) });
    const copy = Buffer.from(batch);
    const base = await log.append(batch, meta);
    copy.writeBigInt64BE(BigInt(base), 0);
    out.push(copy);
  }
  return out;
}

async function readAll(log: PartitionLog, from = 0, maxOffset?: number): Promise<Buffer[]> {
  const out: Buffer[] = [];
  let offset = from;
  for (;;) {
    const r = await log.read(offset, 1000, maxOffset);
    if (r.chunks.length === 0) return out;
    expect(r.bytes).toBe(r.chunks.reduce((n, c) => n + c.length, 0));
    out.push(...r.chunks);
    offset = lastOffsetOf(r.chunks[r.chunks.length - 1]) + 1;
  }
}

const bases = (chunks: Buffer[]): number[] => chunks.map(baseOffsetOf);

for (const [name, factory] of ENGINES) {
  describe(`PartitionLog contract: ${name}`, () => {
    let engine: Engine;
    let log: PartitionLog;
    beforeEach(async () => {
      engine = await factory();
      log = await engine.open();
    });
    afterEach(async () => {
      await engine.close();
    });

    it('append assigns consecutive offsets and reads back the exact bytes', async () => {
      expect([log.logStartOffset, log.logEndOffset]).toEqual([0, 0]);
      expect((await log.read(0, 1000)).chunks).toEqual([]);
      const stored = await fill(log, [3, 1, 5, 2, 4, 1, 1, 6]);
      log = await engine.settle(log);
      expect(bases(stored)).toEqual([0, 3, 4, 9, 11, 15, 16, 17]);
      expect([log.logStartOffset, log.logEndOffset]).toEqual([0, 23]);
      expect(log.size).toBeGreaterThanOrEqual(Buffer.concat(stored).length);
      const all = await readAll(log);
      expect(Buffer.concat(all).equals(Buffer.concat(stored))).toBe(true);
      // An offset inside a batch starts the read with that whole batch; at the LEO there is nothing.
      expect(bases((await log.read(6, 1)).chunks)).toEqual([4]);
      expect(bases((await log.read(22, 1000)).chunks)).toEqual([17]);
      expect((await log.read(23, 1000)).chunks).toEqual([]);
      expect((await log.read(99, 1000)).chunks).toEqual([]);
    });

    it('maxBytes: whole batches within the budget, but always the first batch', async () => {
      const stored = await fill(log, [2, 2, 2, 2, 2, 2]);
      log = await engine.settle(log);
      const size = stored[0].length; // all batches have the same size
      expect(stored.every((b) => b.length === size)).toBe(true);
      expect(bases((await log.read(0, 0)).chunks)).toEqual([0]);
      expect(bases((await log.read(0, size - 1)).chunks)).toEqual([0]);
      expect(bases((await log.read(0, size)).chunks)).toEqual([0]);
      expect(bases((await log.read(0, 2 * size + 1)).chunks)).toEqual([0, 2]);
      expect(bases((await log.read(3, 3 * size)).chunks)).toEqual([2, 4, 6]);
      const all = await log.read(0, 1 << 20);
      expect(bases(all.chunks)).toEqual([0, 2, 4, 6, 8, 10]);
      expect(all.bytes).toBe(6 * size);
    });

    it('a first batch larger than maxBytes is returned alone', async () => {
      const big = makeBatch(Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: 'x'.repeat(50) })));
      const small = makeBatch(1);
      await log.append(big.batch, big.meta);
      await log.append(small.batch, small.meta);
      log = await engine.settle(log);
      const r = await log.read(5, 10);
      expect(bases(r.chunks)).toEqual([0]);
      expect(r.bytes).toBe(big.batch.length);
      expect(bases((await log.read(20, 10)).chunks)).toEqual([20]);
    });

    it('maxOffset is exclusive and never splits a batch', async () => {
      await fill(log, [3, 3, 3, 3]); // 0-2, 3-5, 6-8, 9-11
      log = await engine.settle(log);
      expect(bases((await log.read(0, 1 << 20, 6)).chunks)).toEqual([0, 3]);
      // A batch ending at or beyond maxOffset is not exposed, even partly.
      expect(bases((await log.read(0, 1 << 20, 8)).chunks)).toEqual([0, 3]);
      expect(bases((await log.read(0, 1 << 20, 9)).chunks)).toEqual([0, 3, 6]);
      expect((await log.read(0, 1 << 20, 2)).chunks).toEqual([]);
      expect((await log.read(0, 1 << 20, 0)).chunks).toEqual([]);
      expect((await log.read(6, 1 << 20, 6)).chunks).toEqual([]);
      expect((await log.read(7, 1 << 20, 8)).chunks).toEqual([]);
      expect(bases((await log.read(4, 1 << 20, 12)).chunks)).toEqual([3, 6, 9]);
      expect(bases(await readAll(log, 0, 12))).toEqual([0, 3, 6, 9]);
      // Even the "always the first batch" rule yields to maxOffset.
      expect((await log.read(9, 0, 11)).chunks).toEqual([]);
    });

    it('offsetForTimestamp and maxTimestamp', async () => {
      expect(log.maxTimestamp()).toBeNull();
      expect(await log.offsetForTimestamp(0)).toBeNull();
      // Batch max timestamps (base ts + records - 1): 101, 51, 301, 201.
      const ts = [100, 50, 300, 200];
      await fill(log, [2, 2, 2, 2], (i) => ts[i]);
      log = await engine.settle(log);
      expect(await log.offsetForTimestamp(0)).toEqual({ offset: 0, timestamp: 101 });
      expect(await log.offsetForTimestamp(101)).toEqual({ offset: 0, timestamp: 101 });
      expect(await log.offsetForTimestamp(102)).toEqual({ offset: 4, timestamp: 301 });
      expect(await log.offsetForTimestamp(250)).toEqual({ offset: 4, timestamp: 301 });
      expect(await log.offsetForTimestamp(302)).toBeNull();
      expect(log.maxTimestamp()).toEqual({ offset: 5, timestamp: 301 });
      // Below the log start nothing is found; a batch straddling it answers with the log start.
      await log.deleteRecordsBefore(5);
      log = await engine.settle(log);
      expect(await log.offsetForTimestamp(0)).toEqual({ offset: 5, timestamp: 301 });
      expect(await log.offsetForTimestamp(302)).toBeNull();
      expect(log.maxTimestamp()).toEqual({ offset: 5, timestamp: 301 });
    });

    it('deleteRecordsBefore moves the log start forward only, up to the LEO', async () => {
      await fill(log, [3, 3, 3, 3, 3, 3, 3, 3]);
      await log.deleteRecordsBefore(7);
      log = await engine.settle(log);
      expect(log.logStartOffset).toBe(7);
      // Reads below the start begin with the batch holding the start.
      expect(bases((await log.read(0, 1)).chunks)).toEqual([6]);
      expect(bases((await log.read(7, 1)).chunks)).toEqual([6]);
      expect(bases(await readAll(log, 0))).toEqual([6, 9, 12, 15, 18, 21]);
      await log.deleteRecordsBefore(3); // backwards: no-op
      expect(log.logStartOffset).toBe(7);
      await expect(log.deleteRecordsBefore(25)).rejects.toThrow(RangeError);
      await log.deleteRecordsBefore(24);
      log = await engine.settle(log);
      expect([log.logStartOffset, log.logEndOffset]).toEqual([24, 24]);
      expect((await log.read(0, 1000)).chunks).toEqual([]);
      expect(await log.offsetForTimestamp(0)).toBeNull();
      // Appends carry on from the LEO.
      await fill(log, [2]);
      log = await engine.settle(log);
      expect(bases(await readAll(log, 0))).toEqual([24]);
      expect([log.logStartOffset, log.logEndOffset]).toEqual([24, 26]);
    });

    it('truncateTo drops whole batches from the one holding the offset', async () => {
      const stored = await fill(log, [3, 3, 3, 3, 3]); // 0-2 ... 12-14
      await log.truncateTo(15); // at the LEO: nothing
      await log.truncateTo(99);
      expect(log.logEndOffset).toBe(15);
      await log.truncateTo(12); // a batch boundary
      log = await engine.settle(log);
      expect(log.logEndOffset).toBe(12);
      await log.truncateTo(7); // inside 6-8: the whole batch goes
      log = await engine.settle(log);
      expect(log.logEndOffset).toBe(6);
      expect(Buffer.concat(await readAll(log)).equals(Buffer.concat(stored.slice(0, 2)))).toBe(true);
      expect(log.maxTimestamp()).toEqual({ offset: 5, timestamp: 1012 });
      const again = await fill(log, [1, 2]);
      log = await engine.settle(log);
      expect(bases(again)).toEqual([6, 7]);
      expect(bases(await readAll(log))).toEqual([0, 3, 6, 7]);
      expect(log.logEndOffset).toBe(9);
    });

    it('truncateTo below the log start restarts the log empty at the target', async () => {
      await fill(log, [3, 3, 3, 3]);
      await log.deleteRecordsBefore(9);
      await log.truncateTo(4);
      log = await engine.settle(log);
      expect([log.logStartOffset, log.logEndOffset]).toEqual([4, 4]);
      expect((await log.read(0, 1000)).chunks).toEqual([]);
      expect(log.maxTimestamp()).toBeNull();
      expect(bases(await fill(log, [2]))).toEqual([4]);
      log = await engine.settle(log);
      expect(bases(await readAll(log))).toEqual([4]);
    });
  });
}
