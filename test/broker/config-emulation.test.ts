// kafkalite.emulate.version: DescribeConfigs, topic config validation and the max.message.bytes limit follow
// Kafka 2.4 when asked, and stay Kafka 4.1's otherwise.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCli, UsageError } from '../../src/cli.js';
import { BrokerConfig } from '../../src/cluster/config.js';
import type { RunningBroker } from '../../src/kafkalite.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { kafkajs, startTestBroker, topicName } from '../compat/helpers.js';
import { RawClient } from '../coordinator/raw-client.js';

const DESCRIBE = 32;
const ALTER = 33;
const INCREMENTAL = 44;
const TOPIC = 2;
const BROKER = 4;
const LONG_MAX = '9223372036854775807';

// Kafka 2.4's topic configs (its documentation's "Topic-Level Configs"), written out here so the table can be
// checked against something other than itself.
const KAFKA_2_4_TOPIC_CONFIGS = [
  'cleanup.policy', 'compression.type', 'delete.retention.ms', 'file.delete.delay.ms', 'flush.messages', 'flush.ms',
  'follower.replication.throttled.replicas', 'index.interval.bytes', 'leader.replication.throttled.replicas',
  'max.compaction.lag.ms', 'max.message.bytes', 'message.downconversion.enable', 'message.format.version',
  'message.timestamp.difference.max.ms', 'message.timestamp.type', 'min.cleanable.dirty.ratio', 'min.compaction.lag.ms',
  'min.insync.replicas', 'preallocate', 'retention.bytes', 'retention.ms', 'segment.bytes', 'segment.index.bytes',
  'segment.jitter.ms', 'segment.ms', 'unclean.leader.election.enable',
];

interface Side {
  broker: RunningBroker;
  client: RawClient;
}
let modern: Side;
let old: Side;

async function start(overrides: Record<string, string>): Promise<Side> {
  const broker = await startTestBroker({ overrides });
  return { broker, client: await RawClient.connect(broker.port) };
}
beforeAll(async () => {
  modern = await start({});
  old = await start({ 'kafkalite.emulate.version': '2.4' });
});
afterAll(async () => {
  for (const s of [modern, old]) {
    s?.client.close();
    await s?.broker.stop();
  }
});

async function newTopic(s: Side, configs: Record<string, string> = {}): Promise<string> {
  const name = topicName('emu');
  await s.broker.cluster.createTopic(name, { numPartitions: 1, configs });
  return name;
}

async function describeAll(s: Side, resourceType: number, resourceName: string, includeSynonyms = false) {
  const res = await s.client.send(DESCRIBE, 1, { resources: [{ resourceType, resourceName, configurationKeys: null }], includeSynonyms });
  return Object.fromEntries(res.results[0].configs.map((c: any) => [c.name, c])) as Record<string, any>;
}

describe('DescribeConfigs', () => {
  it('lists Kafka 4.1 topic configs and defaults without emulation', async () => {
    const e = await describeAll(modern, TOPIC, await newTopic(modern));
    expect(e['max.message.bytes']).toMatchObject({ value: '1048588', configSource: 5 });
    expect(e['local.retention.ms']).toBeDefined();
    expect(e['message.timestamp.before.max.ms']).toBeDefined();
    expect(e['message.format.version']).toBeUndefined();
  });

  it('lists exactly Kafka 2.4 topic configs with 2.4 defaults under kafkalite.emulate.version=2.4', async () => {
    const e = await describeAll(old, TOPIC, await newTopic(old));
    expect(Object.keys(e).sort()).toEqual(KAFKA_2_4_TOPIC_CONFIGS);
    expect(e['max.message.bytes']).toMatchObject({ value: '1000012', configSource: 5, readOnly: false, synonyms: [] });
    expect(e['message.format.version']).toMatchObject({ value: '2.4-IV1', configSource: 5 });
    expect(e['message.downconversion.enable']).toMatchObject({ value: 'true', configSource: 5 });
    expect(e['flush.messages'].value).toBe(LONG_MAX);
    for (const c of Object.values(e)) expect(c.configSource, c.name).toBe(5);
  });

  it('reports the 2.4 broker defaults behind them, and the emulation itself as a static broker config', async () => {
    const t = await describeAll(old, TOPIC, await newTopic(old), true);
    expect(t['max.message.bytes'].synonyms).toEqual([expect.objectContaining({ name: 'message.max.bytes', value: '1000012', source: 5 })]);
    const b = await describeAll(old, BROKER, '0');
    expect(b['message.max.bytes']).toMatchObject({ value: '1000012', configSource: 5, readOnly: false });
    expect(b['log.message.format.version']).toMatchObject({ value: '2.4-IV1', readOnly: false });
    expect(b['kafkalite.emulate.version']).toMatchObject({ value: '2.4', configSource: 4, readOnly: true });
    expect(b['log.message.timestamp.before.max.ms']).toBeUndefined();
    const m = await describeAll(modern, BROKER, '0');
    expect(m['message.max.bytes'].value).toBe('1048588');
    expect(m['kafkalite.emulate.version']).toMatchObject({ value: '4.1', configSource: 5 });
    expect(m['log.message.format.version']).toBeUndefined();
  });
});

describe('topic config validation', () => {
  it('accepts the configs of the emulated version only', async () => {
    await expect(newTopic(old, { 'message.format.version': '2.3-IV1' })).resolves.toBeTruthy();
    await expect(newTopic(old, { 'message.format.version': '3.0-IV1' })).rejects.toMatchObject({ code: ErrorCode.INVALID_CONFIG });
    await expect(newTopic(old, { 'local.retention.ms': '1000' })).rejects.toMatchObject({ code: ErrorCode.INVALID_CONFIG });
    await expect(newTopic(modern, { 'message.format.version': '2.3-IV1' })).rejects.toMatchObject({ code: ErrorCode.INVALID_CONFIG });
    await expect(newTopic(modern, { 'local.retention.ms': '1000' })).resolves.toBeTruthy();
  });

  it('alters them with AlterConfigs and IncrementalAlterConfigs', async () => {
    const name = await newTopic(old);
    const inc = await old.client.send(INCREMENTAL, 1, {
      resources: [{ resourceType: TOPIC, resourceName: name, configs: [{ name: 'message.format.version', configOperation: 0, value: '1.1-IV0' }] }],
      validateOnly: false,
    });
    expect(inc.responses[0].errorCode).toBe(ErrorCode.NONE);
    expect((await describeAll(old, TOPIC, name))['message.format.version']).toMatchObject({ value: '1.1-IV0', configSource: 1 });
    const alter = await old.client.send(ALTER, 1, {
      resources: [{ resourceType: TOPIC, resourceName: name, configs: [{ name: 'message.timestamp.after.max.ms', value: '1000' }] }],
      validateOnly: false,
    });
    expect(alter.responses[0]).toMatchObject({ errorCode: ErrorCode.INVALID_CONFIG, errorMessage: expect.stringContaining('message.timestamp.after.max.ms') });
  });

  it('refuses an unknown emulated version', () => {
    expect(() => new BrokerConfig({ 'kafkalite.emulate.version': '3.0' })).toThrow(/kafkalite.emulate.version/);
    expect(parseCli(['--emulate-kafka', '2.4'], {}).opts.overrides).toMatchObject({ 'kafkalite.emulate.version': '2.4' });
    expect(parseCli(['--preset', 'kafkajs-suite'], {}).opts.overrides).toMatchObject({ 'kafkalite.emulate.version': '2.4' });
    expect(() => parseCli(['--emulate-kafka', '2.5'], {})).toThrow(UsageError);
  });

  it('keeps 4.1 behaviour for configs 2.4 did not have', () => {
    const cfg = new BrokerConfig({ 'kafkalite.emulate.version': '2.4' });
    expect(cfg.topicDefault('max.message.bytes').value).toBe('1000012');
    // Produce still reads these; 2.4 had no such limits, which is what their 4.1 defaults mean.
    expect(cfg.topicDefault('message.timestamp.before.max.ms').value).toBe(LONG_MAX);
    expect(cfg.topicDefault('message.timestamp.after.max.ms').value).toBe(LONG_MAX);
  });
});

describe('max.message.bytes enforcement', () => {
  // Between 2.4's limit (1000012) and 4.1's (1048588): what DescribeConfigs reports is what Produce enforces.
  const value = Buffer.alloc(1_020_000, 'x');
  async function produce(s: Side): Promise<unknown> {
    const topic = await newTopic(s);
    const producer = kafkajs(s.broker, { retry: { retries: 0 } }).producer();
    await producer.connect();
    try {
      return await producer.send({ topic, acks: 1, messages: [{ value }] });
    } finally {
      await producer.disconnect();
    }
  }

  it('refuses a batch over 2.4 limit under emulation, accepts it without', async () => {
    await expect(produce(old)).rejects.toMatchObject({ type: 'MESSAGE_TOO_LARGE' });
    await expect(produce(modern)).resolves.toMatchObject([{ errorCode: 0 }]);
  });
});
