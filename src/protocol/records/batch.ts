// Magic-2 record batch framing (DefaultRecordBatch in Kafka):
//   0 baseOffset int64 | 8 batchLength int32 | 12 partitionLeaderEpoch int32 | 16 magic int8 | 17 crc uint32 |
//   21 attributes int16 | 23 lastOffsetDelta int32 | 27 baseTimestamp int64 | 35 maxTimestamp int64 |
//   43 producerId int64 | 51 producerEpoch int16 | 53 baseSequence int32 | 57 recordCount int32 | 61 records...
// The CRC32C covers attributes..end, so baseOffset and partitionLeaderEpoch can be rewritten in place for free.
import { crc32c } from './crc.js';
import { Compression, isValidCompression } from './compression.js';
import { RecordError, RecordErrorCode } from './errors.js';
import { checkRecordBytes } from './record-check.js';
import { readInt64 } from '../primitives.js';
import { writeInt64 } from './wire.js';

export const BASE_OFFSET_OFFSET = 0;
export const LENGTH_OFFSET = 8;
export const PARTITION_LEADER_EPOCH_OFFSET = 12;
export const MAGIC_OFFSET = 16;
export const CRC_OFFSET = 17;
export const ATTRIBUTES_OFFSET = 21;
export const LAST_OFFSET_DELTA_OFFSET = 23;
export const BASE_TIMESTAMP_OFFSET = 27;
export const MAX_TIMESTAMP_OFFSET = 35;
export const PRODUCER_ID_OFFSET = 43;
export const PRODUCER_EPOCH_OFFSET = 51;
export const BASE_SEQUENCE_OFFSET = 53;
export const RECORDS_COUNT_OFFSET = 57;
/** Size of a batch with no records (Kafka's RECORD_BATCH_OVERHEAD). */
export const RECORD_BATCH_OVERHEAD = 61;
/** baseOffset + batchLength: the part of a batch not counted by batchLength. */
export const LOG_OVERHEAD = 12;

export const ATTR_COMPRESSION_MASK = 0x07;
export const ATTR_TIMESTAMP_TYPE = 0x08;
export const ATTR_TRANSACTIONAL = 0x10;
export const ATTR_CONTROL = 0x20;
/** Kafka 3.x: baseTimestamp holds the delete horizon (set by the log cleaner on compacted tombstone batches). */
export const ATTR_DELETE_HORIZON = 0x40;

export interface BatchHeader {
  baseOffset: number;
  batchLength: number;
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  attributes: number;
  compression: Compression;
  timestampType: 0 | 1;
  isTransactional: boolean;
  isControl: boolean;
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
  /** total bytes of this batch incl. the 12-byte offset+length prefix */
  size: number;
}

/** The magic byte sits at offset 16 in v0/v1 message sets (offset 8, size 4, crc 4) and in v2 batches alike. */
export function detectMagic(buf: Buffer): number {
  if (buf.length <= MAGIC_OFFSET) throw new RecordError(`record data of ${buf.length} bytes is too short to hold a magic byte`);
  return buf.readInt8(MAGIC_OFFSET);
}

/** Reads the 61-byte header of the magic-2 batch at `pos`. Checks bounds and the header itself, not the CRC. */
export function readBatchHeader(buf: Buffer, pos = 0): BatchHeader {
  if (!Number.isInteger(pos) || pos < 0 || buf.length - pos < RECORD_BATCH_OVERHEAD) {
    throw new RecordError(`Record batch is corrupt (only ${Math.max(0, buf.length - pos)} bytes, the minimum batch size is ${RECORD_BATCH_OVERHEAD})`);
  }
  const magic = buf.readInt8(pos + MAGIC_OFFSET);
  if (magic !== 2) throw new RecordError(`Unsupported record batch magic ${magic} (expected 2)`, RecordErrorCode.INVALID_RECORD);
  const batchLength = buf.readInt32BE(pos + LENGTH_OFFSET);
  if (batchLength < RECORD_BATCH_OVERHEAD - LOG_OVERHEAD) {
    throw new RecordError(`Record batch is corrupt (batch length ${batchLength} is smaller than the minimum ${RECORD_BATCH_OVERHEAD - LOG_OVERHEAD})`);
  }
  const attributes = buf.readInt16BE(pos + ATTRIBUTES_OFFSET);
  const compression = attributes & ATTR_COMPRESSION_MASK;
  if (!isValidCompression(compression)) {
    throw new RecordError(`Unknown compression type id ${compression} in record batch`, RecordErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
  }
  return {
    baseOffset: readInt64(buf, pos + BASE_OFFSET_OFFSET),
    batchLength,
    partitionLeaderEpoch: buf.readInt32BE(pos + PARTITION_LEADER_EPOCH_OFFSET),
    magic,
    crc: buf.readUInt32BE(pos + CRC_OFFSET),
    attributes,
    compression,
    timestampType: attributes & ATTR_TIMESTAMP_TYPE ? 1 : 0,
    isTransactional: (attributes & ATTR_TRANSACTIONAL) !== 0,
    isControl: (attributes & ATTR_CONTROL) !== 0,
    lastOffsetDelta: buf.readInt32BE(pos + LAST_OFFSET_DELTA_OFFSET),
    baseTimestamp: readInt64(buf, pos + BASE_TIMESTAMP_OFFSET),
    maxTimestamp: readInt64(buf, pos + MAX_TIMESTAMP_OFFSET),
    producerId: readInt64(buf, pos + PRODUCER_ID_OFFSET),
    producerEpoch: buf.readInt16BE(pos + PRODUCER_EPOCH_OFFSET),
    baseSequence: buf.readInt32BE(pos + BASE_SEQUENCE_OFFSET),
    recordCount: buf.readInt32BE(pos + RECORDS_COUNT_OFFSET),
    size: batchLength + LOG_OVERHEAD,
  };
}

/** Header + framing + CRC of the batch at `pos`, which must be complete in `buf`. Shared by validate and decode. */
export function checkBatchIntegrity(buf: Buffer, pos = 0): BatchHeader {
  const h = readBatchHeader(buf, pos);
  if (buf.length - pos < h.size) {
    throw new RecordError(`Record batch is corrupt (batch length ${h.batchLength} needs ${h.size} bytes but only ${buf.length - pos} are present)`);
  }
  const computed = crc32c(buf, pos + ATTRIBUTES_OFFSET, pos + h.size);
  if (computed !== h.crc) throw new RecordError(`Record is corrupt (stored crc = ${h.crc}, computed crc = ${computed})`);
  return h;
}

/**
 * Validates that `buf` holds exactly ONE magic-2 batch as a client would produce it: framing/length, magic, CRC32C,
 * record count > 0 and consistent with lastOffsetDelta, a sequence number when a producer id is set (the checks of
 * Kafka's DefaultRecordBatch.ensureValid and LogValidator.validateBatch). Does not decompress; control batches are
 * not rejected here (only clients may not send them: check header.isControl).
 */
export function validateBatch(buf: Buffer): BatchHeader {
  if (buf.length >= LOG_OVERHEAD && buf.length >= RECORD_BATCH_OVERHEAD) {
    const declared = buf.readInt32BE(LENGTH_OFFSET) + LOG_OVERHEAD;
    if (declared !== buf.length && buf.readInt8(MAGIC_OFFSET) === 2) {
      throw new RecordError(`Record batch is corrupt (batch length field says ${declared} bytes but ${buf.length} were sent)`);
    }
  }
  const h = checkBatchIntegrity(buf, 0);
  if (h.recordCount <= 0) throw new RecordError(`Invalid reported count for record batch: ${h.recordCount}`, RecordErrorCode.INVALID_RECORD);
  if (h.lastOffsetDelta < 0) {
    throw new RecordError(`Batch has an invalid offset range: [${h.baseOffset}, ${h.baseOffset + h.lastOffsetDelta}]`, RecordErrorCode.INVALID_RECORD);
  }
  if (h.lastOffsetDelta + 1 !== h.recordCount) {
    throw new RecordError(
      `Inconsistent batch offset range [${h.baseOffset}, ${h.baseOffset + h.lastOffsetDelta}] and count of records ${h.recordCount}`,
      RecordErrorCode.INVALID_RECORD,
    );
  }
  if (!h.isControl && h.producerId >= 0 && h.baseSequence < 0) {
    throw new RecordError(`Invalid sequence number ${h.baseSequence} in record batch with producerId ${h.producerId}`, RecordErrorCode.INVALID_RECORD);
  }
  // Kafka's record iterator reads every record of a batch while validating an append (a compressed batch's after
  // decompressing it: checkCompressedRecords, asynchronous).
  if (h.compression === Compression.None) checkRecordBytes(buf, RECORD_BATCH_OVERHEAD, h.recordCount);
  return h;
}

function needHeader(buf: Buffer, pos: number): void {
  if (!Number.isInteger(pos) || pos < 0 || buf.length - pos < RECORD_BATCH_OVERHEAD) {
    throw new RecordError(`no complete record batch header at position ${pos}`);
  }
}

/** Rewrites baseOffset (bytes 0..7) in place; outside the CRC. */
export function setBaseOffset(buf: Buffer, offset: number, pos = 0): void {
  needHeader(buf, pos);
  writeInt64(buf, offset, pos + BASE_OFFSET_OFFSET);
}

/** Rewrites partitionLeaderEpoch (bytes 12..15) in place; outside the CRC. */
export function setPartitionLeaderEpoch(buf: Buffer, epoch: number, pos = 0): void {
  needHeader(buf, pos);
  buf.writeInt32BE(epoch, pos + PARTITION_LEADER_EPOCH_OFFSET);
}

/**
 * Marks the batch LogAppendTime with maxTimestamp = ts and recomputes the CRC, in place. This is exactly Kafka's
 * DefaultRecordBatch.setMaxTimestamp(LOG_APPEND_TIME, now), used by LogValidator when it does not rebuild the
 * batch: baseTimestamp and the record timestamp deltas are left untouched, because readers of a LogAppendTime batch
 * take every record's timestamp from maxTimestamp. Other attribute bits are preserved.
 */
export function setLogAppendTime(buf: Buffer, ts: number, pos = 0): void {
  const h = readBatchHeader(buf, pos);
  if (buf.length - pos < h.size) throw new RecordError(`Record batch is truncated (${buf.length - pos} of ${h.size} bytes)`);
  if (h.timestampType === 1 && h.maxTimestamp === ts) return; // unchanged: Kafka skips the CRC recomputation too
  buf.writeInt16BE(h.attributes | ATTR_TIMESTAMP_TYPE, pos + ATTRIBUTES_OFFSET);
  writeInt64(buf, ts, pos + MAX_TIMESTAMP_OFFSET);
  buf.writeUInt32BE(crc32c(buf, pos + ATTRIBUTES_OFFSET, pos + h.size), pos + CRC_OFFSET);
}

/** Recomputes and stores the CRC of the batch at `pos` (after editing CRC-covered fields). Only needs the framing. */
export function updateCrc(buf: Buffer, pos = 0): void {
  needHeader(buf, pos);
  const size = buf.readInt32BE(pos + LENGTH_OFFSET) + LOG_OVERHEAD;
  if (size < RECORD_BATCH_OVERHEAD || buf.length - pos < size) throw new RecordError(`Record batch is truncated or has an invalid length (${size} bytes declared, ${buf.length - pos} present)`);
  buf.writeUInt32BE(crc32c(buf, pos + ATTRIBUTES_OFFSET, pos + size), pos + CRC_OFFSET);
}

/**
 * Splits concatenated magic-2 batches into views (no copy), checking framing and CRC but not decompressing.
 * A trailing partial batch is ignored, as fetch clients do.
 */
export function splitBatches(buf: Buffer): { header: BatchHeader; batch: Buffer }[] {
  const out: { header: BatchHeader; batch: Buffer }[] = [];
  let pos = 0;
  while (buf.length - pos >= LOG_OVERHEAD) {
    const declared = buf.readInt32BE(pos + LENGTH_OFFSET) + LOG_OVERHEAD;
    if (buf.length - pos < RECORD_BATCH_OVERHEAD || buf.length - pos < declared) {
      if (declared < RECORD_BATCH_OVERHEAD) readBatchHeader(buf, pos); // throws the proper corruption error
      break;
    }
    const header = checkBatchIntegrity(buf, pos);
    out.push({ header, batch: buf.subarray(pos, pos + header.size) });
    pos += header.size;
  }
  return out;
}
