// SyncGroup (key 14): the leader hands in the assignments, every member waits for its own.
import { syncError, type SyncResult } from '../coordinator/group/classic-member.js';
import { coordinatorCheck, GROUP_READ, groupAllowed, groupService } from '../coordinator/group/request-util.js';
import { ErrorCode } from '../protocol/errors.js';
import type { SyncGroupRequest, SyncGroupResponse } from '../protocol/generated/sync-group.js';
import type { Input } from '../protocol/primitives.js';
import { defineHandler } from './context.js';
import { toError } from './util.js';

export default defineHandler<SyncGroupRequest>({
  apiKey: 14,
  async handle(ctx, req): Promise<Input<SyncGroupResponse>> {
    const v = ctx.apiVersion;
    const respond = (r: SyncResult): Input<SyncGroupResponse> => ({ throttleTimeMs: 0, ...r });
    if (!groupAllowed(ctx, GROUP_READ, req.groupId)) return respond(syncError(ErrorCode.GROUP_AUTHORIZATION_FAILED));
    const err = coordinatorCheck(ctx, req.groupId);
    if (err) return respond(syncError(err));
    if (!req.groupId) return respond(syncError(ErrorCode.INVALID_GROUP_ID));
    let group;
    try {
      group = groupService(ctx)!.classicGroup(req.groupId, false, 'UNKNOWN_MEMBER_ID');
    } catch (e) {
      return respond(syncError(toError(e, ctx).errorCode));
    }
    if (!group) return respond(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    const r = await group.sync(
      req.memberId,
      v >= 3 ? req.groupInstanceId : null,
      req.generationId,
      v >= 5 ? req.protocolType : null,
      v >= 5 ? req.protocolName : null,
      req.assignments.map((a) => ({ memberId: a.memberId, assignment: Buffer.from(a.assignment) })),
    );
    return respond(r);
  },
});
