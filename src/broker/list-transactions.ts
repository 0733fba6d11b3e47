// ListTransactions (key 66, KIP-664): transactional ids known to the coordinator, filtered by state, producer
// id, (v1+) running duration and (v2+) a regular expression on the id (RE2/J, as Kafka).
import { canTxnId, txnService } from '../coordinator/txn/request-util.js';
import { compileRe2, type FullMatch } from '../coordinator/regex.js';
import { TXN_STATES } from '../coordinator/txn/txn-metadata.js';
import { ErrorCode } from '../protocol/errors.js';
import type { ListTransactionsRequest, ListTransactionsResponse } from '../protocol/generated/list-transactions.js';
import type { Input } from '../protocol/primitives.js';
import { defineHandler } from './context.js';

export default defineHandler<ListTransactionsRequest>({
  apiKey: 66,
  handle(ctx, req): Input<ListTransactionsResponse> {
    const svc = txnService(ctx);
    const known = new Set<string>(TXN_STATES);
    const unknownStateFilters = req.stateFilters.filter((s) => !known.has(s));
    if (!svc) return { throttleTimeMs: 0, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, unknownStateFilters, transactionStates: [] };
    let pattern: FullMatch | null = null;
    if (ctx.apiVersion >= 2 && req.transactionalIdPattern) {
      try {
        pattern = compileRe2(req.transactionalIdPattern);
      } catch {
        return { throttleTimeMs: 0, errorCode: ErrorCode.INVALID_REGULAR_EXPRESSION, unknownStateFilters, transactionStates: [] };
      }
    }
    const states = new Set(req.stateFilters);
    const pids = new Set(req.producerIdFilters);
    const duration = ctx.apiVersion >= 1 ? req.durationFilter : -1;
    const now = Date.now();
    const transactionStates = [...svc.coordinator.txns.values()]
      .filter((t) => (states.size === 0 || states.has(t.state)) && (pids.size === 0 || pids.has(t.producerId)))
      // As Kafka: a transaction that never started has start time -1, so it passes any duration filter.
      .filter((t) => t.state !== 'Dead' && (duration < 0 || now - t.startTime > duration))
      .filter((t) => !pattern || pattern.matches(t.transactionalId))
      .filter((t) => canTxnId(ctx, 'DESCRIBE', t.transactionalId))
      .map((t) => ({ transactionalId: t.transactionalId, producerId: t.producerId, transactionState: t.state }));
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, unknownStateFilters, transactionStates };
  },
});
