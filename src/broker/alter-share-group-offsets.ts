// AlterShareGroupOffsets (key 91, KIP-932): moves share-partitions' start offsets (what kafka-share-groups.sh
// --reset-offsets does). Only while the group has no members, as Kafka requires; records in flight are forgotten.
import { GROUP_READ } from '../coordinator/group/request-util.js';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import type { AlterShareGroupOffsetsRequest, AlterShareGroupOffsetsResponse } from '../protocol/generated/alter-share-group-offsets.js';
import type { Input } from '../protocol/primitives.js';
import { ZERO_UUID } from '../protocol/primitives.js';
import { topicAllowed } from './admin-acl.js';
import { defineHandler } from './context.js';
import { adminShareGroup, shareServices } from './share-util.js';
import { toError } from './util.js';

export default defineHandler<AlterShareGroupOffsetsRequest>({
  apiKey: 91,
  handle(ctx, req): Input<AlterShareGroupOffsetsResponse> {
    try {
      const g = adminShareGroup(ctx, req.groupId, GROUP_READ, true);
      if (!g.isEmpty()) throw new KafkaError('NON_EMPTY_GROUP', `Share group ${req.groupId} is not empty.`);
    } catch (e) {
      return { throttleTimeMs: 0, ...toError(e, ctx), responses: [] };
    }
    const { state } = shareServices(ctx);
    const responses = req.topics.map((rt) => {
      const t = ctx.cluster.topics.get(rt.topicName);
      const denied = !topicAllowed(ctx, 'READ', rt.topicName);
      return {
        topicName: rt.topicName,
        topicId: t?.id ?? ZERO_UUID,
        partitions: rt.partitions.map((p) => {
          const out = (errorCode: number, errorMessage: string | null = null) => ({ partitionIndex: p.partitionIndex, errorCode, errorMessage });
          if (denied) return out(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
          const part = t?.partitions[p.partitionIndex];
          if (!t || !part) return out(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
          if (p.startOffset < part.logStartOffset || p.startOffset > part.highWatermark) {
            return out(ErrorCode.INVALID_REQUEST, `Start offset ${p.startOffset} is outside the log (${part.logStartOffset} to ${part.highWatermark}).`);
          }
          state.startAt(req.groupId, t, p.partitionIndex, p.startOffset);
          return out(ErrorCode.NONE);
        }),
      };
    });
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, responses };
  },
});
