// AddOffsetsToTxn (key 25): adds a consumer group to the ongoing transaction, so that offsets sent with
// TxnOffsetCommit become visible to the group when (and only if) the transaction commits.
import { canGroup, canTxnId, txnErrorCode, txnService } from '../coordinator/txn/request-util.js';
import { ErrorCode } from '../protocol/errors.js';
import type { AddOffsetsToTxnRequest, AddOffsetsToTxnResponse } from '../protocol/generated/add-offsets-to-txn.js';
import type { Input } from '../protocol/primitives.js';
import { defineHandler } from './context.js';

export default defineHandler<AddOffsetsToTxnRequest>({
  apiKey: 25,
  async handle(ctx, req): Promise<Input<AddOffsetsToTxnResponse>> {
    const svc = txnService(ctx);
    if (!svc) return { throttleTimeMs: 0, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE };
    if (!canTxnId(ctx, 'WRITE', req.transactionalId)) return { throttleTimeMs: 0, errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED };
    if (!canGroup(ctx, 'READ', req.groupId)) return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED };
    try {
      svc.coordinator.addOffsets(req.transactionalId, req.producerId, req.producerEpoch, req.groupId);
      await svc.coordinator.flush(); // durable before the answer, as Kafka's transaction log append
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE };
    } catch (e) {
      return { throttleTimeMs: 0, errorCode: txnErrorCode(e, ctx, 2) };
    }
  },
});
