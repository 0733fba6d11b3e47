// Large Produce frames are assembled in buffers a connection reuses once the request is answered
// (src/server/connection.ts). That is only safe while the storage engines copy or write the record batches
// before Produce answers: here frames big enough to span several socket reads go through one connection,
// pipelined so that later requests land in reused buffers, and every batch must read back byte for byte.
import { describe, expect, it } from 'vitest';
import type { RunningBroker } from '../../src/kafkalite.js';
import { decodeBatches, encodeBatch } from '../../src/protocol/records/index.js';
import { RawClient } from '../coordinator/raw-client.js';
import { kafkajs, topicName, withEngineBroker } from '../compat/helpers.js';

const REQUESTS = 8;
const RECORDS = 40;
const VALUE = 5000; // 40 x 5000 B: each frame ~200 KB, several 64 KiB socket reads

function valueOf(req: number, rec: number): Buffer {
  return Buffer.alloc(VALUE, `${req}:${rec}|`);
}

async function check(broker: RunningBroker): Promise<void> {
  const topic = topicName('reuse');
  const c = await RawClient.connect(broker.port);
  try {
    const created = await c.send(19, 2, { topics: [{ name: topic, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 10000, validateOnly: false });
    expect(created.topics[0].errorCode).toBe(0);
    const frames = await Promise.all(Array.from({ length: REQUESTS }, (_, req) => encodeBatch(Array.from({ length: RECORDS }, (_, rec) => ({ value: valueOf(req, rec) })))));
    // Three in flight at a time, so buffers freed by answered requests are taken by the next ones.
    const offsets: number[] = new Array(REQUESTS);
    let next = 0;
    await Promise.all(Array.from({ length: 3 }, async () => {
      while (next < REQUESTS) {
        const req = next++;
        const r = await c.send(0, 7, { transactionalId: null, acks: -1, timeoutMs: 10000, topicData: [{ name: topic, partitionData: [{ index: 0, records: frames[req] }] }] });
        const p = r.responses[0].partitionResponses[0];
        expect(p.errorCode).toBe(0);
        offsets[req] = p.baseOffset;
      }
    }));
    // Read everything back and compare each record with what its request carried.
    let fetchOffset = 0;
    const seen = new Map<number, Buffer>();
    while (fetchOffset < REQUESTS * RECORDS) {
      const r = await c.send(1, 4, { replicaId: -1, maxWaitMs: 100, minBytes: 1, maxBytes: 8 << 20, isolationLevel: 0, topics: [{ topic, partitions: [{ partition: 0, fetchOffset, partitionMaxBytes: 8 << 20 }] }] });
      const part = r.responses[0].partitions[0];
      expect(part.errorCode).toBe(0);
      for (const batch of await decodeBatches(part.records)) {
        for (const rec of batch.records) seen.set(rec.offset, rec.value!);
        fetchOffset = batch.header.baseOffset + batch.header.lastOffsetDelta + 1;
      }
    }
    for (let req = 0; req < REQUESTS; req++) {
      for (let rec = 0; rec < RECORDS; rec++) expect(seen.get(offsets[req] + rec)?.equals(valueOf(req, rec))).toBe(true);
    }
    // And through a real client: kafkajs reads the same values.
    const consumer = kafkajs(broker).consumer({ groupId: `${topic}-g` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    let got = 0;
    let bad = 0;
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          const off = Number(message.offset);
          const req = offsets.findIndex((o) => off >= o && off < o + RECORDS);
          if (!message.value?.equals(valueOf(req, off - offsets[req]))) bad++;
          if (++got === REQUESTS * RECORDS) resolve();
        },
      });
    });
    await consumer.disconnect();
    expect(bad).toBe(0);
  } finally {
    c.close();
  }
}

describe('reused produce frame buffers', () => {
  it('memory engine keeps every batch intact', () => withEngineBroker('memory', check));

  it('file engine keeps every batch intact', () => withEngineBroker('file', check));
});
