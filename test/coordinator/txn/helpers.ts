// Raw-protocol helpers for the idempotence/transaction tests: the shared broker setup, forged Produce batches,
// the InitProducerId/AddPartitionsToTxn steps that open a transaction, and read_committed fetches.
import { expect } from 'vitest';
import { encodeBatch } from '../../../src/protocol/records/index.js';
import { API as RAW_API, type RawClient } from '../raw-client.js';

export { newTopic, useRawBroker } from '../raw-broker.js';

export const API = {
  ...RAW_API,
  AddPartitionsToTxn: 24,
  AddOffsetsToTxn: 25,
  EndTxn: 26,
  WriteTxnMarkers: 27,
  TxnOffsetCommit: 28,
  DescribeProducers: 61,
  DescribeTransactions: 65,
  ListTransactions: 66,
} as const;

export interface BatchSpec {
  producerId: number;
  epoch: number;
  seq: number;
  count?: number;
  transactional?: boolean;
  isControl?: boolean;
}

export function batch(b: BatchSpec): Promise<Buffer> {
  const records = Array.from({ length: b.count ?? 1 }, (_, i) => ({ value: Buffer.from(`r${b.seq + i}`) }));
  return encodeBatch(records, { producerId: b.producerId, producerEpoch: b.epoch, baseSequence: b.seq, isTransactional: b.transactional, isControl: b.isControl });
}

/** Produce v9 (acks -1) of one batch; resolves with the partition response. */
export async function produce(c: RawClient, topic: string, b: BatchSpec, transactionalId: string | null = null, partition = 0): Promise<{ errorCode: number; baseOffset: number; errorMessage: string | null }> {
  const res = await c.send(API.Produce, 9, {
    transactionalId,
    acks: -1,
    timeoutMs: 5000,
    topicData: [{ name: topic, partitionData: [{ index: partition, records: await batch(b) }] }],
  });
  return res.responses[0].partitionResponses[0];
}

export async function initProducerId(c: RawClient, transactionalId: string | null, version = 4, extra: Record<string, unknown> = {}): Promise<{ errorCode: number; producerId: number; producerEpoch: number }> {
  return c.send(API.InitProducerId, version, { transactionalId, transactionTimeoutMs: 60000, producerId: -1, producerEpoch: -1, ...extra });
}

export async function addPartitions(c: RawClient, transactionalId: string, producerId: number, epoch: number, topic: string, partitions: number[], version = 3): Promise<number[]> {
  const res = await c.send(API.AddPartitionsToTxn, version, {
    v3AndBelowTransactionalId: transactionalId,
    v3AndBelowProducerId: producerId,
    v3AndBelowProducerEpoch: epoch,
    v3AndBelowTopics: [{ name: topic, partitions }],
  });
  return res.resultsByTopicV3AndBelow[0].resultsByPartition.map((r: any) => r.partitionErrorCode);
}

/**
 * Opens a transaction the way a transactional producer does: InitProducerId for `transactionalId`, then
 * AddPartitionsToTxn of `partitions` of `topic` (which must succeed: it is setup, not the step under test).
 */
export async function beginTxn(c: RawClient, transactionalId: string, topic: string, o: { partitions?: number[]; initVersion?: number } = {}): Promise<{ producerId: number; producerEpoch: number }> {
  const { producerId, producerEpoch } = await initProducerId(c, transactionalId, o.initVersion);
  const partitions = o.partitions ?? [0];
  expect(await addPartitions(c, transactionalId, producerId, producerEpoch, topic, partitions)).toEqual(partitions.map(() => 0));
  return { producerId, producerEpoch };
}

export async function endTxn(c: RawClient, transactionalId: string, producerId: number, epoch: number, committed: boolean, version = 3): Promise<{ errorCode: number; producerId: number; producerEpoch: number }> {
  return c.send(API.EndTxn, version, { transactionalId, producerId, producerEpoch: epoch, committed });
}

/** Fetch v11 of partition 0 from `offset`. */
export async function fetch(c: RawClient, topic: string, offset: number, isolationLevel: 0 | 1): Promise<any> {
  const res = await c.send(API.Fetch, 11, {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
    isolationLevel,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: offset, logStartOffset: -1, partitionMaxBytes: 1 << 20 }] }],
    forgottenTopicsData: [],
    rackId: '',
  });
  return res.responses[0].partitions[0];
}
