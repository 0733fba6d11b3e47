// The transaction APIs with exact requests: InitProducerId fencing and KIP-360 recovery, AddPartitionsToTxn
// (v0-3 and the v4+ batched/verify-only form), EndTxn state checks and the v5 epoch bump, the last stable offset
// and aborted-transaction index seen by read_committed fetches, Describe/ListTransactions, WriteTxnMarkers.
import { describe, expect, it } from 'vitest';
import type { RunningBroker } from '../../../src/kafkalite.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { topicName } from '../../compat/helpers.js';
import type { RawClient } from '../raw-client.js';
import { addPartitions, API, beginTxn, endTxn, fetch, initProducerId, newTopic, produce, useRawBroker } from './helpers.js';

let broker: RunningBroker;
let c: RawClient;
useRawBroker({}, (env) => ({ broker, c } = env));

describe('InitProducerId with a transactional id', () => {
  it('keeps the producer id and bumps the epoch; checks the timeout and the id', async () => {
    const tid = topicName('tid');
    const a = await initProducerId(c, tid);
    const b = await initProducerId(c, tid);
    expect(a).toMatchObject({ errorCode: 0, producerEpoch: 0 });
    expect(b).toMatchObject({ errorCode: 0, producerId: a.producerId, producerEpoch: 1 });
    expect((await initProducerId(c, tid, 4, { transactionTimeoutMs: 900001 })).errorCode).toBe(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    expect((await initProducerId(c, '', 4)).errorCode).toBe(ErrorCode.INVALID_REQUEST);
  });

  it('KIP-360: the current id and epoch bump once; a retry returns the same epoch; a stranger is fenced', async () => {
    const tid = topicName('tid');
    const a = await initProducerId(c, tid);
    const b = await initProducerId(c, tid, 4, { producerId: a.producerId, producerEpoch: a.producerEpoch });
    expect(b).toMatchObject({ errorCode: 0, producerId: a.producerId, producerEpoch: 1 });
    const retry = await initProducerId(c, tid, 4, { producerId: a.producerId, producerEpoch: a.producerEpoch });
    expect(retry).toMatchObject({ errorCode: 0, producerEpoch: 1 });
    expect((await initProducerId(c, tid, 4, { producerId: a.producerId + 1000, producerEpoch: 0 })).errorCode).toBe(ErrorCode.PRODUCER_FENCED);
    // v3 clients do not know PRODUCER_FENCED
    expect((await initProducerId(c, tid, 3, { producerId: a.producerId + 1000, producerEpoch: 0 })).errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
  });

  it('fences the previous producer and aborts its ongoing transaction', async () => {
    const topic = await newTopic(broker, 'txn');
    const tid = topicName('tid');
    const a = await beginTxn(c, tid, topic);
    expect((await produce(c, topic, { producerId: a.producerId, epoch: a.producerEpoch, seq: 0, transactional: true }, tid)).errorCode).toBe(0);
    expect((await fetch(c, topic, 0, 1)).lastStableOffset).toBe(0);
    const b = await initProducerId(c, tid);
    expect(b.producerEpoch).toBeGreaterThan(a.producerEpoch);
    const f = await fetch(c, topic, 0, 1);
    expect(f.lastStableOffset).toBe(2); // data + abort marker
    expect(f.abortedTransactions).toEqual([{ producerId: a.producerId, firstOffset: 0 }]);
    expect((await produce(c, topic, { producerId: a.producerId, epoch: a.producerEpoch, seq: 1, transactional: true }, tid)).errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect((await endTxn(c, tid, a.producerId, a.producerEpoch, true, 1)).errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect((await endTxn(c, tid, a.producerId, a.producerEpoch, true, 3)).errorCode).toBe(ErrorCode.PRODUCER_FENCED);
  });
});

describe('AddPartitionsToTxn and EndTxn', () => {
  it('checks the producer id, epoch and partitions', async () => {
    const topic = await newTopic(broker, 'txn', 2);
    const tid = topicName('tid');
    const a = await initProducerId(c, tid);
    expect(await addPartitions(c, tid, a.producerId + 1, a.producerEpoch, topic, [0])).toEqual([ErrorCode.INVALID_PRODUCER_ID_MAPPING]);
    expect(await addPartitions(c, tid, a.producerId, a.producerEpoch + 1, topic, [0], 1)).toEqual([ErrorCode.INVALID_PRODUCER_EPOCH]);
    expect(await addPartitions(c, tid, a.producerId, a.producerEpoch + 1, topic, [0], 2)).toEqual([ErrorCode.PRODUCER_FENCED]);
    expect(await addPartitions(c, tid, a.producerId, a.producerEpoch, topic, [0, 5])).toEqual([ErrorCode.OPERATION_NOT_ATTEMPTED, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
    expect(await addPartitions(c, 'unknown-' + tid, a.producerId, a.producerEpoch, topic, [0])).toEqual([ErrorCode.INVALID_PRODUCER_ID_MAPPING]);
    // nothing started yet: EndTxn is INVALID_TXN_STATE
    expect((await endTxn(c, tid, a.producerId, a.producerEpoch, true)).errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
    expect((await endTxn(c, 'unknown-' + tid, a.producerId, a.producerEpoch, true)).errorCode).toBe(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
  });

  it('v4+ batches transactions and can verify membership without adding', async () => {
    const topic = await newTopic(broker, 'txn', 2);
    const tid = topicName('tid');
    const a = await beginTxn(c, tid, topic);
    const res = await c.send(API.AddPartitionsToTxn, 4, {
      transactions: [
        { transactionalId: tid, producerId: a.producerId, producerEpoch: a.producerEpoch, verifyOnly: true, topics: [{ name: topic, partitions: [0, 1] }] },
        { transactionalId: 'nope-' + tid, producerId: 1, producerEpoch: 0, verifyOnly: true, topics: [{ name: topic, partitions: [0] }] },
      ],
    });
    expect(res.errorCode).toBe(0);
    expect(res.resultsByTransaction[0].topicResults[0].resultsByPartition.map((r: any) => r.partitionErrorCode)).toEqual([0, ErrorCode.INVALID_TXN_STATE]);
    expect(res.resultsByTransaction[1].topicResults[0].resultsByPartition[0].partitionErrorCode).toBe(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    const d = await c.send(API.DescribeTransactions, 0, { transactionalIds: [tid] });
    expect(d.transactionStates[0].topics).toEqual([{ topic, partitions: [0] }]);
  });

  it('abort: markers, aborted index and states; a retried abort succeeds, a commit then is INVALID_TXN_STATE', async () => {
    const topic = await newTopic(broker, 'txn');
    const tid = topicName('tid');
    const a = await beginTxn(c, tid, topic);
    const plain = await initProducerId(c, null);
    await produce(c, topic, { producerId: a.producerId, epoch: 0, seq: 0, count: 2, transactional: true }, tid);
    await produce(c, topic, { producerId: plain.producerId, epoch: 0, seq: 0 }); // offset 2, outside the txn
    await produce(c, topic, { producerId: a.producerId, epoch: 0, seq: 2, transactional: true }, tid); // offset 3
    let f = await fetch(c, topic, 0, 1);
    expect([f.highWatermark, f.lastStableOffset]).toEqual([4, 0]);
    expect(f.records.length).toBe(0); // nothing below the LSO
    expect((await fetch(c, topic, 0, 0)).records.length).toBeGreaterThan(0);
    const desc = await c.send(API.DescribeProducers, 0, { topics: [{ name: topic, partitionIndexes: [0] }] });
    expect(desc.topics[0].partitions[0].activeProducers.find((p: any) => p.producerId === a.producerId).currentTxnStartOffset).toBe(0);

    expect((await endTxn(c, tid, a.producerId, 0, false)).errorCode).toBe(0);
    f = await fetch(c, topic, 0, 1);
    expect([f.highWatermark, f.lastStableOffset]).toEqual([5, 5]);
    expect(f.abortedTransactions).toEqual([{ producerId: a.producerId, firstOffset: 0 }]);
    expect((await fetch(c, topic, 4, 1)).abortedTransactions).toEqual([{ producerId: a.producerId, firstOffset: 0 }]);
    expect((await endTxn(c, tid, a.producerId, 0, false)).errorCode).toBe(0);
    expect((await endTxn(c, tid, a.producerId, 0, true)).errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
    const d = await c.send(API.DescribeTransactions, 0, { transactionalIds: [tid, 'missing-' + tid] });
    expect(d.transactionStates[0]).toMatchObject({ errorCode: 0, transactionState: 'CompleteAbort', producerId: a.producerId, producerEpoch: 0, transactionTimeoutMs: 60000, topics: [] });
    expect(d.transactionStates[1].errorCode).toBe(ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);

    // sequences continue in the same epoch across transactions
    await addPartitions(c, tid, a.producerId, 0, topic, [0]);
    expect((await produce(c, topic, { producerId: a.producerId, epoch: 0, seq: 3, transactional: true }, tid)).errorCode).toBe(0);
    expect((await endTxn(c, tid, a.producerId, 0, true)).errorCode).toBe(0);
    f = await fetch(c, topic, 5, 1);
    expect([f.highWatermark, f.lastStableOffset, f.abortedTransactions]).toEqual([7, 7, []]);
  });

  it('EndTxn v5 bumps the epoch (KIP-890) and a retry answers the bumped epoch', async () => {
    const topic = await newTopic(broker, 'txn');
    const tid = topicName('tid');
    const a = await beginTxn(c, tid, topic, { initVersion: 5 });
    await produce(c, topic, { producerId: a.producerId, epoch: 0, seq: 0, transactional: true }, tid);
    const r = await endTxn(c, tid, a.producerId, 0, true, 5);
    expect(r).toMatchObject({ errorCode: 0, producerId: a.producerId, producerEpoch: 1 });
    expect(await endTxn(c, tid, a.producerId, 0, true, 5)).toMatchObject({ errorCode: 0, producerEpoch: 1 });
    // the new epoch starts again at sequence 0
    await addPartitions(c, tid, a.producerId, 1, topic, [0]);
    expect((await produce(c, topic, { producerId: a.producerId, epoch: 1, seq: 0, transactional: true }, tid)).errorCode).toBe(0);
  });

  it('CONCURRENT_TRANSACTIONS while a transaction is being completed', async () => {
    const topic = await newTopic(broker, 'txn');
    const tid = topicName('tid');
    const a = await beginTxn(c, tid, topic);
    const t = broker.services.transactions.coordinator.txns.get(tid);
    t.busy = true;
    try {
      expect((await endTxn(c, tid, a.producerId, 0, true)).errorCode).toBe(ErrorCode.CONCURRENT_TRANSACTIONS);
      expect((await initProducerId(c, tid)).errorCode).toBe(ErrorCode.CONCURRENT_TRANSACTIONS);
      expect(await addPartitions(c, tid, a.producerId, 0, topic, [0])).toEqual([ErrorCode.CONCURRENT_TRANSACTIONS]);
    } finally {
      t.busy = false;
    }
    expect((await endTxn(c, tid, a.producerId, 0, true)).errorCode).toBe(0);
  });
});

describe('ListTransactions, WriteTxnMarkers', () => {
  it('lists by state, producer id and pattern, and reports unknown state filters', async () => {
    const topic = await newTopic(broker, 'txn');
    const tid = topicName('list');
    const a = await beginTxn(c, tid, topic);
    const all = await c.send(API.ListTransactions, 1, { stateFilters: ['Ongoing', 'Bogus'], producerIdFilters: [], durationFilter: -1 });
    expect(all.unknownStateFilters).toEqual(['Bogus']);
    expect(all.transactionStates).toContainEqual({ transactionalId: tid, producerId: a.producerId, transactionState: 'Ongoing' });
    const byPid = await c.send(API.ListTransactions, 0, { stateFilters: [], producerIdFilters: [a.producerId] });
    expect(byPid.transactionStates.map((t: any) => t.transactionalId)).toEqual([tid]);
    const byPattern = await c.send(API.ListTransactions, 2, { stateFilters: [], producerIdFilters: [], durationFilter: -1, transactionalIdPattern: 'list-.*' });
    expect(byPattern.transactionStates.map((t: any) => t.transactionalId)).toContain(tid);
    expect(byPattern.transactionStates.every((t: any) => t.transactionalId.startsWith('list-'))).toBe(true);
    const longRunning = await c.send(API.ListTransactions, 1, { stateFilters: ['Ongoing'], producerIdFilters: [], durationFilter: 3600000 });
    expect(longRunning.transactionStates).toEqual([]);
    await new Promise((r) => setTimeout(r, 5));
    const running = await c.send(API.ListTransactions, 1, { stateFilters: ['Ongoing'], producerIdFilters: [a.producerId], durationFilter: 1 });
    expect(running.transactionStates.map((t: any) => t.transactionalId)).toEqual([tid]);
    expect((await c.send(API.ListTransactions, 2, { stateFilters: [], producerIdFilters: [], durationFilter: -1, transactionalIdPattern: '(' })).errorCode).toBe(ErrorCode.INVALID_REGULAR_EXPRESSION);
    // RE2/J, as Kafka: inline flags accepted, lookarounds refused.
    const caseless = await c.send(API.ListTransactions, 2, { stateFilters: [], producerIdFilters: [], durationFilter: -1, transactionalIdPattern: '(?i)LIST-.*' });
    expect(caseless.transactionStates.map((t: any) => t.transactionalId)).toContain(tid);
    expect((await c.send(API.ListTransactions, 2, { stateFilters: [], producerIdFilters: [], durationFilter: -1, transactionalIdPattern: '(?!x).*' })).errorCode).toBe(ErrorCode.INVALID_REGULAR_EXPRESSION);
  });

  it('WriteTxnMarkers writes a marker that completes the producer\'s open transaction', async () => {
    const topic = await newTopic(broker, 'txn');
    const tid = topicName('tid');
    const a = await beginTxn(c, tid, topic);
    await produce(c, topic, { producerId: a.producerId, epoch: 0, seq: 0, transactional: true }, tid);
    expect((await fetch(c, topic, 0, 1)).lastStableOffset).toBe(0);
    const res = await c.send(API.WriteTxnMarkers, 1, {
      markers: [{ producerId: a.producerId, producerEpoch: 0, transactionResult: false, coordinatorEpoch: 0, topics: [{ name: topic, partitionIndexes: [0, 3] }] }],
    });
    expect(res.markers[0].topics[0].partitions).toEqual([{ partitionIndex: 0, errorCode: 0 }, { partitionIndex: 3, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION }]);
    const f = await fetch(c, topic, 0, 1);
    expect(f.lastStableOffset).toBe(2);
    expect(f.abortedTransactions).toEqual([{ producerId: a.producerId, firstOffset: 0 }]);
  });
});
