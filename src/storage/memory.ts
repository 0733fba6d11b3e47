// In-memory engine: batches kept as received (base offset patched), for tests and `--memory`. The log is cut into
// segments as Kafka's would be (segment.bytes, segment.ms), without files, so that retention (retention.ms,
// retention.bytes) deletes and the cleaner (cleanup.policy=compact) rewrites the same whole segments it would.
import { setBaseOffset } from '../protocol/records/index.js';
import { BackgroundTasks, type LogPassOptions } from './background.js';
import { cleanBatch, planCleaning, type CleanerSegment } from './compaction.js';
import { readHeader, type BatchHeader } from './batch-format.js';
import { expiredPrefix } from './retention.js';
import { MemoryJournals } from './journal.js';
import { LogConfig } from './log-config.js';
import type { AppendMeta, JournalContents, MetaJournal, PartitionConfig, PartitionLog, ReadResult, Storage, TimestampLookup } from './types.js';

interface Entry {
  base: number;
  last: number;
  maxTs: number;
  buf: Buffer;
}

/** A stretch of the log that Kafka would keep in one segment file; its batches are the entries from baseOffset on. */
class MemorySegment implements CleanerSegment {
  size = 0;
  maxTimestamp = -1;
  readonly createdMs = Date.now();
  lastModifiedMs = this.createdMs;

  constructor(readonly baseOffset: number) {}

  get largestTimestamp(): number {
    return this.maxTimestamp >= 0 ? this.maxTimestamp : this.lastModifiedMs;
  }
}

/** Index of the first entry whose last offset is >= offset (entries sorted by offset). */
function findEntry(entries: Entry[], offset: number): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (entries[mid].last < offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const YIELD_EVERY_BYTES = 1 << 20;
const NO_CONFIG: PartitionConfig = { get: () => undefined };

export class MemoryPartitionLog implements PartitionLog {
  private entries: Entry[] = [];
  segments: MemorySegment[] = [new MemorySegment(0)];
  logStartOffset = 0;
  logEndOffset = 0;
  size = 0;
  private maxTs: TimestampLookup | null = null;
  readonly config: LogConfig;
  cleanerCheckpoint: number | undefined;
  oldestRetainedTombstone = Infinity;
  private cleaning = false;
  /** Bytes a cleaning pass went through since it last yielded to the event loop (counted across segments). */
  private sinceYield = 0;
  /** Bumped by every change other than an append, so a cleaning pass can tell its view went stale. */
  private version = 0;

  constructor(config: PartitionConfig = NO_CONFIG) {
    this.config = new LogConfig(config);
  }

  append(batch: Buffer, meta: AppendMeta): number {
    const base = this.logEndOffset;
    // Copy: the batch is a slice of the request frame, which may be a larger buffer we must not keep alive or one
    // the connection reuses for its next Produce once this one is answered (src/server/connection.ts).
    const buf = Buffer.from(batch);
    setBaseOffset(buf, base);
    const last = base + meta.lastOffsetDelta;
    const now = Date.now();
    let seg = this.segments[this.segments.length - 1];
    if (this.shouldRoll(seg, buf.length, last, now)) this.segments.push((seg = new MemorySegment(base)));
    this.entries.push({ base, last, maxTs: meta.maxTimestamp, buf });
    this.logEndOffset = last + 1;
    this.size += buf.length;
    seg.size += buf.length;
    seg.lastModifiedMs = now;
    if (meta.maxTimestamp > seg.maxTimestamp) seg.maxTimestamp = meta.maxTimestamp;
    if (!this.maxTs || meta.maxTimestamp > this.maxTs.timestamp) this.maxTs = { offset: last, timestamp: meta.maxTimestamp };
    return base;
  }

  /** Kafka's LogSegment.shouldRoll (no index files to fill here). */
  private shouldRoll(seg: MemorySegment, bytes: number, lastOffset: number, now: number): boolean {
    if (seg.size === 0) return false;
    return (
      lastOffset - seg.baseOffset > 0x7fffffff ||
      seg.size + bytes > this.config.num('segment.bytes') ||
      now - seg.createdMs > this.config.num('segment.ms')
    );
  }

  async read(offset: number, maxBytes: number, maxOffset = Infinity): Promise<ReadResult> {
    const chunks: Buffer[] = [];
    let bytes = 0;
    const from = Math.max(offset, this.logStartOffset);
    if (from >= this.logEndOffset || from >= maxOffset) return { chunks, bytes };
    for (let i = findEntry(this.entries, from); i < this.entries.length; i++) {
      const e = this.entries[i];
      // Same rule as the file engine and Kafka: nothing at or above maxOffset (the HW or LSO) is exposed, so
      // a batch ending beyond it waits until the whole batch is below it.
      if (e.last >= maxOffset) break;
      if (chunks.length > 0 && bytes + e.buf.length > maxBytes) break;
      chunks.push(e.buf);
      bytes += e.buf.length;
    }
    return { chunks, bytes };
  }

  async offsetForTimestamp(ts: number): Promise<TimestampLookup | null> {
    for (const e of this.entries) {
      if (e.maxTs >= ts) return { offset: Math.max(e.base, this.logStartOffset), timestamp: e.maxTs };
    }
    return null;
  }

  maxTimestamp(): TimestampLookup | null {
    return this.maxTs;
  }

  async deleteRecordsBefore(offset: number): Promise<void> {
    if (offset > this.logEndOffset) throw new RangeError(`deleteRecordsBefore(${offset}) is beyond the log end offset ${this.logEndOffset}`);
    if (offset <= this.logStartOffset) return;
    this.logStartOffset = offset;
    // Batches entirely below the new start go; one straddling it stays whole (as a segment would).
    this.entries = this.entries.slice(findEntry(this.entries, this.logStartOffset));
    this.refresh();
  }

  /** retention.ms / retention.bytes / log start breach, as the file engine: returns the number of segments deleted. */
  runRetention(now: number): number {
    const n = expiredPrefix(this.segments, this.config, now, this.logStartOffset);
    if (n === 0) return 0;
    // Deleting every segment leaves a fresh one at the log end, as Kafka rolls one first.
    const rest = n < this.segments.length ? this.segments.slice(n) : [new MemorySegment(this.logEndOffset)];
    this.segments = rest;
    this.logStartOffset = Math.max(this.logStartOffset, rest[0].baseOffset);
    this.entries = this.entries.slice(findEntry(this.entries, rest[0].baseOffset));
    this.refresh();
    return n;
  }

  /** One cleaning pass (cleanup.policy=compact, compaction.ts); true when segments were rewritten. */
  async compact(now: number, force = false): Promise<boolean> {
    if (this.cleaning) return false;
    this.cleaning = true;
    try {
      const version = this.version;
      const plan = await planCleaning(this, (seg) => this.batchesOf(seg), now, force);
      if (!plan) return false;
      const cleaned: Entry[] = [];
      const merged: MemorySegment[] = [];
      for (const { segs } of plan.groups) {
        for (const seg of segs) {
          for await (const { h, buf, entry } of this.batchesOf(seg)) {
            const keep = await cleanBatch(h, buf, seg.lastModifiedMs, plan.st);
            if (keep) cleaned.push(keep === buf ? entry : { ...entry, buf: keep, maxTs: readHeader(keep).maxTimestamp });
          }
        }
        // Tombstone expiry is measured on segments' last modification, so the merged one keeps the newest.
        const into = new MemorySegment(segs[0].baseOffset);
        into.lastModifiedMs = Math.max(...segs.map((s) => s.lastModifiedMs));
        merged.push(into);
      }
      if (this.version !== version) return false; // retention, DeleteRecords or truncation meanwhile: next pass
      this.entries = [...cleaned, ...this.entries.slice(findEntry(this.entries, plan.end))];
      this.segments = [...merged, ...this.segments.filter((s) => s.baseOffset >= plan.end)];
      this.cleanerCheckpoint = plan.end;
      this.oldestRetainedTombstone = plan.st.oldestRetainedTombstone;
      this.refresh();
      return true;
    } finally {
      this.cleaning = false;
    }
  }

  /** A segment's batches, with an event-loop yield every ~1 MiB (a pass over a large log must not stall requests). */
  private async *batchesOf(seg: MemorySegment): AsyncGenerator<{ h: BatchHeader; buf: Buffer; entry: Entry }> {
    const next = this.segments[this.segments.indexOf(seg) + 1]?.baseOffset ?? Infinity;
    for (let i = findEntry(this.entries, seg.baseOffset); i < this.entries.length && this.entries[i].base < next; i++) {
      const entry = this.entries[i];
      yield { h: readHeader(entry.buf), buf: entry.buf, entry };
      this.sinceYield += entry.buf.length;
      if (this.sinceYield >= YIELD_EVERY_BYTES) {
        this.sinceYield = 0;
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  }

  async truncateTo(offset: number): Promise<void> {
    if (offset >= this.logEndOffset) return;
    if (offset < this.logStartOffset) {
      // Kafka's truncateFullyAndStartAt: the log restarts empty at the target.
      this.entries = [];
      this.segments = [new MemorySegment(offset)];
      this.logStartOffset = this.logEndOffset = offset;
      this.refresh();
      return;
    }
    const keep = findEntry(this.entries, offset);
    // A batch straddling the offset goes as a whole, as Kafka truncates at batch boundaries.
    const cut = this.entries[keep];
    this.entries = this.entries.slice(0, keep);
    this.logEndOffset = cut ? cut.base : offset;
    // Dropping the batch that straddles the log start leaves nothing at or after it (the file engine's rule).
    if (this.logEndOffset < this.logStartOffset) this.logStartOffset = this.logEndOffset;
    while (this.segments.length > 1 && this.segments[this.segments.length - 1].baseOffset >= this.logEndOffset) this.segments.pop();
    if (this.cleanerCheckpoint !== undefined && this.cleanerCheckpoint > this.logEndOffset) this.cleanerCheckpoint = this.logEndOffset;
    this.refresh();
  }

  /**
   * After entries were removed (all rare operations): drops segments wholly before the log start, recomputes
   * sizes and timestamps from the entries, and marks running cleaning passes stale.
   */
  private refresh(): void {
    this.version++;
    while (this.segments.length > 1 && this.segments[1].baseOffset <= this.logStartOffset) this.segments.shift();
    for (const s of this.segments) {
      s.size = 0;
      s.maxTimestamp = -1;
    }
    this.size = 0;
    this.maxTs = null;
    let si = 0;
    for (const e of this.entries) {
      while (si + 1 < this.segments.length && this.segments[si + 1].baseOffset <= e.base) si++;
      const s = this.segments[si];
      s.size += e.buf.length;
      if (e.maxTs > s.maxTimestamp) s.maxTimestamp = e.maxTs;
      this.size += e.buf.length;
      if (!this.maxTs || e.maxTs > this.maxTs.timestamp) this.maxTs = { offset: e.last, timestamp: e.maxTs };
    }
  }

  async flush(): Promise<void> {}
  async close(): Promise<void> {}
}

export class MemoryStorage implements Storage {
  readonly kind = 'memory' as const;
  private meta = new Map<string, string>();
  private readonly journals = new MemoryJournals();
  private readonly logs = new Map<string, MemoryPartitionLog>();
  private readonly background: BackgroundTasks;

  constructor(opts: LogPassOptions = {}) {
    this.background = new BackgroundTasks(opts.logger);
    this.background.logPasses(opts, async () => this.runRetention(), () => this.runCompaction());
  }

  async openPartition(_topicId: string, topic: string, partition: number, config: PartitionConfig): Promise<PartitionLog> {
    const log = new MemoryPartitionLog(config);
    this.logs.set(`${topic}-${partition}`, log);
    return log;
  }
  async deletePartition(_topicId: string, topic: string, partition: number): Promise<void> {
    this.logs.delete(`${topic}-${partition}`);
  }

  /** One retention pass over every partition; returns the number of segments deleted. */
  runRetention(now = Date.now()): number {
    let deleted = 0;
    for (const log of this.logs.values()) deleted += log.runRetention(now);
    return deleted;
  }

  /** One cleaner pass over partitions with cleanup.policy=compact; returns the number of logs cleaned. */
  async runCompaction(now = Date.now()): Promise<number> {
    let cleaned = 0;
    for (const log of [...this.logs.values()]) if (log.config.policies.compact && (await log.compact(now))) cleaned++;
    return cleaned;
  }

  async loadMeta<T>(name: string): Promise<T | undefined> {
    const v = this.meta.get(name);
    return v === undefined ? undefined : (JSON.parse(v) as T);
  }
  async saveMeta(name: string, value: unknown): Promise<void> {
    this.meta.set(name, JSON.stringify(value));
  }
  async openJournal<S, R>(name: string, snapshot: () => S): Promise<{ contents: JournalContents<S, R>; journal: MetaJournal<R> }> {
    return this.journals.open<S, R>(name, snapshot);
  }
  async flush(): Promise<void> {}
  async close(): Promise<void> {
    this.background.stopTimers();
    await this.background.idle();
  }
}
