// DescribeShareGroupOffsets (key 90, KIP-932): each share-partition's start offset (SPSO), what the group has
// finished up to; -1 for a partition the group has not started on.
import { GROUP_DESCRIBE } from '../coordinator/group/request-util.js';
import { ErrorCode } from '../protocol/errors.js';
import type { DescribeShareGroupOffsetsRequest, DescribeShareGroupOffsetsResponse, DescribeShareGroupOffsetsResponseDescribeShareGroupOffsetsResponseGroup as GroupOut } from '../protocol/generated/describe-share-group-offsets.js';
import type { Input } from '../protocol/primitives.js';
import { ZERO_UUID } from '../protocol/primitives.js';
import { topicAllowed } from './admin-acl.js';
import { defineHandler } from './context.js';
import { adminShareGroup, shareServices } from './share-util.js';
import { groupBy, toError } from './util.js';

export default defineHandler<DescribeShareGroupOffsetsRequest>({
  apiKey: 90,
  handle(ctx, req): Input<DescribeShareGroupOffsetsResponse> {
    const groups = req.groups.map((q): Input<GroupOut> => {
      try {
        adminShareGroup(ctx, q.groupId, GROUP_DESCRIBE);
      } catch (e) {
        return { groupId: q.groupId, topics: [], ...toError(e, ctx) };
      }
      const { state } = shareServices(ctx);
      // Without topics: every topic the group has share state for.
      const wanted = q.topics ?? [...groupBy(state.ofGroup(q.groupId), (sp) => sp.topicId)].flatMap(([id, sps]) => {
        const t = ctx.cluster.topicsById.get(id);
        return t ? [{ topicName: t.name, partitions: sps.map((sp) => sp.partition).sort((a, b) => a - b) }] : [];
      });
      const topics = wanted.map((w) => {
        const t = ctx.cluster.topics.get(w.topicName);
        const denied = !topicAllowed(ctx, 'DESCRIBE', w.topicName);
        return {
          topicName: w.topicName,
          topicId: t?.id ?? ZERO_UUID,
          partitions: w.partitions.map((partitionIndex) => {
            const errorCode = denied ? ErrorCode.TOPIC_AUTHORIZATION_FAILED : !t?.partitions[partitionIndex] ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.NONE;
            const sp = t && errorCode === ErrorCode.NONE ? state.get(q.groupId, t.id, partitionIndex) : undefined;
            return { partitionIndex, startOffset: sp?.startOffset ?? -1, leaderEpoch: sp ? t!.partitions[partitionIndex].leaderEpoch : -1, errorCode, errorMessage: null };
          }),
        };
      });
      return { groupId: q.groupId, topics, errorCode: ErrorCode.NONE, errorMessage: null };
    });
    return { throttleTimeMs: 0, groups };
  },
});
