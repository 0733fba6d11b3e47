// Log compaction (cleanup.policy=compact) decisions shared by both engines, after Kafka's LogCleaner:
//  1. cleanable range = closed segments from the log start up to the first segment that is too young
//     (min.compaction.lag.ms) or holds the first batch of a still-open transaction;
//  2. an offset map key -> latest offset is built over the dirty part (after the cleaner checkpoint),
//     ignoring aborted transactional data so it never shadows committed values;
//  3. per batch, only the latest record of each key is kept; tombstones and transaction markers survive
//     delete.retention.ms (measured on the segment's last modification, which cleaning preserves, like Kafka
//     before KIP-534) and markers also while their transaction still has data; aborted transactional records go.
// How segments are read and the cleaned ones swapped in is the engine's (file/cleaner.ts, memory.ts).
import { type Batch, CONTROL_TYPE_COMMIT, decodeBatches, parseControlRecordKey } from '../protocol/records/index.js';
import { ATTR_CONTROL, ATTR_TRANSACTIONAL, type BatchHeader } from './batch-format.js';
import { rewriteBatch } from './batch-rewrite.js';
import type { LogConfig } from './log-config.js';

/** What the cleaner needs of a segment; its batches come from the engine's `BatchSource`. */
export interface CleanerSegment {
  readonly baseOffset: number;
  readonly size: number;
  /** Kafka's LogSegment.largestTimestamp: the max batch timestamp, or the last modification when none. */
  readonly largestTimestamp: number;
  readonly lastModifiedMs: number;
}

export type BatchSource<S> = (seg: S) => AsyncIterable<{ h: BatchHeader; buf: Buffer }>;

/** The log's cleaner state between passes. */
export interface CleanerLog<S extends CleanerSegment> {
  readonly segments: readonly S[];
  readonly logStartOffset: number;
  readonly config: LogConfig;
  cleanerCheckpoint?: number;
  oldestRetainedTombstone: number;
}

interface TxnInfo {
  /** Transactional data batches by base offset, once their marker has been seen. */
  status: Map<number, 'committed' | 'aborted'>;
  /** First offset of a transaction without a marker yet: nothing from there on may be cleaned. */
  firstOngoing: number;
  /** Base offset of each producer's last data batch (its empty shell is kept for producer state). */
  lastBatchOfProducer: Map<number, number>;
}

export interface PassState {
  map: Map<string, number>;
  txn: TxnInfo;
  horizon: number;
  /** Per producer: the current transaction still has retained data (so its marker must stay). */
  txnHasData: Map<number, boolean>;
  /** Oldest last-modification of a segment still holding a tombstone/marker kept for delete.retention.ms. */
  oldestRetainedTombstone: number;
  removedRecords: number;
}

/** A pass to make: groups of adjacent cleanable segments, each rewritten into one segment starting at its first. */
export interface CleanPlan<S> {
  st: PassState;
  /** First offset not cleaned: the new cleaner checkpoint. */
  end: number;
  groups: { segs: S[]; nextBase: number }[];
  sizeBefore: number;
}

async function decodeOne(buf: Buffer): Promise<Batch> {
  const [batch] = await decodeBatches(buf);
  return batch;
}

/** Header walk of the whole log (active segment included): which transactions committed/aborted/are open. */
async function analyzeTransactions<S>(segs: readonly S[], batches: BatchSource<S>): Promise<TxnInfo> {
  const pending = new Map<number, number[]>();
  const info: TxnInfo = { status: new Map(), firstOngoing: Infinity, lastBatchOfProducer: new Map() };
  for (const seg of segs) {
    for await (const { h, buf } of batches(seg)) {
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

/** The bytes to keep for one batch of a segment last modified at `segModifiedMs`: the original, a rewritten copy, or null. */
export async function cleanBatch(h: BatchHeader, buf: Buffer, segModifiedMs: number, st: PassState): Promise<Buffer | null> {
  const expired = segModifiedMs <= st.horizon;
  const keepUntil = (): void => {
    st.oldestRetainedTombstone = Math.min(st.oldestRetainedTombstone, segModifiedMs);
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

/** The cleanable prefix, segments[0, endIdx), when a pass over it is due (Kafka's LogCleanerManager checks). */
function dueRange<S extends CleanerSegment>(log: CleanerLog<S>, segs: S[], endIdx: number, now: number, force: boolean): { end: number; cleanable: S[]; dirty: S[]; total: number } | null {
  if (endIdx <= 0) return null;
  const cfg = log.config;
  const end = segs[endIdx].baseOffset;
  const firstDirty = Math.min(Math.max(log.cleanerCheckpoint ?? 0, log.logStartOffset), end);
  const cleanable = segs.slice(0, endIdx);
  const dirty = cleanable.filter((s) => s.baseOffset >= firstDirty);
  const total = cleanable.reduce((n, s) => n + s.size, 0);
  const dirtyBytes = dirty.reduce((n, s) => n + s.size, 0);
  const due =
    force ||
    (total > 0 && dirtyBytes / total >= cfg.num('min.cleanable.dirty.ratio') && dirtyBytes > 0) ||
    // Read at each check so an AlterConfigs of delete.retention.ms applies to tombstones already retained.
    now >= log.oldestRetainedTombstone + cfg.num('delete.retention.ms') ||
    dirty.some((s) => now - s.largestTimestamp > cfg.num('max.compaction.lag.ms'));
  return due ? { end, cleanable, dirty, total } : null;
}

/** Whether a pass is due and over what; null when not. `force` cleans below min.cleanable.dirty.ratio too. */
export async function planCleaning<S extends CleanerSegment>(log: CleanerLog<S>, batches: BatchSource<S>, now: number, force = false): Promise<CleanPlan<S> | null> {
  const cfg = log.config;
  const segs = log.segments.slice();
  const minLag = cfg.num('min.compaction.lag.ms');
  // Cleanable prefix: closed, old enough, and before the first batch of a transaction still open.
  const endIdx = (firstOngoing: number): number => {
    for (let i = 0; i < segs.length - 1; i++) {
      if (now - segs[i].largestTimestamp < minLag || segs[i + 1].baseOffset > firstOngoing) return i;
    }
    return segs.length - 1;
  };
  // Checked first without reading the log: open transactions only shorten the prefix, and a shorter prefix is never
  // more due (it loses dirty segments first), so an idle cleaner check costs no reads.
  if (!dueRange(log, segs, endIdx(Infinity), now, force)) return null;
  const txn = await analyzeTransactions(segs, batches);
  const range = dueRange(log, segs, endIdx(txn.firstOngoing), now, force);
  if (!range) return null;
  const { end, cleanable, dirty, total } = range;

  const st: PassState = {
    map: new Map(),
    txn,
    horizon: now - cfg.num('delete.retention.ms'),
    txnHasData: new Map(),
    oldestRetainedTombstone: Infinity,
    removedRecords: 0,
  };
  for (const seg of dirty) {
    for await (const { h, buf } of batches(seg)) {
      if (h.attributes & ATTR_CONTROL || isAborted(h, txn)) continue;
      for (const r of (await decodeOne(buf)).records) if (r.key !== null) st.map.set(r.key.toString('latin1'), r.offset);
    }
  }

  // Groups of adjacent segments that fit one segment, so cleaning also merges the shrunken ones.
  const maxBytes = cfg.num('segment.bytes');
  const groups: CleanPlan<S>['groups'] = [];
  for (let i = 0; i < cleanable.length; ) {
    const group = [cleanable[i]];
    let bytes = cleanable[i].size;
    while (i + group.length < cleanable.length && bytes + cleanable[i + group.length].size <= maxBytes) {
      const next = cleanable[i + group.length];
      if (next.baseOffset - group[0].baseOffset > 0x7fffffff) break;
      bytes += next.size;
      group.push(next);
    }
    i += group.length;
    groups.push({ segs: group, nextBase: i < segs.length ? segs[i].baseOffset : end });
  }
  return { st, end, groups, sizeBefore: total };
}
