// Snappy for Kafka codec 2. Two framings occur on the wire:
// - raw snappy (one block with a varint length preamble): librdkafka, franz-go, kafkajs-snappy, @platformatic/kafka;
// - xerial/snappy-java framing (what the Java client writes): 16-byte header "\x82SNAPPY\0" + int32 version +
//   int32 min-compatible version, then [int32 BE compressed length + raw snappy block]*.
// decompress detects the xerial magic and otherwise treats the payload as raw snappy.
//
// compress writes RAW snappy, not xerial: every consumer that understands xerial also falls back to raw (snappy-java's
// SnappyInputStream does when the magic is absent; so do librdkafka, franz-go, kafka-python, kafkajs-snappy), while
// @platformatic/kafka's snappy decoder (wasm) only understands raw and fails on xerial input (checked: "unreachable").
//
// Bounding: both framings state each block's uncompressed length in the varint preamble, so we check the running
// total against the limit before asking the native decoder to allocate anything.
import { createRequire } from 'node:module';
import { RecordError, RecordErrorCode, asRecordError } from './errors.js';

// Loaded on first use (see crc.ts): the native module costs start-up time and memory most brokers never need.
const require = createRequire(import.meta.url);
let snappy: typeof import('snappy') | undefined;
const native = () => (snappy ??= require('snappy') as typeof import('snappy'));

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_LEN = 16;

export async function snappyCompress(data: Buffer): Promise<Buffer> {
  try {
    return await native().compress(data);
  } catch (e) {
    throw asRecordError(e, 'snappy compression failed');
  }
}

export function isXerial(data: Buffer): boolean {
  return data.length >= XERIAL_HEADER_LEN && data.subarray(0, 8).equals(XERIAL_MAGIC);
}

/** Wraps raw snappy blocks in xerial framing (for tests and for anyone who wants Java-identical bytes). */
export function xerialFrame(blocks: Buffer[]): Buffer {
  const header = Buffer.alloc(XERIAL_HEADER_LEN);
  XERIAL_MAGIC.copy(header, 0);
  header.writeInt32BE(1, 8); // version
  header.writeInt32BE(1, 12); // min compatible version
  const parts: Buffer[] = [header];
  for (const b of blocks) {
    const len = Buffer.alloc(4);
    len.writeInt32BE(b.length, 0);
    parts.push(len, b);
  }
  return Buffer.concat(parts);
}

/** Uncompressed length from a raw snappy block's varint preamble (at most 5 bytes, < 2^32). */
function rawLength(block: Buffer): number {
  let result = 0;
  for (let i = 0; i < 5; i++) {
    if (i >= block.length) throw new RecordError('snappy: truncated length preamble');
    const b = block[i];
    result += (b & 0x7f) * 2 ** (7 * i);
    if ((b & 0x80) === 0) return result;
  }
  throw new RecordError('snappy: invalid length preamble');
}

function decodeRaw(block: Buffer, budget: number): Buffer {
  const len = rawLength(block);
  if (len > budget) {
    throw new RecordError(`snappy: decompressed data exceeds the limit (${len} > ${budget} bytes)`, RecordErrorCode.MESSAGE_TOO_LARGE);
  }
  let out: Buffer;
  try {
    out = native().uncompressSync(block, { asBuffer: true }) as Buffer;
  } catch (e) {
    throw asRecordError(e, 'snappy: corrupt input');
  }
  if (out.length !== len) throw new RecordError(`snappy: decoded ${out.length} bytes but the preamble says ${len}`);
  return out;
}

export function snappyDecompress(data: Buffer, maxOutput: number): Buffer {
  if (!isXerial(data)) return decodeRaw(data, maxOutput);
  const parts: Buffer[] = [];
  let total = 0;
  let pos = XERIAL_HEADER_LEN;
  while (pos < data.length) {
    if (data.length - pos < 4) throw new RecordError('snappy: truncated xerial block length');
    const len = data.readInt32BE(pos);
    pos += 4;
    if (len < 0 || len > data.length - pos) throw new RecordError(`snappy: xerial block length ${len} exceeds the remaining ${data.length - pos} bytes`);
    const block = decodeRaw(data.subarray(pos, pos + len), maxOutput - total);
    pos += len;
    total += block.length;
    parts.push(block);
  }
  return parts.length === 1 ? parts[0] : Buffer.concat(parts, total);
}
