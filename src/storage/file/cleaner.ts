// Log compaction (cleanup.policy=compact), after Kafka's LogCleaner:
//  1. cleanable range = closed segments from the log start up to the first segment that is too young
//     (min.compaction.lag.ms) or holds the first batch of a still-open transaction;
//  2. an offset map key -> latest offset is built over the dirty part (after the cleaner checkpoint),
//     ignoring aborted transactional data so it never shadows committed values;
//  3. groups of segments are rewritten keeping, per key, only the latest record; tombstones and
//     transaction markers survive delete.retention.ms (measured on the segment's mtime, which cleaning
//     preserves, like Kafka before KIP-534) and markers also while their transaction still has data;
//     aborted transactional records are dropped;
//  4. each group is written to `.cleaned`, then swapped in under the log's mutation lock via a
//     `.swap` file that recovery completes if the broker dies mid-swap.
// Work is chunked with setImmediate yields so a large pass never blocks the event loop for long.
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { type Batch, CONTROL_TYPE_COMMIT, decodeBatches, parseControlRecordKey } from '../../protocol/records/index.js';
import { ATTR_CONTROL, ATTR_TRANSACTIONAL, type BatchHeader, HEADER_SIZE, framedSize, readHeader } from './batch-format.js';
import { rewriteBatch } from './cleaner-encode.js';
import { fsyncDir } from './fs-util.js';
import { writeCleanerCheckpoint } from './log-recovery.js';
import type { FilePartitionLog } from './partition-log.js';
import { LogSegment, segmentName } from './segment.js';

export interface CompactOptions {
  now: number;
  logger: Logger;
  /** Clean even when the dirty ratio is below min.cleanable.dirty.ratio. */
  force?: boolean;
}

interface TxnInfo {
  /** Transactional data batches by base offset, once their marker has been seen. */
  status: Map<number, 'committed' | 'aborted'>;
  /** First offset of a transaction without a marker yet: nothing from there on may be cleaned. */
  firstOngoing: number;
  /** Base offset of each producer's last data batch (its empty shell is kept for producer state). */
  lastBatchOfProducer: Map<number, number>;
}

interface PassState {
  map: Map<string, number>;
  txn: TxnInfo;
  horizon: number;
  /** Per producer: the current transaction still has retained data (so its marker must stay). */
  txnHasData: Map<number, boolean>;
  /** Oldest mtime of a segment still holding a tombstone/marker kept for delete.retention.ms. */
  oldestRetainedTombstone: number;
  removedRecords: number;
}

const WINDOW = 4 << 20;
const YIELD_EVERY_BYTES = 1 << 20;
const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Whole batches of a segment, read in large windows, with an event-loop yield every ~1 MiB. */
async function* batchesOf(seg: LogSegment, limit = seg.size): AsyncGenerator<{ h: BatchHeader; buf: Buffer }> {
  let pos = 0;
  let win: Buffer = Buffer.alloc(0);
  let winStart = 0;
  let sinceYield = 0;
  while (pos < limit) {
    if (pos + HEADER_SIZE > winStart + win.length) {
      win = await seg.readRange(pos, Math.min(WINDOW, limit - pos));
      winStart = pos;
    }
    const size = framedSize(win, pos - winStart);
    if (size < 0) throw new Error(`${seg.logPath}: bad batch framing at ${pos}`);
    if (pos + size > winStart + win.length) {
      win = await seg.readRange(pos, Math.max(size, Math.min(WINDOW, limit - pos)));
      winStart = pos;
      if (win.length < size) throw new Error(`${seg.logPath}: truncated batch at ${pos}`);
    }
    const at = pos - winStart;
    yield { h: readHeader(win, at, pos), buf: win.subarray(at, at + size) };
    pos += size;
    sinceYield += size;
    if (sinceYield >= YIELD_EVERY_BYTES) {
      sinceYield = 0;
      await yieldToLoop();
    }
  }
}

async function decodeOne(buf: Buffer): Promise<Batch> {
  const [batch] = await decodeBatches(buf);
  return batch;
}

/** Header walk of the whole log (active segment included): which transactions committed/aborted/are open. */
async function analyzeTransactions(segs: LogSegment[]): Promise<TxnInfo> {
  const pending = new Map<number, number[]>();
  const info: TxnInfo = { status: new Map(), firstOngoing: Infinity, lastBatchOfProducer: new Map() };
  for (const seg of segs) {
    for await (const { h, buf } of batchesOf(seg)) {
      if (h.producerId < 0) continue;
      if (h.attributes & ATTR_CONTROL) {
        const { records } = await decodeOne(buf);
        const type = parseControlRecordKey(records[0]?.key ?? null)?.type;
        for (const base of pending.get(h.producerId) ?? []) info.status.set(base, type === CONTROL_TYPE_COMMIT ? 'committed' : 'aborted');
        pending.delete(h.producerId);
        continue;
      }
      info.lastBatchOfProducer.set(h.producerId, h.baseOffset);
      if (h.attributes & ATTR_TRANSACTIONAL) {
        const list = pending.get(h.producerId) ?? [];
        list.push(h.baseOffset);
        pending.set(h.producerId, list);
      }
    }
  }
  for (const list of pending.values()) info.firstOngoing = Math.min(info.firstOngoing, list[0]);
  return info;
}

const isAborted = (h: BatchHeader, txn: TxnInfo): boolean =>
  (h.attributes & ATTR_TRANSACTIONAL) !== 0 && txn.status.get(h.baseOffset) === 'aborted';

/** The bytes to keep for one batch: the original, a rewritten copy, or null to drop it. */
async function cleanBatch(h: BatchHeader, buf: Buffer, seg: LogSegment, st: PassState): Promise<Buffer | null> {
  const expired = seg.lastModifiedMs <= st.horizon;
  const keepUntil = (): void => {
    st.oldestRetainedTombstone = Math.min(st.oldestRetainedTombstone, seg.lastModifiedMs);
  };
  if (h.attributes & ATTR_CONTROL) {
    const hasData = st.txnHasData.get(h.producerId) ?? false;
    st.txnHasData.delete(h.producerId);
    if (hasData) return buf;
    if (expired) return null;
    keepUntil();
    return buf;
  }
  if (isAborted(h, st.txn)) {
    st.removedRecords += h.recordCount;
    return null;
  }
  const { header, records } = await decodeOne(buf);
  const kept = records.filter((r) => {
    if (r.key === null) return false; // Kafka's cleaner drops keyless records in compacted topics
    const latest = st.map.get(r.key.toString('latin1'));
    if (latest !== undefined && latest > r.offset) return false;
    if (r.value === null) {
      if (expired) return false;
      keepUntil();
    }
    return true;
  });
  st.removedRecords += records.length - kept.length;
  if (kept.length > 0 && h.attributes & ATTR_TRANSACTIONAL) st.txnHasData.set(h.producerId, true);
  if (kept.length === records.length) return buf;
  if (kept.length === 0 && !(h.producerId >= 0 && st.txn.lastBatchOfProducer.get(h.producerId) === h.baseOffset)) return null;
  return rewriteBatch(buf, header, kept);
}

/** Rewrites one group of adjacent closed segments and swaps the result in. False if the log changed meanwhile. */
async function cleanGroup(log: FilePartitionLog, group: LogSegment[], nextBase: number, st: PassState): Promise<boolean> {
  const base = group[0].baseOffset;
  const cleanedPath = path.join(log.dir, segmentName(base, '.log.cleaned'));
  const swapPath = path.join(log.dir, `${segmentName(base, '.log')}.${segmentName(nextBase, '.swap')}`);
  const out = await fsp.open(cleanedPath, 'w');
  try {
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let pos = 0;
    const flush = async (): Promise<void> => {
      if (pendingBytes === 0) return;
      await out.writev(pending, pos);
      pos += pendingBytes;
      pending = [];
      pendingBytes = 0;
    };
    for (const seg of group) {
      for await (const { h, buf } of batchesOf(seg)) {
        const keep = await cleanBatch(h, buf, seg, st);
        if (!keep) continue;
        pending.push(keep);
        pendingBytes += keep.length;
        if (pendingBytes >= YIELD_EVERY_BYTES) await flush();
      }
    }
    await flush();
    await out.datasync();
  } finally {
    await out.close();
  }
  // Tombstone expiry is measured on segment mtimes, so the cleaned segment keeps the newest original one.
  const mtime = new Date(Math.max(...group.map((s) => s.lastModifiedMs)));
  await fsp.utimes(cleanedPath, mtime, mtime);

  return log.exec.run(async () => {
    const idx = log.segments.indexOf(group[0]);
    const intact = !log.isClosed && idx >= 0 && group.every((s, k) => log.segments[idx + k] === s) && idx + group.length < log.segments.length;
    if (!intact) {
      await fsp.rm(cleanedPath, { force: true });
      return false;
    }
    // From the rename on, a crash is completed by recovery (log-recovery.ts handles `.swap`).
    await fsp.rename(cleanedPath, swapPath);
    await fsyncDir(log.dir);
    for (const s of group) await s.deleteFiles();
    await fsp.rename(swapPath, path.join(log.dir, segmentName(base, '.log')));
    const seg = await LogSegment.open(log.dir, base, log.handles);
    await seg.load(log.interval, nextBase); // no index files: rebuilt (validating) and written durably
    log.segments = [...log.segments.slice(0, idx), seg, ...log.segments.slice(idx + group.length)];
    await fsyncDir(log.dir);
    return true;
  });
}

/** One cleaning pass over a log. Returns true when segments were rewritten. */
export async function compactLog(log: FilePartitionLog, opts: CompactOptions): Promise<boolean> {
  if (log.cleaning) return false;
  log.cleaning = true;
  try {
    return await cleanPass(log, opts);
  } catch (err) {
    // Retention or truncation deleting a segment under the pass closes its file; the next pass retries.
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EBADF' || code === 'ENOENT') return false;
    throw err;
  } finally {
    log.cleaning = false;
  }
}

async function cleanPass(log: FilePartitionLog, { now, logger, force }: CompactOptions): Promise<boolean> {
  const cfg = log.config;
  const segs = log.segments.slice();
  const minLag = cfg.num('min.compaction.lag.ms');
  const txn = await analyzeTransactions(segs);
  // Cleanable prefix: closed, old enough, and before the first open transaction.
  let endIdx = segs.length - 1;
  for (let i = 0; i < endIdx; i++) {
    const tooYoung = now - segs[i].largestTimestamp < minLag;
    const holdsOpenTxn = i + 1 < segs.length && segs[i + 1].baseOffset > txn.firstOngoing;
    if (tooYoung || holdsOpenTxn) {
      endIdx = i;
      break;
    }
  }
  if (endIdx === 0) return false;
  const end = segs[endIdx].baseOffset;
  const firstDirty = Math.min(Math.max(log.cleanerCheckpoint ?? 0, log.logStartOffset), end);
  const cleanable = segs.slice(0, endIdx);
  const dirty = cleanable.filter((s) => s.baseOffset >= firstDirty);
  const total = cleanable.reduce((n, s) => n + s.size, 0);
  const dirtyBytes = dirty.reduce((n, s) => n + s.size, 0);
  const maxLag = cfg.num('max.compaction.lag.ms');
  const due =
    force ||
    (total > 0 && dirtyBytes / total >= cfg.num('min.cleanable.dirty.ratio') && dirtyBytes > 0) ||
    // Read at each check so an AlterConfigs of delete.retention.ms applies to tombstones already retained.
    now >= log.oldestRetainedTombstone + cfg.num('delete.retention.ms') ||
    dirty.some((s) => now - s.largestTimestamp > maxLag);
  if (!due) return false;

  const st: PassState = {
    map: new Map(),
    txn,
    horizon: now - cfg.num('delete.retention.ms'),
    txnHasData: new Map(),
    oldestRetainedTombstone: Infinity,
    removedRecords: 0,
  };
  for (const seg of dirty) {
    for await (const { h, buf } of batchesOf(seg)) {
      if (h.attributes & ATTR_CONTROL || isAborted(h, txn)) continue;
      for (const r of (await decodeOne(buf)).records) if (r.key !== null) st.map.set(r.key.toString('latin1'), r.offset);
    }
  }

  // Groups of adjacent segments that fit one segment, so cleaning also merges the shrunken ones.
  const maxBytes = cfg.num('segment.bytes');
  const sizeBefore = total;
  let i = 0;
  while (i < cleanable.length) {
    const group = [cleanable[i]];
    let bytes = cleanable[i].size;
    while (i + group.length < cleanable.length && bytes + cleanable[i + group.length].size <= maxBytes) {
      const next = cleanable[i + group.length];
      if (next.baseOffset - group[0].baseOffset > 0x7fffffff) break;
      bytes += next.size;
      group.push(next);
    }
    const nextBase = i + group.length < segs.length ? segs[i + group.length].baseOffset : end;
    if (!(await cleanGroup(log, group, nextBase, st))) {
      logger.debug({ dir: log.dir }, 'log changed during cleaning; pass abandoned');
      return false;
    }
    i += group.length;
  }
  log.cleanerCheckpoint = end;
  log.oldestRetainedTombstone = st.oldestRetainedTombstone;
  await writeCleanerCheckpoint(log.dir, end);
  const sizeAfter = log.segments.filter((s) => s.baseOffset < end).reduce((n, s) => n + s.size, 0);
  logger.info({ dir: log.dir, end, removedRecords: st.removedRecords, sizeBefore, sizeAfter }, 'compacted log');
  return true;
}
