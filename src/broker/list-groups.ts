// ListGroups (key 16): the groups this broker coordinates, optionally filtered by state (v4+) and type (v5+).
import { groupService } from '../coordinator/group/request-util.js';
import { ErrorCode } from '../protocol/errors.js';
import type { ListGroupsRequest, ListGroupsResponse } from '../protocol/generated/list-groups.js';
import type { Input } from '../protocol/primitives.js';
import { defineHandler } from './context.js';

export default defineHandler<ListGroupsRequest>({
  apiKey: 16,
  handle(ctx, req): Input<ListGroupsResponse> {
    const groups = groupService(ctx);
    if (!groups) return { throttleTimeMs: 0, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, groups: [] };
    const v = ctx.apiVersion;
    // Kafka matches the filters case-insensitively.
    const states = new Set((v >= 4 ? req.statesFilter : []).map((s) => s.toLowerCase()));
    const types = new Set((v >= 5 ? req.typesFilter : []).map((s) => s.toLowerCase()));
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      groups: groups.groupsOf(ctx.broker)
        .filter((g) => (states.size === 0 || states.has(g.stateName().toLowerCase())) && (types.size === 0 || types.has(g.type)))
        .filter((g) => ctx.services.acl?.canDescribeGroup?.(ctx, g.groupId) ?? true)
        .map((g) => ({ groupId: g.groupId, protocolType: g.listedProtocolType(), groupState: g.stateName(), groupType: g.type })),
    };
  },
});
