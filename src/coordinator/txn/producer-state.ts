// Per-partition producer state (Kafka's ProducerStateManager): for each producer id the epoch and the last 5
// batches' sequence ranges (duplicate detection and ordering), the first offset of its open transaction (which
// holds the last stable offset back) and the aborted-transactions index read_committed fetches need.
import type { Logger } from 'pino';
import type { Cluster, Partition } from '../../cluster/cluster.js';
import type { RequestContext } from '../../broker/context.js';
import { KafkaError } from '../../protocol/errors.js';
import type { BatchHeader } from '../../protocol/records/index.js';
import { DebouncedSaver } from './persist.js';

/** How many recent batches per producer a retry can duplicate (Kafka's NUM_BATCHES_TO_RETAIN). */
export const BATCHES_TO_RETAIN = 5;
const INT32_MAX = 2147483647;

export interface BatchMeta {
  firstSeq: number;
  lastSeq: number;
  /** Offset of the batch's last record; -1 while the append is in flight. */
  lastOffset: number;
  offsetDelta: number;
  logAppendTime: number;
}

export interface ProducerEntry {
  producerId: number;
  epoch: number;
  batches: BatchMeta[];
  lastTimestamp: number;
  coordinatorEpoch: number;
  /** First offset of the producer's open transaction in this partition, or -1. */
  txnFirstOffset: number;
  /** Wall-clock time of the last change, for producer.id.expiration.ms. */
  updated: number;
}

export interface AbortedTxn {
  producerId: number;
  firstOffset: number;
  lastOffset: number;
}

export class PartitionProducers {
  readonly producers = new Map<number, ProducerEntry>();
  aborted: AbortedTxn[] = [];
  /** Offset after the last batch this state reflects (restart replays the log from here). */
  appliedEnd = 0;
}

/** Last sequence of a batch, wrapping at Int32.MAX_VALUE as Kafka's DefaultRecordBatch.incrementSequence. */
export function lastSequence(baseSeq: number, delta: number): number {
  return baseSeq > INT32_MAX - delta ? delta - (INT32_MAX - baseSeq) - 1 : baseSeq + delta;
}

function inSequence(last: number, next: number): boolean {
  return next === last + 1 || (next === 0 && last === INT32_MAX);
}

/** Checks a transactional batch against the coordinator: throws unless the partition is in the producer's ongoing txn. */
export type TxnVerifier = (transactionalId: string, producerId: number, epoch: number, p: Partition) => void;

// Each partition's key, built once: every Produce and Fetch looks its partition up here (a string built per call
// was allocated and hashed anew each time).
const KEYS = new WeakMap<Partition, string>();

export class ProducerStateManager {
  private readonly parts = new Map<string, PartitionProducers>();
  readonly saver: DebouncedSaver;
  verifyTxn?: TxnVerifier;

  constructor(private readonly cluster: Cluster, logger: Logger) {
    this.saver = new DebouncedSaver(cluster.storage, 'producer-state', () => this.snapshot(), logger);
  }

  static key(p: Partition): string {
    let k = KEYS.get(p);
    if (k === undefined) KEYS.set(p, (k = `${p.topic.id}/${p.index}`));
    return k;
  }

  state(p: Partition, create = true): PartitionProducers | undefined {
    const k = ProducerStateManager.key(p);
    let s = this.parts.get(k);
    if (!s && create) this.parts.set(k, (s = new PartitionProducers()));
    // The log lost its tail (replica truncation on a leader change): forget what was in it.
    if (s && s.appliedEnd > p.log.logEndOffset) this.truncate(p, p.log.logEndOffset, s);
    return s;
  }

  /**
   * Produce-path check before append (ProducerStateHooks.check). Returns the earlier result of a duplicate batch,
   * throws KafkaError for fencing/sequence/transaction errors, and otherwise reserves the batch's sequence range so
   * pipelined requests from the same producer are checked against it before its append completes.
   */
  check(ctx: RequestContext, p: Partition, h: BatchHeader, transactionalId: string | null): { baseOffset: number; logAppendTime: number } | undefined {
    const tp = `${p.topic.name}-${p.index}`;
    if (h.isControl) throw new KafkaError('INVALID_RECORD', `Clients are not allowed to write control records (partition ${tp})`);
    if (h.producerId < 0) {
      if (h.isTransactional) throw new KafkaError('INVALID_RECORD', `Transactional batch without a producer id for partition ${tp}`);
      return undefined;
    }
    const s = this.state(p)!;
    const entry = s.producers.get(h.producerId);
    const lastSeq = lastSequence(h.baseSequence, h.lastOffsetDelta);
    if (entry && entry.epoch === h.producerEpoch) {
      const dup = entry.batches.find((b) => b.firstSeq === h.baseSequence && b.lastSeq === lastSeq);
      if (dup) {
        // A retry of a batch still being appended: let the client retry once the original has an offset.
        if (dup.lastOffset < 0) throw new KafkaError('REQUEST_TIMED_OUT', `Batch with sequence ${h.baseSequence} of producer ${h.producerId} is still being appended to ${tp}`);
        return { baseOffset: dup.lastOffset - dup.offsetDelta, logAppendTime: dup.logAppendTime };
      }
    }
    if (entry && h.producerEpoch < entry.epoch) {
      throw new KafkaError('INVALID_PRODUCER_EPOCH', `Epoch of producer ${h.producerId} at offset ${p.log.logEndOffset} in ${tp} is ${h.producerEpoch}, which is smaller than the last seen epoch ${entry.epoch}`);
    }
    if (!entry) {
      // Kafka 2.x: a producer this partition has no record of must start at sequence 0.
      if (h.baseSequence !== 0) {
        throw new KafkaError('UNKNOWN_PRODUCER_ID', `Found no record of producerId=${h.producerId} on the broker at offset ${p.log.logEndOffset} in partition ${tp}. It is possible that the last message with the producerId=${h.producerId} has been removed due to hitting the retention limit.`);
      }
    } else if (entry.epoch !== h.producerEpoch) {
      if (h.baseSequence !== 0) {
        throw new KafkaError('OUT_OF_ORDER_SEQUENCE_NUMBER', `Invalid sequence number for new epoch of producer ${h.producerId} at offset ${p.log.logEndOffset} in partition ${tp}: ${h.producerEpoch} (request epoch), ${h.baseSequence} (seq. number), ${entry.epoch} (current producer epoch)`);
      }
    } else {
      const last = entry.batches.length ? entry.batches[entry.batches.length - 1].lastSeq : -1;
      if (!inSequence(last, h.baseSequence)) {
        throw new KafkaError('OUT_OF_ORDER_SEQUENCE_NUMBER', `Out of order sequence number for producer ${h.producerId} at offset ${p.log.logEndOffset} in partition ${tp}: ${h.baseSequence} (incoming seq. number), ${last} (current end sequence number)`);
      }
    }
    if (h.isTransactional) {
      if (transactionalId === null) throw new KafkaError('TRANSACTIONAL_ID_AUTHORIZATION_FAILED', 'Transactional records require a transactional id in the produce request');
      if (this.verifyTxn && this.cluster.config.bool('transaction.partition.verification.enable')) this.verifyTxn(transactionalId, h.producerId, h.producerEpoch, p);
    } else if (entry && entry.txnFirstOffset >= 0 && entry.epoch === h.producerEpoch) {
      throw new KafkaError('INVALID_TXN_STATE', `Expected transactional write from producer ${h.producerId} at offset ${p.log.logEndOffset} in partition ${tp}`);
    }
    this.record(s, h, -1, -1, Date.now());
    return undefined;
  }

  /** Produce-path bookkeeping after append (ProducerStateHooks.appended). */
  appended(p: Partition, h: BatchHeader, out: { baseOffset: number; logAppendTime: number }): void {
    const s = this.state(p)!;
    s.appliedEnd = Math.max(s.appliedEnd, out.baseOffset + h.lastOffsetDelta + 1);
    if (h.producerId < 0) return;
    this.record(s, h, out.baseOffset, out.logAppendTime, Date.now());
    this.saver.schedule();
  }

  /** Adds or completes the batch in the producer's entry (a reservation has lastOffset -1). */
  private record(s: PartitionProducers, h: BatchHeader, baseOffset: number, logAppendTime: number, now: number): void {
    let e = s.producers.get(h.producerId);
    if (!e) {
      e = { producerId: h.producerId, epoch: h.producerEpoch, batches: [], lastTimestamp: -1, coordinatorEpoch: -1, txnFirstOffset: -1, updated: now };
      s.producers.set(h.producerId, e);
    }
    if (h.producerEpoch > e.epoch) {
      e.epoch = h.producerEpoch;
      e.batches = [];
    }
    e.updated = now;
    const lastSeq = lastSequence(h.baseSequence, h.lastOffsetDelta);
    let b = e.batches.find((x) => x.firstSeq === h.baseSequence && x.lastSeq === lastSeq);
    if (!b) {
      b = { firstSeq: h.baseSequence, lastSeq, lastOffset: -1, offsetDelta: h.lastOffsetDelta, logAppendTime: -1 };
      e.batches.push(b);
      if (e.batches.length > BATCHES_TO_RETAIN) e.batches.shift();
    }
    if (baseOffset < 0) return;
    b.lastOffset = baseOffset + h.lastOffsetDelta;
    b.logAppendTime = logAppendTime;
    e.lastTimestamp = logAppendTime >= 0 ? logAppendTime : h.maxTimestamp;
    if (h.isTransactional && e.txnFirstOffset < 0) e.txnFirstOffset = baseOffset;
  }

  /** Applies a transaction marker appended at `offset` (Kafka's appendEndTxnMarker). */
  completeTxn(p: Partition, producerId: number, epoch: number, commit: boolean, offset: number, coordinatorEpoch: number, ts: number): void {
    const s = this.state(p)!;
    s.appliedEnd = Math.max(s.appliedEnd, offset + 1);
    let e = s.producers.get(producerId);
    if (!e) {
      e = { producerId, epoch, batches: [], lastTimestamp: ts, coordinatorEpoch, txnFirstOffset: -1, updated: Date.now() };
      s.producers.set(producerId, e);
    }
    if (epoch > e.epoch) {
      // A bumped epoch (fencing, KIP-890) restarts sequences at 0.
      e.epoch = epoch;
      e.batches = [];
    }
    if (e.txnFirstOffset >= 0 && e.txnFirstOffset < offset) {
      if (!commit && !s.aborted.some((a) => a.producerId === producerId && a.lastOffset === offset)) {
        s.aborted.push({ producerId, firstOffset: e.txnFirstOffset, lastOffset: offset });
      }
      e.txnFirstOffset = -1;
    }
    e.coordinatorEpoch = coordinatorEpoch;
    e.lastTimestamp = ts;
    e.updated = Date.now();
    this.saver.schedule();
  }

  /** Last stable offset: the high watermark, held back by the first offset of the earliest open transaction. */
  lastStableOffset(p: Partition): number {
    let lso = p.highWatermark;
    const s = this.state(p, false);
    if (s) for (const e of s.producers.values()) if (e.txnFirstOffset >= 0 && e.txnFirstOffset < lso) lso = e.txnFirstOffset;
    return lso;
  }

  /** Aborted transactions overlapping [from, to), for read_committed fetches (Kafka's collectAbortedTxns). */
  abortedTransactions(p: Partition, from: number, to: number): { producerId: number; firstOffset: number }[] {
    const s = this.state(p, false);
    if (!s) return [];
    if (s.aborted.length && s.aborted[0].lastOffset < p.logStartOffset) s.aborted = s.aborted.filter((a) => a.lastOffset >= p.logStartOffset);
    return s.aborted.filter((a) => a.lastOffset >= from && a.firstOffset < to).map((a) => ({ producerId: a.producerId, firstOffset: a.firstOffset }));
  }

  /** Active producers of a partition (DescribeProducers). */
  producers(p: Partition): ProducerEntry[] {
    return [...(this.state(p, false)?.producers.values() ?? [])];
  }

  /** Drops producers idle longer than producer.id.expiration.ms without an open transaction. */
  expire(now: number, maxIdleMs: number): void {
    let changed = false;
    for (const [k, s] of this.parts) {
      // State of deleted topics (keyed by topic id, so a re-created topic starts clean) goes too.
      if (!this.cluster.topicsById.has(k.slice(0, k.lastIndexOf('/')))) {
        this.parts.delete(k);
        changed = true;
        continue;
      }
      for (const [id, e] of s.producers) {
        if (e.txnFirstOffset < 0 && now - e.updated >= maxIdleMs) {
          s.producers.delete(id);
          changed = true;
        }
      }
    }
    if (changed) this.saver.schedule();
  }

  snapshot(): PersistedProducerState {
    const out: PersistedProducerState = { version: 1, partitions: {} };
    for (const [k, s] of this.parts) {
      if (!this.cluster.topicsById.has(k.slice(0, k.lastIndexOf('/')))) continue;
      out.partitions[k] = {
        end: s.appliedEnd,
        aborted: s.aborted.map((a) => [a.producerId, a.firstOffset, a.lastOffset]),
        producers: [...s.producers.values()].map((e) => ({
          id: e.producerId, epoch: e.epoch, ts: e.lastTimestamp, ce: e.coordinatorEpoch, txn: e.txnFirstOffset, updated: e.updated,
          // In-flight reservations are not persisted: after a restart the client retries them.
          batches: e.batches.filter((b) => b.lastOffset >= 0).map((b) => [b.firstSeq, b.lastSeq, b.lastOffset, b.offsetDelta, b.logAppendTime]),
        })),
      };
    }
    return out;
  }

  restore(doc: PersistedProducerState | undefined): void {
    if (!doc || doc.version !== 1) return;
    for (const [k, ps] of Object.entries(doc.partitions)) {
      const s = new PartitionProducers();
      s.appliedEnd = ps.end;
      s.aborted = ps.aborted.map(([producerId, firstOffset, lastOffset]) => ({ producerId, firstOffset, lastOffset }));
      for (const e of ps.producers) {
        s.producers.set(e.id, {
          producerId: e.id, epoch: e.epoch, lastTimestamp: e.ts, coordinatorEpoch: e.ce, txnFirstOffset: e.txn, updated: e.updated,
          batches: e.batches.map(([firstSeq, lastSeq, lastOffset, offsetDelta, logAppendTime]) => ({ firstSeq, lastSeq, lastOffset, offsetDelta, logAppendTime })),
        });
      }
      this.parts.set(k, s);
    }
  }

  /** Forgets state beyond the log end (the log lost its tail, e.g. an unflushed crash or replica truncation). */
  truncate(p: Partition, end: number, s = this.parts.get(ProducerStateManager.key(p))): void {
    if (!s) return;
    s.appliedEnd = Math.min(s.appliedEnd, end);
    s.aborted = s.aborted.filter((a) => a.lastOffset < end);
    for (const e of s.producers.values()) {
      e.batches = e.batches.filter((b) => b.lastOffset < end);
      if (e.txnFirstOffset >= end) e.txnFirstOffset = -1;
    }
    this.saver.schedule();
  }

  /** Re-applies a data batch read back from the log on restart (no checks; an already-known batch is skipped). */
  replayBatch(p: Partition, h: BatchHeader, baseOffset: number): void {
    const s = this.state(p)!;
    s.appliedEnd = Math.max(s.appliedEnd, baseOffset + h.lastOffsetDelta + 1);
    if (h.producerId < 0) return;
    const e = s.producers.get(h.producerId);
    if (e && h.producerEpoch < e.epoch) return;
    this.record(s, h, baseOffset, h.timestampType === 1 ? h.maxTimestamp : -1, Date.now());
  }
}

export interface PersistedProducerState {
  version: 1;
  partitions: Record<string, {
    end: number;
    aborted: [number, number, number][];
    producers: { id: number; epoch: number; ts: number; ce: number; txn: number; updated: number; batches: [number, number, number, number, number][] }[];
  }>;
}
