// ShareGroupDescribe (key 77, KIP-932): a share group's epochs, assignor and members with their assignments.
import { authorizedOperations, describeError, groupService, OPERATIONS_NOT_REQUESTED } from '../coordinator/group/request-util.js';
import { ShareGroup } from '../coordinator/share/share-group.js';
import { ErrorCode } from '../protocol/errors.js';
import type { ShareGroupDescribeRequest, ShareGroupDescribeResponse, ShareGroupDescribeResponseDescribedGroup } from '../protocol/generated/share-group-describe.js';
import type { Input } from '../protocol/primitives.js';
import { defineHandler } from './context.js';
import { shareGroupsEnabled } from './share-util.js';

export default defineHandler<ShareGroupDescribeRequest>({
  apiKey: 77,
  minVersion: 1,
  handle(ctx, req): Input<ShareGroupDescribeResponse> {
    const groups = req.groupIds.map((groupId): Input<ShareGroupDescribeResponseDescribedGroup> => {
      const base = { groupId, groupState: '', groupEpoch: -1, assignmentEpoch: -1, assignorName: '', members: [], authorizedOperations: OPERATIONS_NOT_REQUESTED, errorMessage: null };
      if (!shareGroupsEnabled(ctx)) return { ...base, errorCode: ErrorCode.UNSUPPORTED_VERSION };
      const err = describeError(ctx, groupId);
      if (err) return { ...base, errorCode: err };
      const g = groupService(ctx)!.group(groupId);
      if (!(g instanceof ShareGroup)) {
        return { ...base, errorCode: ErrorCode.GROUP_ID_NOT_FOUND, errorMessage: g ? `Group ${groupId} is not a share group.` : `Group ${groupId} not found.` };
      }
      const ops = authorizedOperations(ctx, groupId, req.includeAuthorizedOperations);
      return { ...base, ...g.describe((id) => ctx.cluster.topicsById.get(id)?.name ?? ''), errorCode: ErrorCode.NONE, authorizedOperations: ops };
    });
    return { throttleTimeMs: 0, groups };
  },
});
