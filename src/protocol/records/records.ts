// Records inside magic-2 batches: decoding (with decompression) and encoding (with compression), plus the
// transaction control markers the broker writes itself.
//   Record => length varint | attributes int8 | timestampDelta varlong | offsetDelta varint | key varbytes |
//             value varbytes | headerCount varint | [headerKey varstring | headerValue varbytes]
import {
  ATTR_CONTROL,
  ATTR_TIMESTAMP_TYPE,
  ATTR_TRANSACTIONAL,
  LOG_OVERHEAD,
  RECORD_BATCH_OVERHEAD,
  checkBatchIntegrity,
  type BatchHeader,
} from './batch.js';
import { Compression, DEFAULT_MAX_DECOMPRESSED_BYTES, compress, decompress, isValidCompression } from './compression.js';
import { crc32c } from './crc.js';
import { RecordError, RecordErrorCode } from './errors.js';
import { checkRecordBytes } from './record-check.js';
import { Reader, Writer, sizeOfVarBytes, sizeOfVarint, sizeOfVarlong } from './wire.js';

export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

export interface Record {
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}

export interface Batch {
  header: BatchHeader;
  records: Record[];
}

export interface RecordInput {
  timestamp?: number;
  key?: Buffer | null;
  value?: Buffer | null;
  headers?: RecordHeader[];
}

export interface EncodeBatchOptions {
  baseOffset?: number;
  compression?: Compression;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  isTransactional?: boolean;
  isControl?: boolean;
  partitionLeaderEpoch?: number;
  timestampType?: 0 | 1;
}

export interface DecodeOptions {
  /** Cap on each batch's decompressed records section (default 256 MiB). */
  maxDecompressedBytes?: number;
}

/** Parses `count` records from r (which spans exactly the records section). Trailing bytes are an error. */
export function decodeRecords(r: Reader, h: BatchHeader): Record[] {
  const records: Record[] = [];
  // LogAppendTime batches carry the broker's timestamp in maxTimestamp for every record (Kafka's DefaultRecord).
  const logAppendTime = h.timestampType === 1 ? h.maxTimestamp : null;
  // Never trust the declared count for allocation: it only bounds the loop, the data bounds the work.
  for (let i = 0; i < h.recordCount; i++) {
    r.what = `record ${i} of batch at offset ${h.baseOffset}`;
    const length = r.varint();
    if (length < 0 || length > r.remaining) throw new RecordError(`${r.what}: invalid record length ${length} (${r.remaining} bytes left)`);
    const end = r.pos + length;
    const rr = new Reader(r.buf, r.pos, end, r.what);
    rr.int8(); // record attributes: unused by Kafka
    const timestampDelta = rr.varlong();
    const offsetDelta = rr.varint();
    const key = rr.varBytes();
    const value = rr.varBytes();
    const headerCount = rr.varint();
    if (headerCount < 0) throw new RecordError(`${r.what}: invalid header count ${headerCount}`, RecordErrorCode.INVALID_RECORD);
    const headers: RecordHeader[] = [];
    for (let j = 0; j < headerCount; j++) {
      const hk = rr.varBytes();
      if (hk === null) throw new RecordError(`${r.what}: invalid negative header key size`, RecordErrorCode.INVALID_RECORD);
      headers.push({ key: hk.toString('utf8'), value: rr.varBytes() });
    }
    if (rr.pos !== end) throw new RecordError(`${r.what}: ${end - rr.pos} bytes left over after the record's fields`);
    r.pos = end;
    records.push({
      offset: h.baseOffset + offsetDelta,
      timestamp: logAppendTime ?? h.baseTimestamp + timestampDelta,
      key,
      value,
      headers,
    });
  }
  if (r.remaining !== 0) {
    throw new RecordError(`batch at offset ${h.baseOffset}: ${r.remaining} bytes left after ${h.recordCount} records`, RecordErrorCode.CORRUPT_MESSAGE);
  }
  return records;
}

/** Decodes the records of one complete, CRC-checked batch located at buf[pos, pos + header.size). */
export async function decodeBatchRecords(buf: Buffer, pos: number, h: BatchHeader, opts: DecodeOptions = {}): Promise<Record[]> {
  if (h.recordCount < 0) throw new RecordError(`Invalid reported count for record batch: ${h.recordCount}`, RecordErrorCode.INVALID_RECORD);
  const start = pos + RECORD_BATCH_OVERHEAD;
  const end = pos + h.size;
  if (h.compression === Compression.None) return decodeRecords(new Reader(buf, start, end), h);
  const plain = await decompress(h.compression, buf.subarray(start, end), opts.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES);
  return decodePlainRecords(plain, h);
}

/** The records of a batch from its records section, decompressed already if the batch is compressed. */
export function decodePlainRecords(plain: Buffer, h: BatchHeader): Record[] {
  return decodeRecords(new Reader(plain), h);
}

/**
 * What Kafka checks of a compressed batch it appends, which validateBatch cannot without decompressing: the records
 * section decompresses (CORRUPT_MESSAGE if not), and its records are walked as an uncompressed batch's are.
 * Returns the decompressed records section. `batch` is one batch, as validateBatch accepted it.
 */
export async function checkCompressedRecords(batch: Buffer, h: BatchHeader): Promise<Buffer> {
  const plain = await decompress(h.compression, batch.subarray(RECORD_BATCH_OVERHEAD));
  checkRecordBytes(plain, 0, h.recordCount);
  return plain;
}

/**
 * Decodes (decompressing) every batch in a buffer of concatenated magic-2 batches. Each batch's framing and CRC are
 * checked. A trailing partial batch is ignored (fetch responses may end mid-batch). Empty batches (count 0, left
 * by compaction) decode to no records.
 */
export async function decodeBatches(buf: Buffer, opts: DecodeOptions = {}): Promise<Batch[]> {
  const batches: Batch[] = [];
  let pos = 0;
  while (buf.length - pos >= LOG_OVERHEAD) {
    const declared = buf.readInt32BE(pos + 8) + LOG_OVERHEAD;
    if (declared >= RECORD_BATCH_OVERHEAD && buf.length - pos < declared) break; // trailing partial batch
    const header = checkBatchIntegrity(buf, pos);
    batches.push({ header, records: await decodeBatchRecords(buf, pos, header, opts) });
    pos += header.size;
  }
  return batches;
}

function headerBytes(headers: RecordHeader[] | undefined): { keys: Buffer[]; size: number } {
  const keys: Buffer[] = [];
  let size = sizeOfVarint(headers?.length ?? 0);
  for (const h of headers ?? []) {
    if (typeof h.key !== 'string') throw new RecordError('header key must be a string', RecordErrorCode.INVALID_RECORD);
    const k = Buffer.from(h.key, 'utf8');
    keys.push(k);
    size += sizeOfVarBytes(k) + sizeOfVarBytes(h.value);
  }
  return { keys, size };
}

/** Serializes records (without batch header), returning the bytes and the timestamp summary. */
function encodeRecordsSection(records: RecordInput[], now: number): { bytes: Buffer; baseTimestamp: number; maxTimestamp: number } {
  const timestamps = records.map((r) => r.timestamp ?? now);
  const baseTimestamp = timestamps[0];
  let maxTimestamp = -1;
  for (const t of timestamps) {
    if (!Number.isSafeInteger(t)) throw new RecordError(`invalid record timestamp ${t}`, RecordErrorCode.INVALID_RECORD);
    if (t > maxTimestamp) maxTimestamp = t;
  }
  const bodies: number[] = [];
  const hdrs: { keys: Buffer[]; size: number }[] = [];
  let total = 0;
  records.forEach((r, i) => {
    const hb = headerBytes(r.headers);
    const body = 1 + sizeOfVarlong(timestamps[i] - baseTimestamp) + sizeOfVarint(i) + sizeOfVarBytes(r.key) + sizeOfVarBytes(r.value) + hb.size;
    bodies.push(body);
    hdrs.push(hb);
    total += sizeOfVarint(body) + body;
  });
  const w = new Writer(Buffer.allocUnsafe(total));
  records.forEach((r, i) => {
    w.varint(bodies[i]).int8(0).varlong(timestamps[i] - baseTimestamp).varint(i).varBytes(r.key).varBytes(r.value);
    const headers = r.headers ?? [];
    w.varint(headers.length);
    headers.forEach((h, j) => w.varBytes(hdrs[i].keys[j]).varBytes(h.value));
  });
  // The buffer is allocUnsafe: a size miscalculation must never ship uninitialized memory.
  if (w.pos !== total) throw new RecordError(`internal error: records section sized ${total} but ${w.pos} bytes written`);
  return { bytes: w.buf, baseTimestamp, maxTimestamp };
}

/** Assembles header + records section, computing the CRC. `section` is already compressed if `compression` != None. */
function assembleBatch(section: Buffer, count: number, lastOffsetDelta: number, baseTimestamp: number, maxTimestamp: number, opts: EncodeBatchOptions): Buffer {
  const compression = opts.compression ?? Compression.None;
  const attributes =
    compression |
    (opts.timestampType === 1 ? ATTR_TIMESTAMP_TYPE : 0) |
    (opts.isTransactional ? ATTR_TRANSACTIONAL : 0) |
    (opts.isControl ? ATTR_CONTROL : 0);
  const buf = Buffer.allocUnsafe(RECORD_BATCH_OVERHEAD + section.length);
  const w = new Writer(buf);
  w.int64(opts.baseOffset ?? 0)
    .int32(buf.length - LOG_OVERHEAD)
    .int32(opts.partitionLeaderEpoch ?? -1)
    .int8(2)
    .uint32(0) // CRC, filled below
    .int16(attributes)
    .int32(lastOffsetDelta)
    .int64(baseTimestamp)
    .int64(maxTimestamp)
    .int64(opts.producerId ?? -1)
    .int16(opts.producerEpoch ?? -1)
    .int32(opts.baseSequence ?? -1)
    .int32(count)
    .raw(section);
  buf.writeUInt32BE(crc32c(buf, 21), 17);
  return buf;
}

/** Encodes one magic-2 batch. Offsets are baseOffset + index; baseTimestamp is the first record's timestamp. */
export async function encodeBatch(records: RecordInput[], opts: EncodeBatchOptions = {}): Promise<Buffer> {
  if (records.length === 0) throw new RecordError('cannot encode a record batch with no records', RecordErrorCode.INVALID_RECORD);
  const compression = opts.compression ?? Compression.None;
  if (!isValidCompression(compression)) throw new RecordError(`unsupported compression codec ${compression}`, RecordErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
  const { bytes, baseTimestamp, maxTimestamp } = encodeRecordsSection(records, Date.now());
  const section = compression === Compression.None ? bytes : await compress(compression, bytes);
  return assembleBatch(section, records.length, records.length - 1, baseTimestamp, maxTimestamp, opts);
}

/** Control record key type: 0 = abort, 1 = commit (Kafka's ControlRecordType). */
export const CONTROL_TYPE_ABORT = 0;
export const CONTROL_TYPE_COMMIT = 1;

/**
 * Encodes a transaction marker batch: one control record whose key is version int16 0 + type int16 and whose value
 * is version int16 0 + coordinatorEpoch int32 (Kafka's EndTransactionMarker). Attributes: transactional + control;
 * baseSequence -1 (markers carry no sequence).
 */
export function encodeControlBatch(
  kind: 'commit' | 'abort',
  opts: { producerId: number; producerEpoch: number; coordinatorEpoch?: number; timestamp?: number; baseOffset?: number; partitionLeaderEpoch?: number },
): Buffer {
  const key = Buffer.alloc(4);
  key.writeInt16BE(0, 0);
  key.writeInt16BE(kind === 'commit' ? CONTROL_TYPE_COMMIT : CONTROL_TYPE_ABORT, 2);
  const value = Buffer.alloc(6);
  value.writeInt16BE(0, 0);
  value.writeInt32BE(opts.coordinatorEpoch ?? 0, 2);
  const ts = opts.timestamp ?? Date.now();
  const { bytes } = encodeRecordsSection([{ timestamp: ts, key, value }], ts);
  return assembleBatch(bytes, 1, 0, ts, ts, {
    baseOffset: opts.baseOffset,
    partitionLeaderEpoch: opts.partitionLeaderEpoch,
    producerId: opts.producerId,
    producerEpoch: opts.producerEpoch,
    baseSequence: -1,
    isTransactional: true,
    isControl: true,
  });
}

/** Parses a control record's key: the marker type, or null if the key is not a known control record (version 0). */
export function parseControlRecordKey(key: Buffer | null): { version: number; type: number } | null {
  if (!key || key.length < 4) return null;
  return { version: key.readInt16BE(0), type: key.readInt16BE(2) };
}
