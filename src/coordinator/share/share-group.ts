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

export interface ShareEnv {
  cluster: Cluster;
  logger: Logger;
  /** The group now assigns these partitions: their share state starts here if it has not yet (share.auto.offset.reset). */
  assigned(groupId: string, assignment: Assignment): void;
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
      heartbeatIntervalMs: this.env.cluster.groupConfigs.int(this.groupId, 'share.heartbeat.interval.ms'),
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
    const partitionCounts = new Map<string, number>();
    for (const m of members) for (const id of m.topicIds) partitionCounts.set(id, cluster.topicsById.get(id)!.partitions.length);
    this.target = simpleAssign(members, partitionCounts);
    this.assignmentEpoch = this.groupEpoch;
    for (const a of this.target.values()) this.env.assigned(this.groupId, a);
    this.env.logger.debug({ group: this.groupId, epoch: this.groupEpoch }, 'share group target assignment computed');
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
