// Cross-check against kafkajs 2.2.4's record-batch encoder/decoder for every codec, in both directions.
import { describe, expect, it } from 'vitest';
import { Compression, decodeBatches, encodeBatch, validateBatch } from '../../../src/protocol/records/index.js';
import { Decoder, decodeKafkajsBatch, expectSameRecords, kafkajsBatch, type SampleRecord } from './kafkajs-interop.js';

const CODECS: [string, Compression][] = [
  ['none', Compression.None],
  ['gzip', Compression.Gzip],
  ['snappy', Compression.Snappy],
  ['lz4', Compression.Lz4],
  ['zstd', Compression.Zstd],
];

export function sampleRecords(): SampleRecord[] {
  const t0 = 1_700_000_000_000;
  const big = Buffer.from('kafkalite '.repeat(30_000)); // 300 KB: several LZ4 64 KiB blocks, several zstd blocks
  const rnd = Buffer.alloc(70_000);
  for (let i = 0; i < rnd.length; i++) rnd[i] = (i * 2654435761) >>> 24; // incompressible-ish, deterministic
  return [
    { key: Buffer.from('k1'), value: Buffer.from('v1'), timestamp: t0, headers: [] },
    { key: null, value: Buffer.from('no key'), timestamp: t0 + 5, headers: [{ key: 'h', value: Buffer.from('x') }] },
    { key: Buffer.from('tombstone'), value: null, timestamp: t0 - 3, headers: [] }, // negative timestamp delta
    { key: Buffer.alloc(0), value: Buffer.alloc(0), timestamp: t0 + 1000, headers: [{ key: 'ünïcødé', value: Buffer.from([0, 255]) }] },
    { key: Buffer.from('big'), value: big, timestamp: t0 + 2, headers: [{ key: 'a', value: Buffer.from('1') }, { key: 'b', value: Buffer.from('2') }] },
    { key: Buffer.from('rnd'), value: rnd, timestamp: t0 + 7, headers: [] },
    { key: Buffer.from('last'), value: Buffer.from('v'.repeat(300)), timestamp: t0 + 2_000_000_000, headers: [] },
  ];
}

describe('kafkajs RecordBatch encoder -> our validate/decode', () => {
  for (const [name, codec] of CODECS) {
    it(`${name}`, async () => {
      const input = sampleRecords();
      const buf = await kafkajsBatch(input, codec, { baseOffset: 42, producerId: 7, producerEpoch: 3, firstSequence: 11, transactional: true });
      const h = validateBatch(buf);
      expect(h).toMatchObject({
        baseOffset: 42,
        magic: 2,
        compression: codec,
        recordCount: input.length,
        lastOffsetDelta: input.length - 1,
        producerId: 7,
        producerEpoch: 3,
        baseSequence: 11,
        isTransactional: true,
        isControl: false,
        timestampType: 0,
        baseTimestamp: input[0].timestamp,
        maxTimestamp: Math.max(...input.map((r) => r.timestamp)),
        size: buf.length,
      });
      const [batch] = await decodeBatches(buf);
      expectSameRecords(batch.records, input, name);
      expect(batch.records.map((r) => r.offset)).toEqual(input.map((_, i) => 42 + i));
    });
  }
});

describe('our encodeBatch -> kafkajs RecordBatch decoder', () => {
  for (const [name, codec] of CODECS) {
    it(`${name}`, async () => {
      const input = sampleRecords();
      const buf = await encodeBatch(input, { compression: codec, baseOffset: 1000, producerId: 99, producerEpoch: 1, baseSequence: 5 });
      validateBatch(buf);
      const d = await decodeKafkajsBatch(new Decoder(buf));
      expect(d.firstOffset).toBe('1000');
      expect(d.producerId).toBe('99');
      expect(d.firstSequence).toBe(5);
      expect(d.records).toHaveLength(input.length);
      d.records.forEach((r: any, i: number) => {
        expect(r.offset).toBe(String(1000 + i));
        expect(r.timestamp).toBe(String(input[i].timestamp));
        expect(r.key === null ? null : Buffer.compare(r.key, input[i].key!)).toBe(input[i].key === null ? null : 0);
        expect(r.value === null ? null : Buffer.compare(r.value, input[i].value!)).toBe(input[i].value === null ? null : 0);
        const expected: Record<string, Buffer | Buffer[]> = {};
        for (const hd of input[i].headers) expected[hd.key] = hd.value;
        expect(r.headers).toEqual(expected);
      });
    });
  }

  it('kafkajs reads our LogAppendTime batches as LogAppendTime', async () => {
    const buf = await encodeBatch([{ key: null, value: Buffer.from('x'), timestamp: 5 }], { timestampType: 1 });
    const d = await decodeKafkajsBatch(new Decoder(buf));
    expect(d.timestampType).toBe(1);
    expect(d.maxTimestamp).toBe('5');
  });
});
