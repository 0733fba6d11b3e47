// kafkajs 2.2.4's admin client against kafkalite: topics (create/list/delete/partitions), configs
// (describe/alter, topic and broker, synonyms), offsets, record deletion, cluster and topic metadata.
import type { Admin, Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBroker } from '../../src/kafkalite.js';
import { kafkajs, startTestBroker, topicName } from './helpers.js';

const TOPIC = 2;
const BROKER = 4;

let broker: RunningBroker;
let kafka: Kafka;
let admin: Admin;

beforeAll(async () => {
  broker = await startTestBroker({ overrides: { 'log.retention.ms': '3600000', 'num.partitions': '2' } });
  kafka = kafkajs(broker);
  admin = kafka.admin();
  await admin.connect();
});
afterAll(async () => {
  await admin?.disconnect();
  await broker?.stop();
});

/** One batch per record, record i stamped 1_000_000 + i * 1000. */
async function produce(topic: string, count: number, partition = 0): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  for (let i = 0; i < count; i++) await producer.send({ topic, messages: [{ value: `m${i}`, partition, timestamp: String(1_000_000 + i * 1000) }] });
  await producer.disconnect();
}

/** The error type kafkajs reports for a single failed topic (it aggregates per-topic CreateTopics errors). */
function errorType(err: any): string | undefined {
  return err?.errors?.[0]?.type ?? err?.cause?.type ?? err?.type;
}

describe('kafkajs admin: topics', () => {
  it('creates topics, lists them, and reports an existing one as TOPIC_ALREADY_EXISTS', async () => {
    const a = topicName('create-a');
    const b = topicName('create-b');
    expect(await admin.createTopics({ topics: [{ topic: a, numPartitions: 3 }, { topic: b }] })).toBe(true);
    expect(await admin.listTopics()).toEqual(expect.arrayContaining([a, b]));
    const meta = await admin.fetchTopicMetadata({ topics: [a, b] });
    expect(meta.topics.find((t) => t.name === a)!.partitions).toHaveLength(3);
    // num.partitions=2 is the broker default used when the request says -1.
    expect(meta.topics.find((t) => t.name === b)!.partitions).toHaveLength(2);
    // kafkajs resolves false when every topic already existed.
    expect(await admin.createTopics({ topics: [{ topic: a }] })).toBe(false);
  });

  it('surfaces TOPIC_ALREADY_EXISTS next to another error', async () => {
    const a = topicName('dup');
    await admin.createTopics({ topics: [{ topic: a }] });
    const err = await admin.createTopics({ topics: [{ topic: a }, { topic: 'bad name!' }] }).catch((e) => e);
    const types = err.errors.map((e: { type: string }) => e.type).sort();
    expect(types).toEqual(['INVALID_TOPIC_EXCEPTION', 'TOPIC_ALREADY_EXISTS']);
  });

  it('validateOnly checks without creating', async () => {
    const t = topicName('validate');
    // kafkajs waits for leaders of the topics even when only validating: nothing to wait for here.
    await admin.createTopics({ validateOnly: true, waitForLeaders: false, topics: [{ topic: t, numPartitions: 4 }] });
    expect(await admin.listTopics()).not.toContain(t);
    const err = await admin.createTopics({ validateOnly: true, waitForLeaders: false, topics: [{ topic: t, configEntries: [{ name: 'retention.ms', value: 'soon' }] }] }).catch((e) => e);
    expect(errorType(err)).toBe('INVALID_CONFIG');
  });

  it('creates a topic with config entries and a manual replica assignment', async () => {
    const t = topicName('assigned');
    await admin.createTopics({
      topics: [{
        topic: t,
        replicaAssignment: [{ partition: 0, replicas: [0] }, { partition: 1, replicas: [0] }],
        configEntries: [{ name: 'cleanup.policy', value: 'compact' }, { name: 'retention.ms', value: '1000' }],
      }],
    });
    const meta = await admin.fetchTopicMetadata({ topics: [t] });
    expect(meta.topics[0].partitions.map((p) => p.replicas)).toEqual([[0], [0]]);
    const { resources } = await admin.describeConfigs({ resources: [{ type: TOPIC, name: t, configNames: ['cleanup.policy', 'retention.ms', 'segment.bytes'] }], includeSynonyms: false });
    const byName = Object.fromEntries(resources[0].configEntries.map((e) => [e.configName, e]));
    expect(byName['cleanup.policy']).toMatchObject({ configValue: 'compact', configSource: 1, isDefault: false });
    expect(byName['retention.ms'].configValue).toBe('1000');
    expect(byName['segment.bytes']).toMatchObject({ configValue: '1073741824', configSource: 5, isDefault: true });
    expect(resources[0].configEntries).toHaveLength(3);
  });

  it('rejects a replica assignment naming an unknown broker', async () => {
    const err = await admin.createTopics({ topics: [{ topic: topicName('bad-assign'), replicaAssignment: [{ partition: 0, replicas: [7] }] }] }).catch((e) => e);
    expect(errorType(err)).toBe('INVALID_REPLICA_ASSIGNMENT');
  });

  it('adds partitions, and refuses to shrink', async () => {
    const t = topicName('grow');
    await admin.createTopics({ topics: [{ topic: t, numPartitions: 1 }] });
    await admin.createPartitions({ topicPartitions: [{ topic: t, count: 3 }] });
    expect((await admin.fetchTopicMetadata({ topics: [t] })).topics[0].partitions).toHaveLength(3);
    const err = await admin.createPartitions({ topicPartitions: [{ topic: t, count: 2 }] }).catch((e) => e);
    expect(errorType(err)).toBe('INVALID_PARTITIONS');
    // The new partitions take writes.
    await produce(t, 2, 2);
    const offsets = await admin.fetchTopicOffsets(t);
    expect(offsets.find((o) => o.partition === 2)!.high).toBe('2');
  });

  it('deletes topics, and reports unknown ones', async () => {
    const t = topicName('delete');
    await admin.createTopics({ topics: [{ topic: t }] });
    await admin.deleteTopics({ topics: [t] });
    expect(await admin.listTopics()).not.toContain(t);
    // kafkajs retries UNKNOWN_TOPIC_OR_PARTITION (metadata may lag) before giving up.
    const err = await admin.deleteTopics({ topics: [t] }).catch((e) => e);
    expect(errorType(err)).toBe('UNKNOWN_TOPIC_OR_PARTITION');
  });
});

describe('kafkajs admin: configs', () => {
  it('describes a topic with synonyms: override, broker static value, Kafka default', async () => {
    const t = topicName('synonyms');
    await admin.createTopics({ topics: [{ topic: t, configEntries: [{ name: 'max.message.bytes', value: '2000000' }] }] });
    const { resources } = await admin.describeConfigs({ resources: [{ type: TOPIC, name: t }], includeSynonyms: true });
    const entries = Object.fromEntries(resources[0].configEntries.map((e) => [e.configName, e]));
    expect(entries['max.message.bytes']).toMatchObject({ configValue: '2000000', configSource: 1, readOnly: false, isSensitive: false });
    expect(entries['max.message.bytes'].configSynonyms).toEqual([
      { configName: 'max.message.bytes', configValue: '2000000', configSource: 1 },
      { configName: 'message.max.bytes', configValue: '1048588', configSource: 5 },
    ]);
    // log.retention.ms=3600000 was given at startup: a static broker config.
    expect(entries['retention.ms']).toMatchObject({ configValue: '3600000', configSource: 4 });
    expect(entries['retention.ms'].configSynonyms[0]).toEqual({ configName: 'log.retention.ms', configValue: '3600000', configSource: 4 });
    expect(entries['cleanup.policy']).toMatchObject({ configValue: 'delete', configSource: 5, isDefault: true });
  });

  it('a produce follows max.message.bytes as AlterConfigs changes it on the topic and on the broker', async () => {
    const t = topicName('maxbytes');
    await admin.createTopics({ topics: [{ topic: t }] });
    const producer = kafka.producer({ retry: { retries: 0 } });
    await producer.connect();
    const send = () => producer.send({ topic: t, messages: [{ value: 'x'.repeat(3000), partition: 0 }] }).then(() => 'ok', (e) => errorType(e));
    try {
      expect(await send()).toBe('ok');
      await admin.alterConfigs({ validateOnly: false, resources: [{ type: TOPIC, name: t, configEntries: [{ name: 'max.message.bytes', value: '1000' }] }] });
      expect(await send()).toBe('MESSAGE_TOO_LARGE');
      await admin.alterConfigs({ validateOnly: false, resources: [{ type: TOPIC, name: t, configEntries: [] }] });
      expect(await send()).toBe('ok');
      // Without a topic override the broker's dynamic message.max.bytes applies.
      await admin.alterConfigs({ validateOnly: false, resources: [{ type: BROKER, name: '0', configEntries: [{ name: 'message.max.bytes', value: '1000' }] }] });
      expect(await send()).toBe('MESSAGE_TOO_LARGE');
    } finally {
      await admin.alterConfigs({ validateOnly: false, resources: [{ type: BROKER, name: '0', configEntries: [] }] });
      await producer.disconnect();
    }
  });

  it('describes the broker, with and without synonyms', async () => {
    const { resources } = await admin.describeConfigs({ resources: [{ type: BROKER, name: '0' }], includeSynonyms: false });
    const entries = Object.fromEntries(resources[0].configEntries.map((e) => [e.configName, e]));
    expect(entries['num.partitions']).toMatchObject({ configValue: '2', configSource: 4, readOnly: true });
    expect(entries['broker.id'].configValue).toBe('0');
    expect(entries['log.retention.hours']).toMatchObject({ configValue: '168', configSource: 5 });
    expect(entries['log.retention.ms'].configSynonyms).toEqual([]);
    const withSyn = await admin.describeConfigs({ resources: [{ type: BROKER, name: '0', configNames: ['log.retention.ms'] }], includeSynonyms: true });
    expect(withSyn.resources[0].configEntries[0].configSynonyms).toEqual([
      { configName: 'log.retention.ms', configValue: '3600000', configSource: 4 },
      { configName: 'log.retention.hours', configValue: '168', configSource: 5 },
    ]);
  });

  it('alterConfigs replaces the topic overrides, and validateOnly leaves them', async () => {
    const t = topicName('alter');
    await admin.createTopics({ topics: [{ topic: t, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }] });
    await admin.alterConfigs({ validateOnly: false, resources: [{ type: TOPIC, name: t, configEntries: [{ name: 'retention.ms', value: '5000' }] }] });
    const describe = async () => Object.fromEntries((await admin.describeConfigs({ resources: [{ type: TOPIC, name: t, configNames: ['cleanup.policy', 'retention.ms'] }], includeSynonyms: false }))
      .resources[0].configEntries.map((e) => [e.configName, e.configValue]));
    // The legacy API replaces the whole set: cleanup.policy is back to its default.
    expect(await describe()).toEqual({ 'cleanup.policy': 'delete', 'retention.ms': '5000' });
    await admin.alterConfigs({ validateOnly: true, resources: [{ type: TOPIC, name: t, configEntries: [{ name: 'retention.ms', value: '9' }] }] });
    expect((await describe())['retention.ms']).toBe('5000');
    const err = await admin.alterConfigs({ validateOnly: false, resources: [{ type: TOPIC, name: t, configEntries: [{ name: 'no.such.config', value: '1' }] }] }).catch((e) => e);
    expect(errorType(err)).toBe('INVALID_CONFIG');
  });

  it('alterConfigs on the broker sets a dynamic config that topics inherit', async () => {
    const t = topicName('inherit');
    await admin.createTopics({ topics: [{ topic: t }] });
    await admin.alterConfigs({ validateOnly: false, resources: [{ type: BROKER, name: '0', configEntries: [{ name: 'log.segment.bytes', value: '2097152' }] }] });
    try {
      const topicCfg = await admin.describeConfigs({ resources: [{ type: TOPIC, name: t, configNames: ['segment.bytes'] }], includeSynonyms: true });
      expect(topicCfg.resources[0].configEntries[0]).toMatchObject({ configValue: '2097152', configSource: 2 });
      const brokerCfg = await admin.describeConfigs({ resources: [{ type: BROKER, name: '0', configNames: ['log.segment.bytes'] }], includeSynonyms: false });
      expect(brokerCfg.resources[0].configEntries[0]).toMatchObject({ configValue: '2097152', configSource: 2, readOnly: false });
      const err = await admin.alterConfigs({ validateOnly: false, resources: [{ type: BROKER, name: '0', configEntries: [{ name: 'num.partitions', value: '5' }] }] }).catch((e) => e);
      expect(errorType(err)).toBe('INVALID_REQUEST');
    } finally {
      await admin.alterConfigs({ validateOnly: false, resources: [{ type: BROKER, name: '0', configEntries: [] }] });
    }
  });

  it('reports an unknown topic', async () => {
    const err = await admin.describeConfigs({ resources: [{ type: TOPIC, name: topicName('missing') }], includeSynonyms: false }).catch((e) => e);
    expect(errorType(err)).toBe('UNKNOWN_TOPIC_OR_PARTITION');
  });
});

describe('kafkajs admin: offsets and records', () => {
  it('fetches offsets, by timestamp, and deletes records up to an offset and to the high watermark', async () => {
    const t = topicName('records');
    await admin.createTopics({ topics: [{ topic: t, numPartitions: 1 }] });
    await produce(t, 10);
    expect(await admin.fetchTopicOffsets(t)).toEqual([expect.objectContaining({ partition: 0, offset: '10', high: '10', low: '0' })]);
    expect(await admin.fetchTopicOffsetsByTimestamp(t, 1_004_500)).toEqual([{ partition: 0, offset: '5' }]);

    await admin.deleteTopicRecords({ topic: t, partitions: [{ partition: 0, offset: '4' }] });
    expect((await admin.fetchTopicOffsets(t))[0]).toMatchObject({ low: '4', high: '10' });
    const err = await admin.deleteTopicRecords({ topic: t, partitions: [{ partition: 0, offset: '50' }] }).catch((e) => e);
    expect(err.cause.name).toBe('KafkaJSDeleteTopicRecordsError');
    expect(err.cause.partitions[0].error.type).toBe('OFFSET_OUT_OF_RANGE');
    await admin.deleteTopicRecords({ topic: t, partitions: [{ partition: 0, offset: '-1' }] });
    expect((await admin.fetchTopicOffsets(t))[0]).toMatchObject({ low: '10', high: '10' });
  });

  it('describes the cluster and topic metadata', async () => {
    const cluster = await admin.describeCluster();
    expect(cluster.brokers).toEqual([{ nodeId: 0, host: '127.0.0.1', port: broker.port }]);
    expect(cluster.controller).toBe(0);
    expect(cluster.clusterId).toBe(broker.cluster.clusterId);
    const t = topicName('meta');
    await admin.createTopics({ topics: [{ topic: t, numPartitions: 2 }] });
    const meta = await admin.fetchTopicMetadata({ topics: [t] });
    expect(meta.topics[0].partitions.map((p) => ({ id: p.partitionId, leader: p.leader, isr: p.isr }))).toEqual([
      { id: 0, leader: 0, isr: [0] },
      { id: 1, leader: 0, isr: [0] },
    ]);
  });
});

describe('kafkajs admin: three brokers', () => {
  let multi: RunningBroker;
  let madmin: Admin;
  beforeAll(async () => {
    multi = await startTestBroker({ brokers: 3 });
    madmin = kafkajs(multi).admin();
    await madmin.connect();
  });
  afterAll(async () => {
    await madmin?.disconnect();
    await multi?.stop();
  });

  it('places replicas as assigned and as the replication factor asks', async () => {
    const a = topicName('rf3');
    const b = topicName('manual3');
    await madmin.createTopics({ topics: [{ topic: a, numPartitions: 3, replicationFactor: 3 }, { topic: b, replicaAssignment: [{ partition: 0, replicas: [2, 1] }, { partition: 1, replicas: [1, 0] }] }] });
    const meta = await madmin.fetchTopicMetadata({ topics: [a, b] });
    const pa = meta.topics.find((t) => t.name === a)!.partitions;
    expect(pa.every((p) => p.replicas.length === 3)).toBe(true);
    expect(new Set(pa.map((p) => p.leader)).size).toBe(3);
    expect(meta.topics.find((t) => t.name === b)!.partitions.map((p) => [p.replicas, p.leader])).toEqual([[[2, 1], 2], [[1, 0], 1]]);
    const err = await madmin.createTopics({ topics: [{ topic: topicName('rf4'), replicationFactor: 4 }] }).catch((e) => e);
    expect(errorType(err)).toBe('INVALID_REPLICATION_FACTOR');
  });

  it('routes broker config requests to the broker they name', async () => {
    const { resources } = await madmin.describeConfigs({ resources: [{ type: BROKER, name: '2', configNames: ['broker.id'] }, { type: BROKER, name: '1', configNames: ['broker.id'] }], includeSynonyms: false });
    expect(resources.map((r) => [r.resourceName, r.configEntries[0].configValue]).sort()).toEqual([['1', '1'], ['2', '2']]);
  });
});

describe('kafkajs admin: ACLs', () => {
  let secured: RunningBroker;
  const admins: Admin[] = [];
  beforeAll(async () => {
    secured = await startTestBroker({
      port: undefined,
      listeners: 'SASL_PLAINTEXT://127.0.0.1:0',
      saslUsers: 'test:testtest,bob:bobbob',
      overrides: { 'allow.everyone.if.no.acl.found': 'true', 'super.users': 'User:test' },
    });
  });
  afterAll(async () => {
    for (const a of admins) await a.disconnect();
    await secured?.stop();
  });
  async function adminAs(username: string): Promise<Admin> {
    const a = kafkajs(secured, {
      brokers: [`127.0.0.1:${secured.brokers[0].ports.SASL_PLAINTEXT}`],
      sasl: { mechanism: 'plain', username, password: username.repeat(2) }, // test:testtest, bob:bobbob
      retry: { retries: 0 },
    }).admin();
    await a.connect();
    admins.push(a);
    return a;
  }

  it('refuses topic and cluster operations the ACLs deny', async () => {
    const root = await adminAs('test');
    const t = topicName('guarded');
    const denied = topicName('not-for-bob');
    await root.createTopics({ topics: [{ topic: t, numPartitions: 1 }] });
    const deny = (resourceType: number, resourceName: string, operation: number) =>
      ({ resourceType, resourceName, resourcePatternType: 3, principal: 'User:bob', host: '*', operation, permissionType: 2 });
    // TOPIC=2 / CLUSTER=4; ALL=2, CREATE=5; LITERAL=3; DENY=2
    await root.createAcls({ acl: [deny(2, t, 2), deny(2, denied, 5), deny(4, 'kafka-cluster', 5)] as any });

    const bob = await adminAs('bob');
    expect(errorType(await bob.createTopics({ topics: [{ topic: denied }] }).catch((e) => e))).toBe('TOPIC_AUTHORIZATION_FAILED');
    expect(errorType(await bob.deleteTopics({ topics: [t] }).catch((e) => e))).toBe('TOPIC_AUTHORIZATION_FAILED');
    expect(errorType(await bob.createPartitions({ topicPartitions: [{ topic: t, count: 2 }] }).catch((e) => e))).toBe('TOPIC_AUTHORIZATION_FAILED');
    expect(errorType(await bob.describeConfigs({ resources: [{ type: TOPIC, name: t }], includeSynonyms: false }).catch((e) => e))).toBe('TOPIC_AUTHORIZATION_FAILED');
    expect(errorType(await bob.alterConfigs({ validateOnly: false, resources: [{ type: TOPIC, name: t, configEntries: [{ name: 'retention.ms', value: '1' }] }] }).catch((e) => e))).toBe('TOPIC_AUTHORIZATION_FAILED');
    expect(errorType(await bob.describeConfigs({ resources: [{ type: BROKER, name: '0' }], includeSynonyms: false }).catch((e) => e))).toBe('CLUSTER_AUTHORIZATION_FAILED');
    expect(secured.cluster.topics.get(t)!.partitions).toHaveLength(1);
    expect(secured.cluster.topics.has(denied)).toBe(false);
    // The super user is not affected.
    await root.deleteTopics({ topics: [t] });
    expect(secured.cluster.topics.has(t)).toBe(false);
  });
});
