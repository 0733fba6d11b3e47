// Shared setup for tests with real clients: an in-process kafkalite on a free port and client factories.
import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';
import { startBroker, type BrokerOptions, type RunningBroker } from '../../src/kafkalite.js';

export async function startTestBroker(opts: BrokerOptions = {}): Promise<RunningBroker> {
  return startBroker({ port: 0, memory: true, logLevel: process.env.KAFKALITE_TEST_LOG ?? 'silent', ...opts });
}

export function kafkajs(broker: RunningBroker, extra: Partial<KafkaConfig> = {}): Kafka {
  return new Kafka({
    clientId: 'kafkalite-test',
    brokers: broker.bootstrap.split(','),
    logLevel: logLevel.NOTHING,
    retry: { retries: 3, initialRetryTime: 50 },
    ...extra,
  });
}

let seq = 0;
/** A topic name unique within this test run. */
export function topicName(prefix = 'topic'): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${seq++}`;
}
