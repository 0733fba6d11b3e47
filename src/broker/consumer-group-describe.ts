// ConsumerGroupDescribe (key 69, KIP-848): epochs, assignor, and each member's current and target assignment.
import { ConsumerGroup } from '../coordinator/group/consumer-group.js';
import { authorizedOperations, describeError, groupService, OPERATIONS_NOT_REQUESTED } from '../coordinator/group/request-util.js';
import { ErrorCode } from '../protocol/errors.js';
import type { ConsumerGroupDescribeRequest, ConsumerGroupDescribeResponse, ConsumerGroupDescribeResponseDescribedGroup } from '../protocol/generated/consumer-group-describe.js';
import type { Input } from '../protocol/primitives.js';
import { defineHandler } from './context.js';

export default defineHandler<ConsumerGroupDescribeRequest>({
  apiKey: 69,
  handle(ctx, req): Input<ConsumerGroupDescribeResponse> {
    const groups = req.groupIds.map((groupId): Input<ConsumerGroupDescribeResponseDescribedGroup> => {
      const base = { groupId, groupState: '', groupEpoch: -1, assignmentEpoch: -1, assignorName: '', members: [], authorizedOperations: OPERATIONS_NOT_REQUESTED, errorMessage: null };
      if (ctx.cluster.features.level('group.version') < 1) return { ...base, errorCode: ErrorCode.UNSUPPORTED_VERSION };
      const err = describeError(ctx, groupId);
      if (err) return { ...base, errorCode: err };
      const g = groupService(ctx)!.group(groupId);
      if (!(g instanceof ConsumerGroup)) {
        return { ...base, errorCode: ErrorCode.GROUP_ID_NOT_FOUND, errorMessage: g ? `Group ${groupId} is not a consumer group.` : `Group ${groupId} not found.` };
      }
      const ops = authorizedOperations(ctx, groupId, req.includeAuthorizedOperations);
      return { ...base, ...g.describe(), errorCode: ErrorCode.NONE, authorizedOperations: ops };
    });
    return { throttleTimeMs: 0, groups };
  },
});
