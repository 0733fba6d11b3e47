import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { FileStorage } from '../../../src/storage/file/index.js';
import type { PartitionLog } from '../../../src/storage/types.js';
import { baseOffsetOf, config, lastOffsetOf, makeBatch, tempDir } from './helpers.js';

let tmp: ReturnType<typeof tempDir>;
let storage: FileStorage;

beforeEach(async () => {
  tmp = tempDir();
  storage = await FileStorage.open({ dataDir: tmp.dir, fsync: 'never' });
});
afterEach(async () => {
  await storage.close();
  tmp.cleanup();
});

async function fill(log: PartitionLog, batches: number, recordsPerBatch = 3, valueBytes = 0, ts0 = 1_000): Promise<number[]> {
  const bases: number[] = [];
  for (let i = 0; i < batches; i++) {
    const { batch, meta } = makeBatch(recordsPerBatch, { timestamp: ts0 + i * 10, valueBytes });
    bases.push(await log.append(batch, meta));
  }
  return bases;
}

async function readAll(log: PartitionLog, from = 0): Promise<Buffer[]> {
  const out: Buffer[] = [];
  let offset = from;
  for (;;) {
    const r = await log.read(offset, 64 * 1024);
    if (r.chunks.length === 0) return out;
    out.push(...r.chunks);
    offset = lastOffsetOf(r.chunks[r.chunks.length - 1]) + 1;
  }
}

describe('FilePartitionLog append/read', () => {
  it('assigns offsets, patches base offsets and reads batches back across segment rolls', async () => {
    const log = await storage.openPartition('tid', 'orders', 0, config({ 'segment.bytes': 1024, 'index.interval.bytes': 200 }));
    const originals: Buffer[] = [];
    for (let i = 0; i < 60; i++) {
      const { batch, meta } = makeBatch(3, { timestamp: 1000 + i, valueBytes: 20 });
      expect(await log.append(batch, meta)).toBe(i * 3);
      originals.push(Buffer.from(batch));
    }
    expect(log.logEndOffset).toBe(180);
    expect(log.logStartOffset).toBe(0);
    const files = readdirSync(join(tmp.dir, 'orders-0')).filter((f) => f.endsWith('.log'));
    expect(files.length).toBeGreaterThan(5);
    expect(files[0]).toBe('00000000000000000000.log');
    const all = await readAll(log);
    expect(all.map(baseOffsetOf)).toEqual(originals.map((_, i) => i * 3));
    expect(Buffer.concat(all).equals(Buffer.concat(originals))).toBe(true);
    expect(log.size).toBe(Buffer.concat(originals).length);
    // Reading from an offset in the middle of a batch starts with that batch.
    const mid = await log.read(100, 1);
    expect(mid.chunks.map(baseOffsetOf)).toEqual([99]);
  });

  it('returns the first batch even when larger than maxBytes, then respects maxBytes', async () => {
    const log = await storage.openPartition('tid', 't', 0, config());
    await fill(log, 5, 2, 500);
    const one = await log.read(0, 10);
    expect(one.chunks).toHaveLength(1);
    expect(one.bytes).toBe(one.chunks[0].length);
    const size = one.chunks[0].length;
    const three = await log.read(0, size * 3 + 5);
    expect(three.chunks.map(baseOffsetOf)).toEqual([0, 2, 4]);
    expect(three.bytes).toBe(size * 3);
  });

  it('stops before maxOffset and returns nothing at or past the end', async () => {
    const log = await storage.openPartition('tid', 't', 1, config());
    await fill(log, 4, 5); // 0-4, 5-9, 10-14, 15-19
    expect((await log.read(0, 1 << 20, 10)).chunks.map(baseOffsetOf)).toEqual([0, 5]);
    // A batch straddling maxOffset is not exposed.
    expect((await log.read(0, 1 << 20, 12)).chunks.map(baseOffsetOf)).toEqual([0, 5]);
    expect((await log.read(12, 1 << 20, 12)).chunks).toHaveLength(0);
    expect((await log.read(20, 1 << 20)).chunks).toHaveLength(0);
    expect((await log.read(99, 1 << 20)).bytes).toBe(0);
  });

  it('rejects buffers that are not a single v2 batch', async () => {
    const log = await storage.openPartition('tid', 't', 2, config());
    const { batch, meta } = makeBatch(1);
    await expect(log.append(batch.subarray(0, 40), meta)).rejects.toThrow(/magic-2/);
    await expect(log.append(Buffer.concat([batch, batch]), meta)).rejects.toThrow(/magic-2/);
    expect(log.logEndOffset).toBe(0);
  });

  it('refuses appends, reads and timestamp lookups once closed (its topic deleted under a request) with NOT_LEADER_OR_FOLLOWER', async () => {
    const log = await storage.openPartition('tid', 't', 3, config());
    await fill(log, 2);
    await log.close();
    const { batch, meta } = makeBatch(1);
    await expect(log.append(batch, meta)).rejects.toMatchObject({ code: ErrorCode.NOT_LEADER_OR_FOLLOWER });
    await expect(log.read(0, 1 << 20)).rejects.toMatchObject({ code: ErrorCode.NOT_LEADER_OR_FOLLOWER });
    await expect(log.offsetForTimestamp(0)).rejects.toMatchObject({ code: ErrorCode.NOT_LEADER_OR_FOLLOWER });
  });

  it('finds offsets by timestamp through the time index and tracks the max timestamp', async () => {
    const log = await storage.openPartition('tid', 'ts', 0, config({ 'segment.bytes': 2048, 'index.interval.bytes': 100 }));
    expect(log.maxTimestamp()).toBeNull();
    expect(await log.offsetForTimestamp(0)).toBeNull();
    await fill(log, 50, 2, 30, 10_000); // batch i: offsets 2i..2i+1, timestamp 10000 + 10i
    expect(await log.offsetForTimestamp(0)).toEqual({ offset: 0, timestamp: 10_000 });
    expect(await log.offsetForTimestamp(10_000)).toEqual({ offset: 0, timestamp: 10_000 });
    expect(await log.offsetForTimestamp(10_001)).toEqual({ offset: 2, timestamp: 10_010 });
    expect(await log.offsetForTimestamp(10_250)).toEqual({ offset: 50, timestamp: 10_250 });
    expect(await log.offsetForTimestamp(10_485)).toEqual({ offset: 98, timestamp: 10_490 });
    expect(await log.offsetForTimestamp(10_491)).toBeNull();
    expect(log.maxTimestamp()).toEqual({ offset: 99, timestamp: 10_490 });
    // An out-of-order (older) timestamp does not move the max.
    const { batch, meta } = makeBatch(1, { timestamp: 5 });
    await log.append(batch, meta);
    expect(log.maxTimestamp()).toEqual({ offset: 99, timestamp: 10_490 });
  });

  it('truncateTo drops the batch holding the offset and everything after, across segments', async () => {
    const log = await storage.openPartition('tid', 'tr', 0, config({ 'segment.bytes': 600 }));
    await fill(log, 30, 2, 50); // offsets 0..59
    const segsBefore = readdirSync(join(tmp.dir, 'tr-0')).filter((f) => f.endsWith('.log')).length;
    await log.truncateTo(21); // batch 20-21 goes
    expect(log.logEndOffset).toBe(20);
    const segsAfter = readdirSync(join(tmp.dir, 'tr-0')).filter((f) => f.endsWith('.log')).length;
    expect(segsAfter).toBeLessThan(segsBefore);
    const all = await readAll(log);
    expect(all.map(lastOffsetOf).at(-1)).toBe(19);
    expect(log.maxTimestamp()?.offset).toBe(19);
    // Appends continue at the new end.
    const { batch, meta } = makeBatch(2);
    expect(await log.append(batch, meta)).toBe(20);
    await log.truncateTo(100); // beyond the end: no-op
    expect(log.logEndOffset).toBe(22);
  });

  it('truncateTo below the log start empties the log and restarts it at the target', async () => {
    const log = await storage.openPartition('tid', 'tr', 1, config({ 'segment.bytes': 600 }));
    await fill(log, 20, 2, 50);
    await log.deleteRecordsBefore(30);
    await log.truncateTo(10);
    expect(log.logStartOffset).toBe(10);
    expect(log.logEndOffset).toBe(10);
    expect(log.size).toBe(0);
    const { batch, meta } = makeBatch(1);
    expect(await log.append(batch, meta)).toBe(10);
  });

  it('deleteRecordsBefore advances the log start and removes whole segments below it', async () => {
    const log = await storage.openPartition('tid', 'dr', 0, config({ 'segment.bytes': 600 }));
    await fill(log, 30, 2, 50);
    const dir = join(tmp.dir, 'dr-0');
    const before = readdirSync(dir).filter((f) => f.endsWith('.log'));
    await log.deleteRecordsBefore(25);
    expect(log.logStartOffset).toBe(25);
    const after = readdirSync(dir).filter((f) => f.endsWith('.log'));
    expect(after.length).toBeLessThan(before.length);
    expect(Number(after[0].slice(0, 20))).toBeLessThanOrEqual(25);
    // Reads below the log start begin at the batch holding it.
    expect(baseOffsetOf((await log.read(0, 1)).chunks[0])).toBe(24);
    await log.deleteRecordsBefore(10); // moving backwards is a no-op
    expect(log.logStartOffset).toBe(25);
    await expect(log.deleteRecordsBefore(61)).rejects.toThrow(RangeError);
    // Up to the end: every stored byte may go, appends continue.
    await log.deleteRecordsBefore(60);
    expect(log.logStartOffset).toBe(60);
    expect(log.size).toBe(0);
    expect((await log.read(0, 1000)).chunks).toHaveLength(0);
    const { batch, meta } = makeBatch(1);
    expect(await log.append(batch, meta)).toBe(60);
  });

  it('serializes concurrent appends and reads without tearing', async () => {
    const log = await storage.openPartition('tid', 'cc', 0, config({ 'segment.bytes': 4096 }));
    const appends = Array.from({ length: 200 }, (_, i) => {
      const { batch, meta } = makeBatch(1 + (i % 3), { valueBytes: 40 });
      return log.append(batch, meta);
    });
    const reads = Array.from({ length: 50 }, () => log.read(0, 1 << 20));
    const bases = await Promise.all(appends);
    for (const r of await Promise.all(reads)) {
      let next = 0;
      for (const c of r.chunks) {
        expect(baseOffsetOf(c)).toBe(next);
        next = lastOffsetOf(c) + 1;
      }
    }
    expect([...bases].sort((a, b) => a - b)).toEqual(bases);
    expect(new Set(bases).size).toBe(200);
    const all = await readAll(log);
    expect(all.map(baseOffsetOf)).toEqual(bases);
  });

  it('appends at once when nothing is queued before it, and queues behind pending work in order', async () => {
    const log = await storage.openPartition('tid', 'now', 0, config({ 'segment.bytes': 1 << 20 }));
    const one = () => {
      const { batch, meta } = makeBatch(2);
      return log.append(batch, meta);
    };
    const created = one(); // the first append creates the segment file
    const queued = one(); // behind it
    expect(created).toBeInstanceOf(Promise);
    expect(queued).toBeInstanceOf(Promise);
    expect([await created, await queued]).toEqual([0, 2]);
    await new Promise((r) => setImmediate(r)); // the executor's task finishes just after the appends it resolved
    expect(one()).toBe(4); // nothing pending: written synchronously
    const truncation = log.truncateTo(2);
    const behind = one();
    expect(behind).toBeInstanceOf(Promise);
    await truncation;
    expect(await behind).toBe(2); // after the truncation, not before it
    await new Promise((r) => setImmediate(r));
    expect(one()).toBe(4);
    expect((await readAll(log)).map(baseOffsetOf)).toEqual([0, 2, 4]);

    // An fsync the flush policy asks for is waited for.
    const flushed = await storage.openPartition('tid', 'now-flushed', 0, config({ 'flush.messages': 1 }));
    const { batch, meta } = makeBatch(1);
    await flushed.append(batch, meta);
    const again = makeBatch(1);
    expect(flushed.append(again.batch, again.meta)).toBeInstanceOf(Promise);
  });

  it('reads racing with segment deletion either see the old data or retry on the new segment list', async () => {
    const log = await storage.openPartition('tid', 'race', 0, config({ 'segment.bytes': 500 }));
    await fill(log, 60, 2, 60);
    const reads = Array.from({ length: 40 }, (_, i) => log.read(i * 2, 2000));
    const deletion = log.deleteRecordsBefore(100);
    const results = await Promise.all(reads);
    await deletion;
    for (const r of results) expect(r.chunks.length).toBeGreaterThan(0);
    expect(baseOffsetOf((await log.read(0, 1)).chunks[0])).toBe(100);
  });

  it('openPartition returns the same log and applies new config (AlterConfigs)', async () => {
    const a = await storage.openPartition('tid', 'cfg', 0, config({ 'segment.bytes': 1 << 20 }));
    await fill(a, 3, 1, 200);
    const b = await storage.openPartition('tid', 'cfg', 0, config({ 'segment.bytes': 300 }));
    expect(b).toBe(a);
    await fill(a, 3, 1, 200);
    expect(readdirSync(join(tmp.dir, 'cfg-0')).filter((f) => f.endsWith('.log')).length).toBeGreaterThan(1);
  });

  it('rolls on segment.ms', async () => {
    const cfg = config({ 'segment.ms': 60_000 });
    const log = await storage.openPartition('tid', 'roll', 0, cfg);
    await fill(log, 2);
    cfg.values['segment.ms'] = '1';
    await new Promise((r) => setTimeout(r, 5));
    await fill(log, 1);
    expect(readdirSync(join(tmp.dir, 'roll-0')).filter((f) => f.endsWith('.log'))).toEqual([
      '00000000000000000000.log',
      '00000000000000000006.log',
    ]);
  });

  it('deletePartition removes the directory and a re-created partition starts empty', async () => {
    const log = await storage.openPartition('tid', 'gone', 0, config());
    await fill(log, 3);
    await storage.deletePartition('tid', 'gone', 0);
    await storage.flush();
    await storage.close();
    expect(readdirSync(tmp.dir).filter((n) => n.startsWith('gone'))).toEqual([]);
    storage = await FileStorage.open({ dataDir: tmp.dir, fsync: 'never' });
    const again = await storage.openPartition('tid2', 'gone', 0, config());
    expect(again.logEndOffset).toBe(0);
  });

  it('rejects topic names that could escape the data directory', async () => {
    await expect(storage.openPartition('tid', '../x', 0, config())).rejects.toThrow(/illegal topic/);
  });
});
