// A journaled metadata document on the file engine (Storage.openJournal): the snapshot `<name>.json` (the
// file saveMeta would write, so a document saved by an older version is read as the first snapshot) and the
// append-only `<name>.journal` of change records after it (format in journal-format.ts, docs/storage.md).
//
// Appends waiting while a write is in flight become one write; durability follows the fsync policy as
// partition appends do: `always` answers after an fdatasync covering the entry (shared by concurrent appends,
// GroupCommit), `interval` after the write reached the OS with a background fdatasync every interval,
// `never` after the write. Compaction writes a fresh snapshot (temp + fsync + rename) and only then empties
// the journal, so a crash in between leaves a journal whose header names the previous snapshot: it is
// recognised as stale and dropped, its records being part of the new snapshot.
import { constants, promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { DEFAULT_COMPACTION, shouldCompact, type CompactionPolicy } from '../journal.js';
import type { JournalContents, MetaJournal } from '../types.js';
import { GroupCommit } from '../../concurrency.js';
import { atomicWrite, fsyncDir, readIfExists, writevAt } from './fs-util.js';
import { encodeEntry, headerFor, matches, parseJournal } from './journal-format.js';
import type { MetaStore } from './meta-store.js';
import type { FsyncMode } from './partition-log.js';

export interface FileJournalOptions {
  snapshotFile: string;
  journalFile: string;
  fsync: FsyncMode;
  /** fsync=interval: period of the background fdatasync (ms). */
  intervalMs: number;
  logger: Logger;
  policy?: CompactionPolicy;
  /** The journal's fdatasync; tests replace it to hold a sync and watch when appends are answered. */
  datasync?: (fh: FileHandle) => Promise<void>;
}

interface Pending {
  /** An entry to write, or (compaction) the serialized snapshot that replaces everything before it. */
  frame?: Buffer;
  snapshot?: Buffer;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** Roughly what a header entry takes; only feeds the compaction size estimate. */
const HEADER_BYTES = 64;

export class FileMetaJournal<R = unknown> implements MetaJournal<R> {
  private fh!: FileHandle;
  /** End of the journal's good entries: where the next write goes. */
  private position = 0;
  /** Journal size once everything queued is written (the compaction decision is made when appending). */
  private bytes = 0;
  private snapshotBytes = 0;
  private queue: Pending[] = [];
  private draining = false;
  /** Written since the last fdatasync. */
  private dirty = false;
  /** A write or compaction failed, the file may end in a torn entry: the next append compacts instead. */
  private broken = false;
  private closed = false;
  private last: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private readonly groupCommit = new GroupCommit(() => this.syncNow());
  private readonly policy: CompactionPolicy;

  private constructor(
    private readonly opts: FileJournalOptions,
    private readonly snapshot: () => unknown,
  ) {
    this.policy = opts.policy ?? DEFAULT_COMPACTION;
  }

  static async open<S, R>(opts: FileJournalOptions, snapshot: () => S): Promise<{ contents: JournalContents<S, R>; journal: FileMetaJournal<R> }> {
    const snap = await readIfExists(opts.snapshotFile);
    const raw = await readIfExists(opts.journalFile);
    const j = new FileMetaJournal<R>(opts, snapshot);
    j.snapshotBytes = snap?.length ?? 0;
    const parsed = raw ? parseJournal(raw) : undefined;
    j.fh = await fsp.open(opts.journalFile, constants.O_RDWR | constants.O_CREAT, 0o644);
    let records: R[] = [];
    try {
      if (raw && parsed && matches(parsed.header, snap)) {
        records = parsed.appends.flat() as R[];
        if (parsed.validBytes < raw.length) {
          opts.logger.warn({ file: opts.journalFile, droppedBytes: raw.length - parsed.validBytes }, 'metadata journal: dropping a torn or corrupt tail');
          await j.fh.truncate(parsed.validBytes);
          await j.fh.sync();
        }
        j.position = j.bytes = parsed.validBytes;
      } else {
        // No journal yet, or one a crash left behind mid-compaction: the snapshot already holds its records.
        if (parsed?.header) opts.logger.info({ file: opts.journalFile }, 'metadata journal predates its snapshot; discarded');
        await j.reset(snap);
        if (!raw) await fsyncDir(path.dirname(opts.journalFile));
      }
    } catch (err) {
      await j.fh.close().catch(() => undefined);
      throw err;
    }
    if (opts.fsync === 'interval') {
      j.timer = setInterval(() => {
        if (j.dirty) j.groupCommit.sync().catch((err: unknown) => opts.logger.error({ err, file: opts.journalFile }, 'metadata journal fsync failed'));
      }, Math.max(1, opts.intervalMs));
      j.timer.unref();
    }
    const value = snap ? (JSON.parse(snap.toString('utf8')) as S | null) : undefined;
    return { contents: { snapshot: value ?? undefined, records }, journal: j };
  }

  append(records: R[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`metadata journal ${this.opts.journalFile} is closed`));
    if (records.length === 0 && !this.broken) return this.last;
    let item: Omit<Pending, 'resolve' | 'reject'>;
    try {
      const frame = records.length > 0 ? encodeEntry(JSON.stringify(records)) : undefined;
      if (this.broken || shouldCompact(this.bytes + (frame?.length ?? 0), this.snapshotBytes, this.policy)) {
        // The snapshot is taken now, so it holds exactly what was appended so far, this append included.
        item = { snapshot: Buffer.from(JSON.stringify(this.snapshot()) ?? 'null', 'utf8') };
        this.bytes = HEADER_BYTES;
        this.broken = false;
      } else {
        item = { frame };
        this.bytes += frame!.length;
      }
    } catch (err) {
      return Promise.reject(err);
    }
    const p = new Promise<void>((resolve, reject) => this.queue.push({ ...item, resolve, reject }));
    this.last = p;
    if (!this.draining) {
      this.draining = true;
      void this.drain();
    }
    return p;
  }

  private async drain(): Promise<void> {
    for (;;) {
      const items = this.queue.splice(0);
      if (items.length === 0) {
        this.draining = false;
        return;
      }
      await this.process(items);
    }
  }

  private async process(items: Pending[]): Promise<void> {
    const fail = (xs: Pending[], err: unknown, what: string): void => {
      this.broken = true;
      this.opts.logger.error({ err, file: this.opts.journalFile }, `metadata journal ${what} failed`);
      for (const x of xs) x.reject(err);
    };
    let k = items.length - 1;
    while (k >= 0 && items[k].snapshot === undefined) k--;
    if (k >= 0) {
      try {
        await this.compact(items[k].snapshot!);
      } catch (err) {
        fail(items, err, 'compaction');
        return;
      }
      // Everything up to the compaction is in the (durable) snapshot.
      for (const it of items.slice(0, k + 1)) it.resolve();
    } else if (this.broken) {
      // Entries queued behind a failed write must not follow its torn remains; the next append compacts.
      fail(items, new Error('metadata journal write failed; retrying with a compaction'), 'append');
      return;
    }
    const rest = items.slice(k + 1);
    if (rest.length === 0) return;
    const buf = rest.length === 1 ? rest[0].frame! : Buffer.concat(rest.map((it) => it.frame!));
    try {
      await writeAll(this.fh, buf, this.position);
    } catch (err) {
      fail(rest, err, 'append');
      return;
    }
    this.position += buf.length;
    this.dirty = true;
    if (this.opts.fsync === 'always') {
      this.groupCommit.sync().then(
        () => rest.forEach((it) => it.resolve()),
        (err: unknown) => rest.forEach((it) => it.reject(err)),
      );
    } else {
      for (const it of rest) it.resolve();
    }
  }

  /** New snapshot first (durable), then the journal emptied down to a header naming it. */
  private async compact(snapshot: Buffer): Promise<void> {
    await atomicWrite(this.opts.snapshotFile, snapshot);
    this.snapshotBytes = snapshot.length;
    await this.reset(snapshot);
    this.broken = false;
  }

  private async reset(snapshot: Buffer | undefined): Promise<void> {
    // The truncation is made durable before the header goes in, so a crash cannot leave the new header
    // followed by entries of the old journal.
    await this.fh.truncate(0);
    await this.fh.sync();
    const header = encodeEntry(JSON.stringify(headerFor(snapshot)));
    await writeAll(this.fh, header, 0);
    this.position = header.length;
    this.dirty = true;
  }

  private async syncNow(): Promise<void> {
    if (!this.dirty) return;
    this.dirty = false;
    try {
      await (this.opts.datasync ? this.opts.datasync(this.fh) : this.fh.datasync());
    } catch (err) {
      this.dirty = true;
      throw err;
    }
  }

  /** Resolves once every append so far is written and fsynced. */
  async flush(): Promise<void> {
    await this.last.catch(() => undefined);
    await this.groupCommit.sync();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    try {
      await this.flush();
    } finally {
      await this.fh.close();
    }
  }
}

async function writeAll(fh: FileHandle, buf: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < buf.length) done += await writevAt(fh, [buf.subarray(done)], position + done);
}

/** The journaled documents of one FileStorage, next to its saveMeta documents in `__meta`. */
export class FileMetaJournals {
  private readonly open_ = new Map<string, FileMetaJournal | null>();

  constructor(
    private readonly meta: MetaStore,
    private readonly opts: Pick<FileJournalOptions, 'fsync' | 'intervalMs' | 'logger' | 'policy' | 'datasync'>,
  ) {}

  async open<S, R>(name: string, snapshot: () => S): Promise<{ contents: JournalContents<S, R>; journal: MetaJournal<R> }> {
    if (this.open_.has(name)) throw new Error(`metadata journal ${name} is already open`);
    this.open_.set(name, null); // claimed while opening
    const snapshotFile = this.meta.fileFor(name);
    try {
      const opened = await FileMetaJournal.open<S, R>({ ...this.opts, snapshotFile, journalFile: snapshotFile.replace(/\.json$/, '.journal') }, snapshot);
      this.open_.set(name, opened.journal as FileMetaJournal);
      return opened;
    } catch (err) {
      this.open_.delete(name);
      throw err;
    }
  }

  async flush(): Promise<void> {
    await Promise.all([...this.open_.values()].map((j) => j?.flush()));
  }

  async close(): Promise<void> {
    const all = [...this.open_.values()];
    this.open_.clear();
    await Promise.all(all.map((j) => j?.close()));
  }
}
