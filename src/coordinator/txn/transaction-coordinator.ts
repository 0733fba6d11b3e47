// The transaction coordinator (Kafka's TransactionCoordinator): producer ids and epochs per transactional id,
// the partitions and groups of each ongoing transaction, commit/abort by writing markers, fencing, timeouts.
// Every broker of the in-process cluster shares this one coordinator, so any broker may answer its requests.
// Methods throw KafkaError; handlers map PRODUCER_FENCED to INVALID_PRODUCER_EPOCH for old request versions.
import type { Logger } from 'pino';
import type { Services } from '../../broker/context.js';
import type { Cluster, Partition } from '../../cluster/cluster.js';
import { KafkaError, type ErrorName } from '../../protocol/errors.js';
import { writeMarker } from './markers.js';
import { DebouncedSaver } from './persist.js';
import type { ProducerIdManager } from './producer-ids.js';
import type { ProducerStateManager } from './producer-state.js';
import { MAX_EPOCH, TxnMetadata, type PersistedTxn, type TxnOffset } from './txn-metadata.js';
import { TransactionLogWriter } from './txn-log.js';

/** The coordinator epoch written into markers: 0, as every broker of the process shares one transaction state, so a coordinator that moves has no stale predecessor to fence. */
export const COORDINATOR_EPOCH = 0;

export interface ProducerIdAndEpoch {
  producerId: number;
  producerEpoch: number;
}

/** What the group coordinator offers for transactional offset commits (services.groups), all optional. */
export interface GroupTxnHooks {
  /** Makes transactionally committed offsets visible to the group (called when the transaction commits). */
  commitTxnOffsets?(groupId: string, offsets: TxnOffset[]): void | Promise<void>;
}

export class TransactionCoordinator {
  readonly txns = new Map<string, TxnMetadata>();
  private readonly saver: DebouncedSaver;
  /** The same state changes, in Kafka's format, to __transaction_state (txn-log.ts). */
  private readonly txnLog: TransactionLogWriter;
  private readonly cluster: Cluster;
  private readonly logger: Logger;
  private lastExpiryCheck = Date.now();
  private lastProducerExpiryCheck = Date.now();

  constructor(
    private readonly services: Services,
    private readonly ids: ProducerIdManager,
    private readonly producers: ProducerStateManager,
  ) {
    this.cluster = services.cluster;
    this.logger = services.logger;
    this.saver = new DebouncedSaver(this.cluster.storage, 'transactions', () => ({ version: 1, txns: [...this.txns.values()].map((t) => t.toJSON()) }), this.logger);
    this.txnLog = new TransactionLogWriter(services, this.logger);
  }

  async load(): Promise<void> {
    const doc = await this.cluster.storage.loadMeta<{ version: number; txns: PersistedTxn[] }>('transactions');
    for (const j of doc?.txns ?? []) this.txns.set(j.id, TxnMetadata.fromJSON(j));
    // Transactions that were being completed when the broker stopped get their markers (again) now.
    for (const t of this.txns.values()) {
      if (t.state === 'PrepareCommit' || t.state === 'PrepareAbort') await this.complete(t, t.state === 'PrepareCommit');
    }
  }

  async flush(): Promise<void> {
    await this.saver.flush();
    await this.txnLog.idle();
  }

  /** A state change, which Kafka's coordinator writes to __transaction_state (`logged` false: it does not). */
  private touch(t: TxnMetadata, logged = true): void {
    t.updateTime = Date.now();
    this.saver.schedule();
    if (logged) this.txnLog.write(t);
  }

  async initProducerId(transactionalId: string | null, timeoutMs: number, expected: ProducerIdAndEpoch | null): Promise<ProducerIdAndEpoch> {
    if (transactionalId === null) return { producerId: await this.ids.generate(), producerEpoch: 0 };
    if (transactionalId === '') throw new KafkaError('INVALID_REQUEST', 'Transactional id must not be empty');
    const max = this.cluster.config.int('transaction.max.timeout.ms');
    if (timeoutMs <= 0 || timeoutMs > max) {
      throw new KafkaError('INVALID_TRANSACTION_TIMEOUT', `The transaction timeout ${timeoutMs} is larger than the maximum value allowed by the broker (as configured by transaction.max.timeout.ms = ${max}) or not positive.`);
    }
    if (expected && (expected.producerId === -1) !== (expected.producerEpoch === -1)) {
      throw new KafkaError('INVALID_REQUEST', 'Producer id and epoch must both be set or both be -1');
    }
    let t = this.txns.get(transactionalId);
    if (!t) {
      const pid = await this.ids.generate();
      t = this.txns.get(transactionalId) ?? new TxnMetadata(transactionalId, pid, timeoutMs);
      this.txns.set(transactionalId, t);
    }
    if (t.busy || t.state === 'PrepareCommit' || t.state === 'PrepareAbort') {
      throw new KafkaError('CONCURRENT_TRANSACTIONS', `Transaction ${transactionalId} is being completed`);
    }
    if (expected && expected.producerId !== -1) {
      // KIP-360: a producer recovering with its id and epoch may continue unless another producer took over.
      const valid = t.producerEpoch === -1 || expected.producerId === t.producerId || (expected.producerId === t.lastProducerId && expected.producerEpoch >= MAX_EPOCH - 1);
      if (!valid) throw new KafkaError('PRODUCER_FENCED', `Producer ${expected.producerId} with epoch ${expected.producerEpoch} has been fenced by a newer producer of ${transactionalId}`);
    }
    const exp = expected && expected.producerId !== -1 ? expected : null;
    t.busy = true;
    try {
      if (t.state === 'Ongoing') {
        // Fence the current producer and abort its transaction (Kafka answers CONCURRENT_TRANSACTIONS and lets the
        // client retry; the abort completes synchronously here, so the request just continues).
        if (t.producerEpoch < MAX_EPOCH) t.producerEpoch++;
        t.lastProducerEpoch = -1;
        this.logger.info({ transactionalId, producerId: t.producerId }, 'fencing producer and aborting its ongoing transaction');
        await this.complete(t, false);
      }
      if (t.isEpochExhausted && (!exp || exp.producerEpoch === t.producerEpoch)) {
        t.lastProducerId = t.producerId;
        t.producerId = await this.ids.generate();
        t.producerEpoch = 0;
        t.lastProducerEpoch = exp ? exp.producerEpoch : -1;
      } else if (!exp) {
        t.producerEpoch++;
        t.lastProducerEpoch = -1;
      } else if (t.producerEpoch === -1 || exp.producerEpoch === t.producerEpoch) {
        t.lastProducerEpoch = t.producerEpoch;
        t.producerEpoch++;
      } else if (exp.producerEpoch !== t.lastProducerEpoch) {
        // (equal to the last epoch: a retry of a bump that succeeded; answer the current epoch without bumping)
        throw new KafkaError('PRODUCER_FENCED', `Producer epoch ${exp.producerEpoch} of ${transactionalId} is fenced (current epoch ${t.producerEpoch})`);
      }
      t.timeoutMs = timeoutMs;
      t.state = 'Empty';
      t.partitions.clear();
      t.groups.clear();
      t.pendingOffsets.clear();
      t.startTime = -1;
      this.touch(t);
      await this.saver.flush(); // a new epoch must survive a crash, or a zombie could write again
      return { producerId: t.producerId, producerEpoch: t.producerEpoch };
    } finally {
      t.busy = false;
    }
  }

  /** The transaction for an AddPartitions/AddOffsets/TxnOffsetCommit/EndTxn request, after the id/epoch checks. */
  private validate(transactionalId: string, producerId: number, epoch: number, fenced: ErrorName = 'PRODUCER_FENCED'): TxnMetadata {
    if (!transactionalId) throw new KafkaError('INVALID_REQUEST', 'Transactional id must not be empty');
    const t = this.txns.get(transactionalId);
    if (!t || t.producerId !== producerId) {
      throw new KafkaError('INVALID_PRODUCER_ID_MAPPING', `The producer id ${producerId} does not match the current producer id of transactional id ${transactionalId}`);
    }
    if (t.producerEpoch !== epoch) throw new KafkaError(fenced, `Producer epoch ${epoch} of ${transactionalId} is not the current epoch ${t.producerEpoch}: the producer has been fenced`);
    if (t.busy || t.state === 'PrepareCommit' || t.state === 'PrepareAbort') {
      throw new KafkaError('CONCURRENT_TRANSACTIONS', `Transaction ${transactionalId} is being completed`);
    }
    return t;
  }

  addPartitions(transactionalId: string, producerId: number, epoch: number, partitions: { topic: string; partition: number }[]): void {
    const t = this.validate(transactionalId, producerId, epoch);
    if (t.state === 'Ongoing' && partitions.every((p) => t.hasPartition(p.topic, p.partition))) return;
    t.beginIfIdle(Date.now());
    for (const p of partitions) t.addPartition(p.topic, p.partition);
    this.touch(t);
  }

  /** AddPartitionsToTxn v4+ verify-only: per partition NONE when it is in the ongoing transaction. */
  verifyPartitions(transactionalId: string, producerId: number, epoch: number, partitions: { topic: string; partition: number }[]): Map<string, ErrorName> {
    const t = this.validate(transactionalId, producerId, epoch);
    const out = new Map<string, ErrorName>();
    for (const p of partitions) out.set(`${p.topic}:${p.partition}`, t.state === 'Ongoing' && t.hasPartition(p.topic, p.partition) ? 'NONE' : 'INVALID_TXN_STATE');
    return out;
  }

  addOffsets(transactionalId: string, producerId: number, epoch: number, groupId: string): void {
    const t = this.validate(transactionalId, producerId, epoch);
    if (t.state === 'Ongoing' && t.groups.has(groupId)) return;
    t.beginIfIdle(Date.now());
    t.groups.add(groupId);
    this.touch(t);
  }

  /** Stores offsets of a TxnOffsetCommit; the group sees them only once the transaction commits. */
  txnOffsetCommit(transactionalId: string, producerId: number, epoch: number, groupId: string, offsets: TxnOffset[]): void {
    const t = this.validate(transactionalId, producerId, epoch, 'INVALID_PRODUCER_EPOCH');
    if (t.state !== 'Ongoing' || !t.groups.has(groupId)) {
      throw new KafkaError('INVALID_TXN_STATE', `Group ${groupId} has not been added to the transaction of ${transactionalId} (AddOffsetsToTxn)`);
    }
    let m = t.pendingOffsets.get(groupId);
    if (!m) t.pendingOffsets.set(groupId, (m = new Map()));
    for (const o of offsets) m.set(`${o.topic}:${o.partition}`, o);
    this.touch(t, false); // Kafka keeps these in __consumer_offsets, as pending offsets of the group
  }

  /** True while an open transaction holds uncommitted offsets for the group (OffsetFetch require_stable). */
  hasPendingTxnOffsets(groupId: string, topic?: string, partition?: number): boolean {
    for (const t of this.txns.values()) {
      const m = t.pendingOffsets.get(groupId);
      if (!m || m.size === 0) continue;
      if (topic === undefined) return true;
      for (const o of m.values()) if (o.topic === topic && (partition === undefined || o.partition === partition)) return true;
    }
    return false;
  }

  /** EndTxn. `bumpEpoch` is KIP-890 (EndTxn v5): the epoch moves on with every completed transaction. */
  async endTxn(transactionalId: string, producerId: number, epoch: number, commit: boolean, bumpEpoch: boolean): Promise<ProducerIdAndEpoch> {
    const t0 = this.txns.get(transactionalId);
    const done = commit ? 'CompleteCommit' : 'CompleteAbort';
    // A retried v5 EndTxn whose epoch bump already happened.
    if (bumpEpoch && t0 && !t0.busy && t0.state === done && ((t0.producerId === producerId && t0.lastProducerEpoch === epoch) || (t0.lastProducerId === producerId && t0.producerEpoch === 0))) {
      return { producerId: t0.producerId, producerEpoch: t0.producerEpoch };
    }
    const t = this.validate(transactionalId, producerId, epoch);
    const invalid = () => new KafkaError('INVALID_TXN_STATE', `TransactionalId ${transactionalId} cannot ${commit ? 'commit' : 'abort'} in state ${t.state}`);
    if (t.state === 'CompleteCommit' || t.state === 'CompleteAbort') {
      if (t.state !== done) throw invalid();
      return { producerId: t.producerId, producerEpoch: t.producerEpoch };
    }
    if (t.state === 'Empty' && !(bumpEpoch && !commit)) throw invalid();
    t.busy = true;
    try {
      const marker = bumpEpoch ? await this.bumpEpoch(t) : undefined;
      await this.complete(t, commit, marker);
    } finally {
      t.busy = false;
    }
    return { producerId: t.producerId, producerEpoch: t.producerEpoch };
  }

  /** KIP-890 epoch bump; returns the producer id and epoch the markers must carry (above the data's epoch). */
  private async bumpEpoch(t: TxnMetadata): Promise<ProducerIdAndEpoch> {
    if (t.isEpochExhausted) {
      // The id rotates: markers go out under the old id with the last epoch, the client continues with the new id.
      const marker = { producerId: t.producerId, producerEpoch: MAX_EPOCH };
      t.lastProducerId = t.producerId;
      t.producerId = await this.ids.generate();
      t.lastProducerEpoch = -1;
      t.producerEpoch = 0;
      return marker;
    }
    t.lastProducerEpoch = t.producerEpoch;
    t.producerEpoch++;
    return { producerId: t.producerId, producerEpoch: t.producerEpoch };
  }

  /** Writes commit/abort markers to every partition of the transaction, then publishes or drops its offsets. */
  private async complete(t: TxnMetadata, commit: boolean, marker?: ProducerIdAndEpoch): Promise<void> {
    t.state = commit ? 'PrepareCommit' : 'PrepareAbort';
    this.touch(t);
    // As Kafka: the decision is durable before any marker goes out, so a crash mid-way is completed by load().
    await this.saver.flush();
    const m = marker ?? { producerId: t.producerId, producerEpoch: t.producerEpoch };
    const spec = { ...m, commit, coordinatorEpoch: COORDINATOR_EPOCH };
    const writes: Promise<void>[] = [];
    for (const [topicName, parts] of t.partitions) {
      const topic = this.cluster.topics.get(topicName);
      for (const i of parts) {
        const p = topic?.partitions[i];
        if (!p) continue;
        writes.push(writeMarker(this.services, this.producers, p, spec).catch((err) => {
          this.logger.error({ err, transactionalId: t.transactionalId, topic: topicName, partition: i }, 'writing transaction marker failed');
        }));
      }
    }
    await Promise.all(writes);
    if (commit) {
      const groups: GroupTxnHooks | undefined = this.services.groups;
      for (const [groupId, offsets] of t.pendingOffsets) {
        if (!groups?.commitTxnOffsets) {
          this.logger.warn({ groupId }, 'no group coordinator to receive transactional offsets');
          continue;
        }
        try {
          await groups.commitTxnOffsets(groupId, [...offsets.values()]);
        } catch (err) {
          this.logger.error({ err, groupId }, 'publishing transactional offsets failed');
        }
      }
    }
    t.pendingOffsets.clear();
    t.partitions.clear();
    t.groups.clear();
    t.state = commit ? 'CompleteCommit' : 'CompleteAbort';
    this.touch(t);
    await this.saver.flush();
    this.logger.debug({ transactionalId: t.transactionalId, commit }, 'transaction completed');
  }

  /** Produce-path check of a transactional batch (transaction.partition.verification.enable, KIP-890 part 1). */
  verifyProducePartition(transactionalId: string, producerId: number, epoch: number, p: Partition): void {
    const t = this.txns.get(transactionalId);
    if (!t || t.producerId !== producerId) {
      throw new KafkaError('INVALID_PRODUCER_ID_MAPPING', `The producer id ${producerId} does not match the current producer id of transactional id ${transactionalId}`);
    }
    if (epoch < t.producerEpoch) throw new KafkaError('INVALID_PRODUCER_EPOCH', `Producer epoch ${epoch} of ${transactionalId} is older than the current epoch ${t.producerEpoch}`);
    if (t.state !== 'Ongoing' || !t.hasPartition(p.topic.name, p.index)) {
      throw new KafkaError('INVALID_TXN_STATE', `Partition ${p.topic.name}-${p.index} is not part of an ongoing transaction of ${transactionalId}`);
    }
  }

  /** Periodic work: abort timed-out transactions, expire idle transactional ids and producers. */
  async tick(now = Date.now()): Promise<void> {
    for (const t of this.txns.values()) {
      if (t.state !== 'Ongoing' || t.busy || t.startTime + t.timeoutMs > now) continue;
      this.logger.info({ transactionalId: t.transactionalId, timeoutMs: t.timeoutMs }, 'aborting transaction that timed out');
      t.busy = true;
      try {
        // Fence the producer so a late commit fails instead of committing an aborted transaction.
        if (t.producerEpoch < MAX_EPOCH) t.producerEpoch++;
        t.lastProducerEpoch = -1;
        await this.complete(t, false);
      } catch (err) {
        this.logger.error({ err, transactionalId: t.transactionalId }, 'aborting timed-out transaction failed');
      } finally {
        t.busy = false;
      }
    }
    const cfg = this.cluster.config;
    if (now - this.lastExpiryCheck >= cfg.int('transaction.remove.expired.transaction.cleanup.interval.ms')) {
      this.lastExpiryCheck = now;
      const ttl = cfg.int('transactional.id.expiration.ms');
      for (const [id, t] of this.txns) {
        if (t.isIdle && !t.busy && now - t.updateTime >= ttl) {
          this.txns.delete(id);
          this.saver.schedule();
          this.txnLog.tombstone(id);
        }
      }
    }
    if (now - this.lastProducerExpiryCheck >= cfg.int('producer.id.expiration.check.interval.ms')) {
      this.lastProducerExpiryCheck = now;
      this.producers.expire(now, cfg.int('producer.id.expiration.ms'));
    }
  }
}
