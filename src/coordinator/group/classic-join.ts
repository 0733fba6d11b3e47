// The JoinGroup phase of a classic group (Kafka's classicGroupJoin, prepareRebalance, completeJoin):
// new and known members, static member replacement, MEMBER_ID_REQUIRED (KIP-394), protocol selection,
// leader election, group.initial.rebalance.delay.ms, and the deadline for SyncGroup after the join.
import { ErrorCode, type KafkaError } from '../../protocol/errors.js';
import { ClassicMember, joinError, syncError, type JoinResult, type MemberJoinInfo } from './classic-member.js';
import type { ClassicGroup } from './classic-group.js';

const JOIN = 'join';
const SYNC = 'sync';
const hbKey = (memberId: string) => `hb:${memberId}`;
const pendingKey = (memberId: string) => `pending:${memberId}`;

export function joinGroup(g: ClassicGroup, memberId: string, info: MemberJoinInfo, requireKnownMemberId: boolean, supportsSkipAssignment: boolean): JoinResult | Promise<JoinResult> {
  if (g.state === 'Dead') return joinError(ErrorCode.COORDINATOR_NOT_AVAILABLE, memberId);
  if (!g.supportsProtocols(info.protocolType, info.protocols)) return joinError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, memberId);
  if (memberId === '') return joinUnknown(g, info, requireKnownMemberId, supportsSkipAssignment);
  return joinKnown(g, memberId, info);
}

function isFull(g: ClassicGroup): boolean {
  return g.members.size + g.pendingMembers.size >= g.env.maxSize();
}

function joinUnknown(g: ClassicGroup, info: MemberJoinInfo, requireKnownMemberId: boolean, supportsSkipAssignment: boolean): JoinResult | Promise<JoinResult> {
  const instanceId = info.groupInstanceId;
  const newId = g.env.newMemberId(instanceId ?? info.clientId);
  if (instanceId !== null && g.staticMembers.has(instanceId)) return replaceStaticMember(g, g.staticMembers.get(instanceId)!, newId, info, supportsSkipAssignment);
  if (isFull(g)) return joinError(ErrorCode.GROUP_MAX_SIZE_REACHED, '');
  if (instanceId === null && requireKnownMemberId) {
    // KIP-394: the client must come back with this id; until then it only holds a place in the group.
    g.pendingMembers.add(newId);
    g.timers.schedule(pendingKey(newId), info.sessionTimeoutMs, () => {
      if (g.pendingMembers.delete(newId)) maybeCompleteJoin(g);
    });
    return joinError(ErrorCode.MEMBER_ID_REQUIRED, newId);
  }
  return addMemberAndRebalance(g, newId, info);
}

function joinKnown(g: ClassicGroup, memberId: string, info: MemberJoinInfo): JoinResult | Promise<JoinResult> {
  if (g.pendingMembers.has(memberId)) {
    g.pendingMembers.delete(memberId);
    g.timers.cancel(pendingKey(memberId));
    return addMemberAndRebalance(g, memberId, info);
  }
  try {
    g.validateMember(memberId, info.groupInstanceId, 'join-group');
  } catch (e) {
    return joinError((e as KafkaError).code, memberId);
  }
  const member = g.members.get(memberId)!;
  switch (g.state) {
    case 'PreparingRebalance':
      return updateMemberAndRebalance(g, member, info);
    case 'CompletingRebalance':
      // The member lost our JoinGroup answer: repeat it unless its subscription changed.
      if (member.sameProtocols(info.protocols)) return currentJoinResult(g, member, true);
      return updateMemberAndRebalance(g, member, info);
    case 'Stable':
      if (memberId === g.leaderId || !member.sameProtocols(info.protocols)) return updateMemberAndRebalance(g, member, info);
      return currentJoinResult(g, member, false);
    default:
      return joinError(ErrorCode.UNKNOWN_MEMBER_ID, memberId);
  }
}

function currentJoinResult(g: ClassicGroup, member: ClassicMember, withMembers: boolean, skipAssignment = false): JoinResult {
  const isLeader = member.memberId === g.leaderId;
  return {
    errorCode: ErrorCode.NONE,
    generationId: g.generationId,
    protocolType: g.protocolType,
    protocolName: g.protocolName,
    leader: g.leaderId ?? '',
    skipAssignment: isLeader && skipAssignment,
    memberId: member.memberId,
    members: isLeader && (withMembers || skipAssignment) ? memberList(g) : [],
  };
}

function memberList(g: ClassicGroup): JoinResult['members'] {
  return [...g.members.values()].map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: m.metadataFor(g.protocolName) }));
}

function awaitJoin(g: ClassicGroup, member: ClassicMember): Promise<JoinResult> {
  // A second JoinGroup from the same member supersedes the first; answer the old one so it does not hang.
  member.completeJoin(joinError(ErrorCode.REBALANCE_IN_PROGRESS, member.memberId));
  // While waiting to rejoin, the rebalance deadline rather than the session timeout governs the member.
  g.timers.cancel(hbKey(member.memberId));
  return new Promise<JoinResult>((resolve) => {
    member.joinWaiter = resolve;
  });
}

function addMemberAndRebalance(g: ClassicGroup, memberId: string, info: MemberJoinInfo): Promise<JoinResult> {
  const member = new ClassicMember(memberId, info);
  if (g.members.size === 0) g.protocolType = info.protocolType;
  g.members.set(memberId, member);
  if (member.isStatic) g.staticMembers.set(info.groupInstanceId!, memberId);
  if (g.leaderId === null) g.leaderId = memberId;
  if (g.initialDelayPending) g.newMemberAdded = true;
  const p = awaitJoin(g, member);
  maybePrepareRebalanceOrCompleteJoin(g, `member ${memberId} joined`);
  return p;
}

function updateMemberAndRebalance(g: ClassicGroup, member: ClassicMember, info: MemberJoinInfo): Promise<JoinResult> {
  member.info = info;
  const p = awaitJoin(g, member);
  maybePrepareRebalanceOrCompleteJoin(g, `member ${member.memberId} rejoined`);
  return p;
}

function maybePrepareRebalanceOrCompleteJoin(g: ClassicGroup, reason: string): void {
  // Called after the member started waiting: PreparingRebalance may now be complete.
  if (g.state === 'PreparingRebalance') maybeCompleteJoin(g);
  else prepareRebalance(g, reason);
}

/** A static member came back with a new member id: it takes over the old id's place (and assignment). */
function replaceStaticMember(g: ClassicGroup, oldId: string, newId: string, info: MemberJoinInfo, supportsSkipAssignment: boolean): JoinResult | Promise<JoinResult> {
  const member = g.members.get(oldId)!;
  member.completeJoin(joinError(ErrorCode.FENCED_INSTANCE_ID, oldId));
  member.completeSync(syncError(ErrorCode.FENCED_INSTANCE_ID));
  g.timers.cancel(hbKey(oldId));
  g.members.delete(oldId);
  member.memberId = newId;
  member.info = info;
  g.members.set(newId, member);
  g.staticMembers.set(info.groupInstanceId!, newId);
  if (g.leaderId === oldId) g.leaderId = newId;
  if (g.pendingSync.delete(oldId)) g.pendingSync.add(newId);
  g.env.logger.debug({ group: g.groupId, oldId, newId }, 'static member replaced');
  // A known static member rejoining a stable group keeps generation and assignment: no rebalance unless the
  // protocol the group would select changes. The leader is told to skip the assignment (v9+, KIP-814); older
  // leaders get no member list, so whatever they send in SyncGroup is ignored, as in Kafka.
  if (g.state === 'Stable' && g.selectProtocol() === g.protocolName) {
    g.scheduleHeartbeat(member);
    g.env.persist(g);
    return currentJoinResult(g, member, false, newId === g.leaderId && supportsSkipAssignment);
  }
  // In CompletingRebalance the leader may already be assigning to the old member id: rebalance again.
  return updateMemberAndRebalance(g, member, info);
}

export function prepareRebalance(g: ClassicGroup, reason: string): void {
  if (g.state === 'Dead') return;
  if (g.state === 'CompletingRebalance') {
    // Assignments of the generation being synced are void: tell waiting members to rejoin.
    for (const m of g.members.values()) {
      m.assignment = Buffer.alloc(0);
      m.completeSync(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
    }
  }
  g.timers.cancel(SYNC);
  g.pendingSync.clear();
  const initial = g.state === 'Empty';
  g.transition('PreparingRebalance');
  g.env.logger.debug({ group: g.groupId, reason, generation: g.generationId }, 'preparing rebalance');
  const delay = g.env.initialRebalanceDelayMs();
  if (initial && delay > 0) {
    g.newMemberAdded = false;
    g.initialDelayPending = true;
    const timeout = g.rebalanceTimeoutMs();
    scheduleInitialJoin(g, Math.min(delay, timeout), Math.max(timeout - delay, 0));
    return;
  }
  g.timers.schedule(JOIN, g.rebalanceTimeoutMs(), () => completeJoin(g));
  maybeCompleteJoin(g);
}

/** group.initial.rebalance.delay.ms: wait for more members, extending while new ones keep arriving. */
function scheduleInitialJoin(g: ClassicGroup, delayMs: number, remainingMs: number): void {
  g.timers.schedule(JOIN, delayMs, () => {
    if (g.newMemberAdded && remainingMs > 0) {
      g.newMemberAdded = false;
      const d = Math.min(g.env.initialRebalanceDelayMs(), remainingMs);
      scheduleInitialJoin(g, d, Math.max(remainingMs - d, 0));
    } else completeJoin(g);
  });
}

function allMembersJoined(g: ClassicGroup): boolean {
  if (g.pendingMembers.size > 0) return false;
  for (const m of g.members.values()) if (!m.joinWaiter) return false;
  return true;
}

export function maybeCompleteJoin(g: ClassicGroup): void {
  // During a delayed initial rebalance the delay timer decides, as Kafka's InitialDelayedJoin does.
  if (g.state !== 'PreparingRebalance' || g.initialDelayPending) return;
  if (allMembersJoined(g)) completeJoin(g);
}

export function completeJoin(g: ClassicGroup): void {
  if (g.state !== 'PreparingRebalance') return;
  g.timers.cancel(JOIN);
  g.initialDelayPending = false;
  // Dynamic members that did not rejoin in time are out; static ones keep their place (they may be restarting).
  for (const m of [...g.members.values()]) if (!m.joinWaiter && !m.isStatic) g.removeMemberInternal(m, ErrorCode.UNKNOWN_MEMBER_ID);
  if (g.members.size > 0 && (g.leaderId === null || !g.members.get(g.leaderId)?.joinWaiter)) {
    const joined = [...g.members.values()].find((m) => m.joinWaiter);
    if (!joined) {
      // Only static members that have not rejoined: give them another rebalance timeout.
      g.timers.schedule(JOIN, g.rebalanceTimeoutMs(), () => completeJoin(g));
      return;
    }
    g.leaderId = joined.memberId;
  }
  g.generationId++;
  if (g.members.size === 0) {
    g.protocolName = null;
    g.leaderId = null;
    g.transition('Empty');
    g.env.persist(g);
    g.env.logger.debug({ group: g.groupId, generation: g.generationId }, 'group is empty');
    return;
  }
  g.protocolName = g.selectProtocol();
  g.transition('CompletingRebalance');
  g.env.logger.debug({ group: g.groupId, generation: g.generationId, protocol: g.protocolName, leader: g.leaderId, members: g.members.size }, 'join phase complete');
  for (const m of g.members.values()) {
    m.isNew = false;
    if (!m.joinWaiter) continue;
    const r = currentJoinResult(g, m, true);
    m.completeJoin(r);
    g.pendingSync.add(m.memberId);
    g.scheduleHeartbeat(m);
  }
  g.timers.schedule(SYNC, g.rebalanceTimeoutMs(), () => onSyncTimeout(g));
  g.env.persist(g);
}

/** Members that never sent SyncGroup after the join phase are removed, and the group rebalances. */
function onSyncTimeout(g: ClassicGroup): void {
  if (g.pendingSync.size === 0 || (g.state !== 'CompletingRebalance' && g.state !== 'Stable')) return;
  const late = [...g.pendingSync];
  g.pendingSync.clear();
  for (const id of late) {
    const m = g.members.get(id);
    if (m) g.removeMemberInternal(m, ErrorCode.UNKNOWN_MEMBER_ID);
  }
  g.afterMembersRemoved(`members ${late.join(', ')} failed to sync`);
}
