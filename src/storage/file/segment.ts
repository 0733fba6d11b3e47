// One log segment: `<20-digit base offset>.log` plus its sparse `.index` and `.timeindex`.
// Writes go through positional writes at `size`; `size` only advances after a write completed, so readers
// that bound themselves by it never see a half-written batch.
import { ftruncateSync, promises as fsp, writevSync } from 'node:fs';
import path from 'node:path';
import type { BatchHeader } from '../batch-format.js';
import { SYNC_IO_BYTES, atomicWrite, isNotFound, readAt, readIfExists, writevAt } from './fs-util.js';
import { type HandleCache, SegmentFile } from './handle-cache.js';
import { OffsetIndex, TimeIndex } from './indexes.js';
import { type ScanResult, scanBatches } from './scan.js';
import { ReadHints, type SegmentReadResult, readSegment } from './segment-read.js';

export function segmentName(baseOffset: number, suffix: string): string {
  return String(baseOffset).padStart(20, '0') + suffix;
}

export interface AppendedBatch {
  buf: Buffer;
  lastOffset: number;
  maxTimestamp: number;
}

export class LogSegment {
  size = 0;
  /** Offset after the last batch (valid once recovered/appended; closed segments learn it lazily). */
  nextOffset: number;
  maxTimestamp = -1;
  offsetOfMaxTimestamp: number;
  /** Wall-clock time the segment was created or loaded, for segment.ms rolling. */
  readonly createdAt = Date.now();
  /** File mtime (tracked in memory), Kafka's fallback for retention when batches carry no timestamps. */
  lastModifiedMs = Date.now();
  /** Unsynced bytes are present (consulted by the flush policy). */
  dirty = false;
  sealed = false;
  private offsetIndex: OffsetIndex | null = null;
  private timeIndex: TimeIndex | null = null;
  private indexLoad: Promise<void> | null = null;
  private bytesSinceIndexEntry = 0;
  /** Where recent fetch reads stopped, so the next sequential read starts exactly there. */
  private readonly hints = new ReadHints();
  /** The .log file, opened lazily and closed when the handle cache needs the descriptor. */
  private readonly file: SegmentFile;
  private constructor(
    readonly dir: string,
    readonly baseOffset: number,
    cache: HandleCache | null,
  ) {
    this.file = new SegmentFile(path.join(dir, segmentName(baseOffset, '.log')), cache);
    this.nextOffset = baseOffset;
    this.offsetOfMaxTimestamp = baseOffset;
  }

  get logPath(): string {
    return path.join(this.dir, segmentName(this.baseOffset, '.log'));
  }
  get indexPath(): string {
    return path.join(this.dir, segmentName(this.baseOffset, '.index'));
  }
  get timeIndexPath(): string {
    return path.join(this.dir, segmentName(this.baseOffset, '.timeindex'));
  }

  static async create(dir: string, baseOffset: number, cache: HandleCache | null): Promise<LogSegment> {
    const seg = LogSegment.unborn(dir, baseOffset, cache);
    await seg.createFile();
    return seg;
  }

  /** An empty segment whose file is created by createFile() when the first append needs it. */
  static unborn(dir: string, baseOffset: number, cache: HandleCache | null): LogSegment {
    const seg = new LogSegment(dir, baseOffset, cache);
    seg.offsetIndex = new OffsetIndex(baseOffset);
    seg.timeIndex = new TimeIndex(baseOffset);
    seg.file.unborn = true;
    return seg;
  }

  static async open(dir: string, baseOffset: number, cache: HandleCache | null): Promise<LogSegment> {
    const seg = new LogSegment(dir, baseOffset, cache);
    const st = await seg.use((fh) => fh.stat());
    seg.size = st.size;
    seg.lastModifiedMs = st.mtimeMs;
    return seg;
  }

  get isUnborn(): boolean {
    return this.file.unborn;
  }

  createFile(): Promise<void> {
    return this.file.create();
  }

  private use<T>(fn: (fh: fsp.FileHandle) => Promise<T>): Promise<T> {
    return this.file.use(fn);
  }

  /**
   * Active-segment recovery: validate every batch (framing, CRC32C, offset order), cut the file at the
   * first torn or corrupt one, and rebuild both indexes from what survived.
   */
  async recover(indexIntervalBytes: number): Promise<ScanResult> {
    const result = await this.rebuild(indexIntervalBytes, true);
    if (result.corrupt) {
      await this.use((fh) => fh.truncate(result.end));
      this.size = result.end;
    }
    return result;
  }

  /**
   * Closed-segment load: trust the index files when present and plausible (Kafka's sanity check), else
   * rebuild them with a validating scan. Only the time index's last entry is read eagerly (it carries the
   * segment's max timestamp); the index bodies load on first use.
   */
  async load(indexIntervalBytes: number, nextBase: number): Promise<ScanResult | null> {
    this.nextOffset = nextBase;
    const [ixStat, tixStat] = await Promise.all([statSize(this.indexPath), statSize(this.timeIndexPath)]);
    const plausible =
      ixStat !== null && tixStat !== null && ixStat % OffsetIndex.ENTRY === 0 && tixStat % TimeIndex.ENTRY === 0;
    if (plausible) {
      if (tixStat > 0) {
        const last = Buffer.alloc(TimeIndex.ENTRY);
        const fh = await fsp.open(this.timeIndexPath, 'r');
        try {
          await readAt(fh, last, tixStat - TimeIndex.ENTRY);
        } finally {
          await fh.close();
        }
        this.maxTimestamp = Number(last.readBigInt64BE(0));
        this.offsetOfMaxTimestamp = this.baseOffset + last.readInt32BE(8);
      }
      return null;
    }
    const result = await this.rebuild(indexIntervalBytes, true);
    if (result.corrupt) {
      await this.use((fh) => fh.truncate(result.end));
      this.size = result.end;
    }
    await this.writeIndexFiles(true);
    return result;
  }

  /** Loads the index bodies of a closed segment (once); a failing sanity check triggers a rebuild. */
  ensureIndexes(indexIntervalBytes: number): Promise<void> {
    if (this.offsetIndex && this.timeIndex) return Promise.resolve();
    this.indexLoad ??= (async () => {
      const [ix, tix] = await Promise.all([readIfExists(this.indexPath), readIfExists(this.timeIndexPath)]);
      const oi = ix ? new OffsetIndex(this.baseOffset, ix) : null;
      const ti = tix ? new TimeIndex(this.baseOffset, tix) : null;
      if (oi && ti && oi.isSane(this.size) && ti.isSane(this.nextOffset - this.baseOffset)) {
        this.offsetIndex = oi;
        this.timeIndex = ti;
        return;
      }
      await this.rebuild(indexIntervalBytes, false);
      await this.writeIndexFiles(true);
    })().finally(() => {
      this.indexLoad = null;
    });
    return this.indexLoad;
  }

  private async rebuild(indexIntervalBytes: number, validate: boolean): Promise<ScanResult> {
    const oi = new OffsetIndex(this.baseOffset);
    const ti = new TimeIndex(this.baseOffset);
    this.offsetIndex = oi;
    this.timeIndex = ti;
    this.bytesSinceIndexEntry = 0;
    this.maxTimestamp = -1;
    this.offsetOfMaxTimestamp = this.baseOffset;
    let next = this.baseOffset;
    const visit = (h: BatchHeader): void => {
      this.indexBatch(h.position, h.lastOffset, h.maxTimestamp, h.size, indexIntervalBytes);
      next = h.lastOffset + 1;
    };
    const result =
      this.size === 0
        ? { end: 0, corrupt: false }
        : await this.use((fh) => scanBatches(fh, { from: 0, to: this.size, validate, minOffset: this.baseOffset }, visit));
    if (validate || next > this.nextOffset) this.nextOffset = next;
    return result;
  }

  /** Kafka's LogSegment.append bookkeeping: track the max timestamp, add a sparse entry every interval. */
  private indexBatch(position: number, lastOffset: number, maxTimestamp: number, size: number, interval: number): void {
    if (maxTimestamp > this.maxTimestamp) {
      this.maxTimestamp = maxTimestamp;
      this.offsetOfMaxTimestamp = lastOffset;
    }
    if (this.bytesSinceIndexEntry > interval) {
      this.offsetIndex!.append(lastOffset, position);
      this.timeIndex!.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp);
      this.bytesSinceIndexEntry = 0;
    }
    this.bytesSinceIndexEntry += size;
  }

  /** Kafka's LogSegment.largestTimestamp: the max batch timestamp, or the mtime when there is none. */
  get largestTimestamp(): number {
    return this.maxTimestamp >= 0 ? this.maxTimestamp : this.lastModifiedMs;
  }

  get indexEntries(): number {
    return this.offsetIndex?.entries ?? 0;
  }

  /** Writes batches contiguously at the end. On failure the file is cut back so no partial batch remains. */
  async append(batches: AppendedBatch[], indexIntervalBytes: number): Promise<void> {
    const start = this.size;
    const bufs = batches.map((b) => b.buf);
    const total = bufs.reduce((n, b) => n + b.length, 0);
    this.dirty = true;
    try {
      const bytesWritten = await this.use((fh) => writevAt(fh, bufs, start));
      if (bytesWritten !== total) throw new Error(`short write: ${bytesWritten} of ${total} bytes`);
    } catch (err) {
      await this.use((fh) => fh.truncate(start)).catch(() => undefined);
      throw err;
    }
    this.appended(batches, start, indexIntervalBytes);
  }

  /**
   * append() done synchronously, for one small batch while the file is open (a page-cache write of a few µs);
   * false, with nothing written, when that is not possible now.
   */
  appendNow(batch: AppendedBatch, indexIntervalBytes: number): boolean {
    const fd = batch.buf.length <= SYNC_IO_BYTES ? this.file.openFd() : null;
    if (fd === null) return false;
    const start = this.size;
    this.dirty = true;
    try {
      const bytesWritten = writevSync(fd, [batch.buf], start);
      if (bytesWritten !== batch.buf.length) throw new Error(`short write: ${bytesWritten} of ${batch.buf.length} bytes`);
    } catch (err) {
      try {
        ftruncateSync(fd, start);
      } catch {
        // the write error is the one to report
      }
      throw err;
    }
    this.appended([batch], start, indexIntervalBytes);
    return true;
  }

  /** Indexes batches just written at `start` and moves the end of the segment past them. */
  private appended(batches: AppendedBatch[], start: number, indexIntervalBytes: number): void {
    let pos = start;
    for (const b of batches) {
      this.indexBatch(pos, b.lastOffset, b.maxTimestamp, b.buf.length, indexIntervalBytes);
      pos += b.buf.length;
    }
    this.nextOffset = batches[batches.length - 1].lastOffset + 1;
    this.size = pos;
    this.lastModifiedMs = Date.now();
  }

  /** Whole batches from the one holding `offset` (see segment-read.ts). */
  async read(offset: number, budget: number, maxOffset: number, haveSome: boolean, interval: number, lease?: Buffer[]): Promise<SegmentReadResult> {
    await this.ensureIndexes(interval);
    return this.use((fh) => {
      const src = { fh, baseOffset: this.baseOffset, size: this.size, offsetIndex: this.offsetIndex!, hints: this.hints };
      return readSegment(src, offset, budget, maxOffset, haveSome, interval, lease);
    });
  }

  /** First batch (with last offset >= minOffset) whose max timestamp >= ts, via the time index. */
  async findByTimestamp(ts: number, minOffset: number, interval: number): Promise<BatchHeader | null> {
    await this.ensureIndexes(interval);
    const below = this.timeIndex!.lookupBelow(ts);
    const from = below === null ? 0 : this.offsetIndex!.lookup(Math.max(below, minOffset));
    let found: BatchHeader | null = null;
    if (this.size === 0) return null;
    await this.use((fh) =>
      scanBatches(fh, { from, to: this.size, validate: false, minOffset: this.baseOffset }, (h) => {
        if (h.lastOffset >= minOffset && h.maxTimestamp >= ts) {
          found = h;
          return false;
        }
      }),
    );
    return found;
  }

  /** Header of the first batch whose last offset >= offset, or null (used by truncateTo). */
  async findBatch(offset: number, interval: number): Promise<BatchHeader | null> {
    await this.ensureIndexes(interval);
    let found: BatchHeader | null = null;
    if (this.size === 0) return null;
    const from = this.offsetIndex!.lookup(offset);
    await this.use((fh) =>
      scanBatches(fh, { from, to: this.size, validate: false, minOffset: this.baseOffset }, (h) => {
        if (h.lastOffset >= offset) {
          found = h;
          return false;
        }
      }),
    );
    return found;
  }

  /** Cuts the segment at `position` (a batch boundary) and rebuilds its indexes and max timestamp. */
  async truncateAt(position: number, interval: number): Promise<void> {
    this.hints.invalidate(); // positions past the cut will hold other batches
    await this.use((fh) => fh.truncate(position));
    this.size = position;
    this.dirty = true;
    this.nextOffset = this.baseOffset;
    await this.rebuild(interval, false);
  }

  /** Closing for appends (roll): Kafka records the segment's max timestamp as the final time index entry. */
  seal(): void {
    this.timeIndex?.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp);
    this.sealed = true;
  }

  async datasync(): Promise<void> {
    this.dirty = false;
    if (this.file.unborn) return;
    await this.use((fh) => fh.datasync());
  }

  async writeIndexFiles(durable: boolean): Promise<void> {
    if (!this.offsetIndex || !this.timeIndex) return;
    await Promise.all([
      // Atomic so a crash never leaves a half-written index that still passes the sanity check.
      atomicWrite(this.indexPath, this.offsetIndex.bytes(), durable),
      atomicWrite(this.timeIndexPath, this.timeIndex.bytes(), durable),
    ]);
  }

  /** Positional read of raw bytes (the cleaner's input); short at the end of the file. */
  async readRange(position: number, length: number): Promise<Buffer> {
    const buf = Buffer.allocUnsafe(Math.max(0, Math.min(length, this.size - position)));
    const n = await this.use((fh) => readAt(fh, buf, position));
    return buf.subarray(0, n);
  }

  /** FileHandle.close waits for in-flight reads, so a concurrent fetch never reads a recycled fd. */
  close(): Promise<void> {
    return this.file.close();
  }

  async deleteFiles(): Promise<void> {
    await this.close();
    await Promise.all([this.logPath, this.indexPath, this.timeIndexPath].map((p) => fsp.rm(p, { force: true })));
  }
}

async function statSize(p: string): Promise<number | null> {
  try {
    return (await fsp.stat(p)).size;
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
}

/** Index of the last segment whose base offset <= offset (0 when offset precedes them all). */
export function floorSegment(segs: LogSegment[], offset: number): number {
  let lo = 0;
  let hi = segs.length - 1;
  let found = 0;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (segs[mid].baseOffset <= offset) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}
