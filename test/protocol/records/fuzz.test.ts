// Malformed input: every truncation and many seeded random corruptions of real batches and message sets must end in
// a RecordError (or a successful decode where the damage is outside what is checked), never another exception type
// and never a hang (vitest's timeout bounds each case).
import { describe, expect, it } from 'vitest';
import {
  Compression,
  RecordError,
  decodeBatches,
  decodeMessageSet,
  downConvert,
  encodeBatch,
  updateCrc,
  upConvertMessageSet,
  validateBatch,
} from '../../../src/protocol/records/index.js';
import { MessageSet, Types } from './kafkajs-interop.js';
import { compress } from '../../../src/protocol/records/index.js';

/** mulberry32: small seeded PRNG so failures reproduce. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function onlyRecordErrors(what: string, fn: () => unknown): Promise<'ok' | 'error'> {
  try {
    await fn();
    return 'ok';
  } catch (e) {
    if (e instanceof RecordError) return 'error';
    throw new Error(`${what}: threw ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`, { cause: e });
  }
}

const CODECS = [Compression.None, Compression.Gzip, Compression.Snappy, Compression.Lz4, Compression.Zstd];
const NAMES = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

async function sample(codec: Compression): Promise<Buffer> {
  return encodeBatch(
    [
      { key: Buffer.from('key-1'), value: Buffer.from('value one '.repeat(8)), timestamp: 1000, headers: [{ key: 'h', value: Buffer.from('x') }] },
      { key: null, value: Buffer.from('two'), timestamp: 1001 },
      { key: Buffer.from('k3'), value: null, timestamp: 999, headers: [{ key: 'n', value: null }] },
    ],
    { compression: codec, producerId: 5, producerEpoch: 1, baseSequence: 0 },
  );
}

/** Makes a prefix self-consistent (length field + CRC) so decoding reaches the records/decompression code. */
function reframe(buf: Buffer): Buffer {
  const b = Buffer.from(buf);
  b.writeInt32BE(b.length - 12, 8);
  updateCrc(b);
  return b;
}

describe('truncation at every byte', () => {
  for (const codec of CODECS) {
    it(`${NAMES[codec]} batch`, async () => {
      const buf = await sample(codec);
      for (let n = 0; n < buf.length; n++) {
        const cut = buf.subarray(0, n);
        expect(await onlyRecordErrors(`validate ${n}`, () => validateBatch(cut))).toBe('error');
        // decodeBatches treats a short tail as a partial batch (ignored), like a fetch client.
        expect(await onlyRecordErrors(`decode ${n}`, async () => expect(await decodeBatches(cut)).toEqual([]))).toBe('ok');
        if (n >= 61) {
          // Same prefix, but framed and checksummed as if complete: the records section itself is truncated.
          const framed = reframe(cut);
          expect(await onlyRecordErrors(`reframed decode ${n}`, () => decodeBatches(framed))).toBe('error');
        }
      }
    });
  }

  it('legacy message sets (plain and gzip wrapper)', async () => {
    const entries = [{ key: Buffer.from('a'), value: Buffer.from('b'.repeat(40)), timestamp: 5 }, { key: null, value: Buffer.from('c'), timestamp: 6 }];
    const plain = MessageSet({ messageVersion: 1, entries }).buffer as Buffer;
    const inner = MessageSet({ messageVersion: 1, compression: Types.GZIP, entries }).buffer as Buffer;
    const wrapped = MessageSet({ messageVersion: 1, entries: [{ compression: 1, timestamp: 5, value: await compress(Compression.Gzip, inner) }] }).buffer as Buffer;
    for (const buf of [plain, wrapped]) {
      const boundaries = new Set<number>();
      for (let p = 0; p + 12 <= buf.length; p += 12 + buf.readInt32BE(p + 8)) boundaries.add(p + 12 + buf.readInt32BE(p + 8));
      for (let n = 0; n < buf.length; n++) {
        const cut = buf.subarray(0, n);
        await onlyRecordErrors(`decodeMessageSet ${n}`, () => decodeMessageSet(cut));
        // A cut exactly between two messages is a valid (shorter) message set; anything else is not.
        expect(await onlyRecordErrors(`upConvert ${n}`, () => upConvertMessageSet(cut))).toBe(boundaries.has(n) ? 'ok' : 'error');
      }
    }
  });
});

describe('random corruption', () => {
  for (const codec of CODECS) {
    it(`${NAMES[codec]} batch: flips are caught by the CRC; with the CRC fixed, decoding fails cleanly or succeeds`, async () => {
      const rnd = prng(0xc0ffee + codec);
      const buf = await sample(codec);
      let crcCaught = 0;
      for (let i = 0; i < 400; i++) {
        const b = Buffer.from(buf);
        const flips = 1 + Math.floor(rnd() * 3);
        let touchedCovered = false;
        for (let f = 0; f < flips; f++) {
          const at = 21 + Math.floor(rnd() * (b.length - 21)); // inside the CRC-covered region
          const bit = 1 << Math.floor(rnd() * 8);
          b[at] ^= bit;
          touchedCovered = true;
        }
        if (touchedCovered && !b.equals(buf)) {
          expect(await onlyRecordErrors('validate', () => validateBatch(b))).toBe('error');
          crcCaught++;
        }
        updateCrc(b);
        await onlyRecordErrors(`decode flip ${i}`, () => decodeBatches(b));
        await onlyRecordErrors(`downConvert flip ${i}`, () => downConvert(b, 1));
      }
      expect(crcCaught).toBeGreaterThan(300);
    });

    it(`${NAMES[codec]} batch: random bytes in the header fields (incl. length, magic, count)`, async () => {
      const rnd = prng(0xbeef + codec);
      const buf = await sample(codec);
      for (let i = 0; i < 400; i++) {
        const b = Buffer.from(buf);
        const at = Math.floor(rnd() * 61);
        b[at] = Math.floor(rnd() * 256);
        await onlyRecordErrors('validate', () => validateBatch(b));
        await onlyRecordErrors('decode', () => decodeBatches(b));
        if (b.readInt32BE(8) + 12 === b.length) updateCrc(b);
        await onlyRecordErrors('decode fixed', () => decodeBatches(b));
      }
    });
  }

  it('legacy message sets', async () => {
    const rnd = prng(42);
    const entries = [{ key: Buffer.from('a'), value: Buffer.from('b'.repeat(40)), timestamp: 5 }];
    const inner = MessageSet({ messageVersion: 1, compression: Types.LZ4, entries }).buffer as Buffer;
    const wrapped = MessageSet({ messageVersion: 1, entries: [{ compression: 3, timestamp: 5, value: await compress(Compression.Lz4, inner) }] }).buffer as Buffer;
    for (let i = 0; i < 500; i++) {
      const b = Buffer.from(wrapped);
      b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
      await onlyRecordErrors('decodeMessageSet', () => decodeMessageSet(b));
      await onlyRecordErrors('upConvert', () => upConvertMessageSet(b));
    }
  });

  it('pure noise', async () => {
    const rnd = prng(7);
    for (let i = 0; i < 300; i++) {
      const b = Buffer.alloc(Math.floor(rnd() * 200));
      for (let j = 0; j < b.length; j++) b[j] = Math.floor(rnd() * 256);
      if (b.length > 16 && i % 2) b[16] = 2; // make it look like a batch more often
      await onlyRecordErrors('validate', () => validateBatch(b));
      await onlyRecordErrors('decode', () => decodeBatches(b));
      await onlyRecordErrors('decodeMessageSet', () => decodeMessageSet(b));
      await onlyRecordErrors('upConvert', () => upConvertMessageSet(b));
      await onlyRecordErrors('downConvert', () => downConvert(b, 0));
    }
  });
});
