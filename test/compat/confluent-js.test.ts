// Confluent's JavaScript client (@confluentinc/kafka-javascript 1.10.1, librdkafka 2.15.1) through its KafkaJS-style
// API: a current librdkafka, where the Debian one the kcat and confluent-kafka tests use is 2.0.2. It sends what a
// 2026 librdkafka sends (Metadata v13, Fetch with topic ids, KIP-848 ConsumerGroupHeartbeat). Installed by
// scripts/install-confluent-js.sh (it compiles librdkafka); skipped, saying so, when it is not installed.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBroker } from '../../src/kafkalite.js';
import { clientPath } from './clients/run.js';
import { kafkajs, startTestBroker, topicName } from './helpers.js';

const dir = clientPath('confluent-js');
const installed = existsSync(join(dir, 'node_modules/@confluentinc/kafka-javascript/package.json'));
if (!installed) console.warn('confluent-js.test.ts skipped: run scripts/install-confluent-js.sh');
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const ck: any = installed ? createRequire(join(dir, 'package.json'))('@confluentinc/kafka-javascript') : null;

let broker: RunningBroker;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
let kafka: any;
const open: { disconnect(): Promise<void> }[] = [];
async function connected<T extends { connect(): Promise<void>; disconnect(): Promise<void> }>(client: T): Promise<T> {
  await client.connect();
  open.push(client);
  return client;
}

/** Consumes until `n` messages arrived (or fails after 20 s); returns "key=value" strings in arrival order. */
async function consumeN(consumer: any, n: number): Promise<string[]> {
  const seen: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out with ${seen.length} of ${n} messages`)), 20000);
    consumer.run({
      eachMessage: async ({ message }: any) => {
        seen.push(`${message.key?.toString()}=${message.value?.toString()}`);
        if (seen.length === n) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  return seen;
}

describe.skipIf(!installed)('@confluentinc/kafka-javascript (librdkafka 2.15)', () => {
  beforeAll(async () => {
    broker = await startTestBroker();
    kafka = new ck.KafkaJS.Kafka({ kafkaJS: { brokers: [broker.bootstrap], logLevel: ck.KafkaJS.logLevel.NOTHING } });
  });
  afterAll(async () => {
    for (const c of open.reverse()) await c.disconnect().catch(() => {});
    await broker?.stop();
  });

  it('admin: creates, lists and describes topics, and reads their offsets', async () => {
    const admin = await connected(kafka.admin());
    const topic = topicName('ck-admin');
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }] });
    expect(await admin.listTopics()).toContain(topic);
    const [meta] = await admin.fetchTopicMetadata({ topics: [topic] }); // DescribeTopics: Metadata by name, with ids
    expect(meta.topicId.toString()).toBeTruthy();
    expect(meta.partitions.map((p: any) => [p.partitionId, p.leader, p.isr]).sort()).toEqual([[0, 0, [0]], [1, 0, [0]], [2, 0, [0]]]);
    expect((await admin.fetchTopicOffsets(topic)).map((p: any) => p.high)).toEqual(['0', '0', '0']);
    // Authorized operations only when asked for (Kafka leaves them out otherwise, and librdkafka checks).
    expect(meta.authorizedOperations ?? []).toEqual([]);
    const [withOps] = await admin.fetchTopicMetadata({ topics: [topic], includeAuthorizedOperations: true });
    expect(withOps.authorizedOperations).toEqual(expect.arrayContaining([ck.AclOperationTypes.READ, ck.AclOperationTypes.WRITE, ck.AclOperationTypes.DESCRIBE]));
    await admin.deleteTopics({ topics: [topic] });
    expect(await admin.listTopics()).not.toContain(topic);
  });

  for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd']) {
    it(`an idempotent producer (${codec}) and a classic group consumer`, async () => {
      const topic = topicName(`ck-${codec}`);
      const producer = await connected(kafka.producer({ 'compression.type': codec, kafkaJS: { idempotent: true } }));
      const sent = Array.from({ length: 40 }, (_, i) => ({ key: `k${i}`, value: `${codec}-${i}`.repeat(10) }));
      await producer.send({ topic, messages: sent });
      const consumer = await connected(kafka.consumer({ kafkaJS: { groupId: topicName('ck-g'), fromBeginning: true } }));
      await consumer.subscribe({ topics: [topic] });
      const got = await consumeN(consumer, sent.length);
      expect(got.sort()).toEqual(sent.map((m) => `${m.key}=${m.value}`).sort());
      const stored = broker.cluster.topics.get(topic)!.partitions[0].log;
      expect(stored.logEndOffset).toBe(sent.length); // auto-created with one partition
    });
  }

  it('two KIP-848 consumers (group.protocol=consumer) split the partitions, and commit', async () => {
    const admin = await connected(kafka.admin());
    const topic = topicName('ck-848');
    const groupId = topicName('ck-848-g');
    await admin.createTopics({ topics: [{ topic, numPartitions: 4 }] });
    const producer = await connected(kafka.producer());
    await producer.send({ topic, messages: Array.from({ length: 8 }, (_, i) => ({ key: `k${i}`, value: `v${i}`, partition: i % 4 })) });
    const mk = () => kafka.consumer({ 'group.protocol': 'consumer', kafkaJS: { groupId, fromBeginning: true, autoCommit: false } });
    const a = await connected(mk());
    const b = await connected(mk());
    await a.subscribe({ topics: [topic] });
    await b.subscribe({ topics: [topic] });
    const seen = new Map<string, string>();
    // Done when every record's commit has been answered (not when the last record arrives: the other consumer's
    // commit may still be on its way then).
    const committed = new Set<string>();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out with ${seen.size} of 8 (${committed.size} committed)`)), 20000);
      const each = (who: string) => async ({ message, partition, topic: t }: any) => {
        seen.set(message.key.toString(), who);
        await (who === 'a' ? a : b).commitOffsets([{ topic: t, partition, offset: String(Number(message.offset) + 1) }]);
        committed.add(message.key.toString());
        if (committed.size === 8) {
          clearTimeout(timer);
          resolve();
        }
      };
      a.run({ eachMessage: each('a') });
      b.run({ eachMessage: each('b') });
    });
    const group = broker.services.groups.groups.get(groupId);
    expect(group?.constructor.name).toBe('ConsumerGroup');
    const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
    expect(offsets[0].partitions.map((p: any) => p.offset).sort()).toEqual(['2', '2', '2', '2']);
    // Both members got partitions once the group settled (the first may have read everything before the second joined).
    await expect.poll(() => [...group.members.values()].filter((m: any) => m.assigned.size > 0).length, { timeout: 10000 }).toBe(2);
  });

  it('a KIP-848 regex subscription is resolved by the broker (RE2/J, as Kafka)', async () => {
    const stamp = topicName('rx');
    const topics = [`RX-A-${stamp}`, `rx-b-${stamp}`, `other-${stamp}`];
    const admin = await connected(kafka.admin());
    await admin.createTopics({ topics: topics.map((topic) => ({ topic, numPartitions: 1 })) });
    const producer = await connected(kafka.producer());
    for (const topic of topics) await producer.send({ topic, messages: [{ value: topic }] });
    const groupId = topicName('ck-rx-g');
    const consumer = await connected(kafka.consumer({ 'group.protocol': 'consumer', kafkaJS: { groupId, fromBeginning: true } }));
    await consumer.subscribe({ topics: [new RegExp(`^[rR][xX]-.*-${stamp}$`)] });
    expect((await consumeN(consumer, 2)).sort()).toEqual([`undefined=RX-A-${stamp}`, `undefined=rx-b-${stamp}`]);
    // librdkafka sent the pattern itself: the broker matched it against the topics.
    const [member] = broker.services.groups.groups.get(groupId).members.values();
    expect(member.subscribedTopicRegex).toContain(stamp);
  });

  it('a committed offset past the log end is reset (auto.offset.reset) on OFFSET_OUT_OF_RANGE', async () => {
    const topic = topicName('ck-oor');
    const groupId = topicName('ck-oor-g');
    await broker.cluster.createTopic(topic, { numPartitions: 1 });
    const producer = await connected(kafka.producer());
    await producer.send({ topic, messages: Array.from({ length: 5 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })) });
    const admin = kafkajs(broker).admin();
    await admin.connect();
    await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '100' }] });
    await admin.disconnect();
    const consumer = await connected(kafka.consumer({ kafkaJS: { groupId, fromBeginning: true } }));
    await consumer.subscribe({ topics: [topic] });
    expect(await consumeN(consumer, 5)).toEqual(['k0=v0', 'k1=v1', 'k2=v2', 'k3=v3', 'k4=v4']);
  });

  it('ListOffsets MAX_TIMESTAMP answers the offset of the record with the largest timestamp, not its batch end', async () => {
    const topic = topicName('ck-maxts');
    await broker.cluster.createTopic(topic, { numPartitions: 1 });
    const producer = await connected(kafka.producer({ 'linger.ms': 50 }));
    // One batch: offsets 0, 1, 2 with timestamps +100, +400, +250 (librdkafka's own test 0081).
    await producer.send({ topic, messages: [100, 400, 250].map((d) => ({ value: `t${d}`, timestamp: String(10_000_000 + d) })) });
    expect(broker.cluster.topics.get(topic)!.partitions[0].log.logEndOffset).toBe(3);
    const raw = ck.AdminClient.create({ 'bootstrap.servers': broker.bootstrap, log_level: 0 });
    try {
      const listed: any[] = await new Promise((resolve, reject) => {
        raw.listOffsets([{ topic, partition: 0, offset: ck.OffsetSpec.MAX_TIMESTAMP }], {}, (err: any, res: any) => (err ? reject(err) : resolve(res)));
      });
      expect(listed[0]).toMatchObject({ offset: 1, timestamp: 10_000_400 });
    } finally {
      raw.disconnect();
    }
  });

  it('transactions: an aborted send is not read by a read_committed consumer, a committed one is', async () => {
    const topic = topicName('ck-txn');
    const producer = await connected(kafka.producer({ kafkaJS: { transactionalId: topicName('ck-tid'), idempotent: true, maxInFlightRequests: 1 } }));
    let txn = await producer.transaction();
    await txn.send({ topic, messages: [{ key: 'a', value: 'aborted' }] });
    await txn.abort();
    txn = await producer.transaction();
    await txn.send({ topic, messages: [{ key: 'c', value: 'committed' }] });
    await txn.commit();
    const consumer = await connected(kafka.consumer({ 'isolation.level': 'read_committed', kafkaJS: { groupId: topicName('ck-txn-g'), fromBeginning: true } }));
    await consumer.subscribe({ topics: [topic] });
    expect(await consumeN(consumer, 1)).toEqual(['c=committed']);
    // The aborted record, its abort marker, the committed one and its commit marker.
    expect(broker.cluster.topics.get(topic)!.partitions[0].log.logEndOffset).toBe(4);
  });
});
