// Magic 0/1 message sets: decoding (CRC32, compressed wrappers), up-conversion to magic 2 and down-conversion,
// cross-checked with kafkajs's message-set encoder and decoder.
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  Compression,
  RecordError,
  compress,
  crc32,
  decodeBatches,
  decodeLegacyMessages,
  decodeMessageSet,
  detectMagic,
  downConvert,
  encodeBatch,
  encodeControlBatch,
  setLogAppendTime,
  upConvertMessageSet,
  validateBatch,
} from '../../../src/protocol/records/index.js';
import { Decoder, Encoder, MessageSet, Types, decodeKafkajsMessageSet, expectSameRecords } from './kafkajs-interop.js';

const entries = [
  { key: Buffer.from('k0'), value: Buffer.from('v0'), timestamp: 1_600_000_000_000 },
  { key: null, value: Buffer.from('v1'), timestamp: 1_600_000_000_005 },
  { key: Buffer.from('k2'), value: null, timestamp: 1_600_000_000_003 },
  { key: Buffer.from(''), value: Buffer.from('x'.repeat(5000)), timestamp: 1_600_000_000_009 },
];

/** A magic 0/1 message set as kafkajs's Produce v0-v2 writes it (optionally one compressed wrapper). */
async function kafkajsMessageSet(magic: 0 | 1, codec: number): Promise<Buffer> {
  const msgs = entries.map((e) => ({ ...e }));
  if (codec === Types.None) return MessageSet({ messageVersion: magic, compression: Types.None, entries: msgs }).buffer;
  const inner = MessageSet({ messageVersion: magic, compression: codec, entries: msgs });
  const compressed = await compress(codec as Compression, inner.buffer);
  return MessageSet({ messageVersion: magic, compression: Types.None, entries: [{ compression: codec, timestamp: entries[0].timestamp, value: compressed }] }).buffer;
}

const expected = (magic: 0 | 1) => entries.map((e) => ({ ...e, timestamp: magic === 1 ? e.timestamp : -1, headers: [] }));

describe('decodeMessageSet', () => {
  for (const magic of [0, 1] as const) {
    for (const [name, codec] of [['none', 0], ['gzip', 1], ['snappy', 2], ['lz4', 3]] as const) {
      it(`magic ${magic} ${name} from kafkajs's encoder`, async () => {
        const buf = await kafkajsMessageSet(magic, codec);
        expect(detectMagic(buf)).toBe(magic);
        const records = await decodeMessageSet(buf);
        expectSameRecords(records, expected(magic), `v${magic} ${name}`);
        const legacy = await decodeLegacyMessages(buf);
        expect(legacy.every((m) => m.magic === magic && m.compression === codec)).toBe(true);
      });
    }
  }

  it('detects a CRC32 mismatch in a plain message and in an inner (compressed) message', async () => {
    const plain = Buffer.from(await kafkajsMessageSet(1, 0));
    plain[plain.length - 1] ^= 1;
    await expect(decodeMessageSet(plain)).rejects.toThrow(/stored crc = \d+, computed crc = \d+/);

    // Corrupt an inner message, then re-compress and fix the wrapper's own CRC: only the inner CRC is wrong.
    const inner = Buffer.from(MessageSet({ messageVersion: 1, compression: 1, entries }).buffer);
    inner[inner.length - 1] ^= 1;
    const wrapped = Buffer.from(MessageSet({ messageVersion: 1, entries: [{ compression: 1, timestamp: 1, value: zlib.gzipSync(inner) }] }).buffer);
    await expect(decodeMessageSet(wrapped)).rejects.toThrow(/crc/);
  });

  it('unwraps a nested gzip wrapper with magic-1 relative offsets (KIP-31) and LogAppendTime', async () => {
    // Inner offsets 0..3 relative; the wrapper carries the absolute offset of the last one (103) => 100..103.
    const inner = MessageSet({ messageVersion: 1, compression: Types.GZIP, entries }).buffer as Buffer;
    const value = zlib.gzipSync(inner);
    const wrapper = new Encoder().writeInt8(1).writeInt8(1 | 0x08).writeInt64(42).writeBytes(null).writeBytes(value).buffer as Buffer;
    const msg = Buffer.concat([Buffer.alloc(4), wrapper]);
    msg.writeUInt32BE(crc32(msg, 4), 0);
    const set = Buffer.alloc(12);
    set.writeBigInt64BE(103n, 0);
    set.writeInt32BE(msg.length, 8);
    const records = await decodeMessageSet(Buffer.concat([set, msg]));
    expect(records.map((r) => r.offset)).toEqual([100, 101, 102, 103]);
    expect(records.map((r) => r.timestamp)).toEqual([42, 42, 42, 42]); // LogAppendTime wrapper timestamp wins
    // kafkajs's decoder agrees on the offsets
    const k = await decodeKafkajsMessageSet(new Decoder(Buffer.concat([set, msg])), set.length + msg.length);
    expect(k.map((m: any) => Number(m.offset))).toEqual([100, 101, 102, 103]);
  });

  it('rejects compressed messages inside a compressed wrapper', async () => {
    const innermost = await kafkajsMessageSet(1, Types.GZIP); // a set holding one gzip wrapper
    const outer = MessageSet({ messageVersion: 1, entries: [{ compression: 1, timestamp: 1, value: zlib.gzipSync(innermost) }] }).buffer;
    await expect(decodeMessageSet(outer)).rejects.toThrow(/contains a compressed message/);
  });

  it('ignores a trailing partial message unless strict', async () => {
    const buf = await kafkajsMessageSet(1, 0);
    const cut = buf.subarray(0, buf.length - 3);
    expect(await decodeMessageSet(cut)).toHaveLength(entries.length - 1);
    await expect(decodeMessageSet(cut, { strict: true })).rejects.toBeInstanceOf(RecordError);
  });
});

describe('upConvertMessageSet', () => {
  for (const magic of [0, 1] as const) {
    for (const [name, codec] of [['none', 0], ['gzip', 1], ['snappy', 2], ['lz4', 3]] as const) {
      it(`magic ${magic} ${name} -> one valid magic-2 batch with the producer's codec`, async () => {
        const { batch, header } = await upConvertMessageSet(await kafkajsMessageSet(magic, codec));
        expect(validateBatch(batch)).toEqual(header);
        expect(header).toMatchObject({ magic: 2, compression: codec, recordCount: entries.length, lastOffsetDelta: entries.length - 1, producerId: -1, baseOffset: 0, timestampType: 0 });
        if (magic === 0) expect([header.baseTimestamp, header.maxTimestamp]).toEqual([-1, -1]);
        else expect(header.maxTimestamp).toBe(Math.max(...entries.map((e) => e.timestamp)));
        const [b] = await decodeBatches(batch);
        expectSameRecords(b.records, expected(magic));
        expect(b.records.map((r) => r.offset)).toEqual([0, 1, 2, 3]);
      });
    }
  }
  it('can override the codec, and rejects empty or magic-2 input', async () => {
    const { header } = await upConvertMessageSet(await kafkajsMessageSet(1, 1), { compression: Compression.Zstd });
    expect(header.compression).toBe(Compression.Zstd);
    await expect(upConvertMessageSet(Buffer.alloc(0))).rejects.toBeInstanceOf(RecordError);
    await expect(upConvertMessageSet(await encodeBatch([{ value: Buffer.from('x') }]))).rejects.toBeInstanceOf(RecordError);
  });
  it('rejects a message set mixing magic 0 and magic 1', async () => {
    const mixed = Buffer.concat([await kafkajsMessageSet(0, 0), await kafkajsMessageSet(1, 0)]);
    await expect(upConvertMessageSet(mixed)).rejects.toThrow(/magic/);
  });
});

describe('downConvert', () => {
  const v2 = [
    { key: Buffer.from('a'), value: Buffer.from('1'), timestamp: 10, headers: [{ key: 'dropped', value: Buffer.from('h') }] },
    { key: null, value: null, timestamp: 20 },
    { key: Buffer.from('c'), value: Buffer.from('x'.repeat(3000)), timestamp: 15 },
  ];
  async function log(): Promise<Buffer> {
    return Buffer.concat([
      await encodeBatch(v2, { baseOffset: 100, compression: Compression.Snappy }),
      encodeControlBatch('commit', { producerId: 1, producerEpoch: 0, baseOffset: 103, timestamp: 30 }),
      await encodeBatch(v2.slice(0, 2), { baseOffset: 104, compression: Compression.Zstd }),
    ]);
  }
  for (const magic of [0, 1] as const) {
    it(`to magic ${magic}: same records and offsets, headers and control batches dropped, valid for kafkajs`, async () => {
      const out = await downConvert(await log(), magic);
      expect(detectMagic(out)).toBe(magic);
      const records = await decodeMessageSet(out, { strict: true });
      expect(records.map((r) => r.offset)).toEqual([100, 101, 102, 104, 105]);
      const want = [...v2, ...v2.slice(0, 2)].map((r) => ({ key: r.key, value: r.value, timestamp: magic === 1 ? r.timestamp : -1, headers: [] }));
      expectSameRecords(records, want);
      const k = await decodeKafkajsMessageSet(new Decoder(out), out.length);
      expect(k.map((m: any) => Number(m.offset))).toEqual([100, 101, 102, 104, 105]);
      expect(k.every((m: any) => m.magicByte === magic)).toBe(true);
    });
  }
  it('keeps LogAppendTime for magic 1', async () => {
    const b = await encodeBatch(v2, { baseOffset: 7 });
    setLogAppendTime(b, 999);
    const msgs = await decodeLegacyMessages(await downConvert(b, 1));
    expect(msgs.map((m) => [m.timestamp, m.timestampType])).toEqual([[999, 1], [999, 1], [999, 1]]);
  });
  it('ignores a trailing partial batch and returns an empty set for no input', async () => {
    const full = await log();
    expect((await decodeMessageSet(await downConvert(full.subarray(0, full.length - 5), 1))).map((r) => r.offset)).toEqual([100, 101, 102]);
    expect((await downConvert(Buffer.alloc(0), 0)).length).toBe(0);
  });
});
