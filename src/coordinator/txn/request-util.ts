// Helpers the transaction handlers share.
import type { RequestContext } from '../../broker/context.js';
import { toError } from '../../broker/util.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { TransactionService } from './index.js';

export function txnService(ctx: RequestContext): TransactionService | undefined {
  return ctx.services.transactions as TransactionService | undefined;
}

/**
 * Error code of a coordinator failure. PRODUCER_FENCED (KIP-588) becomes INVALID_PRODUCER_EPOCH for request
 * versions older than `fencedSince`, whose clients do not know the newer code (as Kafka's KafkaApis does).
 */
export function txnErrorCode(e: unknown, ctx: RequestContext, fencedSince: number): number {
  const { errorCode } = toError(e, ctx);
  if (errorCode === ErrorCode.PRODUCER_FENCED && ctx.apiVersion < fencedSince) return ErrorCode.INVALID_PRODUCER_EPOCH;
  return errorCode;
}

/** ACL checks when an authorizer is installed (services.acl); everything is allowed otherwise. */
export function canTxnId(ctx: RequestContext, op: 'WRITE' | 'DESCRIBE', transactionalId: string): boolean {
  const acl = ctx.services.acl;
  return !acl?.canTransactionalId || acl.canTransactionalId(ctx, op, transactionalId);
}
export function canGroup(ctx: RequestContext, op: 'READ' | 'DESCRIBE', groupId: string): boolean {
  const acl = ctx.services.acl;
  return !acl?.canGroup || acl.canGroup(ctx, op, groupId);
}
export function canCluster(ctx: RequestContext, op: 'CLUSTER_ACTION' | 'DESCRIBE'): boolean {
  const acl = ctx.services.acl;
  return !acl?.canCluster || acl.canCluster(ctx, op);
}
