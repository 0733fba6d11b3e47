// Re-encoding a compacted batch. The records codec's encodeBatch numbers records baseOffset + index, but a
// cleaned batch must keep each surviving record's original offset (gaps included) and the original
// lastOffsetDelta and producer fields, as Kafka's MemoryRecords.filterTo does (producer state and sequence
// checks depend on the batch's last offset). So the records section is written here, with explicit deltas,
// and compressed with the original codec through the records module.
// The protocol's crc32c: native only above 256 bytes and loaded on first use (start-up, see crc.ts).
import { crc32c } from '../protocol/records/crc.js';
import { type BatchHeader, type Record, compress } from '../protocol/records/index.js';
import { ATTRIBUTES, BATCH_LENGTH, CRC, HEADER_SIZE, LOG_OVERHEAD, MAX_TIMESTAMP, RECORD_COUNT } from './batch-format.js';

const COMPRESSION_MASK = 0x07;

class VarWriter {
  private readonly parts: number[] = [];
  private readonly chunks: Buffer[] = [];

  /** Zigzag varlong via arithmetic: exact for |n| < 2^52, which covers offsets, timestamps and lengths. */
  varlong(n: number): this {
    let v = n >= 0 ? n * 2 : -n * 2 - 1;
    while (v >= 0x80) {
      this.parts.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    this.parts.push(v);
    return this;
  }

  byte(b: number): this {
    this.parts.push(b & 0xff);
    return this;
  }

  bytes(b: Buffer | null): this {
    if (b === null) return this.varlong(-1);
    this.varlong(b.length);
    this.flushParts();
    this.chunks.push(b);
    return this;
  }

  private flushParts(): void {
    if (this.parts.length) this.chunks.push(Buffer.from(this.parts.splice(0)));
  }

  toBuffer(): Buffer {
    this.flushParts();
    return Buffer.concat(this.chunks);
  }
}

function encodeRecord(r: Record, h: BatchHeader): Buffer {
  // LogAppendTime batches decode every record to maxTimestamp; their stored deltas carry no meaning.
  const tsDelta = h.timestampType === 1 ? 0 : r.timestamp - h.baseTimestamp;
  const body = new VarWriter().byte(0).varlong(tsDelta).varlong(r.offset - h.baseOffset).bytes(r.key).bytes(r.value);
  body.varlong(r.headers.length);
  for (const hd of r.headers) body.bytes(Buffer.from(hd.key, 'utf8')).bytes(hd.value);
  const b = body.toBuffer();
  return Buffer.concat([new VarWriter().varlong(b.length).toBuffer(), b]);
}

/**
 * A copy of `original` (one batch) holding only `kept`. With no records left this is Kafka's empty batch
 * (header only, uncompressed) that preserves the producer's last offset/sequence.
 */
export async function rewriteBatch(original: Buffer, h: BatchHeader, kept: Record[]): Promise<Buffer> {
  const plain = Buffer.concat(kept.map((r) => encodeRecord(r, h)));
  const codec = kept.length === 0 ? 0 : h.compression;
  const section = codec === 0 ? plain : await compress(codec, plain);
  const out = Buffer.allocUnsafe(HEADER_SIZE + section.length);
  original.copy(out, 0, 0, HEADER_SIZE);
  section.copy(out, HEADER_SIZE);
  out.writeInt32BE(out.length - LOG_OVERHEAD, BATCH_LENGTH);
  out.writeInt16BE((h.attributes & ~COMPRESSION_MASK) | codec, ATTRIBUTES);
  out.writeInt32BE(kept.length, RECORD_COUNT);
  if (h.timestampType === 0 && kept.length > 0) {
    out.writeBigInt64BE(BigInt(Math.max(...kept.map((r) => r.timestamp))), MAX_TIMESTAMP);
  }
  out.writeUInt32BE(crc32c(out, ATTRIBUTES), CRC);
  return out;
}
