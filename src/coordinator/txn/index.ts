// Installs idempotence and transactions: services.producers (Produce hooks), services.transactions (the
// coordinator, plus abortedTransactions for read_committed Fetch) and the cluster's last-stable-offset hook.
// State survives restarts through saveMeta; the log tail written after the last save is replayed on start.
import type { Services } from '../../broker/context.js';
import type { Partition } from '../../cluster/cluster.js';
import { decodeBatchRecords, parseControlRecordKey, splitBatches, CONTROL_TYPE_COMMIT } from '../../protocol/records/index.js';
import type { ServiceInstaller } from '../../services.js';
import { ProducerIdManager } from './producer-ids.js';
import { ProducerStateManager, type PersistedProducerState } from './producer-state.js';
import { TransactionCoordinator } from './transaction-coordinator.js';

export { TransactionCoordinator } from './transaction-coordinator.js';
export { ProducerStateManager } from './producer-state.js';

/** What handlers find at ctx.services.transactions. */
export class TransactionService {
  constructor(
    readonly coordinator: TransactionCoordinator,
    readonly producers: ProducerStateManager,
  ) {}
  /** Fetch hook (AbortedTxnSource). */
  abortedTransactions(p: Partition, from: number, to: number): { producerId: number; firstOffset: number }[] {
    return this.producers.abortedTransactions(p, from, to);
  }
  /** For the group coordinator's OffsetFetch require_stable (UNSTABLE_OFFSET_COMMIT). */
  hasPendingTxnOffsets(groupId: string, topic?: string, partition?: number): boolean {
    return this.coordinator.hasPendingTxnOffsets(groupId, topic, partition);
  }
}

/** Brings the producer state up to the log end: drops state past it, re-applies batches written after the last save. */
async function replayTail(producers: ProducerStateManager, p: Partition): Promise<void> {
  const s = producers.state(p, false);
  if (!s) return;
  const leo = p.log.logEndOffset;
  if (s.appliedEnd > leo) producers.truncate(p, leo);
  let off = Math.max(s.appliedEnd, p.logStartOffset);
  while (off < leo) {
    const { chunks } = await p.log.read(off, 1 << 20);
    if (chunks.length === 0) break;
    let next = off;
    for (const chunk of chunks) {
      for (const { header: h, batch } of splitBatches(chunk)) {
        const end = h.baseOffset + h.lastOffsetDelta + 1;
        if (end <= off) continue;
        if (h.isControl) {
          const [rec] = await decodeBatchRecords(batch, 0, h);
          const ctl = parseControlRecordKey(rec?.key ?? null);
          const coordinatorEpoch = rec?.value && rec.value.length >= 6 ? rec.value.readInt32BE(2) : 0;
          if (ctl) producers.completeTxn(p, h.producerId, h.producerEpoch, ctl.type === CONTROL_TYPE_COMMIT, h.baseOffset, coordinatorEpoch, h.maxTimestamp);
        } else {
          producers.replayBatch(p, h, h.baseOffset);
        }
        next = Math.max(next, end);
      }
    }
    if (next === off) break;
    off = next;
  }
}

export const transactionsInstaller: ServiceInstaller = {
  name: 'transactions',
  async install(services: Services) {
    const { cluster, logger } = services;
    const producers = new ProducerStateManager(cluster, logger);
    producers.restore(await cluster.storage.loadMeta<PersistedProducerState>('producer-state'));
    for (const topic of cluster.topics.values()) {
      for (const p of topic.partitions) {
        await replayTail(producers, p).catch((err) => logger.error({ err, topic: topic.name, partition: p.index }, 'replaying producer state failed'));
      }
    }
    const ids = new ProducerIdManager(cluster.storage);
    await ids.load();
    const coordinator = new TransactionCoordinator(services, ids, producers);
    producers.verifyTxn = (tid, pid, epoch, p) => coordinator.verifyProducePartition(tid, pid, epoch, p);
    services.producers = producers;
    services.transactions = new TransactionService(coordinator, producers);
    cluster.lso = producers;
    await coordinator.load();
    const interval = Math.max(10, cluster.config.int('transaction.abort.timed.out.transaction.cleanup.interval.ms'));
    const t = setInterval(() => {
      coordinator.tick().catch((err) => logger.error({ err }, 'transaction coordinator tick failed'));
    }, interval);
    t.unref();
    services.transactionsTimer = t;
  },
  async stop(services: Services) {
    clearInterval(services.transactionsTimer as NodeJS.Timeout | undefined);
    const svc: TransactionService | undefined = services.transactions;
    if (!svc) return;
    await svc.coordinator.flush();
    await svc.producers.saver.flush();
    svc.producers.saver.cancel();
  },
};
