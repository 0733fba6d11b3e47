// Codecs: round trips, interop with other implementations of the same formats, size limits, garbage input.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import zlib from 'node:zlib';
import { compressFrameSync } from 'lz4-napi';
import { compressSync as snappyRawSync } from 'snappy';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import {
  Compression,
  RecordError,
  RecordErrorCode,
  compress,
  crc32,
  crc32c,
  decompress,
  isXerial,
  xerialFrame,
  xxh32,
} from '../../../src/protocol/records/index.js';
import { plLz4Compress } from './kafkajs-interop.js';

const require = createRequire(import.meta.url);
const nodeLz4 = require('lz4'); // node-lz4, what kafkajs-lz4 uses
const { snappyDecompress: plSnappyDecompress, lz4Decompress: plLz4Decompress } = require('@platformatic/wasm-utils');
const zstdBinding = require('zstd-napi/binding');

const CODECS = [Compression.Gzip, Compression.Snappy, Compression.Lz4, Compression.Zstd] as const;
const NAMES = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
const text = Buffer.from('The quick brown fox jumps over the lazy dog. '.repeat(20_000)); // 900 KB

describe('checksums', () => {
  it('crc32c matches the RFC 3720 / Kafka test vectors', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(Buffer.alloc(32))).toBe(0x8a9136aa);
    expect(crc32c(Buffer.alloc(32, 0xff))).toBe(0x62a8ab43);
    const big = randomBytes(5000);
    expect(crc32c(big, 100, 4000)).toBe(crc32c(Buffer.from(big.subarray(100, 4000)))); // native path with a range
    expect(crc32c(big, 10, 50)).toBe(crc32c(Buffer.from(big.subarray(10, 50)))); // pure-JS path with a range
  });
  it('crc32 (IEEE) matches zlib', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    const big = randomBytes(3000);
    expect(crc32(big)).toBe(zlib.crc32 ? zlib.crc32(big) : crc32(big));
  });
  it('xxh32 matches the reference (python-xxhash) values', () => {
    const vectors: [Buffer, number][] = [
      [Buffer.alloc(0), 46947589],
      [Buffer.from('a'), 1426945110],
      [Buffer.from('abc'), 852579327],
      [Buffer.from('hello world 1234'), 1231750138],
      [Buffer.from('x'.repeat(100)), 1272122682],
      [Buffer.concat([0, 1, 2].map(() => Buffer.from(Array.from({ length: 256 }, (_, i) => i)))), 3451471537],
    ];
    for (const [buf, h] of vectors) expect(xxh32(buf)).toBe(h);
  });
});

describe('round trips', () => {
  for (const codec of CODECS) {
    for (const [label, data] of [['empty', Buffer.alloc(0)], ['small', Buffer.from('x')], ['text', text], ['random', randomBytes(300_000)]] as const) {
      it(`${NAMES[codec]} ${label}`, async () => {
        const c = await compress(codec, data);
        if (label === 'text') expect(c.length).toBeLessThan(data.length / 10);
        const d = await decompress(codec, c);
        expect(d.equals(data)).toBe(true);
      });
    }
  }
  it('none is the identity', async () => {
    expect((await compress(Compression.None, text)) === text).toBe(true);
    expect((await decompress(Compression.None, text)) === text).toBe(true);
  });
  it('unknown codec ids are UNSUPPORTED_COMPRESSION_TYPE', async () => {
    await expect(compress(5 as Compression, text)).rejects.toMatchObject({ errorCode: RecordErrorCode.UNSUPPORTED_COMPRESSION_TYPE });
    await expect(decompress(7 as Compression, text)).rejects.toBeInstanceOf(RecordError);
  });
});

describe('format interop', () => {
  it('snappy: compress writes raw snappy that a raw-only decoder (@platformatic wasm) reads', async () => {
    const c = await compress(Compression.Snappy, text);
    expect(isXerial(c)).toBe(false);
    expect(Buffer.from(plSnappyDecompress(c)).equals(text)).toBe(true);
  });
  it('snappy: decompress reads raw and xerial-framed (multi-chunk) input', async () => {
    const chunks = [text.subarray(0, 32768), text.subarray(32768, 65536), text.subarray(65536)];
    const framed = xerialFrame(chunks.map((c) => snappyRawSync(c)));
    expect(isXerial(framed)).toBe(true);
    expect((await decompress(Compression.Snappy, framed)).equals(text)).toBe(true);
    expect((await decompress(Compression.Snappy, snappyRawSync(text))).equals(text)).toBe(true);
  });
  it('lz4: compress writes a frame Java accepts (version 1, independent blocks, no dict) that node-lz4 and platformatic read', async () => {
    for (const data of [Buffer.from('small'), text]) {
      const c = await compress(Compression.Lz4, data);
      expect(c.readUInt32LE(0)).toBe(0x184d2204);
      expect(c[4]).toBe(0x60); // Kafka's Lz4BlockInputStream rejects anything but version 1 + block independence
      expect([0x40, 0x50, 0x60, 0x70]).toContain(c[5]); // block max 64 KiB..4 MiB, reserved bits clear
    }
    const c = await compress(Compression.Lz4, text);
    expect(nodeLz4.decode(c).equals(text)).toBe(true);
    expect(Buffer.from(plLz4Decompress(c)).equals(text)).toBe(true);
  });
  it('lz4: decompress reads node-lz4 (kafkajs-lz4), lz4-napi and platformatic frames', async () => {
    for (const frame of [nodeLz4.encode(text), compressFrameSync(text), Buffer.from(plLz4Compress(text)), nodeLz4.encode(Buffer.alloc(0))]) {
      const expected = frame.length < 30 ? Buffer.alloc(0) : text;
      expect((await decompress(Compression.Lz4, frame)).equals(expected)).toBe(true);
    }
  });
  it('zstd: streaming-compressed frames without a content size decode', async () => {
    const cctx = new zstdBinding.CCtx();
    cctx.setParameter(zstdBinding.CParameter.contentSizeFlag, 0); // as streaming producers (e.g. kcat, franz-go) write
    const dst = Buffer.alloc(zstdBinding.compressBound(text.length) + 1000);
    const [, produced] = cctx.compressStream2(dst, text, zstdBinding.EndDirective.end);
    const frame = dst.subarray(0, produced);
    expect(zstdBinding.getFrameContentSize(frame)).toBeNull();
    expect((await decompress(Compression.Zstd, frame)).equals(text)).toBe(true);
  });
  it('gzip: concatenated members and trailing garbage-free streams decode', async () => {
    const two = Buffer.concat([zlib.gzipSync(text.subarray(0, 1000)), zlib.gzipSync(text.subarray(1000))]);
    expect((await decompress(Compression.Gzip, two)).equals(text)).toBe(true);
  });
});

describe('decompression is bounded', () => {
  const limit = 100_000;
  for (const codec of CODECS) {
    it(`${NAMES[codec]} rejects output over the limit with MESSAGE_TOO_LARGE`, async () => {
      const bomb = await compress(codec, Buffer.alloc(10 * 1024 * 1024)); // 10 MiB of zeros, tiny compressed
      expect(bomb.length).toBeLessThan(600_000);
      await expect(decompress(codec, bomb, limit)).rejects.toMatchObject({ name: 'RecordError', errorCode: RecordErrorCode.MESSAGE_TOO_LARGE });
      // Exactly at the limit is fine.
      const exact = await compress(codec, Buffer.alloc(limit, 7));
      expect((await decompress(codec, exact, limit)).length).toBe(limit);
    });
  }
  it('xerial snappy counts the total of all chunks', async () => {
    const chunk = snappyRawSync(Buffer.alloc(60_000));
    await expect(decompress(Compression.Snappy, xerialFrame([chunk, chunk]), limit)).rejects.toMatchObject({ errorCode: RecordErrorCode.MESSAGE_TOO_LARGE });
  });
  it('lz4 frames that declare a content size over the limit are rejected before decoding', async () => {
    const f = readFileSync(join(__dirname, 'fixtures', 'lz4-checksums-4mb.lz4')); // python-lz4, store_size=True
    expect(f[4] & 0x08).toBe(0x08);
    await expect(decompress(Compression.Lz4, f, 1000)).rejects.toThrow(/exceeds the limit/);
  });
});

describe('garbage input', () => {
  for (const codec of CODECS) {
    it(`${NAMES[codec]}: random bytes, truncations and empty input raise RecordError only`, async () => {
      const good = await compress(codec, text.subarray(0, 50_000));
      const inputs: Buffer[] = [Buffer.alloc(0), Buffer.from([0]), randomBytes(7), randomBytes(1000)];
      for (let cut = 0; cut < good.length; cut += Math.max(1, Math.floor(good.length / 60))) inputs.push(good.subarray(0, cut));
      for (let i = 0; i < 40; i++) {
        const f = Buffer.from(good);
        f[Math.floor(Math.random() * f.length)] ^= 1 << Math.floor(Math.random() * 8);
        inputs.push(f);
      }
      for (const input of inputs) {
        try {
          await decompress(codec, input, 1_000_000);
        } catch (e) {
          if (!(e instanceof RecordError)) throw new Error(`${NAMES[codec]}: ${String(e)} is not a RecordError`);
        }
      }
      // The mere empty input must not pass silently for framed codecs.
      if (codec !== Compression.Snappy) await expect(decompress(codec, Buffer.alloc(0))).rejects.toBeInstanceOf(RecordError);
    });
  }
});
