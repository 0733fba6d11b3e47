// Metadata (key 3): brokers on the client's listener, topics with leaders/replicas/ISR, auto-creation.
import type { Topic } from '../cluster/cluster.js';
import { ErrorCode } from '../protocol/errors.js';
import type { MetadataRequest, MetadataResponse, MetadataResponseMetadataResponseTopic } from '../protocol/generated/metadata.js';
import type { Input } from '../protocol/primitives.js';
import { ZERO_UUID } from '../protocol/primitives.js';
import { ALL_CLUSTER_OPERATIONS } from './admin-acl.js';
import { defineHandler, type RequestContext } from './context.js';
import { endpointFor, toError } from './util.js';

type TopicOut = Input<MetadataResponseMetadataResponseTopic>;

/** One topic's metadata; its authorized operations only when the request asks (INT_MIN otherwise, as Kafka). */
export function describeTopic(ctx: RequestContext, t: Topic, includeOperations = false): TopicOut {
  return {
    errorCode: ErrorCode.NONE,
    name: t.name,
    topicId: t.id,
    isInternal: t.internal,
    partitions: t.partitions.map((p) => {
      const leaderAlive = ctx.cluster.broker(p.leader)?.alive;
      return {
        errorCode: leaderAlive ? ErrorCode.NONE : ErrorCode.LEADER_NOT_AVAILABLE,
        partitionIndex: p.index,
        leaderId: leaderAlive ? p.leader : -1,
        leaderEpoch: p.leaderEpoch,
        replicaNodes: p.replicas,
        isrNodes: p.isr,
        offlineReplicas: p.replicas.filter((r) => !ctx.cluster.broker(r)?.alive),
      };
    }),
    topicAuthorizedOperations: includeOperations ? (ctx.services.acl?.topicOperations?.(ctx, t.name) ?? -2147483648) : -2147483648,
  };
}

/** Creates a missing topic when the broker allows it (auto.create.topics.enable) and the client asked. */
async function autoCreate(ctx: RequestContext, name: string): Promise<Topic | undefined> {
  if (!ctx.cluster.config.bool('auto.create.topics.enable')) return undefined;
  if (!ctx.cluster.topics.has(name)) ctx.logger.info({ topic: name, clientId: ctx.header.clientId, apiKey: ctx.header.requestApiKey }, 'auto-creating topic');
  return ctx.cluster.existingOrNewTopic(name);
}

export default defineHandler<MetadataRequest>({
  apiKey: 3,
  async handle(ctx, req): Promise<Input<MetadataResponse>> {
    const { cluster } = ctx;
    const v = ctx.apiVersion;
    // v0: an empty list means all topics; v1+: null means all, empty means none.
    const all = req.topics === null || (v === 0 && req.topics.length === 0);
    const allowAuto = v < 4 || req.allowAutoTopicCreation;
    const withOps = v >= 8 && req.includeTopicAuthorizedOperations;
    const topics: TopicOut[] = [];
    // v10-11 carry a topic id field but Kafka serves ids only from v12 (and their responses cannot hold a null
    // name): such a request fails as a whole, each topic answered INVALID_REQUEST as Kafka's error response does.
    if (!all && v < 12 && req.topics!.some((t) => t.name === null || (t.topicId !== undefined && t.topicId !== ZERO_UUID))) {
      for (const t of req.topics!) topics.push({ errorCode: ErrorCode.INVALID_REQUEST, name: t.name ?? '', topicId: t.topicId, partitions: [] });
      return { throttleTimeMs: 0, brokers: [], clusterId: null, controllerId: -1, topics, clusterAuthorizedOperations: -2147483648, errorCode: ErrorCode.NONE };
    }
    if (all) {
      for (const t of cluster.topics.values()) if (ctx.services.acl?.canDescribeTopic?.(ctx, t.name) ?? true) topics.push(describeTopic(ctx, t, withOps));
    } else {
      // One view of the topics, taken as the request arrives, as Kafka answers from one metadata snapshot: a topic
      // deleted while a missing one is being created is not created again (librdkafka 0033 closes a consumer, whose
      // Metadata request for its topics races the test's DeleteTopics of them).
      const known = req.topics!.map((rt) => (rt.name === null ? cluster.topicsById.get(rt.topicId) : cluster.topics.get(rt.name)));
      const toCreate = allowAuto && req.topics!.some((rt, i) => !known[i] && rt.name !== null);
      const created = !toCreate ? [] : await Promise.all(req.topics!.map(async (rt, i): Promise<Topic | number | undefined> => {
        if (known[i] || rt.name === null) return undefined;
        try {
          return await autoCreate(ctx, rt.name);
        } catch (e) {
          return toError(e, ctx).errorCode;
        }
      }));
      req.topics!.forEach((rt, i) => {
        const made = created[i];
        const t = known[i] ?? (typeof made === 'number' ? undefined : made);
        if (rt.name === null) {
          topics.push(t ? describeTopic(ctx, t, withOps) : { errorCode: ErrorCode.UNKNOWN_TOPIC_ID, name: null, topicId: rt.topicId, partitions: [] });
        } else if (typeof made === 'number') {
          topics.push({ errorCode: made, name: rt.name, topicId: ZERO_UUID, partitions: [] });
        } else if (t && ctx.services.acl?.canDescribeTopic && !ctx.services.acl.canDescribeTopic(ctx, t.name)) {
          topics.push({ errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, name: rt.name, partitions: [] });
        } else {
          topics.push(t ? describeTopic(ctx, t, withOps) : { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, name: rt.name, partitions: [] });
        }
      });
    }
    return {
      throttleTimeMs: 0,
      brokers: cluster.liveBrokers().flatMap((b) => {
        const e = endpointFor(b, ctx.endpoint);
        return e ? [{ nodeId: b.nodeId, host: e.advertisedHost, port: e.advertisedPort, rack: b.rack }] : [];
      }),
      clusterId: cluster.clusterId,
      controllerId: cluster.controllerId,
      topics,
      // v8-10 can ask for the cluster's operations too (librdkafka's DescribeCluster does; later versions have
      // DescribeCluster for it).
      clusterAuthorizedOperations: v >= 8 && v <= 10 && req.includeClusterAuthorizedOperations
        ? (ctx.services.acl?.clusterOperations?.(ctx) ?? ALL_CLUSTER_OPERATIONS)
        : -2147483648,
      errorCode: ErrorCode.NONE,
    };
  },
});
