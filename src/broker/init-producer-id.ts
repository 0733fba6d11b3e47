// InitProducerId (key 22): a fresh producer id for idempotent producers; for transactional ids the stable id
// with a bumped epoch, fencing (and aborting the transaction of) the previous producer. v3+ carries the
// producer's current id and epoch for KIP-360 recovery.
import { txnErrorCode, txnService, canTxnId } from '../coordinator/txn/request-util.js';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import type { InitProducerIdRequest, InitProducerIdResponse } from '../protocol/generated/init-producer-id.js';
import type { Input } from '../protocol/primitives.js';
import { defineHandler } from './context.js';

export default defineHandler<InitProducerIdRequest>({
  apiKey: 22,
  async handle(ctx, req): Promise<Input<InitProducerIdResponse>> {
    const fail = (errorCode: number): Input<InitProducerIdResponse> => ({ throttleTimeMs: 0, errorCode, producerId: -1, producerEpoch: -1, ongoingTxnProducerId: -1, ongoingTxnProducerEpoch: -1 });
    const svc = txnService(ctx);
    if (!svc) return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    if (req.transactionalId !== null && !canTxnId(ctx, 'WRITE', req.transactionalId)) return fail(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    try {
      // Two-phase commit (KIP-939) needs transaction.two.phase.commit.enable, which kafkalite does not offer.
      if (req.enable2Pc || req.keepPreparedTxn) throw new KafkaError('TRANSACTIONAL_ID_AUTHORIZATION_FAILED', 'Two-phase commit transactions are not enabled');
      const expected = ctx.apiVersion >= 3 ? { producerId: req.producerId, producerEpoch: req.producerEpoch } : null;
      const r = await svc.coordinator.initProducerId(req.transactionalId, req.transactionTimeoutMs, expected);
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId: r.producerId, producerEpoch: r.producerEpoch, ongoingTxnProducerId: -1, ongoingTxnProducerEpoch: -1 };
    } catch (e) {
      return fail(txnErrorCode(e, ctx, 4));
    }
  },
});
