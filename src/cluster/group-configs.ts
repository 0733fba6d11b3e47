// Group configs (KIP-848: ConfigResource type GROUP in DescribeConfigs / AlterConfigs / IncrementalAlterConfigs):
// per group id, overrides of the broker's group.consumer.* (and group.share.*, group.streams.*) settings, validated
// as Kafka's GroupConfig does and kept with the cluster's metadata. A group need not exist to have them. The
// consumer.* and share.* ones change behaviour here (kafkalite has no streams groups: those are stored and described).
import { KafkaError } from '../protocol/errors.js';
import type { Storage } from '../storage/types.js';
import { validateConfig, type BrokerConfig, type ConfigDef } from './config.js';
import { NamedConfigs } from './named-configs.js';

interface GroupConfigDef extends ConfigDef {
  /** The broker config that is this config's default (its synonym in DescribeConfigs), if it has one. */
  broker?: string;
  /** Broker configs bounding the value (Kafka's GroupConfig.validateValues); null: no lower bound but `min`. */
  range?: [min: string | null, max: string];
}

const timeout = (kind: string, what: 'session.timeout' | 'heartbeat.interval'): GroupConfigDef => ({
  type: 'int',
  default: what === 'session.timeout' ? '45000' : '5000',
  min: 1,
  broker: `group.${kind}.${what}.ms`,
  range: [`group.${kind}.min.${what}.ms`, `group.${kind}.max.${what}.ms`],
});

export const GROUP_CONFIGS: Record<string, GroupConfigDef> = {
  'consumer.heartbeat.interval.ms': timeout('consumer', 'heartbeat.interval'),
  'consumer.session.timeout.ms': timeout('consumer', 'session.timeout'),
  // latest, earliest or by_duration:<ISO-8601 duration> (checked in validate, as Kafka's ShareGroupAutoOffsetResetStrategy).
  'share.auto.offset.reset': { type: 'string', default: 'latest' },
  'share.heartbeat.interval.ms': timeout('share', 'heartbeat.interval'),
  'share.isolation.level': { type: 'string', default: 'read_uncommitted', valid: ['read_committed', 'read_uncommitted'] },
  'share.record.lock.duration.ms': {
    type: 'int', default: '30000', min: 1000, broker: 'group.share.record.lock.duration.ms',
    range: ['group.share.min.record.lock.duration.ms', 'group.share.max.record.lock.duration.ms'],
  },
  'share.session.timeout.ms': timeout('share', 'session.timeout'),
  'streams.heartbeat.interval.ms': timeout('streams', 'heartbeat.interval'),
  'streams.num.standby.replicas': { type: 'int', default: '0', min: 0, broker: 'group.streams.num.standby.replicas', range: [null, 'group.streams.max.standby.replicas'] },
  'streams.session.timeout.ms': timeout('streams', 'session.timeout'),
};

/**
 * The milliseconds of a `by_duration:<duration>` reset strategy, the duration in java.time.Duration's ISO-8601 form
 * (PnDTnHnMn.nS, non-negative); null when `value` is not one.
 */
export function byDurationMs(value: string): number | null {
  const m = /^by_duration:P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)(?:[.,](\d{0,9}))?S)?)?$/i.exec(value);
  if (!m || /T$/i.test(value) || value.length === 'by_duration:P'.length) return null;
  const [d, h, min, sec, frac] = m.slice(1).map((x) => x ?? '');
  return ((Number(d) * 24 + Number(h)) * 60 + Number(min)) * 60000 + Number(sec) * 1000 + Math.floor(Number(`0.${frac || 0}`) * 1000);
}

export class GroupConfigs extends NamedConfigs {
  constructor(storage: Storage, private readonly config: BrokerConfig) {
    super(storage, 'group-configs');
  }

  /** The group's value of a config: its override, else the broker config it defaults to. */
  value(groupId: string, name: string): string {
    return this.overrides(groupId).get(name) ?? this.brokerValue(name) ?? '';
  }

  int(groupId: string, name: string): number {
    return Number(this.value(groupId, name));
  }

  /** The broker-level value a group config falls back to (its own default where the broker has no such config). */
  brokerValue(name: string): string | null {
    const def = GROUP_CONFIGS[name];
    return def.broker ? this.config.get(def.broker) : def.default;
  }

  /** Kafka's GroupConfig.validate: known names, parsable values, within the broker's bounds, session > heartbeat. */
  validate(next: ReadonlyMap<string, string>): void {
    for (const [name, value] of next) {
      if (!(name in GROUP_CONFIGS)) throw new KafkaError('INVALID_CONFIG', `Unknown group config name: ${name}`);
      validateConfig(GROUP_CONFIGS, name, value);
      if (name === 'share.auto.offset.reset' && value !== 'latest' && value !== 'earliest' && byDurationMs(value) === null) {
        throw new KafkaError('INVALID_CONFIG', `Invalid value ${value} for configuration ${name}: Invalid value \`${value}\` for configuration ${name}. The value must be either 'earliest', 'latest' or of the format 'by_duration:<PnDTnHnMn.nS.>'.`);
      }
    }
    const value = (name: string) => Number(next.get(name) ?? this.brokerValue(name));
    for (const [name, def] of Object.entries(GROUP_CONFIGS)) {
      if (!def.range) continue;
      const [min, max] = def.range;
      if (min !== null && value(name) < this.config.int(min)) throw new KafkaError('INVALID_CONFIG', `${name} must be greater than or equal to ${min}`);
      if (value(name) > this.config.int(max)) throw new KafkaError('INVALID_CONFIG', `${name} must be less than or equal to ${max}`);
    }
    for (const kind of ['consumer', 'share', 'streams']) {
      if (value(`${kind}.session.timeout.ms`) <= value(`${kind}.heartbeat.interval.ms`)) {
        throw new KafkaError('INVALID_CONFIG', `${kind}.session.timeout.ms must be greater than ${kind}.heartbeat.interval.ms`);
      }
    }
  }
}
