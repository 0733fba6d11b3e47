// Kafka's config names, types and defaults for topics and brokers (the ones kafkalite knows).
// Topic configs fall back to a broker synonym (e.g. retention.ms <- log.retention.ms) and then to the default,
// which is how DescribeConfigs reports sources and synonyms.
import { KafkaError } from '../protocol/errors.js';
import { BROKER_CONFIGS_2_4, TOPIC_CONFIGS_2_4 } from './config-kafka-2.4.js';

export type ConfigType = 'boolean' | 'string' | 'int' | 'short' | 'long' | 'double' | 'list' | 'password' | 'class';
// DescribeConfigs type codes (KIP-569)
export const CONFIG_TYPE_CODE: Record<ConfigType, number> = { boolean: 1, string: 2, int: 3, short: 4, long: 5, double: 6, list: 7, class: 8, password: 9 };

export interface ConfigDef {
  type: ConfigType;
  default: string | null;
  /** Broker configs that act as this topic config's default, most specific first. */
  synonyms?: string[];
  /** Allowed values (case-sensitive, as Kafka's ValidString/ValidList). */
  valid?: string[];
  min?: number;
  doc?: string;
}

const LONG_MAX = '9223372036854775807';

export const TOPIC_CONFIGS: Record<string, ConfigDef> = {
  'cleanup.policy': { type: 'list', default: 'delete', synonyms: ['log.cleanup.policy'], valid: ['compact', 'delete'] },
  'compression.type': { type: 'string', default: 'producer', synonyms: ['compression.type'], valid: ['uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'] },
  'delete.retention.ms': { type: 'long', default: '86400000', synonyms: ['log.cleaner.delete.retention.ms'], min: 0 },
  'file.delete.delay.ms': { type: 'long', default: '60000', synonyms: ['log.segment.delete.delay.ms'], min: 0 },
  'flush.messages': { type: 'long', default: LONG_MAX, synonyms: ['log.flush.interval.messages'], min: 1 },
  'flush.ms': { type: 'long', default: LONG_MAX, synonyms: ['log.flush.interval.ms'], min: 0 },
  'follower.replication.throttled.replicas': { type: 'list', default: '' },
  'index.interval.bytes': { type: 'int', default: '4096', synonyms: ['log.index.interval.bytes'], min: 0 },
  'leader.replication.throttled.replicas': { type: 'list', default: '' },
  'local.retention.bytes': { type: 'long', default: '-2', synonyms: ['log.local.retention.bytes'] },
  'local.retention.ms': { type: 'long', default: '-2', synonyms: ['log.local.retention.ms'] },
  'max.compaction.lag.ms': { type: 'long', default: LONG_MAX, synonyms: ['log.cleaner.max.compaction.lag.ms'], min: 1 },
  'max.message.bytes': { type: 'int', default: '1048588', synonyms: ['message.max.bytes'], min: 0 },
  'message.downconversion.enable': { type: 'boolean', default: 'true', synonyms: ['log.message.downconversion.enable'] },
  'message.timestamp.after.max.ms': { type: 'long', default: LONG_MAX, synonyms: ['log.message.timestamp.after.max.ms'], min: 0 },
  'message.timestamp.before.max.ms': { type: 'long', default: LONG_MAX, synonyms: ['log.message.timestamp.before.max.ms'], min: 0 },
  'message.timestamp.difference.max.ms': { type: 'long', default: LONG_MAX, synonyms: ['log.message.timestamp.difference.max.ms'], min: 0 },
  'message.timestamp.type': { type: 'string', default: 'CreateTime', synonyms: ['log.message.timestamp.type'], valid: ['CreateTime', 'LogAppendTime'] },
  'min.cleanable.dirty.ratio': { type: 'double', default: '0.5', synonyms: ['log.cleaner.min.cleanable.ratio'], min: 0 },
  'min.compaction.lag.ms': { type: 'long', default: '0', synonyms: ['log.cleaner.min.compaction.lag.ms'], min: 0 },
  'min.insync.replicas': { type: 'int', default: '1', synonyms: ['min.insync.replicas'], min: 1 },
  preallocate: { type: 'boolean', default: 'false', synonyms: ['log.preallocate'] },
  'remote.storage.enable': { type: 'boolean', default: 'false' },
  'retention.bytes': { type: 'long', default: '-1', synonyms: ['log.retention.bytes'] },
  'retention.ms': { type: 'long', default: '604800000', synonyms: ['log.retention.ms', 'log.retention.minutes', 'log.retention.hours'] },
  'segment.bytes': { type: 'int', default: '1073741824', synonyms: ['log.segment.bytes'], min: 14 },
  'segment.index.bytes': { type: 'int', default: '10485760', synonyms: ['log.index.size.max.bytes'], min: 4 },
  'segment.jitter.ms': { type: 'long', default: '0', synonyms: ['log.roll.jitter.ms', 'log.roll.jitter.hours'], min: 0 },
  'segment.ms': { type: 'long', default: '604800000', synonyms: ['log.roll.ms', 'log.roll.hours'], min: 1 },
  'unclean.leader.election.enable': { type: 'boolean', default: 'false', synonyms: ['unclean.leader.election.enable'] },
};

export const BROKER_CONFIGS: Record<string, ConfigDef> = {
  'advertised.listeners': { type: 'string', default: null },
  // Only enforced by an authorizer (see src/security/acl.ts); Kafka's default.
  'allow.everyone.if.no.acl.found': { type: 'boolean', default: 'false' },
  'authorizer.class.name': { type: 'string', default: '' },
  'auto.create.topics.enable': { type: 'boolean', default: 'true' },
  'auto.leader.rebalance.enable': { type: 'boolean', default: 'true' },
  // The first broker's id; the others in this process follow it (node.id is KRaft's name for it).
  'broker.id': { type: 'int', default: '0' },
  // The rack of every broker (one value: the brokers share this config); per broker: --broker-racks / racks.
  'broker.rack': { type: 'string', default: null },
  'broker.session.timeout.ms': { type: 'int', default: '9000' },
  'compression.type': { type: 'string', default: 'producer' },
  'connection.failed.authentication.delay.ms': { type: 'int', default: '100', min: 0 },
  'connections.max.reauth.ms': { type: 'long', default: '0' },
  'default.replication.factor': { type: 'int', default: '1' },
  'delete.topic.enable': { type: 'boolean', default: 'true' },
  // Kafka's default is 3000; a dev/CI broker should hand a lone consumer its assignment at once.
  'group.initial.rebalance.delay.ms': { type: 'int', default: '0' },
  'group.max.session.timeout.ms': { type: 'int', default: '1800000' },
  'group.max.size': { type: 'int', default: '2147483647' },
  'group.min.session.timeout.ms': { type: 'int', default: '6000' },
  'group.consumer.assignors': { type: 'list', default: 'uniform,range' },
  'group.consumer.heartbeat.interval.ms': { type: 'int', default: '5000' },
  'group.consumer.max.heartbeat.interval.ms': { type: 'int', default: '15000' },
  'group.consumer.max.session.timeout.ms': { type: 'int', default: '60000' },
  'group.consumer.max.size': { type: 'int', default: '2147483647' },
  'group.consumer.min.heartbeat.interval.ms': { type: 'int', default: '5000' },
  'group.consumer.min.session.timeout.ms': { type: 'int', default: '45000' },
  'group.consumer.session.timeout.ms': { type: 'int', default: '45000' },
  // Share groups (KIP-932, src/coordinator/share/). Kafka 4.1 ships them disabled (share.version feature), 4.2 enabled;
  // kafkalite follows 4.2. group.share.enable=false starts with share.version 0 (src/cluster/features.ts): the share
  // APIs answer UNSUPPORTED_VERSION, as 4.1 does without the feature.
  'group.share.enable': { type: 'boolean', default: 'true' },
  'group.share.assignors': { type: 'list', default: 'simple' },
  'group.share.delivery.count.limit': { type: 'int', default: '5' },
  'group.share.max.share.sessions': { type: 'int', default: '2000' },
  'group.share.max.size': { type: 'int', default: '200' },
  'group.share.partition.max.record.locks': { type: 'int', default: '2000' },
  'group.share.heartbeat.interval.ms': { type: 'int', default: '5000' },
  'group.share.max.heartbeat.interval.ms': { type: 'int', default: '15000' },
  'group.share.max.record.lock.duration.ms': { type: 'int', default: '60000' },
  'group.share.max.session.timeout.ms': { type: 'int', default: '60000' },
  'group.share.min.heartbeat.interval.ms': { type: 'int', default: '5000' },
  'group.share.min.record.lock.duration.ms': { type: 'int', default: '15000' },
  'group.share.min.session.timeout.ms': { type: 'int', default: '45000' },
  'group.share.record.lock.duration.ms': { type: 'int', default: '30000' },
  'group.share.session.timeout.ms': { type: 'int', default: '45000' },
  // Streams groups do not exist here; these bound and default their group configs (group-configs.ts).
  'group.streams.heartbeat.interval.ms': { type: 'int', default: '5000' },
  'group.streams.max.heartbeat.interval.ms': { type: 'int', default: '15000' },
  'group.streams.max.session.timeout.ms': { type: 'int', default: '60000' },
  'group.streams.max.standby.replicas': { type: 'int', default: '2' },
  'group.streams.min.heartbeat.interval.ms': { type: 'int', default: '5000' },
  'group.streams.min.session.timeout.ms': { type: 'int', default: '45000' },
  'group.streams.num.standby.replicas': { type: 'int', default: '0' },
  'group.streams.session.timeout.ms': { type: 'int', default: '45000' },
  'leader.imbalance.check.interval.seconds': { type: 'long', default: '300' },
  'leader.imbalance.per.broker.percentage': { type: 'int', default: '10' },
  listeners: { type: 'string', default: 'PLAINTEXT://127.0.0.1:9092' },
  // The log cleaner's pass period when it found nothing to clean (file engine).
  'log.cleaner.backoff.ms': { type: 'long', default: '15000', min: 0 },
  'log.cleaner.delete.retention.ms': { type: 'long', default: '86400000' },
  'log.cleaner.enable': { type: 'boolean', default: 'true' },
  'log.cleaner.max.compaction.lag.ms': { type: 'long', default: LONG_MAX },
  'log.cleaner.min.cleanable.ratio': { type: 'double', default: '0.5' },
  'log.cleaner.min.compaction.lag.ms': { type: 'long', default: '0' },
  'log.cleanup.policy': { type: 'list', default: 'delete' },
  'log.dirs': { type: 'string', default: null },
  'log.flush.interval.messages': { type: 'long', default: LONG_MAX },
  'log.flush.interval.ms': { type: 'long', default: null },
  'log.index.interval.bytes': { type: 'int', default: '4096' },
  'log.index.size.max.bytes': { type: 'int', default: '10485760' },
  'log.local.retention.bytes': { type: 'long', default: '-2' },
  'log.local.retention.ms': { type: 'long', default: '-2' },
  'log.message.timestamp.after.max.ms': { type: 'long', default: LONG_MAX },
  'log.message.timestamp.before.max.ms': { type: 'long', default: LONG_MAX },
  'log.message.timestamp.difference.max.ms': { type: 'long', default: LONG_MAX },
  'log.message.timestamp.type': { type: 'string', default: 'CreateTime' },
  'log.preallocate': { type: 'boolean', default: 'false' },
  'log.retention.bytes': { type: 'long', default: '-1' },
  'log.retention.check.interval.ms': { type: 'long', default: '300000' },
  'log.retention.hours': { type: 'int', default: '168' },
  'log.retention.minutes': { type: 'int', default: null },
  'log.retention.ms': { type: 'long', default: null },
  'log.roll.hours': { type: 'int', default: '168' },
  'log.roll.jitter.hours': { type: 'int', default: '0' },
  'log.roll.jitter.ms': { type: 'long', default: null },
  'log.roll.ms': { type: 'long', default: null },
  'log.segment.delete.delay.ms': { type: 'long', default: '60000' },
  'log.segment.bytes': { type: 'int', default: '1073741824' },
  'message.max.bytes': { type: 'int', default: '1048588' },
  'min.insync.replicas': { type: 'int', default: '1' },
  'node.id': { type: 'int', default: '0' },
  'num.partitions': { type: 'int', default: '1' },
  'offset.metadata.max.bytes': { type: 'int', default: '4096' },
  'offsets.retention.check.interval.ms': { type: 'long', default: '600000' },
  'offsets.retention.minutes': { type: 'int', default: '10080' },
  'offsets.topic.num.partitions': { type: 'int', default: '50' },
  'offsets.topic.replication.factor': { type: 'short', default: '3' },
  'offsets.topic.segment.bytes': { type: 'int', default: '104857600' },
  'replica.lag.time.max.ms': { type: 'long', default: '30000' },
  // KIP-392: the leader points consumers that name their rack at a replica in it (src/broker/fetch-replica.ts).
  'replica.selector.class': { type: 'string', default: null, valid: ['org.apache.kafka.common.replica.RackAwareReplicaSelector', 'org.apache.kafka.common.replica.LeaderSelector'] },
  // Kafka's default is GSSAPI, which kafkalite does not implement; all the mechanisms it does are enabled.
  'sasl.enabled.mechanisms': { type: 'list', default: 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512,OAUTHBEARER' },
  // Client quota rates are measured over quota.window.num samples of quota.window.size.seconds (Kafka's defaults).
  'quota.window.num': { type: 'int', default: '11', min: 1 },
  'quota.window.size.seconds': { type: 'int', default: '1', min: 1 },
  // The controller mutation quota's token bucket (KIP-599, src/cluster/mutation-quota.ts).
  'controller.quota.window.num': { type: 'int', default: '11', min: 1 },
  'controller.quota.window.size.seconds': { type: 'int', default: '1', min: 1 },
  'max.request.partition.size.limit': { type: 'int', default: '2000', min: 1 },
  'socket.request.max.bytes': { type: 'int', default: '104857600' },
  'ssl.client.auth': { type: 'string', default: 'none', valid: ['required', 'requested', 'none'] },
  'super.users': { type: 'string', default: null },
  'producer.id.expiration.check.interval.ms': { type: 'int', default: '600000' },
  'producer.id.expiration.ms': { type: 'int', default: '86400000' },
  'transaction.abort.timed.out.transaction.cleanup.interval.ms': { type: 'int', default: '10000' },
  // kafkalite's own: which Kafka version's topic configs (names, defaults, validation) the broker presents.
  'kafkalite.emulate.version': { type: 'string', default: '4.1', valid: ['4.1', '2.4'] },
  // kafkalite's own: the topic that receives the metrics clients push (KIP-714); unset, the telemetry APIs are not
  // advertised, as on a Kafka without a client telemetry receiver plugin.
  'kafkalite.client.metrics.topic': { type: 'string', default: null },
  // kafkalite's own: how long a partition reassignment stays in progress before the new replicas are in sync.
  'kafkalite.reassignment.delay.ms': { type: 'int', default: '500' },
  'telemetry.max.bytes': { type: 'int', default: '1048576', min: 1 },
  'transaction.max.timeout.ms': { type: 'int', default: '900000' },
  'transaction.partition.verification.enable': { type: 'boolean', default: 'true' },
  'transaction.remove.expired.transaction.cleanup.interval.ms': { type: 'int', default: '3600000' },
  'transaction.state.log.num.partitions': { type: 'int', default: '50' },
  'transaction.state.log.min.isr': { type: 'int', default: '2' },
  'transaction.state.log.replication.factor': { type: 'short', default: '3' },
  'transaction.state.log.segment.bytes': { type: 'int', default: '104857600' },
  'transactional.id.expiration.ms': { type: 'int', default: '604800000' },
  'unclean.leader.election.enable': { type: 'boolean', default: 'false' },
};

/** Validates one config value against its definition, throwing Kafka's INVALID_CONFIG. */
export function validateConfig(defs: Record<string, ConfigDef>, name: string, value: string | null): void {
  const def = defs[name];
  if (!def) throw new KafkaError('INVALID_CONFIG', `Unknown topic config name: ${name}`);
  if (value === null) return;
  const bad = (why: string) => new KafkaError('INVALID_CONFIG', `Invalid value ${value} for configuration ${name}: ${why}`);
  switch (def.type) {
    case 'boolean':
      if (!/^(true|false)$/i.test(value.trim())) throw bad('Expected value to be either true or false');
      break;
    case 'int': case 'short': case 'long': {
      if (!/^-?\d+$/.test(value.trim())) throw bad(`Not a number of type ${def.type.toUpperCase()}`);
      const n = Number(value);
      if (def.min !== undefined && n < def.min) throw bad(`Value must be at least ${def.min}`);
      break;
    }
    case 'double': {
      const n = Number(value);
      if (value.trim() === '' || Number.isNaN(n)) throw bad('Not a number of type DOUBLE');
      if (def.min !== undefined && n < def.min) throw bad(`Value must be at least ${def.min}`);
      break;
    }
    case 'list':
      if (def.valid) for (const v of value.split(',').map((s) => s.trim()).filter(Boolean)) {
        if (!def.valid.includes(v)) throw bad(`String must be one of: ${def.valid.join(', ')}`);
      }
      break;
    case 'string':
      if (def.valid && !def.valid.includes(value)) throw bad(`String must be one of: ${def.valid.join(', ')}`);
      break;
  }
}

const EMULATE_VERSION = 'kafkalite.emulate.version';

/**
 * The configs a broker presents to clients: Kafka 4.1's, or an older version's when kafkalite.emulate.version
 * selects one. Topic configs the emulated version lacks are neither described nor accepted, but the broker
 * still applies their 4.1 defaults internally (e.g. no message.timestamp.before.max.ms limit).
 */
export interface ConfigSurface {
  version: string;
  topic: Record<string, ConfigDef>;
  broker: Record<string, ConfigDef>;
  /** Broker configs AlterConfigs may change at runtime: the topic-config synonyms (Kafka's DynamicLogConfig). */
  dynamic: Set<string>;
}

function makeSurface(version: string, topic: Record<string, ConfigDef>, brokerChanges: Record<string, ConfigDef>): ConfigSurface {
  const synonymsOf = (defs: Record<string, ConfigDef>) => new Set(Object.values(defs).flatMap((d) => d.synonyms ?? []));
  const own = synonymsOf(topic);
  const broker = { ...BROKER_CONFIGS, ...brokerChanges };
  // Broker configs that only stand for topic configs this version lacks did not exist in it either.
  for (const n of synonymsOf(TOPIC_CONFIGS)) if (!own.has(n) && !(n in brokerChanges)) delete broker[n];
  return { version, topic, broker, dynamic: new Set([...own].filter((n) => n in broker)) };
}

const SURFACES: Record<string, ConfigSurface> = {
  '4.1': makeSurface('4.1', TOPIC_CONFIGS, {}),
  '2.4': makeSurface('2.4', TOPIC_CONFIGS_2_4, BROKER_CONFIGS_2_4),
};
export const DEFAULT_SURFACE = SURFACES['4.1'];

/** The surface for a kafkalite.emulate.version value (unset: 4.1); INVALID_CONFIG for a version it lacks. */
export function configSurface(version: string | undefined): ConfigSurface {
  if (version === undefined) return DEFAULT_SURFACE;
  validateConfig(BROKER_CONFIGS, EMULATE_VERSION, version);
  return SURFACES[version];
}

/** Broker config values: Kafka defaults overlaid with `--override` / CLI values, then with dynamic configs. */
export class BrokerConfig {
  private values = new Map<string, string>();
  private readonly dynDefault = new Map<string, string>();
  private readonly dynPerBroker = new Map<number, ReadonlyMap<string, string>>();
  private current: ConfigSurface;
  /**
   * Bumped by every change. Topics cache their effective configs (Topic.config) for as long as it stays the same:
   * a Produce reads about eight of them, and resolving each through overrides and synonyms every time was a
   * measurable part of a single-record request.
   */
  version = 0;
  constructor(overrides: Record<string, string> = {}) {
    for (const [k, v] of Object.entries(overrides)) this.values.set(k, v);
    this.current = configSurface(this.values.get(EMULATE_VERSION));
  }
  /** The topic and broker configs this broker presents (kafkalite.emulate.version). */
  get surface(): ConfigSurface {
    return this.current;
  }
  set(name: string, value: string | null): void {
    if (name === EMULATE_VERSION) this.current = configSurface(value ?? undefined);
    if (value === null) this.values.delete(name);
    else this.values.set(name, value);
    this.version++;
  }
  /** Dynamic cluster-wide defaults (AlterConfigs on the BROKER resource named ""). */
  get dynamicDefault(): ReadonlyMap<string, string> {
    return this.dynDefault;
  }
  /** Dynamic per-broker configs (AlterConfigs on the BROKER resource named by a broker id). */
  get dynamicPerBroker(): ReadonlyMap<number, ReadonlyMap<string, string>> {
    return this.dynPerBroker;
  }
  /** Replaces the dynamic configs of one broker, or with `nodeId` null the dynamic cluster-wide defaults. */
  setDynamic(nodeId: number | null, configs: ReadonlyMap<string, string>): void {
    if (nodeId === null) {
      this.dynDefault.clear();
      for (const [k, v] of configs) this.dynDefault.set(k, v);
    } else if (configs.size > 0) this.dynPerBroker.set(nodeId, new Map(configs));
    else this.dynPerBroker.delete(nodeId);
    this.version++;
  }
  /** The statically set value (overrides / CLI), or undefined. */
  explicit(name: string): string | undefined {
    return this.values.get(name);
  }
  /** The value set at any level above Kafka's default: dynamic per-broker, dynamic default, then static. */
  private lookup(name: string): string | undefined {
    // kafkalite's brokers share one configuration in-process, so a per-broker dynamic value applies to all.
    for (const m of this.dynPerBroker.values()) {
      const v = m.get(name);
      if (v !== undefined) return v;
    }
    return this.dynDefault.get(name) ?? this.values.get(name);
  }
  get(name: string): string | null {
    return this.lookup(name) ?? (this.current.broker[name] ?? BROKER_CONFIGS[name])?.default ?? null;
  }
  int(name: string): number {
    return Number(this.get(name));
  }
  bool(name: string): boolean {
    return String(this.get(name)).toLowerCase() === 'true';
  }
  entries(): [string, string][] {
    return [...this.values];
  }
  /** The broker-level value standing in for a topic config, with the synonym it came from. */
  topicDefault(name: string): { value: string | null; source: 'broker' | 'default'; synonym?: string } {
    // A config the emulated version lacks still has its 4.1 default inside the broker.
    const def = this.current.topic[name] ?? TOPIC_CONFIGS[name];
    // As Kafka's KafkaConfig: the most specific synonym set at any level wins (log.retention.ms over .hours).
    for (const syn of def?.synonyms ?? []) {
      const v = this.lookup(syn);
      if (v !== undefined) return { value: convertSynonym(syn, v), source: 'broker', synonym: syn };
    }
    return { value: def?.default ?? null, source: 'default' };
  }
}

// Broker configs that stand for one another, most specific first (Kafka's DynamicBrokerConfig.brokerConfigSynonyms).
const BROKER_SYNONYM_GROUPS = [
  ['log.roll.ms', 'log.roll.hours'],
  ['log.roll.jitter.ms', 'log.roll.jitter.hours'],
  ['log.flush.interval.ms', 'log.flush.scheduler.interval.ms'],
  ['log.retention.ms', 'log.retention.minutes', 'log.retention.hours'],
];

export function brokerSynonyms(name: string): string[] {
  return BROKER_SYNONYM_GROUPS.find((g) => g.includes(name)) ?? [name];
}

/** Broker configs AlterConfigs may change at runtime: the topic-config synonyms (Kafka's DynamicLogConfig). */
export function isDynamicBrokerConfig(name: string, surface: ConfigSurface = DEFAULT_SURFACE): boolean {
  return surface.dynamic.has(name);
}

// log.retention.hours=1 means retention.ms=3600000, and so on.
function convertSynonym(syn: string, v: string): string {
  if (syn.endsWith('.hours')) return String(Number(v) * 3600000);
  if (syn.endsWith('.minutes')) return String(Number(v) * 60000);
  return v;
}
