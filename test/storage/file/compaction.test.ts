// Log compaction on both engines (the decisions are src/storage/compaction.ts's); restarts and crash recovery on the
// file engine only.
import { copyFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Compression, decodeBatches, encodeBatch, encodeControlBatch } from '../../../src/protocol/records/index.js';
import type { FileStorage } from '../../../src/storage/file/index.js';
import { LogSegment } from '../../../src/storage/file/segment.js';
import type { MemoryStorage } from '../../../src/storage/memory.js';
import type { PartitionLog } from '../../../src/storage/types.js';
import { config, lastOffsetOf, openEngine, segmentBases, tempDir } from './helpers.js';

const DAY = 86_400_000;
const compactCfg = (extra: Record<string, string | number> = {}) =>
  config({ 'cleanup.policy': 'compact', 'segment.bytes': 600, 'min.cleanable.dirty.ratio': 0, ...extra });
const activeBase = (log: PartitionLog): number => segmentBases(log).at(-1)!;

type Rec = { key: string | null; value: string | null };

async function put(log: PartitionLog, recs: Rec[], opts: Parameters<typeof encodeBatch>[1] = {}): Promise<number> {
  const batch = await encodeBatch(
    recs.map((r) => ({
      timestamp: 1_000,
      key: r.key === null ? null : Buffer.from(r.key),
      value: r.value === null ? null : Buffer.from(r.value),
    })),
    opts,
  );
  return log.append(batch, { lastOffsetDelta: recs.length - 1, maxTimestamp: 1_000 });
}

async function marker(log: PartitionLog, kind: 'commit' | 'abort', producerId: number): Promise<number> {
  const batch = encodeControlBatch(kind, { producerId, producerEpoch: 0, timestamp: 1_000 });
  return log.append(batch, { lastOffsetDelta: 0, maxTimestamp: 1_000 });
}

/** Every record in the log as [offset, key, value] (control records excluded), plus the raw batches. */
async function contents(log: PartitionLog): Promise<{ records: [number, string | null, string | null][]; batches: number; controls: number }> {
  const records: [number, string | null, string | null][] = [];
  let batches = 0;
  let controls = 0;
  let offset = log.logStartOffset;
  for (;;) {
    const r = await log.read(offset, 1 << 20);
    if (r.chunks.length === 0) break;
    for (const b of await decodeBatches(Buffer.concat(r.chunks))) {
      batches++;
      if (b.header.isControl) {
        controls++;
        continue;
      }
      for (const rec of b.records) records.push([rec.offset, rec.key?.toString() ?? null, rec.value?.toString() ?? null]);
    }
    offset = lastOffsetOf(r.chunks[r.chunks.length - 1]) + 1;
  }
  return { records, batches, controls };
}

for (const kind of ['file', 'memory'] as const) {
  let tmp: ReturnType<typeof tempDir>;
  let storage: FileStorage | MemoryStorage;
  const open = () => openEngine(kind, tmp.dir, { cleanerIntervalMs: 0, retentionCheckIntervalMs: 0 });

  beforeEach(async () => {
    tmp = tempDir();
    storage = await open();
  });
  afterEach(async () => {
    await storage.close();
    tmp.cleanup();
  });

  describe(`log compaction: ${kind} engine`, () => {
    it('keeps the latest record per key, preserving offsets, and survives a restart', async () => {
      let log = await storage.openPartition('tid', 'cmp', 0, compactCfg());
      for (let round = 0; round < 10; round++) {
        await put(log, [0, 1, 2, 3, 4].map((k) => ({ key: `k${k}`, value: `v${round}-${k}` })));
      }
      await put(log, [{ key: 'k9', value: 'active' }]); // lives in the active segment, never cleaned
      const leo = log.logEndOffset;
      const sizeBefore = log.size;
      expect(await storage.runCompaction(Date.now())).toBe(1);
      expect(log.logEndOffset).toBe(leo);
      expect(log.size).toBeLessThan(sizeBefore);
      const { records } = await contents(log);
      // Below the active segment every key appears once, with the newest value written there.
      const active = activeBase(log);
      const cleaned = records.filter(([o]) => o < active);
      expect(cleaned.length).toBeGreaterThan(0);
      expect(new Set(cleaned.map(([, k]) => k)).size).toBe(cleaned.length);
      for (const [offset, key, value] of cleaned) expect(value).toBe(`v${Math.floor(offset / 5)}-${key!.slice(1)}`);
      for (const [, key] of cleaned) expect(records.filter(([o, k]) => k === key && o < active)).toHaveLength(1);
      expect(records.at(-1)).toEqual([leo - 1, 'k9', 'active']);
      // All newest values are still there.
      const latest = new Map(records.map(([, k, v]) => [k, v]));
      expect([0, 1, 2, 3, 4].map((k) => latest.get(`k${k}`))).toEqual([0, 1, 2, 3, 4].map((k) => `v9-${k}`));
      if (kind === 'memory') return;
      const snapshot = await contents(log);
      await storage.close();
      storage = await open();
      log = await storage.openPartition('tid', 'cmp', 0, compactCfg());
      expect(await contents(log)).toEqual(snapshot);
      expect(readdirSync(join(tmp.dir, 'cmp-0')).filter((f) => /cleaned|swap/.test(f))).toEqual([]);
    });

    it('a second pass with no new data does nothing; new data is compacted against the old', async () => {
      const log = await storage.openPartition('tid', 'cmp', 1, compactCfg({ 'min.cleanable.dirty.ratio': 0.5 }));
      for (let i = 0; i < 20; i++) await put(log, [{ key: 'a', value: `a${i}` }, { key: `u${i}`, value: 'x'.repeat(40) }]);
      expect(await storage.runCompaction(Date.now())).toBe(1);
      // An idle check reads nothing (the file engine would otherwise re-read every compacted log each period).
      const reads = kind === 'file' ? vi.spyOn(LogSegment.prototype, 'readRange') : vi.spyOn(log as unknown as { batchesOf: () => unknown }, 'batchesOf');
      expect(await storage.runCompaction(Date.now())).toBe(0);
      expect(reads).not.toHaveBeenCalled();
      reads.mockRestore();
      for (let i = 0; i < 30; i++) await put(log, [{ key: 'a', value: `b${i}` }, { key: `w${i}`, value: 'y'.repeat(40) }]);
      expect(await storage.runCompaction(Date.now())).toBe(1);
      const as = (await contents(log)).records.filter(([o, k]) => k === 'a' && o < activeBase(log));
      expect(as).toHaveLength(1);
      expect(as[0][2]).toMatch(/^b/);
    });

    it('keeps tombstones for delete.retention.ms, then removes them', async () => {
      const log = await storage.openPartition('tid', 'tomb', 0, compactCfg());
      await put(log, [{ key: 'gone', value: 'v1' }, { key: 'kept', value: 'v1' }]);
      await put(log, [{ key: 'gone', value: null }]);
      for (let i = 0; i < 20; i++) await put(log, [{ key: `pad${i % 3}`, value: 'z'.repeat(60) }]);
      const now = Date.now();
      await storage.runCompaction(now);
      let recs = (await contents(log)).records;
      expect(recs.filter(([, k]) => k === 'gone')).toEqual([[2, 'gone', null]]);
      expect(recs.filter(([, k]) => k === 'kept')).toHaveLength(1);
      // Past the horizon the tombstone goes (the pass is triggered by the pending tombstone, not by dirt).
      expect(await storage.runCompaction(now + 2 * DAY)).toBe(1);
      recs = (await contents(log)).records;
      expect(recs.filter(([, k]) => k === 'gone')).toEqual([]);
      expect(recs.filter(([, k]) => k === 'kept')).toHaveLength(1);
    });

    it('drops aborted transactional data, keeps committed data and markers while needed', async () => {
      const log = await storage.openPartition('tid', 'txn', 0, compactCfg());
      const txn = (pid: number) => ({ producerId: pid, producerEpoch: 0, baseSequence: 0, isTransactional: true });
      await put(log, [{ key: 'x', value: 'committed-1' }]);
      await put(log, [{ key: 'x', value: 'aborted' }, { key: 'y', value: 'aborted' }], txn(7));
      await marker(log, 'abort', 7);
      await put(log, [{ key: 'z', value: 'in-txn' }], txn(8));
      await marker(log, 'commit', 8);
      for (let i = 0; i < 20; i++) await put(log, [{ key: `pad${i % 3}`, value: 'z'.repeat(60) }]);
      await storage.runCompaction(Date.now());
      let c = await contents(log);
      const byKey = (k: string) => c.records.filter(([, key]) => key === k).map(([, , v]) => v);
      expect(byKey('x')).toEqual(['committed-1']); // the aborted write neither survives nor shadows it
      expect(byKey('y')).toEqual([]);
      expect(byKey('z')).toEqual(['in-txn']);
      expect(c.controls).toBe(2); // abort marker within delete.retention.ms; commit marker still has data
      await storage.runCompaction(Date.now() + 2 * DAY);
      c = await contents(log);
      expect(c.controls).toBe(1); // the abort marker has no data left and is past the horizon
      expect(byKey('z')).toEqual(['in-txn']);
    });

    it('does not clean past an open transaction', async () => {
      const log = await storage.openPartition('tid', 'open', 0, compactCfg());
      for (let i = 0; i < 10; i++) await put(log, [{ key: 'a', value: `${i}`.padEnd(60, '.') }]);
      const openAt = await put(log, [{ key: 'a', value: 'open' }], { producerId: 3, producerEpoch: 0, baseSequence: 0, isTransactional: true });
      for (let i = 0; i < 10; i++) await put(log, [{ key: 'a', value: `later${i}`.padEnd(60, '.') }]);
      await storage.runCompaction(Date.now());
      const recs = (await contents(log)).records.filter(([, k]) => k === 'a');
      // Everything from the open transaction's segment on is untouched.
      expect(recs.filter(([o]) => o >= openAt).length).toBe(11);
      expect(recs.filter(([o]) => o < openAt).length).toBeGreaterThanOrEqual(1);
    });

    it('rewrites partially retained compressed batches with their codec and offsets', async () => {
      const log = await storage.openPartition('tid', 'gz', 0, compactCfg());
      await put(log, [0, 1, 2, 3].map((i) => ({ key: `k${i}`, value: `old${i}` })), { compression: Compression.Gzip });
      await put(log, [{ key: 'k1', value: 'new1' }, { key: 'k3', value: 'new3' }], { compression: Compression.Gzip });
      for (let i = 0; i < 20; i++) await put(log, [{ key: `pad${i % 2}`, value: 'q'.repeat(60) }]);
      await storage.runCompaction(Date.now());
      const first = (await log.read(0, 1)).chunks[0];
      const [batch] = await decodeBatches(first);
      expect(batch.header.compression).toBe(Compression.Gzip);
      expect(batch.header.lastOffsetDelta).toBe(3); // original last offset preserved
      expect(batch.records.map((r) => [r.offset, r.key?.toString(), r.value?.toString()])).toEqual([
        [0, 'k0', 'old0'],
        [2, 'k2', 'old2'],
      ]);
      expect(await log.read(1, 1)).toEqual(await log.read(0, 1)); // offset 1 is a gap inside the batch
    });

    it.runIf(kind === 'file')('completes a compaction swap interrupted by a crash', async () => {
      const log = await storage.openPartition('tid', 'swap', 0, compactCfg());
      for (let i = 0; i < 30; i++) await put(log, [{ key: `k${i}`, value: 'v'.repeat(60) }]);
      await storage.close();
      const dir = join(tmp.dir, 'swap-0');
      const logs = readdirSync(dir).filter((f) => f.endsWith('.log')).sort();
      expect(logs.length).toBeGreaterThan(3);
      // Pretend segments 0 and 1 were cleaned into one file holding exactly segment 0's data.
      copyFileSync(join(dir, logs[0]), join(dir, `${logs[0]}.${logs[2].slice(0, 20)}.swap`));
      storage = await open();
      const reopened = await storage.openPartition('tid', 'swap', 0, compactCfg());
      const after = readdirSync(dir).filter((f) => f.endsWith('.log')).sort();
      expect(after).toEqual([logs[0], ...logs.slice(2)]);
      expect(readdirSync(dir).filter((f) => f.endsWith('.swap'))).toEqual([]);
      const firstMissing = Number(logs[1].slice(0, 20));
      const offsets = (await contents(reopened)).records.map(([o]) => o);
      expect(offsets).not.toContain(firstMissing);
      expect(offsets.at(-1)).toBe(29);
    });

    it('appends, reads and retention keep working while the cleaner runs', async () => {
      const log = await storage.openPartition('tid', 'live', 0, compactCfg());
      for (let i = 0; i < 40; i++) await put(log, [{ key: `k${i % 4}`, value: `a${i}`.padEnd(40, '.') }]);
      const cleaning = storage.runCompaction(Date.now());
      const writes: Promise<number>[] = [];
      for (let i = 0; i < 40; i++) writes.push(put(log, [{ key: `k${i % 4}`, value: `b${i}`.padEnd(40, '.') }]));
      const reads = Array.from({ length: 10 }, () => log.read(0, 1 << 20));
      await Promise.all([cleaning, ...writes, ...reads]);
      expect(log.logEndOffset).toBe(80);
      await storage.runCompaction(Date.now());
      const recs = (await contents(log)).records;
      const latest = new Map(recs.map(([, k, v]) => [k, v]));
      expect([0, 1, 2, 3].map((k) => latest.get(`k${k}`)?.replace(/\.+$/, ''))).toEqual(['b36', 'b37', 'b38', 'b39']);
    });

    it('yields to the event loop while cleaning', async () => {
      const log = await storage.openPartition('tid', 'big', 0, compactCfg({ 'segment.bytes': 1 << 20 }));
      const value = 'v'.repeat(1000);
      for (let i = 0; i < 3000; i++) await put(log, [{ key: `k${i % 100}`, value }, { key: `j${i % 50}`, value }]);
      await put(log, [{ key: 'tail', value }]);
      let ticks = 0;
      let last = Date.now();
      let maxGap = 0;
      const timer = setInterval(() => {
        ticks++;
        maxGap = Math.max(maxGap, Date.now() - last);
        last = Date.now();
      }, 1);
      await storage.runCompaction(Date.now());
      clearInterval(timer);
      expect(ticks).toBeGreaterThan(5);
      // Typically a few ms; the bound is loose because shared CI machines stall processes on their own.
      expect(maxGap).toBeLessThan(1000);
      const active = activeBase(log);
      expect(active).toBeGreaterThan(1000);
      expect((await contents(log)).records.filter(([o]) => o < active)).toHaveLength(150);
    });
  });
}
