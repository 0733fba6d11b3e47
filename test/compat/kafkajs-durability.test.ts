// Restarting a file-engine broker with kafkajs clients: topics (configs, ids), records over many segments,
// committed group offsets, idempotent producer state, transactions (committed, aborted, and one left open at
// shutdown, which times out and is aborted after the restart as Kafka's coordinator does) and ACLs all survive.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ConfigResourceTypes, ResourcePatternTypes } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient } from '../coordinator/raw-client.js';
import { addPartitions, endTxn, initProducerId, produce } from '../coordinator/txn/helpers.js';
import { topicName } from './helpers.js';
import { consume, consumeAndCommitThrough, DurableBroker } from './kafkajs-durability-helpers.js';

let db: DurableBroker;
afterEach(async () => {
  await db?.destroy();
});

describe('kafkajs against a restarted file-engine broker', () => {
  it('topics keep their ids and configs; every record over many segments is consumed after the restart', async () => {
    db = new DurableBroker();
    await db.start();
    const topic = topicName('durable');
    let admin = db.kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic, numPartitions: 3, configEntries: [{ name: 'segment.bytes', value: '2048' }, { name: 'retention.ms', value: '86400000' }, { name: 'max.message.bytes', value: '500000' }] }],
    });
    const id = db.broker.cluster.topics.get(topic)!.id;
    const producer = db.kafka.producer();
    await producer.connect();
    for (let b = 0; b < 30; b++) {
      const messages = Array.from({ length: 10 }, (_, i) => ({ key: `k${b * 10 + i}`, value: `v${b * 10 + i}-${'x'.repeat(100)}`, partition: (b * 10 + i) % 3 }));
      await producer.send({ topic, acks: -1, messages });
    }
    await producer.disconnect();
    const before = await admin.fetchTopicOffsets(topic);
    await admin.disconnect();
    expect(db.segments(topic, 0).length).toBeGreaterThan(3);

    await db.restart();
    expect(db.broker.cluster.topics.get(topic)!.id).toBe(id);
    admin = db.kafka.admin();
    await admin.connect();
    try {
      expect((await admin.fetchTopicMetadata({ topics: [topic] })).topics[0].partitions).toHaveLength(3);
      const cfg = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }] });
      const entries = Object.fromEntries(cfg.resources[0].configEntries.map((e) => [e.configName, [e.configValue, e.isDefault]]));
      expect(entries['segment.bytes']).toEqual(['2048', false]);
      expect(entries['retention.ms']).toEqual(['86400000', false]);
      expect(entries['max.message.bytes']).toEqual(['500000', false]);
      expect(await admin.fetchTopicOffsets(topic)).toEqual(before);
      expect(before.map((p) => Number(p.high))).toEqual([100, 100, 100]);
    } finally {
      await admin.disconnect();
    }
    const got = await consume(db.kafka, topic, 300);
    expect(got).toHaveLength(300);
    for (const p of [0, 1, 2]) {
      const mine = got.filter((m) => m.partition === p);
      expect(mine.map((m) => m.offset)).toEqual(Array.from({ length: 100 }, (_, i) => i));
      expect(mine.map((m) => m.key)).toEqual(Array.from({ length: 100 }, (_, i) => `k${i * 3 + p}`));
    }
    // The log carries on where it ended.
    const producer2 = db.kafka.producer();
    await producer2.connect();
    const [r] = await producer2.send({ topic, acks: -1, messages: [{ value: 'after', partition: 1 }] });
    await producer2.disconnect();
    expect(r.baseOffset).toBe('100');
  });

  it('a consumer group resumes from its committed offset after the restart', async () => {
    db = new DurableBroker();
    await db.start();
    const topic = topicName('durable-group');
    const groupId = topicName('group');
    await db.broker.cluster.createTopic(topic, { numPartitions: 1 });
    const producer = db.kafka.producer();
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: Array.from({ length: 20 }, (_, i) => ({ value: `m${i}` })) });
    await producer.disconnect();
    await consumeAndCommitThrough(db.kafka, topic, groupId, 11);

    await db.restart();
    const admin = db.kafka.admin();
    await admin.connect();
    try {
      expect(await admin.fetchOffsets({ groupId, topics: [topic] })).toEqual([{ topic, partitions: [expect.objectContaining({ partition: 0, offset: '12' })] }]);
    } finally {
      await admin.disconnect();
    }
    const resumed = await consume(db.kafka, topic, 8, { groupId });
    expect(resumed.map((m) => m.value)).toEqual(Array.from({ length: 8 }, (_, i) => `m${i + 12}`));
  });

  it('idempotent producer state survives: a retried batch is still a duplicate, sequences carry on', async () => {
    db = new DurableBroker();
    const broker = await db.start();
    const port = broker.port;
    const topic = topicName('durable-idem');
    await broker.cluster.createTopic(topic, { numPartitions: 1 });
    // A kafkajs idempotent producer keeps its producer id and sequence numbers across the broker restart.
    const producer = db.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ value: 'k0' }, { value: 'k1' }] });
    let raw = await RawClient.connect(port);
    const pid = await initProducerId(raw, null);
    expect(pid.errorCode).toBe(0);
    expect(await produce(raw, topic, { producerId: pid.producerId, epoch: 0, seq: 0, count: 2 })).toMatchObject({ errorCode: 0, baseOffset: 2 });
    expect(await produce(raw, topic, { producerId: pid.producerId, epoch: 0, seq: 2, count: 3 })).toMatchObject({ errorCode: 0, baseOffset: 4 });
    raw.close();

    await db.restart({ port }); // same port: the kafkajs producer reconnects by itself
    raw = await RawClient.connect(port);
    try {
      // The retry of the last batch (its response "lost" in the restart) is answered as a duplicate.
      expect(await produce(raw, topic, { producerId: pid.producerId, epoch: 0, seq: 2, count: 3 })).toMatchObject({ errorCode: 0, baseOffset: 4 });
      expect(await produce(raw, topic, { producerId: pid.producerId, epoch: 0, seq: 5 })).toMatchObject({ errorCode: 0, baseOffset: 7 });
    } finally {
      raw.close();
    }
    const [r] = await producer.send({ topic, acks: -1, messages: [{ value: 'k2' }] });
    expect(r).toMatchObject({ errorCode: 0, baseOffset: '8' });
    await producer.disconnect();
    const got = await consume(db.kafka, topic, 9);
    expect(got.map((m) => m.value)).toEqual(['k0', 'k1', 'r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'k2']);
  });

  it('transactions: committed stays visible, aborted invisible, and one open at shutdown is aborted on timeout', async () => {
    db = new DurableBroker({ overrides: { 'transaction.abort.timed.out.transaction.cleanup.interval.ms': '100' } });
    await db.start();
    const topic = topicName('durable-txn');
    await db.broker.cluster.createTopic(topic, { numPartitions: 1 });
    const tp = db.kafka.producer({ transactionalId: topicName('tid'), idempotent: true, maxInFlightRequests: 1 });
    await tp.connect();
    let tx = await tp.transaction();
    await tx.send({ topic, messages: [{ value: 'committed-1' }, { value: 'committed-2' }] });
    await tx.commit();
    tx = await tp.transaction();
    await tx.send({ topic, messages: [{ value: 'aborted-1' }] });
    await tx.abort();
    await tp.disconnect();
    // Left open when the broker stops; its timeout runs on after the restart.
    const openTid = topicName('open-tid');
    const op = db.kafka.producer({ transactionalId: openTid, idempotent: true, maxInFlightRequests: 1, transactionTimeout: 1500 });
    await op.connect();
    const open = await op.transaction();
    await open.send({ topic, messages: [{ value: 'open-1' }] });
    await op.disconnect();
    const plain = db.kafka.producer();
    await plain.connect();
    await plain.send({ topic, acks: -1, messages: [{ value: 'after' }] });
    await plain.disconnect();

    await db.restart({ overrides: { 'transaction.abort.timed.out.transaction.cleanup.interval.ms': '100' } });
    const p = db.broker.cluster.partition(topic, 0)!;
    // committed(0,1) marker(2) aborted(3) marker(4) open(5) after(6): the open transaction holds the LSO.
    expect(p.lastStableOffset()).toBe(5);
    const committed = await consume(db.kafka, topic, 10, { until: (m) => m.value === 'after', timeoutMs: 10000 });
    expect(committed.map((m) => m.value)).toEqual(['committed-1', 'committed-2', 'after']);
    expect(p.lastStableOffset()).toBe(p.highWatermark);
    const uncommitted = await consume(db.kafka, topic, 10, { readUncommitted: true, until: (m) => m.value === 'after' });
    expect(uncommitted.map((m) => m.value)).toEqual(['committed-1', 'committed-2', 'aborted-1', 'open-1', 'after']);
    // The timed-out transaction was aborted by the coordinator: the id is usable again.
    const again = db.kafka.producer({ transactionalId: openTid, idempotent: true, maxInFlightRequests: 1 });
    await again.connect();
    const t2 = await again.transaction();
    await t2.send({ topic, messages: [{ value: 'later' }] });
    await t2.commit();
    await again.disconnect();
    const final = await consume(db.kafka, topic, 10, { until: (m) => m.value === 'later' });
    expect(final.map((m) => m.value)).toEqual(['committed-1', 'committed-2', 'after', 'later']);
  });

  it('transaction coordinator state is on disk before each answer (what a crash right after would keep)', async () => {
    db = new DurableBroker();
    const broker = await db.start();
    const topic = topicName('durable-txnstate');
    await broker.cluster.createTopic(topic, { numPartitions: 2 });
    const onDisk = (): any => JSON.parse(readFileSync(join(db.dir, '__meta', 'transactions.json'), 'utf8')).txns.find((t: any) => t.id === 'tid-disk');
    const c = await RawClient.connect(broker.port);
    try {
      const init = await initProducerId(c, 'tid-disk');
      expect(onDisk()).toMatchObject({ pid: init.producerId, epoch: 0, state: 'Empty' });
      expect(await addPartitions(c, 'tid-disk', init.producerId, 0, topic, [0, 1])).toEqual([0, 0]);
      expect(onDisk()).toMatchObject({ state: 'Ongoing', partitions: [[topic, [0, 1]]] });
      expect((await endTxn(c, 'tid-disk', init.producerId, 0, true)).errorCode).toBe(0);
      expect(onDisk()).toMatchObject({ state: 'CompleteCommit', partitions: [] });
      const again = await initProducerId(c, 'tid-disk');
      expect(onDisk()).toMatchObject({ pid: init.producerId, epoch: again.producerEpoch });
      expect(again.producerEpoch).toBe(1);
    } finally {
      c.close();
    }
  });

  it('a stray log directory (crash before the topic was saved) does not block creating the topic again', async () => {
    db = new DurableBroker();
    await db.start();
    const topic = topicName('stray');
    await db.broker.cluster.createTopic(topic, { numPartitions: 2 });
    await db.restart();
    // What a crash right after the partition directories were created, but before the topic was saved, leaves.
    await db.broker.stop();
    const metaFile = join(db.dir, '__meta', 'topics.json');
    writeFileSync(metaFile, JSON.stringify(JSON.parse(readFileSync(metaFile, 'utf8')).filter((t: any) => t.name !== topic)));
    await db.start();
    const admin = db.kafka.admin();
    await admin.connect();
    try {
      expect(await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] })).toBe(true);
    } finally {
      await admin.disconnect();
    }
    const producer = db.kafka.producer();
    await producer.connect();
    const [r] = await producer.send({ topic, acks: -1, messages: [{ value: 'fresh', partition: 1 }] });
    await producer.disconnect();
    expect(r.baseOffset).toBe('0');
    expect((await consume(db.kafka, topic, 1)).map((m) => m.value)).toEqual(['fresh']);
  });

  it('ACLs survive the restart', async () => {
    db = new DurableBroker({ authorizer: true, overrides: { 'allow.everyone.if.no.acl.found': 'true' } });
    await db.start();
    const topic = topicName('durable-acl');
    let admin = db.kafka.admin();
    await admin.connect();
    const acl = [
      { resourceType: AclResourceTypes.TOPIC, resourceName: topic, resourcePatternType: ResourcePatternTypes.LITERAL, principal: 'User:alice', host: '*', operation: AclOperationTypes.READ, permissionType: AclPermissionTypes.ALLOW },
      { resourceType: AclResourceTypes.GROUP, resourceName: 'g-', resourcePatternType: ResourcePatternTypes.PREFIXED, principal: 'User:bob', host: '*', operation: AclOperationTypes.ALL, permissionType: AclPermissionTypes.DENY },
    ];
    await admin.createAcls({ acl });
    await admin.disconnect();
    await db.restart();
    admin = db.kafka.admin();
    await admin.connect();
    try {
      const described = await admin.describeAcls({
        resourceType: AclResourceTypes.ANY, resourcePatternType: ResourcePatternTypes.ANY,
        operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY,
      } as any);
      const flat = described.resources.flatMap((r) => r.acls.map((a) => ({ resourceType: r.resourceType, resourceName: r.resourceName, resourcePatternType: r.resourcePatternType, ...a })));
      expect(flat).toEqual(expect.arrayContaining(acl));
      expect(flat).toHaveLength(2);
    } finally {
      await admin.disconnect();
    }
  });
});
