// Request-level fault injection (injectError / delay / closeConnection / dropConnections) and replication
// faults (isolate), seen through kafkajs and through raw requests for the exact error responses.
import type { Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBroker } from '../../src/kafkalite.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { kafkajs, startTestBroker, topicName } from '../compat/helpers.js';
import { rawRequest, waitFor } from './helpers.js';

let b: RunningBroker;
let k: Kafka;
let topic: string;
beforeAll(async () => {
  b = await startTestBroker({ brokers: 3, overrides: { 'replica.lag.time.max.ms': '150', 'group.initial.rebalance.delay.ms': '0' } });
  k = kafkajs(b, { retry: { retries: 5, initialRetryTime: 50, maxRetryTime: 300 } });
  topic = topicName('faults');
  const admin = k.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 3 }] });
  await admin.disconnect();
});
afterAll(() => b?.stop());

/** Port of the broker leading partition `index` of the test topic. */
const leaderPort = (index = 0) => b.brokers[b.cluster.partition(topic, index)!.leader].ports.PLAINTEXT;

describe('fault injection', () => {
  it('kafkajs retries an injected NOT_LEADER_OR_FOLLOWER on Produce and the batch is written once', async () => {
    const p = b.cluster.partition(topic, 0)!;
    const before = p.log.logEndOffset;
    b.injectError({ apiKey: 'Produce', error: 'NOT_LEADER_OR_FOLLOWER', count: 2 });
    const prod = k.producer();
    await prod.connect();
    try {
      const [res] = await prod.send({ topic, acks: -1, messages: [{ value: 'retried', partition: 0 }] });
      expect(res.errorCode).toBe(0);
    } finally {
      await prod.disconnect();
    }
    expect(p.log.logEndOffset).toBe(before + 1);
    expect(b.services.faults.list()).toEqual([]);
  });

  it('a kafkajs consumer group gets through injected coordinator and fetch errors', async () => {
    const t = topicName('faults-group');
    const admin = k.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: t, numPartitions: 1, replicationFactor: 2 }] });
    await admin.disconnect();
    const prod = k.producer();
    await prod.connect();
    await prod.send({ topic: t, messages: [{ value: 'v1' }] });
    await prod.disconnect();

    b.injectError({ apiKey: 'FindCoordinator', error: 'COORDINATOR_NOT_AVAILABLE' });
    b.injectError({ apiKey: 'JoinGroup', error: 'COORDINATOR_LOAD_IN_PROGRESS' });
    b.injectError({ apiKey: 'Fetch', error: 'NOT_LEADER_OR_FOLLOWER' });
    const consumer = k.consumer({ groupId: topicName('g'), sessionTimeout: 6000, heartbeatInterval: 500, maxWaitTimeInMs: 100, retry: { retries: 10, initialRetryTime: 50 } });
    const got: string[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: t, fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }) => void got.push(String(message.value)) });
      await waitFor(() => got.length > 0, 15000, 'the consumer to receive the message');
    } finally {
      await consumer.disconnect();
    }
    expect(got[0]).toBe('v1');
    expect(b.services.faults.list()).toEqual([]);
  });

  it('injected errors land where each API carries them', async () => {
    const port = leaderPort();
    const inject = (apiKey: number, error = 'NOT_LEADER_OR_FOLLOWER') => b.injectError({ apiKey, error, brokerId: b.cluster.partition(topic, 0)!.leader });
    const NL = ErrorCode.NOT_LEADER_OR_FOLLOWER;

    inject(0);
    const produce = await rawRequest(port, 0, 9, { acks: -1, timeoutMs: 1000, topicData: [{ name: topic, partitionData: [{ index: 0, records: Buffer.alloc(0) }] }] });
    expect(produce.responses[0].partitionResponses[0]).toMatchObject({ index: 0, errorCode: NL, baseOffset: -1 });

    inject(1);
    const fetch = await rawRequest(port, 1, 12, { replicaId: -1, maxWaitMs: 0, topics: [{ topic, partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1024 }] }] });
    expect(fetch.errorCode).toBe(0);
    expect(fetch.responses[0].partitions[0]).toMatchObject({ partitionIndex: 0, errorCode: NL });

    inject(2);
    const lo = await rawRequest(port, 2, 7, { replicaId: -1, topics: [{ name: topic, partitions: [{ partitionIndex: 0, timestamp: -1 }] }] });
    expect(lo.topics[0].partitions[0]).toMatchObject({ partitionIndex: 0, errorCode: NL });

    inject(3, 'LEADER_NOT_AVAILABLE');
    const md = await rawRequest(port, 3, 12, { topics: [{ name: topic, topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }] });
    expect(md.brokers).toHaveLength(3);
    expect(md.topics[0]).toMatchObject({ name: topic, errorCode: ErrorCode.LEADER_NOT_AVAILABLE });

    inject(10, 'COORDINATOR_NOT_AVAILABLE');
    const fc4 = await rawRequest(port, 10, 4, { keyType: 0, coordinatorKeys: ['g1', 'g2'] });
    expect(fc4.coordinators.map((c: any) => [c.key, c.errorCode])).toEqual([['g1', 15], ['g2', 15]]);
    inject(10, 'COORDINATOR_NOT_AVAILABLE');
    const fc3 = await rawRequest(port, 10, 3, { key: 'g1', keyType: 0 });
    expect(fc3).toMatchObject({ errorCode: 15, nodeId: -1 });

    inject(8, 'NOT_COORDINATOR');
    const oc = await rawRequest(port, 8, 8, { groupId: 'g', generationIdOrMemberEpoch: -1, memberId: '', topics: [{ name: topic, partitions: [{ partitionIndex: 1, committedOffset: 5 }] }] });
    expect(oc.topics[0].partitions[0]).toMatchObject({ partitionIndex: 1, errorCode: ErrorCode.NOT_COORDINATOR });

    inject(9, 'NOT_COORDINATOR');
    const of8 = await rawRequest(port, 9, 8, { groups: [{ groupId: 'g', topics: null }] });
    expect(of8.groups[0]).toMatchObject({ groupId: 'g', errorCode: ErrorCode.NOT_COORDINATOR });
    inject(9, 'NOT_COORDINATOR');
    const of5 = await rawRequest(port, 9, 5, { groupId: 'g', topics: [{ name: topic, partitionIndexes: [0] }] });
    expect(of5.errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    expect(of5.topics[0].partitions[0]).toMatchObject({ partitionIndex: 0, errorCode: ErrorCode.NOT_COORDINATOR, committedOffset: -1 });

    // Heartbeat has only a top-level error code: set generically.
    inject(12, 'REBALANCE_IN_PROGRESS');
    const hb = await rawRequest(port, 12, 4, { groupId: 'g', generationId: 1, memberId: 'm' });
    expect(hb.errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);

    // CreateTopics has no top-level error code: the connection is closed instead.
    inject(19, 'NOT_CONTROLLER');
    expect(await rawRequest(port, 19, 5, { topics: [], timeoutMs: 1000 })).toBeNull();
    expect(b.services.faults.list()).toEqual([]);
  });

  it('brokerId limits an injected error to one broker', async () => {
    const [l] = [b.cluster.partition(topic, 0)!.leader];
    const other = b.brokers.find((x) => x.nodeId !== l)!;
    b.injectError({ apiKey: 'ApiVersions', error: 'UNKNOWN_SERVER_ERROR', brokerId: l });
    const ok = await rawRequest(other.ports.PLAINTEXT, 18, 3, { clientSoftwareName: 'x', clientSoftwareVersion: '1' });
    expect(ok.errorCode).toBe(0);
    const bad = await rawRequest(b.brokers[l].ports.PLAINTEXT, 18, 3, { clientSoftwareName: 'x', clientSoftwareVersion: '1' });
    expect(bad.errorCode).toBe(ErrorCode.UNKNOWN_SERVER_ERROR);
  });

  it('delay holds requests back; clearFaults removes it', async () => {
    b.delay({ apiKey: 'Metadata', ms: 200 });
    const t0 = Date.now();
    await rawRequest(leaderPort(), 3, 12, { topics: null });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190);
    b.clearFaults();
    const t1 = Date.now();
    await rawRequest(leaderPort(), 3, 12, { topics: null });
    expect(Date.now() - t1).toBeLessThan(150);
  });

  it('closed and dropped connections are reconnected by kafkajs', async () => {
    const prod = k.producer();
    await prod.connect();
    try {
      b.closeConnection({ apiKey: 'Produce' });
      await prod.send({ topic, acks: 1, messages: [{ value: 'after-close', partition: 1 }] });
      expect(b.dropConnections()).toBeGreaterThan(0);
      await prod.send({ topic, acks: 1, messages: [{ value: 'after-drop', partition: 1 }] });
    } finally {
      await prod.disconnect();
    }
  });

  it('an isolated broker drops out of every ISR and rejoins when healed', async () => {
    const p = b.cluster.partition(topic, 2)!;
    const follower = p.replicas.find((r) => r !== p.leader)!;
    b.isolate(follower);
    await waitFor(() => !p.isr.includes(follower), 2000, 'isolated follower to leave the ISR');
    expect(b.brokerStatus().find((x) => x.nodeId === follower)).toMatchObject({ alive: true, isolated: true });
    b.isolate(follower, false);
    expect(p.isr).toContain(follower);
  });
});
