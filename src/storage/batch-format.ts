// Just enough of the magic-2 record batch layout for the logs to frame, index and validate batches without
// decoding records. Offsets are JS numbers: int64 offsets stay far below 2^53 in practice.
// The protocol's crc32c: native only above 256 bytes and loaded on first use (start-up, see crc.ts).
import { crc32c } from '../protocol/records/crc.js';

export const BASE_OFFSET = 0;
export const BATCH_LENGTH = 8;
/** Bytes before the batchLength-counted part (baseOffset + batchLength). */
export const LOG_OVERHEAD = 12;
export const MAGIC = 16;
export const CRC = 17;
/** The CRC covers attributes..end; baseOffset, length, leader epoch and magic are outside it. */
export const ATTRIBUTES = 21;
export const LAST_OFFSET_DELTA = 23;
export const BASE_TIMESTAMP = 27;
export const MAX_TIMESTAMP = 35;
export const PRODUCER_ID = 43;
export const RECORD_COUNT = 57;
export const HEADER_SIZE = 61;

export const ATTR_TRANSACTIONAL = 0x10;
export const ATTR_CONTROL = 0x20;

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

