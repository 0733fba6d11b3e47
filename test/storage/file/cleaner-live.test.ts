// The cleaner against a live log: a delete.retention.ms lowered after a pass (AlterConfigs) lets the next
// pass drop retained tombstones without new writes, and reads racing compaction swaps never fail.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeBatches, encodeBatch } from '../../../src/protocol/records/index.js';
import { FileStorage } from '../../../src/storage/file/index.js';
import type { PartitionLog } from '../../../src/storage/types.js';
import { config, lastOffsetOf, tempDir } from './helpers.js';

let tmp: ReturnType<typeof tempDir>;
let storage: FileStorage;
beforeEach(async () => {
  tmp = tempDir();
  storage = await FileStorage.open({ dataDir: tmp.dir, fsync: 'never', cleanerIntervalMs: 0, retentionCheckIntervalMs: 0 });
});
afterEach(async () => {
  await storage.close();
  tmp.cleanup();
});

async function put(log: PartitionLog, key: string, value: string | null): Promise<void> {
  const batch = await encodeBatch([{ timestamp: 1_000, key: Buffer.from(key), value: value === null ? null : Buffer.from(value) }]);
  await log.append(batch, { lastOffsetDelta: 0, maxTimestamp: 1_000 });
}

async function keys(log: PartitionLog): Promise<string[]> {
  const out: string[] = [];
  let offset = 0;
  for (;;) {
    const r = await log.read(offset, 1 << 20);
    if (r.chunks.length === 0) return out;
    for (const b of await decodeBatches(Buffer.concat(r.chunks))) for (const rec of b.records) out.push(`${rec.key}=${rec.value ?? 'null'}`);
    offset = lastOffsetOf(r.chunks[r.chunks.length - 1]) + 1;
  }
}

describe('cleaner on a live log', () => {
  it('a lowered delete.retention.ms removes tombstones on the next pass, without new writes', async () => {
    const cfg = config({ 'cleanup.policy': 'compact', 'segment.bytes': 400, 'min.cleanable.dirty.ratio': 0.01, 'delete.retention.ms': 86_400_000 });
    const log = await storage.openPartition('tid', 'tomb', 0, cfg);
    for (let i = 0; i < 5; i++) await put(log, 'a', `a${i}`);
    await put(log, 'a', null);
    for (let i = 0; i < 8; i++) await put(log, `f${i}`, 'filler-filler-filler');
    expect(await storage.runCompaction()).toBe(1);
    expect(await keys(log)).toContain('a=null');
    expect(await storage.runCompaction()).toBe(0); // nothing dirty, tombstone not yet removable

    cfg.values['delete.retention.ms'] = '0'; // what AlterConfigs does to the live config
    expect(await storage.runCompaction()).toBe(1);
    const left = await keys(log);
    expect(left.filter((k) => k.startsWith('a='))).toEqual([]);
    expect(left.filter((k) => k.startsWith('f'))).toHaveLength(8);
  });

  it('reads concurrent with compaction swaps always succeed', async () => {
    const cfg = config({ 'cleanup.policy': 'compact', 'segment.bytes': 300, 'min.cleanable.dirty.ratio': 0 });
    const log = await storage.openPartition('tid', 'race', 0, cfg);
    for (let round = 0; round < 30; round++) for (let k = 0; k < 4; k++) await put(log, `k${k}`, `v${round}`);
    let stop = false;
    let reads = 0;
    const reader = (async () => {
      while (!stop) {
        await keys(log);
        reads++;
        // Small reads complete synchronously (fs-util.ts SYNC_IO_BYTES), so without yielding to the event loop,
        // as requests from a socket do, this loop would starve the compaction it races.
        await new Promise((r) => setImmediate(r));
      }
    })();
    for (let i = 0; i < 5; i++) {
      await storage.runCompaction();
      for (let k = 0; k < 4; k++) await put(log, `k${k}`, `w${i}`);
    }
    stop = true;
    await reader;
    expect(reads).toBeGreaterThan(0);
    const last = await keys(log);
    expect(last.slice(-4)).toEqual(['k0=w4', 'k1=w4', 'k2=w4', 'k3=w4']);
  });
});
