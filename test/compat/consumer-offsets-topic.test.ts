// __consumer_offsets as Kafka's: created with its own partitions and configs, and holding the group coordinator's
// records in Kafka's format, read here by a kafkajs consumer and decoded by the layouts of Kafka's OffsetCommitKey/
// Value and GroupMetadataKey/Value schemas (group-coordinator/src/main/resources/common/message).
import { ConfigResourceTypes, type Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBroker } from '../../src/kafkalite.js';
import { waitFor } from '../cluster/helpers.js';
import { DurableBroker } from './kafkajs-durability-helpers.js';
import { kafkajs, startTestBroker, topicName } from './helpers.js';
import { Fields } from './record-fields.js';

let b: RunningBroker;
let k: Kafka;
beforeAll(async () => {
  b = await startTestBroker({ overrides: { 'group.initial.rebalance.delay.ms': '0' } });
  k = kafkajs(b);
});
afterAll(() => b?.stop());

type Decoded =
  | { kind: 'offset'; group: string; topic: string; partition: number; value: { offset: number; leaderEpoch: number; metadata: string; commitTimestamp: number } | null }
  | { kind: 'group'; group: string; value: { protocolType: string; generation: number; protocol: string | null; leader: string | null; members: { memberId: string; clientId: string; sessionTimeout: number; assignment: Buffer }[] } | null };

function decode(key: Buffer, value: Buffer | null): Decoded {
  const kf = new Fields(key);
  const keyVersion = kf.int16();
  if (keyVersion === 0 || keyVersion === 1) {
    const [group, topic, partition] = [kf.string()!, kf.string()!, kf.int32()];
    expect(kf.done).toBe(true);
    if (!value) return { kind: 'offset', group, topic, partition, value: null };
    const vf = new Fields(value);
    expect(vf.int16()).toBe(3);
    const v = { offset: vf.int64(), leaderEpoch: vf.int32(), metadata: vf.string()!, commitTimestamp: vf.int64() };
    expect(vf.done).toBe(true);
    return { kind: 'offset', group, topic, partition, value: v };
  }
  expect(keyVersion).toBe(2);
  const group = kf.string()!;
  expect(kf.done).toBe(true);
  if (!value) return { kind: 'group', group, value: null };
  const vf = new Fields(value);
  expect(vf.int16()).toBe(3);
  const head = { protocolType: vf.string()!, generation: vf.int32(), protocol: vf.string(), leader: vf.string() };
  vf.int64(); // currentStateTimestamp
  const members = Array.from({ length: vf.int32() }, () => {
    const memberId = vf.string()!;
    vf.string(); // groupInstanceId
    const clientId = vf.string()!;
    vf.string(); // clientHost
    vf.int32(); // rebalanceTimeout
    const sessionTimeout = vf.int32();
    vf.bytes(); // subscription
    return { memberId, clientId, sessionTimeout, assignment: vf.bytes() };
  });
  expect(vf.done).toBe(true);
  return { kind: 'group', group, value: { ...head, members } };
}

/** Every record of __consumer_offsets so far, decoded, read by a kafkajs consumer of its own group. */
async function readOffsetsTopic(expectAtLeast: (records: Decoded[]) => boolean, kafka = k): Promise<Decoded[]> {
  const records: Decoded[] = [];
  const reader = kafka.consumer({ groupId: topicName('offsets-reader'), maxWaitTimeInMs: 50 });
  await reader.connect();
  await reader.subscribe({ topic: '__consumer_offsets', fromBeginning: true });
  await reader.run({ eachMessage: async ({ message }) => void records.push(decode(message.key!, message.value)) });
  try {
    await waitFor(() => expectAtLeast(records), 15000, 'records in __consumer_offsets');
  } finally {
    await reader.disconnect();
  }
  return records;
}

describe('__consumer_offsets', () => {
  it('is created as Kafka creates it, by the first search for a coordinator: internal, 50 partitions, compacted', async () => {
    const admin = k.admin();
    await admin.connect();
    try {
      expect((await admin.listTopics()).filter((t) => t.startsWith('__'))).toEqual([]);
      await admin.describeGroups(['any-group']); // FindCoordinator
      await admin.fetchOffsets({ groupId: 'any-group' }).catch(() => undefined);
      expect((await admin.listTopics()).filter((t) => t.startsWith('__'))).toEqual(['__consumer_offsets']);
      const meta = await admin.fetchTopicMetadata({ topics: ['__consumer_offsets'] });
      expect(meta.topics[0].partitions).toHaveLength(50);
      const configs = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: '__consumer_offsets' }] });
      const entries = Object.fromEntries(configs.resources[0].configEntries.map((e) => [e.configName, e.configValue]));
      expect(entries).toMatchObject({ 'cleanup.policy': 'compact', 'compression.type': 'producer', 'segment.bytes': '104857600' });
    } finally {
      await admin.disconnect();
    }
    const txn = k.producer({ transactionalId: topicName('txn'), maxInFlightRequests: 1, idempotent: true });
    await txn.connect();
    await (await txn.transaction()).abort(); // finds its transaction coordinator
    await txn.disconnect();
    expect(b.cluster.topics.get('__transaction_state')?.partitions).toHaveLength(50);
    // Kafka's Metadata marks it internal (kafkajs does not show the flag); so does kafkalite's state.
    expect(b.cluster.topics.get('__consumer_offsets')!.internal).toBe(true);
  });

  it("holds a group's commits and generations in Kafka's format, and tombstones when the group is deleted", async () => {
    const topic = topicName('tracked');
    const groupId = topicName('tracked-group');
    const admin = k.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] });
    const producer = k.producer();
    await producer.connect();
    await producer.send({ topic, messages: Array.from({ length: 10 }, (_, i) => ({ value: `m${i}`, partition: i % 2 })) });
    await producer.disconnect();

    const consumer = kafkajs(b, { clientId: 'tracked-client' }).consumer({ groupId, sessionTimeout: 12000, maxWaitTimeInMs: 50 });
    let seen = 0;
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async () => void seen++ });
    await waitFor(() => seen === 10, 15000, 'the group to consume');
    await consumer.disconnect();
    await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '4' }] });

    const mine = (r: Decoded) => r.group === groupId;
    const records = await readOffsetsTopic((rs) => rs.some((r) => mine(r) && r.kind === 'offset' && r.partition === 0 && r.value?.offset === 4));
    const offsets = records.filter((r): r is Extract<Decoded, { kind: 'offset' }> => mine(r) && r.kind === 'offset');
    expect(offsets.every((r) => r.topic === topic && r.value !== null && r.value.commitTimestamp > 0 && r.value.metadata === '')).toBe(true);
    const p0 = offsets.filter((r) => r.partition === 0).map((r) => r.value!.offset);
    expect(p0).toContain(5); // what the consumer committed, then what setOffsets did
    expect(p0.at(-1)).toBe(4);
    expect(offsets.filter((r) => r.partition === 1).at(-1)!.value!.offset).toBe(5);
    const generations = records.filter((r): r is Extract<Decoded, { kind: 'group' }> => mine(r) && r.kind === 'group').map((r) => r.value!);
    // As Kafka writes them: the consumer's generation, empty once it left, then those of setOffsets' own member
    // (kafkajs joins the group to commit); none while a rebalance is in progress.
    expect(generations.map((g) => [g.generation, g.members.length])).toEqual([[1, 1], [2, 0], [3, 1], [4, 0]]);
    const [stable, empty] = generations;
    expect(stable).toMatchObject({ protocolType: 'consumer', protocol: 'RoundRobinAssigner' });
    expect(stable.members[0]).toMatchObject({ memberId: stable.leader, clientId: 'tracked-client', sessionTimeout: 12000 });
    expect(stable.members[0].assignment.includes(Buffer.from(topic))).toBe(true);
    expect(empty).toMatchObject({ protocolType: 'consumer', protocol: null, leader: null });

    await admin.deleteGroups([groupId]);
    await admin.disconnect();
    const after = await readOffsetsTopic((rs) => rs.some((r) => mine(r) && r.kind === 'group' && r.value === null));
    const last = new Map(after.filter(mine).map((r) => [r.kind === 'offset' ? `${r.topic}:${r.partition}` : 'group', r.value]));
    expect([...last.keys()].sort()).toEqual(['group', `${topic}:0`, `${topic}:1`]);
    expect([...last.values()]).toEqual([null, null, null]); // every key of the group ends in a tombstone
  });

  it('keeps its records over a restart of a file-engine broker, which then writes the tombstones of offsets committed before it', async () => {
    const db = new DurableBroker({ overrides: { 'group.initial.rebalance.delay.ms': '0' } });
    try {
      await db.start();
      const topic = topicName('durable-offsets');
      const groupId = topicName('durable-group');
      let admin = db.kafka.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] });
      await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '0' }, { partition: 1, offset: '0' }] });
      await admin.disconnect();
      await db.restart();

      admin = db.kafka.admin();
      await admin.connect();
      await admin.deleteGroups([groupId]);
      await admin.disconnect();
      const mine = (r: Decoded) => r.group === groupId;
      const records = await readOffsetsTopic((rs) => rs.some((r) => mine(r) && r.kind === 'group' && r.value === null), db.kafka);
      const offsets = records.filter((r): r is Extract<Decoded, { kind: 'offset' }> => mine(r) && r.kind === 'offset');
      // the commits from before the restart, then the deletion's tombstones for them
      const pairs = offsets.map((r) => `${r.partition}:${r.value?.offset ?? 'tombstone'}`);
      expect(pairs.sort()).toEqual(['0:0', '0:tombstone', '1:0', '1:tombstone']);
      expect(offsets.slice(-2).every((r) => r.value === null)).toBe(true);
    } finally {
      await db.destroy();
    }
  });
});
