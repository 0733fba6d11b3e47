import { appendFileSync, existsSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileStorage } from '../../../src/storage/file/index.js';
import type { PartitionLog } from '../../../src/storage/types.js';
import { baseOffsetOf, config, lastOffsetOf, makeBatch, tempDir, readAll } from './helpers.js';

let tmp: ReturnType<typeof tempDir>;
let storage: FileStorage;
const cfg = config({ 'segment.bytes': 1000, 'index.interval.bytes': 150 });

beforeEach(async () => {
  tmp = tempDir();
  storage = await FileStorage.open({ dataDir: tmp.dir, fsync: 'never' });
});
afterEach(async () => {
  await storage.close();
  tmp.cleanup();
});

async function reopen(): Promise<PartitionLog> {
  await storage.close();
  storage = await FileStorage.open({ dataDir: tmp.dir, fsync: 'never' });
  return storage.openPartition('tid', 'rec', 0, cfg);
}

async function fill(log: PartitionLog, n: number): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const { batch, meta } = makeBatch(2, { timestamp: 5000 + i, valueBytes: 40 });
    await log.append(batch, meta);
    out.push(batch);
  }
  return out;
}

const dir = (): string => join(tmp.dir, 'rec-0');
const logFiles = (): string[] => readdirSync(dir()).filter((f) => f.endsWith('.log')).sort();

describe('FileStorage recovery', () => {
  it('reopens with the same LEO, log start, data, timestamps and index lookups', async () => {
    let log = await storage.openPartition('tid', 'rec', 0, cfg);
    const written = await fill(log, 40);
    await log.deleteRecordsBefore(9);
    const before = { leo: log.logEndOffset, start: log.logStartOffset, size: log.size, max: log.maxTimestamp() };
    const ts = await log.offsetForTimestamp(5020);
    log = await reopen();
    expect({ leo: log.logEndOffset, start: log.logStartOffset, size: log.size, max: log.maxTimestamp() }).toEqual(before);
    expect(await log.offsetForTimestamp(5020)).toEqual(ts);
    const all = await readAll(log);
    // Reads start at the batch holding the log start (offset 9 is in batch 8-9).
    expect(baseOffsetOf(all[0])).toBe(8);
    expect(Buffer.concat(all).equals(Buffer.concat(written.slice(4)))).toBe(true);
    const { batch, meta } = makeBatch(1);
    expect(await log.append(batch, meta)).toBe(80);
  });

  it('truncates a torn last batch plus trailing garbage back to the last good batch', async () => {
    let log = await storage.openPartition('tid', 'rec', 0, cfg);
    await fill(log, 12);
    const leo = log.logEndOffset;
    await storage.close();
    const last = join(dir(), logFiles().at(-1)!);
    const { batch } = makeBatch(3, { valueBytes: 100 });
    batch.writeBigInt64BE(BigInt(leo), 0);
    appendFileSync(last, batch.subarray(0, batch.length - 7)); // torn write of a whole new batch
    appendFileSync(last, Buffer.from('garbage-garbage-garbage'));
    const sizeWithGarbage = statSync(last).size;
    storage = await FileStorage.open({ dataDir: tmp.dir, fsync: 'never' });
    log = await storage.openPartition('tid', 'rec', 0, cfg);
    expect(log.logEndOffset).toBe(leo);
    expect(statSync(last).size).toBe(sizeWithGarbage - batch.length + 7 - 23);
    const { batch: b2, meta } = makeBatch(1);
    expect(await log.append(b2, meta)).toBe(leo);
    expect((await readAll(log)).map(lastOffsetOf).at(-1)).toBe(leo);
  });

  it('cuts the active segment at a batch whose CRC does not match', async () => {
    let log = await storage.openPartition('tid', 'rec', 0, cfg);
    await fill(log, 12);
    await storage.close();
    const last = join(dir(), logFiles().at(-1)!);
    const size = statSync(last).size;
    // Flip one byte inside the records of the last batch: length framing stays valid, the CRC does not.
    const fs = await import('node:fs');
    const fd = fs.openSync(last, 'r+');
    fs.writeSync(fd, Buffer.from([0xff]), 0, 1, size - 3);
    fs.closeSync(fd);
    storage = await FileStorage.open({ dataDir: tmp.dir, fsync: 'never' });
    log = await storage.openPartition('tid', 'rec', 0, cfg);
    expect(log.logEndOffset).toBe(22);
    expect(statSync(last).size).toBeLessThan(size);
  });

  it('truncating the last file mid-batch recovers to the previous batch', async () => {
    let log = await storage.openPartition('tid', 'rec', 0, cfg);
    await fill(log, 12);
    await storage.close();
    const last = join(dir(), logFiles().at(-1)!);
    truncateSync(last, statSync(last).size - 10);
    log = await reopen();
    expect(log.logEndOffset).toBe(22);
  });

  it('rebuilds missing and corrupt index files of closed segments', async () => {
    let log = await storage.openPartition('tid', 'rec', 0, cfg);
    await fill(log, 40);
    const ts = await log.offsetForTimestamp(5011);
    const mid = (await log.read(31, 1)).chunks.map(baseOffsetOf);
    await storage.close();
    const files = logFiles();
    expect(files.length).toBeGreaterThan(3);
    rmSync(join(dir(), files[0].replace('.log', '.index')));
    writeFileSync(join(dir(), files[1].replace('.log', '.timeindex')), Buffer.alloc(7)); // not a multiple of 12
    writeFileSync(join(dir(), files[2].replace('.log', '.index')), Buffer.alloc(16, 0xff)); // insane entries
    storage = await FileStorage.open({ dataDir: tmp.dir, fsync: 'never' });
    log = await storage.openPartition('tid', 'rec', 0, cfg);
    expect(log.logEndOffset).toBe(80);
    expect(await log.offsetForTimestamp(5011)).toEqual(ts);
    expect((await log.read(31, 1)).chunks.map(baseOffsetOf)).toEqual(mid);
    expect(existsSync(join(dir(), files[0].replace('.log', '.index')))).toBe(true);
    expect((await readAll(log)).length).toBe(40);
  });

  it('drops segments after a corrupt closed segment whose index was never written', async () => {
    let log = await storage.openPartition('tid', 'rec', 0, cfg);
    await fill(log, 40);
    await storage.close();
    const files = logFiles();
    // Simulate a crash right after a roll: segment 1 has no index files and a torn tail.
    rmSync(join(dir(), files[1].replace('.log', '.index')));
    rmSync(join(dir(), files[1].replace('.log', '.timeindex')));
    const seg1 = join(dir(), files[1]);
    truncateSync(seg1, statSync(seg1).size - 5);
    log = await reopen();
    expect(logFiles()).toEqual(files.slice(0, 2));
    expect(log.logEndOffset).toBeLessThan(Number(files[2].slice(0, 20)));
    const all = await readAll(log);
    expect(lastOffsetOf(all.at(-1)!) + 1).toBe(log.logEndOffset);
  });

  it('finishes segment deletions interrupted after the log start checkpoint', async () => {
    let log = await storage.openPartition('tid', 'rec', 0, cfg);
    await fill(log, 40);
    await storage.close();
    writeFileSync(join(dir(), 'log-start-offset'), '50\n');
    log = await reopen();
    expect(log.logStartOffset).toBe(50);
    expect(Number(logFiles()[0].slice(0, 20))).toBeLessThanOrEqual(50);
    expect(Number(logFiles()[1].slice(0, 20))).toBeGreaterThan(50);
  });

  it('refuses a directory that belongs to another topic id', async () => {
    const log = await storage.openPartition('tid', 'rec', 0, cfg);
    await fill(log, 1);
    await storage.close();
    storage = await FileStorage.open({ dataDir: tmp.dir, fsync: 'never' });
    await expect(storage.openPartition('other', 'rec', 0, cfg)).rejects.toThrow(/topic id/);
  });

  it('locks the data directory against a second live process', async () => {
    writeFileSync(join(tmp.dir, '.lock'), `${process.ppid}\n`);
    const other = new FileStorage({ dataDir: tmp.dir, fsync: 'never' });
    await expect(other.open()).rejects.toThrow(/in use/);
  });
});
