// A Fetch parked in a long poll is woken by the Produce that moves the high watermark, but only after that
// Produce has answered (Partition.wake): a client producing and consuming in one process must get its ack
// first, or it handles the consumer's data before the producer's acknowledgement.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBroker } from '../../src/kafkalite.js';
import { encodeBatch } from '../../src/protocol/records/index.js';
import { RawClient } from '../coordinator/raw-client.js';
import { startTestBroker, topicName } from '../compat/helpers.js';

let broker: RunningBroker;
beforeAll(async () => {
  broker = await startTestBroker();
});
afterAll(async () => {
  await broker?.stop();
});

describe('long-poll wake-up', () => {
  it('wakes parked fetches in the check phase after the high watermark moves, not within the Produce', async () => {
    const topic = topicName('wake-phase');
    const t = await broker.cluster.createTopic(topic, { numPartitions: 1 });
    const p = t.partitions[0];
    const calls: string[] = [];
    p.waiters.add(() => calls.push('woken'));
    p.advanceHighWatermark(p.highWatermark + 1);
    p.wake(); // a second wake before the first ran is the same wake-up
    await Promise.resolve();
    expect(calls).toEqual([]); // not synchronously, not in the Produce's microtasks
    await new Promise((r) => setImmediate(r));
    expect(calls).toEqual(['woken']);
  });

  it('answers the Produce before the Fetch it wakes, and wakes it long before the max wait', async () => {
    const topic = topicName('wake');
    const producer = await RawClient.connect(broker.port);
    const consumer = await RawClient.connect(broker.port);
    try {
      const created = await producer.send(19, 2, { topics: [{ name: topic, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 10000, validateOnly: false });
      expect(created.topics[0].errorCode).toBe(0);
      for (let offset = 0; offset < 5; offset++) {
        const order: string[] = [];
        const started = Date.now();
        const fetched = consumer
          .send(1, 4, { replicaId: -1, maxWaitMs: 5000, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 0, topics: [{ topic, partitions: [{ partition: 0, fetchOffset: offset, partitionMaxBytes: 1 << 20 }] }] })
          .then((r) => {
            order.push('fetch');
            return r;
          });
        await new Promise((r) => setTimeout(r, 20)); // the Fetch is parked by now
        const records = await encodeBatch([{ value: Buffer.from(`m${offset}`) }]);
        const produced = producer.send(0, 7, { transactionalId: null, acks: 1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: 0, records }] }] }).then((r) => {
          order.push('produce');
          return r;
        });
        const [p, f] = await Promise.all([produced, fetched]);
        expect(p.responses[0].partitionResponses[0]).toMatchObject({ errorCode: 0, baseOffset: offset });
        const part = f.responses[0].partitions[0];
        expect(part.errorCode).toBe(0);
        expect(part.highWatermark).toBe(offset + 1);
        expect(part.records.length).toBeGreaterThan(0);
        expect(order).toEqual(['produce', 'fetch']);
        expect(Date.now() - started).toBeLessThan(2500);
      }
    } finally {
      producer.close();
      consumer.close();
    }
  });
});
