// Every record batch inside the Produce requests captured from six real clients (kafkajs, kcat and confluent-kafka
// on librdkafka, kafka-python, franz-go with all five codecs, @platformatic/kafka) validates and decodes.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeRequest } from '../../../src/protocol/messages.js';
import { Compression, decodeBatches, detectMagic, encodeBatch, validateBatch } from '../../../src/protocol/records/index.js';

const TRAFFIC = join(__dirname, '..', '..', '..', '..', 'shared', 'client-traffic');
const clients = existsSync(TRAFFIC) ? readdirSync(TRAFFIC).filter((d) => existsSync(join(TRAFFIC, d, 'index.jsonl'))) : [];

interface Sample {
  client: string;
  file: string;
  records: Buffer;
}

function produceSamples(client: string): Sample[] {
  const dir = join(TRAFFIC, client);
  const out: Sample[] = [];
  for (const file of readdirSync(dir).filter((f) => /^\d+-0-v\d+\.req$/.test(f)).sort()) {
    const d = decodeRequest(readFileSync(join(dir, file)));
    if (!d.ok) throw new Error(`${client}/${file}: ${d.error}`);
    for (const t of d.body.topicData) for (const p of t.partitionData) if (p.records) out.push({ client, file, records: p.records });
  }
  return out;
}

describe.skipIf(clients.length === 0)('captured Produce requests', () => {
  const codecsSeen = new Map<string, Set<number>>();
  for (const client of clients) {
    it(`${client}: every batch validates (CRC32C) and decodes`, async () => {
      const samples = produceSamples(client);
      expect(samples.length).toBeGreaterThan(0);
      const seen = new Set<number>();
      for (const s of samples) {
        const where = `${s.client}/${s.file}`;
        expect(detectMagic(s.records), where).toBe(2);
        const h = validateBatch(s.records);
        seen.add(h.compression);
        const [batch, ...rest] = await decodeBatches(s.records);
        expect(rest, where).toHaveLength(0);
        expect(batch.header).toEqual(h);
        expect(batch.records, where).toHaveLength(h.recordCount);
        batch.records.forEach((r, i) => {
          expect(r.offset, where).toBe(h.baseOffset + i);
          expect(r.timestamp, where).toBeGreaterThanOrEqual(h.baseTimestamp);
          expect(r.timestamp, where).toBeLessThanOrEqual(h.maxTimestamp);
          for (const hd of r.headers) expect(typeof hd.key).toBe('string');
        });
        // Re-encoding the decoded records with the same codec yields a batch that decodes to the same records.
        const again = await encodeBatch(
          batch.records.map((r) => ({ timestamp: r.timestamp, key: r.key, value: r.value, headers: r.headers })),
          { compression: h.compression, producerId: h.producerId, producerEpoch: h.producerEpoch, baseSequence: h.baseSequence, isTransactional: h.isTransactional },
        );
        const [b2] = await decodeBatches(again);
        expect(b2.records).toEqual(batch.records);
      }
      codecsSeen.set(client, seen);
    });
  }

  it.skipIf(!clients.includes('kgo'))('covers compressed batches (franz-go gzip/snappy/zstd, kcat zstd)', async () => {
    const kgo = new Set(produceSamples('kgo').map((s) => validateBatch(s.records).compression));
    expect([...kgo].sort()).toEqual(expect.arrayContaining([Compression.None, Compression.Gzip, Compression.Snappy, Compression.Zstd]));
    const kcat = new Set(produceSamples('kcat').map((s) => validateBatch(s.records).compression));
    expect(kcat.has(Compression.Zstd)).toBe(true);
  });
});
