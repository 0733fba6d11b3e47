// Heartbeat (key 12): keeps a classic member's session alive; REBALANCE_IN_PROGRESS tells it to rejoin.
import { coordinatorCheck, GROUP_READ, groupAllowed, groupService } from '../coordinator/group/request-util.js';
import { ErrorCode } from '../protocol/errors.js';
import type { HeartbeatRequest, HeartbeatResponse } from '../protocol/generated/heartbeat.js';
import type { Input } from '../protocol/primitives.js';
import { defineHandler } from './context.js';
import { toError } from './util.js';

export default defineHandler<HeartbeatRequest>({
  apiKey: 12,
  handle(ctx, req): Input<HeartbeatResponse> {
    if (!groupAllowed(ctx, GROUP_READ, req.groupId)) return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED };
    const err = coordinatorCheck(ctx, req.groupId);
    if (err) return { throttleTimeMs: 0, errorCode: err };
    if (!req.groupId) return { throttleTimeMs: 0, errorCode: ErrorCode.INVALID_GROUP_ID };
    try {
      const group = groupService(ctx)!.classicGroup(req.groupId, false, 'UNKNOWN_MEMBER_ID');
      if (!group) return { throttleTimeMs: 0, errorCode: ErrorCode.UNKNOWN_MEMBER_ID };
      const errorCode = group.heartbeat(req.memberId, ctx.apiVersion >= 3 ? req.groupInstanceId : null, req.generationId);
      return { throttleTimeMs: 0, errorCode };
    } catch (e) {
      return { throttleTimeMs: 0, errorCode: toError(e, ctx).errorCode };
    }
  },
});
