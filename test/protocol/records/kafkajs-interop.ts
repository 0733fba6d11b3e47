// Test helper: kafkajs's own record-batch / message-set encoders and decoders, with its compression codec table
// filled in for snappy/lz4/zstd by implementations independent of ours where one exists:
// snappy = @platformatic/wasm-utils (a separate wasm snappy), lz4 = kafkajs-lz4 (node-lz4), zstd = zstd-napi's
// high-level API. gzip is kafkajs's built-in (zlib.unzip).
import { createRequire } from 'node:module';
import { lz4Compress as plLz4Compress, snappyCompress as plSnappyCompress, snappyDecompress as plSnappyDecompress } from '@platformatic/wasm-utils';
import { compress as zstdCompress, decompress as zstdDecompress } from 'zstd-napi';

const require = createRequire(import.meta.url);
export const Long = require('kafkajs/src/utils/long');
export const Encoder = require('kafkajs/src/protocol/encoder');
export const Decoder = require('kafkajs/src/protocol/decoder');
export const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0');
export const KRecord = require('kafkajs/src/protocol/recordBatch/record/v0');
export const decodeKafkajsBatch: (d: unknown) => Promise<any> = require('kafkajs/src/protocol/recordBatch/v0/decoder');
export const MessageSet = require('kafkajs/src/protocol/messageSet');
export const decodeKafkajsMessageSet: (d: unknown, size?: number) => Promise<any[]> = require('kafkajs/src/protocol/messageSet/decoder');
const compression = require('kafkajs/src/protocol/message/compression');
export const Types: { None: 0; GZIP: 1; Snappy: 2; LZ4: 3; ZSTD: 4 } = compression.Types;
const LZ4Codec = require('kafkajs-lz4');

const lz4 = new LZ4Codec().codec();
compression.Codecs[Types.Snappy] = () => ({
  compress: async (encoder: { buffer: Buffer }) => Buffer.from(plSnappyCompress(encoder.buffer)),
  decompress: async (buf: Buffer) => Buffer.from(plSnappyDecompress(buf)),
});
compression.Codecs[Types.LZ4] = () => lz4;
compression.Codecs[Types.ZSTD] = () => ({
  compress: async (encoder: { buffer: Buffer }) => zstdCompress(encoder.buffer),
  decompress: async (buf: Buffer) => zstdDecompress(buf),
});

export { plLz4Compress };

export interface SampleRecord {
  key: Buffer | null;
  value: Buffer | null;
  timestamp: number;
  headers: { key: string; value: Buffer }[];
}

/** Encodes a batch with kafkajs (offset deltas 0..n-1, timestamps relative to the first). */
export async function kafkajsBatch(records: SampleRecord[], codec: number, opts: { baseOffset?: number; producerId?: number; producerEpoch?: number; firstSequence?: number; transactional?: boolean } = {}): Promise<Buffer> {
  const base = records[0].timestamp;
  const max = Math.max(...records.map((r) => r.timestamp));
  const encoded = await RecordBatch({
    compression: codec,
    firstOffset: Long.fromNumber(opts.baseOffset ?? 0),
    firstTimestamp: base,
    maxTimestamp: max,
    lastOffsetDelta: records.length - 1,
    producerId: Long.fromNumber(opts.producerId ?? -1),
    producerEpoch: opts.producerEpoch ?? 0,
    firstSequence: opts.firstSequence ?? 0,
    transactional: opts.transactional ?? false,
    records: records.map((r, i) =>
      KRecord({
        offsetDelta: i,
        timestampDelta: r.timestamp - base,
        key: r.key,
        value: r.value,
        // kafkajs takes headers as an object; repeated keys as arrays.
        headers: r.headers.reduce<Record<string, Buffer | Buffer[]>>((o, h) => {
          const cur = o[h.key];
          o[h.key] = cur === undefined ? h.value : Array.isArray(cur) ? [...cur, h.value] : [cur, h.value];
          return o;
        }, {}),
      }),
    ),
  });
  return encoded.buffer;
}

/** Fast structural comparison (vitest's deep equality walks large Buffers byte by byte, which takes seconds). */
export function expectSameRecords(
  actual: { key: Buffer | null; value: Buffer | null; timestamp: number; headers: { key: string; value: Buffer | null }[] }[],
  expected: { key?: Buffer | null; value?: Buffer | null; timestamp?: number; headers?: { key: string; value: Buffer | null }[] }[],
  where = '',
): void {
  const same = (a: Buffer | null | undefined, b: Buffer | null | undefined) => (a == null || b == null ? (a ?? null) === (b ?? null) : a.equals(b));
  if (actual.length !== expected.length) throw new Error(`${where}: ${actual.length} records, expected ${expected.length}`);
  actual.forEach((r, i) => {
    const e = expected[i];
    if (!same(r.key, e.key)) throw new Error(`${where}: record ${i} key differs`);
    if (!same(r.value, e.value)) throw new Error(`${where}: record ${i} value differs`);
    if (e.timestamp !== undefined && r.timestamp !== e.timestamp) throw new Error(`${where}: record ${i} timestamp ${r.timestamp} != ${e.timestamp}`);
    const eh = e.headers ?? [];
    if (r.headers.length !== eh.length) throw new Error(`${where}: record ${i} has ${r.headers.length} headers, expected ${eh.length}`);
    r.headers.forEach((h, j) => {
      if (h.key !== eh[j].key || !same(h.value, eh[j].value)) throw new Error(`${where}: record ${i} header ${j} differs`);
    });
  });
}
