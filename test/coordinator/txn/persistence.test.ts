// Producer and transaction state survive a restart with the durable file engine; state lost after the last
// (debounced) save is rebuilt from the log tail.
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { FileStorage } from '../../../src/storage/file/index.js';
import { DiskBroker } from '../raw-broker.js';
import { addPartitions, API, beginTxn, endTxn, fetch, initProducerId, produce } from './helpers.js';

describe('restart with the file engine', () => {
  it('keeps sequences, open transactions and producer ids', async () => {
    const disk = await DiskBroker.create('never');
    await disk.broker.cluster.createTopic('t', { numPartitions: 1 });
    const idem = await initProducerId(disk.c, null);
    await produce(disk.c, 't', { producerId: idem.producerId, epoch: 0, seq: 0 });
    await produce(disk.c, 't', { producerId: idem.producerId, epoch: 0, seq: 1, count: 2 });
    const tx = await beginTxn(disk.c, 'persisted-tid', 't');
    await produce(disk.c, 't', { producerId: tx.producerId, epoch: 0, seq: 0, transactional: true }, 'persisted-tid'); // offset 3
    await disk.restart();
    // the retry of the last batch is still a duplicate; the next sequence continues
    expect(await produce(disk.c, 't', { producerId: idem.producerId, epoch: 0, seq: 1, count: 2 })).toMatchObject({ errorCode: 0, baseOffset: 1 });
    expect(await produce(disk.c, 't', { producerId: idem.producerId, epoch: 0, seq: 3 })).toMatchObject({ errorCode: 0, baseOffset: 4 });
    // the open transaction still holds the last stable offset
    expect((await fetch(disk.c, 't', 0, 1)).lastStableOffset).toBe(3);
    const d = await disk.c.send(API.DescribeTransactions, 0, { transactionalIds: ['persisted-tid'] });
    expect(d.transactionStates[0]).toMatchObject({ transactionState: 'Ongoing', producerId: tx.producerId, topics: [{ topic: 't', partitions: [0] }] });
    expect((await endTxn(disk.c, 'persisted-tid', tx.producerId, 0, true)).errorCode).toBe(0);
    expect((await fetch(disk.c, 't', 0, 1)).lastStableOffset).toBe(6);
    // producer ids are never handed out twice
    const next = await initProducerId(disk.c, null);
    expect([idem.producerId, tx.producerId]).not.toContain(next.producerId);
  });

  it('rebuilds state written after the last save from the log', async () => {
    const disk = await DiskBroker.create('never');
    await disk.broker.cluster.createTopic('t', { numPartitions: 1 });
    const idem = await initProducerId(disk.c, null);
    await produce(disk.c, 't', { producerId: idem.producerId, epoch: 0, seq: 0 });
    await disk.broker.services.producers.saver.flush();
    const early = await disk.broker.cluster.storage.loadMeta('producer-state');
    const tx = await beginTxn(disk.c, 'replayed-tid', 't');
    await produce(disk.c, 't', { producerId: idem.producerId, epoch: 0, seq: 1 }); // offset 1
    await produce(disk.c, 't', { producerId: tx.producerId, epoch: 0, seq: 0, transactional: true }, 'replayed-tid'); // 2
    expect((await endTxn(disk.c, 'replayed-tid', tx.producerId, 0, false)).errorCode).toBe(0); // abort marker at 3
    await addPartitions(disk.c, 'replayed-tid', tx.producerId, 0, 't', [0]);
    await produce(disk.c, 't', { producerId: tx.producerId, epoch: 0, seq: 1, transactional: true }, 'replayed-tid'); // 4, open
    await disk.stop();
    // Simulate a crash before the producer state was saved again.
    const storage = await FileStorage.open({ dataDir: disk.dataDir, fsync: 'never' });
    await storage.saveMeta('producer-state', early);
    await storage.close();

    await disk.start();
    expect(await produce(disk.c, 't', { producerId: idem.producerId, epoch: 0, seq: 1 })).toMatchObject({ errorCode: 0, baseOffset: 1 });
    expect((await produce(disk.c, 't', { producerId: idem.producerId, epoch: 0, seq: 3 })).errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    const f = await fetch(disk.c, 't', 0, 1);
    expect(f.lastStableOffset).toBe(4);
    expect(f.abortedTransactions).toEqual([{ producerId: tx.producerId, firstOffset: 2 }]);
  });
});
