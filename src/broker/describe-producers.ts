// DescribeProducers (key 61, KIP-664): the active idempotent/transactional producers of partitions this broker
// leads: epoch, last sequence and timestamp, and the start offset of an open transaction.
import { txnService } from '../coordinator/txn/request-util.js';
import { topicAllowed } from './admin-acl.js';
import { ErrorCode } from '../protocol/errors.js';
import type { DescribeProducersRequest, DescribeProducersResponse } from '../protocol/generated/describe-producers.js';
import type { Input } from '../protocol/primitives.js';
import { defineHandler } from './context.js';
import { leaderError } from './util.js';

export default defineHandler<DescribeProducersRequest>({
  apiKey: 61,
  handle(ctx, req): Input<DescribeProducersResponse> {
    const svc = txnService(ctx);
    const topics = req.topics.map((t) => {
      const topic = ctx.cluster.topics.get(t.name);
      return {
        name: t.name,
        partitions: t.partitionIndexes.map((i) => {
          const base = { partitionIndex: i, errorMessage: null, activeProducers: [] };
          if (!topicAllowed(ctx, 'READ', t.name)) return { ...base, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED };
          const p = topic?.partitions[i];
          if (!p) return { ...base, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
          const lerr = leaderError(ctx, p);
          if (lerr) return { ...base, errorCode: lerr };
          const activeProducers = (svc?.producers.producers(p) ?? []).map((e) => ({
            producerId: e.producerId,
            producerEpoch: e.epoch,
            lastSequence: e.batches.length ? e.batches[e.batches.length - 1].lastSeq : -1,
            lastTimestamp: e.lastTimestamp,
            coordinatorEpoch: e.coordinatorEpoch,
            currentTxnStartOffset: e.txnFirstOffset,
          }));
          return { ...base, errorCode: ErrorCode.NONE, activeProducers };
        }),
      };
    });
    return { throttleTimeMs: 0, topics };
  },
});
