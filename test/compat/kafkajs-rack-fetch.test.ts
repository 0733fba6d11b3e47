// Fetching from the closest replica (KIP-392) with kafkajs: three brokers in three racks, Kafka's
// RackAwareReplicaSelector, and a consumer naming its rack (rackId). The leader answers its first fetch with the
// preferred read replica, and the consumer then reads everything from the follower in its rack.
import { Admin } from '@platformatic/kafka';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningBroker } from '../../src/kafkalite.js';
import { waitFor } from '../cluster/helpers.js';
import { kafkajs, startTestBroker, topicName } from './helpers.js';

let b: RunningBroker | undefined;
afterEach(async () => {
  await b?.stop();
  b = undefined;
});

const SELECTOR = 'org.apache.kafka.common.replica.RackAwareReplicaSelector';

async function fetchesByBroker(broker: RunningBroker, topic: string, rackId: string | undefined, n: number): Promise<{ byPort: Map<number, number>; got: number }> {
  const k = kafkajs(broker);
  const consumer = k.consumer({ groupId: topicName('rack-group'), rackId, maxWaitTimeInMs: 100 });
  const byPort = new Map<number, number>();
  consumer.on(consumer.events.REQUEST, (e: any) => {
    if (e.payload.apiName === 'Fetch') {
      const port = Number(String(e.payload.broker).split(':')[1]);
      byPort.set(port, (byPort.get(port) ?? 0) + 1);
    }
  });
  let got = 0;
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachMessage: async () => void got++ });
  try {
    await waitFor(() => got === n, 15000, `the consumer to read ${n} records`);
    // A few more fetches at the end of the log, to see where the consumer keeps fetching.
    const before = [...byPort.values()].reduce((a, c) => a + c, 0);
    await waitFor(() => [...byPort.values()].reduce((a, c) => a + c, 0) >= before + 3, 5000, 'more fetches');
  } finally {
    await consumer.disconnect();
  }
  return { byPort, got };
}

describe('kafkajs fetching from a follower in its rack (KIP-392)', () => {
  it('is pointed at the in-sync replica in its rack and reads from it', async () => {
    b = await startTestBroker({ brokers: 3, racks: ['RACK0', 'RACK1', 'RACK2'], overrides: { 'replica.selector.class': SELECTOR } });
    const topic = topicName('rack');
    await b.cluster.createTopic(topic, { numPartitions: 1, replicationFactor: 3 });
    const p = b.cluster.partition(topic, 0)!;
    const follower = p.replicas.find((r) => r !== p.leader)!;
    const producer = kafkajs(b).producer();
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: Array.from({ length: 20 }, (_, i) => ({ value: `v${i}` })) });
    await producer.disconnect();

    const port = (id: number) => b!.brokers[id].ports.PLAINTEXT;
    const near = await fetchesByBroker(b, topic, `RACK${follower}`, 20);
    expect(near.got).toBe(20);
    // The leader answered the first fetch(es) with the preferred replica; the rest went to the follower.
    expect(near.byPort.get(port(follower)) ?? 0).toBeGreaterThan(near.byPort.get(port(p.leader)) ?? 0);

    // Without a rack (or in the leader's rack) the consumer stays on the leader.
    const plain = await fetchesByBroker(b, topic, undefined, 20);
    expect(plain.byPort.get(port(follower)) ?? 0).toBe(0);
    expect(plain.byPort.get(port(p.leader)) ?? 0).toBeGreaterThan(0);
  });

  it('places the replicas of a topic created by kafkajs in different racks', async () => {
    b = await startTestBroker({ brokers: 4, racks: ['a', 'a', 'b', 'b'] });
    const topic = topicName('rack-spread');
    const admin = kafkajs(b).admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic, numPartitions: 8, replicationFactor: 2 }] });
    } finally {
      await admin.disconnect();
    }
    const rackOf = (id: number) => b!.cluster.broker(id)!.rack;
    for (const p of b.cluster.topics.get(topic)!.partitions) expect(new Set(p.replicas.map(rackOf)).size, `partition ${p.index}: ${p.replicas}`).toBe(2);
    // Leadership is spread too: every broker leads some partition.
    expect(new Set(b.cluster.topics.get(topic)!.partitions.map((p) => p.leader)).size).toBe(4);
  });

  it('reports each broker rack in Metadata (@platformatic/kafka) and DescribeConfigs (kafkajs)', async () => {
    b = await startTestBroker({ brokers: 2, racks: ['east', 'west'] });
    const pk = new Admin({ clientId: 'kafkalite-test', bootstrapBrokers: b.bootstrap.split(',') });
    try {
      const md = await pk.metadata({ topics: [] });
      expect([...md.brokers].map(([id, x]) => [id, x.rack])).toEqual([[0, 'east'], [1, 'west']]);
    } finally {
      await pk.close();
    }
    const admin = kafkajs(b).admin();
    await admin.connect();
    try {
      const cfg = await admin.describeConfigs({ resources: [{ type: 4, name: '1', configNames: ['broker.rack'] }], includeSynonyms: false });
      expect(cfg.resources[0].configEntries[0]).toMatchObject({ configName: 'broker.rack', configValue: 'west' });
    } finally {
      await admin.disconnect();
    }
  });
});
