// CRC32C (Castagnoli; record batches, magic 2) and CRC32 (IEEE; legacy magic 0/1 messages).
//
// Benchmark (node bench/codec-records.mjs, Node 20, 2-core box), crc32c:
//   size      @node-rs/crc32 (native)   crc-32/crc32c (pure JS)
//   64 B       0.12 us/op                0.05 us/op
//   1 KiB      0.30 us/op (3.4 GB/s)     0.61 us/op (1.7 GB/s)
//   1 MiB    171    us/op (6.1 GB/s)   615    us/op (1.7 GB/s)
// The native call has ~0.1 us of fixed N-API overhead, so below ~256 bytes (measured crossover) the JIT-compiled
// table loop wins; above it the native SSE4.2 implementation is 2-4x faster. We use each where it is faster.
// CRC32 (IEEE) for magic 0/1 at 1 MiB: @node-rs/crc32 77 us, node:zlib.crc32 207 us, crc-32 650 us.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
// The native module is loaded only once the pure-JS one has checksummed NATIVE_AFTER_BYTES: loading it
// takes 3-5 ms of the main thread (its platform probe reads files, then dlopen), which a broker paid inside
// its first Produce of a batch over 256 B, while many test runs send less than that in all. Not more: until
// V8 optimizes its loop, the JS one does ~35 MB/s (64 KiB in ~1.8 ms; docs/performance.md, finding 11).
// (Loading @node-rs/crc32 and the compression codecs eagerly cost ~65 ms of start-up CPU and ~13 MB of RSS.)
const NATIVE_AFTER_BYTES = 64 << 10;
let jsBytes = 0;
let nativeLib: typeof import('@node-rs/crc32') | undefined;
const native = () => (nativeLib ??= require('@node-rs/crc32') as typeof import('@node-rs/crc32'));
// crc-32 ships CommonJS without an ESM entry for the crc32c submodule; load it via require.
const jsCrc32c: { buf(data: Uint8Array, seed?: number): number } = require('crc-32/crc32c');
const jsCrc32: { buf(data: Uint8Array, seed?: number): number } = require('crc-32');

const NATIVE_THRESHOLD = 256;

/** Whether a checksum of `length` bytes goes to the native module (loading it when its time has come). */
function useNative(length: number): boolean {
  if (length < NATIVE_THRESHOLD) return false;
  if (nativeLib !== undefined) return true;
  jsBytes += length;
  return jsBytes > NATIVE_AFTER_BYTES;
}

/** Unsigned CRC32C of buf[start, end). */
export function crc32c(buf: Buffer, start = 0, end = buf.length): number {
  const view = start === 0 && end === buf.length ? buf : buf.subarray(start, end);
  return (useNative(view.length) ? native().crc32c(view) : jsCrc32c.buf(view)) >>> 0;
}

/** Unsigned CRC32 (IEEE, as java.util.zip.CRC32) of buf[start, end). */
export function crc32(buf: Buffer, start = 0, end = buf.length): number {
  const view = start === 0 && end === buf.length ? buf : buf.subarray(start, end);
  return (useNative(view.length) ? native().crc32(view) : jsCrc32.buf(view)) >>> 0;
}

/** Whether the native module is in use yet (tests). */
export const nativeCrcLoaded = (): boolean => nativeLib !== undefined;
