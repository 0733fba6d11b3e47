// AddPartitionsToTxn (key 24): registers partitions with the producer's ongoing transaction (starting one if
// needed). v0-3 come from clients; v4+ batch several transactions (sent by brokers) and may only verify.
// A request fails as a whole: partitions that are unknown or unauthorized get their own error, the rest
// OPERATION_NOT_ATTEMPTED, as in Kafka.
import { canTxnId, txnErrorCode, txnService } from '../coordinator/txn/request-util.js';
import { topicAllowed } from './admin-acl.js';
import { ErrorCode } from '../protocol/errors.js';
import type {
  AddPartitionsToTxnRequest,
  AddPartitionsToTxnRequestAddPartitionsToTxnTopic,
  AddPartitionsToTxnResponse,
  AddPartitionsToTxnResponseAddPartitionsToTxnTopicResult,
} from '../protocol/generated/add-partitions-to-txn.js';
import type { Input } from '../protocol/primitives.js';
import { defineHandler, type RequestContext } from './context.js';

type TopicResult = Input<AddPartitionsToTxnResponseAddPartitionsToTxnTopicResult>;

interface TxnAdd {
  transactionalId: string;
  producerId: number;
  producerEpoch: number;
  verifyOnly: boolean;
  topics: AddPartitionsToTxnRequestAddPartitionsToTxnTopic[];
}

function results(topics: AddPartitionsToTxnRequestAddPartitionsToTxnTopic[], code: (topic: string, partition: number) => number): TopicResult[] {
  return topics.map((t) => ({ name: t.name, resultsByPartition: t.partitions.map((p) => ({ partitionIndex: p, partitionErrorCode: code(t.name, p) })) }));
}

function handleOne(ctx: RequestContext, tx: TxnAdd): TopicResult[] {
  const svc = txnService(ctx);
  if (!svc) return results(tx.topics, () => ErrorCode.COORDINATOR_NOT_AVAILABLE);
  if (ctx.apiVersion < 4 && !canTxnId(ctx, 'WRITE', tx.transactionalId)) return results(tx.topics, () => ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  const bad = new Map<string, number>();
  for (const t of tx.topics) {
    const topic = ctx.cluster.topics.get(t.name);
    for (const p of t.partitions) {
      if (ctx.apiVersion < 4 && !topicAllowed(ctx, 'WRITE', t.name)) bad.set(`${t.name}:${p}`, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
      else if (!topic?.partitions[p]) bad.set(`${t.name}:${p}`, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    }
  }
  if (bad.size > 0) return results(tx.topics, (t, p) => bad.get(`${t}:${p}`) ?? ErrorCode.OPERATION_NOT_ATTEMPTED);
  const parts = tx.topics.flatMap((t) => t.partitions.map((partition) => ({ topic: t.name, partition })));
  try {
    if (tx.verifyOnly) {
      const m = svc.coordinator.verifyPartitions(tx.transactionalId, tx.producerId, tx.producerEpoch, parts);
      return results(tx.topics, (t, p) => ErrorCode[m.get(`${t}:${p}`) ?? 'INVALID_TXN_STATE']);
    }
    svc.coordinator.addPartitions(tx.transactionalId, tx.producerId, tx.producerEpoch, parts);
    return results(tx.topics, () => ErrorCode.NONE);
  } catch (e) {
    const code = txnErrorCode(e, ctx, 2);
    return results(tx.topics, () => code);
  }
}

/** The partitions added are on disk before the answer (Kafka appends them to the transaction log first). */
async function durable(ctx: RequestContext): Promise<void> {
  await txnService(ctx)?.coordinator.flush();
}

export default defineHandler<AddPartitionsToTxnRequest>({
  apiKey: 24,
  async handle(ctx, req): Promise<Input<AddPartitionsToTxnResponse>> {
    if (ctx.apiVersion < 4) {
      const tx: TxnAdd = { transactionalId: req.v3AndBelowTransactionalId, producerId: req.v3AndBelowProducerId, producerEpoch: req.v3AndBelowProducerEpoch, verifyOnly: false, topics: req.v3AndBelowTopics };
      const resultsByTopicV3AndBelow = handleOne(ctx, tx);
      await durable(ctx);
      return { throttleTimeMs: 0, resultsByTopicV3AndBelow };
    }
    const acl = ctx.services.acl;
    if (acl?.canCluster && !acl.canCluster(ctx, 'CLUSTER_ACTION')) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, resultsByTransaction: [] };
    }
    const resultsByTransaction = req.transactions.map((tx) => ({ transactionalId: tx.transactionalId, topicResults: handleOne(ctx, tx) }));
    await durable(ctx);
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, resultsByTransaction };
  },
});
