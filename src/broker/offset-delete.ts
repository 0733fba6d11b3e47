// OffsetDelete (key 47): drops committed offsets of topics the group no longer consumes
// (GROUP_SUBSCRIBED_TO_TOPIC for topics an active member still subscribes to).
import { coordinatorCheck, GROUP_DELETE, groupAllowed, groupService } from '../coordinator/group/request-util.js';
import { ErrorCode } from '../protocol/errors.js';
import type { OffsetDeleteRequest, OffsetDeleteResponse } from '../protocol/generated/offset-delete.js';
import type { Input } from '../protocol/primitives.js';
import { defineHandler } from './context.js';
import { toError } from './util.js';

export default defineHandler<OffsetDeleteRequest>({
  apiKey: 47,
  async handle(ctx, req): Promise<Input<OffsetDeleteResponse>> {
    if (!groupAllowed(ctx, GROUP_DELETE, req.groupId)) return { errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, throttleTimeMs: 0, topics: [] };
    const err = coordinatorCheck(ctx, req.groupId);
    if (err) return { errorCode: err, throttleTimeMs: 0, topics: [] };
    if (!req.groupId) return { errorCode: ErrorCode.INVALID_GROUP_ID, throttleTimeMs: 0, topics: [] };
    const groups = groupService(ctx)!;
    const group = groups.group(req.groupId);
    try {
      if (!group) return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, throttleTimeMs: 0, topics: [] };
      group.validateOffsetDelete();
    } catch (e) {
      return { errorCode: toError(e, ctx).errorCode, throttleTimeMs: 0, topics: [] };
    }
    let changed = false;
    const topics = req.topics.map((t) => {
      const topic = ctx.cluster.topics.get(t.name);
      const subscribed = group.isSubscribedToTopic(t.name);
      return {
        name: t.name,
        partitions: t.partitions.map((p) => {
          if (ctx.services.acl?.canReadTopic && !ctx.services.acl.canReadTopic(ctx, t.name)) return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED };
          if (!topic || !topic.partitions[p.partitionIndex]) return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
          if (subscribed) return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC };
          if (group.deleteOffset(t.name, p.partitionIndex)) changed = true;
          return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.NONE };
        }),
      };
    });
    if (changed) await groups.persist(group).catch(() => undefined);
    return { errorCode: ErrorCode.NONE, throttleTimeMs: 0, topics };
  },
});
