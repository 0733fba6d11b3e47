// What the share-group handlers share (KIP-932): the on/off switch, the checks of the admin APIs, the share session a
// ShareFetch or ShareAcknowledge continues, applying a partition's acknowledgements, and the leader hints sent with
// NOT_LEADER_OR_FOLLOWER.
import { coordinatorCheck, groupAllowed, groupService } from '../coordinator/group/request-util.js';
import { ShareGroup } from '../coordinator/share/share-group.js';
import { AckError } from '../coordinator/share/share-partition.js';
import type { ShareSession } from '../coordinator/share/share-sessions.js';
import { ErrorCode, errorName, KafkaError, type ErrorName } from '../protocol/errors.js';
import type { RequestContext } from './context.js';
import { endpointFor, leaderError } from './util.js';

/** The share.version feature: 1 unless group.share.enable=false at start-up or an UpdateFeatures set it to 0. */
export function shareGroupsEnabled(ctx: RequestContext): boolean {
  return ctx.cluster.features.level('share.version') >= 1;
}

export function shareServices(ctx: RequestContext) {
  const g = groupService(ctx)!;
  return { groups: g, state: g.shareState, sessions: g.shareSessions };
}

/** INVALID_REQUEST for a request without a group or member id (Kafka's ShareFetch/ShareAcknowledge checks). */
export function checkIds(groupId: string | null, memberId: string | null): void {
  if (!groupId) throw new KafkaError('INVALID_REQUEST', 'Group id must be set.');
  if (!memberId) throw new KafkaError('INVALID_REQUEST', 'Member id must be set.');
}

/**
 * The share group an admin request (Describe/Alter/DeleteShareGroupOffsets) names, after Kafka's checks in order:
 * switched on, authorized (`op`), coordinated here, an id, a share group (created when `create`).
 */
export function adminShareGroup(ctx: RequestContext, groupId: string, op: number, create = false): ShareGroup {
  if (!shareGroupsEnabled(ctx)) throw new KafkaError('UNSUPPORTED_VERSION', 'Share groups are not enabled (share.version is 0).');
  if (!groupAllowed(ctx, op, groupId)) throw new KafkaError('GROUP_AUTHORIZATION_FAILED');
  const err = coordinatorCheck(ctx, groupId);
  if (err) throw new KafkaError(errorName(err) as ErrorName);
  if (!groupId) throw new KafkaError('INVALID_GROUP_ID', 'The group id must not be empty.');
  const g = groupService(ctx)!.group(groupId);
  if (!g && create) return groupService(ctx)!.shareGroup(groupId, true);
  if (!(g instanceof ShareGroup)) throw new KafkaError('GROUP_ID_NOT_FOUND', g ? `Group ${groupId} is not a share group.` : `Group ${groupId} not found.`);
  return g;
}

/** The session a ShareFetch / ShareAcknowledge continues (not for ShareFetch's epoch 0, which opens one). */
export function continuedSession(ctx: RequestContext, groupId: string, memberId: string, epoch: number): ShareSession {
  return shareServices(ctx).sessions.current(ctx.broker.nodeId, groupId, memberId, epoch);
}

export interface LeaderHint {
  errorCode: number;
  currentLeader: { leaderId: number; leaderEpoch: number };
}

const NO_LEADER = { leaderId: -1, leaderEpoch: -1 };

/** NONE for a partition this broker leads; otherwise the error and who leads it (clients move their session there). */
export function leaderHint(ctx: RequestContext, topicId: string, partition: number, endpoints: Map<number, { nodeId: number; host: string; port: number; rack: string | null }>): LeaderHint {
  const t = ctx.cluster.topicsById.get(topicId);
  const p = t?.partitions[partition];
  if (!t) return { errorCode: ErrorCode.UNKNOWN_TOPIC_ID, currentLeader: NO_LEADER };
  if (!p) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, currentLeader: NO_LEADER };
  const errorCode = leaderError(ctx, p);
  if (errorCode === ErrorCode.NONE) return { errorCode, currentLeader: NO_LEADER };
  const leader = ctx.cluster.broker(p.leader);
  const e = leader && endpointFor(leader, ctx.endpoint);
  if (leader && e) endpoints.set(leader.nodeId, { nodeId: leader.nodeId, host: e.advertisedHost, port: e.advertisedPort, rack: leader.rack });
  return { errorCode, currentLeader: { leaderId: p.leader, leaderEpoch: p.leaderEpoch } };
}

/** Applies one partition's acknowledgements; the error code and message for the response. */
export function acknowledgePartition(
  ctx: RequestContext,
  s: ShareSession,
  topicId: string,
  partition: number,
  batches: { firstOffset: number; lastOffset: number; acknowledgeTypes: number[] }[],
): { errorCode: number; errorMessage: string | null } {
  const sp = shareServices(ctx).state.get(s.groupId, topicId, partition);
  if (!sp) return { errorCode: ErrorCode.INVALID_RECORD_STATE, errorMessage: 'Batch record not found. The request batch offsets are not found in the cache.' };
  try {
    sp.acknowledge(s.memberId, batches);
    return { errorCode: ErrorCode.NONE, errorMessage: null };
  } catch (e) {
    if (e instanceof AckError) return { errorCode: ErrorCode[e.code], errorMessage: e.message };
    throw e;
  }
}
