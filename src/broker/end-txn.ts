// EndTxn (key 26): commits or aborts the producer's transaction. The markers are written to every partition
// (and the group offsets published) before the response, so a read_committed consumer sees the outcome at once.
// v5 (KIP-890 transactions v2) bumps the producer epoch with every transaction and returns it.
import { canTxnId, txnErrorCode, txnService } from '../coordinator/txn/request-util.js';
import { ErrorCode } from '../protocol/errors.js';
import type { EndTxnRequest, EndTxnResponse } from '../protocol/generated/end-txn.js';
import type { Input } from '../protocol/primitives.js';
import { defineHandler } from './context.js';

export default defineHandler<EndTxnRequest>({
  apiKey: 26,
  async handle(ctx, req): Promise<Input<EndTxnResponse>> {
    const fail = (errorCode: number): Input<EndTxnResponse> => ({ throttleTimeMs: 0, errorCode, producerId: -1, producerEpoch: -1 });
    const svc = txnService(ctx);
    if (!svc) return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    if (!canTxnId(ctx, 'WRITE', req.transactionalId)) return fail(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    try {
      const r = await svc.coordinator.endTxn(req.transactionalId, req.producerId, req.producerEpoch, req.committed, ctx.apiVersion >= 5);
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId: r.producerId, producerEpoch: r.producerEpoch };
    } catch (e) {
      return fail(txnErrorCode(e, ctx, 2));
    }
  },
});
