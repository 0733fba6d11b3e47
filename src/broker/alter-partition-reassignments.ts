// AlterPartitionReassignments (key 45): move partitions to new replica sets (null replicas cancel a move in
// progress). Replicas share the stored bytes, so a move to running brokers completes before the response.
import { cancel, reassign } from '../cluster/reassignment.js';
import type { ReplicationManager } from '../cluster/replication.js';
import { ErrorCode } from '../protocol/errors.js';
import type { AlterPartitionReassignmentsRequest, AlterPartitionReassignmentsResponse } from '../protocol/generated/alter-partition-reassignments.js';
import type { Input } from '../protocol/primitives.js';
import { defineHandler } from './context.js';
import { toError } from './util.js';

export default defineHandler<AlterPartitionReassignmentsRequest>({
  apiKey: 45,
  async handle(ctx, req): Promise<Input<AlterPartitionReassignmentsResponse>> {
    const allowRfChange = ctx.apiVersion >= 1 ? req.allowReplicationFactorChange : true;
    const base = { throttleTimeMs: 0, allowReplicationFactorChange: allowRfChange };
    if (ctx.services.acl?.canCluster && !ctx.services.acl.canCluster(ctx, 'ALTER')) {
      return { ...base, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: 'Cluster authorization failed.', responses: [] };
    }
    const repl: ReplicationManager | undefined = ctx.services.replication;
    const responses = [];
    for (const t of req.topics) {
      const topic = ctx.cluster.topics.get(t.name);
      const partitions = [];
      for (const rp of t.partitions) {
        const p = topic?.partitions[rp.partitionIndex];
        let result: { errorCode: number; errorMessage: string | null } = { errorCode: ErrorCode.NONE, errorMessage: null };
        if (!p || !repl) {
          result = { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: 'The partition does not exist.' };
        } else {
          try {
            if (rp.replicas === null) await cancel(repl, p);
            else await reassign(repl, p, rp.replicas, allowRfChange);
          } catch (e) {
            result = toError(e, ctx);
          }
        }
        partitions.push({ partitionIndex: rp.partitionIndex, ...result });
      }
      responses.push({ name: t.name, partitions });
    }
    return { ...base, errorCode: ErrorCode.NONE, errorMessage: null, responses };
  },
});
