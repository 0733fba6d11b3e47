// __transaction_state as Kafka's: the transaction coordinator's state changes of a kafkajs transactional producer,
// read back by a kafkajs consumer and decoded by the layouts of Kafka's TransactionLogKey/Value schemas
// (transaction-coordinator/src/main/resources/common/message), and a tombstone when the transactional id expires.
import type { Kafka } from 'kafkajs';
import { afterEach, expect, it } from 'vitest';
import type { RunningBroker } from '../../src/kafkalite.js';
import { partitionForKey } from '../../src/coordinator/group/timers.js';
import { waitFor } from '../cluster/helpers.js';
import { kafkajs, startTestBroker, topicName } from './helpers.js';
import { Fields } from './record-fields.js';

let b: RunningBroker | undefined;
afterEach(async () => {
  await b?.stop();
  b = undefined;
});

/** Kafka's TransactionState ids. */
const EMPTY = 0, ONGOING = 1, PREPARE_COMMIT = 2, PREPARE_ABORT = 3, COMPLETE_COMMIT = 4, COMPLETE_ABORT = 5;

interface TxnRecord {
  id: string;
  partition?: number;
  value: { producerId: number; epoch: number; timeoutMs: number; status: number; partitions: Record<string, number[]> | null; updated: number; started: number } | null;
}

function decode(key: Buffer, value: Buffer | null): TxnRecord {
  const kf = new Fields(key);
  expect(kf.int16()).toBe(0);
  const id = kf.string()!;
  expect(kf.done).toBe(true);
  if (!value) return { id, value: null };
  const vf = new Fields(value);
  expect(vf.int16()).toBe(0);
  const head = { producerId: vf.int64(), epoch: vf.int16(), timeoutMs: vf.int32(), status: vf.int8() };
  const n = vf.int32();
  let partitions: Record<string, number[]> | null = null;
  if (n >= 0) {
    partitions = {};
    for (let i = 0; i < n; i++) {
      const topic = vf.string()!;
      partitions[topic] = Array.from({ length: vf.int32() }, () => vf.int32()).sort();
    }
  }
  const v = { ...head, partitions, updated: vf.int64(), started: vf.int64() };
  expect(vf.done).toBe(true);
  return { id, value: v };
}

/** The records of __transaction_state for `id` so far, read by a kafkajs consumer. */
async function readTxnLog(k: Kafka, id: string, enough: (rs: TxnRecord[]) => boolean): Promise<TxnRecord[]> {
  const records: TxnRecord[] = [];
  const reader = k.consumer({ groupId: topicName('txn-log-reader'), maxWaitTimeInMs: 50 });
  await reader.connect();
  await reader.subscribe({ topic: '__transaction_state', fromBeginning: true });
  await reader.run({ eachMessage: async ({ partition, message }) => void records.push({ ...decode(message.key!, message.value), partition }) });
  try {
    await waitFor(() => enough(records.filter((r) => r.id === id)), 15000, 'records in __transaction_state');
  } finally {
    await reader.disconnect();
  }
  return records.filter((r) => r.id === id);
}

it("holds each state of a transactional id in Kafka's format: its producer, epoch, timeout and partitions", async () => {
  b = await startTestBroker();
  const k = kafkajs(b);
  const topic = topicName('txn-logged');
  const group = topicName('txn-logged-group');
  const id = topicName('txn-logged-id');
  await b.cluster.createTopic(topic, { numPartitions: 2 });
  const producer = k.producer({ transactionalId: id, maxInFlightRequests: 1, idempotent: true, transactionTimeout: 25000 });
  await producer.connect();
  const committed = await producer.transaction();
  await committed.send({ topic, messages: [{ value: 'a', partition: 0 }, { value: 'b', partition: 1 }] });
  await committed.sendOffsets({ consumerGroupId: group, topics: [{ topic, partitions: [{ partition: 0, offset: '1' }] }] });
  await committed.commit();
  const aborted = await producer.transaction();
  await aborted.send({ topic, messages: [{ value: 'c', partition: 1 }] });
  await aborted.abort();
  await producer.disconnect();

  const records = await readTxnLog(k, id, (rs) => rs.some((r) => r.value?.status === COMPLETE_ABORT));
  const values = records.map((r) => r.value!);
  // One state per record, as Kafka's coordinator writes them (an Ongoing one per AddPartitions/AddOffsets).
  const states = values.map((v) => v.status).filter((s, i, all) => i === 0 || s !== all[i - 1]);
  expect(states).toEqual([EMPTY, ONGOING, PREPARE_COMMIT, COMPLETE_COMMIT, ONGOING, PREPARE_ABORT, COMPLETE_ABORT]);
  const producerId = values[0].producerId;
  expect(producerId).toBeGreaterThanOrEqual(0);
  for (const v of values) expect([v.producerId, v.epoch, v.timeoutMs]).toEqual([producerId, 0, 25000]);
  expect(values[0].partitions).toBeNull();
  // AddOffsetsToTxn puts the group's __consumer_offsets partition into the transaction, as in Kafka.
  const offsetsPartition = partitionForKey(group, b.cluster.topics.get('__consumer_offsets')!.partitions.length);
  expect(values.find((v) => v.status === PREPARE_COMMIT)!.partitions).toEqual({ [topic]: [0, 1], __consumer_offsets: [offsetsPartition] });
  expect(values.find((v) => v.status === COMPLETE_COMMIT)!.partitions).toEqual({});
  expect(values.find((v) => v.status === PREPARE_ABORT)!.partitions).toEqual({ [topic]: [1] });
  const commit = values.find((v) => v.status === PREPARE_COMMIT)!;
  expect(commit.started).toBeGreaterThan(0);
  expect(commit.updated).toBeGreaterThanOrEqual(commit.started);
  // All in the partition of the id, whose leader is the id's coordinator.
  expect(new Set(records.map((r) => r.partition))).toEqual(new Set([partitionForKey(id, 50)]));
});

it('gets a tombstone when the transactional id expires (transactional.id.expiration.ms)', async () => {
  b = await startTestBroker({ overrides: { 'transactional.id.expiration.ms': '300', 'transaction.remove.expired.transaction.cleanup.interval.ms': '100', 'transaction.abort.timed.out.transaction.cleanup.interval.ms': '100' } });
  const k = kafkajs(b);
  const id = topicName('txn-expiring');
  const producer = k.producer({ transactionalId: id, maxInFlightRequests: 1, idempotent: true });
  await producer.connect();
  await (await producer.transaction()).abort(); // InitProducerId, no transaction to end
  await producer.disconnect();
  const records = await readTxnLog(k, id, (rs) => rs.some((r) => r.value === null));
  expect(records.map((r) => r.value?.status ?? 'tombstone')).toEqual([EMPTY, 'tombstone']);
});
