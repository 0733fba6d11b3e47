// CreatePartitions (key 37): raises a topic's partition count, placing the new partitions automatically or as
// assigned; validate_only checks without adding.
import { ErrorCode } from '../protocol/errors.js';
import type {
  CreatePartitionsRequest,
  CreatePartitionsResponse,
  CreatePartitionsResponseCreatePartitionsTopicResult,
} from '../protocol/generated/create-partitions.js';
import type { Input } from '../protocol/primitives.js';
import { topicOrClusterAllowed } from './admin-acl.js';
import { defineHandler } from './context.js';
import { mutationQuota, mutationThrottle } from './quota-throttle.js';
import { MAX_PARTITIONS_PER_REQUEST } from './create-topics.js';
import { toError } from './util.js';

type Out = Input<CreatePartitionsResponseCreatePartitionsTopicResult>;

export default defineHandler<CreatePartitionsRequest>({
  apiKey: 37,
  async handle(ctx, req): Promise<Input<CreatePartitionsResponse>> {
    const counts = new Map<string, number>();
    for (const t of req.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
    const reported = new Set<string>();
    const results: Out[] = [];
    // Kafka's controller writes one record per new partition into a list bounded for the whole request; past it
    // the request fails as a whole (BoundedListTooLongException, answered as a policy violation).
    let adding = 0;
    for (const t of req.topics) adding += Math.max(0, t.count - (ctx.cluster.topics.get(t.name)?.partitions.length ?? t.count));
    if (adding > MAX_PARTITIONS_PER_REQUEST) {
      for (const t of req.topics) results.push({ name: t.name, errorCode: ErrorCode.POLICY_VIOLATION, errorMessage: 'Unable to perform excessively large batch operation.' });
      return { throttleTimeMs: 0, results };
    }
    const quota = mutationQuota(ctx, 3);
    for (const t of req.topics) {
      if (counts.get(t.name)! > 1) {
        if (!reported.has(t.name)) results.push({ name: t.name, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Duplicate topic name.' });
        reported.add(t.name);
        continue;
      }
      if (!topicOrClusterAllowed(ctx, 'ALTER', t.name)) {
        results.push({ name: t.name, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: null });
        continue;
      }
      const topic = ctx.cluster.topics.get(t.name);
      if (!topic) {
        // Kafka's UnknownTopicOrPartitionException here carries no message.
        results.push({ name: t.name, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: null });
        continue;
      }
      try {
        const assignments = t.assignments?.map((a) => a.brokerIds) ?? undefined;
        await ctx.cluster.addPartitions(topic, t.count, assignments, req.validateOnly, (added) => quota.record(added));
        results.push({ name: t.name, errorCode: ErrorCode.NONE, errorMessage: null });
      } catch (e) {
        results.push({ name: t.name, ...toError(e, ctx) });
      }
    }
    return { throttleTimeMs: await mutationThrottle(ctx, quota, 1), results };
  },
});
