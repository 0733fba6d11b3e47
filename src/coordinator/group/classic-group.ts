// A classic (JoinGroup/SyncGroup) group: Kafka's ClassicGroup state machine.
//   Empty -> PreparingRebalance (a member joins) -> CompletingRebalance (every member rejoined or the
//   rebalance timeout hit: generation+1, the leader gets the member list) -> Stable (the leader's SyncGroup
//   carries the assignments) -> PreparingRebalance (a member joins, leaves, dies or changes subscription).
// JoinGroup and SyncGroup answers are callbacks completed later; every path that drops a member completes
// its pending callbacks, so no request waits forever. The join phase itself lives in classic-join.ts.
import type { Logger } from 'pino';
import { ErrorCode, KafkaError } from '../../protocol/errors.js';
import { ClassicMember, joinError, syncError, type JoinResult, type MemberJoinInfo, type Protocol, type SyncResult } from './classic-member.js';
import { completeJoin, joinGroup, maybeCompleteJoin, prepareRebalance } from './classic-join.js';
import { decodeSubscriptionTopics } from './consumer-protocol.js';
import { GroupBase } from './group.js';
import { Timers } from './timers.js';

export type ClassicState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

export interface GroupEnv {
  logger: Logger;
  initialRebalanceDelayMs(): number;
  maxSize(): number;
  /** Schedules a (coalesced) write of this group's changed metadata and offsets. */
  persist(group: GroupBase): void;
  newMemberId(prefix: string): string;
}

const SYNC = 'sync';
const hbKey = (memberId: string) => `hb:${memberId}`;
const pendingKey = (memberId: string) => `pending:${memberId}`;

export class ClassicGroup extends GroupBase {
  readonly type = 'classic' as const;
  state: ClassicState = 'Empty';
  generationId = 0;
  protocolType: string | null = null;
  protocolName: string | null = null;
  leaderId: string | null = null;
  readonly members = new Map<string, ClassicMember>();
  /** Members told MEMBER_ID_REQUIRED that have not rejoined yet (JoinGroup v4+). */
  readonly pendingMembers = new Set<string>();
  readonly staticMembers = new Map<string, string>();
  /** Members of the current generation that have not sent SyncGroup yet. */
  readonly pendingSync = new Set<string>();
  /** A new member joined during the initial (delayed) rebalance. */
  newMemberAdded = false;
  /** The join phase waits for group.initial.rebalance.delay.ms rather than for all members. */
  initialDelayPending = false;
  readonly timers = new Timers();

  constructor(groupId: string, readonly env: GroupEnv) {
    super(groupId);
  }

  stateName(): string {
    return this.state;
  }
  listedProtocolType(): string {
    return this.protocolType ?? '';
  }
  isEmpty(): boolean {
    return this.state === 'Empty';
  }
  isDead(): boolean {
    return this.state === 'Dead';
  }
  transition(s: ClassicState): void {
    this.state = s;
    this.stateTimestamp = Date.now();
  }

  /** Topics the members subscribe to, read from their consumer-protocol metadata (only for protocolType consumer). */
  subscribedTopics(): Set<string> | null {
    if (this.protocolType !== 'consumer' || this.state === 'Empty' || this.state === 'Dead') return null;
    const out = new Set<string>();
    for (const m of this.members.values()) {
      for (const t of decodeSubscriptionTopics(m.metadataFor(this.protocolName ?? m.info.protocols[0]?.name)) ?? []) out.add(t);
    }
    return out;
  }
  isSubscribedToTopic(topic: string): boolean {
    return this.subscribedTopics()?.has(topic) ?? false;
  }

  rebalanceTimeoutMs(): number {
    let max = 0;
    for (const m of this.members.values()) max = Math.max(max, m.info.rebalanceTimeoutMs);
    return max;
  }

  /** Protocols every member supports, as JoinGroup's INCONSISTENT_GROUP_PROTOCOL check needs. */
  private candidateProtocols(): Set<string> {
    const counts = new Map<string, number>();
    for (const m of this.members.values()) for (const p of m.info.protocols) counts.set(p.name, (counts.get(p.name) ?? 0) + 1);
    return new Set([...counts].filter(([, n]) => n === this.members.size).map(([name]) => name));
  }

  supportsProtocols(protocolType: string, protocols: Protocol[]): boolean {
    if (this.state === 'Empty') return protocolType !== '' && protocols.length > 0;
    const candidates = this.candidateProtocols();
    return protocolType === this.protocolType && protocols.some((p) => candidates.has(p.name));
  }

  /** Each member votes for its most preferred protocol among those all support; most votes wins. */
  selectProtocol(): string | null {
    const candidates = this.candidateProtocols();
    const votes = new Map<string, number>();
    for (const m of this.members.values()) {
      const v = m.vote(candidates);
      if (v) votes.set(v, (votes.get(v) ?? 0) + 1);
    }
    let best: string | null = null;
    let bestVotes = 0;
    for (const [name, n] of votes) if (n > bestVotes) [best, bestVotes] = [name, n];
    return best;
  }

  /** Kafka's validateMember: static members are checked by instance id, which fences stale member ids. */
  validateMember(memberId: string, groupInstanceId: string | null, op: string): void {
    if (groupInstanceId !== null) {
      const existing = this.staticMembers.get(groupInstanceId);
      if (existing === undefined) throw new KafkaError('UNKNOWN_MEMBER_ID', `Member ${memberId} is not a member of group ${this.groupId}.`);
      if (existing !== memberId) {
        throw new KafkaError('FENCED_INSTANCE_ID', `Static member ${memberId} with instance id ${groupInstanceId} is fenced by existing member ${existing} (${op}).`);
      }
    } else if (!this.members.has(memberId)) {
      throw new KafkaError('UNKNOWN_MEMBER_ID', `Member ${memberId} is not a member of group ${this.groupId}.`);
    }
  }

  // ---- JoinGroup (classic-join.ts) ----------------------------------------------------------------------

  join(memberId: string, info: MemberJoinInfo, requireKnownMemberId: boolean, supportsSkipAssignment: boolean): JoinResult | Promise<JoinResult> {
    return joinGroup(this, memberId, info, requireKnownMemberId, supportsSkipAssignment);
  }

  prepareRebalance(reason: string): void {
    prepareRebalance(this, reason);
  }

  maybeCompleteJoin(): void {
    maybeCompleteJoin(this);
  }

  // ---- SyncGroup / Heartbeat ---------------------------------------------------------------------------

  sync(memberId: string, groupInstanceId: string | null, generationId: number, protocolType: string | null, protocolName: string | null,
    assignments: { memberId: string; assignment: Buffer }[]): SyncResult | Promise<SyncResult> {
    if (this.state === 'Dead') return syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    try {
      this.validateMember(memberId, groupInstanceId, 'sync-group');
    } catch (e) {
      return syncError((e as KafkaError).code);
    }
    if (generationId !== this.generationId) return syncError(ErrorCode.ILLEGAL_GENERATION);
    if ((protocolType !== null && protocolType !== this.protocolType) || (protocolName !== null && protocolName !== this.protocolName)) {
      return syncError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    }
    const member = this.members.get(memberId)!;
    switch (this.state) {
      case 'Empty':
        return syncError(ErrorCode.UNKNOWN_MEMBER_ID);
      case 'PreparingRebalance':
        return syncError(ErrorCode.REBALANCE_IN_PROGRESS);
      case 'CompletingRebalance': {
        this.removePendingSync(memberId);
        this.scheduleHeartbeat(member);
        member.completeSync(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
        const p = new Promise<SyncResult>((resolve) => {
          member.syncWaiter = resolve;
        });
        if (memberId === this.leaderId) {
          const byMember = new Map(assignments.map((a) => [a.memberId, a.assignment]));
          for (const m of this.members.values()) m.assignment = byMember.get(m.memberId) ?? Buffer.alloc(0);
          this.transition('Stable');
          this.env.persist(this);
          this.env.logger.debug({ group: this.groupId, generation: this.generationId }, 'group stable');
          for (const m of this.members.values()) m.completeSync(this.syncResult(m));
        }
        return p;
      }
      default:
        this.removePendingSync(memberId);
        this.scheduleHeartbeat(member);
        return this.syncResult(member);
    }
  }

  private syncResult(m: ClassicMember): SyncResult {
    return { errorCode: ErrorCode.NONE, protocolType: this.protocolType, protocolName: this.protocolName, assignment: m.assignment };
  }

  removePendingSync(memberId: string): void {
    if (this.pendingSync.delete(memberId) && this.pendingSync.size === 0) this.timers.cancel(SYNC);
  }

  heartbeat(memberId: string, groupInstanceId: string | null, generationId: number): number {
    if (this.state === 'Dead') return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    try {
      this.validateMember(memberId, groupInstanceId, 'heartbeat');
    } catch (e) {
      return (e as KafkaError).code;
    }
    if (generationId !== this.generationId) return ErrorCode.ILLEGAL_GENERATION;
    const member = this.members.get(memberId)!;
    switch (this.state) {
      case 'Empty':
        return ErrorCode.UNKNOWN_MEMBER_ID;
      case 'PreparingRebalance':
        this.scheduleHeartbeat(member);
        return ErrorCode.REBALANCE_IN_PROGRESS;
      default:
        this.scheduleHeartbeat(member);
        return ErrorCode.NONE;
    }
  }

  /** Restarts the member's session timer (heartbeats, syncs, commits in Stable/PreparingRebalance). */
  scheduleHeartbeat(m: ClassicMember): void {
    if (m.joinWaiter) return;
    const id = m.memberId;
    this.timers.schedule(hbKey(id), m.info.sessionTimeoutMs, () => this.expireSession(id));
  }

  private expireSession(id: string): void {
    const cur = this.members.get(id);
    if (!cur || cur.joinWaiter) return;
    this.env.logger.info({ group: this.groupId, member: id }, 'member session expired');
    this.removeMemberInternal(cur, ErrorCode.UNKNOWN_MEMBER_ID);
    this.afterMembersRemoved(`member ${id} session expired`);
  }

  /** Sessions past their deadline whose timers have not fired yet expire now (Timers.runIfDue). */
  expireOverdueSessions(): void {
    for (const id of [...this.members.keys()]) this.timers.runIfDue(hbKey(id));
  }

  touchMember(memberId: string): void {
    const m = this.members.get(memberId);
    if (m && (this.state === 'Stable' || this.state === 'PreparingRebalance')) this.scheduleHeartbeat(m);
  }

  // ---- LeaveGroup and removal --------------------------------------------------------------------------

  leave(identities: { memberId: string; groupInstanceId: string | null }[]): { errorCode: number; members: { memberId: string; groupInstanceId: string | null; errorCode: number }[] } {
    if (this.state === 'Dead') return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, members: [] };
    const out = [];
    const leaving: ClassicMember[] = [];
    let pendingRemoved = false;
    for (const id of identities) {
      let errorCode: number = ErrorCode.NONE;
      if (id.groupInstanceId === null) {
        if (this.pendingMembers.delete(id.memberId)) {
          this.timers.cancel(pendingKey(id.memberId));
          pendingRemoved = true;
        } else if (!this.members.has(id.memberId)) errorCode = ErrorCode.UNKNOWN_MEMBER_ID;
        else leaving.push(this.members.get(id.memberId)!);
      } else {
        const existing = this.staticMembers.get(id.groupInstanceId);
        if (existing === undefined) errorCode = ErrorCode.UNKNOWN_MEMBER_ID;
        else if (id.memberId !== '' && existing !== id.memberId) errorCode = ErrorCode.FENCED_INSTANCE_ID;
        else leaving.push(this.members.get(existing)!);
      }
      out.push({ memberId: id.memberId, groupInstanceId: id.groupInstanceId, errorCode });
    }
    for (const m of new Set(leaving)) this.removeMemberInternal(m, ErrorCode.UNKNOWN_MEMBER_ID);
    if (leaving.length > 0) this.afterMembersRemoved(`${leaving.length} member(s) left`);
    else if (pendingRemoved) this.maybeCompleteJoin();
    return { errorCode: ErrorCode.NONE, members: out };
  }

  removeMemberInternal(m: ClassicMember, errorCode: number): void {
    this.members.delete(m.memberId);
    if (m.groupInstanceId !== null && this.staticMembers.get(m.groupInstanceId) === m.memberId) this.staticMembers.delete(m.groupInstanceId);
    this.timers.cancel(hbKey(m.memberId));
    this.pendingSync.delete(m.memberId);
    m.completeJoin(joinError(errorCode, m.memberId));
    m.completeSync(syncError(errorCode));
    if (this.leaderId === m.memberId) this.leaderId = this.members.keys().next().value ?? null;
  }

  afterMembersRemoved(reason: string): void {
    switch (this.state) {
      case 'Stable':
      case 'CompletingRebalance':
        this.prepareRebalance(reason);
        break;
      case 'PreparingRebalance':
        if (this.members.size === 0) completeJoin(this);
        else this.maybeCompleteJoin();
        break;
    }
  }

  // ---- offsets, describe, delete -------------------------------------------------------------------------

  validateOffsetCommit(memberId: string, groupInstanceId: string | null, generationId: number, transactional: boolean): void {
    if (this.state === 'Dead') throw new KafkaError('COORDINATOR_NOT_AVAILABLE', `Group ${this.groupId} is dead.`);
    // Generation -1 comes from the admin client or a consumer without group management: fine while empty.
    if (generationId < 0 && this.state === 'Empty') return;
    if (generationId >= 0 || memberId !== '' || groupInstanceId !== null) {
      this.validateMember(memberId, groupInstanceId, transactional ? 'txn-offset-commit' : 'offset-commit');
      if (generationId !== this.generationId) throw new KafkaError('ILLEGAL_GENERATION', `The generation ${generationId} of member ${memberId} does not match group ${this.groupId}'s generation ${this.generationId}.`);
    } else if (!transactional && this.state !== 'Empty') {
      throw new KafkaError('UNKNOWN_MEMBER_ID', `Offset commits without a member id are only accepted while group ${this.groupId} is empty.`);
    }
    if (this.state === 'CompletingRebalance') throw new KafkaError('REBALANCE_IN_PROGRESS', `Group ${this.groupId} is completing a rebalance.`);
  }

  validateOffsetFetch(): void {
    if (this.state === 'Dead') throw new KafkaError('GROUP_ID_NOT_FOUND', `Group ${this.groupId} not found.`);
  }

  validateDeleteGroup(): void {
    if (this.state === 'Dead') throw new KafkaError('GROUP_ID_NOT_FOUND', `Group ${this.groupId} not found.`);
    this.expireOverdueSessions();
    if (this.state !== 'Empty') throw new KafkaError('NON_EMPTY_GROUP', `Group ${this.groupId} is not empty.`);
  }

  validateOffsetDelete(): void {
    if (this.state === 'Dead') throw new KafkaError('GROUP_ID_NOT_FOUND', `Group ${this.groupId} not found.`);
    if (this.state !== 'Empty' && this.protocolType !== 'consumer') throw new KafkaError('NON_EMPTY_GROUP', `Group ${this.groupId} is not empty.`);
  }

  describe() {
    const stable = this.state === 'Stable';
    return {
      groupState: this.state,
      protocolType: this.protocolType ?? '',
      protocolData: stable ? (this.protocolName ?? '') : '',
      members: [...this.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.info.clientId,
        clientHost: m.info.clientHost,
        memberMetadata: stable ? m.metadataFor(this.protocolName) : Buffer.alloc(0),
        memberAssignment: stable ? m.assignment : Buffer.alloc(0),
      })),
    };
  }

  shutdown(): void {
    this.timers.cancelAll();
    for (const m of this.members.values()) {
      m.completeJoin(joinError(ErrorCode.NOT_COORDINATOR, m.memberId));
      m.completeSync(syncError(ErrorCode.NOT_COORDINATOR));
    }
  }

  markDead(): void {
    this.shutdown();
    this.transition('Dead');
  }
}
