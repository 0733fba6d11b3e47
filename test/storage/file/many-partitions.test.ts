// Many partitions: a partition costs no directory, file or descriptor until its first append, survives
// restarts either way, and the segment files held open stay within the storage's bound however many
// partitions and segments are in use.
import { existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HandleCache, type CachedHandle } from '../../../src/storage/file/handle-cache.js';
import { FileStorage } from '../../../src/storage/file/index.js';
import type { PartitionLog } from '../../../src/storage/types.js';
import { baseOffsetOf, config, makeBatch, readAll, tempDir } from './helpers.js';

let tmp: ReturnType<typeof tempDir>;
let storage: FileStorage;
const cfg = config({ 'segment.bytes': 600, 'index.interval.bytes': 100 });

beforeEach(() => {
  tmp = tempDir();
});
afterEach(async () => {
  await storage.close();
  tmp.cleanup();
});

async function open(opts: { maxOpenSegments?: number; fsync?: 'always' | 'never' } = {}): Promise<FileStorage> {
  storage = await FileStorage.open({ dataDir: tmp.dir, fsync: opts.fsync ?? 'never', maxOpenSegments: opts.maxOpenSegments, retentionCheckIntervalMs: 0 });
  return storage;
}

/** Descriptors of this process open on segment files of the data directory (0 where there is no /proc). */
function fdsInDataDir(): number {
  let n = 0;
  if (!existsSync('/proc/self/fd')) return 0; // handles.size is still checked
  for (const fd of readdirSync('/proc/self/fd')) {
    const target = readlinkSafe(`/proc/self/fd/${fd}`);
    if (target?.startsWith(tmp.dir) && target.endsWith('.log')) n++;
  }
  return n;
}

function readlinkSafe(p: string): string | undefined {
  try {
    return readlinkSync(p);
  } catch {
    return undefined;
  }
}

describe('partitions without appends', () => {
  it('create nothing on disk, survive a restart, and materialize on the first append', async () => {
    await open();
    let log = await storage.openPartition('tid-a', 'lazy', 0, cfg);
    expect(existsSync(join(tmp.dir, 'lazy-0'))).toBe(false);
    expect(log.logEndOffset).toBe(0);
    expect(await log.read(0, 1000)).toEqual({ chunks: [], bytes: 0 });
    expect(await log.offsetForTimestamp(0)).toBeNull();
    await log.flush();
    await storage.close();

    await open();
    log = await storage.openPartition('tid-a', 'lazy', 0, cfg);
    expect(log.logEndOffset).toBe(0);
    const { batch, meta } = makeBatch(3);
    expect(await log.append(batch, meta)).toBe(0);
    expect(readFileSync(join(tmp.dir, 'lazy-0', 'partition.metadata'), 'utf8')).toContain('topic_id: tid-a');
    await storage.close();

    await open();
    log = await storage.openPartition('tid-a', 'lazy', 0, cfg);
    expect(log.logEndOffset).toBe(3);
    expect((await readAll(log)).map(baseOffsetOf)).toEqual([0]);
    // The binding written at materialization still refuses another topic id.
    await expect(storage.openPartition('tid-b', 'lazy', 0, cfg)).resolves.toBe(log);
    await storage.close();
    await open();
    await expect(storage.openPartition('tid-b', 'lazy', 0, cfg)).rejects.toMatchObject({ code: 'INCONSISTENT_TOPIC_ID' });
  });

  it('with fsync=always, the first append syncs the new directory entries before it resolves', async () => {
    const synced: string[] = [];
    storage = await FileStorage.open({ dataDir: tmp.dir, fsync: 'always', retentionCheckIntervalMs: 0, onFsync: (f) => synced.push(f) });
    const log = await storage.openPartition('tid', 'first', 0, cfg);
    const { batch, meta } = makeBatch(1);
    await log.append(batch, meta);
    expect(synced.some((f) => f.endsWith('00000000000000000000.log'))).toBe(true);
    expect(readdirSync(join(tmp.dir, 'first-0')).sort()).toEqual(['00000000000000000000.log', 'partition.metadata']);
  });

  it('concurrent first appends to one partition materialize it once', async () => {
    await open();
    const log = await storage.openPartition('tid', 'race', 0, cfg);
    const offsets = await Promise.all(Array.from({ length: 20 }, () => {
      const { batch, meta } = makeBatch(1);
      return log.append(batch, meta);
    }));
    expect(offsets.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect((await readAll(log)).length).toBe(20);
  });
});

describe('open segment files', () => {
  it('stay within maxOpenSegments across many partitions and segments, and reads reopen them', async () => {
    await open({ maxOpenSegments: 8 });
    const logs: PartitionLog[] = [];
    const written: Buffer[][] = [];
    for (let p = 0; p < 40; p++) {
      const log = await storage.openPartition('tid', 'fds', p, cfg);
      logs.push(log);
      written.push([]);
      // Several segments per partition (segment.bytes 600).
      for (let i = 0; i < 6; i++) {
        const { batch, meta } = makeBatch(2, { valueBytes: 60 });
        await log.append(batch, meta);
        written[p].push(batch);
      }
    }
    expect(storage.handles.size).toBeLessThanOrEqual(8);
    expect(fdsInDataDir()).toBeLessThanOrEqual(8);
    // Reading everything back goes through evicted handles.
    for (let p = 0; p < 40; p++) {
      const got = await readAll(logs[p]);
      expect(Buffer.concat(got.map((b) => b.subarray(12))).equals(Buffer.concat(written[p].map((b) => b.subarray(12))))).toBe(true);
    }
    expect(fdsInDataDir()).toBeLessThanOrEqual(8);
    // Retention and truncation on segments whose handles were closed by the cache.
    await logs[3].truncateTo(4);
    expect(logs[3].logEndOffset).toBe(4);
    await logs[5].deleteRecordsBefore(8);
    expect(logs[5].logStartOffset).toBe(8);
    await storage.close();
    await open({ maxOpenSegments: 8 });
    const again = await storage.openPartition('tid', 'fds', 3, cfg);
    expect(again.logEndOffset).toBe(4);
    expect(fdsInDataDir()).toBeLessThanOrEqual(8);
  });
});

describe('handle cache bound', () => {
  const handle = (busy: { v: boolean }): CachedHandle & { evicted: boolean } => ({
    evicted: false,
    get idle() {
      return !busy.v;
    },
    evict() {
      this.evicted = true;
    },
  });

  it('at the bound, an open waits until a busy handle is released, then evicts it', async () => {
    storage = await FileStorage.open({ dataDir: tmp.dir, fsync: 'never', retentionCheckIntervalMs: 0 });
    const cache = new HandleCache(2);
    const busy = { v: true };
    const a = handle(busy);
    const b = handle(busy);
    for (const h of [a, b]) {
      await cache.reserve();
      cache.opened(h);
    }
    let got = false;
    const third = cache.reserve().then(() => {
      got = true;
    });
    await new Promise((r) => setImmediate(r));
    expect(got).toBe(false);
    busy.v = false;
    cache.released();
    await third;
    expect(got).toBe(true);
    expect(a.evicted).toBe(true); // the least recently used
    expect(b.evicted).toBe(false);
    expect(cache.size).toBe(1);
  });

  it('concurrent first appends to many partitions all succeed within a small bound', async () => {
    await open({ maxOpenSegments: 4, fsync: 'always' });
    const logs = await Promise.all(Array.from({ length: 60 }, (_, p) => storage.openPartition('tid', 'burst', p, cfg)));
    const offsets = await Promise.all(
      logs.flatMap((log) =>
        [0, 1].map(() => {
          const { batch, meta } = makeBatch(1);
          return log.append(batch, meta);
        }),
      ),
    );
    expect(offsets.filter((o) => o === 0).length).toBe(60);
    expect(storage.handles.size).toBeLessThanOrEqual(4);
    expect(fdsInDataDir()).toBeLessThanOrEqual(4);
  });
});
