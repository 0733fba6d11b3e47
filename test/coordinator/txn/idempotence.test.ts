// Idempotent produce with forged batches: duplicates answer the original offset, gaps and stale epochs fail with
// Kafka's error codes, an unknown producer must start at sequence 0, and clients may not write control batches.
import { describe, expect, it } from 'vitest';
import type { RunningBroker } from '../../../src/kafkalite.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { topicName } from '../../compat/helpers.js';
import type { RawClient } from '../raw-client.js';
import { API, initProducerId, newTopic, produce, useRawBroker } from './helpers.js';

let broker: RunningBroker;
let c: RawClient;
useRawBroker({}, (env) => ({ broker, c } = env));

describe('InitProducerId without a transactional id', () => {
  it('hands out a new producer id with epoch 0 on every version', async () => {
    const ids = new Set<number>();
    for (const v of [0, 1, 2, 3, 4, 5]) {
      const r = await initProducerId(c, null, v);
      expect(r.errorCode).toBe(ErrorCode.NONE);
      expect(r.producerEpoch).toBe(0);
      ids.add(r.producerId);
    }
    expect(ids.size).toBe(6);
  });
});

describe('sequence checks', () => {
  it('a retried batch gets the original offset; the next sequence continues', async () => {
    const topic = await newTopic(broker, 'idem');
    const { producerId } = await initProducerId(c, null);
    const p = { producerId, epoch: 0 };
    expect(await produce(c, topic, { ...p, seq: 0, count: 3 })).toMatchObject({ errorCode: 0, baseOffset: 0 });
    expect(await produce(c, topic, { ...p, seq: 3, count: 2 })).toMatchObject({ errorCode: 0, baseOffset: 3 });
    // retries of both batches still in the 5-batch window
    expect(await produce(c, topic, { ...p, seq: 0, count: 3 })).toMatchObject({ errorCode: 0, baseOffset: 0 });
    expect(await produce(c, topic, { ...p, seq: 3, count: 2 })).toMatchObject({ errorCode: 0, baseOffset: 3 });
    expect(await produce(c, topic, { ...p, seq: 5 })).toMatchObject({ errorCode: 0, baseOffset: 5 });
    expect(broker.cluster.partition(topic, 0)!.log.logEndOffset).toBe(6);
  });

  it('only the last 5 batches are remembered', async () => {
    const topic = await newTopic(broker, 'idem');
    const { producerId } = await initProducerId(c, null);
    for (let s = 0; s < 7; s++) expect((await produce(c, topic, { producerId, epoch: 0, seq: s })).baseOffset).toBe(s);
    expect(await produce(c, topic, { producerId, epoch: 0, seq: 2 })).toMatchObject({ errorCode: 0, baseOffset: 2 });
    // seq 1 fell out of the window: no longer a known duplicate, and out of order
    expect((await produce(c, topic, { producerId, epoch: 0, seq: 1 })).errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  });

  it('a gap is OUT_OF_ORDER_SEQUENCE_NUMBER and nothing is appended', async () => {
    const topic = await newTopic(broker, 'idem');
    const { producerId } = await initProducerId(c, null);
    await produce(c, topic, { producerId, epoch: 0, seq: 0 });
    const r = await produce(c, topic, { producerId, epoch: 0, seq: 2 });
    expect(r.errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect(r.errorMessage).toMatch(/Out of order sequence number/);
    expect(broker.cluster.partition(topic, 0)!.log.logEndOffset).toBe(1);
    expect((await produce(c, topic, { producerId, epoch: 0, seq: 1 })).errorCode).toBe(ErrorCode.NONE);
  });

  it('an unknown producer with a non-zero sequence is UNKNOWN_PRODUCER_ID', async () => {
    const topic = await newTopic(broker, 'idem');
    const { producerId } = await initProducerId(c, null);
    expect((await produce(c, topic, { producerId, epoch: 0, seq: 5 })).errorCode).toBe(ErrorCode.UNKNOWN_PRODUCER_ID);
    expect((await produce(c, topic, { producerId, epoch: 0, seq: 0 })).errorCode).toBe(ErrorCode.NONE);
  });

  it('epochs: a newer epoch restarts at 0, an older one is INVALID_PRODUCER_EPOCH', async () => {
    const topic = await newTopic(broker, 'idem');
    const { producerId } = await initProducerId(c, null);
    await produce(c, topic, { producerId, epoch: 0, seq: 0 });
    expect((await produce(c, topic, { producerId, epoch: 1, seq: 1 })).errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect((await produce(c, topic, { producerId, epoch: 1, seq: 0 })).errorCode).toBe(ErrorCode.NONE);
    expect((await produce(c, topic, { producerId, epoch: 0, seq: 1 })).errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
  });

  it('pipelined batches of one producer are checked in order before their appends complete', async () => {
    const topic = await newTopic(broker, 'idem');
    const { producerId } = await initProducerId(c, null);
    const rs = await Promise.all([0, 1, 2, 3, 4].map((s) => produce(c, topic, { producerId, epoch: 0, seq: s })));
    expect(rs.map((r) => [r.errorCode, r.baseOffset])).toEqual([[0, 0], [0, 1], [0, 2], [0, 3], [0, 4]]);
  });

  it('state follows a truncated log (replica truncation after a leader change)', async () => {
    const topic = await newTopic(broker, 'idem');
    const { producerId } = await initProducerId(c, null);
    for (let s = 0; s < 3; s++) await produce(c, topic, { producerId, epoch: 0, seq: s });
    await broker.cluster.partition(topic, 0)!.log.truncateTo(1);
    // seq 1 was lost with the log tail: it is appended again rather than answered as a duplicate
    expect(await produce(c, topic, { producerId, epoch: 0, seq: 1 })).toMatchObject({ errorCode: 0, baseOffset: 1 });
    expect(broker.cluster.partition(topic, 0)!.log.logEndOffset).toBe(2);
  });

  it('non-idempotent batches are not checked', async () => {
    const topic = await newTopic(broker, 'idem');
    expect((await produce(c, topic, { producerId: -1, epoch: -1, seq: -1 })).errorCode).toBe(ErrorCode.NONE);
    expect((await produce(c, topic, { producerId: -1, epoch: -1, seq: -1 })).baseOffset).toBe(1);
  });

  it('clients may not write control batches', async () => {
    const topic = await newTopic(broker, 'idem');
    const { producerId } = await initProducerId(c, null);
    const r = await produce(c, topic, { producerId, epoch: 0, seq: 0, transactional: true, isControl: true });
    expect(r.errorCode).toBe(ErrorCode.INVALID_RECORD);
  });

  it('a transactional batch outside a transaction is refused', async () => {
    const topic = await newTopic(broker, 'idem');
    const { producerId } = await initProducerId(c, null);
    expect((await produce(c, topic, { producerId, epoch: 0, seq: 0, transactional: true })).errorCode).toBe(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    const tid = topicName('tid');
    const t = await initProducerId(c, tid);
    expect((await produce(c, topic, { producerId: t.producerId, epoch: t.producerEpoch, seq: 0, transactional: true }, tid)).errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
  });

  it('DescribeProducers lists the producer with its last sequence', async () => {
    const topic = await newTopic(broker, 'idem');
    const { producerId } = await initProducerId(c, null);
    await produce(c, topic, { producerId, epoch: 0, seq: 0, count: 4 });
    const res = await c.send(API.DescribeProducers, 0, { topics: [{ name: topic, partitionIndexes: [0, 7] }, { name: 'no-such-topic', partitionIndexes: [0] }] });
    const [p0, p7] = res.topics[0].partitions;
    expect(p0.errorCode).toBe(0);
    expect(p0.activeProducers).toEqual([expect.objectContaining({ producerId, producerEpoch: 0, lastSequence: 3, currentTxnStartOffset: -1, coordinatorEpoch: -1 })]);
    expect(p7.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect(res.topics[1].partitions[0].errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });
});
