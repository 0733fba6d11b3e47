// ConsumerGroupHeartbeat (key 68, KIP-848): join, heartbeat, reconcile and leave in one API. The broker runs
// the assignor; the response carries the member epoch and, when it changed, the member's assignment.
// v1 requires client-generated member ids and adds subscription by regex.
import { newUuid } from '../cluster/cluster.js';
import { clientHost, coordinatorCheck, GROUP_READ, groupAllowed, groupService } from '../coordinator/group/request-util.js';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import type { ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponse } from '../protocol/generated/consumer-group-heartbeat.js';
import type { Input } from '../protocol/primitives.js';
import { topicAllowed } from './admin-acl.js';
import { defineHandler } from './context.js';
import { toError } from './util.js';

function validate(v: number, req: ConsumerGroupHeartbeatRequest, assignors: string[]): void {
  const invalid = (msg: string) => new KafkaError('INVALID_REQUEST', msg);
  if (!req.groupId) throw invalid("GroupId can't be empty.");
  if (req.rackId === '') throw invalid("RackId can't be empty.");
  if (req.instanceId === '') throw invalid("InstanceId can't be empty.");
  if (v >= 1 && !req.memberId) throw invalid("MemberId can't be empty.");
  if (req.memberEpoch < -2) throw invalid(`MemberEpoch is ${req.memberEpoch}, but must be greater than or equal to -2.`);
  if (req.memberEpoch === 0) {
    if (req.rebalanceTimeoutMs === -1) throw invalid('RebalanceTimeoutMs must be provided in first request.');
    if (req.topicPartitions === null || req.topicPartitions.length > 0) throw invalid('TopicPartitions must be empty when (re-)joining.');
    const hasNames = req.subscribedTopicNames !== null && req.subscribedTopicNames.length > 0;
    const hasRegex = v >= 1 && req.subscribedTopicRegex !== null && req.subscribedTopicRegex !== '';
    if (!hasNames && !hasRegex) throw invalid('SubscribedTopicNames or SubscribedTopicRegex must be set in first request.');
  } else if (req.memberEpoch === -2 && req.instanceId === null) {
    throw invalid("InstanceId can't be null.");
  }
  if (req.serverAssignor !== null && !assignors.includes(req.serverAssignor)) {
    throw new KafkaError('UNSUPPORTED_ASSIGNOR', `ServerAssignor ${req.serverAssignor} is not supported. Supported assignors: ${assignors.join(', ')}.`);
  }
}

export default defineHandler<ConsumerGroupHeartbeatRequest>({
  apiKey: 68,
  handle(ctx, req): Input<ConsumerGroupHeartbeatResponse> {
    const v = ctx.apiVersion;
    const fail = (errorCode: number, errorMessage: string | null = null): Input<ConsumerGroupHeartbeatResponse> =>
      ({ throttleTimeMs: 0, errorCode, errorMessage, memberId: null, memberEpoch: -1, heartbeatIntervalMs: 0, assignment: null });
    // group.version 0 (UpdateFeatures) turns the KIP-848 protocol off; Kafka answers before any other check.
    if (ctx.cluster.features.level('group.version') < 1) return fail(ErrorCode.UNSUPPORTED_VERSION);
    if (!groupAllowed(ctx, GROUP_READ, req.groupId)) return fail(ErrorCode.GROUP_AUTHORIZATION_FAILED);
    // Kafka refuses the whole heartbeat when one subscribed name may not be described (KafkaApis), so a
    // member never gets an assignment it cannot use.
    if (req.subscribedTopicNames?.some((t) => !topicAllowed(ctx, 'DESCRIBE', t))) return fail(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    const err = coordinatorCheck(ctx, req.groupId);
    if (err) return fail(err);
    const assignors = (ctx.cluster.config.get('group.consumer.assignors') ?? 'uniform,range').split(',').map((s) => s.trim()).filter(Boolean);
    try {
      validate(v, req, assignors);
      const group = groupService(ctx)!.consumerGroup(req.groupId, req.memberEpoch === 0);
      // v0 lets the coordinator pick the member id of a joining member.
      const memberId = req.memberId || newUuid();
      const r = group.heartbeat({
        memberId,
        memberEpoch: req.memberEpoch,
        instanceId: req.instanceId,
        rackId: req.rackId,
        rebalanceTimeoutMs: req.rebalanceTimeoutMs,
        subscribedTopicNames: req.subscribedTopicNames,
        subscribedTopicRegex: v >= 1 ? req.subscribedTopicRegex : null,
        serverAssignor: req.serverAssignor,
        topicPartitions: req.topicPartitions,
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
