// Producer and transaction state survive a restart with the durable file engine; state lost after the last
// (debounced) save is rebuilt from the log tail.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningBroker } from '../../../src/kafkalite.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { FileStorage } from '../../../src/storage/file/index.js';
import { startTestBroker } from '../../compat/helpers.js';
import { RawClient } from '../raw-client.js';
import { addPartitions, API, beginTxn, endTxn, fetch, initProducerId, produce } from './helpers.js';

let dir: string;
let broker: RunningBroker | undefined;
let c: RawClient | undefined;

async function start(): Promise<RawClient> {
  broker = await startTestBroker({ memory: false, dataDir: dir, fsync: 'never' });
  c = await RawClient.connect(broker.port);
  return c;
}
async function stop(): Promise<void> {
  c?.close();
  await broker?.stop();
  broker = c = undefined;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kafkalite-txn-'));
});
afterEach(async () => {
  await stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('restart with the file engine', () => {
  it('keeps sequences, open transactions and producer ids', async () => {
    let cl = await start();
    await broker!.cluster.createTopic('t', { numPartitions: 1 });
    const idem = await initProducerId(cl, null);
    await produce(cl, 't', { producerId: idem.producerId, epoch: 0, seq: 0 });
    await produce(cl, 't', { producerId: idem.producerId, epoch: 0, seq: 1, count: 2 });
    const tx = await beginTxn(cl, 'persisted-tid', 't');
    await produce(cl, 't', { producerId: tx.producerId, epoch: 0, seq: 0, transactional: true }, 'persisted-tid'); // offset 3
    await stop();

    cl = await start();
    // the retry of the last batch is still a duplicate; the next sequence continues
    expect(await produce(cl, 't', { producerId: idem.producerId, epoch: 0, seq: 1, count: 2 })).toMatchObject({ errorCode: 0, baseOffset: 1 });
    expect(await produce(cl, 't', { producerId: idem.producerId, epoch: 0, seq: 3 })).toMatchObject({ errorCode: 0, baseOffset: 4 });
    // the open transaction still holds the last stable offset
    expect((await fetch(cl, 't', 0, 1)).lastStableOffset).toBe(3);
    const d = await cl.send(API.DescribeTransactions, 0, { transactionalIds: ['persisted-tid'] });
    expect(d.transactionStates[0]).toMatchObject({ transactionState: 'Ongoing', producerId: tx.producerId, topics: [{ topic: 't', partitions: [0] }] });
    expect((await endTxn(cl, 'persisted-tid', tx.producerId, 0, true)).errorCode).toBe(0);
    expect((await fetch(cl, 't', 0, 1)).lastStableOffset).toBe(6);
    // producer ids are never handed out twice
    const next = await initProducerId(cl, null);
    expect([idem.producerId, tx.producerId]).not.toContain(next.producerId);
  });

  it('rebuilds state written after the last save from the log', async () => {
    let cl = await start();
    await broker!.cluster.createTopic('t', { numPartitions: 1 });
    const idem = await initProducerId(cl, null);
    await produce(cl, 't', { producerId: idem.producerId, epoch: 0, seq: 0 });
    await broker!.services.producers.saver.flush();
    const early = await broker!.cluster.storage.loadMeta('producer-state');
    const tx = await beginTxn(cl, 'replayed-tid', 't');
    await produce(cl, 't', { producerId: idem.producerId, epoch: 0, seq: 1 }); // offset 1
    await produce(cl, 't', { producerId: tx.producerId, epoch: 0, seq: 0, transactional: true }, 'replayed-tid'); // 2
    expect((await endTxn(cl, 'replayed-tid', tx.producerId, 0, false)).errorCode).toBe(0); // abort marker at 3
    await addPartitions(cl, 'replayed-tid', tx.producerId, 0, 't', [0]);
    await produce(cl, 't', { producerId: tx.producerId, epoch: 0, seq: 1, transactional: true }, 'replayed-tid'); // 4, open
    await stop();
    // Simulate a crash before the producer state was saved again.
    const storage = await FileStorage.open({ dataDir: dir, fsync: 'never' });
    await storage.saveMeta('producer-state', early);
    await storage.close();

    cl = await start();
    expect(await produce(cl, 't', { producerId: idem.producerId, epoch: 0, seq: 1 })).toMatchObject({ errorCode: 0, baseOffset: 1 });
    expect((await produce(cl, 't', { producerId: idem.producerId, epoch: 0, seq: 3 })).errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    const f = await fetch(cl, 't', 0, 1);
    expect(f.lastStableOffset).toBe(4);
    expect(f.abortedTransactions).toEqual([{ producerId: tx.producerId, firstOffset: 2 }]);
  });
});
