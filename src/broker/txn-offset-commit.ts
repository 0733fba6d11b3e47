// TxnOffsetCommit (key 28): offsets a transactional producer commits for a consumer group (consume-transform-
// produce). Sent to the group coordinator; the group checks (member, generation) are the group coordinator's,
// but the offsets stay with the transaction coordinator until EndTxn commits them (aborted: dropped).
import { coordinatorCheck, groupService } from '../coordinator/group/request-util.js';
import { canGroup, canTxnId, txnErrorCode, txnService } from '../coordinator/txn/request-util.js';
import { topicAllowed } from './admin-acl.js';
import type { TxnOffset } from '../coordinator/txn/txn-metadata.js';
import { ErrorCode } from '../protocol/errors.js';
import type { TxnOffsetCommitRequest, TxnOffsetCommitResponse } from '../protocol/generated/txn-offset-commit.js';
import type { Input } from '../protocol/primitives.js';
import { defineHandler } from './context.js';
import { toError } from './util.js';

const UNVERIFIED = new Set<number>([
  ErrorCode.INVALID_PRODUCER_ID_MAPPING,
  ErrorCode.INVALID_PRODUCER_EPOCH,
  ErrorCode.PRODUCER_FENCED,
  ErrorCode.TRANSACTIONAL_ID_NOT_FOUND,
  ErrorCode.INVALID_TXN_STATE,
]);

interface PartOut {
  partitionIndex: number;
  errorCode: number;
}

export default defineHandler<TxnOffsetCommitRequest>({
  apiKey: 28,
  async handle(ctx, req): Promise<Input<TxnOffsetCommitResponse>> {
    const v = ctx.apiVersion;
    const topics: { name: string; partitions: PartOut[] }[] = [];
    const valid: { offset: TxnOffset; out: PartOut }[] = [];
    const maxMetadata = ctx.cluster.config.int('offset.metadata.max.bytes');
    for (const t of req.topics) {
      const topic = ctx.cluster.topics.get(t.name);
      const partitions: PartOut[] = [];
      topics.push({ name: t.name, partitions });
      for (const p of t.partitions) {
        const out = { partitionIndex: p.partitionIndex, errorCode: ErrorCode.NONE as number };
        partitions.push(out);
        if (!topicAllowed(ctx, 'READ', t.name)) out.errorCode = ErrorCode.TOPIC_AUTHORIZATION_FAILED;
        else if (!topic?.partitions[p.partitionIndex]) out.errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        else if ((p.committedMetadata ?? '').length > maxMetadata) out.errorCode = ErrorCode.OFFSET_METADATA_TOO_LARGE;
        else {
          valid.push({
            out,
            offset: { topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, leaderEpoch: v >= 2 ? p.committedLeaderEpoch : -1, metadata: p.committedMetadata },
          });
        }
      }
    }
    const failAll = (code: number) => {
      for (const e of valid) e.out.errorCode = code;
      return { throttleTimeMs: 0, topics };
    };
    const svc = txnService(ctx);
    if (!svc) return failAll(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    if (!canTxnId(ctx, 'WRITE', req.transactionalId)) return failAll(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    if (!canGroup(ctx, 'READ', req.groupId)) return failAll(ErrorCode.GROUP_AUTHORIZATION_FAILED);
    if (!req.groupId) return failAll(ErrorCode.INVALID_GROUP_ID);
    const groups = groupService(ctx);
    if (groups) {
      const err = coordinatorCheck(ctx, req.groupId);
      if (err) return failAll(err);
      try {
        // v3+ (KIP-447) identifies the member so a zombie from an older generation cannot commit.
        groups.groupForCommit(req.groupId, v >= 3 ? req.memberId : '', v >= 3 ? req.groupInstanceId : null, v >= 3 ? req.generationId : -1, true, v);
      } catch (e) {
        return failAll(toError(e, ctx).errorCode);
      }
    }
    if (valid.length === 0) return { throttleTimeMs: 0, topics };
    try {
      svc.coordinator.txnOffsetCommit(req.transactionalId, req.producerId, req.producerEpoch, req.groupId, valid.map((e) => e.offset));
      await svc.coordinator.flush(); // durable before the answer, as Kafka's offsets-topic append
    } catch (e) {
      const code = txnErrorCode(e, ctx, 0);
      // Without transaction verification (KIP-890, Kafka < 3.6 or transaction.partition.verification.enable=false)
      // the group coordinator never asks the transaction coordinator about the producer: offsets from an unknown
      // producer are accepted and stay pending forever. kafkajs's 2.4-era suite relies on that.
      const verify = v >= 5 || ctx.cluster.config.bool('transaction.partition.verification.enable');
      if (!verify && UNVERIFIED.has(code)) return { throttleTimeMs: 0, topics };
      return failAll(code);
    }
    return { throttleTimeMs: 0, topics };
  },
});
