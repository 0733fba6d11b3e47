// KIP-714 client telemetry through real clients: @platformatic/kafka's admin sets a client metrics subscription
// (ConfigResource CLIENT_METRICS); librdkafka 2.15 (under @confluentinc/kafka-javascript) asks for its subscriptions,
// pushes its metrics at the subscribed interval, and a last time when it closes; kafkalite writes them to the
// receiver topic (kafkalite.client.metrics.topic), read back here with kafkajs, or hands them to an in-process callback
// (startBroker({ onClientTelemetry })). librdkafka pushes by default (enable.metrics.push=true) once a broker advertises
// the telemetry APIs.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Admin, ConfigResourceTypes, IncrementalAlterConfigOperationTypes } from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientTelemetryPush } from '../../src/index.js';
import type { RunningBroker } from '../../src/kafkalite.js';
import { clientPath } from './clients/run.js';
import { kafkajs, startTestBroker, topicName } from './helpers.js';

const dir = clientPath('confluent-js');
const installed = existsSync(join(dir, 'node_modules/@confluentinc/kafka-javascript/package.json'));
if (!installed) console.warn('client-telemetry.test.ts skipped: run scripts/install-confluent-js.sh');
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const ck: any = installed ? createRequire(join(dir, 'package.json'))('@confluentinc/kafka-javascript') : null;

const METRICS_TOPIC = 'client-telemetry-metrics';
let broker: RunningBroker;

interface Pushed {
  value: Buffer;
  headers: Record<string, string>;
}

/** Reads the receiver topic from the start until `done` says enough arrived (or fails after 30 s). */
async function readMetrics(done: (seen: Pushed[]) => boolean): Promise<Pushed[]> {
  const consumer = kafkajs(broker).consumer({ groupId: topicName('metrics-reader') });
  await consumer.connect();
  await consumer.subscribe({ topic: METRICS_TOPIC, fromBeginning: true });
  const seen: Pushed[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`gave up after ${seen.length} pushes`)), 30000);
      consumer.run({
        eachMessage: async ({ message }) => {
          seen.push({ value: message.value!, headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)])) });
          if (done(seen)) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return seen;
}

describe.skipIf(!installed)('client telemetry (KIP-714) from librdkafka 2.15', () => {
  beforeAll(async () => {
    broker = await startTestBroker({ overrides: { 'kafkalite.client.metrics.topic': METRICS_TOPIC } });
  });
  afterAll(async () => {
    await broker?.stop();
  });

  it('a producer subscribed to producer metrics pushes them, compressed, at the interval and when it closes', async () => {
    const clientId = topicName('telemetry-producer');
    const admin = new Admin({ clientId: 'kafkalite-test', bootstrapBrokers: [broker.bootstrap], retries: 1 });
    try {
      const SET = IncrementalAlterConfigOperationTypes.SET;
      const resource = { resourceType: ConfigResourceTypes.CLIENT_METRICS, resourceName: 'producers' };
      await admin.incrementalAlterConfigs({
        resources: [{ ...resource, configs: [
          { name: 'metrics', configOperation: SET, value: 'org.apache.kafka.producer.' },
          { name: 'interval.ms', configOperation: SET, value: '500' },
          { name: 'match', configOperation: SET, value: `client_id=${clientId}` },
        ] }],
      });
      const [described] = await admin.describeConfigs({ resources: [resource] });
      expect(Object.fromEntries(described.configs.map((c: any) => [c.name, c.value]))).toEqual({ 'interval.ms': '500', match: `client_id=${clientId}`, metrics: 'org.apache.kafka.producer.' });
    } finally {
      await admin.close();
    }
    const kafka = new ck.KafkaJS.Kafka({ kafkaJS: { brokers: [broker.bootstrap], clientId, logLevel: ck.KafkaJS.logLevel.NOTHING } });
    const producer = kafka.producer();
    await producer.connect();
    const topic = topicName('telemetry-data');
    for (let i = 0; i < 5; i++) await producer.send({ topic, messages: [{ value: `v${i}` }] });
    const mine = (s: Pushed[]) => s.filter((p) => p.headers.client_id === clientId);
    const pushed = mine(await readMetrics((s) => mine(s).length >= 2));
    await producer.disconnect();

    expect(pushed[0].headers.client_software_name).toMatch(/librdkafka|confluent/);
    // OTLP MetricsData: metric names are plain strings in the protobuf; only the subscribed prefix is sent.
    const names = new Set(pushed.flatMap((p) => p.value.toString('latin1').match(/org\.apache\.kafka\.[a-z.]+/g) ?? []));
    expect([...names].length).toBeGreaterThan(0);
    expect([...names].every((n) => n.startsWith('org.apache.kafka.producer.'))).toBe(true);
    expect(names).toContain('org.apache.kafka.producer.node.request.latency.avg');
    // The last push, from disconnect(), is the terminating one: the instance's records keep coming until then.
    const after = mine(await readMetrics((s) => mine(s).length > pushed.length));
    expect(after.length).toBeGreaterThan(pushed.length);
  });
});

describe.skipIf(!installed)('client telemetry (KIP-714) to an in-process receiver', () => {
  it('startBroker({ onClientTelemetry }) advertises the telemetry APIs and hands each push to the callback', async () => {
    const pushes: ClientTelemetryPush[] = [];
    const b = await startTestBroker({ onClientTelemetry: (p: ClientTelemetryPush) => pushes.push(p) });
    const clientId = topicName('telemetry-callback');
    const admin = new Admin({ clientId: 'kafkalite-test', bootstrapBrokers: [b.bootstrap], retries: 1 });
    const SET = IncrementalAlterConfigOperationTypes.SET;
    try {
      await admin.incrementalAlterConfigs({
        resources: [{ resourceType: ConfigResourceTypes.CLIENT_METRICS, resourceName: 'callback', configs: [
          { name: 'metrics', configOperation: SET, value: 'org.apache.kafka.producer.' },
          { name: 'interval.ms', configOperation: SET, value: '500' },
          { name: 'match', configOperation: SET, value: `client_id=${clientId}` },
        ] }],
      });
    } finally {
      await admin.close();
    }
    const kafka = new ck.KafkaJS.Kafka({ kafkaJS: { brokers: [b.bootstrap], clientId, logLevel: ck.KafkaJS.logLevel.NOTHING } });
    const producer = kafka.producer();
    try {
      await producer.connect();
      await producer.send({ topic: topicName('telemetry-callback-data'), messages: [{ value: 'v' }] });
      const deadline = Date.now() + 30000;
      while (pushes.filter((p) => p.client.client_id === clientId).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    } finally {
      await producer.disconnect();
      await b.stop();
    }
    const mine = pushes.filter((p) => p.client.client_id === clientId);
    expect(mine.length).toBeGreaterThanOrEqual(2);
    expect(mine[0].clientInstanceId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(mine[0].data.toString('latin1')).toContain('org.apache.kafka.producer.');
    // No receiver topic was configured: nothing was written anywhere but to the callback.
    expect(b.cluster.topics.has('client-telemetry-metrics')).toBe(false);
  });
});
