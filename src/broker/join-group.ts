// JoinGroup (key 11): classic group membership. The answer waits until the join phase completes (every
// member rejoined, the rebalance timeout passed, or group.initial.rebalance.delay.ms for a new group).
import { joinError, type JoinResult } from '../coordinator/group/classic-member.js';
import { clientHost, coordinatorCheck, GROUP_READ, groupAllowed, groupService } from '../coordinator/group/request-util.js';
import { ErrorCode } from '../protocol/errors.js';
import type { JoinGroupRequest, JoinGroupResponse } from '../protocol/generated/join-group.js';
import type { Input } from '../protocol/primitives.js';
import { defineHandler } from './context.js';
import { toError } from './util.js';

export default defineHandler<JoinGroupRequest>({
  apiKey: 11,
  async handle(ctx, req): Promise<Input<JoinGroupResponse>> {
    const v = ctx.apiVersion;
    const respond = (r: JoinResult): Input<JoinGroupResponse> => ({
      throttleTimeMs: 0,
      ...r,
      // Before v7 the protocol name is not nullable.
      protocolName: r.protocolName ?? (v >= 7 ? null : ''),
      members: r.members,
    });
    if (!groupAllowed(ctx, GROUP_READ, req.groupId)) return respond(joinError(ErrorCode.GROUP_AUTHORIZATION_FAILED, req.memberId));
    const err = coordinatorCheck(ctx, req.groupId);
    if (err) return respond(joinError(err, req.memberId));
    if (!req.groupId) return respond(joinError(ErrorCode.INVALID_GROUP_ID, req.memberId));
    const cfg = ctx.cluster.config;
    if (req.sessionTimeoutMs < cfg.int('group.min.session.timeout.ms') || req.sessionTimeoutMs > cfg.int('group.max.session.timeout.ms')) {
      return respond(joinError(ErrorCode.INVALID_SESSION_TIMEOUT, req.memberId));
    }
    const groups = groupService(ctx)!;
    let group;
    try {
      // A classic member cannot join a group running the consumer (KIP-848) protocol with members.
      group = groups.classicGroup(req.groupId, req.memberId === '', 'INCONSISTENT_GROUP_PROTOCOL');
    } catch (e) {
      return respond(joinError(toError(e, ctx).errorCode, req.memberId));
    }
    if (!group) return respond(joinError(ErrorCode.UNKNOWN_MEMBER_ID, req.memberId));
    const result = await group.join(req.memberId, {
      groupInstanceId: v >= 5 ? req.groupInstanceId : null,
      clientId: ctx.header.clientId ?? '',
      clientHost: clientHost(ctx),
      sessionTimeoutMs: req.sessionTimeoutMs,
      rebalanceTimeoutMs: v >= 1 && req.rebalanceTimeoutMs > 0 ? req.rebalanceTimeoutMs : req.sessionTimeoutMs,
      protocolType: req.protocolType,
      protocols: req.protocols.map((p) => ({ name: p.name, metadata: Buffer.from(p.metadata) })),
    }, v >= 4, v >= 9);
    return respond(result);
  },
});

