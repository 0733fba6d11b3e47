// Batch header parsing, validation rules, in-place edits and control batches.
import { describe, expect, it } from 'vitest';
import {
  Compression,
  RecordError,
  RecordErrorCode,
  checkCompressedRecords,
  crc32c,
  decodeBatches,
  decodePlainRecords,
  detectMagic,
  encodeBatch,
  encodeControlBatch,
  parseControlRecordKey,
  readBatchHeader,
  setBaseOffset,
  setLogAppendTime,
  setPartitionLeaderEpoch,
  splitBatches,
  updateCrc,
  validateBatch,
} from '../../../src/protocol/records/index.js';
import { Decoder, decodeKafkajsBatch } from './kafkajs-interop.js';

const recs = [
  { key: Buffer.from('a'), value: Buffer.from('1'), timestamp: 1000 },
  { key: null, value: Buffer.from('2'), timestamp: 1200, headers: [{ key: 'h', value: null }] },
  { key: Buffer.from('c'), value: null, timestamp: 900 },
];

function expectRecordError(fn: () => unknown, re: RegExp, code?: number) {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(RecordError);
  expect((err as Error).message).toMatch(re);
  if (code !== undefined) expect((err as RecordError).errorCode).toBe(code);
}

describe('encodeBatch + readBatchHeader', () => {
  it('writes the documented header fields', async () => {
    const buf = await encodeBatch(recs, { baseOffset: 5, producerId: 12, producerEpoch: 2, baseSequence: 40, partitionLeaderEpoch: 9, isTransactional: true });
    const h = readBatchHeader(buf);
    expect(h).toEqual({
      baseOffset: 5,
      batchLength: buf.length - 12,
      partitionLeaderEpoch: 9,
      magic: 2,
      crc: crc32c(buf, 21),
      attributes: 0x10,
      compression: Compression.None,
      timestampType: 0,
      isTransactional: true,
      isControl: false,
      lastOffsetDelta: 2,
      baseTimestamp: 1000,
      maxTimestamp: 1200,
      producerId: 12,
      producerEpoch: 2,
      baseSequence: 40,
      recordCount: 3,
      size: buf.length,
    });
    expect(validateBatch(buf)).toEqual(h);
    expect(detectMagic(buf)).toBe(2);
  });
  it('defaults: no producer (-1/-1/-1), leader epoch -1, CreateTime, timestamps default to now', async () => {
    const before = Date.now();
    const buf = await encodeBatch([{ value: Buffer.from('x') }]);
    const h = validateBatch(buf);
    expect(h).toMatchObject({ baseOffset: 0, producerId: -1, producerEpoch: -1, baseSequence: -1, partitionLeaderEpoch: -1, timestampType: 0 });
    expect(h.baseTimestamp).toBeGreaterThanOrEqual(before);
    const [b] = await decodeBatches(buf);
    expect(b.records[0]).toEqual({ offset: 0, timestamp: h.baseTimestamp, key: null, value: Buffer.from('x'), headers: [] });
  });
  it('refuses to encode an empty batch', async () => {
    await expect(encodeBatch([])).rejects.toBeInstanceOf(RecordError);
  });
  it('readBatchHeader honours pos and rejects short buffers and other magics', async () => {
    const a = await encodeBatch(recs);
    const b = await encodeBatch(recs, { baseOffset: 3 });
    const both = Buffer.concat([a, b]);
    expect(readBatchHeader(both, a.length).baseOffset).toBe(3);
    expectRecordError(() => readBatchHeader(a.subarray(0, 60)), /minimum batch size is 61/);
    const m1 = Buffer.from(a);
    m1[16] = 1;
    expectRecordError(() => readBatchHeader(m1), /magic 1/);
    const codec = Buffer.from(a);
    codec[22] |= 7;
    expectRecordError(() => readBatchHeader(codec), /compression type id 7/, RecordErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
  });
});

describe('validateBatch rejects', () => {
  it('a CRC mismatch, with the Kafka wording', async () => {
    const buf = await encodeBatch(recs);
    buf[buf.length - 1] ^= 0xff;
    expectRecordError(() => validateBatch(buf), /Record is corrupt \(stored crc = \d+, computed crc = \d+\)/, RecordErrorCode.CORRUPT_MESSAGE);
  });
  it('a length field that does not match the buffer (short or long)', async () => {
    const buf = await encodeBatch(recs);
    expectRecordError(() => validateBatch(Buffer.concat([buf, Buffer.alloc(1)])), /batch length/);
    expectRecordError(() => validateBatch(buf.subarray(0, buf.length - 1)), /batch length/);
    expectRecordError(() => validateBatch(Buffer.concat([buf, buf])), /batch length/); // exactly ONE batch
  });
  it('record count 0, and lastOffsetDelta inconsistent with the count', async () => {
    const zero = await encodeBatch(recs);
    zero.writeInt32BE(0, 57);
    updateCrc(zero);
    expectRecordError(() => validateBatch(zero), /count/, RecordErrorCode.INVALID_RECORD);
    const delta = await encodeBatch(recs);
    delta.writeInt32BE(5, 23);
    updateCrc(delta);
    expectRecordError(() => validateBatch(delta), /Inconsistent batch offset range/, RecordErrorCode.INVALID_RECORD);
  });
  it('an uncompressed batch whose declared count does not match its records (Kafka iterates them to check)', async () => {
    const lie = async (count: number) => {
      const buf = await encodeBatch(recs);
      buf.writeInt32BE(count - 1, 23);
      buf.writeInt32BE(count, 57);
      updateCrc(buf);
      return buf;
    };
    expect(recs).toHaveLength(3);
    const few = await lie(2);
    expectRecordError(() => validateBatch(few), /Incorrect declared batch size, records still remaining in file/, RecordErrorCode.INVALID_RECORD);
    const many = await lie(4);
    expectRecordError(() => validateBatch(many), /Incorrect declared batch size, premature EOF reached/, RecordErrorCode.INVALID_RECORD);
    const long = await encodeBatch(recs);
    long[61] = 0x7e; // the first record's length: 63 bytes, more than are left
    updateCrc(long);
    expectRecordError(() => validateBatch(long), /Invalid record size: expected 63 bytes in record payload/, RecordErrorCode.INVALID_RECORD);
  });
  it('a compressed batch: its records are walked after decompressing, and a payload that does not decompress is corrupt', async () => {
    for (const compression of [Compression.Gzip, Compression.Snappy, Compression.Lz4, Compression.Zstd]) {
      const lie = async (count: number) => {
        const buf = await encodeBatch(recs, { compression });
        buf.writeInt32BE(count - 1, 23);
        buf.writeInt32BE(count, 57);
        updateCrc(buf);
        return buf;
      };
      const honest = await lie(3);
      const plain = await checkCompressedRecords(honest, validateBatch(honest));
      expect(decodePlainRecords(plain, validateBatch(honest)).map((r) => r.value?.toString() ?? null)).toEqual(['1', '2', null]);
      for (const [count, re] of [[2, /records still remaining in file/], [4, /premature EOF reached/]] as const) {
        const buf = await lie(count);
        const h = validateBatch(buf); // the header alone cannot tell
        await expect(checkCompressedRecords(buf, h), `codec ${compression}, count ${count}`).rejects.toMatchObject({ errorCode: RecordErrorCode.INVALID_RECORD, message: expect.stringMatching(re) });
      }
      const garbage = Buffer.concat([honest.subarray(0, 61), Buffer.from('not compressed at all')]);
      garbage.writeInt32BE(garbage.length - 12, 8);
      updateCrc(garbage);
      await expect(checkCompressedRecords(garbage, validateBatch(garbage)), `codec ${compression}`).rejects.toMatchObject({ errorCode: RecordErrorCode.CORRUPT_MESSAGE });
    }
  });
  it("an uncompressed record whose fields disagree with its length, with Kafka's iterator messages", async () => {
    // One record {key 'a', value '1'}: size 8 | attributes | timestamp delta | offset delta | key 1 'a' | value 1 '1' | 0 headers
    const base = await encodeBatch([{ key: Buffer.from('a'), value: Buffer.from('1'), timestamp: 1000 }]);
    expect([...base.subarray(61)]).toEqual([0x10, 0, 0, 0, 0x02, 0x61, 0x02, 0x31, 0x00]);
    const withRecords = (section: number[]) => {
      const buf = Buffer.concat([base.subarray(0, 61), Buffer.from(section)]);
      buf.writeInt32BE(49 + section.length, 8);
      updateCrc(buf);
      return buf;
    };
    expect(validateBatch(withRecords([0x10, 0, 0, 0, 0x02, 0x61, 0x02, 0x31, 0x00])).recordCount).toBe(1);
    const cases: [number[], RegExp][] = [
      [[0x10, 0, 0, 0, 0x7e, 0x61, 0x02, 0x31, 0x00], /^Found invalid record structure$/], // a key longer than the buffer
      [[0x10, 0, 0, 0, 0x02, 0x61, 0x02, 0x31, 0x01], /^Found invalid number of record headers -1$/],
      [[0x12, 0, 0, 0, 0x02, 0x61, 0x02, 0x31, 0x00, 0x00], /^Invalid record size: expected to read 9 bytes in record payload, but instead read 8$/],
      [[0x10, 0, 0, 0, 0x02, 0x61, 0x02, 0x31, 0x02, 0x01, 0x61, 0x00], /^Invalid negative header key size -1$/], // size no longer matches either: the header is read first
    ];
    for (const [section, re] of cases) expectRecordError(() => validateBatch(withRecords(section)), re, RecordErrorCode.INVALID_RECORD);
  });
  it('a producer id without a sequence number', async () => {
    const buf = await encodeBatch(recs, { producerId: 1, producerEpoch: 0, baseSequence: -1 });
    expectRecordError(() => validateBatch(buf), /Invalid sequence number/, RecordErrorCode.INVALID_RECORD);
  });
  it('anything shorter than a header', () => {
    for (let n = 0; n < 61; n++) expectRecordError(() => validateBatch(Buffer.alloc(n)), /.+/);
  });
});

describe('in-place edits', () => {
  it('setBaseOffset and setPartitionLeaderEpoch keep the CRC valid', async () => {
    for (const compression of [Compression.None, Compression.Zstd]) {
      const buf = await encodeBatch(recs, { compression });
      const crc = readBatchHeader(buf).crc;
      setBaseOffset(buf, 2 ** 40 + 17);
      setPartitionLeaderEpoch(buf, 77);
      const h = validateBatch(buf);
      expect(h).toMatchObject({ baseOffset: 2 ** 40 + 17, partitionLeaderEpoch: 77, crc });
      const [b] = await decodeBatches(buf);
      expect(b.records.map((r) => r.offset)).toEqual([0, 1, 2].map((i) => 2 ** 40 + 17 + i));
    }
  });
  it('setLogAppendTime sets the type and maxTimestamp, keeps baseTimestamp (as Kafka), and rewrites the CRC', async () => {
    const buf = await encodeBatch(recs, { compression: Compression.Lz4, isTransactional: true, producerId: 3, producerEpoch: 0, baseSequence: 0 });
    const before = validateBatch(buf);
    setLogAppendTime(buf, 5555);
    const h = validateBatch(buf); // CRC still valid
    expect(h.crc).not.toBe(before.crc);
    expect(h).toMatchObject({ timestampType: 1, maxTimestamp: 5555, baseTimestamp: before.baseTimestamp, isTransactional: true, compression: Compression.Lz4 });
    const [b] = await decodeBatches(buf);
    expect(b.records.map((r) => r.timestamp)).toEqual([5555, 5555, 5555]); // readers take LogAppendTime from maxTimestamp
    // kafkajs agrees
    const d = await decodeKafkajsBatch(new Decoder(buf));
    expect(d.records.map((r: any) => r.timestamp)).toEqual(['5555', '5555', '5555']);
  });
  it('setters reject buffers without a full header', () => {
    expectRecordError(() => setBaseOffset(Buffer.alloc(10), 1), /header/);
    expectRecordError(() => setLogAppendTime(Buffer.alloc(10), 1), /.+/);
  });
});

describe('control batches', () => {
  for (const kind of ['commit', 'abort'] as const) {
    it(`${kind} marker: layout, validation, and kafkajs sees a control batch`, async () => {
      const buf = encodeControlBatch(kind, { producerId: 1234, producerEpoch: 5, coordinatorEpoch: 9, timestamp: 777, baseOffset: 50 });
      const h = validateBatch(buf);
      expect(h).toMatchObject({ isControl: true, isTransactional: true, producerId: 1234, producerEpoch: 5, baseSequence: -1, recordCount: 1, baseOffset: 50, baseTimestamp: 777, maxTimestamp: 777 });
      const [b] = await decodeBatches(buf);
      const r = b.records[0];
      expect(r.offset).toBe(50);
      expect(r.key!.toString('hex')).toBe(kind === 'commit' ? '00000001' : '00000000');
      expect(r.value!.toString('hex')).toBe('000000000009');
      expect(parseControlRecordKey(r.key)).toEqual({ version: 0, type: kind === 'commit' ? 1 : 0 });
      const d = await decodeKafkajsBatch(new Decoder(buf));
      expect(d.isControlBatch).toBe(true);
      expect(d.inTransaction).toBe(true);
    });
  }
});

describe('record-level parsing', () => {
  async function withRecordBytes(body: number[]): Promise<Buffer> {
    const head = (await encodeBatch([{ value: Buffer.from('x'), timestamp: 1 }])).subarray(0, 61);
    const buf = Buffer.concat([head, Buffer.from([body.length * 2, ...body])]); // zigzag varint length (< 64)
    buf.writeInt32BE(buf.length - 12, 8);
    updateCrc(buf);
    return buf;
  }
  it('treats any negative key/value length as null (Kafka does) but rejects a negative header key size', async () => {
    // attributes, tsDelta 0, offsetDelta 0, key len -3 (zigzag 5), value len 1, 'x', 1 header: key len -1, value -1
    const ok = await withRecordBytes([0, 0, 0, 5, 2, 0x78, 2, 2, 0x6b, 1]);
    const [b] = await decodeBatches(ok);
    expect(b.records[0]).toMatchObject({ key: null, value: Buffer.from('x'), headers: [{ key: 'k', value: null }] });
    const bad = await withRecordBytes([0, 0, 0, 1, 2, 0x78, 2, 1, 1]);
    await expect(decodeBatches(bad)).rejects.toMatchObject({ errorCode: RecordErrorCode.INVALID_RECORD, message: expect.stringMatching(/header key/) });
  });
  it('rejects bytes left over inside a record and after the last record', async () => {
    await expect(decodeBatches(await withRecordBytes([0, 0, 0, 1, 2, 0x78, 0, 9]))).rejects.toThrow(/left over/);
    const buf = await withRecordBytes([0, 0, 0, 1, 2, 0x78, 0]);
    const extra = Buffer.concat([buf, Buffer.from([0])]);
    extra.writeInt32BE(extra.length - 12, 8);
    updateCrc(extra);
    await expect(decodeBatches(extra)).rejects.toThrow(/bytes left after 1 records/);
  });
});

describe('splitBatches / decodeBatches framing', () => {
  it('splits concatenated batches and ignores a trailing partial one', async () => {
    const a = await encodeBatch(recs, { baseOffset: 0 });
    const b = await encodeBatch(recs, { baseOffset: 3, compression: Compression.Gzip });
    const all = Buffer.concat([a, b, a.subarray(0, 30)]);
    expect(splitBatches(all).map((x) => x.header.baseOffset)).toEqual([0, 3]);
    const batches = await decodeBatches(all);
    expect(batches.flatMap((x) => x.records.map((r) => r.offset))).toEqual([0, 1, 2, 3, 4, 5]);
    expect(await decodeBatches(Buffer.alloc(0))).toEqual([]);
  });
  it('decodes an empty (compacted) batch to no records', async () => {
    const buf = await encodeBatch(recs);
    const empty = Buffer.from(buf.subarray(0, 61));
    empty.writeInt32BE(61 - 12, 8);
    empty.writeInt32BE(0, 57);
    updateCrc(empty);
    const [b] = await decodeBatches(empty);
    expect(b.records).toEqual([]);
  });
  it('a corrupt batch in the middle is an error, not a silent stop', async () => {
    const a = await encodeBatch(recs);
    const bad = Buffer.from(a);
    bad[70] ^= 1;
    await expect(decodeBatches(Buffer.concat([a, bad, a]))).rejects.toThrow(/crc/);
  });
});
