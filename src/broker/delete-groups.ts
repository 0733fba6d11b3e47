// DeleteGroups (key 42): removes empty groups and their offsets (NON_EMPTY_GROUP while members remain).
import { coordinatorCheck, groupService } from '../coordinator/group/request-util.js';
import { ErrorCode } from '../protocol/errors.js';
import type { DeleteGroupsRequest, DeleteGroupsResponse } from '../protocol/generated/delete-groups.js';
import type { Input } from '../protocol/primitives.js';
import { defineHandler } from './context.js';

export default defineHandler<DeleteGroupsRequest>({
  apiKey: 42,
  async handle(ctx, req): Promise<Input<DeleteGroupsResponse>> {
    const results = new Map<string, number>();
    const mine: string[] = [];
    for (const id of req.groupsNames) {
      const err = coordinatorCheck(ctx, id);
      if (err) results.set(id, err);
      else if (!id) results.set(id, ErrorCode.INVALID_GROUP_ID);
      else if (ctx.services.acl?.canDeleteGroup && !ctx.services.acl.canDeleteGroup(ctx, id)) results.set(id, ErrorCode.GROUP_AUTHORIZATION_FAILED);
      else mine.push(id);
    }
    if (mine.length > 0) for (const [id, code] of await groupService(ctx)!.deleteGroups(mine)) results.set(id, code);
    return { throttleTimeMs: 0, results: req.groupsNames.map((groupId) => ({ groupId, errorCode: results.get(groupId) ?? ErrorCode.NONE })) };
  },
});
