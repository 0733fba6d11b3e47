// Test helpers: valid magic-2 record batches (uncompressed, real varint records, CRC32C) and temp dirs.
import { crc32c } from '@node-rs/crc32';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LogPassOptions } from '../../../src/storage/background.js';
import { FileStorage } from '../../../src/storage/file/index.js';
import { MemoryStorage } from '../../../src/storage/memory.js';
import type { AppendMeta, PartitionConfig, PartitionLog } from '../../../src/storage/types.js';

export interface TestRecord {
  key?: string | null;
  value?: string | null;
  timestamp?: number;
}

export interface BatchOptions {
  timestamp?: number;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  transactional?: boolean;
  control?: boolean;
  /** Pads each value to make batches of a given size. */
  valueBytes?: number;
}

function varint(n: number): Buffer {
  let v = (n << 1) ^ (n >> 31); // zigzag (values here fit in int32)
  const out: number[] = [];
  v >>>= 0;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return Buffer.from(out);
}

function bytesField(s: string | null | undefined): Buffer {
  if (s === null || s === undefined) return varint(-1);
  const b = Buffer.from(s);
  return Buffer.concat([varint(b.length), b]);
}

export function makeBatch(records: TestRecord[] | number, opts: BatchOptions = {}): { batch: Buffer; meta: AppendMeta } {
  const list: TestRecord[] =
    typeof records === 'number' ? Array.from({ length: records }, (_, i) => ({ key: `k${i}`, value: `v${i}` })) : records;
  const baseTs = opts.timestamp ?? 1_700_000_000_000;
  let maxTs = -1;
  const recs = list.map((r, i) => {
    const ts = r.timestamp ?? baseTs;
    maxTs = Math.max(maxTs, ts);
    const value = opts.valueBytes && r.value != null ? r.value.padEnd(opts.valueBytes, '.') : r.value;
    const body = Buffer.concat([Buffer.from([0]), varint(ts - baseTs), varint(i), bytesField(r.key), bytesField(value), varint(0)]);
    return Buffer.concat([varint(body.length), body]);
  });
  const header = Buffer.alloc(61);
  header.writeBigInt64BE(0n, 0);
  header.writeInt32BE(-1, 12); // partition leader epoch
  header.writeInt8(2, 16);
  let attributes = 0;
  if (opts.transactional) attributes |= 0x10;
  if (opts.control) attributes |= 0x20;
  header.writeInt16BE(attributes, 21);
  header.writeInt32BE(list.length - 1, 23);
  header.writeBigInt64BE(BigInt(baseTs), 27);
  header.writeBigInt64BE(BigInt(maxTs), 35);
  header.writeBigInt64BE(BigInt(opts.producerId ?? -1), 43);
  header.writeInt16BE(opts.producerEpoch ?? -1, 51);
  header.writeInt32BE(opts.baseSequence ?? -1, 53);
  header.writeInt32BE(list.length, 57);
  const batch = Buffer.concat([header, ...recs]);
  batch.writeInt32BE(batch.length - 12, 8);
  batch.writeUInt32BE(crc32c(batch.subarray(21)), 17);
  return { batch, meta: { lastOffsetDelta: list.length - 1, maxTimestamp: maxTs } };
}

export function baseOffsetOf(chunk: Buffer): number {
  return Number(chunk.readBigInt64BE(0));
}

export function lastOffsetOf(chunk: Buffer): number {
  return baseOffsetOf(chunk) + chunk.readInt32BE(23);
}

export function config(values: Record<string, string | number> = {}): PartitionConfig & { values: Record<string, string> } {
  const stored: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) stored[k] = String(v);
  return { values: stored, get: (name: string) => stored[name] };
}

export function tempDir(prefix = 'kafkalite-file-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A seeded xorshift generator: rand(n) is an integer in [0, n), the same sequence for the same seed. */
export function rng(seed: number): (n: number) => number {
  let x = seed >>> 0 || 1;
  return (n) => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x % n;
  };
}

/** Every stored batch from the log start, read in 4 KiB steps. */
export async function readAll(log: PartitionLog): Promise<Buffer[]> {
  const out: Buffer[] = [];
  let offset = log.logStartOffset;
  for (;;) {
    const r = await log.read(offset, 4096);
    if (r.chunks.length === 0) return out;
    out.push(...r.chunks);
    offset = lastOffsetOf(r.chunks[r.chunks.length - 1]) + 1;
  }
}

/** Base offsets of a log's segments (both engines keep a `segments` array, oldest first). */
export function segmentBases(log: PartitionLog): number[] {
  return (log as unknown as { segments: { baseOffset: number }[] }).segments.map((s) => s.baseOffset);
}

/** A storage engine of either kind for tests that run on both (the file engine in `dir`, fsync never). */
export async function openEngine(kind: 'file' | 'memory', dir: string, passes: LogPassOptions): Promise<FileStorage | MemoryStorage> {
  return kind === 'file' ? FileStorage.open({ dataDir: dir, fsync: 'never', ...passes }) : new MemoryStorage(passes);
}
