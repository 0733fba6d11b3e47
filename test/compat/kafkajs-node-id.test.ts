// node.id (or broker.id, as Kafka: both must agree) numbers the first broker; the others in the process follow it.
// kafka-go's own tests expect a broker with id 1 (scripts/kafka-go-suite.sh); here kafkajs runs a producer, a group
// and the admin API against brokers 5, 6 and 7.
import { ConfigResourceTypes } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBroker } from '../../src/kafkalite.js';
import { waitFor } from '../cluster/helpers.js';
import { kafkajs, startTestBroker, topicName } from './helpers.js';

let b: RunningBroker;
beforeAll(async () => {
  b = await startTestBroker({ brokers: 3, overrides: { 'node.id': '5', 'default.replication.factor': '3' } });
});
afterAll(async () => {
  await b?.stop();
});

describe('node.id', () => {
  it('numbers the brokers from it, and kafkajs produces, consumes in a group and describes them', async () => {
    const k = kafkajs(b);
    const admin = k.admin();
    await admin.connect();
    try {
      const cluster = await admin.describeCluster();
      expect(cluster.brokers.map((x) => x.nodeId).sort()).toEqual([5, 6, 7]);
      expect([5, 6, 7]).toContain(cluster.controller);
      const topic = topicName('node-id');
      await admin.createTopics({ topics: [{ topic, numPartitions: 3 }] });
      const [meta] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
      for (const p of meta.partitions) expect(p.replicas.sort()).toEqual([5, 6, 7]);
      const { resources } = await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.BROKER, name: '6', configNames: ['node.id', 'broker.id'] }], includeSynonyms: false });
      expect(resources[0].configEntries.map((e) => [e.configName, e.configValue]).sort()).toEqual([['broker.id', '6'], ['node.id', '6']]);

      const producer = k.producer();
      await producer.connect();
      await producer.send({ topic, messages: Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })) });
      await producer.disconnect();
      const consumer = k.consumer({ groupId: topicName('node-id-group') });
      let got = 0;
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({ eachMessage: async () => void got++ });
      try {
        await waitFor(() => got === 30, 15000, 'the group to read 30 records');
      } finally {
        await consumer.disconnect();
      }
    } finally {
      await admin.disconnect();
    }
  });

  it('refuses a broker.id that disagrees with node.id, and a negative one', async () => {
    await expect(startTestBroker({ overrides: { 'node.id': '1', 'broker.id': '2' } })).rejects.toThrow('If both broker.id and node.id are set, they must match');
    await expect(startTestBroker({ overrides: { 'broker.id': '-1' } })).rejects.toThrow('node.id must be a non-negative integer');
    const same = await startTestBroker({ overrides: { 'node.id': '3', 'broker.id': '3' } });
    try {
      expect(same.cluster.brokers.map((x) => x.nodeId)).toEqual([3]);
    } finally {
      await same.stop();
    }
  });
});
