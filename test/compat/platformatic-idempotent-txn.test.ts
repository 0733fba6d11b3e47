// @platformatic/kafka 1.x idempotent and transactional producers against kafkalite, read back by its consumer
// with isolation level read_committed / read_uncommitted.
import { Consumer, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBroker } from '../../src/kafkalite.js';
import { startTestBroker, topicName } from './helpers.js';

let broker: RunningBroker;
beforeAll(async () => {
  broker = await startTestBroker();
});
afterAll(async () => {
  await broker?.stop();
});

function producer(extra: Record<string, unknown> = {}): Producer<string, string, string, string> {
  return new Producer({ clientId: 'kafkalite-test', bootstrapBrokers: broker.bootstrap.split(','), serializers: stringSerializers, retries: 2, ...extra });
}

/** Reads `topic` from the earliest offset until `until` arrives; returns the values before it. */
async function consumeUntil(topic: string, until: string, isolationLevel: 0 | 1): Promise<string[]> {
  const consumer = new Consumer({ groupId: topicName('pg'), clientId: 'kafkalite-test', bootstrapBrokers: broker.bootstrap.split(','), deserializers: stringDeserializers, retries: 2 });
  const seen: string[] = [];
  try {
    const stream = await consumer.consume({ topics: [topic], mode: 'earliest', isolationLevel, maxWaitTime: 100, autocommit: false });
    const deadline = setTimeout(() => void stream.close(), 15000);
    for await (const m of stream) {
      if (m.value === until) break;
      seen.push(m.value);
    }
    clearTimeout(deadline);
    await stream.close();
  } finally {
    await consumer.close(true);
  }
  return seen;
}

describe('@platformatic/kafka', () => {
  it('idempotent producer: contiguous offsets, no duplicates', async () => {
    const topic = topicName('pidem');
    await broker.cluster.createTopic(topic, { numPartitions: 1 });
    const p = producer({ idempotent: true });
    try {
      for (let i = 0; i < 5; i++) {
        const r = await p.send({ messages: [{ topic, value: `a${i}`, partition: 0 }, { topic, value: `b${i}`, partition: 0 }], acks: -1 });
        expect(Number(r.offsets![0].offset)).toBe(i * 2);
      }
    } finally {
      await p.close();
    }
    expect(broker.cluster.partition(topic, 0)!.log.logEndOffset).toBe(10);
    const producers = broker.services.producers.producers(broker.cluster.partition(topic, 0)!);
    expect(producers).toHaveLength(1);
    expect(producers[0].batches.at(-1)!.lastSeq).toBe(9);
  });

  it('transactional producer: commit visible to read_committed, abort only to read_uncommitted', async () => {
    const topic = topicName('ptxn');
    await broker.cluster.createTopic(topic, { numPartitions: 1 });
    const p = producer({ transactionalId: topicName('ptid'), idempotent: true });
    try {
      const t1 = await p.beginTransaction();
      await t1.send({ messages: [{ topic, value: 'aborted', partition: 0 }] });
      await t1.abort();
      const t2 = await p.beginTransaction();
      await t2.send({ messages: [{ topic, value: 'committed', partition: 0 }, { topic, value: 'end', partition: 0 }] });
      await t2.commit();
    } finally {
      await p.close();
    }
    expect(await consumeUntil(topic, 'end', 1)).toEqual(['committed']);
    expect(await consumeUntil(topic, 'end', 0)).toEqual(['aborted', 'committed']);
  });
});
