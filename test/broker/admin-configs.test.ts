// DescribeConfigs, AlterConfigs and IncrementalAlterConfigs on the wire: sources, synonyms, versions,
// validation errors with Kafka's messages, and dynamic broker configs that survive a reload.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster } from '../../src/cluster/cluster.js';
import { BrokerConfig } from '../../src/cluster/config.js';
import type { RunningBroker } from '../../src/kafkalite.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { startTestBroker, topicName } from '../compat/helpers.js';
import { RawClient } from '../coordinator/raw-client.js';

const DESCRIBE = 32;
const ALTER = 33;
const INCREMENTAL = 44;
const TOPIC = 2;
const BROKER = 4;
const BROKER_LOGGER = 8;
const [SET, DELETE, APPEND, SUBTRACT] = [0, 1, 2, 3];

let broker: RunningBroker;
let client: RawClient;
beforeAll(async () => {
  broker = await startTestBroker({ overrides: { 'log.retention.hours': '24', 'message.max.bytes': '2000000' } });
  client = await RawClient.connect(broker.port);
});
afterAll(async () => {
  client?.close();
  await broker?.stop();
});

async function newTopic(configs: Record<string, string> = {}): Promise<string> {
  const name = topicName('cfg');
  await broker.cluster.createTopic(name, { numPartitions: 1, configs });
  return name;
}

async function describeOne(version: number, resourceType: number, resourceName: string, keys: string[] | null, includeSynonyms = false, includeDocumentation = false) {
  const res = await client.send(DESCRIBE, version, { resources: [{ resourceType, resourceName, configurationKeys: keys }], includeSynonyms, includeDocumentation });
  return res.results[0];
}

const entries = (result: any): Record<string, any> => Object.fromEntries(result.configs.map((c: any) => [c.name, c]));

describe('DescribeConfigs', () => {
  it('v0 marks defaults with isDefault; v1+ reports the source', async () => {
    const name = await newTopic({ 'retention.bytes': '1000' });
    const v0 = entries(await describeOne(0, TOPIC, name, ['retention.bytes', 'segment.bytes']));
    expect(v0['retention.bytes']).toMatchObject({ value: '1000', isDefault: false, readOnly: false, isSensitive: false });
    expect(v0['segment.bytes']).toMatchObject({ value: '1073741824', isDefault: true });
    const v1 = entries(await describeOne(1, TOPIC, name, ['retention.bytes', 'segment.bytes']));
    expect(v1['retention.bytes'].configSource).toBe(1);
    expect(v1['segment.bytes'].configSource).toBe(5);
  });

  it('lists every topic config for a null or empty key list, only the named ones otherwise', async () => {
    const name = await newTopic();
    const all = await describeOne(4, TOPIC, name, null);
    expect(all.configs.length).toBeGreaterThan(25);
    expect((await describeOne(4, TOPIC, name, [])).configs).toHaveLength(all.configs.length);
    expect((await describeOne(4, TOPIC, name, ['cleanup.policy', 'unknown.name'])).configs.map((c: any) => c.name)).toEqual(['cleanup.policy']);
  });

  it('reports topic values inherited from broker synonyms, with Kafka synonym lists', async () => {
    const name = await newTopic({ 'max.message.bytes': '3000000' });
    const e = entries(await describeOne(1, TOPIC, name, null, true));
    expect(e['max.message.bytes']).toMatchObject({ value: '3000000', configSource: 1 });
    expect(e['max.message.bytes'].synonyms).toEqual([
      expect.objectContaining({ name: 'max.message.bytes', value: '3000000', source: 1 }),
      expect.objectContaining({ name: 'message.max.bytes', value: '2000000', source: 4 }),
      expect.objectContaining({ name: 'message.max.bytes', value: '1048588', source: 5 }),
    ]);
    // log.retention.hours=24 gives the value; Kafka lists synonyms from log.retention.ms on, so none here.
    expect(e['retention.ms']).toMatchObject({ value: '86400000', configSource: 5, synonyms: [] });
    // Without includeSynonyms the list is empty but the source stays.
    expect(entries(await describeOne(1, TOPIC, name, ['max.message.bytes']))['max.message.bytes']).toMatchObject({ configSource: 1, synonyms: [] });
  });

  it('v3+ reports config types, and documentation only when asked', async () => {
    const name = await newTopic();
    const e = entries(await describeOne(3, TOPIC, name, ['cleanup.policy', 'retention.ms', 'preallocate', 'min.cleanable.dirty.ratio', 'segment.bytes'], false, true));
    expect(Object.fromEntries(Object.entries(e).map(([k, v]) => [k, v.configType]))).toEqual({
      'cleanup.policy': 7, 'retention.ms': 5, preallocate: 1, 'min.cleanable.dirty.ratio': 6, 'segment.bytes': 3,
    });
    expect(entries(await describeOne(4, TOPIC, name, ['cleanup.policy']))['cleanup.policy'].documentation).toBeNull();
  });

  it('answers unknown and invalid topics per resource', async () => {
    const res = await client.send(DESCRIBE, 4, {
      resources: [
        { resourceType: TOPIC, resourceName: 'no-such-topic', configurationKeys: null },
        { resourceType: TOPIC, resourceName: 'bad/name', configurationKeys: null },
        { resourceType: 99, resourceName: 'x', configurationKeys: null },
      ],
    });
    expect(res.results.map((r: any) => [r.errorCode, r.configs.length])).toEqual([[ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 0], [ErrorCode.INVALID_TOPIC_EXCEPTION, 0], [ErrorCode.INVALID_REQUEST, 0]]);
    expect(res.results[2].errorMessage).toBe('Unsupported resource type: UNKNOWN');
  });

  it('describes the broker by id, its dynamic defaults by "", and refuses other ids', async () => {
    const e = entries(await describeOne(4, BROKER, '0', null, true));
    expect(e['message.max.bytes']).toMatchObject({ value: '2000000', configSource: 4, readOnly: false, configType: 3 });
    expect(e['num.partitions']).toMatchObject({ value: '1', configSource: 5, readOnly: true });
    expect(e['log.retention.hours'].synonyms).toEqual([
      expect.objectContaining({ name: 'log.retention.hours', value: '24', source: 4 }),
      expect.objectContaining({ name: 'log.retention.hours', value: '168', source: 5 }),
    ]);
    expect(e['listeners'].value).toBe(`PLAINTEXT://127.0.0.1:${broker.port}`);
    expect(e['log.dirs'].value).toBe('/memory');
    expect((await describeOne(4, BROKER, '', null)).configs).toEqual([]);
    const other = await describeOne(4, BROKER, '3', null);
    expect(other).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Unexpected broker id, expected 0 or empty string, but received 3' });
    expect((await describeOne(4, BROKER, 'zero', null)).errorMessage).toBe('Broker id must be an integer, but it is: zero');
  });

  it('lists no broker loggers, but checks the broker id', async () => {
    expect(await describeOne(4, BROKER_LOGGER, '0', null)).toMatchObject({ errorCode: 0, configs: [] });
    expect(await describeOne(4, BROKER_LOGGER, '', null)).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Broker id must not be empty' });
  });
});

describe('AlterConfigs', () => {
  const alter = (resources: unknown[], validateOnly = false, version = 1) => client.send(ALTER, version, { resources, validateOnly });

  it('replaces the topic override set; validate-only changes nothing', async () => {
    const name = await newTopic({ 'retention.ms': '1000', 'cleanup.policy': 'compact' });
    const r = await alter([{ resourceType: TOPIC, resourceName: name, configs: [{ name: 'segment.ms', value: '60000' }] }], true, 0);
    expect(r.responses).toMatchObject([{ errorCode: 0, errorMessage: null, resourceType: TOPIC, resourceName: name }]);
    expect(Object.fromEntries(broker.cluster.topics.get(name)!.configs)).toEqual({ 'retention.ms': '1000', 'cleanup.policy': 'compact' });
    await alter([{ resourceType: TOPIC, resourceName: name, configs: [{ name: 'segment.ms', value: '60000' }] }], false, 2);
    expect(Object.fromEntries(broker.cluster.topics.get(name)!.configs)).toEqual({ 'segment.ms': '60000' });
  });

  it('answers Kafka errors per resource', async () => {
    const name = await newTopic();
    const res = await alter([
      { resourceType: TOPIC, resourceName: name, configs: [{ name: 'retention.ms', value: '-5x' }] },
      { resourceType: TOPIC, resourceName: 'no-such-topic', configs: [{ name: 'retention.ms', value: '5' }] },
      { resourceType: TOPIC, resourceName: 'no-such-topic-2', configs: [{ name: 'retention.ms', value: 'bad' }] },
      { resourceType: TOPIC, resourceName: '', configs: [] },
      { resourceType: BROKER, resourceName: '0', configs: [{ name: 'num.partitions', value: '4' }] },
      { resourceType: BROKER, resourceName: '7', configs: [] },
      { resourceType: BROKER_LOGGER, resourceName: '0', configs: [] },
    ]);
    expect(res.responses.map((r: any) => [r.errorCode, r.errorMessage])).toEqual([
      [ErrorCode.INVALID_CONFIG, 'Invalid value -5x for configuration retention.ms: Not a number of type LONG'],
      [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "The topic 'no-such-topic' does not exist."],
      // The configs are checked before the topic's existence.
      [ErrorCode.INVALID_CONFIG, 'Invalid value bad for configuration retention.ms: Not a number of type LONG'],
      [ErrorCode.INVALID_REQUEST, 'Default topic resources are not allowed.'],
      [ErrorCode.INVALID_REQUEST, 'Cannot update these configs dynamically: Set(num.partitions)'],
      [ErrorCode.INVALID_REQUEST, 'Unexpected broker id, expected 0, but received 7'],
      [ErrorCode.INVALID_REQUEST, 'AlterConfigs does not support BROKER_LOGGER'],
    ]);
  });

  it('refuses null values, repeated keys and repeated resources', async () => {
    const name = await newTopic();
    const res = await alter([
      { resourceType: TOPIC, resourceName: name, configs: [{ name: 'retention.ms', value: null }] },
      { resourceType: BROKER, resourceName: '0', configs: [{ name: 'log.retention.ms', value: '1' }, { name: 'log.retention.ms', value: '2' }] },
    ]);
    expect(res.responses.map((r: any) => r.errorMessage)).toEqual(['Null value not supported for : retention.ms', 'Error due to duplicate config keys']);
    const dup = await alter([
      { resourceType: TOPIC, resourceName: name, configs: [] },
      { resourceType: TOPIC, resourceName: name, configs: [] },
    ]);
    expect(dup.responses.map((r: any) => [r.errorCode, r.errorMessage])).toEqual([
      [ErrorCode.INVALID_REQUEST, 'Each resource must appear at most once.'],
      [ErrorCode.INVALID_REQUEST, 'Each resource must appear at most once.'],
    ]);
  });

  it('sets dynamic broker defaults that topics inherit, reported as DYNAMIC_DEFAULT_BROKER_CONFIG', async () => {
    const name = await newTopic();
    await alter([{ resourceType: BROKER, resourceName: '', configs: [{ name: 'log.cleanup.policy', value: 'compact' }] }]);
    try {
      expect(broker.cluster.topics.get(name)!.config('cleanup.policy')).toBe('compact');
      const t = entries(await describeOne(4, TOPIC, name, ['cleanup.policy'], true))['cleanup.policy'];
      expect(t).toMatchObject({ value: 'compact', configSource: 3 });
      expect(t.synonyms.map((s: any) => [s.name, s.value, s.source])).toEqual([['log.cleanup.policy', 'compact', 3], ['log.cleanup.policy', 'delete', 5]]);
      expect((await describeOne(4, BROKER, '', null)).configs).toMatchObject([{ name: 'log.cleanup.policy', value: 'compact', configSource: 3 }]);
    } finally {
      await alter([{ resourceType: BROKER, resourceName: '', configs: [] }]);
    }
    expect(broker.cluster.topics.get(name)!.config('cleanup.policy')).toBe('delete');
  });
});

describe('IncrementalAlterConfigs', () => {
  const inc = (resources: unknown[], validateOnly = false, version = 1) => client.send(INCREMENTAL, version, { resources, validateOnly });
  const op = (name: string, configOperation: number, value: string | null = null) => ({ name, configOperation, value });

  it('sets and deletes single topic configs, leaving the others', async () => {
    const name = await newTopic({ 'retention.ms': '1000', 'segment.ms': '50000' });
    const res = await inc([{ resourceType: TOPIC, resourceName: name, configs: [op('retention.ms', SET, '2000'), op('segment.ms', DELETE), op('flush.ms', SET, '10')] }], false, 0);
    expect(res.responses).toMatchObject([{ errorCode: 0, errorMessage: null }]);
    expect(Object.fromEntries(broker.cluster.topics.get(name)!.configs)).toEqual({ 'retention.ms': '2000', 'flush.ms': '10' });
  });

  it('appends to and subtracts from list configs, starting from the default', async () => {
    const name = await newTopic();
    await inc([{ resourceType: TOPIC, resourceName: name, configs: [op('cleanup.policy', APPEND, 'compact')] }]);
    expect(broker.cluster.topics.get(name)!.configs.get('cleanup.policy')).toBe('delete,compact');
    await inc([{ resourceType: TOPIC, resourceName: name, configs: [op('cleanup.policy', SUBTRACT, 'delete')] }]);
    expect(broker.cluster.topics.get(name)!.configs.get('cleanup.policy')).toBe('compact');
    await inc([{ resourceType: TOPIC, resourceName: name, configs: [op('cleanup.policy', APPEND, 'compact')] }]);
    expect(broker.cluster.topics.get(name)!.configs.get('cleanup.policy')).toBe('compact');
  });

  it('answers Kafka errors for list operations on other types, bad values and bad requests', async () => {
    const name = await newTopic();
    const res = await inc([
      { resourceType: TOPIC, resourceName: name, configs: [op('retention.ms', APPEND, '5')] },
      { resourceType: TOPIC, resourceName: topicName('missing'), configs: [op('retention.ms', SET, '5')] },
      { resourceType: BROKER, resourceName: '0', configs: [op('log.retention.ms', SET, null)] },
      { resourceType: BROKER, resourceName: '', configs: [op('log.retention.ms', 7, '1')] },
      { resourceType: BROKER_LOGGER, resourceName: '0', configs: [op('kafka.server', SET, 'DEBUG')] },
    ]);
    expect(res.responses.map((r: any) => [r.errorCode, r.errorMessage])).toEqual([
      [ErrorCode.INVALID_CONFIG, "Can't APPEND to key retention.ms because its type is not LIST."],
      [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, expect.stringContaining('does not exist.')],
      [ErrorCode.INVALID_REQUEST, 'Null value not supported for : log.retention.ms'],
      [ErrorCode.INVALID_REQUEST, 'Unknown alter configs op type 7'],
      [ErrorCode.INVALID_CONFIG, 'Logger kafka.server does not exist!'],
    ]);
  });

  it('changes one broker config at a time, validate-only changing nothing', async () => {
    await inc([{ resourceType: BROKER, resourceName: '0', configs: [op('log.retention.ms', SET, '5000')] }], true);
    expect(broker.cluster.config.dynamicPerBroker.get(0)?.get('log.retention.ms')).toBeUndefined();
    await inc([{ resourceType: BROKER, resourceName: '0', configs: [op('log.retention.ms', SET, '5000'), op('log.segment.bytes', SET, '1048576')] }]);
    await inc([{ resourceType: BROKER, resourceName: '0', configs: [op('log.segment.bytes', DELETE)] }]);
    try {
      expect(Object.fromEntries(broker.cluster.config.dynamicPerBroker.get(0)!)).toEqual({ 'log.retention.ms': '5000' });
      const name = await newTopic();
      const t = entries(await describeOne(4, TOPIC, name, ['retention.ms'], true))['retention.ms'];
      expect(t).toMatchObject({ value: '5000', configSource: 2 });
      expect(t.synonyms.map((s: any) => [s.name, s.source])).toEqual([['log.retention.ms', 2], ['log.retention.hours', 4], ['log.retention.hours', 5]]);
      const bad = await inc([{ resourceType: BROKER, resourceName: '0', configs: [op('log.retention.ms', SET, 'soon')] }]);
      expect(bad.responses[0]).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Invalid value soon for configuration log.retention.ms: Not a number of type LONG' });

      // Dynamic broker configs are stored with the cluster metadata and come back on load.
      const reloaded = new Cluster({ brokers: broker.cluster.brokers, config: new BrokerConfig(), storage: broker.cluster.storage, logger: broker.logger });
      await reloaded.load();
      expect(reloaded.config.get('log.retention.ms')).toBe('5000');
    } finally {
      await inc([{ resourceType: BROKER, resourceName: '0', configs: [op('log.retention.ms', DELETE)] }]);
    }
    expect(broker.cluster.config.dynamicPerBroker.has(0)).toBe(false);
  });
});
