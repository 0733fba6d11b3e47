// kafkajs 2.2.4 idempotent and transactional producers against kafkalite: no duplicates, commit visible to
// read_committed consumers, abort visible only to read_uncommitted ones, sendOffsets published on commit only,
// fencing by a second producer with the same transactional id, and the transaction timeout.
import type { Consumer, Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBroker } from '../../src/kafkalite.js';
import { encodeBatch } from '../../src/protocol/records/index.js';
import { RawClient } from '../coordinator/raw-client.js';
import { kafkajs, startTestBroker, topicName } from './helpers.js';

let broker: RunningBroker;
let kafka: Kafka;
beforeAll(async () => {
  // Check for timed-out transactions often so the timeout test is quick.
  broker = await startTestBroker({ overrides: { 'transaction.abort.timed.out.transaction.cleanup.interval.ms': '100' } });
  kafka = kafkajs(broker);
});
afterAll(async () => {
  await broker?.stop();
});

async function createTopic(partitions = 1): Promise<string> {
  const topic = topicName('txn');
  await broker.cluster.createTopic(topic, { numPartitions: partitions });
  return topic;
}

/** Consumes `topic` from the beginning until the value `until` arrives; returns the values seen before it. */
async function consumeUntil(topic: string, until: string, readUncommitted: boolean): Promise<string[]> {
  const consumer: Consumer = kafka.consumer({ groupId: topicName('g'), readUncommitted, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const seen: string[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`"${until}" not consumed; saw ${JSON.stringify(seen)}`)), 15000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          const v = message.value!.toString();
          if (v === until) {
            clearTimeout(timer);
            resolve();
          } else seen.push(v);
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return seen;
}

describe('kafkajs idempotent producer', () => {
  it('produces without duplicates and with contiguous offsets', async () => {
    const topic = await createTopic(2);
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    for (let i = 0; i < 10; i++) {
      const r = await producer.send({ topic, acks: -1, messages: [{ key: `k${i}`, value: `v${i}`, partition: i % 2 }, { value: `w${i}`, partition: i % 2 }] });
      expect(r[0].errorCode).toBe(0);
      expect(Number(r[0].baseOffset)).toBe(Math.floor(i / 2) * 2);
    }
    await producer.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(topic);
    expect(offsets.map((o) => o.high).sort()).toEqual(['10', '10']);
    await admin.disconnect();
  });

  it('a sequence gap surfaces as OUT_OF_ORDER_SEQUENCE_NUMBER to kafkajs', async () => {
    const topic = await createTopic();
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    await producer.send({ topic, messages: [{ value: 'first' }] });
    const p = broker.cluster.partition(topic, 0)!;
    const [entry] = broker.services.producers.producers(p);
    // Another writer with the same producer id takes sequences 1-2 behind kafkajs's back.
    const forged = await encodeBatch([{ value: Buffer.from('x') }, { value: Buffer.from('y') }], { producerId: entry.producerId, producerEpoch: entry.epoch, baseSequence: 1 });
    const c = await RawClient.connect(broker.port);
    const res = await c.send(0, 9, { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: 0, records: forged }] }] });
    c.close();
    expect(res.responses[0].partitionResponses[0].errorCode).toBe(0);
    await expect(producer.send({ topic, messages: [{ value: 'second' }] })).rejects.toThrow(/out of order sequence/i);
    await producer.disconnect();
  });
});

describe('kafkajs transactional producer', () => {
  it('commit: the records become visible to a read_committed consumer', async () => {
    const topic = await createTopic();
    const producer = kafka.producer({ transactionalId: topicName('tx-commit'), maxInFlightRequests: 1, idempotent: true });
    await producer.connect();
    const txn = await producer.transaction();
    await txn.send({ topic, messages: [{ value: 'a' }, { value: 'b' }] });
    await txn.send({ topic, messages: [{ value: 'c' }] });
    await txn.commit();
    const t2 = await producer.transaction();
    await t2.send({ topic, messages: [{ value: 'end' }] });
    await t2.commit();
    await producer.disconnect();
    expect(await consumeUntil(topic, 'end', false)).toEqual(['a', 'b', 'c']);
  });

  it('abort: invisible to read_committed, visible to read_uncommitted; the consumer gets past it', async () => {
    const topic = await createTopic();
    const producer = kafka.producer({ transactionalId: topicName('tx-abort'), maxInFlightRequests: 1, idempotent: true });
    await producer.connect();
    const t1 = await producer.transaction();
    await t1.send({ topic, messages: [{ value: 'aborted-1' }, { value: 'aborted-2' }] });
    await t1.abort();
    const t2 = await producer.transaction();
    await t2.send({ topic, messages: [{ value: 'kept' }, { value: 'end' }] });
    await t2.commit();
    await producer.disconnect();
    expect(await consumeUntil(topic, 'end', false)).toEqual(['kept']);
    expect(await consumeUntil(topic, 'end', true)).toEqual(['aborted-1', 'aborted-2', 'kept']);
  });

  it('an open transaction holds read_committed consumers back (last stable offset)', async () => {
    const topic = await createTopic();
    const producer = kafka.producer({ transactionalId: topicName('tx-open'), maxInFlightRequests: 1, idempotent: true });
    await producer.connect();
    const txn = await producer.transaction();
    await txn.send({ topic, messages: [{ value: 'pending' }] });
    const plain = kafka.producer();
    await plain.connect();
    await plain.send({ topic, messages: [{ value: 'plain' }] });
    await plain.disconnect();
    // A read_uncommitted consumer reads past the open transaction...
    expect(await consumeUntil(topic, 'plain', true)).toEqual(['pending']);
    const admin = kafka.admin();
    await admin.connect();
    // ...while ListOffsets latest with read_committed (kafkajs admin's isolation level) answers the last stable offset.
    expect((await admin.fetchTopicOffsets(topic))[0].high).toBe('0');
    await txn.commit();
    // 2 records + the commit marker
    expect((await admin.fetchTopicOffsets(topic))[0].high).toBe('3');
    await admin.disconnect();
    await producer.disconnect();
    expect(await consumeUntil(topic, 'plain', false)).toEqual(['pending']);
  });

  it('sendOffsets: group offsets are committed with the transaction, not on abort', async () => {
    const topic = await createTopic();
    const groupId = topicName('eos-group');
    const producer = kafka.producer({ transactionalId: topicName('tx-offsets'), maxInFlightRequests: 1, idempotent: true });
    await producer.connect();
    const admin = kafka.admin();
    await admin.connect();
    const committed = async () => (await admin.fetchOffsets({ groupId, topics: [topic] }))[0].partitions[0].offset;

    const t1 = await producer.transaction();
    await t1.send({ topic, messages: [{ value: 'out-1' }] });
    await t1.sendOffsets({ consumerGroupId: groupId, topics: [{ topic, partitions: [{ partition: 0, offset: '5' }] }] });
    expect(await committed()).toBe('-1');
    await t1.commit();
    expect(await committed()).toBe('5');

    const t2 = await producer.transaction();
    await t2.send({ topic, messages: [{ value: 'out-2' }] });
    await t2.sendOffsets({ consumerGroupId: groupId, topics: [{ topic, partitions: [{ partition: 0, offset: '9' }] }] });
    await t2.abort();
    expect(await committed()).toBe('5');
    await admin.disconnect();
    await producer.disconnect();
  });

  it('consume-transform-produce: a consumer group advances exactly with the committed transactions', async () => {
    const input = await createTopic();
    const output = await createTopic();
    const groupId = topicName('ctp');
    const plain = kafka.producer();
    await plain.connect();
    await plain.send({ topic: input, messages: [{ value: 'a' }, { value: 'b' }, { value: 'c' }] });
    await plain.disconnect();

    const producer = kafka.producer({ transactionalId: topicName('tx-ctp'), maxInFlightRequests: 1, idempotent: true });
    await producer.connect();
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic: input, fromBeginning: true });
    let processed = 0;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`processed only ${processed}`)), 15000);
      void consumer.run({
        autoCommit: false,
        eachMessage: async ({ topic, partition, message }) => {
          const txn = await producer.transaction();
          await txn.send({ topic: output, messages: [{ value: message.value!.toString().toUpperCase() }] });
          await txn.sendOffsets({ consumerGroupId: groupId, topics: [{ topic, partitions: [{ partition, offset: String(Number(message.offset) + 1) }] }] });
          // the last record's transaction is aborted: its output and offset must not become visible
          if (message.value!.toString() === 'c') await txn.abort();
          else await txn.commit();
          if (++processed === 3) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    await consumer.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    expect((await admin.fetchOffsets({ groupId, topics: [input] }))[0].partitions[0].offset).toBe('2');
    await admin.disconnect();
    const t = await producer.transaction();
    await t.send({ topic: output, messages: [{ value: 'end' }] });
    await t.commit();
    await producer.disconnect();
    expect(await consumeUntil(output, 'end', false)).toEqual(['A', 'B']);
  });

  it('fencing: a second producer with the same transactional id fences the first', async () => {
    const topic = await createTopic();
    const transactionalId = topicName('tx-fence');
    const p1 = kafka.producer({ transactionalId, maxInFlightRequests: 1, idempotent: true });
    await p1.connect();
    const t1 = await p1.transaction();
    await t1.send({ topic, messages: [{ value: 'zombie' }] });

    const p2 = kafka.producer({ transactionalId, maxInFlightRequests: 1, idempotent: true });
    await p2.connect();
    // kafkajs sends the transactional InitProducerId with the first transaction(): it bumps the epoch and aborts
    // p1's open transaction.
    const t2 = await p2.transaction();
    await expect(t1.send({ topic, messages: [{ value: 'zombie-2' }] })).rejects.toThrow(/epoch/i);
    await expect(t1.commit()).rejects.toThrow(/epoch/i);

    await t2.send({ topic, messages: [{ value: 'end' }] });
    await t2.commit();
    await p1.disconnect();
    await p2.disconnect();
    expect(await consumeUntil(topic, 'end', false)).toEqual([]);
  });

  it('a transaction older than transaction.timeout.ms is aborted and its producer fenced', async () => {
    const topic = await createTopic();
    const producer = kafka.producer({ transactionalId: topicName('tx-timeout'), transactionTimeout: 300, maxInFlightRequests: 1, idempotent: true });
    await producer.connect();
    const txn = await producer.transaction();
    await txn.send({ topic, messages: [{ value: 'late' }] });
    await new Promise((r) => setTimeout(r, 800));
    await expect(txn.commit()).rejects.toThrow(/epoch/i);
    await producer.disconnect();

    const again = kafka.producer({ transactionalId: topicName('tx-after-timeout'), maxInFlightRequests: 1, idempotent: true });
    await again.connect();
    const t2 = await again.transaction();
    await t2.send({ topic, messages: [{ value: 'end' }] });
    await t2.commit();
    await again.disconnect();
    expect(await consumeUntil(topic, 'end', false)).toEqual([]);
  });
});

describe('kafkajs transactions on a 3-broker cluster', () => {
  it('a transaction over partitions led by different brokers commits and aborts atomically', async () => {
    const cluster = await startTestBroker({ brokers: 3 });
    try {
      const k = kafkajs(cluster);
      const topic = topicName('txn3');
      await cluster.cluster.createTopic(topic, { numPartitions: 3, replicationFactor: 3 });
      expect(new Set(cluster.cluster.topics.get(topic)!.partitions.map((p) => p.leader)).size).toBe(3);
      const producer = k.producer({ transactionalId: topicName('tx3'), maxInFlightRequests: 1, idempotent: true });
      await producer.connect();
      const t1 = await producer.transaction();
      await t1.send({ topic, messages: [0, 1, 2].map((partition) => ({ partition, value: `aborted-${partition}` })) });
      await t1.abort();
      const t2 = await producer.transaction();
      await t2.send({ topic, messages: [0, 1, 2].map((partition) => ({ partition, value: `kept-${partition}` })) });
      await t2.commit();
      await producer.disconnect();

      const consumer = k.consumer({ groupId: topicName('g3'), maxWaitTimeInMs: 100 });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      const seen: string[] = [];
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`saw ${JSON.stringify(seen)}`)), 15000);
        void consumer.run({
          eachMessage: async ({ message }) => {
            seen.push(message.value!.toString());
            if (seen.filter((v) => v.startsWith('kept')).length === 3) {
              clearTimeout(timer);
              resolve();
            }
          },
        });
      });
      await consumer.disconnect();
      expect(seen.sort()).toEqual(['kept-0', 'kept-1', 'kept-2']);
    } finally {
      await cluster.stop();
    }
  });
});
