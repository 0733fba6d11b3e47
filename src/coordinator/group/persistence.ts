// Group metadata and committed offsets as one document ("groups"): the snapshot of the groups journal, whose
// change records (group-journal.ts) are replayed over it on start, as Kafka replays __consumer_offsets.
// Members of classic groups are kept too, so consumers survive a broker restart without rebalancing.
import type { TopicPartitions } from './assignors.js';
import type { ClassicGroup } from './classic-group.js';
import { ClassicMember } from './classic-member.js';
import type { ConsumerGroup } from './consumer-group.js';
import { ConsumerMember, type MemberState } from './consumer-member.js';
import type { GroupBase, OffsetAndMetadata } from './group.js';

export const META_NAME = 'groups';

export type OffsetRow = [topic: string, partition: number, offset: number, leaderEpoch: number, metadata: string, commitTs: number, expireTs?: number];

export interface PersistedMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: [name: string, metadataB64: string][];
  assignment: string;
}

export interface PersistedGroup {
  groupId: string;
  /** Share groups keep only their existence here; their members rejoin after a restart, their records' state is share-state's. */
  type: 'classic' | 'consumer' | 'share';
  stateTimestamp: number;
  offsets: OffsetRow[];
  classic?: {
    state: string;
    generationId: number;
    protocolType: string | null;
    protocolName: string | null;
    leaderId: string | null;
    members: PersistedMember[];
  };
  consumer?: PersistedConsumerGroup;
}

export interface PersistedDoc {
  version: 1;
  groups: PersistedGroup[];
}

export function offsetRow(topic: string, p: number, o: OffsetAndMetadata): OffsetRow {
  const row: OffsetRow = [topic, p, o.offset, o.leaderEpoch, o.metadata, o.commitTimestamp];
  if (o.expireTimestamp !== undefined) row.push(o.expireTimestamp);
  return row;
}

export function offsetRows(g: GroupBase): OffsetRow[] {
  const rows: OffsetRow[] = [];
  for (const [topic, parts] of g.offsets) for (const [p, o] of parts) rows.push(offsetRow(topic, p, o));
  return rows;
}

export function restoreOffsets(g: GroupBase, rows: OffsetRow[]): void {
  for (const [topic, p, offset, leaderEpoch, metadata, commitTimestamp, expireTimestamp] of rows) {
    const o: OffsetAndMetadata = { offset, leaderEpoch, metadata, commitTimestamp };
    if (expireTimestamp !== undefined) o.expireTimestamp = expireTimestamp;
    g.setOffset(topic, p, o);
  }
}

export function classicToJSON(g: ClassicGroup): PersistedGroup['classic'] {
  // Only a completed generation is worth restoring; mid-rebalance state is rebuilt by the members rejoining.
  const settled = g.state === 'Stable';
  return {
    state: settled ? 'Stable' : 'Empty',
    generationId: g.generationId,
    protocolType: g.protocolType,
    protocolName: settled ? g.protocolName : null,
    leaderId: settled ? g.leaderId : null,
    members: settled
      ? [...g.members.values()].map((m) => ({
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          clientId: m.info.clientId,
          clientHost: m.info.clientHost,
          sessionTimeoutMs: m.info.sessionTimeoutMs,
          rebalanceTimeoutMs: m.info.rebalanceTimeoutMs,
          protocolType: m.info.protocolType,
          protocols: m.info.protocols.map((p) => [p.name, p.metadata.toString('base64')] as [string, string]),
          assignment: m.assignment.toString('base64'),
        }))
      : [],
  };
}

/** Restores a classic group; members come back Stable with fresh session timers (they must heartbeat). */
export function restoreClassic(g: ClassicGroup, c: NonNullable<PersistedGroup['classic']>): void {
  g.generationId = c.generationId;
  g.protocolType = c.protocolType;
  if (c.state !== 'Stable' || c.members.length === 0) return;
  g.protocolName = c.protocolName;
  g.leaderId = c.leaderId;
  for (const pm of c.members) {
    const m = new ClassicMember(pm.memberId, {
      groupInstanceId: pm.groupInstanceId,
      clientId: pm.clientId,
      clientHost: pm.clientHost,
      sessionTimeoutMs: pm.sessionTimeoutMs,
      rebalanceTimeoutMs: pm.rebalanceTimeoutMs,
      protocolType: pm.protocolType,
      protocols: pm.protocols.map(([name, md]) => ({ name, metadata: Buffer.from(md, 'base64') })),
    });
    m.assignment = Buffer.from(pm.assignment, 'base64');
    m.isNew = false;
    g.members.set(m.memberId, m);
    if (m.groupInstanceId !== null) g.staticMembers.set(m.groupInstanceId, m.memberId);
  }
  g.state = 'Stable';
  for (const m of g.members.values()) g.scheduleHeartbeat(m);
}

type TpRows = [topicId: string, partitions: number[]][];

export interface PersistedConsumerGroup {
  groupEpoch: number;
  assignmentEpoch: number;
  subscriptionHash: string;
  members: {
    memberId: string;
    instanceId: string | null;
    rackId: string | null;
    clientId: string;
    clientHost: string;
    rebalanceTimeoutMs: number;
    subscribedTopicNames: string[];
    subscribedTopicRegex: string | null;
    serverAssignor: string | null;
    memberEpoch: number;
    previousMemberEpoch: number;
    state: MemberState;
    assigned: TpRows;
    pendingRevocation: TpRows;
    target: TpRows;
  }[];
}

const tpRows = (tp: TopicPartitions): TpRows => [...tp].map(([t, s]) => [t, [...s]]);
const rowsTp = (rows: TpRows): TopicPartitions => new Map(rows.map(([t, ps]) => [t, new Set(ps)]));

export function consumerToJSON(g: ConsumerGroup): PersistedConsumerGroup {
  return {
    groupEpoch: g.groupEpoch,
    assignmentEpoch: g.assignmentEpoch,
    subscriptionHash: g.subscriptionHash,
    members: [...g.members.values()].map((m) => ({
      memberId: m.memberId,
      instanceId: m.instanceId,
      rackId: m.rackId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      rebalanceTimeoutMs: m.rebalanceTimeoutMs,
      subscribedTopicNames: m.subscribedTopicNames,
      subscribedTopicRegex: m.subscribedTopicRegex,
      serverAssignor: m.serverAssignor,
      memberEpoch: m.memberEpoch,
      previousMemberEpoch: m.previousMemberEpoch,
      state: m.state,
      assigned: tpRows(m.assigned),
      pendingRevocation: tpRows(m.pendingRevocation),
      target: tpRows(g.target.get(m.memberId) ?? new Map()),
    })),
  };
}

/** Restores a consumer group; its members get a fresh session timeout to heartbeat again. */
export function restoreConsumer(g: ConsumerGroup, p: PersistedConsumerGroup): void {
  g.groupEpoch = p.groupEpoch;
  g.assignmentEpoch = p.assignmentEpoch;
  g.subscriptionHash = p.subscriptionHash;
  for (const pm of p.members) {
    const m = new ConsumerMember(pm.memberId);
    Object.assign(m, {
      instanceId: pm.instanceId,
      rackId: pm.rackId,
      clientId: pm.clientId,
      clientHost: pm.clientHost,
      rebalanceTimeoutMs: pm.rebalanceTimeoutMs,
      subscribedTopicNames: pm.subscribedTopicNames,
      subscribedTopicRegex: pm.subscribedTopicRegex,
      serverAssignor: pm.serverAssignor,
      memberEpoch: pm.memberEpoch,
      previousMemberEpoch: pm.previousMemberEpoch,
      state: pm.state,
      assigned: rowsTp(pm.assigned),
      pendingRevocation: rowsTp(pm.pendingRevocation),
    });
    g.members.set(m.memberId, m);
    g.target.set(m.memberId, rowsTp(pm.target));
    if (m.instanceId !== null) g.staticMembers.set(m.instanceId, m.memberId);
    g.restoreSession(m);
  }
}
