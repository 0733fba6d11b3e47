// Just enough of the magic-2 record batch layout for the logs to frame, index and validate batches without
// decoding records. Offsets are JS numbers: int64 offsets stay far below 2^53 in practice.
// The protocol's crc32c: native only above 256 bytes and loaded on first use (start-up, see crc.ts).
import { crc32c } from '../protocol/records/crc.js';

// The layout's offsets are the protocol codec's (src/protocol/records/batch.ts), under the log's shorter names.
import {
  ATTR_CONTROL,
  ATTR_TRANSACTIONAL,
  ATTRIBUTES_OFFSET as ATTRIBUTES,
  BASE_OFFSET_OFFSET as BASE_OFFSET,
  BASE_TIMESTAMP_OFFSET as BASE_TIMESTAMP,
  CRC_OFFSET as CRC,
  LAST_OFFSET_DELTA_OFFSET as LAST_OFFSET_DELTA,
  LENGTH_OFFSET as BATCH_LENGTH,
  LOG_OVERHEAD,
  MAGIC_OFFSET as MAGIC,
  MAX_TIMESTAMP_OFFSET as MAX_TIMESTAMP,
  PRODUCER_ID_OFFSET as PRODUCER_ID,
  RECORD_BATCH_OVERHEAD as HEADER_SIZE,
  RECORDS_COUNT_OFFSET as RECORD_COUNT,
} from '../protocol/records/batch.js';

export { ATTR_CONTROL, ATTR_TRANSACTIONAL, ATTRIBUTES, BASE_OFFSET, BASE_TIMESTAMP, BATCH_LENGTH, CRC, HEADER_SIZE, LAST_OFFSET_DELTA, LOG_OVERHEAD, MAGIC, MAX_TIMESTAMP, PRODUCER_ID, RECORD_COUNT };

export interface BatchHeader {
  /** File position of the batch (set by scanners, 0 for standalone buffers). */
  position: number;
  baseOffset: number;
  lastOffset: number;
  /** Whole batch size in bytes, including the 12-byte log overhead. */
  size: number;
  maxTimestamp: number;
  recordCount: number;
  attributes: number;
  producerId: number;
}

/** Reads the header of the batch at `at` in `buf`; caller guarantees HEADER_SIZE bytes are present. */
export function readHeader(buf: Buffer, at = 0, position = 0): BatchHeader {
  const baseOffset = Number(buf.readBigInt64BE(at + BASE_OFFSET));
  return {
    position,
    baseOffset,
    lastOffset: baseOffset + buf.readInt32BE(at + LAST_OFFSET_DELTA),
    size: LOG_OVERHEAD + buf.readInt32BE(at + BATCH_LENGTH),
    maxTimestamp: Number(buf.readBigInt64BE(at + MAX_TIMESTAMP)),
    recordCount: buf.readInt32BE(at + RECORD_COUNT),
    attributes: buf.readInt16BE(at + ATTRIBUTES),
    producerId: Number(buf.readBigInt64BE(at + PRODUCER_ID)),
  };
}

/**
 * Size of the batch starting at `at` if its framing is plausible, or -1. Only the fixed fields are looked at,
 * so it is cheap enough for the append path.
 */
export function framedSize(buf: Buffer, at = 0): number {
  if (buf.length - at < HEADER_SIZE) return -1;
  const len = buf.readInt32BE(at + BATCH_LENGTH);
  if (len < HEADER_SIZE - LOG_OVERHEAD || buf[at + MAGIC] !== 2) return -1;
  return LOG_OVERHEAD + len;
}

/** True when the CRC32C stored in the batch matches its attributes..end bytes. */
export function crcMatches(buf: Buffer, at: number, size: number): boolean {
  return crc32c(buf, at + ATTRIBUTES, at + size) === buf.readUInt32BE(at + CRC);
}

