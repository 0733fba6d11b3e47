// optiopay/kafka v2 (Go, Debian's golang-github-optiopay-kafka-dev) through test/compat/clients/optiopay/main.go,
// compiled once per run, offline, against the Debian GOPATH. It negotiates versions with ApiVersions v0, produces
// magic 0/1 message sets with Produce v2 (none, gzip, snappy), fetches record batches with Fetch v5, and creates
// topics with CreateTopics v0.
// Two faults of the client itself, which Kafka shows as well, are kept out of the way rather than tested:
//  - it decompresses a batch from the rest of the fetch response rather than from the batch alone, so a compressed
//    batch reads only when it is the last one a fetch returns (each compressed case here is one batch);
//  - its FindCoordinator v1 lacks the key type byte, which Kafka cannot parse (it closes the connection; so does
//    kafkalite), so its OffsetCoordinator never finds one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBroker } from '../../src/kafkalite.js';
import { buildGoClient, goSkipReason, requestRecorder, storedBatches, storedCodecs, type GoClient } from './clients/run.js';
import { kafkajs, startTestBroker, topicName } from './helpers.js';

const skipReason = goSkipReason('github.com/optiopay/kafka/v2/broker.go', 'golang-github-optiopay-kafka-dev');
if (skipReason) console.warn(`optiopay.test.ts skipped: ${skipReason}`);

let broker: RunningBroker;
let client: GoClient | undefined;
const recorder = requestRecorder();

function optiopay(args: Record<string, string | number>): Promise<any> {
  return client!.json({ brokers: broker.bootstrap, ...args });
}

describe.skipIf(!!skipReason)('optiopay/kafka v2', () => {
  beforeAll(async () => {
    client = await buildGoClient('optiopay');
    broker = await startTestBroker({ logger: recorder.logger });
  }, 200000);
  afterAll(async () => {
    await broker?.stop();
    client?.cleanup();
  });

  it('creates a topic, sees it in Metadata, and an existing name is refused with TOPIC_ALREADY_EXISTS', async () => {
    const topic = topicName('optiopay-create');
    const created = await optiopay({ mode: 'create', topic, partitions: 3, 'client-id': 'optiopay-create' });
    expect(created.topics).toEqual([{ topic, code: 0, error: '' }]);
    expect(broker.cluster.topics.get(topic)?.partitions).toHaveLength(3);
    const again = await optiopay({ mode: 'create', topic, partitions: 3, 'client-id': 'optiopay-create' });
    expect(again.topics[0].code).toBe(36);
    const md = await optiopay({ mode: 'metadata', 'client-id': 'optiopay-create' });
    expect(md.brokers).toEqual([{ id: 0, host: '127.0.0.1', port: broker.port }]);
    expect(md.leaders[topic]).toEqual([0, 0, 0]);
    expect(recorder.versions('optiopay-create').Metadata).toEqual([5]);
    // Its ApiVersions probe and CreateTopics go out without a client id, both as v0.
    expect(recorder.versions('')).toEqual({ ApiVersions: [0], CreateTopics: [0] });
  }, 30000);

  for (const codec of ['none', 'gzip', 'snappy']) {
    it(`Produce v2 (${codec}) is stored as one magic-2 batch; Fetch v5 reads it back${codec === 'snappy' ? '' : ', and kafkajs too'}`, async () => {
      const topic = topicName(`optiopay-${codec}`);
      const clientId = `optiopay-${codec}`;
      await broker.cluster.createTopic(topic, { numPartitions: 2 });
      const p = await optiopay({ mode: 'produce', topic, partition: 1, count: 6, codec, 'client-id': clientId });
      expect(p).toEqual({ offset: 0, error: '' });
      const batches = await storedBatches(broker, topic);
      expect(batches.map((b) => [b.partition, b.magic, b.recordCount])).toEqual([[1, 2, 6]]);
      expect(await storedCodecs(broker, topic)).toEqual([codec]);
      const c = await optiopay({ mode: 'consume', topic, partition: 1, expect: 6, 'client-id': clientId });
      expect(c.got).toEqual(Array.from({ length: 6 }, (_, i) => ({ partition: 1, offset: i, key: `k${i}`, value: `${codec}-v${i}` })));
      const v = recorder.versions(clientId);
      expect(v.Produce).toEqual([2]);
      expect(v.Fetch).toEqual([5]);
      if (codec === 'snappy') return; // kafkajs has no snappy codec of its own
      const consumer = kafkajs(broker).consumer({ groupId: topicName('g-optiopay'), maxWaitTimeInMs: 100 });
      const seen: string[] = [];
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }) => void seen.push(`${message.key}=${message.value}`) });
      try {
        await expect.poll(() => seen.length, { timeout: 10000 }).toBe(6);
      } finally {
        await consumer.disconnect();
      }
      expect(seen).toEqual(Array.from({ length: 6 }, (_, i) => `k${i}=${codec}-v${i}`));
    }, 30000);
  }

  it("reads kafkajs's batches from an offset, and ListOffsets earliest/latest follow DeleteRecords", async () => {
    const topic = topicName('optiopay-read');
    await broker.cluster.createTopic(topic, { numPartitions: 1 });
    const producer = kafkajs(broker).producer();
    await producer.connect();
    for (let b = 0; b < 4; b++) await producer.send({ topic, messages: Array.from({ length: 3 }, (_, i) => ({ key: `b${b}`, value: `m${b * 3 + i}` })) });
    await producer.disconnect();
    const c = await optiopay({ mode: 'consume', topic, start: 4, expect: 8, 'client-id': 'optiopay-read' });
    expect(c.got.map((m: any) => `${m.offset}:${m.value}`)).toEqual([4, 5, 6, 7, 8, 9, 10, 11].map((o) => `${o}:m${o}`));
    expect(await optiopay({ mode: 'offsets', topic, 'client-id': 'optiopay-read' })).toEqual({ earliest: 0, latest: 12 });
    const admin = kafkajs(broker).admin();
    await admin.connect();
    await admin.fetchTopicMetadata({ topics: [topic] }); // kafkajs looks the leader up in its metadata cache
    await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '6' }] });
    await admin.disconnect();
    expect(await optiopay({ mode: 'offsets', topic, 'client-id': 'optiopay-read' })).toEqual({ earliest: 6, latest: 12 });
    expect(recorder.versions('optiopay-read').ListOffsets).toBeDefined();
  }, 30000);
});
