// Share groups (KIP-932) byte for byte: ShareGroupHeartbeat's epochs and assignments, where share groups meet
// other group types, and the share session rules of ShareFetch / ShareAcknowledge (epoch 0 opens, -1 closes, the
// connection's end releases what its member holds).
import { afterAll, describe, expect, it } from 'vitest';
import type { RunningBroker } from '../../src/kafkalite.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { kafkajs, startTestBroker, topicName } from '../compat/helpers.js';
import { DiskBroker, newTopic, useRawBroker } from './raw-broker.js';
import { API, RawClient } from './raw-client.js';

let broker: RunningBroker;
let c: RawClient;
useRawBroker({}, (env) => ({ broker, c } = env));
const extra: RawClient[] = [];
afterAll(() => extra.forEach((x) => x.close()));

const hb = (group: string, memberId: string, memberEpoch: number, topics: string[] | null = null, via = c) =>
  via.send(API.ShareGroupHeartbeat, 1, { groupId: group, memberId, memberEpoch, rackId: null, subscribedTopicNames: topics });
const parts = (r: any) => (r.assignment?.topicPartitions ?? []).flatMap((t: any) => t.partitions).sort();

interface Fetch { epoch: number; topicId?: string; acks?: { firstOffset: number; lastOffset: number; acknowledgeTypes: number[] }[]; maxWaitMs?: number }
const shareFetch = (group: string, memberId: string, f: Fetch, via = c) =>
  via.send(API.ShareFetch, 1, {
    groupId: group, memberId, shareSessionEpoch: f.epoch, maxWaitMs: f.maxWaitMs ?? 0, minBytes: 1, maxBytes: 1 << 20, maxRecords: 100, batchSize: 100,
    topics: f.topicId ? [{ topicId: f.topicId, partitions: [{ partitionIndex: 0, partitionMaxBytes: 0, acknowledgementBatches: f.acks ?? [] }] }] : [],
    forgottenTopicsData: [],
  });
const [DESCRIBE_OFFSETS, ALTER_OFFSETS, DELETE_OFFSETS] = [90, 91, 92];
const acquired = (r: any) => r.responses.flatMap((t: any) => t.partitions.flatMap((p: any) => p.acquiredRecords));

async function produce(topic: string, n: number): Promise<void> {
  const p = kafkajs(broker).producer();
  await p.connect();
  await p.send({ topic, messages: Array.from({ length: n }, (_, i) => ({ value: `m${i}` })) });
  await p.disconnect();
}

describe('ShareGroupHeartbeat', () => {
  it('validates, assigns, moves members straight to the new assignment, fences stale epochs and lets members leave', async () => {
    const topic = await newTopic(broker, 'sh', 4);
    const group = topicName('sg');
    expect(await hb(group, '', 0, [topic])).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: "MemberId can't be empty." });
    expect(await hb(group, 'a', 0, [])).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'SubscribedTopicNames must be set in first request.' });
    expect((await hb(group, 'a', 1)).errorCode).toBe(ErrorCode.GROUP_ID_NOT_FOUND); // no such group yet

    // As from Kafka 4.1: partitions without share state are not assigned yet. This heartbeat starts their
    // initialization and asks the member back soon (kafkalite's short interval); the next one assigns them.
    const a0 = await hb(group, 'a', 0, [topic]);
    expect(a0).toMatchObject({ errorCode: 0, memberId: 'a', memberEpoch: 1, heartbeatIntervalMs: 100 });
    expect(parts(a0)).toEqual([]);
    const a = await hb(group, 'a', 1);
    expect(a).toMatchObject({ errorCode: 0, memberEpoch: 2, heartbeatIntervalMs: 5000 });
    expect(parts(a)).toEqual([0, 1, 2, 3]);
    expect((await hb(group, 'a', 2)).assignment).toBeNull(); // unchanged: not sent again
    const b = await hb(group, 'b', 0, [topic]); // the partitions have share state now: assigned at once
    expect(b).toMatchObject({ memberEpoch: 3, heartbeatIntervalMs: 5000 });
    const a2 = await hb(group, 'a', 2);
    expect(a2.memberEpoch).toBe(3); // no revocation step in share groups
    expect([...parts(a2), ...parts(b)].sort()).toEqual([0, 1, 2, 3]);
    expect(parts(a2)).toHaveLength(2);

    expect((await hb(group, 'a', 4)).errorCode).toBe(ErrorCode.FENCED_MEMBER_EPOCH);
    expect((await hb(group, 'zz', 3)).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    const d = await c.send(API.ShareGroupDescribe, 1, { groupIds: [group], includeAuthorizedOperations: false });
    expect(d.groups[0]).toMatchObject({ errorCode: 0, groupState: 'Stable', groupEpoch: 3, assignmentEpoch: 3, assignorName: 'simple' });
    expect(d.groups[0].members.map((m: any) => m.memberId).sort()).toEqual(['a', 'b']);

    expect(await hb(group, 'b', -1)).toMatchObject({ errorCode: 0, memberEpoch: -1 });
    expect(parts(await hb(group, 'a', 3))).toEqual([0, 1, 2, 3]);
  });

  it('shares partitions when members outnumber them', async () => {
    const topic = await newTopic(broker, 'sh', 2);
    const group = topicName('sg');
    const epochs: number[] = [];
    for (const m of ['a', 'b', 'c']) epochs.push((await hb(group, m, 0, [topic])).memberEpoch);
    for (const [i, m] of ['a', 'b', 'c'].entries()) await hb(group, m, epochs[i]);
    const d = await c.send(API.ShareGroupDescribe, 1, { groupIds: [group], includeAuthorizedOperations: false });
    const got = d.groups[0].members.map((m: any) => parts(m));
    expect(got.map((p: number[]) => p.length)).toEqual([1, 1, 1]);
    expect(new Set(got.flat())).toEqual(new Set([0, 1]));
  });

  it('never mixes share groups with other group types; lists, describes and deletes them as Kafka does', async () => {
    const topic = await newTopic(broker, 'sh', 1);
    const group = topicName('sg');
    await hb(group, 'a', 0, [topic]);
    const cg = await c.send(API.ConsumerGroupHeartbeat, 1, { groupId: group, memberId: 'x', memberEpoch: 0, instanceId: null, rackId: null, rebalanceTimeoutMs: 5000, subscribedTopicNames: [topic], subscribedTopicRegex: null, serverAssignor: null, topicPartitions: [] });
    expect(cg.errorCode).toBe(ErrorCode.GROUP_ID_NOT_FOUND);
    const lg = await c.send(API.ListGroups, 5, { statesFilter: [], typesFilter: ['share'] });
    expect(lg.groups.find((g: any) => g.groupId === group)).toMatchObject({ protocolType: 'share', groupType: 'share', groupState: 'Stable' });
    const dg = await c.send(API.DescribeGroups, 5, { groups: [group], includeAuthorizedOperations: false });
    expect(dg.groups[0].groupState).toBe('Dead');
    expect((await c.send(API.DeleteGroups, 2, { groupsNames: [group] })).results[0].errorCode).toBe(ErrorCode.NON_EMPTY_GROUP);
    await hb(group, 'a', -1);
    expect((await c.send(API.DeleteGroups, 2, { groupsNames: [group] })).results[0].errorCode).toBe(ErrorCode.NONE);

    const consumerGroup = topicName('cg');
    await c.send(API.ConsumerGroupHeartbeat, 1, { groupId: consumerGroup, memberId: 'x', memberEpoch: 0, instanceId: null, rackId: null, rebalanceTimeoutMs: 5000, subscribedTopicNames: [topic], subscribedTopicRegex: null, serverAssignor: null, topicPartitions: [] });
    expect(await hb(consumerGroup, 'a', 0, [topic])).toMatchObject({ errorCode: ErrorCode.GROUP_ID_NOT_FOUND, errorMessage: `Group ${consumerGroup} is not a share group.` });
  });
});

describe('ShareFetch and ShareAcknowledge', () => {
  it('follow the share session rules and hand each record to one member at a time', async () => {
    const topic = await newTopic(broker, 'sf', 1);
    const topicId = broker.cluster.topics.get(topic)!.id;
    const group = topicName('sg');
    await broker.cluster.groupConfigs.set(group, new Map([['share.auto.offset.reset', 'earliest']]));
    await produce(topic, 5);
    await hb(group, 'a', 0, [topic]);

    expect((await shareFetch(group, 'a', { epoch: 1, topicId })).errorCode).toBe(ErrorCode.SHARE_SESSION_NOT_FOUND);
    expect((await shareFetch(group, 'a', { epoch: 0, topicId, acks: [{ firstOffset: 0, lastOffset: 0, acknowledgeTypes: [1] }] })).errorCode).toBe(ErrorCode.INVALID_REQUEST);
    const f = await shareFetch(group, 'a', { epoch: 0, topicId });
    expect(f).toMatchObject({ errorCode: 0, acquisitionLockTimeoutMs: 30000 });
    expect(acquired(f)).toEqual([{ firstOffset: 0, lastOffset: 4, deliveryCount: 1 }]);
    expect(f.responses[0].partitions[0].records.length).toBeGreaterThan(61);
    expect((await shareFetch(group, 'a', { epoch: 5 })).errorCode).toBe(ErrorCode.INVALID_SHARE_SESSION_EPOCH);

    const ack = await c.send(API.ShareAcknowledge, 1, { groupId: group, memberId: 'a', shareSessionEpoch: 1, topics: [{ topicId, partitions: [{ partitionIndex: 0, acknowledgementBatches: [{ firstOffset: 0, lastOffset: 1, acknowledgeTypes: [1] }] }] }] });
    expect(ack.responses[0].partitions[0].errorCode).toBe(0);
    const zero = await c.send(API.ShareAcknowledge, 1, { groupId: group, memberId: 'a', shareSessionEpoch: 0, topics: [] });
    expect(zero.errorCode).toBe(ErrorCode.INVALID_SHARE_SESSION_EPOCH);
    // Acknowledging what another member holds fails for that partition only.
    const b = await RawClient.connect(broker.port);
    extra.push(b);
    await shareFetch(group, 'b', { epoch: 0, topicId }, b);
    const bad = await shareFetch(group, 'b', { epoch: 1, topicId, acks: [{ firstOffset: 2, lastOffset: 2, acknowledgeTypes: [1] }] }, b);
    expect(bad.responses[0].partitions[0]).toMatchObject({ acknowledgeErrorCode: ErrorCode.INVALID_RECORD_STATE });
    expect(acquired(bad)).toEqual([]); // a still holds 2..4

    // Closing a's session (epoch -1) applies its acknowledgements and releases the rest for b.
    const fin = await shareFetch(group, 'a', { epoch: -1, topicId, acks: [{ firstOffset: 2, lastOffset: 2, acknowledgeTypes: [1] }] });
    expect(fin.responses[0].partitions[0].acknowledgeErrorCode).toBe(0);
    expect((await shareFetch(group, 'a', { epoch: 2, topicId })).errorCode).toBe(ErrorCode.SHARE_SESSION_NOT_FOUND);
    const b2 = await shareFetch(group, 'b', { epoch: 2, topicId }, b);
    expect(acquired(b2)).toEqual([{ firstOffset: 3, lastOffset: 4, deliveryCount: 1 }]); // released without counting a delivery

    // b's connection goes: what it held is available again; a parked fetch of a new session gets it.
    const cNew = await RawClient.connect(broker.port);
    extra.push(cNew);
    const waiting = shareFetch(group, 'c', { epoch: 0, topicId, maxWaitMs: 5000 }, cNew);
    await new Promise((r) => setTimeout(r, 50));
    b.close();
    expect(acquired(await waiting)).toEqual([{ firstOffset: 3, lastOffset: 4, deliveryCount: 1 }]);
  });

  it('describes, alters and deletes share-partition start offsets while the group is empty (Kafka\'s admin APIs)', async () => {
    const topic = await newTopic(broker, 'so', 2);
    const t = broker.cluster.topics.get(topic)!;
    const group = topicName('sg');
    await produce(topic, 6);
    await hb(group, 'a', 0, [topic]); // latest: the share-partitions start at each partition's end
    const describe = async () => (await c.send(DESCRIBE_OFFSETS, 0, { groups: [{ groupId: group, topics: [{ topicName: topic, partitions: [0, 1] }] }] })).groups[0];
    const ends = t.partitions.map((p) => p.highWatermark);
    expect((await describe()).topics[0]).toMatchObject({ topicId: t.id, partitions: [{ partitionIndex: 0, startOffset: ends[0], errorCode: 0 }, { partitionIndex: 1, startOffset: ends[1], errorCode: 0 }] });
    const alter = (startOffset: number) => c.send(ALTER_OFFSETS, 0, { groupId: group, topics: [{ topicName: topic, partitions: [{ partitionIndex: 0, startOffset }] }] });
    expect((await alter(0)).errorCode).toBe(ErrorCode.NON_EMPTY_GROUP);
    await hb(group, 'a', -1);
    expect((await alter(99)).responses[0].partitions[0].errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect((await alter(0)).responses[0].partitions[0].errorCode).toBe(0);
    expect((await describe()).topics[0].partitions[0].startOffset).toBe(0);
    const del = await c.send(DELETE_OFFSETS, 0, { groupId: group, topics: [{ topicName: topic }, { topicName: 'no-such-topic' }] });
    expect(del.responses.map((r: any) => r.errorCode)).toEqual([0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
    expect((await describe()).topics[0].partitions.map((p: any) => p.startOffset)).toEqual([-1, -1]);
    const missing = await c.send(DESCRIBE_OFFSETS, 0, { groups: [{ groupId: topicName('none'), topics: null }] });
    expect(missing.groups[0].errorCode).toBe(ErrorCode.GROUP_ID_NOT_FOUND);
  });

  it('starts a share-partition by share.auto.offset.reset: by_duration finds the first record that recent', async () => {
    const topic = await newTopic(broker, 'sd', 1);
    const topicId = broker.cluster.topics.get(topic)!.id;
    const p = kafkajs(broker).producer();
    await p.connect();
    const now = Date.now();
    await p.send({ topic, messages: [0, 1, 2].map((i) => ({ value: `old${i}`, timestamp: String(now - 3 * 3600_000) })) });
    await p.send({ topic, messages: [0, 1].map((i) => ({ value: `new${i}`, timestamp: String(now - 60_000) })) });
    await p.disconnect();
    const startOf = async (reset: string) => {
      const group = topicName('sg');
      await broker.cluster.groupConfigs.set(group, new Map([['share.auto.offset.reset', reset]]));
      await hb(group, 'a', 0, [topic]);
      const f = await shareFetch(group, 'a', { epoch: 0, topicId });
      return acquired(f)[0]?.firstOffset ?? null;
    };
    expect(await startOf('earliest')).toBe(0);
    expect(await startOf('by_duration:PT1H')).toBe(3);
    expect(await startOf('by_duration:P1DT0.5S')).toBe(0);
    expect(await startOf('latest')).toBeNull();
  });

  it('tries a share-partition start that failed again at the next heartbeat', async () => {
    const topic = await newTopic(broker, 'sf', 1);
    const group = topicName('sg');
    await broker.cluster.groupConfigs.set(group, new Map([['share.auto.offset.reset', 'by_duration:PT1H']]));
    const log = broker.cluster.topics.get(topic)!.partitions[0].log;
    const real = log.offsetForTimestamp.bind(log);
    let reads = 0; // the first fails
    log.offsetForTimestamp = (ts: number) => (reads++ === 0 ? Promise.reject(new Error('injected: time index unreadable')) : real(ts));
    try {
      expect(parts(await hb(group, 'a', 0, [topic]))).toEqual([]);
      await new Promise((r) => setTimeout(r, 20)); // the first start runs (and fails) after the response
      const retry = await hb(group, 'a', 1); // still nothing to assign: this heartbeat starts it again
      expect(retry).toMatchObject({ memberEpoch: 1, heartbeatIntervalMs: 100 });
      await new Promise((r) => setTimeout(r, 20));
      const a = await hb(group, 'a', 1);
      expect(a).toMatchObject({ memberEpoch: 2, heartbeatIntervalMs: 5000 });
      expect(parts(a)).toEqual([0]);
      expect(reads).toBe(2);
    } finally {
      log.offsetForTimestamp = real;
    }
  });

  it('keeps share-partition state across a restart; records held when it stopped are delivered again', async () => {
    const d = await DiskBroker.create('never');
    const topic = topicName('sr');
    const t = await d.broker.cluster.createTopic(topic, { numPartitions: 1 });
    const group = topicName('sg');
    await d.broker.cluster.groupConfigs.set(group, new Map([['share.auto.offset.reset', 'earliest']]));
    const p = kafkajs(d.broker).producer();
    await p.connect();
    await p.send({ topic, messages: [{ value: 'a' }, { value: 'b' }, { value: 'c' }] });
    await p.disconnect();
    await hb(group, 'm', 0, [topic], d.c);
    expect(acquired(await shareFetch(group, 'm', { epoch: 0, topicId: t.id }, d.c))).toEqual([{ firstOffset: 0, lastOffset: 2, deliveryCount: 1 }]);
    await d.c.send(API.ShareAcknowledge, 1, { groupId: group, memberId: 'm', shareSessionEpoch: 1, topics: [{ topicId: t.id, partitions: [{ partitionIndex: 0, acknowledgementBatches: [{ firstOffset: 0, lastOffset: 0, acknowledgeTypes: [1] }] }] }] });
    await d.restart();
    const lg = await d.c.send(API.ListGroups, 5, { statesFilter: [], typesFilter: ['share'] });
    expect(lg.groups.map((g: any) => g.groupId)).toContain(group);
    await hb(group, 'm2', 0, [topic], d.c);
    // Offset 0 stays acknowledged; 1-2 come back, not counted as delivered twice (m's session ended with its connection).
    expect(acquired(await shareFetch(group, 'm2', { epoch: 0, topicId: t.id }, d.c))).toEqual([{ firstOffset: 1, lastOffset: 2, deliveryCount: 1 }]);
  });

  it('answers UNSUPPORTED_VERSION when share groups are disabled (group.share.enable=false, as Kafka 4.1 by default)', async () => {
    const off = await startTestBroker({ overrides: { 'group.share.enable': 'false' } });
    const oc = await RawClient.connect(off.port);
    try {
      expect((await hb('g', 'a', 0, ['t'], oc)).errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
      expect((await shareFetch('g', 'a', { epoch: 0 }, oc)).errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
    } finally {
      oc.close();
      await off.stop();
    }
  });
});
