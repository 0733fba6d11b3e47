// DescribeCluster, DeleteRecords, DescribeLogDirs and OffsetForLeaderEpoch on the wire, on a two-broker
// cluster so leadership matters, plus the versions ApiVersions advertises for the admin APIs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBroker } from '../../src/kafkalite.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { ZERO_UUID } from '../../src/protocol/primitives.js';
import { kafkajs, startTestBroker, topicName } from '../compat/helpers.js';
import { RawClient } from '../coordinator/raw-client.js';

const METADATA = 3;
const API_VERSIONS = 18;
const DELETE_RECORDS = 21;
const INIT_PRODUCER_ID = 22;
const OFFSET_FOR_LEADER_EPOCH = 23;
const DESCRIBE_LOG_DIRS = 35;
const DESCRIBE_CLUSTER = 60;

let broker: RunningBroker;
let c0: RawClient;
let c1: RawClient;
beforeAll(async () => {
  broker = await startTestBroker({ brokers: 2 });
  c0 = await RawClient.connect(broker.brokers[0].ports.PLAINTEXT);
  c1 = await RawClient.connect(broker.brokers[1].ports.PLAINTEXT);
});
afterAll(async () => {
  c0?.close();
  c1?.close();
  await broker?.stop();
});

/** A topic whose partition 0 is led by broker 0 and partition 1 by broker 1, with `count` records in each. */
async function topicWithRecords(count: number, configs: Record<string, string> = {}): Promise<string> {
  const name = topicName('misc');
  await broker.cluster.createTopic(name, { assignment: [[0], [1]], configs });
  const producer = kafkajs(broker).producer();
  await producer.connect();
  for (let i = 0; i < count; i++) await producer.send({ topic: name, messages: [{ key: `k${i}`, value: `v${i}`, partition: 0 }, { key: `k${i}`, value: `v${i}`, partition: 1 }] });
  await producer.disconnect();
  return name;
}

describe('Metadata by topic id', () => {
  it('v12 answers known and unknown ids; v10-11 (ids not yet served) refuse the request as Kafka does', async () => {
    const name = topicName('md-id');
    await c0.send(METADATA, 12, { topics: [{ topicId: ZERO_UUID, name }], allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false });
    const id = broker.cluster.topics.get(name)!.id;
    const unknown = 'AAAAAAAAAAAAAAAAAAAAAQ';
    const v12 = await c0.send(METADATA, 12, { topics: [{ topicId: id, name: null }, { topicId: unknown, name: null }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    expect(v12.topics).toMatchObject([{ errorCode: 0, name, topicId: id }, { errorCode: ErrorCode.UNKNOWN_TOPIC_ID, name: null, topicId: unknown }]);
    for (const v of [10, 11]) {
      const r = await c0.send(METADATA, v, { topics: [{ topicId: id, name: null }, { topicId: ZERO_UUID, name }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
      expect(r.topics, `v${v}`).toMatchObject([{ errorCode: ErrorCode.INVALID_REQUEST, name: '' }, { errorCode: ErrorCode.INVALID_REQUEST, name }]);
    }
    // By name, v10-11 work as before.
    const byName = await c0.send(METADATA, 11, { topics: [{ topicId: ZERO_UUID, name }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    expect(byName.topics).toMatchObject([{ errorCode: 0, name, topicId: id }]);
  });
});

describe('ApiVersions', () => {
  it('advertises the admin APIs with their full version ranges', async () => {
    const res = await c0.send(API_VERSIONS, 3, { clientSoftwareName: 'raw', clientSoftwareVersion: '1' });
    const ranges = Object.fromEntries(res.apiKeys.map((k: any) => [k.apiKey, [k.minVersion, k.maxVersion]]));
    expect(ranges).toMatchObject({ 19: [0, 7], 20: [0, 6], 21: [0, 2], 23: [0, 4], 32: [0, 4], 33: [0, 2], 35: [0, 4], 37: [0, 3], 44: [0, 1], 60: [0, 2] });
  });

  it('leaves out the latest versions Kafka 4.1 marks unstable, and refuses them', async () => {
    const res = await c0.send(API_VERSIONS, 3, { clientSoftwareName: 'raw', clientSoftwareVersion: '1' });
    const ranges = Object.fromEntries(res.apiKeys.map((k: any) => [k.apiKey, [k.minVersion, k.maxVersion]]));
    // OffsetCommit v10, OffsetFetch v10, InitProducerId v6: latestVersionUnstable in the 4.1.1 schemas.
    expect(ranges).toMatchObject({ 8: [0, 9], 9: [0, 9], 22: [0, 5] });
    // An unadvertised version of an API other than ApiVersions has no answer a client could read: the broker closes.
    const c = await RawClient.connect(broker.brokers[0].ports.PLAINTEXT);
    try {
      const body = { transactionalId: null, transactionTimeoutMs: 60000, producerId: -1n, producerEpoch: -1, enable2Pc: false, keepPreparedTxn: false };
      expect((await c.send(INIT_PRODUCER_ID, 5, body)).errorCode).toBe(ErrorCode.NONE);
      await expect(c.send(INIT_PRODUCER_ID, 6, body)).rejects.toThrow('connection closed');
    } finally {
      c.close();
    }
  });
});

describe('DescribeCluster', () => {
  it('lists the brokers on the listener asked, the controller and the cluster id', async () => {
    const res = await c1.send(DESCRIBE_CLUSTER, 1, { includeClusterAuthorizedOperations: false, endpointType: 1 });
    expect(res).toMatchObject({ errorCode: 0, errorMessage: null, endpointType: 1, clusterId: broker.cluster.clusterId, controllerId: 0, clusterAuthorizedOperations: -2147483648 });
    expect(res.brokers).toMatchObject([
      { brokerId: 0, host: '127.0.0.1', port: broker.brokers[0].ports.PLAINTEXT, rack: null },
      { brokerId: 1, host: '127.0.0.1', port: broker.brokers[1].ports.PLAINTEXT, rack: null },
    ]);
  });

  it('reports all cluster operations when asked and no authorizer restricts them', async () => {
    const res = await c0.send(DESCRIBE_CLUSTER, 0, { includeClusterAuthorizedOperations: true });
    // Kafka's supported cluster operations: CREATE, ALTER, DESCRIBE, CLUSTER_ACTION, DESCRIBE_CONFIGS, ALTER_CONFIGS,
    // IDEMPOTENT_WRITE (bits 5, 7-12).
    expect(res.clusterAuthorizedOperations).toBe(8096);
    // Metadata v8-10 answer the same when asked (librdkafka's DescribeCluster uses them); later versions never.
    const body = (v: number) => ({ topics: [], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: true, includeTopicAuthorizedOperations: false, v });
    expect((await c0.send(METADATA, 10, body(10))).clusterAuthorizedOperations).toBe(8096);
    expect((await c0.send(METADATA, 12, body(12))).clusterAuthorizedOperations).toBe(-2147483648);
    expect((await c0.send(METADATA, 10, { ...body(10), includeClusterAuthorizedOperations: false })).clusterAuthorizedOperations).toBe(-2147483648);
  });

  it('refuses controller and unknown endpoint types', async () => {
    expect(await c0.send(DESCRIBE_CLUSTER, 1, { endpointType: 2 })).toMatchObject({
      errorCode: ErrorCode.MISMATCHED_ENDPOINT_TYPE,
      errorMessage: 'The request was sent to an endpoint of type BROKER, but we wanted an endpoint of type CONTROLLER',
    });
    expect(await c0.send(DESCRIBE_CLUSTER, 2, { endpointType: 9 })).toMatchObject({ errorCode: ErrorCode.UNSUPPORTED_ENDPOINT_TYPE, errorMessage: 'Unsupported endpoint type 9' });
  });

  it('lists a stopped broker only when v2 asks for fenced brokers', async () => {
    broker.cluster.brokers[1].alive = false;
    try {
      expect((await c0.send(DESCRIBE_CLUSTER, 2, { endpointType: 1 })).brokers.map((b: any) => b.brokerId)).toEqual([0]);
      const fenced = await c0.send(DESCRIBE_CLUSTER, 2, { endpointType: 1, includeFencedBrokers: true });
      expect(fenced.brokers.map((b: any) => [b.brokerId, b.isFenced])).toEqual([[0, false], [1, true]]);
    } finally {
      broker.cluster.brokers[1].alive = true;
    }
  });
});

describe('DeleteRecords', () => {
  const del = (c: RawClient, topic: string, partitions: { partitionIndex: number; offset: number }[], version = 2) =>
    c.send(DELETE_RECORDS, version, { topics: [{ name: topic, partitions }], timeoutMs: 1000 }).then((r) => r.topics[0].partitions);

  it('moves the log start offset and answers the low watermark; -1 means the high watermark', async () => {
    const name = await topicWithRecords(6);
    expect(await del(c0, name, [{ partitionIndex: 0, offset: 2 }], 0)).toMatchObject([{ partitionIndex: 0, errorCode: 0, lowWatermark: 2 }]);
    // An offset below the start is a no-op that still answers the low watermark.
    expect(await del(c0, name, [{ partitionIndex: 0, offset: 1 }])).toMatchObject([{ errorCode: 0, lowWatermark: 2 }]);
    expect(await del(c0, name, [{ partitionIndex: 0, offset: -1 }], 1)).toMatchObject([{ errorCode: 0, lowWatermark: 6 }]);
    expect(broker.cluster.partition(name, 0)!.logStartOffset).toBe(6);
  });

  it('answers per-partition errors: out of range, unknown, not the leader, compacted', async () => {
    const name = await topicWithRecords(3);
    const res = await del(c0, name, [{ partitionIndex: 0, offset: 4 }, { partitionIndex: 0, offset: -7 }, { partitionIndex: 1, offset: 1 }, { partitionIndex: 5, offset: 1 }]);
    expect(res.map((p: any) => [p.partitionIndex, p.errorCode, p.lowWatermark])).toEqual([
      [0, ErrorCode.OFFSET_OUT_OF_RANGE, -1],
      [0, ErrorCode.OFFSET_OUT_OF_RANGE, -1],
      [1, ErrorCode.NOT_LEADER_OR_FOLLOWER, -1],
      [5, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1],
    ]);
    // Broker 1 leads partition 1.
    expect(await del(c1, name, [{ partitionIndex: 1, offset: 1 }])).toMatchObject([{ errorCode: 0, lowWatermark: 1 }]);
    const compacted = await topicWithRecords(2, { 'cleanup.policy': 'compact' });
    expect(await del(c0, compacted, [{ partitionIndex: 0, offset: 1 }])).toMatchObject([{ errorCode: ErrorCode.POLICY_VIOLATION }]);
  });
});

describe('DescribeLogDirs', () => {
  it('lists the partitions each broker holds with their sizes, in one log dir', async () => {
    const name = await topicWithRecords(4);
    const all = await c0.send(DESCRIBE_LOG_DIRS, 4, { topics: null });
    expect(all).toMatchObject({ errorCode: 0, results: [{ errorCode: 0, logDir: '/memory', totalBytes: -1, usableBytes: -1 }] });
    const mine = all.results[0].topics.find((t: any) => t.name === name);
    expect(mine.partitions).toEqual([expect.objectContaining({ partitionIndex: 0, offsetLag: 0, isFutureKey: false })]);
    expect(mine.partitions[0].partitionSize).toBe(broker.cluster.partition(name, 0)!.log.size);
    expect(mine.partitions[0].partitionSize).toBeGreaterThan(0);

    const one = await c1.send(DESCRIBE_LOG_DIRS, 1, { topics: [{ topic: name, partitions: [0, 1, 9] }, { topic: 'no-such-topic', partitions: [0] }] });
    expect(one.results[0].topics).toMatchObject([{ name, partitions: [{ partitionIndex: 1 }] }]);
    expect(one.results[0].topics[0].partitions).toHaveLength(1);
  });
});

describe('OffsetForLeaderEpoch', () => {
  const query = (c: RawClient, topic: string, partitions: { partition: number; leaderEpoch: number; currentLeaderEpoch?: number }[], version = 4) =>
    c.send(OFFSET_FOR_LEADER_EPOCH, version, { replicaId: -1, topics: [{ topic, partitions }] }).then((r) => r.topics[0].partitions);

  it('answers the log end offset for the current epoch', async () => {
    const name = await topicWithRecords(5);
    expect(await query(c0, name, [{ partition: 0, leaderEpoch: 0 }], 0)).toMatchObject([{ partition: 0, errorCode: 0, endOffset: 5 }]);
    expect(await query(c0, name, [{ partition: 0, leaderEpoch: 0, currentLeaderEpoch: 0 }])).toMatchObject([{ errorCode: 0, leaderEpoch: 0, endOffset: 5 }]);
  });

  it('answers the start of the next epoch for an older one, from the epoch history', async () => {
    const name = await topicWithRecords(0);
    const p = broker.cluster.partition(name, 0)!;
    // Epochs 0 (offsets 0-3), 2 (4-6) and 5 (7-): as leader changes record them.
    p.leaderEpoch = 5;
    p.epochStarts = [{ epoch: 0, startOffset: 0 }, { epoch: 2, startOffset: 4 }, { epoch: 5, startOffset: 7 }];
    const producer = kafkajs(broker).producer();
    await producer.connect();
    await producer.send({ topic: name, messages: Array.from({ length: 9 }, (_, i) => ({ value: `x${i}`, partition: 0 })) });
    await producer.disconnect();
    const res = await query(c0, name, [0, 1, 2, 3, 5, 6].map((e) => ({ partition: 0, leaderEpoch: e, currentLeaderEpoch: 5 })));
    expect(res.map((r: any) => [r.errorCode, r.leaderEpoch, r.endOffset])).toEqual([
      [0, 0, 4],
      [0, 0, 4], // epoch 1 never had a leader: the previous epoch, ending where epoch 2 starts
      [0, 2, 7],
      [0, 2, 7],
      [0, 5, 9],
      [0, -1, -1], // beyond the latest epoch
    ]);
  });

  it('follows a real leader change: the old epoch ends where the new leader took over', async () => {
    const name = topicName('failover');
    await broker.cluster.createTopic(name, { assignment: [[0, 1]] });
    const producer = kafkajs(broker).producer();
    await producer.connect();
    await producer.send({ topic: name, acks: -1, messages: [{ value: 'a' }, { value: 'b' }, { value: 'c' }] });
    await producer.disconnect();
    const p = broker.cluster.partition(name, 0)!;
    await broker.services.brokerControl.stop(0);
    try {
      expect(p.leader).toBe(1);
      const res = await query(c1, name, [{ partition: 0, leaderEpoch: 0 }, { partition: 0, leaderEpoch: p.leaderEpoch, currentLeaderEpoch: p.leaderEpoch }]);
      expect(res.map((r: any) => [r.errorCode, r.leaderEpoch, r.endOffset])).toEqual([[0, 0, 3], [0, p.leaderEpoch, 3]]);
    } finally {
      await broker.services.brokerControl.start(0);
      // Stopping broker 0 closed its connections.
      c0.close();
      c0 = await RawClient.connect(broker.brokers[0].ports.PLAINTEXT);
    }
  });

  it('fences stale and unknown current epochs, and answers unknown partitions and non-leaders', async () => {
    const name = await topicWithRecords(1);
    const res = await query(c0, name, [
      { partition: 0, leaderEpoch: 0, currentLeaderEpoch: 3 },
      { partition: 1, leaderEpoch: 0 },
      { partition: 7, leaderEpoch: 0 },
    ]);
    expect(res.map((r: any) => r.errorCode)).toEqual([ErrorCode.UNKNOWN_LEADER_EPOCH, ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
    broker.cluster.partition(name, 0)!.leaderEpoch = 2;
    expect(await query(c0, name, [{ partition: 0, leaderEpoch: 0, currentLeaderEpoch: 1 }], 3)).toMatchObject([{ errorCode: ErrorCode.FENCED_LEADER_EPOCH }]);
  });
});
