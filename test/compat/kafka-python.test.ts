// kafka-python 2.0.2 (python3-kafka, test/compat/clients/kafka_python_client.py) at three protocol eras:
//  - auto: probes with ApiVersions v0, then magic-2 batches (headers, zstd);
//  - api_version=(0, 10, 0): no ApiVersions, magic 1 message sets (Produce v2, up-converted on the way in) and
//    Fetch v2 (magic-2 batches down-converted to magic 1, timestamps kept);
//  - api_version=(0, 9): no ApiVersions, magic 0 (Produce v1, Fetch v1: no timestamps at all).
// Plus consumer groups (commit, a restarted member resuming at the commits) and KafkaAdminClient.
// (python-sasl-ssl covers security, python-groups a plain kafka-python group.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBroker } from '../../src/kafkalite.js';
import { clientPath, hasPythonModule, PYTHON, pythonSucceeds, requestRecorder, runJson, storedCodecs } from './clients/run.js';
import { kafkajs, startTestBroker, topicName } from './helpers.js';

const hasKafkaPython = hasPythonModule('kafka');
if (!hasKafkaPython) console.warn('kafka-python.test.ts skipped: /usr/bin/python3 cannot import kafka (apt-get install python3-kafka)');

// kafka-python compresses only with the optional codec modules (python3-snappy, python3-lz4, python3-zstandard).
const available = (codec: string) =>
  codec === 'none' || codec === 'gzip' || pythonSucceeds(`import kafka.codec as c; assert c.has_${codec}()`);
const MODERN_CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'].filter((c) => hasKafkaPython && available(c));
// zstd needs Produce v7 (kafka-python refuses it below api_version 2.1); LZ4 in magic 0/1 messages needs xxhash
// for the old Kafka framing (without it kafka-python's sender fails an assertion and never sends the batch).
const legacyLz4 = hasKafkaPython && pythonSucceeds('import xxhash');
const LEGACY_CODECS = MODERN_CODECS.filter((c) => c !== 'zstd' && (c !== 'lz4' || legacyLz4));
if (hasKafkaPython && MODERN_CODECS.length < 5) console.warn(`kafka-python: only ${MODERN_CODECS.join(', ')} available (python3-snappy/lz4/zstandard missing)`);
if (hasKafkaPython && MODERN_CODECS.includes('lz4') && !legacyLz4) console.warn('kafka-python: no LZ4 in magic 0/1 messages (python3-xxhash missing)');

let broker: RunningBroker;
const recorder = requestRecorder();
const client = (mode: string, env: Record<string, string>) =>
  runJson(PYTHON, [clientPath('kafka_python_client.py'), mode], { env: { BOOTSTRAP: broker.bootstrap, ...env }, timeoutMs: 40000 });

const ERAS = [
  { api: 'auto', magic: 2, produce: (v: number) => v >= 3, fetch: (v: number) => v >= 4 },
  { api: '0.10.0', magic: 1, produce: (v: number) => v === 2, fetch: (v: number) => v === 2 },
  { api: '0.9', magic: 0, produce: (v: number) => v <= 1, fetch: (v: number) => v <= 1 },
] as const;

describe.skipIf(!hasKafkaPython)('kafka-python 2.0.2', () => {
  beforeAll(async () => {
    broker = await startTestBroker({ logger: recorder.logger });
  });
  afterAll(() => broker?.stop());

  for (const era of ERAS) {
    const codecs = era.magic === 2 ? MODERN_CODECS : LEGACY_CODECS;
    it(`api_version=${era.api} (magic ${era.magic}): produces with ${codecs.join(', ')} and fetches back`, async () => {
      const base = topicName(`kp-${era.api}`);
      const clientId = `kp-${era.api}`;
      for (const codec of codecs) await broker.cluster.createTopic(`${base}-${codec}`, { numPartitions: 2 });
      const p = await client('produce', { TOPIC: base, CODECS: codecs.join(','), COUNT: '20', PARTITIONS: '2', HEADERS: era.magic === 2 ? '1' : '0', API_VERSION: era.api, CLIENT_ID: clientId });
      if (era.api === 'auto') expect(p.api_version[0]).toBeGreaterThanOrEqual(2); // it inferred a modern broker
      const topics = codecs.map((c) => `${base}-${c}`);
      const f = await client('fetch', { TOPICS: topics.join(','), PARTITIONS: '2', EXPECT: '20', API_VERSION: era.api, CLIENT_ID: clientId });

      for (const codec of codecs) {
        const sent = p.sent[codec];
        // Acknowledged offsets 0..9 per partition; stored as magic-2 batches that keep the producer's codec.
        for (const part of [0, 1]) expect(sent.filter((s: any) => s.partition === part).map((s: any) => s.offset)).toEqual([...Array(10).keys()]);
        expect(await storedCodecs(broker, `${base}-${codec}`)).toEqual([codec]);
        const got = f[`${base}-${codec}`];
        expect(got).toHaveLength(20);
        for (const [i, s] of sent.entries()) {
          const m = got.find((g: any) => g.partition === s.partition && g.offset === s.offset);
          expect(m, `${codec} #${i}`).toBeDefined();
          expect(m.key).toBe(`k${i}`);
          expect(m.value).toBe(`${codec}-v${i}-${'y'.repeat((i % 5) * 30)}`);
          if (era.magic === 0) {
            // Magic 0 has no timestamps: none acknowledged, none fetched.
            expect(s.timestamp).toBe(-1);
            expect(m.timestamp).toBeNull();
          } else {
            // The producer's CreateTime survives up-conversion and down-conversion.
            expect(m.timestamp).toBe(s.timestamp);
            expect(m.timestamp).toBeGreaterThan(1_600_000_000_000);
            expect(m.timestamp_type).toBe(0);
          }
          expect(m.headers).toEqual(era.magic === 2 ? [['i', String(i)], ['codec', codec]] : []);
        }
      }

      // The protocol versions really used: old eras never send ApiVersions.
      const versions = recorder.versions(clientId);
      if (era.api === 'auto') expect(versions.ApiVersions).toEqual([0]);
      else expect(versions.ApiVersions).toBeUndefined();
      expect(versions.Produce.every(era.produce), `Produce ${versions.Produce}`).toBe(true);
      expect(versions.Fetch.every(era.fetch), `Fetch ${versions.Fetch}`).toBe(true);
    }, 40000);
  }

  it('old fetchers read what modern clients wrote: compressed batches, headers dropped, control records skipped', async () => {
    const topic = topicName('kp-down');
    await broker.cluster.createTopic(topic, { numPartitions: 1 });
    const kafka = kafkajs(broker);
    const producer = kafka.producer();
    await producer.connect();
    const { CompressionTypes } = await import('kafkajs');
    await producer.send({ topic, compression: CompressionTypes.GZIP, messages: Array.from({ length: 5 }, (_, i) => ({ key: `a${i}`, value: `gz${i}`, headers: { h: 'x' }, timestamp: String(1_700_000_000_000 + i) })) });
    await producer.disconnect();
    // A committed transaction leaves a control batch (offset 7) that formats before magic 2 cannot express.
    const txp = kafka.producer({ transactionalId: topicName('kp-tx'), maxInFlightRequests: 1, idempotent: true });
    await txp.connect();
    const tx = await txp.transaction();
    await tx.send({ topic, messages: [{ key: 'tx0', value: 'in-tx0' }, { key: 'tx1', value: 'in-tx1' }] });
    await tx.commit();
    await txp.send({ topic, messages: [{ key: 'after', value: 'after-control', timestamp: '1700000000999' }] });
    await txp.disconnect();

    for (const api of ['0.10.0', '0.9']) {
      const f = await client('fetch', { TOPICS: topic, PARTITIONS: '1', EXPECT: '8', API_VERSION: api, CLIENT_ID: `kp-down-${api}` });
      const got = f[topic];
      expect(got.map((m: any) => [m.offset, m.key, m.value])).toEqual([
        [0, 'a0', 'gz0'], [1, 'a1', 'gz1'], [2, 'a2', 'gz2'], [3, 'a3', 'gz3'], [4, 'a4', 'gz4'],
        [5, 'tx0', 'in-tx0'], [6, 'tx1', 'in-tx1'], [8, 'after', 'after-control'],
      ]);
      expect(got.every((m: any) => m.headers.length === 0)).toBe(true);
      if (api === '0.10.0') expect(got.map((m: any) => m.timestamp).filter((_: any, i: number) => i < 5)).toEqual([0, 1, 2, 3, 4].map((i) => 1_700_000_000_000 + i));
      else expect(got.every((m: any) => m.timestamp === null)).toBe(true);
    }
  }, 40000);

  it('LogAppendTime topics: magic 1 producers get the append time back, fetchers see it flagged as such', async () => {
    const base = topicName('kp-lat');
    await broker.cluster.createTopic(`${base}-none`, { numPartitions: 1, configs: { 'message.timestamp.type': 'LogAppendTime' } });
    const before = Date.now();
    const p = await client('produce', { TOPIC: base, CODECS: 'none', COUNT: '4', PARTITIONS: '1', HEADERS: '0', API_VERSION: '0.10.0', CLIENT_ID: 'kp-lat' });
    const after = Date.now();
    for (const s of p.sent.none) {
      expect(s.timestamp).toBeGreaterThanOrEqual(before);
      expect(s.timestamp).toBeLessThanOrEqual(after);
    }
    for (const api of ['0.10.0', 'auto']) {
      const f = await client('fetch', { TOPICS: `${base}-none`, PARTITIONS: '1', EXPECT: '4', API_VERSION: api, CLIENT_ID: 'kp-lat' });
      expect(f[`${base}-none`].map((m: any) => [m.timestamp_type, m.timestamp]), api).toEqual(p.sent.none.map((s: any) => [1, s.timestamp]));
    }
  }, 30000);

  for (const api of ['auto', '0.10.0', '0.9']) {
    it(`consumer group (api_version=${api}): consume and commit, a restarted member resumes at the commits${api === 'auto' ? '; admin sees the group' : ''}`, async () => {
      const topic = topicName(`kp-g-${api}`);
      const group = topicName(`g-kp-${api}`);
      await broker.cluster.createTopic(topic, { numPartitions: 2 });
      const producer = kafkajs(broker).producer();
      await producer.connect();
      await producer.send({ topic, messages: Array.from({ length: 10 }, (_, i) => ({ value: `m${i}`, partition: i % 2 })) });
      const env = { TOPIC: topic, GROUP: group, API_VERSION: api, CLIENT_ID: `kp-g-${api}` };
      const first = await client('group', { ...env, EXPECT: '10' });
      expect(first.parts).toEqual([0, 1]);
      expect(first.got.map((m: any) => m.value).sort()).toEqual([...Array(10).keys()].map((i) => `m${i}`));
      expect(first.committed).toEqual([5, 5]);
      await producer.send({ topic, messages: [{ value: 'late0', partition: 0 }, { value: 'late1', partition: 1 }] });
      await producer.disconnect();
      const second = await client('group', { ...env, EXPECT: '2' });
      expect(second.got.map((m: any) => `${m.partition}:${m.offset}:${m.value}`).sort()).toEqual(['0:5:late0', '1:5:late1']);
      expect(second.committed).toEqual([6, 6]);
      const versions = recorder.versions(`kp-g-${api}`);
      if (api === '0.9') {
        // The 0.9 group protocol: GroupCoordinator (FindCoordinator v0), JoinGroup v0, OffsetCommit v2, OffsetFetch v1.
        expect(versions.FindCoordinator).toEqual([0]);
        expect(versions.JoinGroup).toEqual([0]);
        expect(versions.OffsetCommit).toEqual([2]);
        expect(versions.OffsetFetch).toEqual([1]);
      }
      const admin = kafkajs(broker).admin();
      await admin.connect();
      const offs = await admin.fetchOffsets({ groupId: group, topics: [topic] });
      await admin.disconnect();
      expect(offs[0].partitions.sort((a, b) => a.partition - b.partition).map((p) => p.offset)).toEqual(['6', '6']);
      if (api === 'auto') {
        // The (now empty) group through KafkaAdminClient: listed, described, its offsets, deleted.
        const a = await client('admin-groups', { TOPIC: topic, GROUP: group, CLIENT_ID: 'kp-admin-groups' });
        expect(a.listed).toEqual([[group, 'consumer']]);
        expect(a.described).toEqual({ state: 'Empty', protocol_type: 'consumer', members: 0 });
        expect(a.offsets).toEqual([[0, 6], [1, 6]]);
        expect(a.config_error).toBe(0);
        expect(a.configs).toEqual({ 'cleanup.policy': 'delete', 'retention.ms': '604800000' });
        expect(a.deleted).toEqual([[group, 'NoError']]);
        expect(a.listed_after).toEqual([]);
      }
    }, 40000);
  }

  it('KafkaAdminClient creates (with configs), lists, grows and deletes topics', async () => {
    const topic = topicName('kp-admin');
    const r = await client('admin', { TOPIC: topic, CLIENT_ID: 'kp-admin' });
    expect(r.create).toEqual([[topic, 0], [`${topic}-b`, 0]]);
    expect(r.create_again).toBe('TopicAlreadyExistsError');
    expect(r.listed).toEqual([topic, `${topic}-b`]);
    expect(r.add_partitions).toEqual([[topic, 0]]);
    expect(r.partitions).toEqual([0, 1, 2, 3, 4]);
    expect(r.delete).toEqual([[topic, 0], [`${topic}-b`, 0]]);
    expect(r.listed_after).toEqual([]);
    expect(broker.cluster.topics.has(topic)).toBe(false);
  }, 30000);
});
