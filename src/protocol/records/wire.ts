// Bounds-checked primitive reads/writes for record formats. Every read past the end throws RecordError (never a
// RangeError), so callers can decode untrusted bytes without try/catch gymnastics.
import { readInt64, writeSafeInt64 } from '../primitives.js';
import { RecordError } from './errors.js';

export function writeInt64(buf: Buffer, value: number, pos: number): void {
  if (writeSafeInt64(buf, value, pos)) return;
  // Values past 2^53 (e.g. random 63-bit producer ids from some brokers) were already rounded when read as a
  // number; write the rounded value rather than failing.
  if (!Number.isInteger(value) || value >= 2 ** 63 || value < -(2 ** 63)) throw new RecordError(`int64 value ${value} is out of range`);
  buf.writeBigInt64BE(BigInt(value), pos);
}

export class Reader {
  pos: number;
  constructor(
    readonly buf: Buffer,
    pos = 0,
    readonly end = buf.length,
    /** Prefix for error messages, e.g. "record 3". */
    public what = 'record',
  ) {
    this.pos = pos;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  need(n: number): void {
    if (n < 0 || this.pos + n > this.end) {
      throw new RecordError(`${this.what}: needs ${n} bytes at position ${this.pos} but only ${this.end - this.pos} remain`);
    }
  }

  int8(): number {
    this.need(1);
    return this.buf.readInt8(this.pos++);
  }

  int16(): number {
    this.need(2);
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  int32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  int64(): number {
    this.need(8);
    const v = readInt64(this.buf, this.pos);
    this.pos += 8;
    return v;
  }

  /** Zigzag varint, at most 5 bytes (Kafka's ByteUtils.readVarint). */
  varint(): number {
    let raw = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (this.pos >= this.end) throw new RecordError(`${this.what}: truncated varint at position ${this.pos}`);
      const b = this.buf[this.pos++];
      raw |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return (raw >>> 1) ^ -(raw & 1);
    }
    throw new RecordError(`${this.what}: varint longer than 5 bytes at position ${this.pos}`);
  }

  /** Zigzag varlong, at most 10 bytes; exact while |value| < 2^53. */
  varlong(): number {
    let raw = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new RecordError(`${this.what}: truncated varlong at position ${this.pos}`);
      const b = this.buf[this.pos++];
      raw += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
      mul *= 128;
    }
    throw new RecordError(`${this.what}: varlong longer than 10 bytes at position ${this.pos}`);
  }

  /** A view (no copy) of the next n bytes. */
  bytes(n: number): Buffer {
    this.need(n);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /** varint length followed by that many bytes; any negative length means null, as in Kafka's DefaultRecord. */
  varBytes(): Buffer | null {
    const len = this.varint();
    return len < 0 ? null : this.bytes(len);
  }

  /** int32 length followed by that many bytes (legacy message format); negative means null, as in Kafka. */
  int32Bytes(): Buffer | null {
    const len = this.int32();
    return len < 0 ? null : this.bytes(len);
  }
}

export function sizeOfVarint(value: number): number {
  let v = ((value << 1) ^ (value >> 31)) >>> 0;
  let n = 1;
  while (v >= 0x80) {
    v >>>= 7;
    n++;
  }
  return n;
}

function zigzag64(value: number): number {
  return value >= 0 ? value * 2 : -value * 2 - 1;
}

export function sizeOfVarlong(value: number): number {
  let v = zigzag64(value);
  let n = 1;
  while (v >= 128) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

export function sizeOfVarBytes(b: Buffer | null | undefined): number {
  return b == null ? 1 : sizeOfVarint(b.length) + b.length;
}

/** Writer over a buffer that was sized exactly in advance (we always compute sizes first, then write once). */
export class Writer {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  int8(v: number): this {
    this.buf.writeInt8(v, this.pos++);
    return this;
  }

  int16(v: number): this {
    this.buf.writeInt16BE(v, this.pos);
    this.pos += 2;
    return this;
  }

  int32(v: number): this {
    this.buf.writeInt32BE(v, this.pos);
    this.pos += 4;
    return this;
  }

  uint32(v: number): this {
    this.buf.writeUInt32BE(v >>> 0, this.pos);
    this.pos += 4;
    return this;
  }

  int64(v: number): this {
    writeInt64(this.buf, v, this.pos);
    this.pos += 8;
    return this;
  }

  varint(value: number): this {
    let v = ((value << 1) ^ (value >> 31)) >>> 0;
    while (v >= 0x80) {
      this.buf[this.pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buf[this.pos++] = v;
    return this;
  }

  varlong(value: number): this {
    let v = zigzag64(value);
    while (v >= 128) {
      this.buf[this.pos++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.pos++] = v;
    return this;
  }

  raw(b: Uint8Array): this {
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  varBytes(b: Buffer | null | undefined): this {
    if (b == null) return this.varint(-1);
    return this.varint(b.length).raw(b);
  }

  int32Bytes(b: Buffer | null | undefined): this {
    if (b == null) return this.int32(-1);
    return this.int32(b.length).raw(b);
  }
}
