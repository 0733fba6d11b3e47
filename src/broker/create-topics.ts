// CreateTopics (key 19): topics with a partition count and replication factor (-1 = the broker's defaults)
// or a manual replica assignment, plus config overrides; validate_only checks without creating. v5+ answers
// with the effective configs, partition count and replication factor; v7+ with the topic id.
import type { NewTopicOptions } from '../cluster/cluster.js';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import type {
  CreateTopicsRequest,
  CreateTopicsRequestCreatableTopic,
  CreateTopicsResponse,
  CreateTopicsResponseCreatableTopicResult,
} from '../protocol/generated/create-topics.js';
import type { Input } from '../protocol/primitives.js';
import { ZERO_UUID } from '../protocol/primitives.js';
import { topicAllowed, topicOrClusterAllowed } from './admin-acl.js';
import { topicConfigEntries } from './admin-configs.js';
import { defineHandler } from './context.js';
import { mutationQuota, mutationThrottle } from './quota-throttle.js';
import { toError } from './util.js';

type Out = Input<CreateTopicsResponseCreatableTopicResult>;

/**
 * Kafka's controller refuses, as a whole, a request that would create more partitions than it writes records in one
 * batch (ReplicationControlManager.MAX_PARTITIONS_PER_BATCH): it once ran out of memory on such requests, as did we.
 */
export const MAX_PARTITIONS_PER_REQUEST = 10_000;

function requestedPartitions(req: CreateTopicsRequest, defaultPartitions: number): number {
  let n = 0;
  for (const t of req.topics) n += t.assignments.length > 0 ? t.assignments.length : t.numPartitions === -1 ? defaultPartitions : Math.max(0, t.numPartitions);
  return n;
}

/** Kafka's checks on a manual assignment that need the request's shape (ReplicationControlManager.createTopic). */
export function newTopicOptions(t: CreateTopicsRequestCreatableTopic): NewTopicOptions {
  const configs: Record<string, string | null> = {};
  for (const c of t.configs) configs[c.name] = c.value;
  if (t.assignments.length === 0) return { numPartitions: t.numPartitions, replicationFactor: t.replicationFactor, configs };
  if (t.replicationFactor !== -1) throw new KafkaError('INVALID_REQUEST', 'A manual partition assignment was specified, but replication factor was not set to -1.');
  if (t.numPartitions !== -1) throw new KafkaError('INVALID_REQUEST', 'A manual partition assignment was specified, but numPartitions was not set to -1.');
  const byIndex = new Map<number, number[]>();
  for (const a of t.assignments) {
    if (byIndex.has(a.partitionIndex)) throw new KafkaError('INVALID_REPLICA_ASSIGNMENT', `Found multiple manual partition assignments for partition ${a.partitionIndex}`);
    byIndex.set(a.partitionIndex, a.brokerIds);
  }
  const assignment: number[][] = [];
  for (let i = 0; i < byIndex.size; i++) {
    const replicas = byIndex.get(i);
    if (!replicas) throw new KafkaError('INVALID_REPLICA_ASSIGNMENT', 'partitions should be a consecutive 0-based integer sequence');
    assignment.push(replicas);
  }
  return { assignment, configs };
}

export default defineHandler<CreateTopicsRequest>({
  apiKey: 19,
  async handle(ctx, req): Promise<Input<CreateTopicsResponse>> {
    const { cluster } = ctx;
    const v = ctx.apiVersion;
    const counts = new Map<string, number>();
    for (const t of req.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
    const topics: Out[] = [];
    if (requestedPartitions(req, cluster.config.int('num.partitions')) > MAX_PARTITIONS_PER_REQUEST) {
      // As Kafka's error response for the whole request: every topic named gets the policy violation.
      for (const t of req.topics) topics.push({ name: t.name, errorCode: ErrorCode.POLICY_VIOLATION, errorMessage: 'Excessively large number of partitions per request.', topicConfigErrorCode: 0, numPartitions: -1, replicationFactor: -1 });
      return { throttleTimeMs: 0, topics };
    }
    const quota = mutationQuota(ctx, 6);
    const reported = new Set<string>();
    for (const t of req.topics) {
      if (counts.get(t.name)! > 1) {
        // Kafka answers once per duplicated name, and creates none of them.
        if (!reported.has(t.name)) topics.push({ name: t.name, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Duplicate topic name.', topicConfigErrorCode: 0, numPartitions: -1, replicationFactor: -1 });
        reported.add(t.name);
        continue;
      }
      if (t.name === '__cluster_metadata') {
        // KRaft's metadata log is not a topic clients may create (ControllerApis.createTopics).
        topics.push({ name: t.name, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Creation of internal topic __cluster_metadata is prohibited.', topicConfigErrorCode: 0, numPartitions: -1, replicationFactor: -1 });
        continue;
      }
      if (!topicOrClusterAllowed(ctx, 'CREATE', t.name)) {
        topics.push({ name: t.name, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: 'Authorization failed.', topicConfigErrorCode: 0, numPartitions: -1, replicationFactor: -1 });
        continue;
      }
      try {
        // Kafka checks the name, existence and configs before the partitions and replicas.
        cluster.checkNewTopic(t.name, Object.fromEntries(t.configs.map((c) => [c.name, c.value])));
        const opts = newTopicOptions(t);
        const planned = cluster.planTopic(t.name, opts);
        // Charged once the topic passed every other check, validate_only too (as Kafka's controller).
        quota.record(planned.length);
        const assignment = req.validateOnly ? planned : (await cluster.createTopic(t.name, opts)).partitions.map((p) => p.replicas);
        const overrides = new Map(Object.entries(opts.configs ?? {}) as [string, string][]);
        const out: Out = { name: t.name, errorCode: ErrorCode.NONE, errorMessage: null, topicId: cluster.topics.get(t.name)?.id ?? ZERO_UUID };
        if (req.validateOnly) out.topicId = ZERO_UUID;
        // Configs and sizes are shown only to who may describe the topic's configs.
        if (v >= 5 && !topicAllowed(ctx, 'DESCRIBE_CONFIGS', t.name)) {
          out.topicConfigErrorCode = ErrorCode.TOPIC_AUTHORIZATION_FAILED;
        } else if (v >= 5) {
          out.numPartitions = assignment.length;
          out.replicationFactor = assignment[0]?.length ?? -1;
          out.topicConfigErrorCode = ErrorCode.NONE;
          out.configs = topicConfigEntries(ctx, overrides).map((e) => ({
            name: e.name,
            value: e.value,
            readOnly: e.readOnly,
            configSource: e.source,
            isSensitive: e.isSensitive,
          }));
        }
        topics.push(out);
      } catch (e) {
        topics.push({ name: t.name, ...toError(e, ctx), topicConfigErrorCode: 0, numPartitions: -1, replicationFactor: -1 });
      }
    }
    return { throttleTimeMs: await mutationThrottle(ctx, quota, 3), topics };
  },
});
