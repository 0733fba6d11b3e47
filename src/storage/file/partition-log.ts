// One partition's segmented log. Every mutation (append groups, rolls, truncation, retention, compaction
// swaps, close) runs on a per-partition SerialExecutor; reads run concurrently against a snapshot of the
// segment list and never see a batch before its write completed.
import { mkdir } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { AppendMeta, PartitionConfig, PartitionLog, ReadOptions, ReadResult, TimestampLookup } from '../types.js';
import { setBaseOffset } from '../../protocol/records/index.js';
import { RECORD_COUNT, framedSize } from '../batch-format.js';
import { SerialExecutor } from '../../concurrency.js';
import { AppendGroups } from './append-groups.js';
import { LogConfig } from '../log-config.js';
import { Durability, type FsyncMode } from './durability.js';
import { fsyncDir, listDir } from './fs-util.js';
import type { HandleCache, Slots } from './handle-cache.js';
import { CLEANER_CHECKPOINT, checkTopicId, loadLog, readCleanerCheckpoint, writeCleanerCheckpoint, writeLogStart } from './log-recovery.js';
import { closedLogError, maxTimestamp, offsetForTimestamp, readLog } from './partition-read.js';
import { expiredPrefix, retentionPrefix } from '../retention.js';
import { LogSegment, floorSegment } from './segment.js';

export type { FsyncMode } from './durability.js';

export interface PartitionLogOptions {
  dir: string;
  topicId: string;
  config: PartitionConfig;
  fsync: FsyncMode;
  logger: Logger;
  /** Called after every fdatasync of a segment file (tests count group commits with it). */
  onFsync?: (file: string) => void;
  /** Bounds the segment files held open across the storage (null: no bound). */
  handles?: HandleCache | null;
  /** fsyncs the directory holding partition directories (shared, so many new partitions share syncs). */
  syncParentDir?: () => Promise<void>;
  /** Bounds short-lived descriptors (dir fsyncs, atomic writes) across partitions. */
  fdSlots?: Slots;
}

export class FilePartitionLog implements PartitionLog {
  readonly config: LogConfig;
  readonly dir: string;
  /** Serializes mutations; exposed to the cleaner so its swap step runs in order with appends. */
  readonly exec = new SerialExecutor();
  segments: LogSegment[] = [];
  private startOffset = 0;
  readonly durability: Durability;
  private readonly queue = new AppendGroups(this);
  private readonly background = new Set<Promise<unknown>>();
  private closed = false;
  private readonly jitterMs: number;
  /** Cleaner state (see cleaner.ts): a pass is running; first offset not yet cleaned; oldest retained tombstone's segment mtime. */
  cleaning = false;
  cleanerCheckpoint: number | undefined;
  oldestRetainedTombstone = Infinity;

  private constructor(private readonly opts: PartitionLogOptions) {
    this.dir = opts.dir;
    this.config = new LogConfig(opts.config);
    this.durability = new Durability(this, { fsync: opts.fsync, onFsync: opts.onFsync, syncParentDir: opts.syncParentDir, fds: (fn) => this.fds(fn) });
    this.jitterMs = Math.floor(Math.random() * Math.max(0, this.config.num('segment.jitter.ms')));
  }

  static async open(opts: PartitionLogOptions): Promise<FilePartitionLog> {
    const log = new FilePartitionLog(opts);
    const names = await listDir(opts.dir);
    if (!names) {
      // A new (or never written) partition costs no directory, file or descriptor until its first append:
      // creating a topic with 10,000 partitions must not mean 10,000 directories, fsyncs and open files.
      log.segments = [LogSegment.unborn(opts.dir, 0, opts.handles ?? null)];
      return log;
    }
    // Checked before touching any segment: a stale directory of another topic must stay as it is.
    await checkTopicId(opts.dir, opts.topicId);
    const loaded = await loadLog(opts.dir, names, log.interval, opts.logger, opts.handles ?? null);
    log.segments = loaded.segments;
    log.startOffset = loaded.logStartOffset;
    if (names.includes(CLEANER_CHECKPOINT)) log.cleanerCheckpoint = await readCleanerCheckpoint(opts.dir);
    return log;
  }

  get logStartOffset(): number {
    return this.startOffset;
  }
  get logEndOffset(): number {
    return this.active.nextOffset;
  }
  get size(): number {
    return this.segments.reduce((n, s) => n + s.size, 0);
  }
  get isClosed(): boolean {
    return this.closed;
  }
  get active(): LogSegment {
    return this.segments[this.segments.length - 1];
  }
  /** The open-file bound (the cleaner opens its swapped-in segments through it). */
  get handles(): HandleCache | null {
    return this.opts.handles ?? null;
  }
  get logger(): Logger {
    return this.opts.logger;
  }
  get interval(): number {
    return this.config.num('index.interval.bytes');
  }

  /** AlterConfigs: take a new config source (reads of the old object also stay live). */
  reconfigure(config: PartitionConfig): void {
    this.config.reconfigure(config);
  }

  append(batch: Buffer, meta: AppendMeta): number | Promise<number> {
    if (this.closed) return Promise.reject(closedLogError(this));
    if (framedSize(batch) !== batch.length) {
      return Promise.reject(new Error('append expects exactly one magic-2 record batch'));
    }
    const now = this.appendNow(batch, meta);
    return now >= 0 ? now : this.queue.enqueue(batch, meta);
  }

  /**
   * The common append written synchronously, without the executor's promise chain (which cost a single-record
   * Produce more than the write itself): nothing queued before it, no segment to create or roll, no fsync due
   * by the flush policy. Returns the base offset, or -1 when the batch must take the queue.
   */
  private appendNow(batch: Buffer, meta: AppendMeta): number {
    const seg = this.active;
    if (this.exec.busy || seg.isUnborn) return -1;
    const base = seg.nextOffset;
    const last = base + meta.lastOffsetDelta;
    const records = batch.readInt32BE(RECORD_COUNT);
    if (this.durability.due(records) || this.shouldRoll(seg, 0, batch.length, last)) return -1;
    setBaseOffset(batch, base);
    if (!seg.appendNow({ buf: batch, lastOffset: last, maxTimestamp: meta.maxTimestamp }, this.interval)) return -1;
    this.durability.written(records);
    return base;
  }

  /**
   * First append: the directory, its partition.metadata and the first segment file. Not fsynced here; the
   * entries are marked so the sync that makes the first batch durable (per the flush policy) covers them,
   * and a partition.metadata lost to a crash is simply written again on the next open.
   */
  async materialize(): Promise<void> {
    if (!this.active.isUnborn) return;
    await this.fds(async () => {
      await mkdir(this.dir, { recursive: true });
      await checkTopicId(this.dir, this.opts.topicId, false);
      await this.active.createFile();
    });
    this.durability.dirEntriesDirty = true;
    this.durability.parentEntryDirty = true;
  }

  /** Kafka's LogSegment.shouldRoll, evaluated with the bytes of the group being assembled. */
  shouldRoll(seg: LogSegment, pendingBytes: number, batchBytes: number, lastOffset: number): boolean {
    if (lastOffset - seg.baseOffset > 0x7fffffff) return true; // relative offsets are int32
    const size = seg.size + pendingBytes;
    if (size === 0) return false;
    return (
      size + batchBytes > this.config.num('segment.bytes') ||
      Date.now() - seg.createdAt > this.config.num('segment.ms') - this.jitterMs ||
      seg.indexEntries >= Math.floor(this.config.num('segment.index.bytes') / 8)
    );
  }

  /** Seals the active segment and starts a new one at the LEO. Caller holds the executor. */
  async roll(): Promise<LogSegment> {
    const old = this.active;
    if (old.size === 0) return old;
    const seg = await LogSegment.create(this.dir, old.nextOffset, this.opts.handles ?? null);
    old.seal();
    this.segments = [...this.segments, seg];
    this.durability.dirEntriesDirty = true;
    // Like Kafka, a rolled segment is flushed in the background whatever the flush policy, and its index
    // files are written only after its data is durable (recovery trusts a segment that has them).
    this.track(
      (async () => {
        await old.datasync();
        this.opts.onFsync?.(old.logPath);
        await this.fds(async () => {
          await old.writeIndexFiles(true);
          await fsyncDir(this.dir);
        });
      })().catch((err: unknown) => {
        if (this.segments.includes(old)) this.opts.logger.error({ err, segment: old.logPath }, 'flushing rolled segment failed');
      }),
    );
    return seg;
  }

  private fds<T>(fn: () => Promise<T>): Promise<T> {
    return this.opts.fdSlots ? this.opts.fdSlots.run(fn) : fn();
  }

  private track(p: Promise<unknown>): void {
    this.background.add(p);
    void p.finally(() => this.background.delete(p));
  }

  /** Storage ticker: fsync=interval, and per-topic flush.ms. */
  async flushIfDue(now: number, intervalMs: number | null): Promise<void> {
    if (!this.closed) await this.durability.flushIfDue(now, intervalMs);
  }

  read(offset: number, maxBytes: number, maxOffset = Infinity, opts?: ReadOptions): Promise<ReadResult> {
    return readLog(this, offset, maxBytes, maxOffset, opts);
  }

  offsetForTimestamp(ts: number): Promise<TimestampLookup | null> {
    return offsetForTimestamp(this, ts);
  }

  maxTimestamp(): TimestampLookup | null {
    return maxTimestamp(this.segments);
  }

  deleteRecordsBefore(offset: number): Promise<void> {
    return this.exec.run(async () => {
      if (offset > this.logEndOffset) {
        throw new RangeError(`deleteRecordsBefore(${offset}) is beyond the log end offset ${this.logEndOffset}`);
      }
      if (offset <= this.startOffset) return;
      await this.setLogStart(offset);
      // Everything stored is below the new start: roll so the old active segment can go too.
      if (offset >= this.logEndOffset) await this.roll();
      await this.deletePrefix(retentionPrefix(this.segments, { ...noRetention, logStartOffset: offset }));
    });
  }

  /** Checkpoint first: a crash after it but before the deletions just finishes them on the next open. */
  private async setLogStart(offset: number): Promise<void> {
    await this.materialize();
    this.startOffset = offset;
    await this.fds(() => writeLogStart(this.dir, offset));
  }

  /** Deletes the first n segments (rolling first when that includes the active one). Holds the executor. */
  private async deletePrefix(n: number): Promise<number> {
    if (n === 0) return 0;
    if (n >= this.segments.length) await this.roll();
    const victims = this.segments.slice(0, n);
    const newStart = this.segments[n].baseOffset;
    if (newStart > this.startOffset) await this.setLogStart(newStart);
    this.segments = this.segments.slice(n);
    // Awaited, not backgrounded: a later roll may reuse a deleted segment's file name.
    for (const seg of victims) await seg.deleteFiles();
    this.opts.logger.debug({ dir: this.dir, deleted: victims.map((s) => s.baseOffset), logStartOffset: this.startOffset }, 'deleted segments');
    return n;
  }

  /** retention.ms / retention.bytes / log start: returns the number of segments deleted. */
  runRetention(now = Date.now()): Promise<number> {
    return this.exec.run(async () => {
      if (this.closed) return 0;
      return this.deletePrefix(expiredPrefix(this.segments, this.config, now, this.startOffset));
    });
  }

  truncateTo(offset: number): Promise<void> {
    return this.exec.run(async () => {
      if (offset >= this.logEndOffset) return;
      if (offset < this.startOffset) {
        // Kafka's truncateFullyAndStartAt: nothing at or after the target survives below the log start.
        for (const seg of this.segments) await seg.deleteFiles();
        this.segments = [await LogSegment.create(this.dir, offset, this.opts.handles ?? null)];
        await this.setLogStart(offset);
      } else {
        const i = floorSegment(this.segments, offset);
        // Replace the array rather than splice it: concurrent reads iterate their own snapshot.
        const doomed = this.segments.slice(i + 1);
        this.segments = this.segments.slice(0, i + 1);
        for (const seg of doomed) await seg.deleteFiles();
        const seg = this.active;
        const h = await seg.findBatch(offset, this.interval);
        // The batch holding `offset` goes entirely: the log only ever ends on a batch boundary. Without one
        // (offset in a compaction gap at the segment end) the rescan finds the real end and the LEO becomes
        // the target, as in Kafka.
        await seg.truncateAt(h ? h.position : seg.size, this.interval);
        if (!h) seg.nextOffset = Math.max(seg.nextOffset, offset);
        seg.sealed = false;
        // Dropping the batch that straddles the log start leaves nothing at or after the start.
        if (seg.nextOffset < this.startOffset) await this.setLogStart(seg.nextOffset);
      }
      this.durability.dirEntriesDirty = true;
      // Data past the target is gone; the cleaner must treat whatever gets appended there as dirty.
      if (this.cleanerCheckpoint !== undefined && this.cleanerCheckpoint > offset) {
        this.cleanerCheckpoint = offset;
        await writeCleanerCheckpoint(this.dir, offset);
      }
      if (this.opts.fsync === 'always') await this.durability.sync();
    });
  }

  async flush(): Promise<void> {
    await this.exec.idle();
    await this.durability.sync();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.exec.run(async () => {
      await Promise.allSettled([...this.background]);
      await this.durability.sync();
      await Promise.all(this.segments.map((s) => s.close()));
    });
  }
}

const noRetention = { now: 0, retentionMs: -1, retentionBytes: -1, deletePolicy: false };

