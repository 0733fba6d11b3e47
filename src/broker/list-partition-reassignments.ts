// ListPartitionReassignments (key 46): partitions whose reassignment is still in progress (only moves to
// brokers that are stopped stay in progress: the others complete at once, replicas sharing the bytes).
import { ongoing } from '../cluster/reassignment.js';
import { ErrorCode } from '../protocol/errors.js';
import type { ListPartitionReassignmentsRequest, ListPartitionReassignmentsResponse, ListPartitionReassignmentsResponseOngoingTopicReassignment } from '../protocol/generated/list-partition-reassignments.js';
import type { Input } from '../protocol/primitives.js';
import { defineHandler } from './context.js';

export default defineHandler<ListPartitionReassignmentsRequest>({
  apiKey: 46,
  handle(ctx, req): Input<ListPartitionReassignmentsResponse> {
    if (ctx.services.acl?.canCluster && !ctx.services.acl.canCluster(ctx, 'DESCRIBE')) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: 'Cluster authorization failed.', topics: [] };
    }
    const wanted: { name: string; partitionIndexes: number[] | null }[] =
      req.topics === null ? [...ctx.cluster.topics.keys()].map((name) => ({ name, partitionIndexes: null })) : req.topics;
    const topics: Input<ListPartitionReassignmentsResponseOngoingTopicReassignment>[] = [];
    for (const w of wanted) {
      const t = ctx.cluster.topics.get(w.name);
      if (!t) continue; // Kafka leaves out partitions that do not exist
      const parts = w.partitionIndexes === null ? t.partitions : w.partitionIndexes.map((i) => t.partitions[i]).filter((p) => !!p);
      const partitions = parts.flatMap((p) => {
        const r = ongoing(p);
        return r ? [{ partitionIndex: p.index, replicas: p.replicas, addingReplicas: r.adding, removingReplicas: r.removing }] : [];
      });
      if (partitions.length) topics.push({ name: t.name, partitions });
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, topics };
  },
});
