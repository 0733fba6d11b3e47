// DescribeGroups (key 15): state, protocol and members (with metadata and assignment bytes) of classic
// groups. An unknown or non-classic group is reported "Dead"; v6+ adds GROUP_ID_NOT_FOUND.
import { ClassicGroup } from '../coordinator/group/classic-group.js';
import { authorizedOperations, describeError, groupService, OPERATIONS_NOT_REQUESTED } from '../coordinator/group/request-util.js';
import { ErrorCode } from '../protocol/errors.js';
import type { DescribeGroupsRequest, DescribeGroupsResponse, DescribeGroupsResponseDescribedGroup } from '../protocol/generated/describe-groups.js';
import type { Input } from '../protocol/primitives.js';
import { defineHandler } from './context.js';

export default defineHandler<DescribeGroupsRequest>({
  apiKey: 15,
  handle(ctx, req): Input<DescribeGroupsResponse> {
    const v = ctx.apiVersion;
    const groups = req.groups.map((groupId): Input<DescribeGroupsResponseDescribedGroup> => {
      const base = { groupId, groupState: '', protocolType: '', protocolData: '', members: [], authorizedOperations: OPERATIONS_NOT_REQUESTED, errorMessage: null };
      const err = describeError(ctx, groupId);
      if (err) return { ...base, errorCode: err };
      const g = groupService(ctx)!.group(groupId);
      if (!(g instanceof ClassicGroup)) {
        const notFound = v >= 6;
        const why = g ? `Group ${groupId} is not a classic group.` : `Group ${groupId} not found.`;
        return { ...base, groupState: 'Dead', errorCode: notFound ? ErrorCode.GROUP_ID_NOT_FOUND : ErrorCode.NONE, errorMessage: notFound ? why : null };
      }
      const ops = authorizedOperations(ctx, groupId, v >= 3 && req.includeAuthorizedOperations);
      return { ...base, ...g.describe(), errorCode: ErrorCode.NONE, authorizedOperations: ops };
    });
    return { throttleTimeMs: 0, groups };
  },
});
