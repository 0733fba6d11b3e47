// AlterReplicaLogDirs (key 34): move replicas between a broker's log directories. A kafkalite broker has one (see
// describe-log-dirs.ts), so a replica is always already where it is asked to go; any other directory is unknown.
// Kafka's ReplicaManager.alterReplicaLogDirs errors, in its order.
import { ErrorCode } from '../protocol/errors.js';
import type { AlterReplicaLogDirsRequest, AlterReplicaLogDirsResponse } from '../protocol/generated/alter-replica-log-dirs.js';
import type { Input } from '../protocol/primitives.js';
import { logDirOf } from './admin-configs.js';
import { clusterAllowed } from './admin-acl.js';
import { defineHandler } from './context.js';

export default defineHandler<AlterReplicaLogDirsRequest>({
  apiKey: 34,
  handle(ctx, req): Input<AlterReplicaLogDirsResponse> {
    const allowed = clusterAllowed(ctx, 'ALTER');
    const logDir = logDirOf(ctx);
    const errorFor = (path: string, topic: string, index: number): number => {
      if (!allowed) return ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
      if (path !== logDir) return ErrorCode.LOG_DIR_NOT_FOUND;
      const p = ctx.cluster.topics.get(topic)?.partitions[index];
      if (!p) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      // No replica here: Kafka's NotLeaderOrFollowerException, answered as REPLICA_NOT_AVAILABLE.
      return p.replicas.includes(ctx.broker.nodeId) ? ErrorCode.NONE : ErrorCode.REPLICA_NOT_AVAILABLE;
    };
    // Kafka merges the directories' topics into one result list per topic.
    const results = new Map<string, { partitionIndex: number; errorCode: number }[]>();
    for (const dir of req.dirs) {
      for (const t of dir.topics) {
        const out = results.get(t.name) ?? [];
        results.set(t.name, out);
        for (const index of t.partitions) out.push({ partitionIndex: index, errorCode: errorFor(dir.path, t.name, index) });
      }
    }
    return { throttleTimeMs: 0, results: [...results].map(([topicName, partitions]) => ({ topicName, partitions })) };
  },
});
