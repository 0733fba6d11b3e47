// KIP-714 client telemetry byte for byte: client metrics subscriptions (ConfigResource CLIENT_METRICS) and their
// validation, GetTelemetrySubscriptions / PushTelemetry with Kafka's checks and throttling, the receiver topic,
// whether the APIs are advertised, and ListConfigResources.
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunningBroker } from '../../src/kafkalite.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { ZERO_UUID } from '../../src/protocol/primitives.js';
import { kafkajs, startTestBroker, topicName } from '../compat/helpers.js';
import { DiskBroker, useRawBroker } from './raw-broker.js';
import { API, RawClient } from './raw-client.js';

const METRICS_TOPIC = 'client-metrics-test';
let broker: RunningBroker;
let c: RawClient;
useRawBroker({ overrides: { 'kafkalite.client.metrics.topic': METRICS_TOPIC, 'telemetry.max.bytes': '2000' } }, (env) => ({ broker, c } = env));
const extra: RawClient[] = [];
afterAll(() => extra.forEach((x) => x.close()));

const CLIENT_METRICS = 16;
const ops = (configs: Record<string, string | null>) =>
  Object.entries(configs).map(([name, value]) => ({ name, configOperation: value === null ? 1 : 0, value }));
async function setSubscription(name: string, configs: Record<string, string | null>, via = c): Promise<{ errorCode: number; errorMessage: string | null }> {
  const r = await via.send(API.IncrementalAlterConfigs, 1, { resources: [{ resourceType: CLIENT_METRICS, resourceName: name, configs: ops(configs) }], validateOnly: false });
  return r.responses[0];
}
const getSubs = (via: RawClient, clientId: string, id = ZERO_UUID) => via.send(API.GetTelemetrySubscriptions, 0, { clientInstanceId: id }, clientId);
const push = (via: RawClient, clientId: string, body: { id: string; sub: number; metrics: Buffer; compression?: number; terminating?: boolean }) =>
  via.send(API.PushTelemetry, 0, { clientInstanceId: body.id, subscriptionId: body.sub, terminating: body.terminating ?? false, compressionType: body.compression ?? 0, metrics: body.metrics }, clientId);
async function client(): Promise<RawClient> {
  const x = await RawClient.connect(broker.port);
  extra.push(x);
  return x;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const apiKeys = async (via: RawClient) => (await via.send(18, 3, { clientSoftwareName: 'raw', clientSoftwareVersion: '1.0' })).apiKeys.map((k: any) => k.apiKey);

describe('client metrics subscriptions (CLIENT_METRICS configs)', () => {
  it('validates as Kafka does, describes all three configs and deletes a subscription with its last config', async () => {
    const name = topicName('sub');
    expect(await setSubscription('', { metrics: 'a' })).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: "Subscription name can't be empty" });
    expect(await setSubscription(name, { colour: 'red' })).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Unknown client metrics configuration: colour' });
    expect(await setSubscription(name, { 'interval.ms': '50' })).toMatchObject({
      errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Invalid value 50 for interval.ms, interval must be between 100 and 3600000 (1 hour)',
    });
    expect((await setSubscription(name, { 'interval.ms': 'soon' })).errorCode).toBe(ErrorCode.INVALID_CONFIG);
    expect(await setSubscription(name, { match: 'client_colour=red' })).toMatchObject({ errorCode: ErrorCode.INVALID_CONFIG, errorMessage: 'Illegal client matching pattern: client_colour=red' });
    expect((await setSubscription(name, { match: 'client_id=(' })).errorCode).toBe(ErrorCode.INVALID_CONFIG);

    expect((await setSubscription(name, { metrics: 'org.apache.kafka.producer.', 'interval.ms': '1000' })).errorCode).toBe(0);
    const d = await c.send(API.DescribeConfigs, 4, { resources: [{ resourceType: CLIENT_METRICS, resourceName: name, configurationKeys: null }], includeSynonyms: true, includeDocumentation: false });
    expect(d.results[0].configs.map((e: any) => [e.name, e.value, e.configSource, e.synonyms.length])).toEqual([
      ['interval.ms', '1000', 7, 1],
      ['match', '', 5, 0],
      ['metrics', 'org.apache.kafka.producer.', 7, 1],
    ]);
    const l = await c.send(API.ListConfigResources, 0, {});
    expect(l.configResources.map((r: any) => r.resourceName)).toContain(name);

    expect((await setSubscription(name, { metrics: null, 'interval.ms': null })).errorCode).toBe(0);
    expect((await c.send(API.ListConfigResources, 0, {})).configResources.map((r: any) => r.resourceName)).not.toContain(name);
    const empty = await c.send(API.DescribeConfigs, 4, { resources: [{ resourceType: CLIENT_METRICS, resourceName: '', configurationKeys: null }], includeSynonyms: false, includeDocumentation: false });
    expect(empty.results[0]).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Client metrics subscription name must not be empty' });
  });

  it('ListConfigResources v1 lists the types asked for, in Kafka order, and refuses unknown ones', async () => {
    const v1 = await c.send(API.ListConfigResources, 1, { resourceTypes: [4, 2] });
    expect(v1.errorCode).toBe(0);
    const types = v1.configResources.map((r: any) => r.resourceType);
    expect(types[0]).toBe(4);
    expect(types).toContain(2);
    expect(v1.configResources.filter((r: any) => r.resourceType === 2).map((r: any) => r.resourceName)).toContain(METRICS_TOPIC);
    expect((await c.send(API.ListConfigResources, 1, { resourceTypes: [64] })).errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
  });

  it('keeps subscriptions across a restart', async () => {
    const d = await DiskBroker.create('never');
    await d.c.send(API.AlterConfigs, 2, { resources: [{ resourceType: CLIENT_METRICS, resourceName: 'kept', configs: [{ name: 'metrics', value: '*' }] }], validateOnly: false });
    await d.restart();
    expect((await d.c.send(API.ListConfigResources, 0, {})).configResources).toEqual([{ resourceName: 'kept', resourceType: CLIENT_METRICS }]);
  });
});

describe('GetTelemetrySubscriptions and PushTelemetry', () => {
  it('are advertised only with a receiver topic, and that topic exists from the start', async () => {
    expect(await apiKeys(c)).toEqual(expect.arrayContaining([71, 72, 74]));
    expect(broker.cluster.topics.get(METRICS_TOPIC)?.partitions).toHaveLength(1);
    const plain = await startTestBroker();
    const pc = await RawClient.connect(plain.port);
    try {
      const keys = await apiKeys(pc);
      expect(keys).toContain(74);
      expect(keys).not.toContain(71);
      expect(keys).not.toContain(72);
      // Still answered when sent anyway, as Kafka does: an instance id, and nothing to push.
      const g = await getSubs(pc, 'anyone');
      expect(g).toMatchObject({ errorCode: 0, requestedMetrics: [], pushIntervalMs: 300000 });
      expect(g.clientInstanceId).not.toBe(ZERO_UUID);
    } finally {
      pc.close();
      await plain.stop();
    }
  });

  it('gives each client the metrics of the subscriptions matching it, at the shortest interval', async () => {
    const cid = topicName('app');
    expect((await setSubscription(topicName('s1'), { metrics: 'org.apache.kafka.producer.,org.apache.kafka.consumer.', 'interval.ms': '5000', match: `client_id=${cid}.*` })).errorCode).toBe(0);
    expect((await setSubscription(topicName('s2'), { metrics: 'org.apache.kafka.consumer.fetch', 'interval.ms': '2000', match: `client_id=${cid}-b, client_software_name=raw` })).errorCode).toBe(0);
    const a = await getSubs(await client(), `${cid}-a`);
    expect(a).toMatchObject({
      errorCode: 0, pushIntervalMs: 5000, deltaTemporality: true, telemetryMaxBytes: 2000, acceptedCompressionTypes: [4, 3, 1, 2],
      requestedMetrics: ['org.apache.kafka.consumer.', 'org.apache.kafka.producer.'],
    });
    // client_software_name comes from the connection's ApiVersions v3+.
    const b = await client();
    expect((await getSubs(b, `${cid}-b`)).pushIntervalMs).toBe(5000);
    await apiKeys(b);
    const b2 = await getSubs(b, `${cid}-b`);
    expect(b2).toMatchObject({ pushIntervalMs: 2000, requestedMetrics: ['org.apache.kafka.consumer.', 'org.apache.kafka.consumer.fetch', 'org.apache.kafka.producer.'] });
    expect((await getSubs(await client(), 'someone-else')).requestedMetrics).toEqual([]);
  });

  it('throttles, checks and delivers pushes as Kafka does; the metrics land in the receiver topic', async () => {
    const cid = topicName('pusher');
    expect((await setSubscription(topicName('all'), { metrics: '*', 'interval.ms': '60000', match: `client_id=${cid}` })).errorCode).toBe(0);
    const x = await client();
    const g = await getSubs(x, cid);
    expect(g.requestedMetrics).toEqual(['*']);
    const id = g.clientInstanceId;
    expect((await getSubs(x, cid, id)).errorCode).toBe(ErrorCode.THROTTLING_QUOTA_EXCEEDED); // again before the interval

    const payload = Buffer.from('\n\x10org.apache.kafka.producer.record.send.total'.repeat(3));
    expect((await push(x, cid, { id: ZERO_UUID, sub: g.subscriptionId, metrics: payload })).errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect((await push(x, cid, { id, sub: g.subscriptionId + 1, metrics: payload })).errorCode).toBe(ErrorCode.UNKNOWN_SUBSCRIPTION_ID);
    // The Get that follows an unknown subscription id is not throttled (the client re-subscribes at once). A push is
    // accepted when a Get came after the last push (Kafka compares millisecond clocks: hence the pause).
    await sleep(3);
    expect((await getSubs(x, cid, id)).errorCode).toBe(0);
    expect((await push(x, cid, { id, sub: g.subscriptionId, metrics: Buffer.alloc(2001) })).errorCode).toBe(ErrorCode.TELEMETRY_TOO_LARGE);
    expect((await getSubs(x, cid, id)).errorCode).toBe(ErrorCode.THROTTLING_QUOTA_EXCEEDED);
    // Compression type 7 does not exist.
    expect((await push(x, cid, { id, sub: g.subscriptionId, metrics: payload, compression: 7 })).errorCode).toBe(ErrorCode.THROTTLING_QUOTA_EXCEEDED);

    const y = await client();
    const gy = await getSubs(y, cid);
    expect((await push(y, cid, { id: gy.clientInstanceId, sub: gy.subscriptionId, metrics: payload, compression: 7 })).errorCode).toBe(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
    const z = await client();
    const gz = await getSubs(z, cid);
    await sleep(3);
    expect((await push(z, cid, { id: gz.clientInstanceId, sub: gz.subscriptionId, metrics: gzipSync(payload), compression: 1 })).errorCode).toBe(0);
    expect((await push(z, cid, { id: gz.clientInstanceId, sub: gz.subscriptionId, metrics: payload })).errorCode).toBe(ErrorCode.THROTTLING_QUOTA_EXCEEDED);
    // A terminating push is never throttled; nothing is accepted from the instance after it.
    expect((await push(z, cid, { id: gz.clientInstanceId, sub: gz.subscriptionId, metrics: payload, terminating: true })).errorCode).toBe(0);
    expect((await push(z, cid, { id: gz.clientInstanceId, sub: gz.subscriptionId, metrics: payload, terminating: true })).errorCode).toBe(ErrorCode.INVALID_REQUEST);

    const records = await readTopic(METRICS_TOPIC, (r) => r.key === gz.clientInstanceId, 2);
    expect(records.map((r) => r.value)).toEqual([payload.toString(), payload.toString()]);
    expect(records[0].headers.client_id).toBe(cid);
    expect(records[0].headers.client_source_address).toBe('127.0.0.1');
  });

  it('changes the subscription id when the subscriptions change, so a client re-subscribes', async () => {
    const cid = topicName('moving');
    const sub = topicName('mv');
    expect((await setSubscription(sub, { metrics: 'a.', 'interval.ms': '100', match: `client_id=${cid}` })).errorCode).toBe(0);
    const x = await client();
    const g = await getSubs(x, cid);
    await sleep(3);
    expect((await setSubscription(sub, { metrics: 'b.' })).errorCode).toBe(0);
    expect((await push(x, cid, { id: g.clientInstanceId, sub: g.subscriptionId, metrics: Buffer.from('m') })).errorCode).toBe(ErrorCode.UNKNOWN_SUBSCRIPTION_ID);
    const again = await getSubs(x, cid, g.clientInstanceId);
    expect(again).toMatchObject({ errorCode: 0, clientInstanceId: g.clientInstanceId, requestedMetrics: ['b.'] });
    expect(again.subscriptionId).not.toBe(g.subscriptionId);
  });
});

/** Records of `topic` matching `keep`, read with kafkajs until `n` arrived. */
async function readTopic(topic: string, keep: (r: { key: string }) => boolean, n: number) {
  const consumer = kafkajs(broker).consumer({ groupId: topicName('reader') });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const out: { key: string; value: string; headers: Record<string, string> }[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${out.length} of ${n} records`)), 15000);
      consumer.run({
        eachMessage: async ({ message }) => {
          const r = {
            key: message.key?.toString() ?? '',
            value: message.value?.toString() ?? '',
            headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)])),
          };
          if (keep(r)) out.push(r);
          if (out.length >= n) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return out;
}
