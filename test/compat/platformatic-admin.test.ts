// @platformatic/kafka 1.x's Admin against kafkalite: it speaks the flexible versions (CreateTopics v7,
// DeleteTopics v6, DescribeConfigs v4, IncrementalAlterConfigs v1, DescribeLogDirs v4, DeleteRecords v2...).
import { Admin, alterReplicaLogDirsV2, ClientQuotaEntityTypes, Connection, ClientQuotaKeys, ClientQuotaMatchTypes, ConfigResourceTypes, IncrementalAlterConfigOperationTypes, Producer, stringSerializers } from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBroker } from '../../src/kafkalite.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { apiCodes, platformaticResponse, startTestBroker, topicName } from './helpers.js';

let broker: RunningBroker;
let admin: Admin;
beforeAll(async () => {
  broker = await startTestBroker({ overrides: { 'num.partitions': '2' } });
  admin = new Admin({ clientId: 'kafkalite-test', bootstrapBrokers: broker.bootstrap.split(','), retries: 1 });
});
afterAll(async () => {
  await admin?.close();
  await broker?.stop();
});

/** A topic id as @platformatic/kafka prints it (hex, dashed like a Java UUID). */
function uuidString(base64: string): string {
  const h = Buffer.from(base64, 'base64url').toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

describe('@platformatic/kafka Admin', () => {
  it('creates topics (v7: id, partitions, replicas, configs), lists and deletes them', async () => {
    const a = topicName('pa');
    const b = topicName('pb');
    const created = await admin.createTopics({ topics: [a, b], partitions: 3, configs: [{ name: 'retention.ms', value: '60000' }] });
    expect(created.map((t) => t.name).sort()).toEqual([a, b].sort());
    const ca = created.find((t) => t.name === a)!;
    expect(ca).toMatchObject({ id: uuidString(broker.cluster.topics.get(a)!.id), partitions: 3, replicas: 1 });
    expect(ca.configuration['retention.ms']).toBe('60000');
    expect(ca.configuration['cleanup.policy']).toBe('delete');

    // Omitted partitions/replicas go as -1: the broker defaults.
    const d = topicName('pdefault');
    expect((await admin.createTopics({ topics: [d] }))[0].partitions).toBe(2);

    expect(await admin.listTopics()).toEqual(expect.arrayContaining([a, b, d]));
    await admin.deleteTopics({ topics: [a, d] });
    const left = await admin.listTopics();
    expect(left).toContain(b);
    expect(left).not.toContain(a);
  });

  it('surfaces TOPIC_ALREADY_EXISTS, unknown topics on delete, and manual assignments', async () => {
    const a = topicName('pexists');
    await admin.createTopics({ topics: [a] });
    expect(apiCodes(await admin.createTopics({ topics: [a] }).catch((e) => e))).toContain(ErrorCode.TOPIC_ALREADY_EXISTS);
    expect(apiCodes(await admin.deleteTopics({ topics: [topicName('pmissing')] }).catch((e) => e))).toContain(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const m = topicName('pmanual');
    const [created] = await admin.createTopics({ topics: [m], assignments: [{ partition: 0, brokers: [0] }, { partition: 1, brokers: [0] }] });
    expect(created).toMatchObject({ partitions: 2, replicas: 1 });
  });

  it('adds partitions', async () => {
    const t = topicName('pgrow');
    await admin.createTopics({ topics: [t], partitions: 1 });
    // No assignments: automatic placement. An empty list would have to name every new partition, as in Kafka.
    await admin.createPartitions({ topics: [{ name: t, count: 3 }] });
    expect(broker.cluster.topics.get(t)!.partitions).toHaveLength(3);
    const err = await admin.createPartitions({ topics: [{ name: t, count: 4, assignments: [] }] }).catch((e) => e);
    expect(apiCodes(err)).toContain(ErrorCode.INVALID_REPLICA_ASSIGNMENT);
    await admin.createPartitions({ topics: [{ name: t, count: 4, assignments: [{ brokerIds: [0] }] }] });
    expect(broker.cluster.topics.get(t)!.partitions).toHaveLength(4);
  });

  it('describes topic and broker configs, with synonyms and documentation flags', async () => {
    const t = topicName('pcfg');
    await admin.createTopics({ topics: [t], configs: [{ name: 'cleanup.policy', value: 'compact' }] });
    const [topicCfg, brokerCfg] = [
      ...(await admin.describeConfigs({ resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: t, configurationKeys: ['cleanup.policy', 'segment.bytes'] }], includeSynonyms: true })),
      ...(await admin.describeConfigs({ resources: [{ resourceType: ConfigResourceTypes.BROKER, resourceName: '0', configurationKeys: ['num.partitions'] }] })),
    ];
    const byName = Object.fromEntries(topicCfg.configs.map((c) => [c.name, c]));
    expect(byName['cleanup.policy']).toMatchObject({ value: 'compact', configSource: 1, configType: 7 });
    expect(byName['cleanup.policy'].synonyms.map((s) => [s.name, s.source])).toEqual([['cleanup.policy', 1], ['log.cleanup.policy', 5]]);
    expect(byName['segment.bytes']).toMatchObject({ value: '1073741824', configSource: 5 });
    expect(brokerCfg.configs).toMatchObject([{ name: 'num.partitions', value: '2', configSource: 4, readOnly: true }]);
  });

  it('alters configs, legacy and incremental', async () => {
    const t = topicName('palter');
    await admin.createTopics({ topics: [t] });
    await admin.alterConfigs({ resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: t, configs: [{ name: 'retention.ms', value: '1000' }, { name: 'segment.ms', value: '2000' }] }] });
    await admin.incrementalAlterConfigs({
      resources: [{
        resourceType: ConfigResourceTypes.TOPIC,
        resourceName: t,
        configs: [
          { name: 'segment.ms', configOperation: IncrementalAlterConfigOperationTypes.DELETE },
          { name: 'cleanup.policy', configOperation: IncrementalAlterConfigOperationTypes.APPEND, value: 'compact' },
        ],
      }],
    });
    expect(Object.fromEntries(broker.cluster.topics.get(t)!.configs)).toEqual({ 'retention.ms': '1000', 'cleanup.policy': 'delete,compact' });
    const err = await admin.incrementalAlterConfigs({ resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: t, configs: [{ name: 'retention.ms', configOperation: IncrementalAlterConfigOperationTypes.SET, value: 'never' }] }] }).catch((e) => e);
    expect(apiCodes(err)).toContain(ErrorCode.INVALID_CONFIG);
  });

  it('describes log dirs and deletes records', async () => {
    const t = topicName('precords');
    await admin.createTopics({ topics: [t], partitions: 1 });
    const producer = new Producer({ clientId: 'kafkalite-test', bootstrapBrokers: broker.bootstrap.split(','), serializers: stringSerializers });
    try {
      await producer.send({ messages: Array.from({ length: 5 }, (_, i) => ({ topic: t, value: `v${i}`, partition: 0 })), acks: -1 });
    } finally {
      await producer.close();
    }
    const dirs = await admin.describeLogDirs({ topics: [{ name: t, partitions: [0] }] });
    expect(dirs).toHaveLength(1);
    expect(dirs[0].broker).toBe(0);
    expect(dirs[0].results[0].logDir).toBe('/memory');
    const size = dirs[0].results[0].topics.find((x) => x.name === t)!.partitions[0].partitionSize;
    expect(Number(size)).toBeGreaterThan(0);

    const deleted = await admin.deleteRecords({ topics: [{ name: t, partitions: [{ partition: 0, offset: 3n }] }] });
    expect(deleted).toEqual([{ name: t, partitions: [{ partition: 0, lowWatermark: 3n }] }]);
    expect(broker.cluster.partition(t, 0)!.logStartOffset).toBe(3);
  });

  it('moves a replica only to the log dir it is in (AlterReplicaLogDirs v2 codec)', async () => {
    const t = topicName('plogdirs');
    await admin.createTopics({ topics: [t], partitions: 2 });
    const conn = new Connection('kafkalite-test');
    await conn.connect('127.0.0.1', broker.port);
    try {
      const dirs = [
        { path: '/memory', topics: [{ name: t, partitions: [0, 1] }, { name: `${t}-missing`, partitions: [0] }] },
        { path: '/elsewhere', topics: [{ name: t, partitions: [5] }] },
      ];
      const r = await platformaticResponse(alterReplicaLogDirsV2.api.async(conn, dirs));
      expect(r.results.map((x: any) => [x.topicName, x.partitions.map((p: any) => [p.partitionIndex, p.errorCode])])).toEqual([
        [t, [[0, 0], [1, 0], [5, ErrorCode.LOG_DIR_NOT_FOUND]]],
        [`${t}-missing`, [[0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]],
      ]);
    } finally {
      await conn.close();
    }
  });

  it('alters and describes client quotas', async () => {
    const { USER, CLIENT_ID } = ClientQuotaEntityTypes;
    const altered = await admin.alterClientQuotas({
      entries: [
        { entities: [{ entityType: USER, entityName: 'pk-user' }], ops: [{ key: ClientQuotaKeys.PRODUCER_BYTE_RATE, value: 1048576, remove: false }] },
        { entities: [{ entityType: USER, entityName: 'pk-user' }, { entityType: CLIENT_ID, entityName: null }], ops: [{ key: ClientQuotaKeys.REQUEST_PERCENTAGE, value: 25, remove: false }] },
      ],
    });
    expect(altered.map((e) => e.errorCode)).toEqual([0, 0]);
    const described = await admin.describeClientQuotas({ components: [{ entityType: USER, matchType: ClientQuotaMatchTypes.EXACT, match: 'pk-user' }] });
    expect(described.map((e) => ({ entity: e.entity, values: e.values }))).toEqual([
      { entity: [{ entityType: USER, entityName: 'pk-user' }], values: [{ key: 'producer_byte_rate', value: 1048576 }] },
      { entity: [{ entityType: USER, entityName: 'pk-user' }, { entityType: CLIENT_ID, entityName: null }], values: [{ key: 'request_percentage', value: 25 }] },
    ]);
    const strictDefault = await admin.describeClientQuotas({ components: [{ entityType: CLIENT_ID, matchType: ClientQuotaMatchTypes.DEFAULT }], strict: true });
    expect(strictDefault).toEqual([]);
    const bad = await admin.alterClientQuotas({ entries: [{ entities: [{ entityType: USER, entityName: 'pk-user' }], ops: [{ key: ClientQuotaKeys.CONSUMER_BYTE_RATE, value: 0.5, remove: false }] }] }).catch((e) => e);
    expect(apiCodes(bad)).toEqual([ErrorCode.INVALID_REQUEST]); // consumer_byte_rate is a whole number of bytes
    await admin.alterClientQuotas({ entries: [{ entities: [{ entityType: USER, entityName: 'pk-user' }], ops: [{ key: ClientQuotaKeys.PRODUCER_BYTE_RATE, remove: true }] }] });
    const after = await admin.describeClientQuotas({ components: [{ entityType: USER, matchType: ClientQuotaMatchTypes.EXACT, match: 'pk-user' }], strict: true });
    expect(after).toEqual([]);
  });

  it('sets and describes group configs (ConfigResource GROUP), validated as Kafka', async () => {
    const group = topicName('pk-group-cfg');
    await admin.incrementalAlterConfigs({
      resources: [{ resourceType: ConfigResourceTypes.GROUP, resourceName: group, configs: [
        { name: 'consumer.session.timeout.ms', configOperation: IncrementalAlterConfigOperationTypes.SET, value: '50000' },
        { name: 'consumer.heartbeat.interval.ms', configOperation: IncrementalAlterConfigOperationTypes.SET, value: '6000' },
      ] }],
    });
    const [described] = await admin.describeConfigs({ resources: [{ resourceType: ConfigResourceTypes.GROUP, resourceName: group }] });
    const byName = Object.fromEntries(described.configs.map((c) => [c.name, [c.value, c.configSource]]));
    expect(byName).toMatchObject({ 'consumer.session.timeout.ms': ['50000', 8], 'consumer.heartbeat.interval.ms': ['6000', 8], 'share.auto.offset.reset': ['latest', 5] });
    const outOfRange = await admin.incrementalAlterConfigs({
      resources: [{ resourceType: ConfigResourceTypes.GROUP, resourceName: group, configs: [{ name: 'consumer.session.timeout.ms', configOperation: IncrementalAlterConfigOperationTypes.SET, value: '1000' }] }],
    }).catch((e) => e);
    expect(apiCodes(outOfRange)).toEqual([ErrorCode.INVALID_CONFIG]);
  });
});
