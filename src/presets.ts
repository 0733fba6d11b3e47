// Named configurations: what a client's test suite expects, in one flag.
import type { BrokerOptions } from './kafkalite.js';

export interface Preset {
  description: string;
  options: Partial<BrokerOptions>;
  overrides: Record<string, string>;
}

export const PRESETS: Record<string, Preset> = {
  // kafkajs v2.2.4's integration suite (its docker-compose.2_4.yml).
  'kafkajs-suite': {
    description: '3 brokers, PLAINTEXT 9092/9095/9098, SSL 9093/9096/9099, SASL_SSL 9094/9097/9100, advertised as localhost',
    options: {
      brokers: 3,
      listeners: 'PLAINTEXT://127.0.0.1:9092,SSL://127.0.0.1:9093,SASL_SSL://127.0.0.1:9094',
      advertisedHost: 'localhost',
      sslSelfSigned: true,
      saslUsers: 'test:testtest,bob:bobbob,alice:alicealice',
      scramUsers: { testscram: { 'SCRAM-SHA-256': 'testtestscram=256', 'SCRAM-SHA-512': 'testtestscram=512' } },
    },
    overrides: {
      'auto.create.topics.enable': 'true',
      'num.partitions': '2',
      'default.replication.factor': '2',
      'delete.topic.enable': 'true',
      'group.initial.rebalance.delay.ms': '0',
      'allow.everyone.if.no.acl.found': 'true',
      // Kafka 2.4 had no transaction verification (KIP-890); the suite commits offsets for unknown producers.
      'transaction.partition.verification.enable': 'false',
      // The suite asserts Kafka 2.4's topic configs and defaults (max.message.bytes 1000012, message.format.version).
      'kafkalite.emulate.version': '2.4',
    },
  },
};
