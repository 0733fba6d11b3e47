// Produce requests pipelined on one connection are appended in the order they arrived, also when some batches
// are prepared asynchronously (recompressed for the topic's compression.type, timestamps checked, magic 0/1
// converted) and a later one is ready first. (librdkafka's legacy mode sends one request per message and
// caught this: test/compat/confluent-kafka.test.ts.)
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningBroker } from '../../src/kafkalite.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { Compression, encodeBatch } from '../../src/protocol/records/index.js';
import { startTestBroker, topicName } from '../compat/helpers.js';
import { RawClient } from '../coordinator/raw-client.js';

let broker: RunningBroker;
let c: RawClient;
beforeAll(async () => {
  broker = await startTestBroker();
  c = await RawClient.connect(broker.brokers[0].ports.PLAINTEXT);
});
afterAll(async () => {
  c?.close();
  await broker?.stop();
});

const produce = (topic: string, records: Buffer) =>
  c.send(0, 9, { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: 0, records }] }] })
    .then((r) => r.responses[0].partitionResponses[0]);

it('a batch ready at once waits for the recompressed batch sent before it', async () => {
  const topic = topicName('order');
  await broker.cluster.createTopic(topic, { numPartitions: 1, configs: { 'compression.type': 'gzip' } });
  // Recompressing 1 MB of random text on the thread pool takes milliseconds; the small gzip batch is stored as received.
  const big = await encodeBatch([{ value: Buffer.from(randomBytes(750_000).toString('base64')) }]);
  const small = await encodeBatch([{ value: Buffer.from('small') }], { compression: Compression.Gzip });
  const out = await Promise.all([produce(topic, big), produce(topic, small), produce(topic, big), produce(topic, small)]);
  expect(out.map((r) => [r.errorCode, Number(r.baseOffset)])).toEqual([[0, 0], [0, 1], [0, 2], [0, 3]]);
});

it('a refused batch lets the next one go, still after the batches before it', async () => {
  const topic = topicName('order-ts');
  await broker.cluster.createTopic(topic, { numPartitions: 1, configs: { 'compression.type': 'gzip', 'message.timestamp.difference.max.ms': '60000' } });
  const big = await encodeBatch([{ value: Buffer.from(randomBytes(750_000).toString('base64')) }]);
  const old = await encodeBatch([{ value: Buffer.from('old'), timestamp: Date.now() - 3_600_000 }], { compression: Compression.Gzip });
  const small = await encodeBatch([{ value: Buffer.from('small') }], { compression: Compression.Gzip });
  const out = await Promise.all([produce(topic, big), produce(topic, old), produce(topic, small)]);
  expect(out.map((r) => [r.errorCode, Number(r.baseOffset)])).toEqual([[0, 0], [ErrorCode.INVALID_TIMESTAMP, -1], [0, 1]]);
  // Nothing is left holding the partition: a plain append afterwards goes straight through.
  expect(broker.cluster.partition(topic, 0)!.appends.busy).toBe(false);
  expect(Number((await produce(topic, small)).baseOffset)).toBe(2);
});
