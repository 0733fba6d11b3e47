// Codec dispatch for record batches and legacy wrapper messages, with a bound on decompressed size so that a small
// malicious payload cannot make the broker allocate gigabytes (a "zip bomb").
import { promisify } from 'node:util';
import type zlib from 'node:zlib';
import { createRequire } from 'node:module';
import { RecordError, RecordErrorCode, asRecordError } from './errors.js';
import { lz4Compress, lz4Decompress } from './lz4.js';
import { snappyCompress, snappyDecompress } from './snappy.js';

export const enum Compression {
  None = 0,
  Gzip = 1,
  Snappy = 2,
  Lz4 = 3,
  Zstd = 4,
}

export const COMPRESSION_NAMES = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;

/** Default cap on the decompressed size of one batch (or one legacy wrapper message). */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 256 * 1024 * 1024;

const require = createRequire(import.meta.url);
// node:zlib (~1.5 ms to load) only once a batch is gzipped (docs/performance.md, finding 14).
interface Gzip {
  gzip(buf: Buffer): Promise<Buffer>;
  gunzip(buf: Buffer, opts: zlib.ZlibOptions): Promise<Buffer>;
  gunzipSync(buf: Buffer, opts: zlib.ZlibOptions): Buffer;
}
let gzipFns: Gzip | undefined;
function gzipCodec(): Gzip {
  if (!gzipFns) {
    const z = require('node:zlib') as typeof zlib;
    gzipFns = { gzip: promisify(z.gzip), gunzip: promisify(z.gunzip) as Gzip['gunzip'], gunzipSync: z.gunzipSync };
  }
  return gzipFns;
}
/**
 * zlib's asynchronous API costs ~170 µs of CPU per call (a stream, a thread-pool hop per 16 KiB of output): 5x the
 * inflating itself for a 1,000-record batch (bench/codec.mjs). Inputs up to this size (~0.3 ms of inflating at the
 * usual ratios) are inflated on the calling thread; only larger ones go to the pool.
 */
const GUNZIP_SYNC_MAX_INPUT = 64 * 1024;

// zstd-napi's high-level decompress() trusts the frame's declared content size (allocating it up front) and has no
// output limit, so we drive the low-level streaming API ourselves. One context, reset before every use: all calls are
// synchronous, so nothing can interleave on it.
interface ZstdDCtx {
  decompressStream(dst: Uint8Array, src: Uint8Array): [number, number, number];
  reset(directive: number): void;
}
type ZstdBinding = { DCtx: new () => ZstdDCtx; dStreamOutSize(): number; ResetDirective: { sessionOnly: number } };
// zstd-napi is loaded on first use (see crc.ts): start-up time and memory most brokers never need.
let zstdLib: { binding: ZstdBinding; compress: typeof import('zstd-napi').compress } | undefined;
const zstd = () => (zstdLib ??= { binding: require('zstd-napi/binding'), compress: (require('zstd-napi') as typeof import('zstd-napi')).compress });
const ZSTD_OUT_CHUNK = 128 * 1024; // zstd's ZSTD_DStreamOutSize(): one full block
let zstdCtx: ZstdDCtx | null = null;

export function isValidCompression(codec: number): codec is Compression {
  return Number.isInteger(codec) && codec >= 0 && codec <= 4;
}

function unsupported(codec: number): RecordError {
  return new RecordError(`unsupported compression codec ${codec}`, RecordErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
}

export async function compress(codec: Compression, data: Buffer): Promise<Buffer> {
  switch (codec) {
    case Compression.None:
      return data;
    case Compression.Gzip:
      try {
        return await gzipCodec().gzip(data);
      } catch (e) {
        throw asRecordError(e, 'gzip compression failed');
      }
    case Compression.Snappy:
      return snappyCompress(data);
    case Compression.Lz4:
      return lz4Compress(data);
    case Compression.Zstd:
      try {
        return zstd().compress(data); // level 3, the zstd (and Kafka) default
      } catch (e) {
        throw asRecordError(e, 'zstd compression failed');
      }
    default:
      throw unsupported(codec);
  }
}

/**
 * Decompresses a Kafka compressed payload. Rejects (RecordError, MESSAGE_TOO_LARGE) output larger than `maxOutput`
 * and anything corrupt (RecordError, CORRUPT_MESSAGE); never throws other error types.
 */
export async function decompress(codec: Compression, data: Buffer, maxOutput = DEFAULT_MAX_DECOMPRESSED_BYTES): Promise<Buffer> {
  switch (codec) {
    case Compression.None:
      if (data.length > maxOutput) throw tooLarge('none', maxOutput);
      return data;
    case Compression.Gzip:
      return gunzip(data, maxOutput);
    case Compression.Snappy:
      return snappyDecompress(data, maxOutput);
    case Compression.Lz4:
      return lz4Decompress(data, maxOutput);
    case Compression.Zstd:
      return zstdDecompress(data, maxOutput);
    default:
      throw unsupported(codec);
  }
}

function tooLarge(codec: string, maxOutput: number): RecordError {
  return new RecordError(`${codec}: decompressed data exceeds the limit of ${maxOutput} bytes`, RecordErrorCode.MESSAGE_TOO_LARGE);
}

async function gunzip(data: Buffer, maxOutput: number): Promise<Buffer> {
  // zlib's gunzip continues into following gzip members (concatenated streams, as GZIPInputStream does) and
  // stops at trailing bytes that are not a gzip member. maxOutputLength makes zlib abort instead of growing.
  const opts = { maxOutputLength: Math.max(1, maxOutput) };
  try {
    const z = gzipCodec();
    return data.length <= GUNZIP_SYNC_MAX_INPUT ? z.gunzipSync(data, opts) : await z.gunzip(data, opts);
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge('gzip', maxOutput);
    throw asRecordError(e, 'gzip: corrupt input');
  }
}

/** Exported for tests: bounded streaming zstd decompression; handles frames without a content size and concatenated frames. */
export function zstdDecompress(data: Buffer, maxOutput: number): Buffer {
  if (data.length === 0) throw new RecordError('zstd: empty input');
  const { binding: zstdBinding } = zstd();
  const ctx = (zstdCtx ??= new zstdBinding.DCtx());
  ctx.reset(zstdBinding.ResetDirective.sessionOnly);
  const chunks: Buffer[] = [];
  let total = 0;
  let src = data;
  try {
    for (;;) {
      // Ask for at most one byte more than the limit allows, so overflow is detected without decoding further.
      const room = Math.min(Math.max(ZSTD_OUT_CHUNK, src.length * 4), maxOutput - total + 1);
      const dst = Buffer.allocUnsafe(room);
      const [ret, produced, consumed] = ctx.decompressStream(dst, src);
      src = src.subarray(consumed);
      if (produced > 0) {
        total += produced;
        if (total > maxOutput) throw tooLarge('zstd', maxOutput);
        chunks.push(produced === dst.length ? dst : dst.subarray(0, produced));
      }
      if (ret === 0) {
        if (src.length === 0) break; // frame complete and flushed, input consumed
        continue; // another frame follows
      }
      // ret > 0: the frame is not finished. With input left or a full output buffer we can make progress.
      if (src.length === 0 && produced < dst.length) throw new RecordError('zstd: truncated input (frame not finished)');
      if (produced === 0 && consumed === 0) throw new RecordError('zstd: decoder made no progress');
    }
  } catch (e) {
    ctx.reset(zstdBinding.ResetDirective.sessionOnly);
    throw asRecordError(e, 'zstd: corrupt input');
  }
  if (chunks.length === 1) {
    // Don't let a small result (and every record view into it) pin a mostly empty 128 KiB+ output buffer.
    return chunks[0].buffer.byteLength > 2 * total + 4096 ? Buffer.from(chunks[0]) : chunks[0];
  }
  return Buffer.concat(chunks, total);
}
