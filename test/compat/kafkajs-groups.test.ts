// kafkajs 2.2.4 consumer groups against kafkalite: assignment across members, rebalances when members come
// and go, committed offsets, and the admin group APIs (describe, list, delete, fetch/set/reset offsets).
import type { Consumer, EachMessagePayload, Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBroker } from '../../src/kafkalite.js';
import { kafkajs, startTestBroker, topicName } from './helpers.js';

let broker: RunningBroker;
let kafka: Kafka;
beforeAll(async () => {
  broker = await startTestBroker();
  kafka = kafkajs(broker);
});
afterAll(async () => {
  await broker?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 10000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

async function produce(topic: string, count: number, partitions: number, prefix = 'm'): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  const messages = Array.from({ length: count }, (_, i) => ({ value: `${prefix}${i}`, partition: i % partitions }));
  await producer.send({ topic, messages });
  await producer.disconnect();
}

interface Tracked {
  consumer: Consumer;
  assigned: () => number[];
  received: string[];
}

/** A kafkajs consumer that records what it receives and which partitions it currently holds. */
async function startConsumer(groupId: string, topic: string, opts: { fromBeginning?: boolean; autoCommit?: boolean; sessionTimeout?: number } = {}): Promise<Tracked> {
  const consumer = kafka.consumer({ groupId, heartbeatInterval: 100, sessionTimeout: opts.sessionTimeout ?? 6000, rebalanceTimeout: 3000, maxWaitTimeInMs: 50 });
  let assignment: number[] = [];
  consumer.on(consumer.events.GROUP_JOIN, (e: any) => {
    assignment = (e.payload.memberAssignment[topic] ?? []).slice().sort((a: number, b: number) => a - b);
  });
  const received: string[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: opts.fromBeginning ?? true });
  await consumer.run({
    autoCommit: opts.autoCommit ?? true,
    autoCommitInterval: 50,
    eachMessage: async ({ message }: EachMessagePayload) => {
      received.push(message.value!.toString());
    },
  });
  return { consumer, assigned: () => assignment, received };
}

describe('kafkajs consumer groups', () => {
  it('a lone consumer gets all partitions quickly and consumes', async () => {
    const topic = topicName('lone');
    await broker.cluster.createTopic(topic, { numPartitions: 3 });
    await produce(topic, 9, 3);
    const started = Date.now();
    const c = await startConsumer(topicName('g-lone'), topic);
    await waitFor(() => c.assigned().length === 3, 5000, 'assignment');
    // No rebalance delay for a single consumer (group.initial.rebalance.delay.ms = 0).
    expect(Date.now() - started).toBeLessThan(2000);
    await waitFor(() => c.received.length === 9, 5000, 'messages');
    expect(c.received.sort()).toEqual(Array.from({ length: 9 }, (_, i) => `m${i}`).sort());
    await c.consumer.disconnect();
  });

  it('three consumers split six partitions, and the rest take over when one leaves', async () => {
    const topic = topicName('split');
    const groupId = topicName('g-split');
    await broker.cluster.createTopic(topic, { numPartitions: 6 });
    await produce(topic, 60, 6, 'a');
    const cs = [await startConsumer(groupId, topic), await startConsumer(groupId, topic), await startConsumer(groupId, topic)];
    await waitFor(() => cs.every((c) => c.assigned().length === 2), 15000, 'balanced assignment');
    const all = cs.flatMap((c) => c.assigned()).sort();
    expect(all).toEqual([0, 1, 2, 3, 4, 5]);
    await waitFor(() => cs.reduce((n, c) => n + c.received.length, 0) === 60, 10000, 'first 60 messages');

    const admin = kafka.admin();
    await admin.connect();
    const described = await admin.describeGroups([groupId]);
    expect(described.groups[0].state).toBe('Stable');
    expect(described.groups[0].protocolType).toBe('consumer');
    expect(described.groups[0].members).toHaveLength(3);
    expect(described.groups[0].members[0].memberAssignment.length).toBeGreaterThan(0);

    // Committed offsets are visible to the admin client once auto-commit has run.
    await waitFor(async () => {
      const offs = await admin.fetchOffsets({ groupId, topics: [topic] });
      return offs[0].partitions.every((p) => p.offset === '10');
    }, 5000, 'committed offsets');

    await cs[2].consumer.disconnect();
    await waitFor(() => cs[0].assigned().length === 3 && cs[1].assigned().length === 3, 15000, 'takeover');
    await produce(topic, 12, 6, 'b');
    await waitFor(() => cs[0].received.length + cs[1].received.length + cs[2].received.length === 72, 10000, 'after takeover');
    // Nothing committed was delivered again.
    const seen = [...cs[0].received, ...cs[1].received, ...cs[2].received];
    expect(new Set(seen).size).toBe(seen.length);

    const listed = await admin.listGroups();
    expect(listed.groups.find((g) => g.groupId === groupId)?.protocolType).toBe('consumer');
    await cs[0].consumer.disconnect();
    await cs[1].consumer.disconnect();
    const after = await admin.describeGroups([groupId]);
    expect(after.groups[0].state).toBe('Empty');
    await admin.disconnect();
  }, 60000);
});
