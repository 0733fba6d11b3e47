// CreateTopics, DeleteTopics and CreatePartitions on the wire, version by version, with Kafka's error codes
// and messages for the requests real clients rarely send.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBroker } from '../../src/kafkalite.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { ZERO_UUID } from '../../src/protocol/primitives.js';
import { kafkajs, startTestBroker, topicName } from '../compat/helpers.js';
import { RawClient } from '../coordinator/raw-client.js';

const CREATE_TOPICS = 19;
const DELETE_TOPICS = 20;
const CREATE_PARTITIONS = 37;

let broker: RunningBroker;
let client: RawClient;
beforeAll(async () => {
  broker = await startTestBroker({ brokers: 2, overrides: { 'num.partitions': '3' } });
  client = await RawClient.connect(broker.port);
});
afterAll(async () => {
  client?.close();
  await broker?.stop();
});

const topic = (name: string, extra: Record<string, unknown> = {}) => ({ name, numPartitions: -1, replicationFactor: -1, assignments: [], configs: [], ...extra });
const create = (version: number, topics: unknown[], validateOnly = false) => client.send(CREATE_TOPICS, version, { topics, timeoutMs: 5000, validateOnly });

describe('CreateTopics', () => {
  it('uses the broker defaults for -1 and answers v5+ with partitions, replication and configs, v7 with the id', async () => {
    const name = topicName('defaults');
    const res = await create(7, [topic(name, { configs: [{ name: 'retention.ms', value: '1234' }] })]);
    const t = res.topics[0];
    expect(t).toMatchObject({ name, errorCode: 0, errorMessage: null, numPartitions: 3, replicationFactor: 1 });
    expect(t.topicId).toBe(broker.cluster.topics.get(name)!.id);
    const configs = Object.fromEntries(t.configs.map((c: any) => [c.name, c]));
    expect(configs['retention.ms']).toMatchObject({ value: '1234', configSource: 1, readOnly: false, isSensitive: false });
    expect(configs['cleanup.policy']).toMatchObject({ value: 'delete', configSource: 5 });
    expect(t.configs.map((c: any) => c.name)).toEqual([...t.configs.map((c: any) => c.name)].sort());
  });

  it('answers v0 with only the error code, and v1 with a message', async () => {
    const name = topicName('v0');
    // Fields a version lacks decode as their schema defaults.
    expect((await create(0, [topic(name, { numPartitions: 1, replicationFactor: 1 })])).topics).toMatchObject([{ name, errorCode: 0, numPartitions: -1, errorMessage: '' }]);
    const again = await create(1, [topic(name)]);
    expect(again.topics[0]).toMatchObject({ errorCode: ErrorCode.TOPIC_ALREADY_EXISTS, errorMessage: `Topic '${name}' already exists.` });
  });

  it('refuses duplicated names in one request once per name, creating none of them', async () => {
    const dup = topicName('dup');
    const ok = topicName('ok');
    const res = await create(5, [topic(dup), topic(ok), topic(dup)]);
    expect(res.topics).toHaveLength(2);
    expect(res.topics.find((t: any) => t.name === dup)).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Duplicate topic name.', numPartitions: -1 });
    expect(res.topics.find((t: any) => t.name === ok).errorCode).toBe(0);
    expect(broker.cluster.topics.has(dup)).toBe(false);
  });

  it('validates partitions, replication and assignments with Kafka messages', async () => {
    const cases: [unknown, number, string][] = [
      [{ numPartitions: 0 }, ErrorCode.INVALID_PARTITIONS, 'Number of partitions was set to an invalid non-positive value.'],
      [{ replicationFactor: 0 }, ErrorCode.INVALID_REPLICATION_FACTOR, 'Replication factor must be larger than 0, or -1 to use the default value.'],
      [{ replicationFactor: 3 }, ErrorCode.INVALID_REPLICATION_FACTOR, 'Unable to replicate the partition 3 time(s): The target replication factor of 3 cannot be reached because only 2 broker(s) are registered.'],
      [{ replicationFactor: 1, assignments: [{ partitionIndex: 0, brokerIds: [0] }] }, ErrorCode.INVALID_REQUEST, 'A manual partition assignment was specified, but replication factor was not set to -1.'],
      [{ numPartitions: 1, assignments: [{ partitionIndex: 0, brokerIds: [0] }] }, ErrorCode.INVALID_REQUEST, 'A manual partition assignment was specified, but numPartitions was not set to -1.'],
      [{ assignments: [{ partitionIndex: 0, brokerIds: [0] }, { partitionIndex: 0, brokerIds: [1] }] }, ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'Found multiple manual partition assignments for partition 0'],
      [{ assignments: [{ partitionIndex: 0, brokerIds: [0] }, { partitionIndex: 2, brokerIds: [1] }] }, ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'partitions should be a consecutive 0-based integer sequence'],
      [{ assignments: [{ partitionIndex: 0, brokerIds: [] }] }, ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'The manual partition assignment includes an empty replica list.'],
      [{ assignments: [{ partitionIndex: 0, brokerIds: [5, 0] }] }, ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'The manual partition assignment includes broker 5, but no such broker is registered.'],
      [{ assignments: [{ partitionIndex: 0, brokerIds: [1, 1] }] }, ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'The manual partition assignment includes the broker 1 more than once.'],
      [{ assignments: [{ partitionIndex: 0, brokerIds: [0, 1] }, { partitionIndex: 1, brokerIds: [1] }] }, ErrorCode.INVALID_REPLICA_ASSIGNMENT,
        'The manual partition assignment includes a partition with 1 replica(s), but this is not consistent with previous partitions, which have 2 replica(s).'],
    ];
    for (const [extra, code, message] of cases) {
      const res = await create(4, [topic(topicName('bad'), extra as Record<string, unknown>)]);
      expect(res.topics[0], message).toMatchObject({ errorCode: code, errorMessage: message });
    }
  });

  it('validates names and configs before partitions, as Kafka orders its checks', async () => {
    const cases: [string, unknown, number, string][] = [
      ['bad name', { numPartitions: 0 }, ErrorCode.INVALID_TOPIC_EXCEPTION, 'Topic name "bad name" is illegal, it contains a character other than ASCII alphanumerics, \'.\', \'_\' and \'-\''],
      ['x'.repeat(250), {}, ErrorCode.INVALID_TOPIC_EXCEPTION, `Topic name is illegal, it can't be longer than 249 characters, topic name: ${'x'.repeat(250)}`],
      [topicName('cfg'), { replicationFactor: 7, configs: [{ name: 'retention.ms', value: 'x' }] }, ErrorCode.INVALID_CONFIG, 'Invalid value x for configuration retention.ms: Not a number of type LONG'],
      [topicName('cfg'), { configs: [{ name: 'nope', value: '1' }] }, ErrorCode.INVALID_CONFIG, 'Unknown topic config name: nope'],
      [topicName('cfg'), { configs: [{ name: 'cleanup.policy', value: 'shred' }] }, ErrorCode.INVALID_CONFIG, 'Invalid value shred for configuration cleanup.policy: String must be one of: compact, delete'],
      [topicName('cfg'), { configs: [{ name: 'min.insync.replicas', value: '0' }] }, ErrorCode.INVALID_CONFIG, 'Invalid value 0 for configuration min.insync.replicas: Value must be at least 1'],
      [topicName('cfg'), { configs: [{ name: 'retention.ms', value: null }, { name: 'segment.ms', value: null }] }, ErrorCode.INVALID_CONFIG, 'Null value not supported for topic configs: retention.ms,segment.ms'],
    ];
    for (const [name, extra, code, message] of cases) {
      const res = await create(5, [topic(name, extra as Record<string, unknown>)]);
      expect(res.topics[0], message).toMatchObject({ errorCode: code, errorMessage: message, numPartitions: -1, replicationFactor: -1 });
    }
  });

  it('refuses to create the KRaft metadata topic', async () => {
    expect((await create(7, [topic('__cluster_metadata')])).topics[0]).toMatchObject({
      errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Creation of internal topic __cluster_metadata is prohibited.',
    });
  });

  it('refuses a name that collides with an existing one through . and _', async () => {
    const base = `${topicName('coll')}.x`;
    await create(5, [topic(base)]);
    const other = base.replace('.x', '_x');
    const res = await create(5, [topic(other)]);
    expect(res.topics[0]).toMatchObject({ errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, errorMessage: `Topic '${other}' collides with existing topic: ${base}` });
  });

  it('validate-only reports what would be created and creates nothing', async () => {
    const name = topicName('dry');
    const res = await create(7, [topic(name, { assignments: [{ partitionIndex: 0, brokerIds: [1, 0] }, { partitionIndex: 1, brokerIds: [0, 1] }] })], true);
    expect(res.topics[0]).toMatchObject({ errorCode: 0, numPartitions: 2, replicationFactor: 2, topicId: ZERO_UUID });
    expect(broker.cluster.topics.has(name)).toBe(false);
  });

  it('creates with a manual assignment, leaders being the first replicas', async () => {
    const name = topicName('manual');
    await create(5, [topic(name, { assignments: [{ partitionIndex: 1, brokerIds: [0, 1] }, { partitionIndex: 0, brokerIds: [1, 0] }] })]);
    const t = broker.cluster.topics.get(name)!;
    expect(t.partitions.map((p) => [p.replicas, p.leader])).toEqual([[[1, 0], 1], [[0, 1], 0]]);
  });
});

describe('DeleteTopics', () => {
  it('deletes by name (v0-5) and reports unknown names', async () => {
    const name = topicName('del');
    await create(5, [topic(name)]);
    const res = await client.send(DELETE_TOPICS, 5, { topicNames: [name, 'no-such-topic'], timeoutMs: 1000 });
    expect(res.responses).toMatchObject([
      { name: 'no-such-topic', errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: 'This server does not host this topic-partition.' },
      { name, errorCode: 0, errorMessage: null },
    ]);
    expect(broker.cluster.topics.has(name)).toBe(false);
  });

  it('deletes by id (v6) and checks ids, names and duplicates as Kafka does', async () => {
    const a = topicName('del-id');
    const b = topicName('del-both');
    await create(7, [topic(a), topic(b)]);
    const idA = broker.cluster.topics.get(a)!.id;
    const idB = broker.cluster.topics.get(b)!.id;
    const unknownId = 'AAAAAAAAAAAAAAAAAAAAAQ';
    const res = await client.send(DELETE_TOPICS, 6, {
      timeoutMs: 1000,
      topics: [
        { name: null, topicId: idA },
        { name: null, topicId: unknownId },
        { name: null, topicId: ZERO_UUID },
        { name: b, topicId: idB },
        { name: 'dup', topicId: ZERO_UUID },
        { name: 'dup', topicId: ZERO_UUID },
      ],
    });
    const byKey = (name: string | null, id: string) => res.responses.find((r: any) => r.name === name && r.topicId === id);
    expect(byKey(a, idA)).toMatchObject({ errorCode: 0, errorMessage: null });
    expect(byKey(null, unknownId)).toMatchObject({ errorCode: ErrorCode.UNKNOWN_TOPIC_ID, errorMessage: 'This server does not host this topic ID.' });
    expect(byKey(null, ZERO_UUID)).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Neither topic name nor id were specified.' });
    expect(byKey(b, idB)).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'You may not specify both topic name and topic id.' });
    expect(byKey('dup', ZERO_UUID)).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Duplicate topic name.' });
    expect(res.responses).toHaveLength(5);
    expect(broker.cluster.topics.has(a)).toBe(false);
    expect(broker.cluster.topics.has(b)).toBe(true);
  });

  it('refuses a name that maps to an id given in the same request', async () => {
    const a = topicName('alias');
    await create(7, [topic(a)]);
    const id = broker.cluster.topics.get(a)!.id;
    const res = await client.send(DELETE_TOPICS, 6, { timeoutMs: 1000, topics: [{ name: null, topicId: id }, { name: a, topicId: ZERO_UUID }] });
    expect(res.responses).toMatchObject([{ name: a, topicId: id, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'The provided topic name maps to an ID that was already supplied.' }]);
    expect(res.responses).toHaveLength(1);
    expect(broker.cluster.topics.has(a)).toBe(true);
  });

  it('answers TOPIC_DELETION_DISABLED (INVALID_REQUEST before v3) when delete.topic.enable=false', async () => {
    const off = await startTestBroker({ overrides: { 'delete.topic.enable': 'false' } });
    const c = await RawClient.connect(off.port);
    try {
      await off.cluster.createTopic('keep');
      expect((await c.send(DELETE_TOPICS, 4, { topicNames: ['keep'], timeoutMs: 1000 })).responses[0].errorCode).toBe(ErrorCode.TOPIC_DELETION_DISABLED);
      expect((await c.send(DELETE_TOPICS, 2, { topicNames: ['keep'], timeoutMs: 1000 })).responses[0].errorCode).toBe(ErrorCode.INVALID_REQUEST);
      expect(off.cluster.topics.has('keep')).toBe(true);
    } finally {
      c.close();
      await off.stop();
    }
  });
});

describe('CreatePartitions', () => {
  const grow = (version: number, topics: unknown[], validateOnly = false) => client.send(CREATE_PARTITIONS, version, { topics, timeoutMs: 1000, validateOnly });

  it('adds partitions automatically or as assigned, and validate-only adds none', async () => {
    const name = topicName('grow');
    await create(5, [topic(name, { numPartitions: 1, replicationFactor: 2 })]);
    expect((await grow(3, [{ name, count: 2, assignments: null }], true)).results).toMatchObject([{ name, errorCode: 0, errorMessage: null }]);
    expect(broker.cluster.topics.get(name)!.partitions).toHaveLength(1);
    expect((await grow(0, [{ name, count: 2, assignments: null }])).results[0].errorCode).toBe(0);
    expect((await grow(1, [{ name, count: 3, assignments: [{ brokerIds: [1, 0] }] }])).results[0].errorCode).toBe(0);
    const t = broker.cluster.topics.get(name)!;
    expect(t.partitions.map((p) => p.replicas.length)).toEqual([2, 2, 2]);
    expect(t.partitions[2].replicas).toEqual([1, 0]);
  });

  it('answers Kafka errors for bad counts, assignments, duplicates and unknown topics', async () => {
    const name = topicName('grow-bad');
    await create(5, [topic(name, { numPartitions: 2, replicationFactor: 1 })]);
    const cases: [unknown, number, string | null][] = [
      [{ name, count: 2, assignments: null }, ErrorCode.INVALID_PARTITIONS, 'Topic already has 2 partition(s).'],
      [{ name, count: 1, assignments: null }, ErrorCode.INVALID_PARTITIONS, `The topic ${name} currently has 2 partition(s); 1 would not be an increase.`],
      [{ name, count: 4, assignments: [{ brokerIds: [0] }] }, ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'Attempted to add 2 additional partition(s), but only 1 assignment(s) were specified.'],
      [{ name, count: 3, assignments: [{ brokerIds: [0, 1] }] }, ErrorCode.INVALID_REPLICA_ASSIGNMENT,
        'The manual partition assignment includes a partition with 2 replica(s), but this is not consistent with previous partitions, which have 1 replica(s).'],
      [{ name: 'no-such-topic', count: 3, assignments: null }, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, null],
    ];
    for (const [t, code, message] of cases) {
      expect((await grow(2, [t])).results[0], String(message)).toMatchObject({ errorCode: code, errorMessage: message });
    }
    const dup = await grow(2, [{ name, count: 5, assignments: null }, { name, count: 6, assignments: null }]);
    expect(dup.results).toMatchObject([{ name, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Duplicate topic name.' }]);
    expect(dup.results).toHaveLength(1);
    expect(broker.cluster.topics.get(name)!.partitions).toHaveLength(2);
  });

  it('refuses, as a whole, a request that would add more than 10,000 partitions (Kafka controller limit)', async () => {
    const a = topicName('cap-a');
    const b = topicName('cap-b');
    const many = await create(5, [topic(a, { numPartitions: 9000 }), topic(b, { numPartitions: 1001 })]);
    expect(many.topics).toMatchObject([a, b].map((name) => ({ name, errorCode: ErrorCode.POLICY_VIOLATION, errorMessage: 'Excessively large number of partitions per request.' })));
    expect(broker.cluster.topics.has(a) || broker.cluster.topics.has(b)).toBe(false);
    // Through a real client: kafkajs reports the policy violation; the same topic with 10,000 is created.
    const admin = kafkajs(broker).admin();
    await admin.connect();
    try {
      await expect(admin.createTopics({ topics: [{ topic: a, numPartitions: 10_001 }] })).rejects.toMatchObject({ errors: [{ type: 'POLICY_VIOLATION' }] });
      await create(5, [topic(a, { numPartitions: 1, replicationFactor: 1 })]);
      await expect(admin.createPartitions({ topicPartitions: [{ topic: a, count: 10_002 }] })).rejects.toMatchObject({ type: 'POLICY_VIOLATION' });
      expect((await grow(2, [{ name: a, count: 10_001, assignments: null }])).results[0].errorCode).toBe(0);
      expect(broker.cluster.topics.get(a)!.partitions).toHaveLength(10_001);
    } finally {
      await admin.disconnect();
    }
  });
});
