// librdkafka 2.0.2 through python3-confluent-kafka (test/compat/clients/confluent_client.py): produce with every
// codec (keys, headers) and read back; the pre-ApiVersions protocol (magic 0) with api.version.request=false;
// consumer groups with the eager `range` and the incremental `cooperative-sticky` assignors, synchronous commits,
// and a restarted member resuming at the committed offsets.
// (python-groups.test.ts covers the cooperative rebalance details and static membership.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBroker } from '../../src/kafkalite.js';
import { clientPath, hasPythonModule, PYTHON, requestRecorder, runJson, storedCodecs } from './clients/run.js';
import { kafkajs, startTestBroker, topicName } from './helpers.js';

const hasConfluent = hasPythonModule('confluent_kafka');
if (!hasConfluent) console.warn('confluent-kafka.test.ts skipped: /usr/bin/python3 cannot import confluent_kafka (apt-get install python3-confluent-kafka)');

let broker: RunningBroker;
const recorder = requestRecorder();
const client = (mode: string, env: Record<string, string>) =>
  runJson(PYTHON, [clientPath('confluent_client.py'), mode], { env: { BOOTSTRAP: broker.bootstrap, ...env }, timeoutMs: 40000 });

const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

describe.skipIf(!hasConfluent)('confluent-kafka (librdkafka 2.0.2)', () => {
  beforeAll(async () => {
    broker = await startTestBroker({ logger: recorder.logger });
  });
  afterAll(() => broker?.stop());

  it(`produces with ${CODECS.join(', ')} (keys, headers) and reads every record back`, async () => {
    const base = topicName('ck-codec');
    for (const codec of CODECS) await broker.cluster.createTopic(`${base}-${codec}`, { numPartitions: 2 });
    const r = await client('produce-codecs', { TOPIC: base, CODECS: CODECS.join(',') });
    for (const codec of CODECS) {
      const { reports, got } = r[codec];
      expect(reports.filter((d: any) => d.error), codec).toEqual([]);
      expect(reports).toHaveLength(40);
      // The broker stored what librdkafka sent: its codec (librdkafka sends a batch uncompressed when compressing
      // does not make it smaller), and offsets 0..19 in each partition.
      const stored = await storedCodecs(broker, `${base}-${codec}`);
      expect(stored).toContain(codec);
      expect(stored.filter((c) => c !== codec && c !== 'none')).toEqual([]);
      for (const p of [0, 1]) {
        const mine = got.filter((m: any) => m.partition === p);
        expect(mine.map((m: any) => m.offset), `${codec} p${p}`).toEqual(Array.from({ length: 20 }, (_, i) => i));
        expect(mine.map((m: any) => m.key)).toEqual(Array.from({ length: 20 }, (_, i) => `pk${2 * i + p}`));
      }
      const m7 = got.find((m: any) => m.key === 'pk7');
      expect(m7.value).toBe(`p-${codec}-7-${'x'.repeat(0)}`);
      expect(m7.headers).toEqual([['codec', codec], ['i', '7']]);
      expect(got.find((m: any) => m.key === 'pk13').value).toBe(`p-${codec}-13-${'x'.repeat(6 * 20)}`);
    }
  }, 30000);

  // Without ApiVersions, librdkafka trusts broker.version.fallback: before 0.10.0 that is the 0.8/0.9 protocol with
  // magic 0 messages, up-converted on produce and down-converted on fetch. (A fallback >= 0.10.0 makes librdkafka
  // send ApiVersions anyway, so there is no magic 1 era to test here; kafka-python and Sarama cover magic 1.)
  for (const [fallback, produceV, fetchV] of [['0.8.2', 0, 0], ['0.9.0', 1, 1]] as const) {
    it(`api.version.request=false, broker.version.fallback=${fallback}: every legacy codec round-trips`, async () => {
      const base = topicName(`ck-legacy-${fallback}`);
      const codecs = ['none', 'gzip', 'snappy', 'lz4'];
      for (const codec of codecs) await broker.cluster.createTopic(`${base}-${codec}`, { numPartitions: 1 });
      const clientId = `ck-legacy-${fallback}`;
      const r = await client('legacy', { TOPIC: base, CODECS: codecs.join(','), FALLBACK: fallback, CLIENT_ID: clientId });
      for (const codec of codecs) {
        expect(r[codec].errors, codec).toEqual([]);
        const got = r[codec].got;
        expect(got.map((m: any) => [m.offset, m.key, m.value])).toEqual(
          Array.from({ length: 10 }, (_, i) => [i, `k${i}`, `${codec}-v${i}-${'w'.repeat((i % 3) * 40)}`]),
        );
        // Magic 0 has no timestamps (librdkafka reports 0).
        for (const m of got) expect(m.timestamp).toBe(0);
        // Stored as magic 2, keeping the wrapper's codec (librdkafka may skip compressing what does not shrink).
        expect((await storedCodecs(broker, `${base}-${codec}`)).filter((c) => c !== codec && c !== 'none')).toEqual([]);
      }
      const v = recorder.versions(clientId);
      expect(v.ApiVersions).toBeUndefined();
      expect(v.Produce).toEqual([produceV]);
      expect(v.Fetch).toEqual([fetchV]);
    }, 30000);
  }

  for (const strategy of ['range', 'cooperative-sticky']) {
    it(`group with ${strategy}: split, consume, commit; a restarted member resumes at the committed offsets`, async () => {
      const topic = topicName(`ck-${strategy}`);
      const group = topicName(`g-ck-${strategy}`);
      await broker.cluster.createTopic(topic, { numPartitions: 4 });
      const g = await client('group', { TOPIC: topic, GROUP: group, STRATEGY: strategy });
      // Two members, two partitions each (range: contiguous ranges, the first member getting the lower ones).
      expect([...g.split[0], ...g.split[1]].sort()).toEqual([0, 1, 2, 3]);
      if (strategy === 'range') expect(g.split).toEqual([[0, 1], [2, 3]]);
      if (strategy === 'cooperative-sticky') {
        // Incremental: c1 only ever gave up the two partitions c2 received, and kept the others throughout.
        expect(g.events.c1.filter((e: any) => e[0] === 'revoke')[0][1]).toEqual(g.split[1]);
      } else {
        // Eager: c1 revoked everything before the split.
        expect(g.events.c1.filter((e: any) => e[0] === 'revoke')[0][1]).toEqual([0, 1, 2, 3]);
      }
      // Each member read exactly its partitions, every record once.
      for (const [i, name] of (['c1', 'c2'] as const).entries()) {
        expect([...new Set(g.seen[name].map((m: any) => m.partition))].sort()).toEqual(g.split[i]);
      }
      const all = [...g.seen.c1, ...g.seen.c2].map((m: any) => `${m.partition}:${m.offset}`);
      expect(all).toHaveLength(40);
      expect(new Set(all).size).toBe(40);
      expect(g.committed).toEqual([10, 10, 10, 10]);
      expect(g.after_leave).toEqual([0, 1, 2, 3]);

      // More records while nobody is in the group; a new member starts exactly after the commits.
      const producer = kafkajs(broker).producer();
      await producer.connect();
      await producer.send({ topic, messages: Array.from({ length: 8 }, (_, i) => ({ value: `late${i}`, partition: i % 4 })) });
      await producer.disconnect();
      const r = await client('resume', { TOPIC: topic, GROUP: group, STRATEGY: strategy, EXPECT: '8' });
      expect(r.got.map((m: any) => `${m.partition}:${m.offset}`).sort()).toEqual(['0:10', '0:11', '1:10', '1:11', '2:10', '2:11', '3:10', '3:11']);
      expect(r.got.map((m: any) => m.value).sort()).toEqual(Array.from({ length: 8 }, (_, i) => `late${i}`).sort());
      expect(r.committed).toEqual([12, 12, 12, 12]);
      const admin = kafkajs(broker).admin();
      await admin.connect();
      const offs = await admin.fetchOffsets({ groupId: group, topics: [topic] });
      await admin.disconnect();
      expect(offs[0].partitions.sort((a, b) => a.partition - b.partition).map((p) => p.offset)).toEqual(['12', '12', '12', '12']);
    }, 60000);
  }
});
