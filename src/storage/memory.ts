// In-memory engine: batches kept as received (base offset patched), for tests and `--memory`.
import { setBaseOffset } from '../protocol/records/index.js';
import { MemoryJournals } from './journal.js';
import type { AppendMeta, JournalContents, MetaJournal, PartitionConfig, PartitionLog, ReadResult, Storage, TimestampLookup } from './types.js';

interface Entry {
  base: number;
  last: number;
  maxTs: number;
  buf: Buffer;
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

export class MemoryPartitionLog implements PartitionLog {
  private entries: Entry[] = [];
  logStartOffset = 0;
  logEndOffset = 0;
  size = 0;
  private maxTs: TimestampLookup | null = null;

  append(batch: Buffer, meta: AppendMeta): number {
    const base = this.logEndOffset;
    // Copy: the batch is a slice of the request frame, which may be a larger buffer we must not keep alive or one
    // the connection reuses for its next Produce once this one is answered (src/server/connection.ts).
    const buf = Buffer.from(batch);
    setBaseOffset(buf, base);
    const last = base + meta.lastOffsetDelta;
    this.entries.push({ base, last, maxTs: meta.maxTimestamp, buf });
    this.logEndOffset = last + 1;
    this.size += buf.length;
    if (!this.maxTs || meta.maxTimestamp > this.maxTs.timestamp) this.maxTs = { offset: last, timestamp: meta.maxTimestamp };
    return base;
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
    const keepFrom = findEntry(this.entries, this.logStartOffset);
    for (const e of this.entries.slice(0, keepFrom)) this.size -= e.buf.length;
    this.entries = this.entries.slice(keepFrom);
    if (keepFrom > 0) this.recomputeMaxTimestamp();
  }

  private recomputeMaxTimestamp(): void {
    this.maxTs = null;
    for (const e of this.entries) if (!this.maxTs || e.maxTs > this.maxTs.timestamp) this.maxTs = { offset: e.last, timestamp: e.maxTs };
  }

  async truncateTo(offset: number): Promise<void> {
    if (offset >= this.logEndOffset) return;
    if (offset < this.logStartOffset) {
      // Kafka's truncateFullyAndStartAt: the log restarts empty at the target.
      this.entries = [];
      this.size = 0;
      this.logStartOffset = this.logEndOffset = offset;
      this.maxTs = null;
      return;
    }
    const keep = findEntry(this.entries, offset);
    // A batch straddling the offset goes as a whole, as Kafka truncates at batch boundaries.
    const cut = this.entries[keep];
    for (const e of this.entries.slice(keep)) this.size -= e.buf.length;
    this.entries = this.entries.slice(0, keep);
    this.logEndOffset = cut ? cut.base : offset;
    // Dropping the batch that straddles the log start leaves nothing at or after it (the file engine's rule).
    if (this.logEndOffset < this.logStartOffset) this.logStartOffset = this.logEndOffset;
    this.recomputeMaxTimestamp();
  }

  async flush(): Promise<void> {}
  async close(): Promise<void> {}
}

export class MemoryStorage implements Storage {
  readonly kind = 'memory' as const;
  private meta = new Map<string, string>();
  private readonly journals = new MemoryJournals();

  async openPartition(_topicId: string, _topic: string, _partition: number, _config: PartitionConfig): Promise<PartitionLog> {
    return new MemoryPartitionLog();
  }
  async deletePartition(): Promise<void> {}
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
  async close(): Promise<void> {}
}
