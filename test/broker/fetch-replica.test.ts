// KIP-392 byte for byte: a consumer's Fetch v11+ served by a follower up to what it holds, and the leader's preferred
// read replica under RackAwareReplicaSelector. test/compat/kafkajs-rack-fetch.test.ts runs it with kafkajs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBroker } from '../../src/kafkalite.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { kafkajs, startTestBroker, topicName } from '../compat/helpers.js';
import { RawClient } from '../coordinator/raw-client.js';

let b: RunningBroker;
const clients: RawClient[] = [];
beforeAll(async () => {
  b = await startTestBroker({ brokers: 3, racks: ['r0', 'r1', 'r2'], overrides: { 'replica.selector.class': 'org.apache.kafka.common.replica.RackAwareReplicaSelector' } });
});
afterAll(async () => {
  for (const c of clients) c.close();
  await b?.stop();
});

async function to(broker: number): Promise<RawClient> {
  const c = await RawClient.connect(b.brokers[broker].ports.PLAINTEXT);
  clients.push(c);
  return c;
}

async function fetch(broker: number, topic: string, offset: number, opts: { v?: number; rackId?: string; maxWaitMs?: number } = {}): Promise<any> {
  const c = await to(broker);
  const r = await c.send(1, opts.v ?? 12, {
    replicaId: -1, maxWaitMs: opts.maxWaitMs ?? 0, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
    topics: [{ topic, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: offset, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1 << 20 }] }],
    forgottenTopicsData: [], rackId: opts.rackId ?? '',
  });
  return r.responses[0].partitions[0];
}

async function produce(topic: string, n: number, acks: number): Promise<void> {
  const p = kafkajs(b).producer();
  await p.connect();
  await p.send({ topic, acks, messages: Array.from({ length: n }, (_, i) => ({ value: `v${i}` })) });
  await p.disconnect();
}

describe('Fetch from a follower (KIP-392)', () => {
  it('a follower serves a consumer up to what it holds; the leader points at an in-sync replica in the client rack', async () => {
    const topic = topicName('ffr');
    await b.cluster.createTopic(topic, { numPartitions: 1, replicationFactor: 3 });
    const p = b.cluster.partition(topic, 0)!;
    const [slow, fast] = p.replicas.filter((r) => r !== p.leader);
    await produce(topic, 3, -1);
    b.setReplicationDelay(60_000, { brokerId: slow });
    await produce(topic, 2, 1);
    expect([p.log.logEndOffset, p.highWatermark]).toEqual([5, 3]);

    const fromSlow = await fetch(slow, topic, 0);
    expect(fromSlow).toMatchObject({ errorCode: 0, highWatermark: 3, preferredReadReplica: -1 });
    expect(fromSlow.records.length).toBeGreaterThan(0);
    // Past the follower's log end: out of range there (Kafka's clients then ask the leader).
    expect((await fetch(slow, topic, 4)).errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    // Before v11 a consumer fetches only from the leader.
    expect((await fetch(slow, topic, 0, { v: 10 })).errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);

    // The leader, asked by a client in the fast follower's rack: a preferred replica, no records, no waiting.
    const t0 = Date.now();
    const redirected = await fetch(p.leader, topic, 0, { rackId: `r${fast}`, maxWaitMs: 5000 });
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(redirected).toMatchObject({ errorCode: 0, preferredReadReplica: fast, highWatermark: 3 });
    expect(redirected.records.length).toBe(0);
    // The slow follower does not hold offset 4 yet, so its rack's clients stay on the leader.
    expect((await fetch(p.leader, topic, 4, { rackId: `r${slow}` })).preferredReadReplica).toBe(-1);
    // In the leader's rack, or with no rack, nothing changes.
    const local = await fetch(p.leader, topic, 0, { rackId: `r${p.leader}` });
    expect(local.preferredReadReplica).toBe(-1);
    expect(local.records.length).toBeGreaterThan(0);
    expect((await fetch(p.leader, topic, 0)).preferredReadReplica).toBe(-1);
    b.setReplicationDelay(0, { brokerId: slow });
  });

  it('a broker without a replica answers NOT_LEADER_OR_FOLLOWER', async () => {
    const topic = topicName('ffr-rf2');
    await b.cluster.createTopic(topic, { numPartitions: 1, replicationFactor: 2 });
    const p = b.cluster.partition(topic, 0)!;
    const outsider = [0, 1, 2].find((id) => !p.replicas.includes(id))!;
    expect((await fetch(outsider, topic, 0)).errorCode).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
  });
});
