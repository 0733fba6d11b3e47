// CRC32C micro-benchmark: native @node-rs/crc32 vs pure-JS crc-32/crc32c (the design card's package),
// plus CRC32 (legacy magic 0/1 message sets): node:zlib crc32 vs @node-rs/crc32 vs crc-32.
// Run: node bench/codec-records.mjs   (plain ESM, imports the packages directly; no build needed)
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import zlib from 'node:zlib';

const require = createRequire(import.meta.url);
const native = require('@node-rs/crc32');
const jsCrc32c = require('crc-32/crc32c');
const jsCrc32 = require('crc-32');

function bench(name, fn, buf, minMs = 400) {
  for (let i = 0; i < 20; i++) fn(buf); // warm up (JIT)
  let iters = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < minMs) {
    for (let i = 0; i < 50; i++) fn(buf);
    iters += 50;
    elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  }
  const perOpUs = (elapsed * 1000) / iters;
  const mbps = (buf.length * iters) / (elapsed / 1000) / 1e6;
  console.log(`${name.padEnd(34)} ${String(buf.length).padStart(8)} B  ${perOpUs.toFixed(2).padStart(9)} us/op  ${mbps.toFixed(0).padStart(7)} MB/s`);
  return mbps;
}

const sizes = [64, 1024, 1024 * 1024];
for (const size of sizes) {
  const buf = randomBytes(size);
  // Same answer from both, or the comparison is meaningless.
  if ((native.crc32c(buf) >>> 0) !== (jsCrc32c.buf(buf) >>> 0)) throw new Error('crc32c mismatch');
  bench('crc32c @node-rs/crc32 (native)', (b) => native.crc32c(b), buf);
  bench('crc32c crc-32/crc32c (pure JS)', (b) => jsCrc32c.buf(b), buf);
}
for (const size of sizes) {
  const buf = randomBytes(size);
  if (typeof zlib.crc32 === 'function') bench('crc32  node:zlib.crc32', (b) => zlib.crc32(b), buf);
  bench('crc32  @node-rs/crc32 (native)', (b) => native.crc32(b), buf);
  bench('crc32  crc-32 (pure JS)', (b) => jsCrc32.buf(b), buf);
}
