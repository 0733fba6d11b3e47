// Sarama 1.22 (Go, Debian's golang-github-shopify-sarama-dev) through test/compat/clients/sarama/main.go, compiled
// once per run, offline, against the Debian GOPATH. Two protocol eras:
//  - Version unset (V0_8_2_0): no ApiVersions, Produce v0 / Fetch v0 / Metadata v0, magic 0 message sets;
//  - Version V0_10_0_0: magic 1 message sets with timestamps (Produce v2 / Fetch v2);
//  - Version V2_1_0_0: magic 2 batches with headers (Produce v3, Fetch v4);
//  - the ConsumerGroup at V0_10_2_0 fetches with v3, i.e. down-converted magic 1 messages.
// Plus the standalone OffsetManager (OffsetCommit v1) and a ConsumerGroup member that resumes at its commits.
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBroker } from '../../src/kafkalite.js';
import { buildGoClient, goSkipReason, requestRecorder, storedBatches, storedCodecs, type GoClient } from './clients/run.js';
import { kafkajs, startTestBroker, topicName } from './helpers.js';

const skipReason = goSkipReason('github.com/Shopify/sarama/sarama.go', 'golang-github-shopify-sarama-dev');
if (skipReason) console.warn(`sarama.test.ts skipped: ${skipReason}`);
// Sarama's zstd goes through cgo (DataDog/zstd); without a C compiler it is built out, and zstd cases are skipped.
const hasCgo = spawnSync('gcc', ['--version']).status === 0;

let broker: RunningBroker;
let client: GoClient | undefined;
const recorder = requestRecorder();

function sarama(args: Record<string, string | number>): Promise<any> {
  return client!.json({ brokers: broker.bootstrap, ...args });
}

const ERAS = [
  { name: 'V0_8_2_0 (default)', version: '', codecs: ['none', 'gzip', 'snappy'], magic: 0 },
  { name: 'V0_10_0_0', version: '0.10.0.0', codecs: ['none', 'gzip', 'snappy', 'lz4'], magic: 1 },
  { name: 'V2_1_0_0', version: '2.1.0', codecs: ['none', 'gzip', 'snappy', 'lz4'], magic: 2 },
];

describe.skipIf(!!skipReason)('Sarama 1.22', () => {
  beforeAll(async () => {
    client = await buildGoClient('sarama', { CGO_ENABLED: hasCgo ? '1' : '0', CGO_CFLAGS: '-Wno-deprecated-declarations' });
    broker = await startTestBroker({ logger: recorder.logger });
  }, 200000);
  afterAll(async () => {
    await broker?.stop();
    client?.cleanup();
  });

  for (const era of ERAS) {
    it(`${era.name}: SyncProducer with ${era.codecs.join(', ')}, PartitionConsumer reads everything back`, async () => {
      const clientId = `sarama-${era.version || 'default'}`;
      for (const codec of era.codecs) {
        const topic = topicName(`sarama-${era.version || 'default'}-${codec}`);
        await broker.cluster.createTopic(topic, { numPartitions: 2 });
        const common = { version: era.version, topic, codec, partitions: 2, 'client-id': clientId };
        const p = await sarama({ ...common, mode: 'produce', count: 12 });
        expect(p.error, codec).toBeUndefined();
        for (const part of [0, 1]) expect(p.sent.filter((s: any) => s.partition === part).map((s: any) => s.offset)).toEqual([0, 1, 2, 3, 4, 5]);
        expect(await storedCodecs(broker, topic)).toEqual([codec]);
        const c = await sarama({ ...common, mode: 'consume', expect: 12 });
        expect(c.got).toHaveLength(12);
        for (let i = 0; i < 12; i++) {
          const m = c.got.find((g: any) => g.partition === i % 2 && g.offset === Math.floor(i / 2));
          expect(m, `${codec} #${i}`).toBeDefined();
          expect(m.key).toBe(`k${i}`);
          expect(m.value).toBe(`${codec}-v${i}-${'z'.repeat((i % 4) * 25)}`);
          if (era.magic === 0) {
            expect(m.timestamp).toBe(0); // magic 0 carries no timestamp
            expect(m.headers).toEqual([]);
          } else {
            expect(m.timestamp).toBeGreaterThan(Date.now() - 60000);
            expect(m.headers).toEqual(era.magic === 2 ? [['i', String(i)]] : []);
          }
        }
      }
      const v = recorder.versions(clientId);
      if (era.magic === 0) {
        // The 0.8.2 protocol, as Sarama speaks it without a Version: no ApiVersions probe, all v0.
        expect(v.ApiVersions).toBeUndefined();
        expect(v.Produce).toEqual([0]);
        expect(v.Fetch).toEqual([0]);
        expect(v.Metadata).toEqual([0]);
      } else if (era.magic === 1) {
        // Magic 1 (KIP-32 timestamps, KIP-57 lz4 framing) up-converted; Fetch v2 down-converts back to magic 1.
        expect(v.Produce).toEqual([2]);
        expect(v.Fetch).toEqual([2]);
      } else {
        expect(v.Produce).toEqual([3]);
        expect(Math.min(...v.Fetch)).toBeGreaterThanOrEqual(4);
      }
    }, 30000);
  }

  it.skipIf(!hasCgo)('zstd is refused below Produce v7, as by Kafka (Sarama 1.22 never sends v7)', async () => {
    for (const version of ['', '2.1.0']) {
      const topic = topicName('sarama-zstd');
      await broker.cluster.createTopic(topic, { numPartitions: 1 });
      const p = await sarama({ version, topic, codec: 'zstd', partitions: 1, mode: 'produce', count: 3 });
      expect(p.error, `version ${version || 'default'}`).toMatch(/does not support the compression type/);
      expect(broker.cluster.topics.get(topic)!.partitions[0].log.logEndOffset).toBe(0);
    }
  }, 20000);

  it('V2_1_0_0 idempotent producer: InitProducerId, one producer id per producer, sequences from 0', async () => {
    const topic = topicName('sarama-idem');
    await broker.cluster.createTopic(topic, { numPartitions: 2 });
    const common = { version: '2.1.0', topic, partitions: 2, mode: 'produce', count: 8, idempotent: 'true', 'client-id': 'sarama-idem' };
    const a = await sarama(common);
    const b = await sarama(common);
    expect([...a.sent, ...b.sent].filter((s: any) => s.partition === 0).map((s: any) => s.offset)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const batches = await storedBatches(broker, topic);
    expect(batches.reduce((n, h) => n + h.recordCount, 0)).toBe(16);
    const pids = [...new Set(batches.map((h) => h.producerId))];
    expect(pids).toHaveLength(2);
    expect(pids.every((pid) => pid >= 0)).toBe(true);
    // Per producer and partition, the sequence starts at 0 and runs on across batches (however Sarama split them).
    for (const pid of pids) {
      for (const part of [0, 1]) {
        const mine = batches.filter((h) => h.producerId === pid && h.partition === part);
        let next = 0;
        for (const h of mine) {
          expect([h.baseSequence, h.producerEpoch]).toEqual([next, 0]);
          next += h.recordCount;
        }
        expect(next).toBe(4);
      }
    }
    expect(recorder.versions('sarama-idem').InitProducerId).toEqual([0]);
  }, 20000);

  it('V0_8_2_0 OffsetManager: simple-group commits (OffsetCommit v1) read back with their metadata', async () => {
    const topic = topicName('sarama-om');
    const group = topicName('g-sarama-om');
    await broker.cluster.createTopic(topic, { numPartitions: 1 });
    const common = { topic, group, 'client-id': 'sarama-om' };
    const first = await sarama({ ...common, mode: 'offsets', commit: 5 });
    // Nothing committed yet (OffsetFetch answers -1): Sarama falls back to Consumer.Offsets.Initial, OffsetOldest (-2).
    expect(first.next).toBe(-2);
    const second = await sarama({ ...common, mode: 'offsets', commit: 7 });
    expect(second).toEqual({ next: 5, metadata: 'sarama-meta' });
    const third = await sarama({ ...common, mode: 'offsets' });
    expect(third).toEqual({ next: 7, metadata: 'sarama-meta' });
    const v = recorder.versions('sarama-om');
    expect(v.OffsetCommit).toEqual([1]);
    expect(v.FindCoordinator).toEqual([0]);
  }, 20000);

  for (const version of ['0.10.2.0', '2.1.0']) {
    it(`ConsumerGroup (Version ${version}): consume, commit on close, a restarted member resumes at the commits`, async () => {
      const topic = topicName('sarama-g');
      const group = topicName('g-sarama');
      await broker.cluster.createTopic(topic, { numPartitions: 2 });
      const producer = kafkajs(broker).producer();
      await producer.connect();
      await producer.send({ topic, messages: Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: `m${i}`, partition: i % 2 })) });
      const common = { version, topic, group, 'client-id': `sarama-g-${version}` };
      const first = await sarama({ ...common, mode: 'group', expect: 10 });
      expect(first.parts).toEqual([0, 1]);
      expect(first.got.map((m: any) => m.value).sort()).toEqual([...Array(10).keys()].map((i) => `m${i}`).sort());
      // Keys and CreateTime survive (magic 1 has timestamps too).
      for (const m of first.got) {
        expect(m.key).toBe(`k${m.value.slice(1)}`);
        expect(m.timestamp).toBeGreaterThan(Date.now() - 60000);
      }
      const admin = kafkajs(broker).admin();
      await admin.connect();
      const committed = async () => (await admin.fetchOffsets({ groupId: group, topics: [topic] }))[0].partitions.sort((a, b) => a.partition - b.partition).map((p) => p.offset);
      expect(await committed()).toEqual(['5', '5']);
      await producer.send({ topic, messages: [{ value: 'late0', partition: 0 }, { value: 'late1', partition: 1 }] });
      await producer.disconnect();
      const second = await sarama({ ...common, mode: 'group', expect: 2 });
      expect(second.got.map((m: any) => `${m.partition}:${m.offset}:${m.value}`).sort()).toEqual(['0:5:late0', '1:5:late1']);
      expect(await committed()).toEqual(['6', '6']);
      await admin.disconnect();
      // JoinGroup v1 / OffsetCommit v1 at both; 0.10.2 fetches with v3, so it reads down-converted magic 1 messages.
      const v = recorder.versions(`sarama-g-${version}`);
      expect(v.JoinGroup).toEqual([1]);
      expect(v.OffsetCommit).toEqual([1]);
      expect(v.Fetch).toEqual([version === '2.1.0' ? 4 : 3]);
    }, 40000);
  }
});
