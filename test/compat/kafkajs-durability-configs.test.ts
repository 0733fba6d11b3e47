// Log configs on the file engine (retention and compaction on the memory engine too), driven by kafkajs: AlterConfigs on a topic reaches its open partition logs
// (segment.bytes, segment.ms, flush.messages, retention.ms, delete.retention.ms), broker-level defaults
// (log.segment.bytes, log.retention.bytes, dynamic too), IncrementalAlterConfigs (@platformatic/kafka), the
// retention pass advancing the log start, DeleteRecords, log compaction, and fsync=always answering a
// produce only after its fdatasync.
import { Admin as PAdmin, ConfigResourceTypes as PConfigResourceTypes, IncrementalAlterConfigOperationTypes } from '@platformatic/kafka';
import { ConfigResourceTypes, type Admin, type Kafka } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeBatches } from '../../src/protocol/records/index.js';
import type { FileStorage } from '../../src/storage/file/index.js';
import type { PartitionLog } from '../../src/storage/types.js';
import { topicName } from './helpers.js';
import { consume, DurableBroker } from './kafkajs-durability-helpers.js';

let db: DurableBroker;
let admin: Admin | undefined;
afterEach(async () => {
  await admin?.disconnect();
  admin = undefined;
  await db?.destroy();
});

async function start(opts: ConstructorParameters<typeof DurableBroker>[0] = {}): Promise<Kafka> {
  db = new DurableBroker(opts);
  await db.start();
  admin = db.kafka.admin();
  await admin.connect();
  return db.kafka;
}

function storage(): FileStorage {
  return db.broker.cluster.storage as FileStorage;
}

async function send(kafka: Kafka, topic: string, messages: { key?: string; value: string | null; timestamp?: string }[]): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  for (const m of messages) await producer.send({ topic, acks: -1, messages: [m] });
  await producer.disconnect();
}

async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 10000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** kafkajs' legacy alterConfigs replaces the topic's whole override set, as Kafka's AlterConfigs does. */
async function setTopicConfigs(topic: string, configs: Record<string, string>): Promise<void> {
  await admin!.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries: Object.entries(configs).map(([name, value]) => ({ name, value })) }] });
}

const pad = (s: string, n = 300): string => s.padEnd(n, '.');

/** Offsets of the data records stored below `end`. */
async function recordOffsets(log: PartitionLog, end: number): Promise<number[]> {
  const out: number[] = [];
  const { chunks } = await log.read(0, 1 << 20, end);
  for (const b of await decodeBatches(Buffer.concat(chunks))) if (!b.header.isControl) for (const r of b.records) out.push(r.offset);
  return out;
}

describe('topic configs reach the open logs', () => {
  it('segment.bytes, segment.ms and flush.messages changed by AlterConfigs apply to the next appends', async () => {
    const kafka = await start({ fsync: 'never' });
    const topic = topicName('cfg');
    await admin!.createTopics({ topics: [{ topic, numPartitions: 1 }] });
    await send(kafka, topic, Array.from({ length: 10 }, (_, i) => ({ value: pad(`a${i}`) })));
    expect(db.segments(topic)).toHaveLength(1);

    await setTopicConfigs(topic, { 'segment.bytes': '1024' });
    await send(kafka, topic, Array.from({ length: 10 }, (_, i) => ({ value: pad(`b${i}`) })));
    const afterBytes = db.segments(topic).length;
    expect(afterBytes).toBeGreaterThanOrEqual(3);

    await setTopicConfigs(topic, { 'segment.ms': '100' }); // segment.bytes back to the default
    await send(kafka, topic, [{ value: 'c0' }]); // may roll already: the active segment may be over 100 ms old
    const afterC0 = db.segments(topic).length;
    await new Promise((r) => setTimeout(r, 150));
    await send(kafka, topic, [{ value: 'c1' }]);
    expect(db.segments(topic)).toHaveLength(afterC0 + 1);

    // fsync=never: nothing is fdatasynced per produce, until flush.messages=1 asks for it.
    await setTopicConfigs(topic, {});
    await new Promise((r) => setTimeout(r, 50)); // background fsyncs of rolled segments settle
    let before = storage().stats.fsyncs;
    await send(kafka, topic, [{ value: 'd0' }, { value: 'd1' }]);
    expect(storage().stats.fsyncs).toBe(before);
    await setTopicConfigs(topic, { 'flush.messages': '1' });
    for (let i = 0; i < 3; i++) {
      before = storage().stats.fsyncs;
      await send(kafka, topic, [{ value: `e${i}` }]);
      expect(storage().stats.fsyncs).toBeGreaterThan(before); // answered after the fsync
    }
    const got = await consume(kafka, topic, 27);
    expect(got.map((m) => m.value!.replace(/\.+$/, ''))).toEqual([
      ...Array.from({ length: 10 }, (_, i) => `a${i}`), ...Array.from({ length: 10 }, (_, i) => `b${i}`), 'c0', 'c1', 'd0', 'd1', 'e0', 'e1', 'e2',
    ]);
  });

  it('fsync=always: every acks=-1 produce is answered after an fdatasync covering it', async () => {
    const kafka = await start({ fsync: 'always' });
    const topic = topicName('always');
    await admin!.createTopics({ topics: [{ topic, numPartitions: 1 }] });
    const producer = kafka.producer();
    await producer.connect();
    try {
      for (let i = 0; i < 5; i++) {
        const before = storage().stats.fsyncs;
        await producer.send({ topic, acks: -1, messages: [{ value: `v${i}` }] });
        expect(storage().stats.fsyncs).toBeGreaterThan(before);
      }
    } finally {
      await producer.disconnect();
    }
  });

  it('broker-level log.segment.bytes and a dynamic log.retention.bytes apply to topics without overrides', async () => {
    const kafka = await start({ overrides: { 'log.segment.bytes': '1024', 'log.retention.check.interval.ms': '100' } });
    const topic = topicName('brokercfg');
    await admin!.createTopics({ topics: [{ topic, numPartitions: 1 }] });
    await send(kafka, topic, Array.from({ length: 20 }, (_, i) => ({ value: pad(`v${i}`) })));
    const segs = db.segments(topic).length;
    expect(segs).toBeGreaterThanOrEqual(5);
    expect((await admin!.fetchTopicOffsets(topic))[0]).toMatchObject({ low: '0', high: '20' });
    // A dynamic broker config, as `kafka-configs --entity-type brokers --entity-name 0 --alter`.
    await admin!.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.BROKER, name: '0', configEntries: [{ name: 'log.retention.bytes', value: '2000' }] }] });
    // The log start is checkpointed before the segment files go.
    await waitFor('retention.bytes', async () => Number((await admin!.fetchTopicOffsets(topic))[0].low) > 0 && db.segments(topic).length < segs);
    const { low, high } = (await admin!.fetchTopicOffsets(topic))[0];
    expect(db.broker.cluster.partition(topic, 0)!.log.size).toBeGreaterThanOrEqual(1000);
    const rest = await consume(kafka, topic, Number(high) - Number(low));
    expect(rest.map((m) => m.offset)).toEqual(Array.from({ length: Number(high) - Number(low) }, (_, i) => Number(low) + i));
  });
});

describe('IncrementalAlterConfigs (@platformatic/kafka)', () => {
  it('SET retention.bytes trims the open log at the next pass; DELETE of segment.bytes restores the default', async () => {
    const kafka = await start({ overrides: { 'log.retention.check.interval.ms': '100' } });
    const topic = topicName('incr');
    await admin!.createTopics({ topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'segment.bytes', value: '1024' }] }] });
    await send(kafka, topic, Array.from({ length: 12 }, (_, i) => ({ value: pad(`v${i}`) })));
    const segs = db.segments(topic).length;
    const pAdmin = new PAdmin({ clientId: 'durability', bootstrapBrokers: db.broker.bootstrap.split(','), retries: 1 });
    try {
      const alter = (configs: Parameters<PAdmin['incrementalAlterConfigs']>[0]['resources'][number]['configs']) =>
        pAdmin.incrementalAlterConfigs({ resources: [{ resourceType: PConfigResourceTypes.TOPIC, resourceName: topic, configs }] });
      await alter([{ name: 'retention.bytes', configOperation: IncrementalAlterConfigOperationTypes.SET, value: '1500' }]);
      await waitFor('retention.bytes', () => db.broker.cluster.partition(topic, 0)!.logStartOffset > 0 && db.segments(topic).length < segs);
      await alter([{ name: 'segment.bytes', configOperation: IncrementalAlterConfigOperationTypes.DELETE }]);
      const active = db.segments(topic).at(-1);
      await send(kafka, topic, Array.from({ length: 6 }, (_, i) => ({ value: pad(`w${i}`) })));
      expect(db.segments(topic).at(-1)).toBe(active); // back to 1 GiB segments: no roll
    } finally {
      await pAdmin.close();
    }
  });
});

describe('retention and DeleteRecords', () => {
  it.each(['file', 'memory'])('retention.ms deletes old segments on the check interval; consumers from earliest get what remains (%s engine)', async (engine) => {
    const kafka = await start({ memory: engine === 'memory', overrides: { 'log.retention.check.interval.ms': '200' } });
    const topic = topicName('retention');
    await admin!.createTopics({ topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'segment.bytes', value: '1024' }] }] });
    const hourAgo = String(Date.now() - 3600_000);
    await send(kafka, topic, Array.from({ length: 12 }, (_, i) => ({ value: pad(`old${i}`), timestamp: hourAgo })));
    await send(kafka, topic, Array.from({ length: 6 }, (_, i) => ({ value: pad(`new${i}`) })));
    await new Promise((r) => setTimeout(r, 400)); // a retention pass with the default 7 days deletes nothing
    expect((await admin!.fetchTopicOffsets(topic))[0]).toMatchObject({ low: '0', high: '18' });

    await setTopicConfigs(topic, { 'segment.bytes': '1024', 'retention.ms': '1800000' });
    await waitFor('the retention pass', async () => Number((await admin!.fetchTopicOffsets(topic))[0].low) > 0);
    const low = Number((await admin!.fetchTopicOffsets(topic))[0].low);
    // Whole segments go: every segment holding only hour-old records, none holding a new one.
    expect(low).toBeGreaterThan(6);
    expect(low).toBeLessThanOrEqual(12);
    const rest = await consume(kafka, topic, 18 - low);
    expect(rest[0].offset).toBe(low);
    expect(rest.map((m) => m.value!.replace(/\.+$/, '')).slice(-6)).toEqual(Array.from({ length: 6 }, (_, i) => `new${i}`));

    if (engine === 'memory') return;
    // The log start survives a restart (checkpointed).
    await admin!.disconnect();
    await db.restart();
    admin = db.kafka.admin();
    await admin.connect();
    expect((await admin.fetchTopicOffsets(topic))[0]).toMatchObject({ low: String(low), high: '18' });
  });

  it('DeleteRecords (deleteTopicRecords) moves the low watermark, also across a restart', async () => {
    const kafka = await start();
    const topic = topicName('delrec');
    await admin!.createTopics({ topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'segment.bytes', value: '1024' }] }] });
    await send(kafka, topic, Array.from({ length: 15 }, (_, i) => ({ value: pad(`v${i}`) })));
    const segs = db.segments(topic).length;
    await admin!.fetchTopicMetadata({ topics: [topic] }); // kafkajs looks the leader up in its metadata cache
    await admin!.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '9' }] });
    expect((await admin!.fetchTopicOffsets(topic))[0]).toMatchObject({ low: '9', high: '15' });
    expect(db.segments(topic).length).toBeLessThan(segs); // segments entirely below 9 are gone
    const rest = await consume(kafka, topic, 6);
    expect(rest.map((m) => m.offset)).toEqual([9, 10, 11, 12, 13, 14]);
    await admin!.disconnect();
    await db.restart();
    admin = db.kafka.admin();
    await admin.connect();
    expect((await admin.fetchTopicOffsets(topic))[0]).toMatchObject({ low: '9', high: '15' });
    expect((await consume(db.kafka, topic, 6)).map((m) => m.value!.replace(/\.+$/, ''))).toEqual(['v9', 'v10', 'v11', 'v12', 'v13', 'v14']);
  });
});

describe('log compaction', () => {
  it.each(['file', 'memory'])('a fresh consumer reads the latest value per key, tombstones until delete.retention.ms (%s engine)', async (engine) => {
    const kafka = await start({ memory: engine === 'memory', overrides: { 'log.cleaner.backoff.ms': '100' } });
    const topic = topicName('compact');
    const configs = { 'cleanup.policy': 'compact', 'segment.bytes': '2048', 'min.cleanable.dirty.ratio': '0.01', 'delete.retention.ms': '86400000' };
    await admin!.createTopics({ topics: [{ topic, numPartitions: 1, configEntries: Object.entries(configs).map(([name, value]) => ({ name, value })) }] });
    const producer = kafka.producer();
    await producer.connect();
    for (let round = 0; round < 20; round++) {
      await producer.send({ topic, acks: -1, messages: Array.from({ length: 10 }, (_, k) => ({ key: `k${k}`, value: `k${k}-round${round}` })) });
    }
    await producer.send({ topic, acks: -1, messages: [{ key: 'k0', value: null }] }); // tombstone, offset 200
    // Unique keys fill the active segment so every update above sits in cleanable (closed) segments.
    for (let f = 0; f < 10; f++) await producer.send({ topic, acks: -1, messages: [{ key: `f${f}`, value: pad(`filler${f}`) }] });
    await producer.disconnect();
    const log = db.broker.cluster.partition(topic, 0)!.log;
    // The cleaner may already be running (it passes every 100 ms): wait until only the last round is left.
    await waitFor('the cleaner', async () => (await recordOffsets(log, 200)).every((o) => o >= 191));

    const latest = await consume(kafka, topic, 20, { until: (m) => m.offset === 210 });
    const keys = latest.map((m) => m.key);
    expect(new Set(keys).size).toBe(keys.length); // one record per key
    expect(latest.filter((m) => m.key!.startsWith('k'))).toEqual([
      ...Array.from({ length: 9 }, (_, i) => expect.objectContaining({ key: `k${i + 1}`, value: `k${i + 1}-round19`, offset: 190 + i + 1 })),
      expect.objectContaining({ key: 'k0', value: null, offset: 200 }),
    ]);
    expect(latest.filter((m) => m.key!.startsWith('f'))).toHaveLength(10);
    expect((await admin!.fetchTopicOffsets(topic))[0]).toMatchObject({ low: '0', high: '211' });

    // Shortening delete.retention.ms lets the next pass drop the tombstone too.
    await setTopicConfigs(topic, { ...configs, 'delete.retention.ms': '0' });
    await waitFor('the tombstone to go', async () => !(await recordOffsets(log, 201)).includes(200));
    const after = await consume(kafka, topic, 19, { until: (m) => m.offset === 210 });
    expect(after.map((m) => m.key)).not.toContain('k0');
    expect(after).toHaveLength(19);
  });
});
