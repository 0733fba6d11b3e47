// The classic group protocol byte for byte: the error codes Kafka answers to out-of-order or stale requests,
// driven by a raw client so each request is exactly the one under test.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBroker } from '../../src/kafkalite.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { kafkajs, startTestBroker, topicName } from '../compat/helpers.js';
import { API, RawClient, subscription } from './raw-client.js';

let broker: RunningBroker;
let c: RawClient;
beforeAll(async () => {
  broker = await startTestBroker({ overrides: { 'group.min.session.timeout.ms': '100' } });
  c = await RawClient.connect(broker.port);
});
afterAll(async () => {
  c?.close();
  await broker?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const proto = (topics: string[], name = 'range') => [{ name, metadata: subscription(topics) }];

interface JoinOpts { memberId?: string; instanceId?: string | null; session?: number; rebalance?: number; protocolType?: string; protocols?: { name: string; metadata: Buffer }[]; version?: number }

function join(group: string, o: JoinOpts = {}, client = c): Promise<any> {
  return client.send(API.JoinGroup, o.version ?? 9, {
    groupId: group,
    sessionTimeoutMs: o.session ?? 10000,
    rebalanceTimeoutMs: o.rebalance ?? 2000,
    memberId: o.memberId ?? '',
    groupInstanceId: o.instanceId ?? null,
    protocolType: o.protocolType ?? 'consumer',
    protocols: o.protocols ?? proto(['t']),
    reason: null,
  });
}

/** Joins a fresh dynamic member (v4+ needs two round trips) and syncs it as the only member. */
async function soloMember(group: string): Promise<{ memberId: string; generationId: number }> {
  const first = await join(group);
  expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
  const r = await join(group, { memberId: first.memberId });
  expect(r.errorCode).toBe(ErrorCode.NONE);
  const s = await c.send(API.SyncGroup, 5, { groupId: group, generationId: r.generationId, memberId: r.memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments: [{ memberId: r.memberId, assignment: Buffer.from('A') }] });
  expect(s.errorCode).toBe(ErrorCode.NONE);
  return { memberId: r.memberId, generationId: r.generationId };
}

const hb = (group: string, memberId: string, generationId: number, groupInstanceId: string | null = null) =>
  c.send(API.Heartbeat, 4, { groupId: group, generationId, memberId, groupInstanceId }).then((r) => r.errorCode);

function commit(group: string, topic: string, o: { generation?: number; memberId?: string; version?: number; offset?: number; metadata?: string | null; partition?: number } = {}): Promise<number> {
  return c.send(API.OffsetCommit, o.version ?? 8, {
    groupId: group,
    generationIdOrMemberEpoch: o.generation ?? -1,
    memberId: o.memberId ?? '',
    groupInstanceId: null,
    retentionTimeMs: -1,
    topics: [{ name: topic, partitions: [{ partitionIndex: o.partition ?? 0, committedOffset: o.offset ?? 5, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: o.metadata ?? 'md' }] }],
  }).then((r) => r.topics[0].partitions[0].errorCode);
}

describe('JoinGroup / SyncGroup / Heartbeat', () => {
  it('v4+ asks for a member id first, then makes the lone member leader of generation 1', async () => {
    const group = topicName('g');
    const first = await join(group);
    expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    expect(first.memberId).toMatch(/^raw-client-/);
    const r = await join(group, { memberId: first.memberId });
    expect(r).toMatchObject({ errorCode: 0, generationId: 1, protocolType: 'consumer', protocolName: 'range', leader: first.memberId, memberId: first.memberId, skipAssignment: false });
    expect(r.members).toHaveLength(1);
    expect(Buffer.from(r.members[0].metadata).equals(subscription(['t']))).toBe(true);
    const s = await c.send(API.SyncGroup, 5, { groupId: group, generationId: 1, memberId: r.memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments: [{ memberId: r.memberId, assignment: Buffer.from('xyz') }] });
    expect(s).toMatchObject({ errorCode: 0, protocolType: 'consumer', protocolName: 'range' });
    expect(Buffer.from(s.assignment).toString()).toBe('xyz');
    expect(await hb(group, r.memberId, 1)).toBe(ErrorCode.NONE);
  });

  it('v3 joins without the member-id round trip; v0 uses the session timeout as rebalance timeout', async () => {
    const r3 = await join(topicName('g'), { version: 3 });
    expect(r3.errorCode).toBe(0);
    expect(r3.generationId).toBe(1);
    const r0 = await join(topicName('g'), { version: 0 });
    expect(r0.errorCode).toBe(0);
  });

  it('rejects bad session timeouts, empty group ids and mismatched protocols', async () => {
    expect((await join(topicName('g'), { session: 50 })).errorCode).toBe(ErrorCode.INVALID_SESSION_TIMEOUT);
    expect((await join(topicName('g'), { session: 1800001 })).errorCode).toBe(ErrorCode.INVALID_SESSION_TIMEOUT);
    expect((await join('')).errorCode).toBe(ErrorCode.INVALID_GROUP_ID);
    expect((await join(topicName('g'), { protocolType: '' })).errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    expect((await join(topicName('g'), { protocols: [] })).errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const group = topicName('g');
    await soloMember(group);
    expect((await join(group, { protocolType: 'connect', version: 3 })).errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    expect((await join(group, { protocols: proto(['t'], 'roundrobin'), version: 3 })).errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    // A member id the group never handed out.
    expect((await join(group, { memberId: 'nobody' })).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect((await join(topicName('g'), { memberId: 'nobody' })).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('SyncGroup and Heartbeat check member, generation and protocol', async () => {
    const group = topicName('g');
    const m = await soloMember(group);
    const sync = (o: any) => c.send(API.SyncGroup, 5, { groupId: group, generationId: m.generationId, memberId: m.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [], ...o }).then((r) => r.errorCode);
    expect(await sync({ generationId: 7 })).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(await sync({ memberId: 'ghost' })).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(await sync({ protocolName: 'roundrobin' })).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    expect(await sync({ protocolType: 'connect' })).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    expect(await sync({ groupId: topicName('nope') })).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    // In Stable, SyncGroup returns the member's current assignment.
    const again = await c.send(API.SyncGroup, 5, { groupId: group, generationId: m.generationId, memberId: m.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] });
    expect(Buffer.from(again.assignment).toString()).toBe('A');
    expect(await hb(group, m.memberId, m.generationId + 1)).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(await hb(group, 'ghost', m.generationId)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(await hb(topicName('nope'), m.memberId, 1)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('a second member triggers a rebalance: heartbeat says REBALANCE_IN_PROGRESS until everyone rejoined', async () => {
    const group = topicName('g');
    const a = await soloMember(group);
    // Each member on its own connection: responses on one connection come back in request order.
    const cb = await RawClient.connect(broker.port);
    const bFirst = await join(group, {}, cb);
    const bJoin = join(group, { memberId: bFirst.memberId }, cb);
    await sleep(20);
    expect(await hb(group, a.memberId, a.generationId)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const syncDuringRebalance = await c.send(API.SyncGroup, 5, { groupId: group, generationId: a.generationId, memberId: a.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] });
    expect(syncDuringRebalance.errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const [ra, rb] = await Promise.all([join(group, { memberId: a.memberId }), bJoin]);
    expect(ra.generationId).toBe(2);
    expect(rb.generationId).toBe(2);
    expect(ra.leader).toBe(a.memberId);
    expect(ra.members).toHaveLength(2);
    expect(rb.members).toHaveLength(0);
    // The follower's SyncGroup waits for the leader's.
    const followerSync = cb.send(API.SyncGroup, 5, { groupId: group, generationId: 2, memberId: rb.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] });
    const state = await c.send(API.DescribeGroups, 5, { groups: [group], includeAuthorizedOperations: false });
    expect(state.groups[0].groupState).toBe('CompletingRebalance');
    // A commit in CompletingRebalance is refused with REBALANCE_IN_PROGRESS.
    const topic = topicName('t');
    await broker.cluster.createTopic(topic, { numPartitions: 1 });
    expect(await commit(group, topic, { generation: 2, memberId: a.memberId })).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const leaderSync = await c.send(API.SyncGroup, 5, { groupId: group, generationId: 2, memberId: a.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [{ memberId: a.memberId, assignment: Buffer.from('LA') }, { memberId: rb.memberId, assignment: Buffer.from('FB') }] });
    expect(Buffer.from(leaderSync.assignment).toString()).toBe('LA');
    expect(Buffer.from((await followerSync).assignment).toString()).toBe('FB');
    const d = await c.send(API.DescribeGroups, 5, { groups: [group], includeAuthorizedOperations: true });
    expect(d.groups[0]).toMatchObject({ groupState: 'Stable', protocolType: 'consumer', protocolData: 'range' });
    expect(d.groups[0].members.map((m: any) => Buffer.from(m.memberAssignment).toString()).sort()).toEqual(['FB', 'LA']);
    expect(d.groups[0].members[0].clientHost).toBe('/127.0.0.1');
    expect(d.groups[0].authorizedOperations).toBeGreaterThan(0);
    cb.close();
  });

  it('a member rejoining with a changed subscription triggers a rebalance; an unchanged follower does not', async () => {
    const group = topicName('g');
    const a = await soloMember(group);
    const cb = await RawClient.connect(broker.port);
    try {
      const bFirst = await join(group, {}, cb);
      const bJoin = join(group, { memberId: bFirst.memberId }, cb);
      const ra = await join(group, { memberId: a.memberId });
      const rb = await bJoin;
      await Promise.all([
        c.send(API.SyncGroup, 5, { groupId: group, generationId: ra.generationId, memberId: ra.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] }),
        cb.send(API.SyncGroup, 5, { groupId: group, generationId: rb.generationId, memberId: rb.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] }),
      ]);
      // Same metadata from the follower in Stable: the current generation comes straight back.
      const same = await join(group, { memberId: rb.memberId }, cb);
      expect(same).toMatchObject({ errorCode: 0, generationId: ra.generationId, members: [] });
      // New subscription: the group goes back to PreparingRebalance and the leader learns it from its heartbeat.
      const changed = join(group, { memberId: rb.memberId, protocols: proto(['t', 'u']) }, cb);
      await sleep(20);
      expect(await hb(group, ra.memberId, ra.generationId)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
      const ra2 = await join(group, { memberId: ra.memberId });
      expect((await changed).generationId).toBe(ra.generationId + 1);
      expect(ra2.members.map((m: any) => Buffer.from(m.metadata).equals(subscription(['t', 'u']))).filter(Boolean)).toHaveLength(1);
    } finally {
      cb.close();
    }
  });

  it('a member that stops heartbeating is removed after its session timeout and the group rebalances', async () => {
    const group = topicName('g');
    const first = await join(group, { session: 300 });
    const r = await join(group, { memberId: first.memberId, session: 300 });
    await c.send(API.SyncGroup, 5, { groupId: group, generationId: r.generationId, memberId: r.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] });
    await sleep(600);
    expect(await hb(group, r.memberId, r.generationId)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    const d = await c.send(API.DescribeGroups, 5, { groups: [group], includeAuthorizedOperations: false });
    expect(d.groups[0].groupState).toBe('Empty');
  });

  it('a member that never syncs after the join phase is removed after the rebalance timeout', async () => {
    const group = topicName('g');
    const first = await join(group, { rebalance: 200 });
    const r = await join(group, { memberId: first.memberId, rebalance: 200 });
    expect(r.errorCode).toBe(0);
    await sleep(450);
    const d = await c.send(API.DescribeGroups, 5, { groups: [group], includeAuthorizedOperations: false });
    expect(d.groups[0].groupState).toBe('Empty');
  });
});

describe('static membership', () => {
  it('a static member rejoining with a new member id keeps its assignment without a rebalance and fences the old id', async () => {
    const group = topicName('g');
    const r = await join(group, { instanceId: 'inst-1' });
    expect(r.errorCode).toBe(0); // static members need no MEMBER_ID_REQUIRED round trip
    expect(r.memberId).toMatch(/^inst-1-/);
    await c.send(API.SyncGroup, 5, { groupId: group, generationId: r.generationId, memberId: r.memberId, groupInstanceId: 'inst-1', protocolType: null, protocolName: null, assignments: [{ memberId: r.memberId, assignment: Buffer.from('S') }] });
    const again = await join(group, { instanceId: 'inst-1' });
    expect(again.errorCode).toBe(0);
    expect(again.memberId).not.toBe(r.memberId);
    expect(again.generationId).toBe(r.generationId);
    expect(again.skipAssignment).toBe(true); // it is the leader, v9 tells it not to reassign
    const s = await c.send(API.SyncGroup, 5, { groupId: group, generationId: again.generationId, memberId: again.memberId, groupInstanceId: 'inst-1', protocolType: null, protocolName: null, assignments: [] });
    expect(Buffer.from(s.assignment).toString()).toBe('S');
    expect(await hb(group, r.memberId, r.generationId, 'inst-1')).toBe(ErrorCode.FENCED_INSTANCE_ID);
    expect((await join(group, { memberId: r.memberId, instanceId: 'inst-1' })).errorCode).toBe(ErrorCode.FENCED_INSTANCE_ID);
    const d = await c.send(API.DescribeGroups, 5, { groups: [group], includeAuthorizedOperations: false });
    expect(d.groups[0].groupState).toBe('Stable');
    expect(d.groups[0].members[0].groupInstanceId).toBe('inst-1');
    // LeaveGroup v3+ by instance id; a stale member id for that instance is fenced.
    const bad = await c.send(API.LeaveGroup, 5, { groupId: group, memberId: '', members: [{ memberId: r.memberId, groupInstanceId: 'inst-1', reason: null }] });
    expect(bad.members[0].errorCode).toBe(ErrorCode.FENCED_INSTANCE_ID);
    const ok = await c.send(API.LeaveGroup, 5, { groupId: group, memberId: '', members: [{ memberId: '', groupInstanceId: 'inst-1', reason: null }, { memberId: 'ghost', groupInstanceId: null, reason: null }] });
    expect(ok.errorCode).toBe(0);
    expect(ok.members.map((m: any) => m.errorCode)).toEqual([ErrorCode.NONE, ErrorCode.UNKNOWN_MEMBER_ID]);
    const empty = await c.send(API.DescribeGroups, 5, { groups: [group], includeAuthorizedOperations: false });
    expect(empty.groups[0].groupState).toBe('Empty');
  });

  it('LeaveGroup v0 reports a single unknown member as the top-level error', async () => {
    const group = topicName('g');
    await soloMember(group);
    const r = await c.send(API.LeaveGroup, 0, { groupId: group, memberId: 'ghost' });
    expect(r.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });
});

describe('offsets', () => {
  it('checks members and generations of commits, and creates simple groups', async () => {
    const topic = topicName('t');
    await broker.cluster.createTopic(topic, { numPartitions: 2 });
    const group = topicName('g');
    const m = await soloMember(group);
    expect(await commit(group, topic, { generation: m.generationId, memberId: 'ghost' })).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(await commit(group, topic, { generation: m.generationId + 3, memberId: m.memberId })).toBe(ErrorCode.ILLEGAL_GENERATION);
    // A generation-less commit is refused while the group has members.
    expect(await commit(group, topic)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(await commit(group, topic, { generation: m.generationId, memberId: m.memberId, offset: 42 })).toBe(ErrorCode.NONE);
    expect(await commit(group, topic, { generation: m.generationId, memberId: m.memberId, partition: 9 })).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect(await commit(group, topicName('missing'), { generation: m.generationId, memberId: m.memberId })).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect(await commit(group, topic, { generation: m.generationId, memberId: m.memberId, metadata: 'x'.repeat(5000) })).toBe(ErrorCode.OFFSET_METADATA_TOO_LARGE);

    // Unknown group with a generation: ILLEGAL_GENERATION before v9, GROUP_ID_NOT_FOUND from v9.
    expect(await commit(topicName('none'), topic, { generation: 1, memberId: 'x', version: 8 })).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(await commit(topicName('none'), topic, { generation: 1, memberId: 'x', version: 9 })).toBe(ErrorCode.GROUP_ID_NOT_FOUND);
    const simple = topicName('simple');
    expect(await commit(simple, topic, { offset: 7, version: 2 })).toBe(ErrorCode.NONE);
    const listed = await c.send(API.ListGroups, 5, { statesFilter: ['empty'], typesFilter: ['Classic'] });
    expect(listed.groups.find((g: any) => g.groupId === simple)).toMatchObject({ protocolType: '', groupState: 'Empty', groupType: 'classic' });
    expect((await c.send(API.ListGroups, 5, { statesFilter: ['Stable'], typesFilter: [] })).groups.find((g: any) => g.groupId === simple)).toBeUndefined();
    expect((await c.send(API.ListGroups, 0, {})).groups.find((g: any) => g.groupId === group)).toMatchObject({ protocolType: 'consumer' });

    // Fetch: v1 (per partition), v7 (top-level), v8 (several groups, null topics = all).
    const f1 = await c.send(API.OffsetFetch, 1, { groupId: group, topics: [{ name: topic, partitionIndexes: [0, 1] }] });
    expect(f1.topics[0].partitions.map((p: any) => p.committedOffset)).toEqual([42, -1]);
    expect(f1.topics[0].partitions[0].metadata).toBe('md');
    const f7 = await c.send(API.OffsetFetch, 7, { groupId: simple, topics: null, requireStable: true });
    expect(f7.errorCode).toBe(0);
    expect(f7.topics).toEqual([expect.objectContaining({ name: topic, partitions: [expect.objectContaining({ partitionIndex: 0, committedOffset: 7 })] })]);
    const f8 = await c.send(API.OffsetFetch, 8, { groups: [{ groupId: group, topics: null }, { groupId: simple, topics: [{ name: topic, partitionIndexes: [0] }] }, { groupId: topicName('none'), topics: null }], requireStable: false });
    expect(f8.groups.map((g: any) => g.errorCode)).toEqual([0, 0, 0]);
    expect(f8.groups[0].topics[0].partitions[0].committedOffset).toBe(42);
    expect(f8.groups[1].topics[0].partitions[0].committedOffset).toBe(7);
    expect(f8.groups[2].topics).toEqual([]);
  });

  it('require_stable answers UNSTABLE_OFFSET_COMMIT while a transaction holds offsets', async () => {
    const topic = topicName('t');
    await broker.cluster.createTopic(topic, { numPartitions: 1 });
    const group = topicName('g');
    expect(await commit(group, topic, { offset: 3 })).toBe(0);
    const groups = broker.services.groups;
    groups.pendingTxnOffsets = (g: string) => g === group;
    try {
      const stable = await c.send(API.OffsetFetch, 7, { groupId: group, topics: [{ name: topic, partitionIndexes: [0] }], requireStable: true });
      expect(stable.topics[0].partitions[0]).toMatchObject({ errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT, committedOffset: -1 });
      const relaxed = await c.send(API.OffsetFetch, 7, { groupId: group, topics: [{ name: topic, partitionIndexes: [0] }], requireStable: false });
      expect(relaxed.topics[0].partitions[0]).toMatchObject({ errorCode: 0, committedOffset: 3 });
    } finally {
      groups.pendingTxnOffsets = undefined;
    }
  });

  it('OffsetDelete refuses topics the group subscribes to; DeleteGroups refuses non-empty groups', async () => {
    const topic = topicName('t');
    const other = topicName('o');
    await broker.cluster.createTopic(topic, { numPartitions: 1 });
    await broker.cluster.createTopic(other, { numPartitions: 1 });
    const group = topicName('g');
    const first = await join(group, { protocols: proto([topic]) });
    const r = await join(group, { memberId: first.memberId, protocols: proto([topic]) });
    await c.send(API.SyncGroup, 5, { groupId: group, generationId: r.generationId, memberId: r.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] });
    expect(await commit(group, topic, { generation: r.generationId, memberId: r.memberId })).toBe(0);
    expect(await commit(group, other, { generation: r.generationId, memberId: r.memberId })).toBe(0);
    const del = await c.send(API.OffsetDelete, 0, { groupId: group, topics: [{ name: topic, partitions: [{ partitionIndex: 0 }] }, { name: other, partitions: [{ partitionIndex: 0 }] }] });
    expect(del.errorCode).toBe(0);
    expect(del.topics.map((t: any) => t.partitions[0].errorCode)).toEqual([ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC, ErrorCode.NONE]);
    expect((await c.send(API.OffsetDelete, 0, { groupId: topicName('none'), topics: [] })).errorCode).toBe(ErrorCode.GROUP_ID_NOT_FOUND);

    const missing = topicName('none');
    const dg = await c.send(API.DeleteGroups, 2, { groupsNames: [group, missing] });
    expect(dg.results.map((x: any) => x.errorCode)).toEqual([ErrorCode.NON_EMPTY_GROUP, ErrorCode.GROUP_ID_NOT_FOUND]);
    await c.send(API.LeaveGroup, 5, { groupId: group, memberId: '', members: [{ memberId: r.memberId, groupInstanceId: null, reason: null }] });
    const dg2 = await c.send(API.DeleteGroups, 2, { groupsNames: [group] });
    expect(dg2.results[0].errorCode).toBe(0);
    const gone = await c.send(API.DescribeGroups, 6, { groups: [group], includeAuthorizedOperations: false });
    expect(gone.groups[0]).toMatchObject({ errorCode: ErrorCode.GROUP_ID_NOT_FOUND, groupState: 'Dead' });
    const goneV5 = await c.send(API.DescribeGroups, 5, { groups: [group], includeAuthorizedOperations: false });
    expect(goneV5.groups[0]).toMatchObject({ errorCode: 0, groupState: 'Dead' });
  });
});

describe('FindCoordinator with several brokers', () => {
  it('spreads groups over brokers, batches keys (v4+) and answers NOT_COORDINATOR elsewhere', async () => {
    const multi = await startTestBroker({ brokers: 3 });
    const raw = await RawClient.connect(multi.port);
    try {
      const keys = Array.from({ length: 12 }, (_, i) => `group-${i}`);
      const v4 = await raw.send(API.FindCoordinator, 4, { keyType: 0, coordinatorKeys: keys });
      expect(v4.coordinators).toHaveLength(12);
      const nodes = new Set(v4.coordinators.map((x: any) => x.nodeId));
      expect(nodes.size).toBeGreaterThan(1);
      const v0 = await raw.send(API.FindCoordinator, 0, { key: 'group-0' });
      expect(v0.nodeId).toBe(v4.coordinators[0].nodeId);
      expect(v0.port).toBe(multi.brokers[v0.nodeId].ports.PLAINTEXT);
      const txn = await raw.send(API.FindCoordinator, 3, { key: 'tx-1', keyType: 1 });
      expect(txn.errorCode).toBe(0);
      expect((await raw.send(API.FindCoordinator, 3, { key: 'x', keyType: 7 })).errorCode).toBe(ErrorCode.INVALID_REQUEST);
      // Broker 0 answers NOT_COORDINATOR for a group another broker coordinates.
      const elsewhere = v4.coordinators.find((x: any) => x.nodeId !== 0).key;
      const r = await raw.send(API.JoinGroup, 5, { groupId: elsewhere, sessionTimeoutMs: 10000, rebalanceTimeoutMs: 1000, memberId: '', groupInstanceId: null, protocolType: 'consumer', protocols: proto(['t']) });
      expect(r.errorCode).toBe(ErrorCode.NOT_COORDINATOR);
      expect((await raw.send(API.Heartbeat, 3, { groupId: elsewhere, generationId: 1, memberId: 'm', groupInstanceId: null })).errorCode).toBe(ErrorCode.NOT_COORDINATOR);

      // Committed on the coordinator, read back by kafkajs, which has to find that coordinator.
      const topic = topicName('multi');
      await multi.cluster.createTopic(topic, { numPartitions: 3, replicationFactor: 1 });
      const node = v4.coordinators.find((x: any) => x.key === elsewhere).nodeId;
      const direct = await RawClient.connect(multi.brokers[node].ports.PLAINTEXT);
      const cr = await direct.send(API.OffsetCommit, 8, { groupId: elsewhere, generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, topics: [{ name: topic, partitions: [{ partitionIndex: 1, committedOffset: 4, committedLeaderEpoch: -1, committedMetadata: null }] }] });
      direct.close();
      expect(cr.topics[0].partitions[0].errorCode).toBe(0);
      const admin = kafkajs(multi).admin();
      await admin.connect();
      const fetched = await admin.fetchOffsets({ groupId: elsewhere, topics: [topic] });
      expect(fetched[0].partitions.find((p) => p.partition === 1)?.offset).toBe('4');
      await admin.disconnect();
    } finally {
      raw.close();
      await multi.stop();
    }
  });
});

describe('group ACLs', () => {
  it('answers GROUP_AUTHORIZATION_FAILED for groups the principal may not use', async () => {
    const secured = await startTestBroker({ overrides: { 'allow.everyone.if.no.acl.found': 'true' } });
    const raw = await RawClient.connect(secured.port);
    try {
      const admin = kafkajs(secured).admin();
      await admin.connect();
      await admin.createAcls({ acl: [{ resourceType: 3, resourceName: 'denied', resourcePatternType: 3, principal: 'User:*', host: '*', operation: 2, permissionType: 2 }] as any });
      await admin.disconnect();
      const denied = ErrorCode.GROUP_AUTHORIZATION_FAILED;
      expect((await raw.send(API.FindCoordinator, 3, { key: 'denied', keyType: 0 })).errorCode).toBe(denied);
      const join = { groupId: 'denied', sessionTimeoutMs: 10000, rebalanceTimeoutMs: 1000, memberId: '', groupInstanceId: null, protocolType: 'consumer', protocols: proto(['t']) };
      expect((await raw.send(API.JoinGroup, 5, join)).errorCode).toBe(denied);
      expect((await raw.send(API.Heartbeat, 3, { groupId: 'denied', generationId: 1, memberId: 'm', groupInstanceId: null })).errorCode).toBe(denied);
      expect((await raw.send(API.OffsetFetch, 7, { groupId: 'denied', topics: null, requireStable: false })).errorCode).toBe(denied);
      expect((await raw.send(API.DescribeGroups, 5, { groups: ['denied'], includeAuthorizedOperations: false })).groups[0].errorCode).toBe(denied);
      expect((await raw.send(API.JoinGroup, 5, { ...join, groupId: 'allowed' })).errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    } finally {
      raw.close();
      await secured.stop();
    }
  });
});

describe('group.initial.rebalance.delay.ms', () => {
  it('a new group waits the delay so members joining together land in one generation', async () => {
    broker.cluster.config.set('group.initial.rebalance.delay.ms', '300');
    const other = await RawClient.connect(broker.port);
    try {
      const group = topicName('g');
      const started = Date.now();
      const [a, b] = await Promise.all([join(group, { version: 3 }), (async () => {
        await sleep(100);
        return join(group, { version: 3 }, other);
      })()]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(280);
      expect(a.generationId).toBe(1);
      expect(b.generationId).toBe(1);
      expect(a.leader).toBe(a.memberId);
      expect(a.members).toHaveLength(2);
    } finally {
      broker.cluster.config.set('group.initial.rebalance.delay.ms', null);
      other.close();
    }
  });
});
