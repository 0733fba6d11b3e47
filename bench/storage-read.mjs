#!/usr/bin/env node
// Read-path micro benchmark for the file storage engine: positional reads (pread) versus mmap.
// The engine hands each read result to the network layer as its own Buffer, so every variant below
// produces one independent Buffer per read (the mmap "zero-copy" variant is listed for reference, but it
// cannot be used as-is: a view into a mapping outlives segment deletion/truncation and would SIGBUS).
//
// Usage: node bench/storage-read.mjs [sizeMiB=256]
// mmap-io is optional: it is resolved from this repo, or from MMAP_IO_DIR (a directory whose node_modules
// holds it, e.g. `cd /tmp/mmapbench && CXXFLAGS=-std=c++17 npm install --no-save mmap-io`).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

const SIZE = Number(process.argv[2] ?? 256) * 1024 * 1024;
const SEQ_CHUNK = 1024 * 1024;
const RAND_CHUNK = 16 * 1024;
const RAND_READS = 40_000;
const ROUNDS = 3;

function loadMmap() {
  const bases = [import.meta.url];
  if (process.env.MMAP_IO_DIR) bases.unshift(path.join(path.resolve(process.env.MMAP_IO_DIR), 'package.json'));
  for (const base of bases) {
    try {
      return createRequire(base)('mmap-io');
    } catch {
      // try the next location
    }
  }
  return null;
}

// Deterministic xorshift so random offsets are identical for every variant.
function offsets(n, chunk) {
  let x = 0x9e3779b9;
  const out = new Array(n);
  const slots = Math.floor(SIZE / chunk) * chunk - chunk;
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    out[i] = Math.floor((x / 0x100000000) * slots);
  }
  return out;
}

function mbps(bytes, ns) {
  return (bytes / (1024 * 1024)) / (Number(ns) / 1e9);
}

async function measure(name, fn) {
  let best = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = process.hrtime.bigint();
    const bytes = await fn();
    const dt = process.hrtime.bigint() - t0;
    best = Math.max(best, mbps(bytes, dt));
  }
  return { name, mbps: best };
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafkalite-readbench-'));
const file = path.join(dir, 'segment.log');
try {
  // Write the file and read it once so every variant runs against the page cache.
  const wfd = fs.openSync(file, 'w');
  const block = Buffer.alloc(SEQ_CHUNK);
  for (let i = 0; i < block.length; i += 4) block.writeUInt32LE((i * 2654435761) >>> 0, i);
  for (let off = 0; off < SIZE; off += SEQ_CHUNK) fs.writeSync(wfd, block, 0, SEQ_CHUNK, off);
  fs.closeSync(wfd);
  const fd = fs.openSync(file, 'r');
  const warm = Buffer.allocUnsafe(SEQ_CHUNK);
  for (let off = 0; off < SIZE; off += SEQ_CHUNK) fs.readSync(fd, warm, 0, SEQ_CHUNK, off);
  const fh = await fs.promises.open(file, 'r');
  const rand = offsets(RAND_READS, RAND_CHUNK);
  let sink = 0; // keeps results observable so nothing is optimised away

  const results = [];
  const seq = async (read) => {
    for (let off = 0; off < SIZE; off += SEQ_CHUNK) sink ^= (await read(off, SEQ_CHUNK))[7];
    return SIZE;
  };
  const rnd = async (read) => {
    for (const off of rand) sink ^= (await read(off, RAND_CHUNK))[7];
    return RAND_READS * RAND_CHUNK;
  };
  // Concurrency 8: how the broker behaves with many fetches in flight on the libuv thread pool.
  const rndPar = async (read) => {
    let next = 0;
    const worker = async () => {
      while (next < rand.length) sink ^= (await read(rand[next++], RAND_CHUNK))[7];
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    return RAND_READS * RAND_CHUNK;
  };

  const preadSync = (off, len) => {
    const b = Buffer.allocUnsafe(len);
    fs.readSync(fd, b, 0, len, off);
    return b;
  };
  const preadAsync = async (off, len) => {
    const b = Buffer.allocUnsafe(len);
    await fh.read(b, 0, len, off);
    return b;
  };
  const preadCb = (off, len) =>
    new Promise((resolve, reject) => {
      const b = Buffer.allocUnsafe(len);
      fs.read(fd, b, 0, len, off, (err) => (err ? reject(err) : resolve(b)));
    });

  results.push(await measure('seq 1MiB   pread sync (fs.readSync)', () => seq(preadSync)));
  results.push(await measure('seq 1MiB   pread async (fs.read cb)', () => seq(preadCb)));
  results.push(await measure('seq 1MiB   pread async (FileHandle.read)', () => seq(preadAsync)));
  results.push(await measure('rand 16KiB pread sync (fs.readSync)', () => rnd(preadSync)));
  results.push(await measure('rand 16KiB pread async (fs.read cb)', () => rnd(preadCb)));
  results.push(await measure('rand 16KiB pread async (FileHandle.read)', () => rnd(preadAsync)));
  results.push(await measure('rand 16KiB pread async x8 (fs.read cb)', () => rndPar(preadCb)));
  results.push(await measure('rand 16KiB pread async x8 (FileHandle)', () => rndPar(preadAsync)));

  const mmap = loadMmap();
  if (mmap) {
    const map = mmap.map(SIZE, mmap.PROT_READ, mmap.MAP_SHARED, fd, 0, mmap.MADV_NORMAL);
    const mmapCopy = (off, len) => {
      const b = Buffer.allocUnsafe(len);
      map.copy(b, 0, off, off + len);
      return b;
    };
    const mmapView = (off, len) => map.subarray(off, off + len);
    results.push(await measure('seq 1MiB   mmap + copy', () => seq(mmapCopy)));
    results.push(await measure('seq 1MiB   mmap view (zero-copy, unsafe)', () => seq(mmapView)));
    results.push(await measure('rand 16KiB mmap + copy', () => rnd(mmapCopy)));
    results.push(await measure('rand 16KiB mmap view (zero-copy, unsafe)', () => rnd(mmapView)));
  } else {
    results.push({ name: 'mmap-io not available (set MMAP_IO_DIR)', mbps: NaN });
  }

  await fh.close();
  fs.closeSync(fd);
  console.log(`node ${process.version}, ${os.cpus().length} cpu(s), file ${SIZE / 1048576} MiB in page cache, best of ${ROUNDS}`);
  for (const r of results) console.log(`${r.name.padEnd(44)} ${Number.isNaN(r.mbps) ? '-' : r.mbps.toFixed(0).padStart(8) + ' MB/s'}`);
  if (sink === 0.5) console.log(sink);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
