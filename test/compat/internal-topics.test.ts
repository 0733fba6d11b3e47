// Kafka's internal topics are three names (Topic.INTERNAL_TOPICS: __consumer_offsets, __transaction_state,
// __share_group_state), not every name starting with "__": only those are flagged internal in Metadata (clients
// leave them out of listings and subscriptions; @platformatic/kafka ignores their metadata altogether), and a
// client may not produce to them (INVALID_TOPIC_EXCEPTION, "Cannot append to internal topic ..."), except with
// the admin client id Kafka's own tools use.
import { Admin, Producer, stringSerializers } from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBroker } from '../../src/kafkalite.js';
import { kafkajs, startTestBroker } from './helpers.js';

let b: RunningBroker;
beforeAll(async () => {
  b = await startTestBroker();
  for (const name of ['__consumer_offsets', '__app_state']) await b.cluster.createTopic(name, { numPartitions: 1 });
});
afterAll(() => b?.stop());

describe('internal topics', () => {
  it('a "__" topic of an application is an ordinary topic: @platformatic/kafka lists it and produces to it', async () => {
    const admin = new Admin({ clientId: 'kafkalite-test', bootstrapBrokers: [b.bootstrap], retries: 1 });
    const producer = new Producer({ clientId: 'kafkalite-test', bootstrapBrokers: [b.bootstrap], serializers: stringSerializers, retries: 1 });
    try {
      expect((await admin.listTopics()).sort()).toEqual(['__app_state']);
      expect((await admin.listTopics({ includeInternals: true })).sort()).toEqual(['__app_state', '__consumer_offsets']);
      const sent = await producer.send({ messages: [{ topic: '__app_state', value: 'v' }] });
      expect(sent.offsets?.[0]).toMatchObject({ topic: '__app_state', offset: 0n });
    } finally {
      await producer.close();
      await admin.close();
    }
  });

  it('kafkajs may not produce to __consumer_offsets, Kafka tools (client id __admin_client) may', async () => {
    const refused = kafkajs(b).producer({ retry: { retries: 0 } });
    await refused.connect();
    try {
      await expect(refused.send({ topic: '__consumer_offsets', messages: [{ value: 'x' }] })).rejects.toMatchObject({ type: 'INVALID_TOPIC_EXCEPTION' });
    } finally {
      await refused.disconnect();
    }
    const tool = kafkajs(b, { clientId: '__admin_client' }).producer();
    await tool.connect();
    try {
      const [r] = await tool.send({ topic: '__consumer_offsets', messages: [{ value: 'x' }] });
      expect(r.errorCode).toBe(0);
    } finally {
      await tool.disconnect();
    }
    expect(b.cluster.topics.get('__consumer_offsets')!.partitions[0].log.logEndOffset).toBe(1);
  });
});
