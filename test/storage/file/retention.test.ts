// Retention (retention.ms, retention.bytes, the log start) on both engines: the file engine deletes segment files,
// the memory engine the same stretches of its log (it cuts segments as the file engine would).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FileStorage } from '../../../src/storage/file/index.js';
import type { MemoryStorage } from '../../../src/storage/memory.js';
import type { PartitionLog } from '../../../src/storage/types.js';
import { config, makeBatch, openEngine, segmentBases, tempDir } from './helpers.js';

async function fill(log: PartitionLog, n: number, ts: (i: number) => number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const { batch, meta } = makeBatch(2, { timestamp: ts(i), valueBytes: 50 });
    await log.append(batch, meta);
  }
}

for (const kind of ['file', 'memory'] as const) {
  let tmp: ReturnType<typeof tempDir>;
  let storage: FileStorage | MemoryStorage;
  const open = (retentionCheckIntervalMs = 0) => openEngine(kind, tmp.dir, { retentionCheckIntervalMs, cleanerIntervalMs: 0 });

  /** The log's segments, by base offset; on the file engine also what its directory holds. */
  function segs(log: PartitionLog, name: string): number[] {
    const bases = segmentBases(log);
    if (kind === 'file') {
      const files = readdirSync(join(tmp.dir, name)).filter((f) => f.endsWith('.log')).map((f) => Number(f.slice(0, 20)));
      expect(files.sort((a, b) => a - b)).toEqual(bases);
    }
    return bases;
  }

  beforeEach(async () => {
    tmp = tempDir();
    storage = await open();
  });
  afterEach(async () => {
    await storage.close();
    tmp.cleanup();
  });

  describe(`retention: ${kind} engine`, () => {
    it('retention.ms deletes closed segments older than the limit and advances the log start', async () => {
      const now = 10_000_000;
      const log = await storage.openPartition('tid', 'rt', 0, config({ 'segment.bytes': 700, 'retention.ms': 1000 }));
      await fill(log, 30, (i) => (i < 15 ? now - 5000 : now)); // first half old, second half fresh
      const before = segs(log, 'rt-0');
      expect(await storage.runRetention(now)).toBeGreaterThan(0);
      const after = segs(log, 'rt-0');
      expect(after.length).toBeLessThan(before.length);
      expect(log.logStartOffset).toBe(after[0]);
      expect(log.logStartOffset).toBeGreaterThan(0);
      expect(log.logStartOffset).toBeLessThanOrEqual(30);
      expect(log.logEndOffset).toBe(60);
      // Nothing is old any more: a second pass deletes nothing.
      expect(await storage.runRetention(now)).toBe(0);
    });

    it('deletes the active segment too when everything expired, keeping the offsets', async () => {
      const now = 10_000_000;
      const log = await storage.openPartition('tid', 'rt', 1, config({ 'segment.bytes': 700, 'retention.ms': 1000 }));
      await fill(log, 10, () => now - 5000);
      await storage.runRetention(now);
      expect(log.logStartOffset).toBe(20);
      expect(log.logEndOffset).toBe(20);
      expect(log.size).toBe(0);
      expect(segs(log, 'rt-1')).toEqual([20]);
      // Appends go on from there.
      await fill(log, 1, () => now);
      expect(log.logEndOffset).toBe(22);
      expect(segs(log, 'rt-1')).toEqual([20]);
    });

    it('retention.ms = -1 keeps everything; compact-only topics are not time/size-retained', async () => {
      const now = 10_000_000;
      const a = await storage.openPartition('tid', 'keep', 0, config({ 'segment.bytes': 700, 'retention.ms': -1 }));
      const b = await storage.openPartition('tid', 'keep', 1, config({ 'segment.bytes': 700, 'retention.ms': 1, 'cleanup.policy': 'compact' }));
      await fill(a, 10, () => 0);
      await fill(b, 10, () => 0);
      expect(await storage.runRetention(now)).toBe(0);
      expect(a.logStartOffset).toBe(0);
      expect(b.logStartOffset).toBe(0);
    });

    it('retention.bytes deletes the oldest whole segments while the rest still exceeds the limit', async () => {
      const cfg = config({ 'segment.bytes': 700, 'retention.ms': -1 });
      const log = await storage.openPartition('tid', 'rb', 0, cfg);
      await fill(log, 40, () => Date.now());
      const total = log.size;
      cfg.values['retention.bytes'] = '1500'; // as AlterConfigs changes the topic's config view
      await storage.runRetention();
      expect(log.size).toBeLessThan(total);
      // Kafka deletes a segment only if the log stays >= retention.bytes without it.
      expect(log.size).toBeGreaterThanOrEqual(1500);
      expect(log.size - (log as unknown as { segments: { size: number }[] }).segments[0].size).toBeLessThan(1500);
      expect(log.logStartOffset).toBe(segs(log, 'rb-0')[0]);
    });

    it.runIf(kind === 'file')('survives a restart with the advanced log start', async () => {
      const now = 10_000_000;
      let log = await storage.openPartition('tid', 'rs', 0, config({ 'segment.bytes': 700, 'retention.ms': 1000 }));
      await fill(log, 30, (i) => (i < 15 ? now - 5000 : now));
      await storage.runRetention(now);
      const start = log.logStartOffset;
      await storage.close();
      storage = await open();
      log = await storage.openPartition('tid', 'rs', 0, config({ 'segment.bytes': 700 }));
      expect(log.logStartOffset).toBe(start);
      expect(log.logEndOffset).toBe(60);
    });

    it('runs from the retention timer', async () => {
      await storage.close();
      storage = await open(20);
      const log = await storage.openPartition('tid', 'timer', 0, config({ 'segment.bytes': 700, 'retention.ms': 1 }));
      await fill(log, 10, () => 1);
      const deadline = Date.now() + 5000;
      while (log.logStartOffset !== 20 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(log.logStartOffset).toBe(20);
    });
  });
}
