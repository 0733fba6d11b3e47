// kafkajs 2.2.4 consumer groups against kafkalite: assignment across members, rebalances when members come
// and go, committed offsets, and the admin group APIs (describe, list, delete, fetch/set/reset offsets).
import net from 'node:net';
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
  /** Duration kafkajs reports for its last join + sync. */
  joinMs: () => number;
}

/** A kafkajs consumer that records what it receives and which partitions it currently holds. */
async function startConsumer(groupId: string, topic: string, opts: { fromBeginning?: boolean; autoCommit?: boolean; sessionTimeout?: number; client?: Kafka } = {}): Promise<Tracked> {
  const consumer = (opts.client ?? kafka).consumer({ groupId, heartbeatInterval: 100, sessionTimeout: opts.sessionTimeout ?? 6000, rebalanceTimeout: 3000, maxWaitTimeInMs: 50 });
  let assignment: number[] = [];
  let joinMs = -1;
  consumer.on(consumer.events.GROUP_JOIN, (e: any) => {
    assignment = (e.payload.memberAssignment[topic] ?? []).slice().sort((a: number, b: number) => a - b);
    joinMs = e.payload.duration;
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
  return { consumer, assigned: () => assignment, received, joinMs: () => joinMs };
}

describe('kafkajs consumer groups', () => {
  it('a lone consumer gets all partitions quickly and consumes', async () => {
    const topic = topicName('lone');
    await broker.cluster.createTopic(topic, { numPartitions: 3 });
    await produce(topic, 9, 3);
    const started = Date.now();
    const c = await startConsumer(topicName('g-lone'), topic);
    await waitFor(() => c.assigned().length === 3, 5000, 'assignment');
    // No rebalance delay for a single consumer (group.initial.rebalance.delay.ms = 0): the join completes
    // as soon as every known member has joined.
    expect(Date.now() - started).toBeLessThan(2000);
    expect(c.joinMs()).toBeLessThan(100);
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

describe('kafkajs admin and consumer offset control', () => {
  it('setOffsets, resetOffsets, restart from the committed offset, deleteGroups', async () => {
    const topic = topicName('admin');
    await broker.cluster.createTopic(topic, { numPartitions: 2 });
    await produce(topic, 10, 2);
    const g1 = topicName('g-set');
    const g2 = topicName('g-reset');
    const a = await startConsumer(g1, topic);
    const b = await startConsumer(g2, topic);
    await waitFor(() => a.received.length === 10 && b.received.length === 10, 10000, 'first pass');
    const admin = kafka.admin();
    await admin.connect();
    await waitFor(async () => {
      const [o1, o2] = await Promise.all([admin.fetchOffsets({ groupId: g1, topics: [topic] }), admin.fetchOffsets({ groupId: g2, topics: [topic] })]);
      return [...o1[0].partitions, ...o2[0].partitions].every((p) => p.offset === '5');
    }, 5000, 'commits');
    // A running group's offsets cannot be deleted or set.
    await expect(admin.deleteGroups([g1])).rejects.toThrow();
    await Promise.all([a.consumer.disconnect(), b.consumer.disconnect()]);

    // Both kafkajs admin calls run a short-lived group member of their own; do them side by side.
    await Promise.all([
      admin.setOffsets({ groupId: g1, topic, partitions: [{ partition: 0, offset: '1' }, { partition: 1, offset: '5' }] }),
      admin.resetOffsets({ groupId: g2, topic, earliest: true }),
    ]);
    const set = await admin.fetchOffsets({ groupId: g1, topics: [topic] });
    expect(set[0].partitions.sort((x, y) => x.partition - y.partition).map((p) => p.offset)).toEqual(['1', '5']);
    const reset = await admin.fetchOffsets({ groupId: g2, topics: [topic] });
    // kafkajs commits the special offset -2 ("earliest"); Kafka stores commits as given.
    expect(reset[0].partitions.map((p) => p.offset)).toEqual(['-2', '-2']);
    // kafkajs treats a negative committed offset as none and falls back to fromBeginning.
    const fromEarliest = await startConsumer(g2, topic, { fromBeginning: true });
    await waitFor(() => fromEarliest.received.length === 10, 5000, 'consume again after reset');
    await fromEarliest.consumer.disconnect();

    // A restarted member resumes from the committed offsets, not from the beginning.
    const again = await startConsumer(g1, topic, { fromBeginning: true });
    await waitFor(() => again.received.length === 4, 5000, 'resume');
    await sleep(200);
    expect(again.received.sort()).toEqual(['m2', 'm4', 'm6', 'm8']);
    await again.consumer.disconnect();

    const listed = await admin.listGroups();
    expect(listed.groups.map((g) => g.groupId)).toEqual(expect.arrayContaining([g1, g2]));
    await admin.deleteGroups([g1, g2]);
    const after = await admin.listGroups();
    expect(after.groups.map((g) => g.groupId)).not.toContain(g1);
    const gone = await admin.fetchOffsets({ groupId: g1, topics: [topic] });
    expect(gone[0].partitions.every((p) => p.offset === '-1')).toBe(true);
    await admin.disconnect();
  }, 30000);

  it('pause/resume, seek and eachBatch with manual commits', async () => {
    const topic = topicName('manual');
    const groupId = topicName('g-manual');
    await broker.cluster.createTopic(topic, { numPartitions: 1 });
    await produce(topic, 5, 1);
    const consumer = kafka.consumer({ groupId, heartbeatInterval: 100, maxWaitTimeInMs: 50 });
    const received: string[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
        for (const m of batch.messages) {
          received.push(m.value!.toString());
          resolveOffset(m.offset);
        }
        const last = batch.messages[batch.messages.length - 1];
        if (last) await consumer.commitOffsets([{ topic, partition: batch.partition, offset: String(Number(last.offset) + 1) }]);
        await heartbeat();
      },
    });
    await waitFor(() => received.length === 5, 5000, 'first batch');
    const admin = kafka.admin();
    await admin.connect();
    expect((await admin.fetchOffsets({ groupId, topics: [topic] }))[0].partitions[0].offset).toBe('5');

    consumer.pause([{ topic }]);
    await produce(topic, 2, 1, 'p');
    await sleep(300);
    expect(received).toHaveLength(5);
    consumer.resume([{ topic }]);
    await waitFor(() => received.length === 7, 5000, 'after resume');

    consumer.seek({ topic, partition: 0, offset: '1' });
    await waitFor(() => received.length === 13, 5000, 'after seek');
    expect(received.slice(7)).toEqual(['m1', 'm2', 'm3', 'm4', 'p0', 'p1']);
    await waitFor(async () => (await admin.fetchOffsets({ groupId, topics: [topic] }))[0].partitions[0].offset === '7', 5000, 'manual commit');
    await admin.disconnect();
    await consumer.disconnect();
  }, 20000);
});

describe('a member that stops responding', () => {
  it('is removed after its session timeout and its partitions go to the others', async () => {
    const b = await startTestBroker({ overrides: { 'group.min.session.timeout.ms': '500' } });
    // kafkajs sockets that can be frozen: writes are swallowed, as if the process hung.
    let frozen = false;
    const sockets: net.Socket[] = [];
    const freezable = kafkajs(b, {
      requestTimeout: 3000,
      socketFactory: ({ host, port, onConnect }) => {
        const s = net.connect({ host, port }, onConnect);
        sockets.push(s);
        const write = s.write.bind(s);
        (s as any).write = (...args: any[]) => (frozen ? true : (write as any)(...args));
        return s;
      },
    });
    const saved = kafka;
    kafka = kafkajs(b);
    try {
      const topic = topicName('expiry');
      const groupId = topicName('g-expiry');
      await b.cluster.createTopic(topic, { numPartitions: 4 });
      const healthy = await startConsumer(groupId, topic, { sessionTimeout: 1000 });
      await waitFor(() => healthy.assigned().length === 4, 5000, 'first member');
      const doomed = await startConsumer(groupId, topic, { sessionTimeout: 1000, client: freezable });
      await waitFor(() => healthy.assigned().length === 2 && doomed.assigned().length === 2, 10000, 'split');
      frozen = true;
      const t0 = Date.now();
      await waitFor(() => healthy.assigned().length === 4, 10000, 'takeover after session expiry');
      expect(Date.now() - t0).toBeGreaterThanOrEqual(800);
      const admin = kafka.admin();
      await admin.connect();
      const d = await admin.describeGroups([groupId]);
      expect(d.groups[0].members).toHaveLength(1);
      await admin.disconnect();
      await healthy.consumer.disconnect();
    } finally {
      for (const s of sockets) s.destroy();
      kafka = saved;
      await b.stop();
    }
  }, 30000);
});
