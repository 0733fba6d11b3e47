// @platformatic/kafka 1.x producing and consuming: ApiVersions v3+, Produce v11, Fetch v17 (topic ids), Metadata v12,
// flexible versions everywhere. Keys, headers and every codec the library can use here survive the round trip; a
// classic-protocol group reads everything back and commits; a manual-offsets stream starts where it is told.
// (Admin and transactions have their own files: platformatic-admin, platformatic-idempotent-txn, platformatic-groups.)
import { Admin, Consumer, Producer, compressionsAlgorithms, stringDeserializers, stringSerializers, type Message } from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBroker } from '../../src/kafkalite.js';
import { storedCodecs } from './clients/run.js';
import { kafkajs, startTestBroker, topicName } from './helpers.js';

let broker: RunningBroker;
beforeAll(async () => {
  broker = await startTestBroker();
});
afterAll(() => broker?.stop());

type Msg = Message<string, string, string, string>;
const bootstrap = () => broker.bootstrap.split(',');
// zstd needs node:zlib's zstd (Node >= 22.15); on older Node the library marks it unavailable and refuses it.
const CODECS = (['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const).filter((c) => compressionsAlgorithms[c].available);
if (!CODECS.includes('zstd')) console.warn(`@platformatic/kafka: zstd unavailable on Node ${process.version} (needs zlib zstd): not tested here`);

function producer(): Producer<string, string, string, string> {
  return new Producer({ clientId: 'kafkalite-test', bootstrapBrokers: bootstrap(), serializers: stringSerializers, retries: 2 });
}

function consumer(groupId: string): Consumer<string, string, string, string> {
  return new Consumer({
    groupId,
    clientId: 'kafkalite-test',
    bootstrapBrokers: bootstrap(),
    deserializers: stringDeserializers,
    retries: 2,
    sessionTimeout: 6000,
    heartbeatInterval: 300,
    rebalanceTimeout: 6000,
  });
}

/** Reads from a stream until `count` messages arrived (or fails after `ms`). */
async function collect(stream: AsyncIterable<Msg> & { on: any }, count: number, ms = 10000): Promise<Msg[]> {
  const got: Msg[] = [];
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`only ${got.length}/${count} messages after ${ms} ms`)), ms));
  const reading = (async () => {
    for await (const m of stream) {
      got.push(m);
      if (got.length >= count) break;
    }
    return got;
  })();
  return Promise.race([reading, timeout]);
}

const headerObject = (m: Msg) => Object.fromEntries(m.headers);

describe('@platformatic/kafka produce and consume', () => {
  const topic = topicName('pk-codecs');
  const sent: { key: string; value: string; partition: number; headers: Record<string, string> }[] = [];

  it(`produces keys and headers with every available codec (${CODECS.join(', ')}), stored compressed as sent`, async () => {
    await broker.cluster.createTopic(topic, { numPartitions: 3 });
    const p = producer();
    try {
      for (const codec of CODECS) {
        const messages = Array.from({ length: 12 }, (_, i) => ({
          topic,
          key: `${codec}-k${i}`,
          value: `${codec}-value-${i}-${'x'.repeat(i * 10)}`,
          partition: i % 3,
          headers: { codec, idx: String(i), empty: '' },
        }));
        const res = await p.send({ messages, compression: codec, acks: -1 });
        // One offset per partition written, the first batch of each partition starting where the last ended.
        expect(res.offsets?.map((o) => o.partition).sort()).toEqual([0, 1, 2]);
        for (const m of messages) sent.push({ key: m.key, value: m.value, partition: m.partition, headers: m.headers });
      }
    } finally {
      await p.close();
    }
    expect(await storedCodecs(broker, topic)).toEqual([...CODECS].sort());
    const admin = kafkajs(broker).admin();
    await admin.connect();
    const offs = await admin.fetchTopicOffsets(topic);
    await admin.disconnect();
    expect(offs.map((o) => Number(o.high)).reduce((a, b) => a + b)).toBe(sent.length);
  });

  it('a classic-protocol group member reads every record back (keys, headers, partitions) and commits', async () => {
    const groupId = topicName('g-pk-all');
    const c = consumer(groupId);
    try {
      const stream = await c.consume({ topics: [topic], mode: 'earliest', maxWaitTime: 100, autocommit: false });
      const got = await collect(stream, sent.length);
      const norm = (m: { key: string; value: string; partition: number; headers: Record<string, string> }) => `${m.partition}|${m.key}|${m.value}|${JSON.stringify(m.headers)}`;
      expect(got.map((m) => norm({ key: m.key, value: m.value, partition: m.partition, headers: headerObject(m) })).sort()).toEqual(sent.map(norm).sort());
      // Within a partition offsets are contiguous from 0 and in produce order.
      for (const part of [0, 1, 2]) {
        const mine = got.filter((m) => m.partition === part);
        expect(mine.map((m) => Number(m.offset))).toEqual(mine.map((_, i) => i));
        expect(mine.map((m) => m.key)).toEqual(sent.filter((s) => s.partition === part).map((s) => s.key));
      }
      // Commit the last message of each partition (offset + 1 is stored, as Kafka clients do).
      for (const part of [0, 1, 2]) await got.filter((m) => m.partition === part).pop()!.commit();
      const committed = await c.listCommittedOffsets({ topics: [{ topic, partitions: [0, 1, 2] }] });
      expect(committed.get(topic)?.map(Number)).toEqual([0, 1, 2].map((part) => got.filter((m) => m.partition === part).length));
      await stream.close();
    } finally {
      await c.close(true);
    }
    // The commit is the group's, visible to other clients too.
    const admin = kafkajs(broker).admin();
    await admin.connect();
    const offs = await admin.fetchOffsets({ groupId, topics: [topic] });
    await admin.disconnect();
    expect(offs[0].partitions.map((p) => Number(p.offset)).reduce((a, b) => a + b)).toBe(sent.length);
  });

  it('a group member restarting in committed mode resumes after the commit', async () => {
    const t = topicName('pk-resume');
    const groupId = topicName('g-pk-resume');
    await broker.cluster.createTopic(t, { numPartitions: 1 });
    const p = producer();
    await p.send({ messages: Array.from({ length: 10 }, (_, i) => ({ topic: t, key: `k${i}`, value: `v${i}` })) });
    const c1 = consumer(groupId);
    const s1 = await c1.consume({ topics: [t], mode: 'committed', fallbackMode: 'earliest', maxWaitTime: 100, autocommit: false });
    const first = await collect(s1, 4);
    await first[3].commit();
    await s1.close();
    await c1.close(true);
    await p.send({ messages: [{ topic: t, key: 'k10', value: 'v10' }] });
    await p.close();
    const c2 = consumer(groupId);
    try {
      const s2 = await c2.consume({ topics: [t], mode: 'committed', fallbackMode: 'earliest', maxWaitTime: 100, autocommit: false });
      const rest = await collect(s2, 7);
      expect(rest.map((m) => m.value)).toEqual(['v4', 'v5', 'v6', 'v7', 'v8', 'v9', 'v10']);
      expect(Number(rest[0].offset)).toBe(4);
      await s2.close();
    } finally {
      await c2.close(true);
    }
  });

  it('a manual-offsets stream starts exactly at the offsets given', async () => {
    const c = consumer(topicName('g-pk-manual'));
    const perPartition = sent.length / 3;
    try {
      const stream = await c.consume({
        topics: [topic],
        mode: 'manual',
        offsets: [
          { topic, partition: 0, offset: 1n },
          { topic, partition: 1, offset: BigInt(perPartition - 3) },
          { topic, partition: 2, offset: BigInt(perPartition - 1) },
        ],
        maxWaitTime: 100,
        autocommit: false,
      });
      const expected = perPartition - 1 + 3 + 1;
      const got = await collect(stream, expected);
      const firstOf = (part: number) => Number(got.find((m) => m.partition === part)?.offset);
      expect([firstOf(0), firstOf(1), firstOf(2)]).toEqual([1, perPartition - 3, perPartition - 1]);
      expect(got).toHaveLength(expected);
      const p0 = sent.filter((s) => s.partition === 0);
      expect(got.filter((m) => m.partition === 0).map((m) => m.value)).toEqual(p0.slice(1).map((s) => s.value));
      await stream.close();
    } finally {
      await c.close(true);
    }
  });

  it('listOffsets (latest, earliest, by timestamp); group offsets set by the admin, read by the consumer', async () => {
    const t = topicName('pk-offsets');
    await broker.cluster.createTopic(t, { numPartitions: 2 });
    const p = producer();
    const base = 1_700_000_000_000n;
    // Partition 0: timestamps base+0..base+9 (one send each so every record is its own batch); partition 1: empty.
    for (let i = 0; i < 10; i++) await p.send({ messages: [{ topic: t, key: `k${i}`, value: `v${i}`, partition: 0, timestamp: base + BigInt(i) * 1000n }] });
    await p.close();
    const groupId = topicName('g-pk-lag');
    const c = consumer(groupId);
    try {
      expect((await c.listOffsets({ topics: [t] })).get(t)).toEqual([10n, 0n]);
      expect((await c.listOffsets({ topics: [t], timestamp: -2n })).get(t)).toEqual([0n, 0n]);
      // The first record at or after the timestamp (Kafka's semantics), and "none" (-1) past the last one.
      const at = await c.listOffsetsWithTimestamps({ topics: [t], partitions: { [t]: [0] }, timestamp: base + 4500n });
      expect(at.get(t)?.get(0)).toEqual({ offset: 5n, timestamp: base + 5000n });
      expect((await c.listOffsets({ topics: [t], partitions: { [t]: [0] }, timestamp: base + 60_000n })).get(t)?.[0]).toBe(-1n);
      // Consumer.commit needs a joined member: the empty group's offset is set by the admin client instead
      // (OffsetCommit with generation -1 and no member id), then read back both ways.
      const admin = new Admin({ clientId: 'kafkalite-test', bootstrapBrokers: bootstrap(), retries: 1 });
      await admin.alterConsumerGroupOffsets({ groupId, topics: [{ name: t, partitionOffsets: [{ partition: 0, offset: 7n }] }] });
      const listed = await admin.listConsumerGroupOffsets({ groups: [groupId] });
      await admin.close();
      expect(listed[0].topics.find((x) => x.name === t)?.partitions.map((p) => [p.partitionIndex, p.committedOffset])).toEqual([[0, 7n]]);
      const committed = await c.listCommittedOffsets({ topics: [{ topic: t, partitions: [0, 1] }] });
      expect(committed.get(t)).toEqual([7n, -1n]);
    } finally {
      await c.close(true);
    }
  });

  it('admin listTopics (Metadata v12, all topics) sees the topics, with or without internals', async () => {
    const admin = new Admin({ clientId: 'kafkalite-test', bootstrapBrokers: bootstrap(), retries: 1 });
    try {
      const extra = topicName('pk-list');
      await admin.createTopics({ topics: [extra], partitions: 2, replicas: 1 });
      const names = await admin.listTopics();
      expect(names).toEqual(expect.arrayContaining([topic, extra]));
      // kafkalite keeps group state outside the log: there is no __consumer_offsets topic to hide or show.
      expect(names).not.toContain('__consumer_offsets');
      const all = await admin.listTopics({ includeInternals: true });
      expect(all).toEqual(expect.arrayContaining([topic, extra]));
    } finally {
      await admin.close();
    }
  });
});
