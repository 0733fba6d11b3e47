// The classic group protocol byte for byte, offsets half: OffsetCommit/OffsetFetch/OffsetDelete/DeleteGroups
// checks, FindCoordinator across several brokers, and group ACLs. Driven by a raw client so each request is
// exactly the one under test.
import { describe, expect, it } from 'vitest';
import type { RunningBroker } from '../../src/kafkalite.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { kafkajs, startTestBroker, topicName } from '../compat/helpers.js';
import { classicCalls, proto } from './classic-calls.js';
import { newTopic, useRawBroker } from './raw-broker.js';
import { API, RawClient } from './raw-client.js';

let broker: RunningBroker;
let c: RawClient;
useRawBroker({ overrides: { 'group.min.session.timeout.ms': '100' } }, (env) => ({ broker, c } = env));
const { join, soloMember, commit } = classicCalls(() => c);

describe('offsets', () => {
  it('checks members and generations of commits, and creates simple groups', async () => {
    const topic = await newTopic(broker, 't', 2);
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
    const topic = await newTopic(broker, 't');
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
