// FindCoordinator (key 10): which broker coordinates a group (key type 0) or a transactional id (1).
// v4+ batches keys. As in Kafka, the coordinator is the leader of the key's partition (hash(key) % partitions) of
// __consumer_offsets / __transaction_state, and the first request for a coordinator creates that internal topic
// (Kafka then answers COORDINATOR_NOT_AVAILABLE once; kafkalite answers at once, as its Metadata auto-creation does).
import { KEY_TYPE_GROUP, KEY_TYPE_TRANSACTION } from '../coordinator/group/coordinator.js';
import { groupService } from '../coordinator/group/request-util.js';
import { OFFSETS_TOPIC, TRANSACTION_STATE_TOPIC } from '../cluster/partition.js';
import { ErrorCode } from '../protocol/errors.js';
import type { FindCoordinatorRequest, FindCoordinatorResponse, FindCoordinatorResponseCoordinator } from '../protocol/generated/find-coordinator.js';
import type { Input } from '../protocol/primitives.js';
import { defineHandler, type RequestContext } from './context.js';
import { endpointFor } from './util.js';

type Coordinator = Input<FindCoordinatorResponseCoordinator> & { errorCode: number };

const failed = (key: string, errorCode: number, errorMessage: string): Coordinator => ({ key, nodeId: -1, host: '', port: -1, errorCode, errorMessage });

/** The error for a key this request may not look up, or undefined. */
function refused(ctx: RequestContext, key: string, keyType: number): Coordinator | undefined {
  if (keyType !== KEY_TYPE_GROUP && keyType !== KEY_TYPE_TRANSACTION) return failed(key, ErrorCode.INVALID_REQUEST, `Unknown coordinator type: ${keyType}`);
  const acl = ctx.services.acl;
  if (keyType === KEY_TYPE_GROUP && acl?.canGroup && !acl.canGroup(ctx, 8, key)) return failed(key, ErrorCode.GROUP_AUTHORIZATION_FAILED, 'Group authorization failed.');
  if (keyType === KEY_TYPE_TRANSACTION && acl?.canTransactionalId && !acl.canTransactionalId(ctx, 8, key)) {
    return failed(key, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, 'Transactional Id authorization failed.');
  }
  return undefined;
}

function find(ctx: RequestContext, key: string, keyType: number): Coordinator {
  const node = groupService(ctx)?.coordinatorFor(key, keyType);
  const ep = node && endpointFor(node, ctx.endpoint);
  if (!node || !ep) return failed(key, ErrorCode.COORDINATOR_NOT_AVAILABLE, 'The coordinator is not available.');
  return { key, nodeId: node.nodeId, host: ep.advertisedHost, port: ep.advertisedPort, errorCode: ErrorCode.NONE, errorMessage: null };
}

/**
 * Creates __consumer_offsets or __transaction_state if missing, before the coordinator is looked up: its partition's
 * leader is the coordinator. Failures are logged: the coordinator works without the topic.
 */
async function ensureInternalTopic(ctx: RequestContext, keyType: number): Promise<void> {
  const name = keyType === KEY_TYPE_TRANSACTION ? TRANSACTION_STATE_TOPIC : OFFSETS_TOPIC;
  if (ctx.cluster.topics.has(name)) return;
  await ctx.cluster.existingOrNewTopic(name).catch((err) => ctx.logger.warn({ err, topic: name }, 'could not create internal topic'));
}

export default defineHandler<FindCoordinatorRequest>({
  apiKey: 10,
  async handle(ctx, req): Promise<Input<FindCoordinatorResponse>> {
    const v = ctx.apiVersion;
    const keyType = v >= 1 ? req.keyType : KEY_TYPE_GROUP;
    const keys = v >= 4 ? req.coordinatorKeys : [req.key];
    const refusals = keys.map((k) => refused(ctx, k, keyType));
    if (refusals.includes(undefined)) await ensureInternalTopic(ctx, keyType);
    const found = keys.map((k, i) => refusals[i] ?? find(ctx, k, keyType));
    if (v >= 4) return { throttleTimeMs: 0, coordinators: found };
    const c = found[0];
    return { throttleTimeMs: 0, errorCode: c.errorCode, errorMessage: c.errorMessage, nodeId: c.nodeId, host: c.host, port: c.port };
  },
});
