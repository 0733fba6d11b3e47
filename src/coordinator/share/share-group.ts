// A share group (KIP-932, ShareGroupHeartbeat): members subscribe to topics and the coordinator hands each a set of
// partitions, possibly shared with other members (records, not partitions, are what members own: share-partition.ts).
// There is no revocation step: a membership or subscription change bumps the group epoch, the target assignment is
// recomputed and each member moves straight to it on its next heartbeat. States: Empty, Stable (as Kafka names them).
import type { Logger } from 'pino';
import type { Cluster } from '../../cluster/cluster.js';
import { KafkaError } from '../../protocol/errors.js';
import { ModernGroup } from '../group/group.js';
import { Timers } from '../group/timers.js';
import { simpleAssign, type Assignment } from './simple-assignor.js';

/** The heartbeat interval a member is given while partitions of its subscription await their share state. */
const AWAITING_INIT_HEARTBEAT_MS = 100;

export interface ShareEnv {
  cluster: Cluster;
  logger: Logger;
  /** The group has share state on the partition (Kafka: it is among ShareGroupStatePartitionMetadata's initialized topics). */
  initialized(groupId: string, topicId: string, partition: number): boolean;
  /**
   * Starts the group's share state on these partitions (share.auto.offset.reset) after the current request, as
   * Kafka's coordinator sends InitializeShareGroupState to the share coordinator asynchronously to the heartbeat.
   */
  initialize(groupId: string, partitions: Assignment): void;
}

export interface ShareHeartbeatInput {
  memberId: string;
  memberEpoch: number;
  rackId: string | null;
  subscribedTopicNames: string[] | null;
  clientId: string;
  clientHost: string;
}

export interface ShareMember {
  memberId: string;
  memberEpoch: number;
  previousMemberEpoch: number;
  rackId: string | null;
  clientId: string;
  clientHost: string;
  subscribedTopicNames: string[];
  assigned: Assignment;
}

const sameAssignment = (a: Assignment, b: Assignment) => JSON.stringify([...a].sort()) === JSON.stringify([...b].sort());
const toList = (a: Assignment) => [...a].map(([topicId, partitions]) => ({ topicId, partitions: [...partitions].sort((x, y) => x - y) }));

export class ShareGroup extends ModernGroup {
  readonly type = 'share' as const;
  readonly members = new Map<string, ShareMember>();
  private target = new Map<string, Assignment>();
  /** Subscribed partitions the last target left out for want of share state (being initialized). */
  private awaitingInit: Assignment = new Map();
  private readonly timers = new Timers();

  constructor(groupId: string, private readonly env: ShareEnv) {
    super(groupId, env.cluster);
  }

  stateName(): string {
    if (this.dead) return 'Dead';
    return this.members.size === 0 ? 'Empty' : 'Stable';
  }
  listedProtocolType(): string {
    return 'share';
  }
  subscribedTopics(): Set<string> {
    const out = new Set<string>();
    for (const m of this.members.values()) for (const t of m.subscribedTopicNames) out.add(t);
    return out;
  }

  private notShareOffsets(): never {
    throw new KafkaError('GROUP_ID_NOT_FOUND', `Group ${this.groupId} is a share group: it has no committed offsets.`);
  }
  validateOffsetCommit(): void {
    this.notShareOffsets();
  }
  validateOffsetFetch(): void {
    this.notShareOffsets();
  }
  validateOffsetDelete(): void {
    this.notShareOffsets();
  }
  validateDeleteGroup(): void {
    if (this.members.size > 0) throw new KafkaError('NON_EMPTY_GROUP', `Group ${this.groupId} is not empty.`);
  }

  heartbeat(r: ShareHeartbeatInput): { memberId: string; memberEpoch: number; heartbeatIntervalMs: number; assignment: { topicPartitions: ReturnType<typeof toList> } | null } {
    const config = this.env.cluster.config;
    if (r.memberEpoch === -1) return this.leave(r.memberId);
    let m = this.members.get(r.memberId);
    let bump = false;
    if (!m && this.members.size >= config.int('group.share.max.size')) {
      throw new KafkaError('GROUP_MAX_SIZE_REACHED', `The share group has reached its maximum capacity of ${config.int('group.share.max.size')} members.`);
    }
    if (r.memberEpoch === 0) {
      if (!m) {
        m = { memberId: r.memberId, memberEpoch: 0, previousMemberEpoch: 0, rackId: null, clientId: '', clientHost: '', subscribedTopicNames: [], assigned: new Map() };
        this.members.set(r.memberId, m);
        bump = true;
      }
    } else {
      if (!m) throw new KafkaError('UNKNOWN_MEMBER_ID', `Member ${r.memberId} is not a member of group ${this.groupId}.`);
      if (r.memberEpoch > m.memberEpoch) {
        throw new KafkaError('FENCED_MEMBER_EPOCH', `The share group member has a greater member epoch (${r.memberEpoch}) than the one known by the group coordinator (${m.memberEpoch}). The member must abandon all its partitions and rejoin.`);
      }
      if (r.memberEpoch < m.memberEpoch && r.memberEpoch !== m.previousMemberEpoch) {
        throw new KafkaError('FENCED_MEMBER_EPOCH', `The share group member has a smaller member epoch (${r.memberEpoch}) than the one known by the group coordinator (${m.memberEpoch}). The member must abandon all its partitions and rejoin.`);
      }
    }
    if (r.subscribedTopicNames !== null) {
      const names = [...new Set(r.subscribedTopicNames)].sort();
      if (names.join('\0') !== m.subscribedTopicNames.join('\0')) bump = true;
      m.subscribedTopicNames = names;
    }
    if (r.rackId !== null) m.rackId = r.rackId;
    m.clientId = r.clientId;
    m.clientHost = r.clientHost;
    // Kafka's initializedAssignmentPending: partitions initialized since the target was computed bump the epoch.
    if (this.initializedSinceTarget()) bump = true;
    // A start that failed (logged) is tried again at each heartbeat until it succeeds, as Kafka retries a share
    // group's state initialization; starting is idempotent, so one in progress is not started twice.
    else if (this.awaitingInit.size > 0) this.env.initialize(this.groupId, this.awaitingInit);
    this.advanceEpoch(bump);

    // No revocation in share groups: the member takes its target assignment at once.
    const before = m.assigned;
    if (m.memberEpoch !== this.assignmentEpoch) {
      m.previousMemberEpoch = m.memberEpoch;
      m.memberEpoch = this.assignmentEpoch;
      m.assigned = this.target.get(m.memberId) ?? new Map();
    }
    this.scheduleSession(m.memberId);
    const send = r.memberEpoch === 0 || r.subscribedTopicNames !== null || !sameAssignment(before, m.assigned);
    return {
      memberId: m.memberId,
      memberEpoch: m.memberEpoch,
      heartbeatIntervalMs: this.heartbeatIntervalMs(),
      assignment: send ? { topicPartitions: toList(m.assigned) } : null,
    };
  }

  protected computeTarget(): void {
    const { cluster } = this.env;
    const members = [...this.members.values()].map((m) => ({
      memberId: m.memberId,
      topicIds: m.subscribedTopicNames.flatMap((n) => {
        const t = cluster.topics.get(n);
        return t ? [t.id] : [];
      }),
    }));
    // Only partitions with share state are assigned (Kafka's withTopicAssignablePartitionsMap over the initialized
    // topics); the others are initialized after this heartbeat and join the target at a later one. So a new group's
    // first members get their partitions one heartbeat after joining, as from Kafka (4.1+).
    const assignable = new Map<string, number[]>();
    const missing: Assignment = new Map();
    for (const m of members) {
      for (const id of m.topicIds) {
        if (assignable.has(id)) continue;
        const ready: number[] = [];
        const absent: number[] = [];
        const n = cluster.topicsById.get(id)!.partitions.length;
        for (let p = 0; p < n; p++) (this.env.initialized(this.groupId, id, p) ? ready : absent).push(p);
        assignable.set(id, ready);
        if (absent.length > 0) missing.set(id, absent);
      }
    }
    this.target = simpleAssign(members, assignable);
    this.assignmentEpoch = this.groupEpoch;
    this.awaitingInit = missing;
    if (missing.size > 0) this.env.initialize(this.groupId, missing);
    this.env.logger.debug({ group: this.groupId, epoch: this.groupEpoch }, 'share group target assignment computed');
  }

  /**
   * share.heartbeat.interval.ms, or a short interval while partitions await their share state: kafkalite starts that
   * state right after the response, so the member comes back for its partitions soon instead of after Kafka's 5 s
   * (in the spirit of group.initial.rebalance.delay.ms = 0 here). docs/share-groups.md says why not at the first
   * heartbeat.
   */
  private heartbeatIntervalMs(): number {
    const configured = this.env.cluster.groupConfigs.int(this.groupId, 'share.heartbeat.interval.ms');
    return this.awaitingInit.size > 0 ? Math.min(AWAITING_INIT_HEARTBEAT_MS, configured) : configured;
  }

  private initializedSinceTarget(): boolean {
    for (const [topicId, partitions] of this.awaitingInit) {
      if (partitions.some((p) => this.env.initialized(this.groupId, topicId, p))) return true;
    }
    return false;
  }

  private leave(memberId: string): { memberId: string; memberEpoch: number; heartbeatIntervalMs: number; assignment: null } {
    if (!this.members.has(memberId)) throw new KafkaError('UNKNOWN_MEMBER_ID', `Member ${memberId} is not a member of group ${this.groupId}.`);
    this.removeMember(memberId, 'left the group');
    return { memberId, memberEpoch: -1, heartbeatIntervalMs: 0, assignment: null };
  }

  private scheduleSession(memberId: string): void {
    this.timers.schedule(`session:${memberId}`, this.env.cluster.groupConfigs.int(this.groupId, 'share.session.timeout.ms'), () => {
      this.env.logger.info({ group: this.groupId, member: memberId }, 'share group member session expired');
      this.removeMember(memberId, 'session expired');
    });
  }

  /** A member goes (left, or its session expired); the others get its partitions at their next heartbeat. */
  removeMember(memberId: string, why: string): void {
    if (!this.members.delete(memberId)) return;
    this.target.delete(memberId);
    this.timers.cancel(`session:${memberId}`);
    this.bumpEpoch();
    this.env.logger.debug({ group: this.groupId, member: memberId, why, epoch: this.groupEpoch }, 'share group member removed');
  }

  describe(includeTopicName: (topicId: string) => string) {
    return {
      groupState: this.stateName(),
      groupEpoch: this.groupEpoch,
      assignmentEpoch: this.assignmentEpoch,
      assignorName: 'simple',
      members: [...this.members.values()].map((m) => ({
        memberId: m.memberId,
        rackId: m.rackId,
        memberEpoch: m.memberEpoch,
        clientId: m.clientId,
        clientHost: m.clientHost,
        subscribedTopicNames: m.subscribedTopicNames,
        assignment: { topicPartitions: toList(m.assigned).map((t) => ({ ...t, topicName: includeTopicName(t.topicId) })) },
      })),
    };
  }

  shutdown(): void {
    this.timers.cancelAll();
  }
}
