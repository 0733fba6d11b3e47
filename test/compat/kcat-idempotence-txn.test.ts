// librdkafka (through kcat): the idempotent producer, and read_committed / read_uncommitted consumers skipping
// (or not) the records of an aborted transaction written by kafkajs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBroker } from '../../src/kafkalite.js';
import { kafkajs, startTestBroker, topicName, hasKcat, kcat as runKcat } from './helpers.js';

let broker: RunningBroker;

function kcat(args: string[], input?: string) {
  return runKcat(broker, args, input);
}

describe.skipIf(!hasKcat)('kcat (librdkafka) idempotence and transactions', () => {
  beforeAll(async () => {
    broker = await startTestBroker();
  });
  afterAll(async () => {
    await broker?.stop();
  });

  it('idempotent producer: every record once, one producer id with its last sequence', async () => {
    const topic = topicName('kcat-idem');
    await broker.cluster.createTopic(topic, { numPartitions: 1 });
    const lines = Array.from({ length: 200 }, (_, i) => `m${i}`);
    const p = await kcat(['-P', '-t', topic, '-p', '0', '-X', 'enable.idempotence=true', '-X', 'linger.ms=5'], lines.join('\n') + '\n');
    expect(p.status, p.stderr).toBe(0);
    const c = await kcat(['-C', '-t', topic, '-o', 'beginning', '-e', '-q']);
    expect(c.stdout.trim().split('\n')).toEqual(lines);
    const producers = broker.services.producers.producers(broker.cluster.partition(topic, 0)!);
    expect(producers).toHaveLength(1);
    expect(producers[0].batches.at(-1)!.lastSeq).toBe(199);
  });

  it('transactional producer (transactional.id): the committed records are read back read_committed', async () => {
    const topic = topicName('kcat-tp');
    await broker.cluster.createTopic(topic, { numPartitions: 1 });
    const tid = topicName('kcat-ptid');
    const p = await kcat(['-P', '-t', topic, '-p', '0', '-X', `transactional.id=${tid}`], 'x\ny\n');
    expect(p.stderr).toMatch(/Transaction successfully committed/);
    const c = await kcat(['-C', '-t', topic, '-o', 'beginning', '-e', '-q', '-X', 'isolation.level=read_committed']);
    expect(c.stdout.trim().split('\n')).toEqual(['x', 'y']);
    expect(broker.services.transactions.coordinator.txns.get(tid).state).toBe('CompleteCommit');
  });

  it('read_committed skips an aborted transaction, read_uncommitted returns it', async () => {
    const topic = topicName('kcat-txn');
    await broker.cluster.createTopic(topic, { numPartitions: 1 });
    const producer = kafkajs(broker).producer({ transactionalId: topicName('kcat-tid'), maxInFlightRequests: 1, idempotent: true });
    await producer.connect();
    const t1 = await producer.transaction();
    await t1.send({ topic, messages: [{ value: 'aborted-1' }, { value: 'aborted-2' }] });
    await t1.abort();
    const t2 = await producer.transaction();
    await t2.send({ topic, messages: [{ value: 'kept' }] });
    await t2.commit();
    await producer.disconnect();
    const committed = await kcat(['-C', '-t', topic, '-o', 'beginning', '-e', '-q', '-X', 'isolation.level=read_committed']);
    expect(committed.stdout.trim().split('\n')).toEqual(['kept']);
    const all = await kcat(['-C', '-t', topic, '-o', 'beginning', '-e', '-q', '-X', 'isolation.level=read_uncommitted']);
    expect(all.stdout.trim().split('\n')).toEqual(['aborted-1', 'aborted-2', 'kept']);
  });
});
