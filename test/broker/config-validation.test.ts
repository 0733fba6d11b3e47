// Config validation and layering without a broker: Kafka's INVALID_CONFIG messages per config type, which
// broker configs are dynamic, and how dynamic, static and default values stack up.
import { describe, expect, it } from 'vitest';
import { BROKER_CONFIGS, BrokerConfig, TOPIC_CONFIGS, brokerSynonyms, isDynamicBrokerConfig, validateConfig } from '../../src/cluster/config.js';
import { KafkaError } from '../../src/protocol/errors.js';

function configError(name: string, value: string | null): { code: string; message: string } | null {
  try {
    validateConfig(TOPIC_CONFIGS, name, value);
    return null;
  } catch (e) {
    expect(e).toBeInstanceOf(KafkaError);
    return { code: (e as KafkaError).errorName, message: (e as Error).message };
  }
}

describe('topic config validation', () => {
  it('answers INVALID_CONFIG with Kafka ConfigException messages', () => {
    const cases: [string, string, string][] = [
      ['preallocate', 'yes', 'Invalid value yes for configuration preallocate: Expected value to be either true or false'],
      ['segment.bytes', '1.5', 'Invalid value 1.5 for configuration segment.bytes: Not a number of type INT'],
      ['retention.ms', '', 'Invalid value  for configuration retention.ms: Not a number of type LONG'],
      ['min.cleanable.dirty.ratio', 'half', 'Invalid value half for configuration min.cleanable.dirty.ratio: Not a number of type DOUBLE'],
      ['segment.bytes', '10', 'Invalid value 10 for configuration segment.bytes: Value must be at least 14'],
      ['message.timestamp.type', 'createtime', 'Invalid value createtime for configuration message.timestamp.type: String must be one of: CreateTime, LogAppendTime'],
      ['compression.type', 'brotli', 'Invalid value brotli for configuration compression.type: String must be one of: uncompressed, zstd, lz4, snappy, gzip, producer'],
      ['cleanup.policy', 'compact,archive', 'Invalid value compact,archive for configuration cleanup.policy: String must be one of: compact, delete'],
      ['retention.msec', '1', 'Unknown topic config name: retention.msec'],
    ];
    for (const [name, value, message] of cases) expect(configError(name, value), name).toEqual({ code: 'INVALID_CONFIG', message });
  });

  it('accepts valid values of every type', () => {
    for (const [name, value] of [['preallocate', 'TRUE'], ['retention.ms', '-1'], ['min.cleanable.dirty.ratio', '0.25'], ['cleanup.policy', 'compact, delete'], ['compression.type', 'zstd']]) {
      expect(configError(name, value), name).toBeNull();
    }
  });
});

describe('broker configs', () => {
  it('knows the synonym groups and which configs may change at runtime', () => {
    expect(brokerSynonyms('log.retention.hours')).toEqual(['log.retention.ms', 'log.retention.minutes', 'log.retention.hours']);
    expect(brokerSynonyms('num.partitions')).toEqual(['num.partitions']);
    expect(isDynamicBrokerConfig('log.retention.ms')).toBe(true);
    expect(isDynamicBrokerConfig('message.max.bytes')).toBe(true);
    expect(isDynamicBrokerConfig('num.partitions')).toBe(false);
    expect(isDynamicBrokerConfig('no.such.config')).toBe(false);
    // Every topic config's broker synonyms are known broker configs, so DescribeConfigs can list their defaults.
    for (const def of Object.values(TOPIC_CONFIGS)) for (const s of def.synonyms ?? []) {
      if (s !== 'log.message.downconversion.enable') expect(BROKER_CONFIGS[s], s).toBeDefined();
    }
  });

  it('stacks dynamic per-broker over dynamic default over static over Kafka default', () => {
    const c = new BrokerConfig({ 'log.segment.bytes': '2000000' });
    expect(c.get('log.segment.bytes')).toBe('2000000');
    c.setDynamic(null, new Map([['log.segment.bytes', '3000000']]));
    expect(c.get('log.segment.bytes')).toBe('3000000');
    c.setDynamic(0, new Map([['log.segment.bytes', '4000000']]));
    expect(c.get('log.segment.bytes')).toBe('4000000');
    expect(c.topicDefault('segment.bytes')).toEqual({ value: '4000000', source: 'broker', synonym: 'log.segment.bytes' });
    expect(c.explicit('log.segment.bytes')).toBe('2000000');
  });

  it('takes the most specific retention synonym set at any level, converting units', () => {
    const c = new BrokerConfig({ 'log.retention.ms': '5000' });
    c.setDynamic(null, new Map([['log.retention.hours', '1']]));
    expect(c.topicDefault('retention.ms')).toEqual({ value: '5000', source: 'broker', synonym: 'log.retention.ms' });
    const h = new BrokerConfig();
    h.setDynamic(null, new Map([['log.retention.hours', '2']]));
    expect(h.topicDefault('retention.ms').value).toBe('7200000');
    expect(new BrokerConfig().topicDefault('retention.ms')).toEqual({ value: '604800000', source: 'default' });
  });
});
