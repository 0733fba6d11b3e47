// ShareGroupHeartbeat (key 76, KIP-932): join, heartbeat and leave a share group. Members generate their own ids
// (v1); the coordinator answers with the member epoch and, when it changed or was asked for, the assignment.
import { clientHost, coordinatorCheck, GROUP_READ, groupAllowed, groupService } from '../coordinator/group/request-util.js';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import type { ShareGroupHeartbeatRequest, ShareGroupHeartbeatResponse } from '../protocol/generated/share-group-heartbeat.js';
import type { Input } from '../protocol/primitives.js';
import { topicAllowed } from './admin-acl.js';
import { defineHandler } from './context.js';
import { shareGroupsEnabled } from './share-util.js';
import { toError } from './util.js';

/** Kafka's GroupCoordinatorService checks, with its messages. */
function validate(req: ShareGroupHeartbeatRequest): void {
  const invalid = (msg: string) => new KafkaError('INVALID_REQUEST', msg);
  if (!req.memberId) throw invalid("MemberId can't be empty.");
  if (!req.groupId) throw invalid("GroupId can't be empty.");
  if (req.rackId === '') throw invalid("RackId can't be empty.");
  if (req.memberEpoch === 0 && !req.subscribedTopicNames?.length) throw invalid('SubscribedTopicNames must be set in first request.');
  if (req.memberEpoch < -1) throw invalid('MemberEpoch is invalid.');
}

export default defineHandler<ShareGroupHeartbeatRequest>({
  apiKey: 76,
  minVersion: 1, // v0 was Kafka 4.0's early-access version, removed in 4.1
  handle(ctx, req): Input<ShareGroupHeartbeatResponse> {
    const fail = (errorCode: number, errorMessage: string | null = null): Input<ShareGroupHeartbeatResponse> =>
      ({ throttleTimeMs: 0, errorCode, errorMessage, memberId: null, memberEpoch: -1, heartbeatIntervalMs: 0, assignment: null });
    if (!shareGroupsEnabled(ctx)) return fail(ErrorCode.UNSUPPORTED_VERSION, 'Share groups are not enabled (share.version is 0).');
    if (!groupAllowed(ctx, GROUP_READ, req.groupId)) return fail(ErrorCode.GROUP_AUTHORIZATION_FAILED);
    if (req.subscribedTopicNames?.some((t) => !topicAllowed(ctx, 'DESCRIBE', t))) return fail(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    const err = coordinatorCheck(ctx, req.groupId);
    if (err) return fail(err);
    try {
      validate(req);
      const group = groupService(ctx)!.shareGroup(req.groupId, req.memberEpoch === 0);
      const r = group.heartbeat({
        memberId: req.memberId,
        memberEpoch: req.memberEpoch,
        rackId: req.rackId,
        subscribedTopicNames: req.subscribedTopicNames,
        clientId: ctx.header.clientId ?? '',
        clientHost: clientHost(ctx),
      });
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, ...r };
    } catch (e) {
      const x = toError(e, ctx);
      return fail(x.errorCode, x.errorMessage);
    }
  },
});
