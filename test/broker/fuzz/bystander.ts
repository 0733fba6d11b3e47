// A well-behaved client working through a fuzz storm: an idempotent kafkajs producer and a one-member consumer group
// on a topic the fuzzer never names. Whatever the other connections send, it must get every record it produced,
// once each and in order per partition (Kafka isolates clients from each other's bad requests).
import { expect } from 'vitest';
import type { RunningBroker } from '../../../src/kafkalite.js';
import { kafkajs } from '../../compat/helpers.js';

// Named apart from every name the fuzzer steers to, including as a prefix (a fuzzed PREFIXED ACL on 'fz-b' would match 'fz-bystander').
const TOPIC = 'bystander';

export async function startBystander(broker: RunningBroker): Promise<{ finish(): Promise<void> }> {
  const kafka = kafkajs(broker, { retry: { retries: 10, initialRetryTime: 50 } });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 2, replicationFactor: broker.brokers.length > 1 ? 3 : 1 }] });
  await admin.disconnect();
  const producer = kafka.producer({ idempotent: true });
  const consumer = kafka.consumer({ groupId: 'bystander-group', maxWaitTimeInMs: 100 });
  await Promise.all([producer.connect(), consumer.connect()]);
  await consumer.subscribe({ topics: [TOPIC], fromBeginning: true });
  const got: Record<number, string[]> = { 0: [], 1: [] };
  await consumer.run({ eachMessage: async ({ partition, message }) => { got[partition].push(String(message.value)); } });
  const sent: Record<number, string[]> = { 0: [], 1: [] };
  let stop = false;
  const sending = (async () => {
    for (let i = 0; !stop; i++) {
      const partition = i % 2;
      await producer.send({ topic: TOPIC, messages: [{ partition, value: `m${i}` }] });
      sent[partition].push(`m${i}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  return {
    async finish() {
      stop = true;
      await sending;
      const deadline = Date.now() + 20_000;
      while ((got[0].length < sent[0].length || got[1].length < sent[1].length) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      await Promise.all([producer.disconnect(), consumer.disconnect()]);
      expect(sent[0].length + sent[1].length, 'records the bystander produced').toBeGreaterThan(0);
      expect(got, 'what the bystander consumed').toEqual(sent);
    },
  };
}
