// Sequential batch scanner over a segment file, used by recovery (with CRC validation), index rebuilds and
// the header walks of offsetForTimestamp/truncateTo. It reads large windows rather than one pread per batch
// because a segment holds thousands of small batches.
import type { promises as fsp } from 'node:fs';
import { type BatchHeader, HEADER_SIZE, crcMatches, framedSize, readHeader } from '../batch-format.js';
import { readAt } from './fs-util.js';

export interface ScanOptions {
  from: number;
  to: number;
  /** Validate framing and CRC32C of every batch, and that offsets increase (recovery of the active segment). */
  validate: boolean;
  /** First offset the segment may hold; validation rejects batches below it. */
  minOffset: number;
  windowBytes?: number;
}

export interface ScanResult {
  /** Position after the last good batch (or of the batch `visit` stopped at). */
  end: number;
  /** Set when a torn/corrupt batch was found at `end` (validate mode) or framing broke. */
  corrupt: boolean;
  reason?: string;
}

/**
 * Calls `visit` for each batch in [from, to). `visit` returns false to stop early. Batch bytes are only
 * guaranteed to be in `data` in validate mode; header-only scans may present just the header.
 */
export async function scanBatches(
  fh: fsp.FileHandle,
  opts: ScanOptions,
  visit: (h: BatchHeader, data: Buffer, at: number) => boolean | void,
): Promise<ScanResult> {
  const windowBytes = opts.windowBytes ?? (opts.validate ? 8 << 20 : 256 << 10);
  let win = Buffer.alloc(0);
  let winStart = opts.from;
  let winEnd = opts.from;
  let pos = opts.from;
  let expectNext = opts.minOffset;

  const fill = async (at: number, want: number): Promise<void> => {
    const len = Math.min(Math.max(want, windowBytes), opts.to - at);
    win = Buffer.allocUnsafe(len);
    const got = await readAt(fh, win, at);
    winStart = at;
    winEnd = at + got;
  };

  while (pos < opts.to) {
    if (pos + HEADER_SIZE > winEnd) await fill(pos, HEADER_SIZE);
    if (pos + HEADER_SIZE > winEnd) return { end: pos, corrupt: true, reason: 'truncated header' };
    const at = pos - winStart;
    const size = framedSize(win, at);
    if (size < 0) return { end: pos, corrupt: true, reason: 'bad framing' };
    if (pos + size > opts.to) return { end: pos, corrupt: true, reason: 'truncated batch' };
    const h = readHeader(win, at, pos);
    let data = win;
    let dataAt = at;
    if (opts.validate) {
      if (pos + size > winEnd) {
        await fill(pos, size);
        if (pos + size > winEnd) return { end: pos, corrupt: true, reason: 'truncated batch' };
      }
      dataAt = pos - winStart;
      data = win;
      if (!crcMatches(data, dataAt, size)) return { end: pos, corrupt: true, reason: 'crc mismatch' };
      if (h.baseOffset < expectNext || h.lastOffset < h.baseOffset) {
        return { end: pos, corrupt: true, reason: `offset ${h.baseOffset} out of order (expected >= ${expectNext})` };
      }
      expectNext = h.lastOffset + 1;
    }
    if (visit(h, data, dataAt) === false) return { end: pos, corrupt: false };
    pos += size;
  }
  return { end: pos, corrupt: false };
}
