// DescribeTransactions (key 65, KIP-664): state, timeout, producer id/epoch and partitions of transactional ids.
import { canTxnId, txnService } from '../coordinator/txn/request-util.js';
import { ErrorCode } from '../protocol/errors.js';
import type { DescribeTransactionsRequest, DescribeTransactionsResponse, DescribeTransactionsResponseTransactionState } from '../protocol/generated/describe-transactions.js';
import type { Input } from '../protocol/primitives.js';
import { defineHandler } from './context.js';

export default defineHandler<DescribeTransactionsRequest>({
  apiKey: 65,
  handle(ctx, req): Input<DescribeTransactionsResponse> {
    const svc = txnService(ctx);
    const transactionStates = req.transactionalIds.map((id): Input<DescribeTransactionsResponseTransactionState> => {
      const base = { transactionalId: id, transactionState: '', transactionTimeoutMs: 0, transactionStartTimeMs: -1, producerId: -1, producerEpoch: -1, topics: [] };
      if (!canTxnId(ctx, 'DESCRIBE', id)) return { ...base, errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED };
      if (!svc) return { ...base, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE };
      const t = svc.coordinator.txns.get(id);
      if (!t) return { ...base, errorCode: ErrorCode.TRANSACTIONAL_ID_NOT_FOUND };
      return {
        errorCode: ErrorCode.NONE,
        transactionalId: id,
        transactionState: t.state,
        transactionTimeoutMs: t.timeoutMs,
        transactionStartTimeMs: t.startTime,
        producerId: t.producerId,
        producerEpoch: t.producerEpoch,
        topics: [...t.partitions].map(([topic, parts]) => ({ topic, partitions: [...parts].sort((a, b) => a - b) })),
      };
    });
    return { throttleTimeMs: 0, transactionStates };
  },
});
