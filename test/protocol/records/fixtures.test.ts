// Fixtures produced by independent implementations (see fixtures/gen-fixtures.py): kafka-python's record builders
// (xerial snappy, liblz4 frames incl. the magic-0 broken header checksum, libzstd), python-lz4/zstandard frame
// variants, gzip multi-member, and snappy-java (the Java client's snappy library).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  Compression,
  decodeBatches,
  decodeLegacyMessages,
  decodeMessageSet,
  decompress,
  detectMagic,
  isXerial,
  upConvertMessageSet,
  validateBatch,
} from '../../../src/protocol/records/index.js';
import { expectSameRecords } from './kafkajs-interop.js';

const FIX = join(__dirname, 'fixtures');
const fixture = (name: string) => readFileSync(join(FIX, name));

export const PLAIN = Buffer.from(Array.from({ length: 6000 }, (_, i) => `record ${i} ${'x'.repeat(i % 50)}\n`).join(''));
const RND = Buffer.concat(Array.from({ length: 2200 }, (_, i) => createHash('sha256').update(String(i)).digest()));

type MV = string | null | { repeat: string; times: number };
const mv = (v: MV): Buffer | null => (v === null ? null : typeof v === 'string' ? Buffer.from(v) : Buffer.from(v.repeat.repeat(v.times)));
const manifest = JSON.parse(fixture('kafka-python.json').toString());
const v2Expected = manifest.v2.map((r: any) => ({ timestamp: r.timestamp, key: mv(r.key), value: mv(r.value), headers: r.headers.map(([k, v]: [string, MV]) => ({ key: k, value: mv(v) })) }));
const legacyExpected = (magic: number) => manifest.legacy.map((r: any) => ({ timestamp: magic === 1 ? r.timestamp : -1, key: mv(r.key), value: mv(r.value), headers: [] }));

describe('codec fixtures from independent implementations', () => {
  it('the plaintext formula matches the generator', () => {
    expect(createHash('sha256').update(PLAIN).digest('hex')).toBe(fixture('plain.sha256').toString());
  });

  const cases: [string, Compression, Buffer][] = [
    ['lz4-java-like.lz4', Compression.Lz4, PLAIN],
    ['lz4-checksums-4mb.lz4', Compression.Lz4, PLAIN],
    ['lz4-linked.lz4', Compression.Lz4, PLAIN],
    ['lz4-stored-blocks.lz4', Compression.Lz4, RND],
    ['lz4-two-frames.lz4', Compression.Lz4, PLAIN],
    ['lz4-broken-hc.lz4', Compression.Lz4, PLAIN],
    ['zstd-no-content-size.zst', Compression.Zstd, PLAIN],
    ['zstd-two-frames.zst', Compression.Zstd, PLAIN],
    ['gzip-two-members.gz', Compression.Gzip, PLAIN],
    ['snappy-xerial-python.snappy', Compression.Snappy, PLAIN],
    ['snappy-xerial-java.snappy', Compression.Snappy, PLAIN],
  ];
  for (const [name, codec, expected] of cases) {
    it(`decompresses ${name}`, async () => {
      const out = await decompress(codec, fixture(name));
      expect(out.length).toBe(expected.length);
      expect(out.equals(expected)).toBe(true);
    });
  }

  it('the xerial fixtures really are xerial-framed and multi-chunk', () => {
    const x = fixture('snappy-xerial-java.snappy');
    expect(isXerial(x)).toBe(true);
    expect(x.readInt32BE(16)).toBeLessThan(x.length - 20); // first chunk is not the whole payload
  });

  it('a bad LZ4 header checksum that is neither the correct nor the KAFKA-3160 one is rejected', async () => {
    const bad = Buffer.from(fixture('lz4-broken-hc.lz4'));
    bad[6] ^= 0x55;
    await expect(decompress(Compression.Lz4, bad)).rejects.toThrow(/checksum/);
  });

  it('a corrupted LZ4 content checksum / block checksum is detected', async () => {
    const f = Buffer.from(fixture('lz4-checksums-4mb.lz4'));
    const c = Buffer.from(f);
    c[c.length - 1] ^= 1; // content checksum is the last 4 bytes
    await expect(decompress(Compression.Lz4, c)).rejects.toThrow(/content checksum/);
    const b = Buffer.from(f);
    b[20] ^= 1; // inside the first block's data
    await expect(decompress(Compression.Lz4, b)).rejects.toThrow(/LZ4/);
  });
});

describe('kafka-python magic-2 batches', () => {
  for (const name of ['none', 'gzip', 'snappy', 'lz4', 'zstd']) {
    it(`kp-v2-${name}.bin validates and decodes`, async () => {
      const buf = fixture(`kp-v2-${name}.bin`);
      const h = validateBatch(buf);
      expect(h).toMatchObject({ producerId: 4242, producerEpoch: 3, baseSequence: 17, recordCount: 12, lastOffsetDelta: 11 });
      expect(h.compression).toBe(['none', 'gzip', 'snappy', 'lz4', 'zstd'].indexOf(name));
      const [batch] = await decodeBatches(buf);
      expectSameRecords(batch.records, v2Expected, name);
      expect(batch.records.map((r) => r.offset)).toEqual(manifest.v2.map((r: any) => r.offset));
    });
  }
  it('kafka-python snappy batches are xerial-framed', () => {
    expect(isXerial(fixture('kp-v2-snappy.bin').subarray(61))).toBe(true);
  });
});

describe('kafka-python magic 0/1 message sets', () => {
  for (const magic of [0, 1] as const) {
    for (const name of ['none', 'gzip', 'snappy', 'lz4']) {
      it(`kp-v${magic}-${name}.bin decodes, up-converts and validates`, async () => {
        const buf = fixture(`kp-v${magic}-${name}.bin`);
        expect(detectMagic(buf)).toBe(magic);
        const msgs = await decodeLegacyMessages(buf, { strict: true });
        expect(msgs.every((m) => m.magic === magic)).toBe(true);
        expectSameRecords(msgs, legacyExpected(magic), `v${magic} ${name}`);
        expect(msgs.map((m) => m.offset)).toEqual(manifest.legacy.map((r: any) => r.offset));
        const { batch, header } = await upConvertMessageSet(buf);
        expect(header.compression).toBe(['none', 'gzip', 'snappy', 'lz4'].indexOf(name));
        expect(validateBatch(batch)).toEqual(header);
        const [b] = await decodeBatches(batch);
        expectSameRecords(b.records, legacyExpected(magic), `up-converted v${magic} ${name}`);
        expect(await decodeMessageSet(buf)).toHaveLength(12);
      });
    }
  }
});

describe('librdkafka (kcat 1.7.1 / librdkafka 2.0.2) produce payloads', () => {
  // fixtures/gen-rdkafka-fixtures.py: kcat -K: producing these lines to a fake broker, one capture per format/codec.
  const lines = fixture('rdkafka-lines.txt').toString().split('\n').filter(Boolean);
  const want = lines.map((l) => {
    const i = l.indexOf(':');
    return { key: Buffer.from(l.slice(0, i)), value: Buffer.from(l.slice(i + 1)), headers: [] };
  });
  for (const name of ['gzip', 'snappy', 'lz4', 'zstd']) {
    it(`magic 2 ${name}`, async () => {
      const buf = fixture(`rdkafka-v2-${name}.bin`);
      const batches = await decodeBatches(buf);
      expect(batches.length).toBeGreaterThan(0);
      let pos = 0;
      for (const b of batches) {
        expect(b.header.compression).toBe(['none', 'gzip', 'snappy', 'lz4', 'zstd'].indexOf(name));
        expect(validateBatch(buf.subarray(pos, pos + b.header.size))).toEqual(b.header);
        pos += b.header.size;
      }
      expect(pos).toBe(buf.length);
      expectSameRecords(batches.flatMap((b) => b.records), want, `rdkafka v2 ${name}`);
    });
  }
  for (const magic of [0, 1]) {
    for (const name of ['gzip', 'snappy', 'lz4']) {
      it(`magic ${magic} ${name}${magic === 0 && name === 'lz4' ? ' (KAFKA-3160 broken header checksum)' : ''}`, async () => {
        const buf = fixture(`rdkafka-v${magic}-${name}.bin`);
        const msgs = await decodeLegacyMessages(buf, { strict: true });
        expect(msgs.every((m) => m.magic === magic && m.compression === ['none', 'gzip', 'snappy', 'lz4'].indexOf(name))).toBe(true);
        expectSameRecords(msgs, want, `rdkafka v${magic} ${name}`);
        expect(msgs.map((m) => m.offset)).toEqual(want.map((_, i) => i));
        const { batch } = await upConvertMessageSet(buf);
        const [b] = await decodeBatches(batch);
        expectSameRecords(b.records, want);
      });
    }
  }
});
