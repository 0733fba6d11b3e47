// FindCoordinator (key 10): which broker coordinates a group (key type 0) or a transactional id (1).
// v4+ batches keys. The coordinator is the broker owning the key's partition of __consumer_offsets /
// __transaction_state (hash(key) % partitions), spread over the live brokers. As in Kafka, the first request
// for a coordinator creates that internal topic (Kafka then answers COORDINATOR_NOT_AVAILABLE once; kafkalite
// answers at once, as its Metadata auto-creation does).
import { KEY_TYPE_GROUP, KEY_TYPE_TRANSACTION } from '../coordinator/group/coordinator.js';
import { groupService } from '../coordinator/group/request-util.js';
import { ErrorCode } from '../protocol/errors.js';
import type { FindCoordinatorRequest, FindCoordinatorResponse, FindCoordinatorResponseCoordinator } from '../protocol/generated/find-coordinator.js';
import type { Input } from '../protocol/primitives.js';
import { defineHandler, type RequestContext } from './context.js';
import { endpointFor } from './util.js';

type Coordinator = Input<FindCoordinatorResponseCoordinator> & { errorCode: number };

function find(ctx: RequestContext, key: string, keyType: number): Coordinator {
  const fail = (errorCode: number, errorMessage: string): Coordinator => ({ key, nodeId: -1, host: '', port: -1, errorCode, errorMessage });
  if (keyType !== KEY_TYPE_GROUP && keyType !== KEY_TYPE_TRANSACTION) return fail(ErrorCode.INVALID_REQUEST, `Unknown coordinator type: ${keyType}`);
  const acl = ctx.services.acl;
  if (keyType === KEY_TYPE_GROUP && acl?.canGroup && !acl.canGroup(ctx, 8, key)) return fail(ErrorCode.GROUP_AUTHORIZATION_FAILED, 'Group authorization failed.');
  if (keyType === KEY_TYPE_TRANSACTION && acl?.canTransactionalId && !acl.canTransactionalId(ctx, 8, key)) {
    return fail(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, 'Transactional Id authorization failed.');
  }
  const groups = groupService(ctx);
  const node = groups?.coordinatorFor(key, keyType);
  if (!node) return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE, 'The coordinator is not available.');
  const ep = endpointFor(node, ctx.endpoint);
  if (!ep) return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE, 'The coordinator is not available.');
  return { key, nodeId: node.nodeId, host: ep.advertisedHost, port: ep.advertisedPort, errorCode: ErrorCode.NONE, errorMessage: null };
}

/** Creates __consumer_offsets or __transaction_state if missing (failures logged: the coordinator works without it). */
async function ensureInternalTopic(ctx: RequestContext, keyType: number): Promise<void> {
  const name = keyType === KEY_TYPE_TRANSACTION ? '__transaction_state' : '__consumer_offsets';
  if (ctx.cluster.topics.has(name)) return;
  await ctx.cluster.existingOrNewTopic(name).catch((err) => ctx.logger.warn({ err, topic: name }, 'could not create internal topic'));
}

export default defineHandler<FindCoordinatorRequest>({
  apiKey: 10,
  async handle(ctx, req): Promise<Input<FindCoordinatorResponse>> {
    const v = ctx.apiVersion;
    const keyType = v >= 1 ? req.keyType : KEY_TYPE_GROUP;
    const found = (v >= 4 ? req.coordinatorKeys : [req.key]).map((k) => find(ctx, k, keyType));
    if (found.some((c) => c.errorCode === ErrorCode.NONE)) await ensureInternalTopic(ctx, keyType);
    if (v >= 4) return { throttleTimeMs: 0, coordinators: found };
    const c = found[0];
    return { throttleTimeMs: 0, errorCode: c.errorCode, errorMessage: c.errorMessage, nodeId: c.nodeId, host: c.host, port: c.port };
  },
});
