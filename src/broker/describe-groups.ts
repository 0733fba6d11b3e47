// DescribeGroups (key 15): state, protocol and members (with metadata and assignment bytes) of classic
// groups. An unknown or non-classic group is reported "Dead"; v6+ adds GROUP_ID_NOT_FOUND.
import { ClassicGroup } from '../coordinator/group/classic-group.js';
import { ALL_GROUP_OPERATIONS, coordinatorCheck, GROUP_DESCRIBE, groupAllowed, groupService, OPERATIONS_NOT_REQUESTED } from '../coordinator/group/request-util.js';
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
      if (!groupAllowed(ctx, GROUP_DESCRIBE, groupId)) return { ...base, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED };
      const err = coordinatorCheck(ctx, groupId);
      if (err) return { ...base, errorCode: err };
      if (!groupId) return { ...base, errorCode: ErrorCode.INVALID_GROUP_ID };
      const g = groupService(ctx)!.group(groupId);
      if (!(g instanceof ClassicGroup)) {
        const notFound = v >= 6;
        const why = g ? `Group ${groupId} is not a classic group.` : `Group ${groupId} not found.`;
        return { ...base, groupState: 'Dead', errorCode: notFound ? ErrorCode.GROUP_ID_NOT_FOUND : ErrorCode.NONE, errorMessage: notFound ? why : null };
      }
      const ops = v >= 3 && req.includeAuthorizedOperations ? (ctx.services.acl?.groupOperations?.(ctx, groupId) ?? ALL_GROUP_OPERATIONS) : OPERATIONS_NOT_REQUESTED;
      return { ...base, ...g.describe(), errorCode: ErrorCode.NONE, authorizedOperations: ops };
    });
    return { throttleTimeMs: 0, groups };
  },
});
