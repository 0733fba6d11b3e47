// Journaled metadata documents (Storage.openJournal) on the file engine: records come back in order after a
// restart, a torn or corrupt tail is dropped, compaction folds the journal into a fresh snapshot (and a crash
// in the middle of it loses nothing), and appends are answered as the fsync policy says.
import { appendFileSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileStorage } from '../../../src/storage/file/index.js';
import { FileMetaJournal, type FileJournalOptions } from '../../../src/storage/file/meta-journal.js';
import { MemoryStorage } from '../../../src/storage/memory.js';
import type { CompactionPolicy } from '../../../src/storage/journal.js';
import { tempDir } from './helpers.js';

let tmp: ReturnType<typeof tempDir>;
const open: FileMetaJournal<unknown>[] = [];

beforeEach(() => {
  tmp = tempDir();
});
afterEach(async () => {
  for (const j of open.splice(0)) await j.close().catch(() => undefined);
  tmp.cleanup();
});

type Rec = [key: string, value: number];
/** The model the records describe: a map of keys to numbers; a snapshot is the whole map. */
type Doc = Record<string, number>;

const files = () => ({ snapshotFile: join(tmp.dir, 'doc.json'), journalFile: join(tmp.dir, 'doc.journal') });

async function openJournal(state: Doc, extra: Partial<FileJournalOptions> & { policy?: CompactionPolicy } = {}) {
  const o = await FileMetaJournal.open<Doc, Rec>(
    { ...files(), fsync: 'never', intervalMs: 1000, logger: pino({ level: 'silent' }), ...extra },
    () => ({ ...state }),
  );
  open.push(o.journal as FileMetaJournal<unknown>);
  const replayed: Doc = { ...(o.contents.snapshot ?? {}) };
  for (const [k, v] of o.contents.records) replayed[k] = v;
  return { ...o, replayed };
}

async function closeAll(): Promise<void> {
  for (const j of open.splice(0)) await j.close();
}

describe('journaled metadata (file engine)', () => {
  it('replays the records appended before a restart, in order, over the snapshot', async () => {
    const state: Doc = {};
    const { journal, contents } = await openJournal(state);
    expect(contents).toEqual({ snapshot: undefined, records: [] });
    for (let i = 0; i < 20; i++) {
      state[`k${i % 3}`] = i;
      await journal.append([[`k${i % 3}`, i]]);
    }
    await closeAll();
    const again = await openJournal({});
    expect(again.replayed).toEqual({ k0: 18, k1: 19, k2: 17 });
    expect(again.contents.records).toHaveLength(20);
  });

  it('drops a torn last entry and a corrupt one, and appends after the good ones', async () => {
    const { journal } = await openJournal({});
    await journal.append([['a', 1]]);
    await journal.append([['b', 2], ['c', 3]]);
    await journal.append([['a', 4]]);
    await closeAll();
    const { journalFile } = files();
    // A crash in the middle of writing the last entry: its last bytes never reached the disk.
    truncateSync(journalFile, statSync(journalFile).size - 3);
    let r = await openJournal({});
    expect(r.replayed).toEqual({ a: 1, b: 2, c: 3 });
    const goodSize = statSync(journalFile).size;
    await r.journal.append([['d', 5]]);
    await closeAll();
    r = await openJournal({});
    expect(r.replayed).toEqual({ a: 1, b: 2, c: 3, d: 5 });
    await closeAll();
    // A bit flip inside the last entry's payload: its CRC no longer matches.
    const buf = readFileSync(journalFile);
    buf[goodSize + 9] ^= 0x20;
    writeFileSync(journalFile, buf);
    r = await openJournal({});
    expect(r.replayed).toEqual({ a: 1, b: 2, c: 3 });
    await closeAll();
    // Garbage after the last entry (preallocated or half-written space).
    appendFileSync(journalFile, Buffer.from([0, 0, 0, 9, 1, 2]));
    r = await openJournal({});
    expect(r.replayed).toEqual({ a: 1, b: 2, c: 3 });
  });

  it('compacts into a fresh snapshot once the journal outgrows the policy, and restarts from it', async () => {
    const state: Doc = {};
    let snapshots = 0;
    const policy = { minBytes: 400, ratio: 1 };
    const o = await FileMetaJournal.open<Doc, Rec>(
      { ...files(), fsync: 'always', intervalMs: 1000, logger: pino({ level: 'silent' }), policy },
      () => {
        snapshots++;
        return { ...state };
      },
    );
    open.push(o.journal as FileMetaJournal<unknown>);
    let maxJournal = 0;
    for (let i = 0; i < 300; i++) {
      const key = `key-${i % 7}`;
      state[key] = i;
      await o.journal.append([[key, i]]);
      maxJournal = Math.max(maxJournal, statSync(files().journalFile).size);
    }
    expect(snapshots).toBeGreaterThan(5);
    // Bounded by the policy (the snapshot of 7 keys stays far below minBytes), plus one entry.
    expect(maxJournal).toBeLessThan(policy.minBytes + 100);
    await closeAll();
    const r = await openJournal({});
    expect(r.contents.snapshot).toBeDefined();
    expect(r.replayed).toEqual(state);
  });

  it('a crash between writing the snapshot and emptying the journal loses nothing', async () => {
    const state: Doc = {};
    const { journal } = await openJournal(state);
    for (let i = 0; i < 5; i++) {
      state[`k${i}`] = i;
      await journal.append([[`k${i}`, i]]);
    }
    await closeAll();
    // The compaction's first step, as a crash would leave it: the new snapshot is there, the journal untouched.
    writeFileSync(files().snapshotFile, JSON.stringify({ ...state, k0: 100 }));
    const r = await openJournal({});
    // The old journal names the old snapshot, so it is not replayed over the new one (k0 stays 100).
    expect(r.contents.records).toEqual([]);
    expect(r.replayed).toEqual({ ...state, k0: 100 });
  });

  it('reads a document saved by saveMeta (an older data directory) as the first snapshot', async () => {
    const s = await FileStorage.open({ dataDir: tmp.dir, fsync: 'always' });
    await s.saveMeta('groups', { version: 1, groups: ['g'] });
    await s.close();
    const s2 = await FileStorage.open({ dataDir: tmp.dir, fsync: 'always' });
    try {
      const { contents, journal } = await s2.openJournal<unknown, number>('groups', () => ({}));
      expect(contents).toEqual({ snapshot: { version: 1, groups: ['g'] }, records: [] });
      await journal.append([1]);
      await expect(s2.openJournal('groups', () => ({}))).rejects.toThrow(/already open/);
    } finally {
      await s2.close();
    }
    const s3 = await FileStorage.open({ dataDir: tmp.dir, fsync: 'always' });
    try {
      expect((await s3.openJournal('groups', () => ({}))).contents.records).toEqual([1]);
    } finally {
      await s3.close();
    }
  });
});

describe('journaled metadata: fsync policy', () => {
  /** A datasync the test releases by hand, counting calls. */
  function heldSync() {
    const calls: (() => void)[] = [];
    let entered: () => void = () => undefined;
    return {
      calls,
      datasync: (fh: FileHandle) =>
        new Promise<void>((resolve, reject) => {
          calls.push(() => fh.datasync().then(resolve, reject));
          entered();
        }),
      nextCall: () => new Promise<void>((r) => (entered = r)),
    };
  }

  it('always: an append is answered only after an fdatasync that started after its write; concurrent appends share syncs', async () => {
    const h = heldSync();
    const { journal } = await openJournal({}, { fsync: 'always', datasync: h.datasync });
    // The journal was created with a header; nothing is waiting on a sync yet.
    let answered = false;
    const entered = h.nextCall();
    const first = journal.append([['a', 1]]).then(() => (answered = true));
    await entered;
    expect(h.calls).toHaveLength(1);
    // Appends arriving while that sync is held wait for the next one.
    const more = Array.from({ length: 10 }, (_, i) => journal.append([[`k${i}`, i]]));
    let moreAnswered = 0;
    for (const m of more) void m.then(() => moreAnswered++);
    await new Promise((r) => setImmediate(r));
    expect(answered).toBe(false);
    const second = h.nextCall();
    h.calls[0]();
    await first;
    expect(answered).toBe(true);
    await second;
    expect(moreAnswered).toBe(0);
    expect(h.calls).toHaveLength(2);
    h.calls[1]();
    await Promise.all(more);
    // Eleven appends, two fdatasyncs.
    expect(h.calls).toHaveLength(2);
  });

  it('interval and never: answered once written, without an fdatasync; a flush fdatasyncs', async () => {
    for (const fsync of ['interval', 'never'] as const) {
      const h = heldSync();
      const { journal } = await openJournal({}, { fsync, intervalMs: 3_600_000, datasync: h.datasync });
      await journal.append([['a', 1]]);
      await journal.append([['b', 2]]);
      expect(h.calls).toHaveLength(0);
      const j = journal as FileMetaJournal<Rec>;
      const entered = h.nextCall();
      const flushed = j.flush();
      await entered;
      h.calls[0]();
      await flushed;
      expect(h.calls).toHaveLength(1);
      await closeAll();
      tmp.cleanup();
      tmp = tempDir();
    }
  });
});

describe('journaled metadata (memory engine)', () => {
  it('keeps records for the life of the storage, compacted into a snapshot as it grows', async () => {
    const s = new MemoryStorage();
    const state: Doc = {};
    const { journal } = await s.openJournal<Doc, Rec>('doc', () => ({ ...state }));
    // ~130 bytes a record: past the 1 MiB below which a journal is never compacted.
    const pad = 'x'.repeat(120);
    for (let i = 0; i < 30_000; i++) {
      state[`${pad}${i % 10}`] = i;
      await journal.append([[`${pad}${i % 10}`, i]]);
    }
    const { contents } = await s.openJournal<Doc, Rec>('doc', () => ({}));
    expect(contents.snapshot).toBeDefined();
    expect(contents.records.length).toBeLessThan(30_000);
    const replayed: Doc = { ...contents.snapshot };
    for (const [k, v] of contents.records) replayed[k] = v;
    expect(replayed).toEqual(state);
  });
});
