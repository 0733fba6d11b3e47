// Kafka 2.4's topic configs, as its LogConfig defined them (names, types, defaults, valid values and the
// broker config each falls back to; kafka.apache.org/24 "Topic-Level Configs", generated from LogConfig).
// Selected by `kafkalite.emulate.version=2.4` for clients whose tests expect a 2.4 broker (kafkajs's suite).
import type { ConfigDef } from './config.js';

const LONG_MAX = '9223372036854775807';

// ApiVersion values 2.4 accepted for message.format.version; its default was the latest, 2.4-IV1.
const MESSAGE_FORMAT_VERSIONS = [
  '0.8.0', '0.8.1', '0.8.2', '0.9.0', '0.10.0-IV0', '0.10.0-IV1', '0.10.1-IV0', '0.10.1-IV1', '0.10.1-IV2', '0.10.2-IV0',
  '0.11.0-IV0', '0.11.0-IV1', '0.11.0-IV2', '1.0-IV0', '1.1-IV0', '2.0-IV0', '2.0-IV1', '2.1-IV0', '2.1-IV1', '2.1-IV2',
  '2.2-IV0', '2.2-IV1', '2.3-IV0', '2.3-IV1', '2.4-IV0', '2.4-IV1',
];

export const TOPIC_CONFIGS_2_4: Record<string, ConfigDef> = {
  'cleanup.policy': { type: 'list', default: 'delete', synonyms: ['log.cleanup.policy'], valid: ['compact', 'delete'] },
  'compression.type': { type: 'string', default: 'producer', synonyms: ['compression.type'], valid: ['uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'] },
  'delete.retention.ms': { type: 'long', default: '86400000', synonyms: ['log.cleaner.delete.retention.ms'], min: 0 },
  'file.delete.delay.ms': { type: 'long', default: '60000', synonyms: ['log.segment.delete.delay.ms'], min: 0 },
  'flush.messages': { type: 'long', default: LONG_MAX, synonyms: ['log.flush.interval.messages'], min: 0 },
  'flush.ms': { type: 'long', default: LONG_MAX, synonyms: ['log.flush.interval.ms'], min: 0 },
  'follower.replication.throttled.replicas': { type: 'list', default: '' },
  'index.interval.bytes': { type: 'int', default: '4096', synonyms: ['log.index.interval.bytes'], min: 0 },
  'leader.replication.throttled.replicas': { type: 'list', default: '' },
  'max.compaction.lag.ms': { type: 'long', default: LONG_MAX, synonyms: ['log.cleaner.max.compaction.lag.ms'], min: 1 },
  // Kafka 2.4's message.max.bytes default (1000000 + the v0/v1 log overhead); 3.x/4.x raised it to 1048588.
  'max.message.bytes': { type: 'int', default: '1000012', synonyms: ['message.max.bytes'], min: 0 },
  'message.downconversion.enable': { type: 'boolean', default: 'true', synonyms: ['log.message.downconversion.enable'] },
  'message.format.version': { type: 'string', default: '2.4-IV1', synonyms: ['log.message.format.version'], valid: MESSAGE_FORMAT_VERSIONS },
  'message.timestamp.difference.max.ms': { type: 'long', default: LONG_MAX, synonyms: ['log.message.timestamp.difference.max.ms'], min: 0 },
  'message.timestamp.type': { type: 'string', default: 'CreateTime', synonyms: ['log.message.timestamp.type'], valid: ['CreateTime', 'LogAppendTime'] },
  'min.cleanable.dirty.ratio': { type: 'double', default: '0.5', synonyms: ['log.cleaner.min.cleanable.ratio'], min: 0 },
  'min.compaction.lag.ms': { type: 'long', default: '0', synonyms: ['log.cleaner.min.compaction.lag.ms'], min: 0 },
  'min.insync.replicas': { type: 'int', default: '1', synonyms: ['min.insync.replicas'], min: 1 },
  preallocate: { type: 'boolean', default: 'false', synonyms: ['log.preallocate'] },
  'retention.bytes': { type: 'long', default: '-1', synonyms: ['log.retention.bytes'] },
  'retention.ms': { type: 'long', default: '604800000', synonyms: ['log.retention.ms', 'log.retention.minutes', 'log.retention.hours'], min: -1 },
  'segment.bytes': { type: 'int', default: '1073741824', synonyms: ['log.segment.bytes'], min: 14 },
  'segment.index.bytes': { type: 'int', default: '10485760', synonyms: ['log.index.size.max.bytes'], min: 0 },
  'segment.jitter.ms': { type: 'long', default: '0', synonyms: ['log.roll.jitter.ms', 'log.roll.jitter.hours'], min: 0 },
  'segment.ms': { type: 'long', default: '604800000', synonyms: ['log.roll.ms', 'log.roll.hours'], min: 1 },
  'unclean.leader.election.enable': { type: 'boolean', default: 'false', synonyms: ['unclean.leader.election.enable'] },
};

/** 2.4's broker configs behind those topic configs where they differ from (or are missing in) Kafka 4.1's. */
export const BROKER_CONFIGS_2_4: Record<string, ConfigDef> = {
  'log.message.downconversion.enable': { type: 'boolean', default: 'true' },
  'log.message.format.version': { type: 'string', default: '2.4-IV1', valid: MESSAGE_FORMAT_VERSIONS },
  'message.max.bytes': { type: 'int', default: '1000012' },
};
