// kafkajs 2.2.4 against kafkalite: produce with every acks level, read back with a consumer-less fetch path
// (admin offsets) and with the group consumer once groups exist.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBroker } from '../../src/kafkalite.js';
import { encodeBatch } from '../../src/protocol/records/index.js';
import { API, RawClient } from '../coordinator/raw-client.js';
import { CompressionCodecs, CompressionTypes, type Admin, type Producer } from 'kafkajs';
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

describe('topic compression.type', () => {
  it('stores batches recompressed with the topic codec and kafkajs reads them back', async () => {
    const kafka = kafkajs(broker);
    const admin = kafka.admin();
    await admin.connect();
    const topic = topicName('ctype');
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'compression.type', value: 'gzip' }] }] });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ key: 'a', value: 'x'.repeat(500), headers: { h: '1' } }, { key: 'b', value: 'y'.repeat(500) }] });
    const { chunks } = await broker.cluster.partition(topic, 0)!.log.read(0, 1 << 20);
    expect(chunks[0].readInt16BE(21) & 0x07).toBe(1); // attributes: gzip
    const consumer = kafka.consumer({ groupId: topicName('ctype-g') });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const seen: string[] = [];
    await new Promise<void>((resolve) => {
      consumer.run({ eachMessage: async ({ message }) => {
        seen.push(`${message.key}:${message.value!.length}:${message.headers?.h ?? ''}`);
        if (seen.length === 2) resolve();
      } });
    });
    expect(seen).toEqual(['a:500:1', 'b:500:']);
    await consumer.disconnect();
    await producer.disconnect();
    await admin.disconnect();
  });
});

/** A one-partition topic with `configs`, a kafkajs admin and a producer that does not retry, for `fn`. */
async function withTopic(prefix: string, configs: Record<string, string>, fn: (c: { topic: string; admin: Admin; producer: Producer }) => Promise<void>): Promise<string> {
  const kafka = kafkajs(broker, { retry: { retries: 0 } });
  const admin = kafka.admin();
  const producer = kafka.producer();
  await Promise.all([admin.connect(), producer.connect()]);
  const topic = topicName(prefix);
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, configEntries: Object.entries(configs).map(([name, value]) => ({ name, value })) }] });
    await fn({ topic, admin, producer });
  } finally {
    await Promise.all([producer.disconnect(), admin.disconnect()]);
  }
  return topic;
}

describe("per-record checks on produce, as Kafka's LogValidator", () => {
  it('rejects records too far from the broker clock with INVALID_TIMESTAMP, accepts current ones', async () => {
    await withTopic('tsmax', { 'message.timestamp.difference.max.ms': '60000' }, async ({ topic, admin, producer }) => {
      await expect(producer.send({ topic, messages: [{ value: 'now' }] })).resolves.toBeTruthy();
      const old = String(Date.now() - 3_600_000);
      await expect(producer.send({ topic, messages: [{ value: 'old', timestamp: old }] })).rejects.toThrow(/timestamp/i);
      expect((await admin.fetchTopicOffsets(topic))[0].high).toBe('1');
    });
  });

  it('rejects records without a key on a compacted topic (INVALID_RECORD with the record indexes), keyed ones pass', async () => {
    const topic = await withTopic('compact-keys', { 'cleanup.policy': 'compact' }, async ({ topic, admin, producer }) => {
      await expect(producer.send({ topic, messages: [{ key: 'k', value: 'keyed' }] })).resolves.toBeTruthy();
      const err = await producer.send({ topic, messages: [{ key: 'k', value: 'a' }, { value: 'no key' }] }).catch((e) => e);
      expect(err).toMatchObject({ type: 'INVALID_RECORD' });
      // Nothing of the rejected batch was stored.
      expect((await admin.fetchTopicOffsets(topic))[0].high).toBe('1');
    });
    // The wire answer, as Kafka's LogValidator words it.
    const c = await RawClient.connect(broker.port);
    try {
      const batch = await encodeBatch([{ key: null, value: Buffer.from('x') }, { key: Buffer.from('k'), value: Buffer.from('y') }, { key: null, value: null }]);
      const res = await c.send(API.Produce, 9, { transactionalId: null, acks: 1, timeoutMs: 1000, topicData: [{ name: topic, partitionData: [{ index: 0, records: batch }] }] });
      const why = `Compacted topic cannot accept message without key in topic partition ${topic}-0.`;
      expect(res.responses[0].partitionResponses[0]).toMatchObject({
        errorCode: 87,
        errorMessage: `One or more records have been rejected due to 2 record errors in total, and only showing the first three errors at most: [RecordError(batchIndex=0, message='${why}'), RecordError(batchIndex=2, message='${why}')]`,
        recordErrors: [{ batchIndex: 0, batchIndexErrorMessage: why }, { batchIndex: 2, batchIndexErrorMessage: why }],
      });
    } finally {
      c.close();
    }
  });

  it('decompresses compressed batches to check them: a codec that does not compress is refused with CORRUPT_MESSAGE', async () => {
    // A client-side codec bug (here: "LZ4" that sends its input as is). Kafka refuses the batch at once instead of
    // storing what no consumer can read.
    const lz4 = CompressionCodecs[CompressionTypes.LZ4];
    CompressionCodecs[CompressionTypes.LZ4] = () => ({ compress: async (encoder: { buffer: Buffer }) => encoder.buffer, decompress: async (b: Buffer) => b });
    try {
      await withTopic('bad-codec', {}, async ({ topic, admin, producer }) => {
        const err = await producer.send({ topic, compression: CompressionTypes.LZ4, messages: [{ key: 'k', value: 'v'.repeat(100) }] }).catch((e) => e);
        expect(err).toMatchObject({ cause: { type: 'CORRUPT_MESSAGE' } }); // retriable for kafkajs: wrapped once retries ran out
        await expect(producer.send({ topic, compression: CompressionTypes.GZIP, messages: [{ key: 'k', value: 'gz' }] })).resolves.toBeTruthy();
        expect((await admin.fetchTopicOffsets(topic))[0].high).toBe('1');
      });
    } finally {
      CompressionCodecs[CompressionTypes.LZ4] = lz4;
    }
  });

  it('refuses a producer batch that claims LogAppendTime (only the broker sets it), with INVALID_TIMESTAMP', async () => {
    const topic = topicName('append-time');
    await broker.cluster.createTopic(topic, { numPartitions: 1 });
    const c = await RawClient.connect(broker.port);
    try {
      const batch = await encodeBatch([{ key: Buffer.from('k'), value: Buffer.from('vv'), timestamp: 1000 }], { timestampType: 1 });
      const res = await c.send(API.Produce, 9, { transactionalId: null, acks: 1, timeoutMs: 1000, topicData: [{ name: topic, partitionData: [{ index: 0, records: batch }] }] });
      expect(res.responses[0].partitionResponses[0]).toMatchObject({
        errorCode: 32,
        errorMessage: 'One or more records have been rejected due to invalid timestamp',
        recordErrors: [{ batchIndex: 0, batchIndexErrorMessage: expect.stringMatching(/^Invalid timestamp type in message DefaultRecord\(offset=0, timestamp=\d+, key=1 bytes, value=2 bytes\)\. Producer should not set timestamp type to LogAppendTime\.$/) }],
      });
      expect(broker.cluster.topics.get(topic)!.partitions[0].log.logEndOffset).toBe(0);
    } finally {
      c.close();
    }
  });
});
