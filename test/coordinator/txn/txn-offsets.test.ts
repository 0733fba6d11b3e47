// TxnOffsetCommit with exact requests: offsets need AddOffsetsToTxn first, stay pending (OffsetFetch with
// require_stable answers UNSTABLE_OFFSET_COMMIT) and reach the group only when the transaction commits.
import { describe, expect, it } from 'vitest';
import type { RunningBroker } from '../../../src/kafkalite.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { topicName } from '../../compat/helpers.js';
import type { RawClient } from '../raw-client.js';
import { API, endTxn, initProducerId, newTopic, useRawBroker } from './helpers.js';

let broker: RunningBroker;
let c: RawClient;
useRawBroker({}, (env) => ({ broker, c } = env));

const OFFSET_FETCH = 9;

async function txnOffsetCommit(tid: string, producerId: number, epoch: number, groupId: string, topic: string, offset: number, version = 3): Promise<number[]> {
  const res = await c.send(API.TxnOffsetCommit, version, {
    transactionalId: tid,
    groupId,
    producerId,
    producerEpoch: epoch,
    generationId: -1,
    memberId: '',
    groupInstanceId: null,
    topics: [{ name: topic, partitions: [{ partitionIndex: 0, committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: 'm' }] }],
  });
  return res.topics.flatMap((t: any) => t.partitions.map((p: any) => p.errorCode));
}

async function fetchOffset(groupId: string, topic: string, requireStable: boolean): Promise<{ committedOffset: number; errorCode: number }> {
  const res = await c.send(OFFSET_FETCH, 7, { groupId, topics: [{ name: topic, partitionIndexes: [0] }], requireStable });
  return res.topics[0].partitions[0];
}

describe('TxnOffsetCommit', () => {
  it('is pending until commit, dropped on abort', async () => {
    const topic = await newTopic(broker, 'in');
    const tid = topicName('tid');
    const groupId = topicName('group');
    const a = await initProducerId(c, tid);
    // the group must be added to the transaction first
    expect(await txnOffsetCommit(tid, a.producerId, 0, groupId, topic, 3)).toEqual([ErrorCode.INVALID_TXN_STATE]);
    expect((await c.send(API.AddOffsetsToTxn, 3, { transactionalId: tid, producerId: a.producerId, producerEpoch: 0, groupId })).errorCode).toBe(0);
    expect(await txnOffsetCommit(tid, a.producerId, 1, groupId, topic, 3)).toEqual([ErrorCode.INVALID_PRODUCER_EPOCH]);
    expect(await txnOffsetCommit(tid, a.producerId, 0, groupId, 'no-such-topic', 3)).toEqual([ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
    expect(await txnOffsetCommit(tid, a.producerId, 0, groupId, topic, 3)).toEqual([0]);
    expect(await fetchOffset(groupId, topic, true)).toMatchObject({ errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT });
    expect(await fetchOffset(groupId, topic, false)).toMatchObject({ errorCode: 0, committedOffset: -1 });
    expect((await endTxn(c, tid, a.producerId, 0, true)).errorCode).toBe(0);
    expect(await fetchOffset(groupId, topic, true)).toMatchObject({ errorCode: 0, committedOffset: 3 });

    await c.send(API.AddOffsetsToTxn, 3, { transactionalId: tid, producerId: a.producerId, producerEpoch: 0, groupId });
    expect(await txnOffsetCommit(tid, a.producerId, 0, groupId, topic, 8)).toEqual([0]);
    expect((await endTxn(c, tid, a.producerId, 0, false)).errorCode).toBe(0);
    expect(await fetchOffset(groupId, topic, true)).toMatchObject({ errorCode: 0, committedOffset: 3 });
  });

  it('AddOffsetsToTxn checks the producer like AddPartitionsToTxn', async () => {
    const tid = topicName('tid');
    const a = await initProducerId(c, tid);
    const add = (pid: number, epoch: number, v: number) => c.send(API.AddOffsetsToTxn, v, { transactionalId: tid, producerId: pid, producerEpoch: epoch, groupId: 'g' });
    expect((await add(a.producerId + 1, 0, 3)).errorCode).toBe(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    expect((await add(a.producerId, 5, 1)).errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect((await add(a.producerId, 5, 2)).errorCode).toBe(ErrorCode.PRODUCER_FENCED);
    expect((await add(a.producerId, 0, 0)).errorCode).toBe(0);
    const d = await c.send(API.DescribeTransactions, 0, { transactionalIds: [tid] });
    expect(d.transactionStates[0].transactionState).toBe('Ongoing');
  });
});
