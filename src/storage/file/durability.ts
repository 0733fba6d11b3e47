// When a partition's writes become durable: the flush policy (fsync mode, flush.messages, flush.ms) and the
// group commit that fdatasyncs every segment written since the last round, plus the directory entries created
// meanwhile (a new segment file; the partition directory itself on its first append).
import path from 'node:path';
import { GroupCommit } from '../../concurrency.js';
import type { LogConfig } from '../log-config.js';
import { fsyncDir } from './fs-util.js';
import type { LogSegment } from './segment.js';

export type FsyncMode = 'always' | 'interval' | 'never';

/** What the policy needs from its partition log. */
export interface DurableLog {
  readonly dir: string;
  readonly config: LogConfig;
  readonly segments: LogSegment[];
}

export interface DurabilityOptions {
  fsync: FsyncMode;
  /** Called after every fdatasync of a segment file (tests count group commits with it). */
  onFsync?: (file: string) => void;
  /** fsyncs the directory holding partition directories (shared, so many new partitions share syncs). */
  syncParentDir?: () => Promise<void>;
  /** Runs a short-lived descriptor operation within the storage's bound. */
  fds: <T>(fn: () => Promise<T>) => Promise<T>;
}

export class Durability {
  private readonly commit = new GroupCommit(() => this.syncNow());
  private unflushedMessages = 0;
  private lastFlushMs = Date.now();
  /** Entries in the partition directory (segment files) created since the last sync. */
  dirEntriesDirty = false;
  /** The partition directory itself was created since the last sync (its entry in the data dir). */
  parentEntryDirty = false;

  constructor(
    private readonly log: DurableLog,
    private readonly opts: DurabilityOptions,
  ) {}

  /** Whether appending `records` more makes the policy ask for an fsync before the append is acknowledged. */
  due(records: number): boolean {
    return this.opts.fsync === 'always' || this.unflushedMessages + records >= this.log.config.num('flush.messages');
  }

  written(records: number): void {
    this.unflushedMessages += records;
  }

  /** fdatasyncs what was written so far; callers arriving during a round share the next one. */
  sync(): Promise<void> {
    return this.commit.sync();
  }

  /** Storage ticker: fsync=interval, and per-topic flush.ms. */
  async flushIfDue(now: number, intervalMs: number | null): Promise<void> {
    if (!this.log.segments.some((s) => s.dirty)) return;
    const due = Math.min(intervalMs ?? Infinity, this.log.config.num('flush.ms'));
    if (now - this.lastFlushMs >= due) await this.sync();
  }

  /** One group-commit round: fdatasync every segment written since the last round (plus the dir on create). */
  private async syncNow(): Promise<void> {
    const { dir, segments } = this.log;
    const dirty = segments.filter((s) => s.dirty);
    const dirEntries = this.dirEntriesDirty;
    const parentEntry = this.parentEntryDirty;
    this.dirEntriesDirty = false;
    this.parentEntryDirty = false;
    this.unflushedMessages = 0;
    this.lastFlushMs = Date.now();
    for (const seg of dirty) {
      try {
        await seg.datasync();
        this.opts.onFsync?.(seg.logPath);
      } catch (err) {
        if (this.log.segments.includes(seg)) throw err; // deleted meanwhile: nothing left to make durable
      }
    }
    if (dirEntries) await this.opts.fds(() => fsyncDir(dir));
    if (parentEntry) await (this.opts.syncParentDir ?? (() => fsyncDir(path.dirname(dir))))();
  }
}
