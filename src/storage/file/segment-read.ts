// The fetch read of one segment: whole batches from the one holding `offset`, read with positional reads
// sized so that (almost) every byte read is returned. Each read allocates the Buffer it hands to the
// network layer, and that external memory is what drives V8's major GCs on a consume-heavy broker, so the
// windows are cut at batch boundaries the index already knows instead of being padded speculatively.
import type { promises as fsp } from 'node:fs';
import { HEADER_SIZE, LAST_OFFSET_DELTA, framedSize, readHeader } from '../batch-format.js';
import { readAt } from './fs-util.js';
import { MIN_POOLED_BYTES, readBuffers } from './read-buffers.js';
import type { OffsetIndex } from './indexes.js';

export interface SegmentReadResult {
  chunks: Buffer[];
  bytes: number;
  /** True when reading stopped on maxBytes/maxOffset; false when the segment simply ran out. */
  full: boolean;
}

/** What the read needs from a LogSegment (kept narrow so the segment's state stays its own). */
export interface ReadSource {
  readonly fh: fsp.FileHandle;
  readonly baseOffset: number;
  readonly size: number;
  readonly offsetIndex: OffsetIndex;
  readonly hints: ReadHints;
}

/** Read size when the batch at the position is not known yet (locating, or the tail of a budget). */
const PEEK_BYTES = 16 << 10;
const HINTS = 8;

/**
 * Where recent reads stopped: (next offset -> file position of the batch holding it). A consumer's next
 * fetch asks for exactly that offset, and the sparse index alone would send it back to the previous indexed
 * batch (the one it has just consumed) and make it read that again. A handful of entries covers a few
 * consumers per partition; a miss only costs the index lookup. Positions are only valid for the bytes they
 * were learnt from, so truncation in place bumps `generation`, which drops them and voids in-flight reads'.
 */
export class ReadHints {
  private readonly offsets: number[] = [];
  private readonly positions: number[] = [];
  private nextSlot = 0;
  generation = 0;

  find(offset: number): number {
    const i = this.offsets.indexOf(offset);
    return i < 0 ? -1 : this.positions[i];
  }

  remember(offset: number, position: number, generation: number): void {
    if (generation !== this.generation) return;
    let i = this.offsets.indexOf(offset);
    if (i < 0) {
      i = this.offsets.length < HINTS ? this.offsets.length : this.nextSlot;
      this.nextSlot = (i + 1) % HINTS;
    }
    this.offsets[i] = offset;
    this.positions[i] = position;
  }

  invalidate(): void {
    this.offsets.length = 0;
    this.positions.length = 0;
    this.nextSlot = 0;
    this.generation++;
  }
}

/**
 * Whole batches from the first one whose last offset >= offset. The first batch is returned even past
 * `budget` (unless `haveSome`); batches with last offset >= maxOffset stop it. Bytes are slices of the
 * read buffers, never copied or re-encoded.
 */
export async function readSegment(
  src: ReadSource,
  offset: number,
  budget: number,
  maxOffset: number,
  haveSome: boolean,
  interval: number,
  lease?: Buffer[],
): Promise<SegmentReadResult> {
  const end = src.size;
  const index = src.offsetIndex;
  const generation = src.hints.generation;
  let pos = src.hints.find(offset);
  let viaHint = pos >= 0 && pos <= end;
  // Located: the batch at `pos` is the first one to return (no batches to skip before it).
  let located = viaHint;
  const fromIndex = (): void => {
    const e = index.floorEntry(offset);
    pos = e < 0 ? 0 : index.positionAt(e);
    located = e < 0 ? offset <= src.baseOffset : index.offsetAt(e) >= offset;
  };
  if (!viaHint) fromIndex();
  const chunks: Buffer[] = [];
  let bytes = 0;
  let win: Buffer = EMPTY;
  let winStart = pos;
  let winEnd = pos;
  // A read of the bytes after the current window, issued together with it (see plan()).
  let ahead: { at: number; read: Promise<Window> } | null = null;
  let afterLast = -1;
  let full = false;
  const fill = async (length: number, peek: number): Promise<void> => {
    let w: Window;
    if (ahead?.at === pos) {
      w = await ahead.read;
      ahead = null;
    } else {
      ahead = null;
      if (peek > 0) {
        const read = readWindow(src.fh, pos + length, peek);
        read.catch(() => undefined); // may be left unused; a failure matters only to a reader awaiting it
        ahead = { at: pos + length, read };
      }
      w = await readWindow(src.fh, pos, Math.min(length, end - pos), lease);
    }
    win = w.buf;
    winStart = pos;
    winEnd = pos + w.got;
  };
  while (pos < end) {
    const first = !haveSome && chunks.length === 0;
    const remaining = budget - bytes;
    if (!first && remaining < HEADER_SIZE) {
      full = true;
      break;
    }
    if (pos + HEADER_SIZE > winEnd) {
      // While skipping batches below `offset`, only their headers matter: read small windows.
      if (located) await fill(...plan(index, pos, end, remaining, 0, interval));
      else await fill(interval + PEEK_BYTES, 0);
      if (pos + HEADER_SIZE > winEnd) break; // concurrently truncated
    }
    const size = framedSize(win, pos - winStart);
    const h = size < 0 ? null : readHeader(win, pos - winStart, pos);
    if (viaHint) {
      viaHint = false;
      // Hints are voided on truncation; this only guards against one being wrong anyway.
      if (!h || h.baseOffset < offset) {
        fromIndex();
        winEnd = winStart = pos;
        continue;
      }
    }
    if (!h) break;
    if (h.lastOffset < offset) {
      pos += size;
      continue;
    }
    located = true;
    if (h.lastOffset >= maxOffset || (!first && bytes + size > budget)) {
      full = true;
      break;
    }
    if (pos + size > winEnd) {
      await fill(...plan(index, pos, end, remaining, size, interval));
      if (pos + size > winEnd) break;
    }
    chunks.push(win.subarray(pos - winStart, pos - winStart + size));
    bytes += size;
    pos += size;
    afterLast = pos;
  }
  // An unused read ahead is dropped; its buffer goes with it.
  if (chunks.length > 0) {
    const last = chunks[chunks.length - 1];
    src.hints.remember(Number(last.readBigInt64BE(0)) + last.readInt32BE(LAST_OFFSET_DELTA) + 1, afterLast, generation);
  }
  return { chunks, bytes, full };
}

interface Window {
  buf: Buffer;
  got: number;
}

/**
 * Reads `length` bytes at `at`. With a `lease` (the caller releases it after use, see read-buffers.ts) a large
 * window is read into a reusable buffer, which is added to the lease.
 */
async function readWindow(fh: fsp.FileHandle, at: number, length: number, lease?: Buffer[]): Promise<Window> {
  let buf: Buffer;
  if (lease && length >= MIN_POOLED_BYTES) {
    const backing = readBuffers.take(length);
    lease.push(backing);
    buf = backing.subarray(0, length);
  } else {
    buf = Buffer.allocUnsafe(Math.max(0, length));
  }
  return { buf, got: await readAt(fh, buf, at) };
}

/**
 * [bytes to read at `pos`, bytes to read right after them concurrently] when collecting batches with
 * `remaining` budget, `known` being the size of the batch at `pos` (0 if unknown). The read ends at the last
 * batch boundary known to fit (an index entry, the end of the known batch, or the segment end), so no byte
 * of a batch that does not fit is read. What lies between that boundary and the budget is unknown: a short
 * stretch is simply read along, a longer one is peeked at in parallel, since it is usually the start of one
 * large batch that does not fit and reading a budget's worth of it would be wasted.
 */
function plan(index: OffsetIndex, pos: number, end: number, remaining: number, known: number, interval: number): [number, number] {
  const limit = Math.min(end, pos + Math.max(remaining, known));
  if (limit === end) return [end - pos, 0];
  const cut = Math.max(index.lastPositionAtOrBelow(limit), pos + known);
  if (cut <= pos) {
    // Nothing known: a small budget is read whole (as one read), a large one is peeked at first.
    return [remaining <= interval + PEEK_BYTES ? Math.max(remaining, HEADER_SIZE) : PEEK_BYTES, 0];
  }
  if (limit - cut <= PEEK_BYTES) return [limit - pos, 0];
  return [cut - pos, PEEK_BYTES];
}

const EMPTY = Buffer.alloc(0);
