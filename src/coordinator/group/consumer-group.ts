// A KIP-848 consumer group (ConsumerGroupHeartbeat): the broker computes the assignment. Every change of
// membership, subscription or subscribed topic metadata bumps the group epoch; the target assignment is then
// recomputed by the server-side assignor (uniform or range) and each member reconciles towards it, revoking
// before anything is reassigned. States: Empty, Assigning, Reconciling, Stable (as Kafka names them).
import type { Logger } from 'pino';
import type { Cluster } from '../../cluster/cluster.js';
import { KafkaError } from '../../protocol/errors.js';
import { ASSIGNORS, type TopicPartitions } from './assignors.js';
import { ConsumerMember, copyTp, isSubset, reconcile, tpEquals, tpFromList, tpHas, tpToList } from './consumer-member.js';
import { ModernGroup, type GroupBase } from './group.js';
import { compileRe2, type FullMatch } from '../regex.js';
import { Timers } from './timers.js';

export interface ConsumerEnv {
  cluster: Cluster;
  logger: Logger;
  /** Schedules a (coalesced) write of this group's changed metadata and offsets. */
  persist(group: GroupBase): void;
}

export interface HeartbeatInput {
  memberId: string;
  memberEpoch: number;
  instanceId: string | null;
  rackId: string | null;
  rebalanceTimeoutMs: number;
  subscribedTopicNames: string[] | null;
  subscribedTopicRegex: string | null;
  serverAssignor: string | null;
  topicPartitions: { topicId: string; partitions: number[] }[] | null;
  clientId: string;
  clientHost: string;
}

export interface HeartbeatOutput {
  memberId: string;
  memberEpoch: number;
  heartbeatIntervalMs: number;
  assignment: { topicPartitions: { topicId: string; partitions: number[] }[] } | null;
}

/** Kafka compiles subscription regexes with RE2/J and matches whole topic names (coordinator/regex.ts). */
export function compileTopicRegex(re: string): FullMatch {
  try {
    return compileRe2(re);
  } catch (e) {
    throw new KafkaError('INVALID_REGULAR_EXPRESSION', `SubscribedTopicRegex \`${re}\` is not a valid regular expression: ${(e as Error).message}.`);
  }
}

const sessionKey = (id: string) => `session:${id}`;
const revokeKey = (id: string) => `revoke:${id}`;

export class ConsumerGroup extends ModernGroup {
  readonly type = 'consumer' as const;
  readonly members = new Map<string, ConsumerMember>();
  readonly staticMembers = new Map<string, string>();
  target = new Map<string, TopicPartitions>();
  readonly timers = new Timers();

  constructor(groupId: string, private readonly env: ConsumerEnv) {
    super(groupId, env.cluster);
  }

  private get config() {
    return this.env.cluster.config;
  }

  stateName(): string {
    if (this.dead) return 'Dead';
    if (this.members.size === 0) return 'Empty';
    if (this.assignmentEpoch < this.groupEpoch) return 'Assigning';
    for (const m of this.members.values()) if (m.memberEpoch !== this.assignmentEpoch || m.state !== 'stable') return 'Reconciling';
    return 'Stable';
  }
  listedProtocolType(): string {
    return 'consumer';
  }

  /** Topic names the members subscribe to (by name or by regex), existing or not. */
  subscribedTopics(): Set<string> {
    const out = new Set<string>();
    const regexes: FullMatch[] = [];
    for (const m of this.members.values()) {
      for (const t of m.subscribedTopicNames) out.add(t);
      if (m.subscribedTopicRegex) regexes.push(compileTopicRegex(m.subscribedTopicRegex));
    }
    if (regexes.length > 0) {
      for (const t of this.env.cluster.topics.values()) if (!t.internal && regexes.some((r) => r.matches(t.name))) out.add(t.name);
    }
    return out;
  }

  private memberTopicIds(m: ConsumerMember): Set<string> {
    const ids = new Set<string>();
    const re = m.subscribedTopicRegex ? compileTopicRegex(m.subscribedTopicRegex) : null;
    for (const t of this.env.cluster.topics.values()) {
      if (m.subscribedTopicNames.includes(t.name) || (re && !t.internal && re.matches(t.name))) ids.add(t.id);
    }
    return ids;
  }

  /** The assignor most members ask for, else the first of group.consumer.assignors (Kafka's default). */
  assignorName(): string {
    const votes = new Map<string, number>();
    for (const m of this.members.values()) if (m.serverAssignor) votes.set(m.serverAssignor, (votes.get(m.serverAssignor) ?? 0) + 1);
    let best = '';
    let n = 0;
    for (const [name, c] of votes) if (c > n) [best, n] = [name, c];
    return best || (this.config.get('group.consumer.assignors') ?? 'uniform').split(',')[0].trim();
  }

  protected computeTarget(): void {
    const partitionCounts = new Map<string, number>();
    const members = [...this.members.values()].map((m) => {
      const topics = this.memberTopicIds(m);
      for (const id of topics) partitionCounts.set(id, this.env.cluster.topicsById.get(id)!.partitions.length);
      return { memberId: m.memberId, topics, current: this.target.get(m.memberId) ?? m.assigned };
    });
    const assignor = ASSIGNORS[this.assignorName()] ?? ASSIGNORS.uniform;
    this.target = assignor({ members, partitionCounts });
    this.assignmentEpoch = this.groupEpoch;
    this.env.logger.debug({ group: this.groupId, epoch: this.groupEpoch, assignor: this.assignorName() }, 'target assignment computed');
  }

  private ownedByOthers(memberId: string) {
    return (t: string, p: number) => {
      for (const o of this.members.values()) {
        if (o.memberId !== memberId && (tpHas(o.assigned, t, p) || tpHas(o.pendingRevocation, t, p))) return true;
      }
      return false;
    };
  }

  heartbeat(r: HeartbeatInput): HeartbeatOutput {
    if (r.memberEpoch === -1 || r.memberEpoch === -2) return this.leave(r);
    let m = this.members.get(r.memberId);
    let bump = false;
    if (r.memberEpoch === 0) {
      const staticId = r.instanceId !== null ? this.staticMembers.get(r.instanceId) : undefined;
      if (staticId !== undefined && staticId !== r.memberId) {
        const old = this.members.get(staticId)!;
        if (!old.leftTemporarily) {
          throw new KafkaError('UNRELEASED_INSTANCE_ID', `Static member ${r.memberId} with instance id ${r.instanceId} cannot join the group because the instance id is owned by ${staticId} member.`);
        }
        // The static member comes back under a new member id and takes its place (epoch and assignment).
        this.members.delete(staticId);
        this.timers.cancel(sessionKey(staticId));
        old.memberId = r.memberId;
        old.leftTemporarily = false;
        const t = this.target.get(staticId);
        this.target.delete(staticId);
        if (t) this.target.set(r.memberId, t);
        this.members.set(r.memberId, old);
        m = old;
      } else if (!m) {
        if (this.members.size >= this.config.int('group.consumer.max.size')) {
          throw new KafkaError('GROUP_MAX_SIZE_REACHED', `The consumer group has reached its maximum capacity of ${this.config.int('group.consumer.max.size')} members.`);
        }
        m = new ConsumerMember(r.memberId);
        this.members.set(r.memberId, m);
        bump = true;
      } else {
        // A known member joining again (epoch 0) starts over without partitions.
        m.assigned = new Map();
        m.pendingRevocation = new Map();
        m.memberEpoch = 0;
        m.state = 'stable';
        bump = true;
      }
    } else {
      if (!m || m.leftTemporarily) throw new KafkaError('UNKNOWN_MEMBER_ID', `Member ${r.memberId} is not a member of group ${this.groupId}.`);
      this.checkInstance(r);
      const owned = r.topicPartitions ? tpFromList(r.topicPartitions) : null;
      if (r.memberEpoch > m.memberEpoch || (r.memberEpoch < m.memberEpoch && (r.memberEpoch !== m.previousMemberEpoch || (owned !== null && !isSubset(owned, m.assigned))))) {
        throw new KafkaError('FENCED_MEMBER_EPOCH', `The consumer group member has a member epoch (${r.memberEpoch}) different from the one known by the group coordinator (${m.memberEpoch}). The member must abandon all its partitions and rejoin.`);
      }
    }
    if (r.instanceId !== null) {
      m.instanceId = r.instanceId;
      this.staticMembers.set(r.instanceId, m.memberId);
    }
    if (r.subscribedTopicNames !== null) {
      const names = [...new Set(r.subscribedTopicNames)].sort();
      if (names.join('\0') !== [...m.subscribedTopicNames].sort().join('\0')) bump = true;
      m.subscribedTopicNames = names;
    }
    if (r.subscribedTopicRegex !== null) {
      const re = r.subscribedTopicRegex === '' ? null : r.subscribedTopicRegex;
      if (re !== null) compileTopicRegex(re);
      if (re !== m.subscribedTopicRegex) bump = true;
      m.subscribedTopicRegex = re;
    }
    if (r.serverAssignor !== null && r.serverAssignor !== m.serverAssignor) {
      m.serverAssignor = r.serverAssignor;
      bump = true;
    }
    if (r.rackId !== null) m.rackId = r.rackId;
    if (r.rebalanceTimeoutMs >= 0) m.rebalanceTimeoutMs = r.rebalanceTimeoutMs;
    m.clientId = r.clientId;
    m.clientHost = r.clientHost;

    bump = this.advanceEpoch(bump);

    const owned = r.topicPartitions !== null ? tpFromList(r.topicPartitions) : null;
    const before = copyTp(m.assigned);
    const beforeEpoch = m.memberEpoch;
    reconcile(m, this.target.get(m.memberId) ?? new Map(), this.assignmentEpoch, owned, this.ownedByOthers(m.memberId));
    if (m.state === 'unrevoked_partitions') {
      const id = m.memberId;
      if (!this.timers.has(revokeKey(id))) {
        this.timers.schedule(revokeKey(id), m.rebalanceTimeoutMs, () => this.fence(id, 'did not revoke its partitions within the rebalance timeout'));
      }
    } else this.timers.cancel(revokeKey(m.memberId));
    this.scheduleSession(m);
    const changed = !tpEquals(before, m.assigned);
    if (bump || changed || beforeEpoch !== m.memberEpoch) this.env.persist(this);
    const send = r.memberEpoch === 0 || changed || (owned !== null && !tpEquals(owned, m.assigned));
    return {
      memberId: m.memberId,
      memberEpoch: m.memberEpoch,
      heartbeatIntervalMs: this.env.cluster.groupConfigs.int(this.groupId, 'consumer.heartbeat.interval.ms'),
      assignment: send ? { topicPartitions: tpToList(m.assigned) } : null,
    };
  }

  /** A static member's instance id must still belong to the member id it heartbeats with. */
  private checkInstance(r: HeartbeatInput): void {
    if (r.instanceId === null) return;
    const owner = this.staticMembers.get(r.instanceId);
    if (owner === undefined) throw new KafkaError('UNKNOWN_MEMBER_ID', `Instance id ${r.instanceId} is unknown.`);
    if (owner !== r.memberId) throw new KafkaError('FENCED_INSTANCE_ID', `Static member ${r.memberId} with instance id ${r.instanceId} was fenced by member ${owner}.`);
  }

  private leave(r: HeartbeatInput): HeartbeatOutput {
    this.checkInstance(r);
    const id = r.memberId;
    const m = this.members.get(id);
    if (!m) throw new KafkaError('UNKNOWN_MEMBER_ID', `Member ${r.memberId} is not a member of group ${this.groupId}.`);
    if (r.memberEpoch === -2 && m.instanceId !== null) {
      // A static member restarting: it keeps its place and assignment until its session expires.
      m.leftTemporarily = true;
      this.scheduleSession(m);
    } else this.removeMember(id, 'left the group');
    return { memberId: r.memberId, memberEpoch: r.memberEpoch, heartbeatIntervalMs: 0, assignment: null };
  }

  /** After a restart: members must heartbeat within a session timeout to stay. */
  restoreSession(m: ConsumerMember): void {
    this.scheduleSession(m);
  }

  private scheduleSession(m: ConsumerMember): void {
    const id = m.memberId;
    this.timers.schedule(sessionKey(id), this.env.cluster.groupConfigs.int(this.groupId, 'consumer.session.timeout.ms'), () => this.fence(id, 'session expired'));
  }

  private fence(memberId: string, why: string): void {
    if (!this.members.has(memberId)) return;
    this.env.logger.info({ group: this.groupId, member: memberId }, `member ${why}`);
    this.removeMember(memberId, why);
  }

  removeMember(memberId: string, why: string): void {
    const m = this.members.get(memberId);
    if (!m) return;
    this.members.delete(memberId);
    if (m.instanceId !== null && this.staticMembers.get(m.instanceId) === memberId) this.staticMembers.delete(m.instanceId);
    this.target.delete(memberId);
    this.timers.cancel(sessionKey(memberId));
    this.timers.cancel(revokeKey(memberId));
    this.bumpEpoch();
    this.env.logger.debug({ group: this.groupId, member: memberId, why, epoch: this.groupEpoch }, 'member removed');
    this.env.persist(this);
  }

  validateOffsetCommit(memberId: string, _instanceId: string | null, epoch: number, transactional: boolean, apiVersion: number): void {
    if (epoch < 0 && this.members.size === 0) return;
    const m = this.members.get(memberId);
    if (!m) throw new KafkaError('UNKNOWN_MEMBER_ID', `Member ${memberId} is not a member of group ${this.groupId}.`);
    if (epoch !== m.memberEpoch) {
      if (transactional) throw new KafkaError('ILLEGAL_GENERATION', `Member epoch ${epoch} does not match ${m.memberEpoch}.`);
      // STALE_MEMBER_EPOCH exists from OffsetCommit v9; older versions cannot be used with this protocol.
      if (apiVersion < 9) throw new KafkaError('UNSUPPORTED_VERSION', `OffsetCommit v${apiVersion} cannot be used by consumer group members.`);
      throw new KafkaError('STALE_MEMBER_EPOCH', `The member epoch ${epoch} is stale; the current epoch is ${m.memberEpoch}.`);
    }
  }

  validateOffsetFetch(memberId: string | null, memberEpoch: number): void {
    if (memberId === null && memberEpoch < 0) return;
    const m = this.members.get(memberId ?? '');
    if (!m) throw new KafkaError('UNKNOWN_MEMBER_ID', `Member ${memberId} is not a member of group ${this.groupId}.`);
    if (memberEpoch !== m.memberEpoch) throw new KafkaError('STALE_MEMBER_EPOCH', `The member epoch ${memberEpoch} is stale; the current epoch is ${m.memberEpoch}.`);
  }

  validateDeleteGroup(): void {
    if (this.members.size > 0) throw new KafkaError('NON_EMPTY_GROUP', `Group ${this.groupId} is not empty.`);
  }

  validateOffsetDelete(): void {}

  describe() {
    const tps = (tp: TopicPartitions) => ({
      topicPartitions: tpToList(tp).map((x) => ({ topicId: x.topicId, topicName: this.env.cluster.topicsById.get(x.topicId)?.name ?? '', partitions: x.partitions })),
    });
    return {
      groupState: this.stateName(),
      groupEpoch: this.groupEpoch,
      assignmentEpoch: this.assignmentEpoch,
      assignorName: this.assignorName(),
      members: [...this.members.values()].map((m) => ({
        memberId: m.memberId,
        instanceId: m.instanceId,
        rackId: m.rackId,
        memberEpoch: m.memberEpoch,
        clientId: m.clientId,
        clientHost: m.clientHost,
        subscribedTopicNames: m.subscribedTopicNames,
        subscribedTopicRegex: m.subscribedTopicRegex,
        assignment: tps(m.assigned),
        targetAssignment: tps(this.target.get(m.memberId) ?? new Map()),
        memberType: 1,
      })),
    };
  }

  shutdown(): void {
    this.timers.cancelAll();
  }
}
