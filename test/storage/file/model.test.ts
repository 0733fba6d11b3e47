// Randomized model check: a long random sequence of appends, reads, truncations, DeleteRecords, timestamp
// lookups and restarts must always agree with a trivial in-memory model of the log.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileStorage } from '../../../src/storage/file/index.js';
import type { PartitionLog } from '../../../src/storage/types.js';
import { baseOffsetOf, config, makeBatch, tempDir, rng } from './helpers.js';

interface ModelBatch {
  base: number;
  last: number;
  maxTs: number;
  bytes: Buffer;
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

describe('file log vs model', () => {
  for (const seed of [1, 7, 42, 1234, 99, 2024]) {
    it(`seed ${seed}`, async () => {
      const rand = rng(seed);
      const cfg = config({ 'segment.bytes': 400 + rand(2000), 'index.interval.bytes': rand(600), 'retention.ms': -1 });
      const open = async (): Promise<PartitionLog> => {
        storage = await FileStorage.open({ dataDir: tmp.dir, fsync: rand(2) ? 'never' : 'always', retentionCheckIntervalMs: 0 });
        return storage.openPartition('tid', 'model', 0, cfg);
      };
      let log = await open();
      let model: ModelBatch[] = [];
      let start = 0;
      let leo = 0;
      for (let step = 0; step < 400; step++) {
        const op = rand(100);
        if (op < 45) {
          const count = 1 + rand(5);
          const { batch, meta } = makeBatch(
            Array.from({ length: count }, () => ({ key: 'k', value: 'v', timestamp: 1000 + rand(5000) })),
            { valueBytes: rand(300) },
          );
          expect(await log.append(batch, meta)).toBe(leo);
          model.push({ base: leo, last: leo + count - 1, maxTs: meta.maxTimestamp, bytes: Buffer.from(batch) });
          leo += count;
        } else if (op < 75) {
          const offset = rand(leo + 3);
          const maxBytes = rand(3000);
          const maxOffset = rand(3) === 0 ? rand(leo + 2) : undefined;
          const r = await log.read(offset, maxBytes, maxOffset);
          const from = Math.max(offset, start);
          const expected: Buffer[] = [];
          let bytes = 0;
          if (from < leo && from < (maxOffset ?? Infinity)) {
            for (const b of model) {
              if (b.last < from) continue;
              if (b.last >= (maxOffset ?? Infinity)) break;
              if (expected.length > 0 && bytes + b.bytes.length > maxBytes) break;
              expected.push(b.bytes);
              bytes += b.bytes.length;
            }
          }
          expect(r.chunks.map(baseOffsetOf)).toEqual(expected.map(baseOffsetOf));
          expect(Buffer.concat(r.chunks).equals(Buffer.concat(expected))).toBe(true);
          expect(r.bytes).toBe(bytes);
        } else if (op < 82) {
          const ts = 900 + rand(5300);
          const hit = model.find((b) => b.last >= start && b.maxTs >= ts);
          expect(await log.offsetForTimestamp(ts)).toEqual(hit ? { offset: Math.max(hit.base, start), timestamp: hit.maxTs } : null);
        } else if (op < 88) {
          const target = rand(leo + 2);
          await log.truncateTo(target);
          if (target < start) {
            model = [];
            start = leo = target;
          } else if (target < leo) {
            const cut = model.findIndex((b) => b.last >= target);
            leo = model[cut].base; // the whole batch holding the target goes
            model = model.slice(0, cut);
            start = Math.min(start, leo);
          }
        } else if (op < 94) {
          const target = start + rand(leo - start + 1);
          await log.deleteRecordsBefore(target);
          start = Math.max(start, target);
        } else {
          await storage.close();
          log = await open();
        }
        expect(log.logEndOffset).toBe(leo);
        expect(log.logStartOffset).toBe(start);
        expect(leo).toBeGreaterThanOrEqual(start);
      }
    });
  }
});
