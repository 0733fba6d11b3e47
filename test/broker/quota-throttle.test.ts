// Byte-rate quotas enforced as Kafka does: a Produce over producer_byte_rate is answered with Kafka's throttle time
// and the connection reads nothing more until it has passed (KIP-219); older Produce versions get their response
// late instead; a Fetch over consumer_byte_rate is answered without records. Quota windows are shortened here
// (quota.window.num 2 x 1 s, so a rate is measured over at least 1 s).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBroker } from '../../src/kafkalite.js';
import { encodeRequest } from '../../src/protocol/messages.js';
import { encodeBatch } from '../../src/protocol/records/index.js';
import { kafkajs, startTestBroker, topicName } from '../compat/helpers.js';
import { API, RawClient } from '../coordinator/raw-client.js';

const ALTER_CLIENT_QUOTAS = 49;
let broker: RunningBroker;
beforeAll(async () => {
  broker = await startTestBroker({ overrides: { 'quota.window.num': '2', 'quota.window.size.seconds': '1' } });
});
afterAll(async () => {
  await broker?.stop();
});

async function setQuota(c: RawClient, clientId: string | null, key: string, value: number | null): Promise<void> {
  const res = await c.send(ALTER_CLIENT_QUOTAS, 1, {
    entries: [{ entity: [{ entityType: 'client-id', entityName: clientId }], ops: [{ key, value: value ?? 0, remove: value === null }] }],
    validateOnly: false,
  });
  expect(res.entries[0].errorCode).toBe(0);
}

const produceBody = (topic: string, records: Buffer) => ({ transactionalId: null, acks: 1, timeoutMs: 1000, topicData: [{ name: topic, partitionData: [{ index: 0, records }] }] });

describe('byte-rate quotas', () => {
  it('a Produce over producer_byte_rate gets the throttle time and mutes the connection (KIP-219)', async () => {
    const topic = topicName('q-prod');
    await broker.cluster.createTopic(topic, { numPartitions: 1 });
    const c = await RawClient.connect(broker.port);
    try {
      await setQuota(c, 'slow-producer', 'producer_byte_rate', 1000);
      const records = await encodeBatch([{ value: Buffer.alloc(2000, 1) }]);
      const frameBytes = encodeRequest(API.Produce, 9, 0, 'slow-producer', produceBody(topic, records)).length - 4;
      const res = await c.send(API.Produce, 9, produceBody(topic, records), 'slow-producer');
      expect(res.responses[0].partitionResponses[0].errorCode).toBe(0);
      // Kafka's throttle: (rate - quota) / quota x window, the rate measured over the 1 s minimum window.
      expect(res.throttleTimeMs).toBe(Math.round(((frameBytes - 1000) / 1000) * 1000));
      const sentAt = Date.now();
      await c.send(API.Metadata, 9, { topics: [], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false }, 'slow-producer');
      expect(Date.now() - sentAt).toBeGreaterThanOrEqual(res.throttleTimeMs - 50); // not read before the mute ended
      // Other clients are not throttled.
      expect((await c.send(API.Produce, 9, produceBody(topic, records), 'other')).throttleTimeMs).toBe(0);
      // An old Produce version (before KIP-219) is delayed instead of told.
      const oldAt = Date.now();
      const old = await c.send(API.Produce, 5, produceBody(topic, records), 'slow-producer');
      expect(old.throttleTimeMs).toBeGreaterThan(0);
      expect(Date.now() - oldAt).toBeGreaterThanOrEqual(old.throttleTimeMs - 50);
      await setQuota(c, 'slow-producer', 'producer_byte_rate', null);
      expect((await c.send(API.Produce, 9, produceBody(topic, records), 'slow-producer')).throttleTimeMs).toBe(0);
    } finally {
      c.close();
    }
  });

  it('a Fetch over consumer_byte_rate is answered without records, and kafkajs still consumes everything', async () => {
    const topic = topicName('q-fetch');
    await broker.cluster.createTopic(topic, { numPartitions: 1 });
    const c = await RawClient.connect(broker.port);
    try {
      for (let i = 0; i < 10; i++) await c.send(API.Produce, 9, produceBody(topic, await encodeBatch([{ value: Buffer.alloc(500, i) }])));
      await setQuota(c, null, 'consumer_byte_rate', 2000); // the default for every client id
      const fetchBody = {
        clusterId: null, replicaId: -1, replicaState: { replicaId: -1, replicaEpoch: -1 }, maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
        topics: [{ topic, topicId: broker.cluster.topics.get(topic)!.id, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1 << 20, replicaDirectoryId: undefined }] }],
        forgottenTopicsData: [], rackId: '',
      };
      // max_bytes was capped at what the quota allows in its window (2,000 bytes): 3 batches of ~570 bytes.
      const first = await c.send(API.Fetch, 12, fetchBody, 'fetcher');
      expect(first.throttleTimeMs).toBe(0);
      expect(first.responses[0].partitions[0].records.length).toBeGreaterThan(1000);
      expect(first.responses[0].partitions[0].records.length).toBeLessThanOrEqual(2000);
      // The same again at once is over the rate: no records, and how long to back off.
      const throttled = await c.send(API.Fetch, 12, fetchBody, 'fetcher');
      expect(throttled.throttleTimeMs).toBeGreaterThan(0);
      expect(throttled.responses).toEqual([]);

      const kafka = kafkajs(broker, { clientId: 'kafkajs-throttled' });
      const consumer = kafka.consumer({ groupId: topicName('q-g') });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      let n = 0;
      await new Promise<void>((resolve) => {
        consumer.run({ eachMessage: async () => { if (++n === 10) resolve(); } });
      });
      await consumer.disconnect();
      expect(n).toBe(10);
    } finally {
      await setQuota(c, null, 'consumer_byte_rate', null);
      c.close();
    }
  });

  it('a ShareFetch counts against consumer_byte_rate: over it, the acknowledgement results come back without records', async () => {
    const topic = topicName('q-share');
    const t = await broker.cluster.createTopic(topic, { numPartitions: 1 });
    const group = topicName('q-sg');
    await broker.cluster.groupConfigs.set(group, new Map([['share.auto.offset.reset', 'earliest']]));
    const c = await RawClient.connect(broker.port);
    try {
      for (let i = 0; i < 10; i++) await c.send(API.Produce, 9, produceBody(topic, await encodeBatch([{ value: Buffer.alloc(500, i) }])));
      await setQuota(c, 'sharer', 'consumer_byte_rate', 2000);
      const hb = await c.send(API.ShareGroupHeartbeat, 1, { groupId: group, memberId: 'm', memberEpoch: 0, rackId: null, subscribedTopicNames: [topic] }, 'sharer');
      expect(hb.errorCode).toBe(0);
      const fetch = (epoch: number, acks: { firstOffset: number; lastOffset: number; acknowledgeTypes: number[] }[]) => c.send(API.ShareFetch, 1, {
        groupId: group, memberId: 'm', shareSessionEpoch: epoch, maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20, maxRecords: 100, batchSize: 100,
        topics: [{ topicId: t.id, partitions: [{ partitionIndex: 0, partitionMaxBytes: 0, acknowledgementBatches: acks }] }], forgottenTopicsData: [],
      }, 'sharer');
      // The response is capped at what the quota allows in its window (2 x 2,000 bytes here): not all ten records.
      const first = await fetch(0, []);
      expect(first.throttleTimeMs).toBe(0);
      const got = first.responses[0].partitions[0];
      expect(got.records.length).toBeLessThanOrEqual(4000);
      const last = got.acquiredRecords.at(-1).lastOffset;
      expect(last).toBeLessThan(9);
      // At once again, acknowledging them: over the rate, so the throttle time and the acknowledgement result only.
      const second = await fetch(1, [{ firstOffset: 0, lastOffset: last, acknowledgeTypes: [1] }]);
      expect(second.throttleTimeMs).toBeGreaterThan(0);
      expect(second.responses).toMatchObject([{ topicId: t.id, partitions: [{ partitionIndex: 0, acknowledgeErrorCode: 0, acquiredRecords: [] }] }]);
      expect(second.responses[0].partitions[0].records?.length ?? 0).toBe(0);
    } finally {
      await setQuota(c, 'sharer', 'consumer_byte_rate', null);
      c.close();
    }
  });
});
