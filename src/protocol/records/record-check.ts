// The records of a magic-2 batch (uncompressed, or a compressed one's decompressed records section), walked as Kafka's
// record iterator reads them while validating an append (DefaultRecordBatch's iterators + DefaultRecord.readFrom,
// for compressed batches too: Kafka decompresses every one it appends): exactly the declared count, each record's fields
// consistent with its length, nothing left over. Errors carry Kafka's messages. Nothing is decoded or allocated per
// record: lengths are read and skipped. Reads past the end give `undefined` (0 in the bit operations below), so
// bounds are checked once per field group rather than per byte.
import { RecordError, RecordErrorCode } from './errors.js';

/** The value of the last varint read (a typed-array slot: cheaper than returning a pair). */
const VALUE = new Int32Array(1);

/**
 * Reads the zigzag varint at `pos` into VALUE[0] and returns the position after it, or -1 if it is longer than 5
 * bytes. Shifts, not `2 ** shift`: V8 runs that as a Math.pow call, ~20x slower.
 */
function varint(buf: Buffer, pos: number): number {
  let b = buf[pos++];
  let u = b & 0x7f;
  for (let shift = 7; b & 0x80; shift += 7) {
    if (shift > 28) return -1;
    b = buf[pos++];
    u |= (b & 0x7f) << shift;
  }
  VALUE[0] = (u >>> 1) ^ -(u & 1);
  return pos;
}

const invalid = (message: string) => new RecordError(message, RecordErrorCode.INVALID_RECORD);
const STRUCTURE = 'Found invalid record structure';

/** Walks `count` records from `pos` to the end of `buf`, which they must fill exactly. */
export function checkRecordBytes(buf: Buffer, pos: number, count: number): void {
  const end = buf.length;
  for (let i = 0; i < count; i++) {
    if (pos >= end) throw invalid('Incorrect declared batch size, premature EOF reached');
    pos = varint(buf, pos);
    if (pos < 0 || pos > end) throw invalid(pos < 0 ? STRUCTURE : 'Incorrect declared batch size, premature EOF reached');
    const size = VALUE[0];
    if (end - pos < size) throw invalid(`Invalid record size: expected ${size} bytes in record payload, but instead the buffer has only ${end - pos} remaining bytes.`);
    const start = pos;
    pos += 1; // attributes
    for (let n = 1; buf[pos++] & 0x80; n++) if (n >= 10) throw invalid(STRUCTURE); // timestamp delta (varlong)
    pos = varint(buf, pos); // offset delta
    if (pos < 0) throw invalid(STRUCTURE);
    pos = varint(buf, pos); // key: a length (negative: null) and its bytes
    if (pos < 0) throw invalid(STRUCTURE);
    if (VALUE[0] > 0) pos += VALUE[0];
    pos = varint(buf, pos); // value, the same
    if (pos < 0) throw invalid(STRUCTURE);
    if (VALUE[0] > 0) pos += VALUE[0];
    if (pos > end) throw invalid(STRUCTURE);
    pos = varint(buf, pos);
    if (pos < 0 || pos > end) throw invalid(STRUCTURE);
    const headers = VALUE[0];
    if (headers < 0) throw invalid(`Found invalid number of record headers ${headers}`);
    if (headers > end - pos) throw invalid(`Found invalid number of record headers. ${headers} is larger than the remaining size of the buffer`);
    for (let j = 0; j < headers; j++) {
      pos = varint(buf, pos);
      if (pos < 0) throw invalid(STRUCTURE);
      if (VALUE[0] < 0) throw invalid(`Invalid negative header key size ${VALUE[0]}`);
      pos += VALUE[0];
      pos = varint(buf, pos);
      if (pos < 0) throw invalid(STRUCTURE);
      if (VALUE[0] > 0) pos += VALUE[0];
    }
    if (pos > end) throw invalid(STRUCTURE);
    if (pos - start !== size) throw invalid(`Invalid record size: expected to read ${size} bytes in record payload, but instead read ${pos - start}`);
  }
  if (pos !== end) throw invalid('Incorrect declared batch size, records still remaining in file');
}
