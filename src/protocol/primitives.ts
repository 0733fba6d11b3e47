// Bounds-checked readers and a chunked writer for the Kafka wire types.
// Every read checks the remaining length first, so a bogus length can never drive an allocation
// or read past the frame: it throws ProtocolError, which decode entry points turn into a typed result.

export class ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolError';
  }
}

const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';
const TWO_32 = 4294967296;

/** Reads a signed int64 as a JS number: exact within +/-2^53, which covers offsets, timestamps and producer ids. */
export function readInt64(buf: Buffer, pos: number): number {
  return buf.readInt32BE(pos) * TWO_32 + buf.readUInt32BE(pos + 4);
}

/**
 * Writes an int64 that is a safe integer as two 32-bit halves (no BigInt allocation for the offsets and
 * timestamps of every response and stored batch) and returns true; returns false, writing nothing, otherwise.
 */
export function writeSafeInt64(buf: Buffer, v: number, pos: number): boolean {
  if (!Number.isSafeInteger(v)) return false;
  const hi = Math.floor(v / TWO_32);
  buf.writeInt32BE(hi, pos);
  buf.writeUInt32BE(v - hi * TWO_32, pos + 4);
  return true;
}
export { ZERO_UUID };

export type TaggedField = [tag: number, data: Buffer];

export class Reader {
  pos: number;
  readonly end: number;
  constructor(readonly buf: Buffer, start = 0, end = buf.length) {
    this.pos = start;
    this.end = end;
  }
  get remaining(): number {
    return this.end - this.pos;
  }
  private need(n: number): number {
    if (n < 0 || this.pos + n > this.end) {
      throw new ProtocolError(`need ${n} bytes at offset ${this.pos}, ${this.end - this.pos} left`);
    }
    const p = this.pos;
    this.pos += n;
    return p;
  }
  int8(): number { return this.buf.readInt8(this.need(1)); }
  uint8(): number { return this.buf[this.need(1)]; }
  bool(): boolean { return this.buf[this.need(1)] !== 0; }
  int16(): number { return this.buf.readInt16BE(this.need(2)); }
  uint16(): number { return this.buf.readUInt16BE(this.need(2)); }
  int32(): number { return this.buf.readInt32BE(this.need(4)); }
  uint32(): number { return this.buf.readUInt32BE(this.need(4)); }
  int64(): number {
    // Offsets, timestamps and ids fit in a double; values past 2^53 lose precision (documented).
    return readInt64(this.buf, this.need(8));
  }
  float64(): number { return this.buf.readDoubleBE(this.need(8)); }
  uuid(): string { const p = this.need(16); return this.buf.toString('base64url', p, p + 16); }

  uvarint(): number {
    // Shifts, not `2 ** shift` (a Math.pow call in V8): this runs for every compact length and tag buffer.
    let b = this.buf[this.need(1)];
    let value = b & 0x7f;
    for (let shift = 7; b & 0x80; shift += 7) {
      b = this.buf[this.need(1)];
      if (shift === 28) {
        if (b & 0x80) throw new ProtocolError('unsigned varint longer than 5 bytes');
        if (b > 0x0f) throw new ProtocolError('unsigned varint overflows 32 bits');
        return (value | (b << 28)) >>> 0;
      }
      value |= (b & 0x7f) << shift;
    }
    return value;
  }
  varint(): number {
    const u = this.uvarint();
    return (u >>> 1) ^ -(u & 1);
  }
  uvarlong(): bigint {
    let value = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      const b = this.buf[this.need(1)];
      value |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return value;
      shift += 7n;
    }
    throw new ProtocolError('unsigned varlong longer than 10 bytes');
  }
  varlong(): number {
    const u = this.uvarlong();
    return Number((u >> 1n) ^ -(u & 1n));
  }

  private str(len: number): string {
    const p = this.need(len);
    return (len <= SHORT_STRING && asciiAt(this.buf, p, len)) || this.buf.toString('utf8', p, p + len);
  }
  string(): string {
    const n = this.int16();
    if (n < 0) throw new ProtocolError('non-nullable string is null');
    return this.str(n);
  }
  nullableString(): string | null {
    const n = this.int16();
    if (n < 0) { if (n !== -1) throw new ProtocolError(`invalid string length ${n}`); return null; }
    return this.str(n);
  }
  compactString(): string {
    const n = this.uvarint();
    if (n === 0) throw new ProtocolError('non-nullable compact string is null');
    return this.str(n - 1);
  }
  compactNullableString(): string | null {
    const n = this.uvarint();
    return n === 0 ? null : this.str(n - 1);
  }
  private raw(len: number): Buffer {
    const p = this.need(len);
    return this.buf.subarray(p, p + len);
  }
  bytes(): Buffer {
    const n = this.int32();
    if (n < 0) throw new ProtocolError('non-nullable bytes are null');
    return this.raw(n);
  }
  nullableBytes(): Buffer | null {
    const n = this.int32();
    if (n < 0) { if (n !== -1) throw new ProtocolError(`invalid bytes length ${n}`); return null; }
    return this.raw(n);
  }
  compactBytes(): Buffer {
    const n = this.uvarint();
    if (n === 0) throw new ProtocolError('non-nullable compact bytes are null');
    return this.raw(n - 1);
  }
  compactNullableBytes(): Buffer | null {
    const n = this.uvarint();
    return n === 0 ? null : this.raw(n - 1);
  }
  /** Array length: -1 for null. Rejects lengths that cannot fit in what is left of the frame. */
  arrayLength(compact: boolean): number {
    let n: number;
    if (compact) n = this.uvarint() - 1;
    else {
      n = this.int32();
      if (n < -1) throw new ProtocolError(`invalid array length ${n}`);
    }
    if (n > this.remaining) throw new ProtocolError(`array length ${n} exceeds the ${this.remaining} bytes left`);
    return n;
  }
  /** Reads a tagged-field section; `known` returns false for tags it does not decode, which are kept raw. */
  taggedFields(known: (tag: number, r: Reader) => boolean): TaggedField[] | undefined {
    const count = this.uvarint();
    if (count > this.remaining) throw new ProtocolError(`tagged field count ${count} exceeds frame`);
    let unknown: TaggedField[] | undefined;
    let last = -1;
    for (let i = 0; i < count; i++) {
      const tag = this.uvarint();
      if (tag <= last) throw new ProtocolError(`tagged fields out of order: ${tag} after ${last}`);
      last = tag;
      const size = this.uvarint();
      const start = this.need(size);
      const sub = new Reader(this.buf, start, start + size);
      if (!known(tag, sub)) (unknown ??= []).push([tag, this.buf.subarray(start, start + size)]);
      // A known field must fill its declared size exactly: leftover bytes would be silently dropped on re-encode
      // (and a Java peer, which reads tagged fields in place, would misparse the rest of the message).
      else if (sub.remaining !== 0) throw new ProtocolError(`tagged field ${tag} leaves ${sub.remaining} of its ${size} bytes unread`);
    }
    return unknown;
  }
}

// Short ASCII strings (client ids, topic, group and member names) are converted byte by byte in JavaScript: up to
// a few dozen characters that is faster than the native calls behind Buffer#toString / byteLength / write,
// most of all on a request path gone cold between spaced requests (docs/performance.md). Empty strings too.
const SHORT_STRING = 32;

/** buf[p, p + len) as a string if it is all ASCII (or empty: '' is falsy, the caller's fallback gives '' too). */
function asciiAt(buf: Buffer, p: number, len: number): string | null {
  let s = '';
  for (let i = p; i < p + len; i++) {
    const c = buf[i];
    if (c > 127) return null;
    s += String.fromCharCode(c);
  }
  return s;
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 127) return false;
  return true;
}

const CHUNK = 8192;
// Buffers at least this large are referenced rather than copied (record batches in Fetch responses).
const ZERO_COPY_MIN = 4096;

export class Writer {
  private chunks: Buffer[] = [];
  private buf: Buffer;
  private pos = 0;
  private start = 0;
  private flushed = 0;
  constructor(size = 256) {
    this.buf = Buffer.allocUnsafe(size);
  }
  get length(): number {
    return this.flushed + this.pos - this.start;
  }
  private ensure(n: number): number {
    if (this.pos + n > this.buf.length) {
      this.cut();
      this.buf = Buffer.allocUnsafe(Math.max(n, CHUNK, this.buf.length * 2));
      this.pos = this.start = 0;
    }
    const p = this.pos;
    this.pos += n;
    return p;
  }
  private cut(): void {
    if (this.pos > this.start) {
      this.chunks.push(this.buf.subarray(this.start, this.pos));
      this.flushed += this.pos - this.start;
      this.start = this.pos;
    }
  }
  int8(v: number): this { const p = this.ensure(1); this.buf.writeInt8(v, p); return this; }
  bool(v: boolean): this { const p = this.ensure(1); this.buf[p] = v ? 1 : 0; return this; }
  int16(v: number): this { const p = this.ensure(2); this.buf.writeInt16BE(v, p); return this; }
  uint16(v: number): this { const p = this.ensure(2); this.buf.writeUInt16BE(v, p); return this; }
  int32(v: number): this { const p = this.ensure(4); this.buf.writeInt32BE(v, p); return this; }
  uint32(v: number): this { const p = this.ensure(4); this.buf.writeUInt32BE(v, p); return this; }
  int64(v: number): this {
    const p = this.ensure(8);
    if (writeSafeInt64(this.buf, v, p)) return this;
    // 2^63 - 1 (Kafka's Long.MAX_VALUE defaults) rounds up to 2^63 as a double: clamp it back.
    this.buf.writeBigInt64BE(v >= 9223372036854775807 ? 9223372036854775807n : BigInt(v), p);
    return this;
  }
  float64(v: number): this { const p = this.ensure(8); this.buf.writeDoubleBE(v, p); return this; }
  uuid(v: string): this {
    const b = Buffer.from(v, 'base64url');
    if (b.length !== 16) throw new ProtocolError(`invalid uuid ${v}`);
    const p = this.ensure(16);
    b.copy(this.buf, p);
    return this;
  }
  uvarint(v: number): this {
    while (v >= 0x80) {
      const p = this.ensure(1);
      this.buf[p] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    const p = this.ensure(1);
    this.buf[p] = v;
    return this;
  }
  varint(v: number): this { return this.uvarint(((v << 1) ^ (v >> 31)) >>> 0); }
  varlong(v: number): this {
    let u = BigInt(v);
    u = (u << 1n) ^ (u >> 63n);
    if (u < 0n) u += 1n << 64n;
    while (u >= 0x80n) {
      const p = this.ensure(1);
      this.buf[p] = Number(u & 0x7fn) | 0x80;
      u >>= 7n;
    }
    const p = this.ensure(1);
    this.buf[p] = Number(u);
    return this;
  }
  raw(b: Buffer): this {
    if (b instanceof ChunkedBytes) {
      for (const c of b.chunks) this.raw(c);
      return this;
    }
    if (b.length >= ZERO_COPY_MIN) {
      this.cut();
      this.chunks.push(b);
      this.flushed += b.length;
    } else if (b.length > 0) {
      const p = this.ensure(b.length);
      b.copy(this.buf, p);
    }
    return this;
  }
  private utf8(s: string, lenBytes: (n: number) => void): this {
    if (s.length <= SHORT_STRING && isAscii(s)) {
      lenBytes(s.length);
      const p = this.ensure(s.length);
      for (let i = 0; i < s.length; i++) this.buf[p + i] = s.charCodeAt(i);
      return this;
    }
    const n = Buffer.byteLength(s);
    lenBytes(n);
    const p = this.ensure(n);
    this.buf.write(s, p, n, 'utf8');
    return this;
  }
  string(s: string): this { return this.utf8(s, (n) => this.int16(n)); }
  nullableString(s: string | null | undefined): this {
    return s == null ? this.int16(-1) : this.string(s);
  }
  compactString(s: string): this { return this.utf8(s, (n) => this.uvarint(n + 1)); }
  compactNullableString(s: string | null | undefined): this {
    return s == null ? this.uvarint(0) : this.compactString(s);
  }
  bytes(b: Buffer): this { return this.int32(b.length).raw(b); }
  nullableBytes(b: Buffer | null | undefined): this { return b == null ? this.int32(-1) : this.bytes(b); }
  compactBytes(b: Buffer): this { return this.uvarint(b.length + 1).raw(b); }
  compactNullableBytes(b: Buffer | null | undefined): this {
    return b == null ? this.uvarint(0) : this.compactBytes(b);
  }
  arrayLength(n: number | null, compact: boolean): this {
    if (compact) return this.uvarint(n === null ? 0 : n + 1);
    return this.int32(n === null ? -1 : n);
  }
  /** Writes a tagged-field section from already-encoded fields, merged with preserved unknown ones. */
  taggedFields(fields: TaggedField[]): this {
    fields.sort((a, b) => a[0] - b[0]);
    this.uvarint(fields.length);
    for (const [tag, data] of fields) this.uvarint(tag).uvarint(data.length).raw(data);
    return this;
  }
  /** The encoded message as a list of buffers (large raw buffers are not copied). */
  chunksOut(): Buffer[] {
    this.cut();
    return this.chunks;
  }
  toBuffer(): Buffer {
    const c = this.chunksOut();
    return c.length === 1 ? c[0] : Buffer.concat(c, this.flushed);
  }
}

/**
 * Several stored batches sent as one `records`/`bytes` field without concatenating them: the writer
 * references each chunk, so a Fetch response goes from storage to the socket without a copy.
 */
export class ChunkedBytes {
  constructor(readonly chunks: Buffer[], readonly length: number) {}
}
export function chunkedBytes(chunks: Buffer[], length: number): Buffer {
  if (chunks.length === 1) return chunks[0];
  if (chunks.length === 0) return Buffer.alloc(0);
  return new ChunkedBytes(chunks, length) as unknown as Buffer;
}

/** Encodes one tagged field's value with `fn` into a standalone buffer. */
export function tagged(tag: number, fn: (w: Writer) => void): TaggedField {
  const w = new Writer(64);
  fn(w);
  return [tag, w.toBuffer()];
}

/** Deep equality of decoded values, used to leave tagged struct fields at their default out of the encoding. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a == null || b == null || typeof a !== 'object' || typeof b !== 'object') return a == null && b == null;
  if (Buffer.isBuffer(a) || Buffer.isBuffer(b)) return Buffer.isBuffer(a) && Buffer.isBuffer(b) && a.equals(b);
  const ka = Object.keys(a).filter((k) => (a as any)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as any)[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => sameValue((a as any)[k], (b as any)[k]));
}

/** Deep-partial input type for encoders: omitted fields take the schema default. */
export type Input<T> = T extends Buffer
  ? T
  : T extends (infer U)[]
    ? Input<U>[]
    : T extends object
      ? { [K in keyof T]?: Input<T[K]> }
      : T;
