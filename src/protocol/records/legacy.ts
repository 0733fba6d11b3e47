// Legacy message sets (magic 0 and 1, Kafka < 0.11):
//   MessageSet => [offset int64 | messageSize int32 | Message]
//   Message    => crc uint32 (CRC32 of magic..end) | magic int8 | attributes int8 | [timestamp int64, magic 1 only] |
//                 key int32-bytes | value int32-bytes
// A compressed message is a "wrapper" whose value is a compressed message set of inner messages.
// Kafka 3.x stores only magic 2, so produce requests in this format are up-converted, and fetches at versions that
// predate magic 2 (Fetch v0-3) get their batches down-converted.
import { LOG_OVERHEAD, type BatchHeader, validateBatch } from './batch.js';
import { Compression, DEFAULT_MAX_DECOMPRESSED_BYTES, decompress, isValidCompression } from './compression.js';
import { crc32 } from './crc.js';
import { RecordError, RecordErrorCode } from './errors.js';
import { decodeBatches, encodeBatch, type Record } from './records.js';
import { Reader, Writer } from './wire.js';

const ATTR_CODEC_MASK = 0x07;
const ATTR_LOG_APPEND_TIME = 0x08;
/** crc + magic + attributes + key length + value length. */
const MESSAGE_V0_OVERHEAD = 14;
const MESSAGE_V1_OVERHEAD = 22;

export interface LegacyMessage extends Record {
  magic: 0 | 1;
  /** Codec of the wrapper this message came out of (None if it was not compressed). */
  compression: Compression;
  timestampType: 0 | 1;
}

export interface MessageSetOptions {
  /** Reject a trailing partial message instead of ignoring it (produce validation wants this). Default false. */
  strict?: boolean;
  maxDecompressedBytes?: number;
}

/** Decodes a magic 0/1 message set, checking every CRC32 and unwrapping compressed wrapper messages. */
export async function decodeMessageSet(buf: Buffer, opts: MessageSetOptions = {}): Promise<Record[]> {
  return (await decodeLegacyMessages(buf, opts)).map(({ offset, timestamp, key, value, headers }) => ({ offset, timestamp, key, value, headers }));
}

/** Like decodeMessageSet, also reporting each message's magic, wrapper codec and timestamp type. */
export async function decodeLegacyMessages(buf: Buffer, opts: MessageSetOptions = {}): Promise<LegacyMessage[]> {
  const out: LegacyMessage[] = [];
  for (const entry of readEntries(buf, opts.strict ?? false, 'message set')) {
    const m = parseMessage(entry.buf, entry.offset);
    if (m.codec === Compression.None) {
      out.push(toLegacy(m, Compression.None, m.timestamp));
      continue;
    }
    if (m.value === null) throw new RecordError(`compressed message at offset ${m.offset} has a null value`);
    const plain = await decompress(m.codec, m.value, opts.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES);
    const inner = readEntries(plain, true, `compressed message at offset ${m.offset}`).map((e) => parseMessage(e.buf, e.offset));
    if (inner.length === 0) throw new RecordError(`compressed message at offset ${m.offset} contains no messages`, RecordErrorCode.INVALID_RECORD);
    // KIP-31 (magic 1): inner offsets are relative and the wrapper carries the absolute offset of the last one.
    // Magic 0 wrappers (and producer-side sets where that yields a negative base) keep the inner offsets as they are.
    const base = m.magic > 0 ? m.offset - inner[inner.length - 1].offset : -1;
    for (const im of inner) {
      if (im.codec !== Compression.None) throw new RecordError(`compressed message at offset ${m.offset} contains a compressed message`, RecordErrorCode.INVALID_RECORD);
      if (im.magic !== m.magic) {
        throw new RecordError(`compressed message magic ${im.magic} does not match wrapper magic ${m.magic}`, RecordErrorCode.INVALID_RECORD);
      }
      const msg = toLegacy(im, m.codec, m.timestampType === 1 ? m.timestamp : im.timestamp);
      if (base >= 0) msg.offset = base + im.offset;
      if (m.timestampType === 1) msg.timestampType = 1;
      out.push(msg);
    }
  }
  return out;
}

interface Parsed {
  offset: number;
  magic: 0 | 1;
  codec: Compression;
  timestampType: 0 | 1;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
}

function toLegacy(m: Parsed, compression: Compression, timestamp: number): LegacyMessage {
  return { offset: m.offset, timestamp, key: m.key, value: m.value, headers: [], magic: m.magic, compression, timestampType: m.timestampType };
}

function readEntries(buf: Buffer, strict: boolean, what: string): { offset: number; buf: Buffer }[] {
  const entries: { offset: number; buf: Buffer }[] = [];
  const r = new Reader(buf, 0, buf.length, what);
  while (r.remaining > 0) {
    if (r.remaining < LOG_OVERHEAD) {
      if (strict) throw new RecordError(`${what}: ${r.remaining} trailing bytes are not a complete message`);
      break;
    }
    const offset = r.int64();
    const size = r.int32();
    if (size < MESSAGE_V0_OVERHEAD) throw new RecordError(`${what}: message at offset ${offset} has invalid size ${size} (minimum ${MESSAGE_V0_OVERHEAD})`);
    if (size > r.remaining) {
      if (strict) throw new RecordError(`${what}: message at offset ${offset} of ${size} bytes is truncated (${r.remaining} bytes left)`);
      break;
    }
    entries.push({ offset, buf: r.bytes(size) });
  }
  return entries;
}

function parseMessage(msg: Buffer, offset: number): Parsed {
  const r = new Reader(msg, 0, msg.length, `message at offset ${offset}`);
  const stored = r.int32() >>> 0;
  const computed = crc32(msg, 4);
  if (stored !== computed) throw new RecordError(`Message at offset ${offset} is corrupt (stored crc = ${stored}, computed crc = ${computed})`);
  const magic = r.int8();
  if (magic !== 0 && magic !== 1) throw new RecordError(`message at offset ${offset} has magic ${magic} inside a legacy message set`, RecordErrorCode.INVALID_RECORD);
  if (magic === 1 && msg.length < MESSAGE_V1_OVERHEAD) throw new RecordError(`message at offset ${offset} is too short for magic 1`);
  const attributes = r.int8();
  const codec = attributes & ATTR_CODEC_MASK;
  if (!isValidCompression(codec)) throw new RecordError(`Unknown compression type id ${codec}`, RecordErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
  const timestamp = magic === 1 ? r.int64() : -1;
  const key = r.int32Bytes();
  const value = r.int32Bytes();
  if (r.remaining !== 0) throw new RecordError(`message at offset ${offset} has ${r.remaining} bytes after its value`);
  return { offset, magic, codec, timestampType: magic === 1 && attributes & ATTR_LOG_APPEND_TIME ? 1 : 0, timestamp, key, value };
}

/**
 * Converts a magic 0/1 produce payload into one magic-2 batch, as Kafka 3.x does before appending: offsets become
 * 0..n-1 (the log assigns the base), timestamps are kept (magic 0 has none: -1), CreateTime, no producer id, and the
 * records are compressed with the producer's codec unless `compression` overrides it.
 */
export async function upConvertMessageSet(
  buf: Buffer,
  opts: { compression?: Compression; maxDecompressedBytes?: number } = {},
): Promise<{ batch: Buffer; header: BatchHeader }> {
  const messages = await decodeLegacyMessages(buf, { strict: true, maxDecompressedBytes: opts.maxDecompressedBytes });
  if (messages.length === 0) throw new RecordError('message set contains no messages', RecordErrorCode.INVALID_RECORD);
  const magic = messages[0].magic;
  const odd = messages.find((m) => m.magic !== magic);
  if (odd) throw new RecordError(`Batch magic ${odd.magic} is not the same as the first batch's magic byte ${magic}`, RecordErrorCode.INVALID_RECORD);
  const compression = opts.compression ?? messages.find((m) => m.compression !== Compression.None)?.compression ?? Compression.None;
  const batch = await encodeBatch(
    messages.map((m) => ({ timestamp: m.timestamp, key: m.key, value: m.value })),
    { compression },
  );
  return { batch, header: validateBatch(batch) };
}

/**
 * Converts concatenated magic-2 batches to an uncompressed magic 0 or 1 message set for old fetchers, keeping every
 * record's absolute offset. Like Kafka: headers are dropped (the format has none), control batches are skipped,
 * magic 1 keeps timestamps and the LogAppendTime flag, magic 0 has no timestamps. A trailing partial batch is ignored.
 */
export async function downConvert(batches: Buffer, magic: 0 | 1, opts: { maxDecompressedBytes?: number } = {}): Promise<Buffer> {
  if (magic !== 0 && magic !== 1) throw new RecordError(`cannot down-convert to magic ${magic}`);
  const decoded = await decodeBatches(batches, opts);
  const items: { r: Record; logAppend: boolean }[] = [];
  let size = 0;
  const overhead = magic === 0 ? MESSAGE_V0_OVERHEAD : MESSAGE_V1_OVERHEAD;
  for (const b of decoded) {
    if (b.header.isControl) continue;
    for (const r of b.records) {
      items.push({ r, logAppend: b.header.timestampType === 1 });
      size += LOG_OVERHEAD + overhead + (r.key?.length ?? 0) + (r.value?.length ?? 0);
    }
  }
  const w = new Writer(Buffer.allocUnsafe(size));
  for (const { r, logAppend } of items) {
    const msgSize = overhead + (r.key?.length ?? 0) + (r.value?.length ?? 0);
    w.int64(r.offset).int32(msgSize);
    const crcAt = w.pos;
    w.uint32(0).int8(magic).int8(magic === 1 && logAppend ? ATTR_LOG_APPEND_TIME : 0);
    if (magic === 1) w.int64(r.timestamp);
    w.int32Bytes(r.key).int32Bytes(r.value);
    w.buf.writeUInt32BE(crc32(w.buf, crcAt + 4, w.pos), crcAt);
  }
  if (w.pos !== size) throw new RecordError(`internal error: message set sized ${size} but ${w.pos} bytes written`);
  return w.buf;
}
