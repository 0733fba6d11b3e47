// DescribeQuorum (key 55): the KRaft metadata quorum (kafka-metadata-quorum.sh). kafkalite's brokers run as
// Kafka's combined mode would: every broker is a voter, the controller (Metadata's controllerId) leads, and a
// running voter is caught up at the metadata offset (src/cluster/features.ts); a stopped one's state is unknown.
import { createHash } from 'node:crypto';
import type { Cluster } from '../cluster/cluster.js';
import { ErrorCode } from '../protocol/errors.js';
import type { DescribeQuorumRequest, DescribeQuorumResponse } from '../protocol/generated/describe-quorum.js';
import { type Input, ZERO_UUID } from '../protocol/primitives.js';
import { clusterAllowed } from './admin-acl.js';
import { defineHandler } from './context.js';

const METADATA_TOPIC = '__cluster_metadata';

/** The leader epoch: bumped whenever another broker has become the controller since the last request. */
const leadership = new WeakMap<Cluster, { leader: number; epoch: number }>();
function leaderEpoch(cluster: Cluster): number {
  const seen = leadership.get(cluster);
  if (!seen) {
    leadership.set(cluster, { leader: cluster.controllerId, epoch: 1 });
    return 1;
  }
  if (seen.leader !== cluster.controllerId) {
    seen.leader = cluster.controllerId;
    seen.epoch++;
  }
  return seen.epoch;
}

/** A voter's log directory id (kraft.version 1): stable per cluster and node. */
function directoryId(cluster: Cluster, nodeId: number): string {
  if (cluster.features.level('kraft.version') < 1) return ZERO_UUID;
  return createHash('sha256').update(`${cluster.clusterId}/${nodeId}`).digest().subarray(0, 16).toString('base64url');
}

export default defineHandler<DescribeQuorumRequest>({
  apiKey: 55,
  handle(ctx, req): Input<DescribeQuorumResponse> {
    const { cluster } = ctx;
    if (!clusterAllowed(ctx, 'DESCRIBE')) {
      return { errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: null, topics: [], nodes: [] };
    }
    const t = req.topics[0];
    // Kafka's raft client answers only for exactly its one partition; anything else is echoed back as unknown.
    if (req.topics.length !== 1 || t.topicName !== METADATA_TOPIC || t.partitions.length !== 1 || t.partitions[0].partitionIndex !== 0) {
      return {
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        nodes: [],
        topics: req.topics.map((rt) => ({
          topicName: rt.topicName,
          partitions: rt.partitions.map((p) => ({
            partitionIndex: p.partitionIndex,
            errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
            errorMessage: null,
            leaderId: -1,
            leaderEpoch: -1,
            highWatermark: -1,
            currentVoters: [],
            observers: [],
          })),
        })),
      };
    }
    const now = Date.now();
    const offset = cluster.features.metadataOffset(now);
    return {
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      topics: [{
        topicName: METADATA_TOPIC,
        partitions: [{
          partitionIndex: 0,
          errorCode: ErrorCode.NONE,
          errorMessage: null,
          leaderId: cluster.controllerId,
          leaderEpoch: leaderEpoch(cluster),
          highWatermark: offset,
          currentVoters: cluster.brokers.map((b) => ({
            replicaId: b.nodeId,
            replicaDirectoryId: directoryId(cluster, b.nodeId),
            logEndOffset: b.alive ? offset : -1,
            lastFetchTimestamp: b.alive ? now : -1,
            lastCaughtUpTimestamp: b.alive ? now : -1,
          })),
          observers: [],
        }],
      }],
      nodes: cluster.brokers.map((b) => ({
        nodeId: b.nodeId,
        listeners: b.endpoints.map((e) => ({ name: e.name, host: e.advertisedHost, port: e.advertisedPort })),
      })),
    };
  },
});
