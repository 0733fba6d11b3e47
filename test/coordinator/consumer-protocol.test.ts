// KIP-848 consumer groups byte for byte: epochs, revocation before reassignment, server-side assignors,
// regex subscriptions, fencing, and the rules where classic and consumer groups meet.
import { describe, expect, it } from 'vitest';
import type { RunningBroker } from '../../src/kafkalite.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { startTestBroker, topicName } from '../compat/helpers.js';
import { newTopic, useRawBroker } from './raw-broker.js';
import { API, RawClient, subscription } from './raw-client.js';

let broker: RunningBroker;
let c: RawClient;
useRawBroker({ overrides: { 'group.consumer.session.timeout.ms': '1500', 'group.consumer.heartbeat.interval.ms': '100' } }, (env) => ({ broker, c } = env));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Hb { memberId: string; memberEpoch: number; topics?: string[] | null; regex?: string | null; owned?: { topicId: string; partitions: number[] }[] | null; assignor?: string | null; instanceId?: string | null; version?: number }

function hb(group: string, o: Hb): Promise<any> {
  return c.send(API.ConsumerGroupHeartbeat, o.version ?? 1, {
    groupId: group,
    memberId: o.memberId,
    memberEpoch: o.memberEpoch,
    instanceId: o.instanceId ?? null,
    rackId: null,
    rebalanceTimeoutMs: o.memberEpoch === 0 ? 5000 : -1,
    subscribedTopicNames: o.topics === undefined ? (o.memberEpoch === 0 ? [] : null) : o.topics,
    subscribedTopicRegex: o.regex ?? null,
    serverAssignor: o.assignor ?? null,
    topicPartitions: o.owned === undefined ? (o.memberEpoch === 0 ? [] : null) : o.owned,
  });
}

const parts = (r: any) => (r.assignment?.topicPartitions ?? []).flatMap((t: any) => t.partitions).sort();

describe('ConsumerGroupHeartbeat', () => {
  it('assigns, revokes before reassigning, and rebalances when members come and go', async () => {
    const topic = topicName('t');
    const t = await broker.cluster.createTopic(topic, { numPartitions: 4 });
    const group = topicName('g');
    const a = await hb(group, { memberId: 'member-a', memberEpoch: 0, topics: [topic] });
    expect(a).toMatchObject({ errorCode: 0, memberId: 'member-a', memberEpoch: 1, heartbeatIntervalMs: 100 });
    expect(parts(a)).toEqual([0, 1, 2, 3]);
    const owned = (ps: number[]) => [{ topicId: t.id, partitions: ps }];

    const b = await hb(group, { memberId: 'member-b', memberEpoch: 0, topics: [topic] });
    expect(b.memberEpoch).toBe(2);
    expect(parts(b)).toEqual([]); // its target partitions are still owned by member-a
    // member-a is asked to give up two partitions and stays at epoch 1 until it has.
    const a2 = await hb(group, { memberId: 'member-a', memberEpoch: 1, owned: owned([0, 1, 2, 3]) });
    expect(a2.memberEpoch).toBe(1);
    const kept = parts(a2);
    expect(kept).toHaveLength(2);
    const d1 = await c.send(API.ConsumerGroupDescribe, 1, { groupIds: [group], includeAuthorizedOperations: false });
    expect(d1.groups[0]).toMatchObject({ groupState: 'Reconciling', groupEpoch: 2, assignmentEpoch: 2, assignorName: 'uniform' });
    const a3 = await hb(group, { memberId: 'member-a', memberEpoch: 1, owned: owned(kept) });
    expect(a3.memberEpoch).toBe(2);
    const b2 = await hb(group, { memberId: 'member-b', memberEpoch: 2, owned: [] });
    expect(parts(b2)).toEqual([0, 1, 2, 3].filter((p) => !kept.includes(p)));
    await hb(group, { memberId: 'member-b', memberEpoch: 2, owned: owned(parts(b2)) });
    const d2 = await c.send(API.ConsumerGroupDescribe, 1, { groupIds: [group], includeAuthorizedOperations: true });
    expect(d2.groups[0].groupState).toBe('Stable');
    expect(d2.groups[0].members).toHaveLength(2);
    expect(d2.groups[0].members[0]).toMatchObject({ memberType: 1, subscribedTopicNames: [topic], clientHost: '/127.0.0.1' });
    expect(d2.groups[0].members[0].assignment.topicPartitions[0].topicName).toBe(topic);

    // Fencing: epochs from the future or the distant past.
    expect((await hb(group, { memberId: 'member-a', memberEpoch: 7 })).errorCode).toBe(ErrorCode.FENCED_MEMBER_EPOCH);
    expect((await hb(group, { memberId: 'ghost', memberEpoch: 2 })).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    // A retried heartbeat with the previous epoch and a subset of the assignment is accepted.
    expect((await hb(group, { memberId: 'member-a', memberEpoch: 1, owned: owned(kept) })).memberEpoch).toBe(2);

    // member-a leaves; member-b gets everything on its next heartbeat.
    const left = await hb(group, { memberId: 'member-a', memberEpoch: -1, topics: [], owned: [] });
    expect(left).toMatchObject({ errorCode: 0, memberEpoch: -1 });
    const b3 = await hb(group, { memberId: 'member-b', memberEpoch: 2, owned: owned(parts(b2)) });
    expect(b3.memberEpoch).toBe(3);
    expect(parts(b3)).toEqual([0, 1, 2, 3]);

    // New partitions are picked up: the subscribed topic metadata is part of the group epoch.
    await broker.cluster.addPartitions(t, 6);
    const b4 = await hb(group, { memberId: 'member-b', memberEpoch: 3, owned: owned([0, 1, 2, 3]) });
    expect(b4.memberEpoch).toBe(4);
    expect(parts(b4)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('range assignor, regex subscriptions and request validation', async () => {
    const t1 = await broker.cluster.createTopic(topicName('rx-a'), { numPartitions: 3 });
    const t2 = await broker.cluster.createTopic(topicName('rx-b'), { numPartitions: 3 });
    const group = topicName('g');
    const regex = `${t1.name.slice(0, t1.name.indexOf('-'))}-.*-${process.pid}-.*`;
    const m1 = await hb(group, { memberId: 'm1', memberEpoch: 0, regex, assignor: 'range' });
    expect(m1.errorCode).toBe(0);
    const ids = new Set(m1.assignment.topicPartitions.map((x: any) => x.topicId));
    expect(ids.has(t1.id) && ids.has(t2.id)).toBe(true);
    const m2 = await hb(group, { memberId: 'm2', memberEpoch: 0, regex, assignor: 'range' });
    expect(m2.errorCode).toBe(0);
    const d = await c.send(API.ConsumerGroupDescribe, 0, { groupIds: [group], includeAuthorizedOperations: false });
    expect(d.groups[0].assignorName).toBe('range');
    // Range: per topic, m1 (first by member id) targets partitions 0-1 and m2 partition 2.
    const target = (id: string) => d.groups[0].members.find((m: any) => m.memberId === id).targetAssignment.topicPartitions;
    for (const tp of target('m1')) expect(tp.partitions).toEqual([0, 1]);
    for (const tp of target('m2')) expect(tp.partitions).toEqual([2]);

    const bad = async (o: Hb) => (await hb(topicName('g'), o)).errorCode;
    expect(await bad({ memberId: '', memberEpoch: 0, topics: ['x'] })).toBe(ErrorCode.INVALID_REQUEST);
    expect(await bad({ memberId: 'x', memberEpoch: 0, topics: [] })).toBe(ErrorCode.INVALID_REQUEST);
    expect(await bad({ memberId: 'x', memberEpoch: -3, topics: ['x'] })).toBe(ErrorCode.INVALID_REQUEST);
    expect(await bad({ memberId: 'x', memberEpoch: 0, topics: ['x'], assignor: 'sticky' })).toBe(ErrorCode.UNSUPPORTED_ASSIGNOR);
    expect(await bad({ memberId: 'x', memberEpoch: 0, regex: '(' })).toBe(ErrorCode.INVALID_REGULAR_EXPRESSION);
    // RE2 (Kafka's regex engine here) has no lookarounds or backreferences.
    for (const regex of ['topic-(?!x).*', '(t)\\1.*']) expect(await bad({ memberId: 'x', memberEpoch: 0, regex }), regex).toBe(ErrorCode.INVALID_REGULAR_EXPRESSION);
    const lookahead = await hb(topicName('g'), { memberId: 'x', memberEpoch: 0, regex: 'a(?=b)' });
    expect(lookahead.errorMessage).toBe('SubscribedTopicRegex `a(?=b)` is not a valid regular expression: error parsing regexp: invalid or unsupported Perl syntax: `(?=`.');
    expect(await bad({ memberId: 'x', memberEpoch: 3, topics: ['x'] })).toBe(ErrorCode.GROUP_ID_NOT_FOUND);
    // v0 lets the coordinator choose the member id.
    const v0 = await hb(topicName('g'), { memberId: '', memberEpoch: 0, topics: ['x'], version: 0 });
    expect(v0.errorCode).toBe(0);
    expect(v0.memberId).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('regexes are RE2/J: inline flags work, and matching takes linear time', async () => {
    const t = await broker.cluster.createTopic(topicName('rx-case'), { numPartitions: 1 });
    // JavaScript's RegExp has no inline flags; RE2/J (and so Kafka) has.
    const m = await hb(topicName('g'), { memberId: 'ci', memberEpoch: 0, regex: `(?i)${t.name.toUpperCase()}` });
    expect(m.errorCode).toBe(0);
    expect(m.assignment.topicPartitions.map((x: any) => x.topicId)).toEqual([t.id]);
    // Against this name, a backtracking engine tries ~2^40 ways to fit (x+x+)+ before giving up.
    const evil = await broker.cluster.createTopic(`${'x'.repeat(40)}-${process.pid}`, { numPartitions: 1 });
    try {
      const e = await hb(topicName('g'), { memberId: 'evil', memberEpoch: 0, regex: '(x+x+)+y' });
      expect(e.errorCode).toBe(0);
      expect(e.assignment.topicPartitions).toEqual([]);
    } finally {
      await broker.cluster.deleteTopic(evil);
    }
  });

  it('expires members that stop heartbeating', async () => {
    const topic = await newTopic(broker, 't', 2);
    const group = topicName('g');
    await hb(group, { memberId: 'short', memberEpoch: 0, topics: [topic] });
    await sleep(1800);
    expect((await hb(group, { memberId: 'short', memberEpoch: 1 })).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    const d = await c.send(API.ConsumerGroupDescribe, 1, { groupIds: [group], includeAuthorizedOperations: false });
    expect(d.groups[0].groupState).toBe('Empty');
  });

  it('a static member rejoining under a new member id takes over its assignment', async () => {
    const topic = await newTopic(broker, 't', 2);
    const group = topicName('g');
    const first = await hb(group, { memberId: 's1', memberEpoch: 0, topics: [topic], instanceId: 'inst' });
    expect(parts(first)).toEqual([0, 1]);
    expect((await hb(group, { memberId: 's2', memberEpoch: 0, topics: [topic], instanceId: 'inst' })).errorCode).toBe(ErrorCode.UNRELEASED_INSTANCE_ID);
    expect((await hb(group, { memberId: 'sX', memberEpoch: -2, instanceId: 'inst' })).errorCode).toBe(ErrorCode.FENCED_INSTANCE_ID);
    expect((await hb(group, { memberId: 's1', memberEpoch: -2, instanceId: 'inst' })).memberEpoch).toBe(-2);
    const back = await hb(group, { memberId: 's2', memberEpoch: 0, topics: [topic], instanceId: 'inst' });
    expect(back).toMatchObject({ errorCode: 0, memberId: 's2', memberEpoch: first.memberEpoch });
    expect(parts(back)).toEqual([0, 1]);
  });
});

describe('consumer groups and the other group APIs', () => {
  it('offset commits check member epochs; classic and consumer groups do not mix', async () => {
    const topic = await newTopic(broker, 't');
    const group = topicName('g');
    const m = await hb(group, { memberId: 'cm', memberEpoch: 0, topics: [topic] });
    const commit = (epoch: number, version: number, memberId = 'cm') => c.send(API.OffsetCommit, version, {
      groupId: group, generationIdOrMemberEpoch: epoch, memberId, groupInstanceId: null, retentionTimeMs: -1,
      topics: [{ name: topic, partitions: [{ partitionIndex: 0, committedOffset: 11, committedLeaderEpoch: -1, committedMetadata: null }] }],
    }).then((r) => r.topics[0].partitions[0].errorCode);
    expect(await commit(m.memberEpoch, 9)).toBe(0);
    expect(await commit(m.memberEpoch + 1, 9)).toBe(ErrorCode.STALE_MEMBER_EPOCH);
    expect(await commit(m.memberEpoch + 1, 8)).toBe(ErrorCode.UNSUPPORTED_VERSION);
    expect(await commit(m.memberEpoch, 9, 'other')).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    const f = await c.send(API.OffsetFetch, 9, { groups: [{ groupId: group, memberId: 'cm', memberEpoch: m.memberEpoch + 5, topics: null }], requireStable: false });
    expect(f.groups[0].errorCode).toBe(ErrorCode.STALE_MEMBER_EPOCH);
    const f2 = await c.send(API.OffsetFetch, 9, { groups: [{ groupId: group, memberId: 'cm', memberEpoch: m.memberEpoch, topics: null }], requireStable: false });
    expect(f2.groups[0].topics[0].partitions[0].committedOffset).toBe(11);

    // A classic member cannot join the consumer group while it has members; describing it the classic way fails.
    const j = await c.send(API.JoinGroup, 5, { groupId: group, sessionTimeoutMs: 10000, rebalanceTimeoutMs: 1000, memberId: '', groupInstanceId: null, protocolType: 'consumer', protocols: [{ name: 'range', metadata: subscription([topic]) }] });
    expect(j.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const dg = await c.send(API.DescribeGroups, 6, { groups: [group], includeAuthorizedOperations: false });
    expect(dg.groups[0]).toMatchObject({ errorCode: ErrorCode.GROUP_ID_NOT_FOUND, groupState: 'Dead' });
    const lg = await c.send(API.ListGroups, 5, { statesFilter: [], typesFilter: ['consumer'] });
    expect(lg.groups.find((g: any) => g.groupId === group)).toMatchObject({ protocolType: 'consumer', groupType: 'consumer', groupState: 'Stable' });
    expect((await c.send(API.DeleteGroups, 2, { groupsNames: [group] })).results[0].errorCode).toBe(ErrorCode.NON_EMPTY_GROUP);

    // A classic group with members refuses consumer-protocol members with GROUP_ID_NOT_FOUND.
    const classic = topicName('g');
    const cj = await c.send(API.JoinGroup, 3, { groupId: classic, sessionTimeoutMs: 10000, rebalanceTimeoutMs: 1000, memberId: '', groupInstanceId: null, protocolType: 'consumer', protocols: [{ name: 'range', metadata: subscription([topic]) }] });
    expect(cj.errorCode).toBe(0);
    expect((await hb(classic, { memberId: 'x', memberEpoch: 0, topics: [topic] })).errorCode).toBe(ErrorCode.GROUP_ID_NOT_FOUND);
    const cd = await c.send(API.ConsumerGroupDescribe, 1, { groupIds: [classic], includeAuthorizedOperations: false });
    expect(cd.groups[0].errorCode).toBe(ErrorCode.GROUP_ID_NOT_FOUND);

    // An empty classic group (offsets only) becomes a consumer group and keeps its offsets.
    const simple = topicName('g');
    await c.send(API.OffsetCommit, 8, { groupId: simple, generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, topics: [{ name: topic, partitions: [{ partitionIndex: 0, committedOffset: 3, committedLeaderEpoch: -1, committedMetadata: null }] }] });
    const up = await hb(simple, { memberId: 'u', memberEpoch: 0, topics: [topic] });
    expect(up.errorCode).toBe(0);
    const kept = await c.send(API.OffsetFetch, 8, { groups: [{ groupId: simple, topics: null }], requireStable: false });
    expect(kept.groups[0].topics[0].partitions[0].committedOffset).toBe(3);
    // ... and back to classic once it is empty again.
    await hb(simple, { memberId: 'u', memberEpoch: -1 });
    const down = await c.send(API.JoinGroup, 3, { groupId: simple, sessionTimeoutMs: 10000, rebalanceTimeoutMs: 1000, memberId: '', groupInstanceId: null, protocolType: 'consumer', protocols: [{ name: 'range', metadata: subscription([topic]) }] });
    expect(down.errorCode).toBe(0);
  });

  it('refuses the whole heartbeat when a subscribed topic may not be described (Kafka KafkaApis)', async () => {
    const secured = await startTestBroker({ authorizer: true, overrides: { 'allow.everyone.if.no.acl.found': 'true' } });
    const sc = await RawClient.connect(secured.port);
    try {
      const open = await newTopic(secured, 'open');
      const denied = await newTopic(secured, 'denied');
      // DENY ALL on the topic for everyone (resource TOPIC, pattern LITERAL).
      await secured.services.acl.create([{ resourceType: 2, resourceName: denied, patternType: 3, principal: 'User:*', host: '*', operation: 2, permissionType: 2 }]);
      const send = (topics: string[]) =>
        sc.send(API.ConsumerGroupHeartbeat, 1, { groupId: topicName('g'), memberId: 'm', memberEpoch: 0, instanceId: null, rackId: null, rebalanceTimeoutMs: 5000, subscribedTopicNames: topics, subscribedTopicRegex: null, serverAssignor: null, topicPartitions: [] });
      expect((await send([open, denied])).errorCode).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
      expect((await send([open])).errorCode).toBe(ErrorCode.NONE);
    } finally {
      sc.close();
      await secured.stop();
    }
  });
});
