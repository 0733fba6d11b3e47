// DeleteShareGroupOffsets (key 92, KIP-932): forgets a share group's state for some topics (the group starts on
// them again from share.auto.offset.reset). Only while the group has no members, as Kafka requires.
import { GROUP_DELETE } from '../coordinator/group/request-util.js';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import type { DeleteShareGroupOffsetsRequest, DeleteShareGroupOffsetsResponse } from '../protocol/generated/delete-share-group-offsets.js';
import type { Input } from '../protocol/primitives.js';
import { ZERO_UUID } from '../protocol/primitives.js';
import { topicAllowed } from './admin-acl.js';
import { defineHandler } from './context.js';
import { adminShareGroup, shareServices } from './share-util.js';
import { toError } from './util.js';

export default defineHandler<DeleteShareGroupOffsetsRequest>({
  apiKey: 92,
  handle(ctx, req): Input<DeleteShareGroupOffsetsResponse> {
    try {
      const g = adminShareGroup(ctx, req.groupId, GROUP_DELETE);
      if (!g.isEmpty()) throw new KafkaError('NON_EMPTY_GROUP', `Share group ${req.groupId} is not empty.`);
    } catch (e) {
      return { throttleTimeMs: 0, ...toError(e, ctx), responses: [] };
    }
    const responses = req.topics.map((rt) => {
      const t = ctx.cluster.topics.get(rt.topicName);
      const errorCode = !topicAllowed(ctx, 'READ', rt.topicName) ? ErrorCode.TOPIC_AUTHORIZATION_FAILED : t ? ErrorCode.NONE : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      if (t && errorCode === ErrorCode.NONE) shareServices(ctx).state.delete(req.groupId, new Set([t.id]));
      return { topicName: rt.topicName, topicId: t?.id ?? ZERO_UUID, errorCode, errorMessage: null };
    });
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, responses };
  },
});
