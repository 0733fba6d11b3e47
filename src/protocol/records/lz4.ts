// LZ4 frame format (https://github.com/lz4/lz4/blob/dev/doc/lz4_Frame_format.md), as Kafka uses it for codec 3.
//
// Why parse frames in JS instead of calling lz4-napi's decompressFrameSync:
// - KAFKA-3160: Kafka clients before 0.10 (magic 0) computed the header checksum (HC) over the magic number as
//   well as the descriptor. lz4-napi rejects such frames with HeaderChecksumError; Kafka ignores the HC for magic 0.
//   We accept the HC if it matches either the correct or that broken computation.
// - Bounded output: decompressFrameSync grows its output without limit. Walking the blocks ourselves lets us stop as
//   soon as the running total passes the limit; each block is at most 4 MiB by the format.
// - decompressFrameSync silently stops after the first frame; we decode concatenated frames.
// The per-block LZ4 decode is still native (lz4-napi uncompressSync, i.e. lz4_flex with a size prefix, where the
// prefix we give is the block maximum, which doubles as the per-block output bound).
//
// Compression uses lz4-napi's (async, off-thread) frame encoder: FLG=0x60 (version 1, independent blocks, no
// checksums), a correct HC and an end mark, like Java's Lz4BlockOutputStream. It picks the block size itself: 64 KiB
// (BD=0x40, Java's choice) for small inputs, 4 MiB (BD=0x70) for large ones; Kafka's reader accepts BD 4..7.
import { createRequire } from 'node:module';
import { RecordError, RecordErrorCode, asRecordError } from './errors.js';
import { xxh32 } from './xxhash32.js';

// Loaded on first use (see crc.ts): the native module costs start-up time and memory most brokers never need.
const require = createRequire(import.meta.url);
let lz4: typeof import('lz4-napi') | undefined;
const native = () => (lz4 ??= require('lz4-napi') as typeof import('lz4-napi'));

const FRAME_MAGIC = 0x184d2204;
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
const INCOMPRESSIBLE = 0x80000000;
/** LZ4 block format back-reference window: linked blocks may reference this much preceding output. */
const WINDOW = 64 * 1024;

export async function lz4Compress(data: Buffer): Promise<Buffer> {
  try {
    return await native().compressFrame(data);
  } catch (e) {
    throw asRecordError(e, 'lz4 compression failed');
  }
}

function corrupt(msg: string): RecordError {
  return new RecordError(`LZ4: ${msg}`);
}

export function lz4Decompress(data: Buffer, maxOutput: number): Buffer {
  const out: Buffer[] = [];
  let total = 0;
  let pos = 0;
  let frames = 0;
  while (pos < data.length) {
    if (data.length - pos < 4) {
      if (frames > 0) break; // trailing bytes after a complete frame: Kafka reads one frame and ignores the rest
      throw corrupt('stream ended prematurely (no frame magic)');
    }
    const magic = data.readUInt32LE(pos);
    if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      if (data.length - pos < 8) throw corrupt('truncated skippable frame');
      pos += 8 + data.readUInt32LE(pos + 4);
      if (pos > data.length) throw corrupt('truncated skippable frame');
      continue;
    }
    if (magic !== FRAME_MAGIC) {
      if (frames > 0) break; // same leniency as above for non-frame trailing bytes
      throw corrupt(`invalid frame magic 0x${magic.toString(16)}`);
    }
    const r = decodeFrame(data, pos, maxOutput - total, out);
    pos = r.end;
    total += r.produced;
    frames++;
  }
  if (frames === 0) throw corrupt('no frame found');
  return out.length === 1 ? out[0] : Buffer.concat(out, total);
}

function decodeFrame(data: Buffer, start: number, budget: number, out: Buffer[]): { end: number; produced: number } {
  let pos = start + 4;
  if (data.length - pos < 3) throw corrupt('stream ended prematurely (frame descriptor)');
  const flg = data[pos];
  const bd = data[pos + 1];
  const version = flg >> 6;
  const independent = (flg & 0x20) !== 0;
  const blockChecksum = (flg & 0x10) !== 0;
  const hasContentSize = (flg & 0x08) !== 0;
  const contentChecksum = (flg & 0x04) !== 0;
  const hasDictId = (flg & 0x01) !== 0;
  if (version !== 1) throw corrupt(`unsupported frame version ${version}`);
  if ((flg & 0x02) !== 0 || (bd & 0x8f) !== 0) throw corrupt('reserved bits set in frame descriptor');
  if (hasDictId) throw corrupt('dictionary frames are not supported');
  const blockSizeId = (bd >> 4) & 7;
  if (blockSizeId < 4) throw corrupt(`invalid block maximum size id ${blockSizeId}`);
  const blockMax = 1 << (2 * blockSizeId + 8); // 64 KiB, 256 KiB, 1 MiB, 4 MiB
  const descStart = pos;
  const descLen = 2 + (hasContentSize ? 8 : 0);
  if (data.length - descStart < descLen + 1) throw corrupt('stream ended prematurely (frame descriptor)');
  let contentSize = -1;
  if (hasContentSize) {
    const hi = data.readUInt32LE(descStart + 6);
    contentSize = hi * 4294967296 + data.readUInt32LE(descStart + 2);
    if (contentSize > budget) throw tooLarge(budget);
  }
  const hc = data[descStart + descLen];
  if (hc !== ((xxh32(data, descStart, descStart + descLen) >>> 8) & 0xff)) {
    // KAFKA-3160: magic-0 era clients hashed from the frame magic, not from FLG.
    if (hc !== ((xxh32(data, start, descStart + descLen) >>> 8) & 0xff)) throw corrupt('frame descriptor checksum mismatch');
  }
  pos = descStart + descLen + 1;

  const frameOut: Buffer[] = [];
  let produced = 0;
  // Size prefix for uncompressSync: lz4_flex treats it as the output capacity and fails if a block would exceed it.
  const prefix = Buffer.alloc(4);
  prefix.writeUInt32LE(blockMax, 0);
  let window: Buffer | null = null;
  for (;;) {
    if (data.length - pos < 4) throw corrupt('stream ended prematurely (block size)');
    const word = data.readUInt32LE(pos);
    pos += 4;
    if (word === 0) break; // end mark
    const stored = (word & INCOMPRESSIBLE) !== 0;
    const size = (word & ~INCOMPRESSIBLE) >>> 0;
    if (size > blockMax) throw corrupt(`block size ${size} exceeds maximum ${blockMax}`);
    if (data.length - pos < size + (blockChecksum ? 4 : 0)) throw corrupt('stream ended prematurely (block data)');
    const block = data.subarray(pos, pos + size);
    pos += size;
    if (blockChecksum) {
      if (xxh32(block) !== data.readUInt32LE(pos)) throw corrupt('block checksum mismatch');
      pos += 4;
    }
    let plain: Buffer;
    if (stored) {
      plain = block;
    } else {
      try {
        const framed = Buffer.concat([prefix, block]);
        plain = window && !independent ? native().uncompressSync(framed, window) : native().uncompressSync(framed);
      } catch (e) {
        throw asRecordError(e, 'LZ4: corrupt block');
      }
    }
    produced += plain.length;
    if (produced > budget) throw tooLarge(budget);
    frameOut.push(plain);
    if (!independent) window = lastBytes(window, plain);
  }
  const content = frameOut.length === 1 ? frameOut[0] : Buffer.concat(frameOut, produced);
  if (contentChecksum) {
    if (data.length - pos < 4) throw corrupt('stream ended prematurely (content checksum)');
    if (xxh32(content) !== data.readUInt32LE(pos)) throw corrupt('content checksum mismatch');
    pos += 4;
  }
  if (contentSize >= 0 && contentSize !== produced) throw corrupt(`content size ${contentSize} declared but ${produced} decoded`);
  out.push(content);
  return { end: pos, produced };
}

/** Linked blocks (not written by Kafka clients, and rejected by Kafka; we accept them) may reference the last 64 KiB. */
function lastBytes(prev: Buffer | null, next: Buffer): Buffer {
  if (next.length >= WINDOW || !prev) return next.subarray(Math.max(0, next.length - WINDOW));
  const joined = Buffer.concat([prev, next]);
  return joined.subarray(Math.max(0, joined.length - WINDOW));
}

function tooLarge(budget: number): RecordError {
  return new RecordError(`LZ4: decompressed data exceeds the limit (${budget} bytes left)`, RecordErrorCode.MESSAGE_TOO_LARGE);
}
