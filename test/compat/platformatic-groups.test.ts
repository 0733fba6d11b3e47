// @platformatic/kafka 1.x consumers in groups: the classic protocol and the KIP-848 consumer protocol
// (groupProtocol: 'consumer', server-side assignment through ConsumerGroupHeartbeat).
import { Consumer, Producer, stringDeserializers, stringSerializers, type MessagesStream } from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBroker } from '../../src/kafkalite.js';
import { kafkajs, startTestBroker, topicName } from './helpers.js';

let broker: RunningBroker;
beforeAll(async () => {
  broker = await startTestBroker({ overrides: { 'group.consumer.heartbeat.interval.ms': '200' } });
});
afterAll(() => broker?.stop());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

async function produce(topic: string, count: number, partitions: number, prefix: string): Promise<void> {
  const p = new Producer({ clientId: 'kafkalite-test', bootstrapBrokers: broker.bootstrap.split(','), serializers: stringSerializers, retries: 2 });
  await p.send({ messages: Array.from({ length: count }, (_, i) => ({ topic, value: `${prefix}${i}`, partition: i % partitions })) });
  await p.close();
}

interface Member { consumer: Consumer<string, string, string, string>; stream: MessagesStream<string, string, string, string>; seen: string[] }

async function member(groupId: string, topic: string, groupProtocol: 'classic' | 'consumer'): Promise<Member> {
  const consumer = new Consumer({
    groupId,
    groupProtocol,
    clientId: `kafkalite-test-${groupProtocol}`,
    bootstrapBrokers: broker.bootstrap.split(','),
    deserializers: stringDeserializers,
    retries: 2,
    sessionTimeout: 6000,
    heartbeatInterval: 200,
    rebalanceTimeout: 6000,
  });
  const stream = await consumer.consume({ topics: [topic], mode: 'committed', fallbackMode: 'earliest', maxWaitTime: 100, autocommit: 100 });
  const seen: string[] = [];
  stream.on('data', (m) => seen.push(m.value));
  return { consumer, stream, seen };
}

async function close(m: Member): Promise<void> {
  await m.stream.close();
  await m.consumer.close(true);
}

for (const groupProtocol of ['consumer', 'classic'] as const) {
  describe(`@platformatic/kafka consumer group (${groupProtocol} protocol)`, () => {
    it('two members split the partitions, one leaves and the other takes over', async () => {
      const topic = topicName(`pk-${groupProtocol}`);
      const groupId = topicName('g-pk');
      await broker.cluster.createTopic(topic, { numPartitions: 4 });
      await produce(topic, 20, 4, 'a');
      const m1 = await member(groupId, topic, groupProtocol);
      await waitFor(() => m1.seen.length === 20, 10000, 'first member consumes everything');
      const m2 = await member(groupId, topic, groupProtocol);
      const count = (m: Member) => (m.consumer.assignments ?? []).reduce((n, a) => n + a.partitions.length, 0);
      await waitFor(() => count(m1) === 2 && count(m2) === 2, 15000, 'two partitions each');
      // Let fetches issued under the old assignment finish.
      await sleep(300);
      await produce(topic, 20, 4, 'b');
      await waitFor(() => m1.seen.length + m2.seen.length === 40, 10000, 'second batch');
      expect(m2.seen.length).toBeGreaterThan(0);
      expect(new Set([...m1.seen, ...m2.seen]).size).toBe(40);

      const admin = kafkajs(broker).admin();
      await admin.connect();
      if (groupProtocol === 'classic') {
        const d = await admin.describeGroups([groupId]);
        expect(d.groups[0]).toMatchObject({ state: 'Stable', protocolType: 'consumer' });
      } else {
        const listed = await admin.listGroups();
        expect(listed.groups.find((g) => g.groupId === groupId)?.protocolType).toBe('consumer');
      }
      await close(m2);
      await waitFor(() => count(m1) === 4, 15000, 'takeover');
      await produce(topic, 8, 4, 'c');
      await waitFor(() => m1.seen.filter((v) => v.startsWith('c')).length === 8, 10000, 'third batch');
      await waitFor(async () => {
        const offs = await admin.fetchOffsets({ groupId, topics: [topic] });
        return offs[0].partitions.every((p) => p.offset === '12');
      }, 5000, 'committed offsets');
      await admin.disconnect();
      await close(m1);
    }, 60000);
  });
}
