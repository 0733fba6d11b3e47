// Transaction state written to __transaction_state as Kafka's transaction coordinator writes it, one record per
// state change, so tools that read that topic (kafka-console-consumer's TransactionLogMessageFormatter,
// kafka-dump-log --transaction-log-decoder) see each transactional id's producer, epoch, state and partitions:
// key TransactionLogKey v0 (transactional id), value TransactionLogValue v0 (Kafka writes v1, with tagged fields
// for the previous/next producer ids, only for clients of transaction version 2), a tombstone when the
// transactional id expires. kafkalite's "transactions" document stays the source of truth (it is what a restart
// reads); this topic is a copy.
import type { Logger } from 'pino';
import type { Services } from '../../broker/context.js';
import { OFFSETS_TOPIC, TRANSACTION_STATE_TOPIC } from '../../cluster/partition.js';
import { Writer } from '../../protocol/primitives.js';
import { CoordinatorLog } from '../coordinator-log.js';
import { internalPartitionFor } from '../group/coordinator.js';
import { TXN_STATES, type TxnMetadata } from './txn-metadata.js';

function transactionLogKey(transactionalId: string): Buffer {
  return new Writer(4 + Buffer.byteLength(transactionalId)).int16(0).string(transactionalId).toBuffer();
}

export class TransactionLogWriter {
  private readonly log: CoordinatorLog;

  constructor(
    private readonly services: Services,
    logger: Logger,
  ) {
    this.log = new CoordinatorLog(services, logger, TRANSACTION_STATE_TOPIC);
  }

  /** The transactional id's metadata as it is now. */
  write(t: TxnMetadata): void {
    this.log.write(new Map([[t.transactionalId, [{ key: transactionLogKey(t.transactionalId), value: this.value(t) }]]]));
  }

  /** The transactional id expired (transactional.id.expiration.ms). */
  tombstone(transactionalId: string): void {
    this.log.write(new Map([[transactionalId, [{ key: transactionLogKey(transactionalId), value: null }]]]));
  }

  idle(): Promise<void> {
    return this.log.idle();
  }

  private value(t: TxnMetadata): Buffer {
    const partitions = new Map([...t.partitions].map(([topic, ids]) => [topic, [...ids]]));
    // AddOffsetsToTxn adds the group's __consumer_offsets partition to Kafka's transaction.
    if (t.groups.size > 0) partitions.set(OFFSETS_TOPIC, [...new Set([...t.groups].map((g) => internalPartitionFor(this.services.cluster, g)))]);
    const w = new Writer(64 + 32 * partitions.size).int16(0).int64(t.producerId).int16(t.producerEpoch).int32(t.timeoutMs);
    w.int8(TXN_STATES.indexOf(t.state));
    // Kafka writes no partition list (null) for an Empty transaction.
    if (t.state === 'Empty') w.int32(-1);
    else {
      w.int32(partitions.size);
      for (const [topic, ids] of partitions) {
        w.string(topic).int32(ids.length);
        for (const id of ids) w.int32(id);
      }
    }
    return w.int64(t.updateTime).int64(t.startTime).toBuffer();
  }
}
