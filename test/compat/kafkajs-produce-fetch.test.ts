// kafkajs 2.2.4 against kafkalite: produce with every acks level, read back with a consumer-less fetch path
// (admin offsets) and with the group consumer once groups exist.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBroker } from '../../src/kafkalite.js';
import { kafkajs, startTestBroker, topicName } from './helpers.js';

let broker: RunningBroker;
beforeAll(async () => {
  broker = await startTestBroker();
});
afterAll(async () => {
  await broker?.stop();
});

describe('kafkajs producer', () => {
  it('produces with acks -1, 1 and 0 and the offsets advance', async () => {
    const kafka = kafkajs(broker);
    const producer = kafka.producer({ allowAutoTopicCreation: true });
    await producer.connect();
    const topic = topicName('acks');
    const r1 = await producer.send({ topic, acks: -1, messages: [{ key: 'k1', value: 'v1', headers: { h: 'x' } }, { value: 'v2' }] });
    expect(r1[0].errorCode).toBe(0);
    expect(r1[0].baseOffset).toBe('0');
    const r2 = await producer.send({ topic, acks: 1, messages: [{ value: 'v3' }] });
    expect(r2[0].baseOffset).toBe('2');
    await producer.send({ topic, acks: 0, messages: [{ value: 'v4' }] });
    const admin = kafka.admin();
    await admin.connect();
    // acks=0 has no response: poll until the record is visible.
    let high = '';
    for (let i = 0; i < 50 && high !== '4'; i++) {
      high = (await admin.fetchTopicOffsets(topic))[0].high;
      if (high !== '4') await new Promise((r) => setTimeout(r, 20));
    }
    expect(high).toBe('4');
    const offsets = await admin.fetchTopicOffsets(topic);
    expect(offsets[0].low).toBe('0');
    await admin.disconnect();
    await producer.disconnect();
  });
});

describe('kafkajs admin offsets by timestamp', () => {
  it('finds the first record at or after a timestamp inside a multi-record batch', async () => {
    const kafka = kafkajs(broker);
    const producer = kafka.producer();
    await producer.connect();
    const topic = topicName('ts');
    const base = Date.now() - 60_000;
    // One produce call = one batch holding records with increasing timestamps.
    await producer.send({ topic, messages: [0, 1, 2, 3].map((i) => ({ value: `v${i}`, timestamp: String(base + i * 1000) })) });
    const admin = kafka.admin();
    await admin.connect();
    const [p] = await admin.fetchTopicOffsetsByTimestamp(topic, base + 1500);
    expect(p.offset).toBe('2');
    const [first] = await admin.fetchTopicOffsetsByTimestamp(topic, base - 10);
    expect(first.offset).toBe('0');
    await admin.disconnect();
    await producer.disconnect();
  });
});
