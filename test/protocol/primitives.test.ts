// Reader/Writer edge cases: every bogus length or varint is a ProtocolError raised before any allocation or read
// past the frame; boundary values of every wire type round-trip.
import { describe, expect, it } from 'vitest';
import { ProtocolError, Reader, Writer, tagged } from '../../src/protocol/primitives.js';

const R = (...bytes: number[]) => new Reader(Buffer.from(bytes));
const W = (fn: (w: Writer) => void) => { const w = new Writer(4); fn(w); return w.toBuffer(); };
const uvarintBytes = (v: number) => [...W((w) => w.uvarint(v))];

function rejects(what: string, fn: () => unknown, msg?: RegExp) {
  let err: unknown;
  try { fn(); } catch (e) { err = e; }
  expect(err, `${what} should throw`).toBeInstanceOf(ProtocolError);
  if (msg) expect((err as Error).message, what).toMatch(msg);
}

describe('bogus lengths are ProtocolErrors', () => {
  it('strings', () => {
    rejects('int16 length past the end', () => R(0x7f, 0xff, 0x61, 0x62).string(), /need 32767 bytes/);
    rejects('null non-nullable string', () => R(0xff, 0xff).string(), /null/);
    rejects('length -2', () => R(0xff, 0xfe).nullableString(), /invalid string length -2/);
    rejects('int16 min', () => R(0x80, 0x00).nullableString());
    expect(R(0xff, 0xff).nullableString()).toBeNull();
    rejects('compact length 2^32-1', () => R(0xff, 0xff, 0xff, 0xff, 0x0f, 0x61).compactString(), /need 4294967294 bytes/);
    rejects('compact null, non-nullable', () => R(0).compactString());
    rejects('compact nullable past the end', () => R(0x05, 0x61).compactNullableString());
    expect(R(0).compactNullableString()).toBeNull();
    expect(R(1).compactString()).toBe('');
  });
  it('bytes', () => {
    rejects('int32 max', () => R(0x7f, 0xff, 0xff, 0xff, 1).bytes(), /need 2147483647/);
    rejects('negative, non-nullable', () => R(0xff, 0xff, 0xff, 0xff).bytes());
    rejects('-2', () => R(0xff, 0xff, 0xff, 0xfe).nullableBytes(), /invalid bytes length/);
    rejects('int32 min', () => R(0x80, 0, 0, 0).nullableBytes());
    rejects('compact 2^32-1', () => R(0xff, 0xff, 0xff, 0xff, 0x0f).compactBytes());
    rejects('compact nullable past the end', () => R(0x03, 1).compactNullableBytes());
    expect(R(0xff, 0xff, 0xff, 0xff).nullableBytes()).toBeNull();
    expect(R(0).compactNullableBytes()).toBeNull();
  });
  it('array lengths are checked against the bytes left before anything is allocated', () => {
    rejects('int32 max', () => R(0x7f, 0xff, 0xff, 0xff).arrayLength(false), /exceeds/);
    rejects('-2', () => R(0xff, 0xff, 0xff, 0xfe).arrayLength(false), /invalid array length/);
    rejects('int32 min', () => R(0x80, 0, 0, 0).arrayLength(false));
    rejects('compact 2^32-1', () => R(0xff, 0xff, 0xff, 0xff, 0x0f).arrayLength(true), /exceeds/);
    rejects('one more than the bytes left', () => R(0, 0, 0, 3, 1, 2).arrayLength(false));
    expect(R(0xff, 0xff, 0xff, 0xff).arrayLength(false)).toBe(-1);
    expect(R(0).arrayLength(true)).toBe(-1);
    expect(R(3, 1, 2).arrayLength(true)).toBe(2);
  });
  it('varints', () => {
    rejects('six bytes', () => R(0x80, 0x80, 0x80, 0x80, 0x80, 0x00).uvarint(), /longer than 5/);
    rejects('over 32 bits', () => R(0xff, 0xff, 0xff, 0xff, 0x10).uvarint(), /overflows/);
    rejects('truncated', () => R(0x80, 0x80).uvarint(), /need 1 bytes/);
    rejects('empty', () => R().uvarint());
    rejects('varlong of 11 bytes', () => R(...Array(10).fill(0x80), 0).uvarlong(), /longer than 10/);
    rejects('truncated varlong', () => R(0xff).varlong());
    expect(R(0xff, 0xff, 0xff, 0xff, 0x0f).uvarint()).toBe(4294967295);
  });
  it('tagged-field sections', () => {
    const none = () => false;
    rejects('count past the frame', () => R(0xff, 0xff, 0xff, 0xff, 0x0f, 0).taggedFields(none), /count/);
    rejects('size past the frame', () => R(1, 0, 0x7f, 1).taggedFields(none), /need 127/);
    rejects('huge size', () => R(1, 0, 0xff, 0xff, 0xff, 0xff, 0x0f).taggedFields(none));
    rejects('out of order', () => R(2, 5, 0, 3, 0).taggedFields(none), /out of order/);
    rejects('duplicate tag', () => R(2, 3, 0, 3, 0).taggedFields(none), /out of order/);
    rejects('truncated after the count', () => R(1).taggedFields(none));
    // A known field decoder may neither run past its declared size nor leave bytes of it unread.
    rejects('known field overruns its size', () => R(1, 0, 1, 0, 0, 0).taggedFields((_t, r) => (r.int32(), true)), /need 4 bytes/);
    rejects('known field underruns its size', () => R(1, 0, 2, 1, 1).taggedFields((_t, r) => (r.bool(), true)), /leaves 1 of its 2 bytes/);
    expect(R(2, 0, 1, 7, 9, 2, 0xaa, 0xbb).taggedFields((t, r) => t === 0 && r.int8() === 7)).toEqual([[9, Buffer.from([0xaa, 0xbb])]]);
  });
  it('fixed-width reads past the end', () => {
    for (const [n, fn] of [[1, 'int8'], [2, 'int16'], [2, 'uint16'], [4, 'int32'], [4, 'uint32'], [8, 'int64'], [8, 'float64'], [16, 'uuid']] as const) {
      rejects(fn, () => (new Reader(Buffer.alloc(n - 1)) as any)[fn]());
      rejects(`${fn} in a sub-range`, () => (new Reader(Buffer.alloc(n + 8), 8, 8 + n - 1) as any)[fn]());
    }
  });
});

describe('boundary values round-trip', () => {
  const trip = <T>(write: (w: Writer, v: T) => void, read: (r: Reader) => T, vs: T[]) => {
    for (const v of vs) {
      const b = W((w) => write(w, v));
      const r = new Reader(b);
      expect(read(r), `${String(v)} (${b.toString('hex')})`).toEqual(v);
      expect(r.remaining).toBe(0);
    }
  };
  it('fixed-width integers and floats', () => {
    trip((w, v) => w.int8(v), (r) => r.int8(), [-128, -1, 0, 127]);
    trip((w, v) => w.int16(v), (r) => r.int16(), [-32768, -1, 0, 32767]);
    trip((w, v) => w.uint16(v), (r) => r.uint16(), [0, 65535]);
    trip((w, v) => w.int32(v), (r) => r.int32(), [-2147483648, -1, 0, 2147483647]);
    trip((w, v) => w.uint32(v), (r) => r.uint32(), [0, 4294967295]);
    trip((w, v) => w.int64(v), (r) => r.int64(), [-9223372036854775808, -(2 ** 53) + 1, -1, 0, 2 ** 32, 2 ** 53 - 1]);
    trip((w, v) => w.float64(v), (r) => r.float64(), [0, -0, 1.5, -Infinity, Infinity, Number.MIN_VALUE, Number.MAX_VALUE, NaN]);
    trip((w, v) => w.bool(v), (r) => r.bool(), [true, false]);
  });
  it('int64 Long.MAX_VALUE (not a double) is clamped back, Long.MIN_VALUE is exact', () => {
    expect(W((w) => w.int64(9223372036854775807)).toString('hex')).toBe('7fffffffffffffff');
    expect(W((w) => w.int64(-9223372036854775808)).toString('hex')).toBe('8000000000000000');
    expect(R(0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff).int64()).toBe(9223372036854775807);
  });
  it('varints at every length boundary', () => {
    const u = [0, 1, 127, 128, 16383, 16384, 2 ** 21 - 1, 2 ** 21, 2 ** 28 - 1, 2 ** 28, 4294967295];
    trip((w, v) => w.uvarint(v), (r) => r.uvarint(), u);
    expect(u.map((v) => uvarintBytes(v).length)).toEqual([1, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
    trip((w, v) => w.varint(v), (r) => r.varint(), [0, -1, 1, -64, 64, 2147483647, -2147483648]);
    trip((w, v) => w.varlong(v), (r) => r.varlong(), [0, -1, 1, 2 ** 31, -(2 ** 31) - 1, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]);
  });
  it('strings (unicode, surrogate pairs, NUL) and bytes in all four encodings', () => {
    // Short strings take an ASCII fast path (up to 32 characters): its edges and short non-ASCII ones included.
    const ss = ['', 'a', '\u0000', 'ünï ✓ 日本 🚀 \u{10FFFF}', 'x'.repeat(20000), 'client-é', '\u007f\u0080', 'x'.repeat(32), 'y'.repeat(33), `${'z'.repeat(31)}é`];
    trip((w, v) => w.string(v), (r) => r.string(), ss);
    trip((w, v) => w.compactString(v), (r) => r.compactString(), ss);
    trip((w, v) => w.nullableString(v), (r) => r.nullableString(), [null, ...ss]);
    trip((w, v) => w.compactNullableString(v), (r) => r.compactNullableString(), [null, ...ss]);
    const bs: Buffer[] = [Buffer.alloc(0), Buffer.from([0, 0xff]), Buffer.alloc(5000, 7)];
    trip((w, v) => w.bytes(v), (r) => r.bytes(), bs);
    trip((w, v) => w.compactBytes(v), (r) => r.compactBytes(), bs);
    trip((w, v) => w.nullableBytes(v), (r) => r.nullableBytes(), [null, ...bs]);
    trip((w, v) => w.compactNullableBytes(v), (r) => r.compactNullableBytes(), [null, ...bs]);
    // The int16 length counts UTF-8 bytes, not UTF-16 code units.
    expect(W((w) => w.string('🚀')).toString('hex')).toBe('0004f09f9a80');
    expect(W((w) => w.string('aé')).toString('hex')).toBe('000361c3a9');
    expect(new Reader(Buffer.from('000361c3a9', 'hex')).string()).toBe('aé');
  });
  it('uuids', () => {
    trip((w, v) => w.uuid(v), (r) => r.uuid(), ['AAAAAAAAAAAAAAAAAAAAAA', '_____________________w', 'dAE4DLcQxQbPFuGE6LJYbw']);
    expect(() => W((w) => w.uuid('too-short'))).toThrow(ProtocolError);
  });
  it('tagged fields are written sorted, unknown ones kept as raw bytes', () => {
    const b = W((w) => w.taggedFields([[9000, Buffer.from('z')], tagged(1, (x) => x.int8(5)), [0, Buffer.alloc(0)]]));
    expect(b.toString('hex')).toBe('03' + '0000' + '010105' + 'a846017a');
  });
  it('large raw buffers are referenced, not copied, and the chunks add up', () => {
    const big = Buffer.alloc(10000, 1);
    const w = new Writer(16);
    w.int32(1).bytes(big).int8(2);
    const chunks = w.chunksOut();
    expect(chunks.some((c) => c === big)).toBe(true);
    expect(chunks.reduce((n, c) => n + c.length, 0)).toBe(4 + 4 + 10000 + 1);
  });
});
