// LeaveGroup (key 13): members leave at once instead of waiting for their session to expire.
// v3+ removes a batch of members (by member id, or by group instance id for static members).
import { coordinatorCheck, GROUP_READ, groupAllowed, groupService } from '../coordinator/group/request-util.js';
import { ErrorCode } from '../protocol/errors.js';
import type { LeaveGroupRequest, LeaveGroupResponse } from '../protocol/generated/leave-group.js';
import type { Input } from '../protocol/primitives.js';
import { defineHandler } from './context.js';
import { toError } from './util.js';

export default defineHandler<LeaveGroupRequest>({
  apiKey: 13,
  handle(ctx, req): Input<LeaveGroupResponse> {
    const v = ctx.apiVersion;
    const identities = v >= 3
      ? req.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId }))
      : [{ memberId: req.memberId, groupInstanceId: null }];
    let result: { errorCode: number; members: { memberId: string; groupInstanceId: string | null; errorCode: number }[] };
    const err = coordinatorCheck(ctx, req.groupId);
    if (!groupAllowed(ctx, GROUP_READ, req.groupId)) result = { errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, members: [] };
    else if (err) result = { errorCode: err, members: [] };
    else if (!req.groupId) result = { errorCode: ErrorCode.INVALID_GROUP_ID, members: [] };
    else {
      try {
        const group = groupService(ctx)!.classicGroup(req.groupId, false, 'UNKNOWN_MEMBER_ID');
        result = group
          ? group.leave(identities)
          : { errorCode: ErrorCode.NONE, members: identities.map((m) => ({ ...m, errorCode: ErrorCode.UNKNOWN_MEMBER_ID })) };
      } catch (e) {
        result = { errorCode: toError(e, ctx).errorCode, members: [] };
      }
    }
    if (v >= 3) return { throttleTimeMs: 0, errorCode: result.errorCode, members: result.members };
    // Before v3 the single member's error is the top-level error.
    return { throttleTimeMs: 0, errorCode: result.errorCode || (result.members[0]?.errorCode ?? ErrorCode.NONE) };
  },
});
