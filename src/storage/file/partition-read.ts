// The read side of a partition log: fetch reads across segments (retried when a mutation deletes a segment
// under them) and the timestamp lookups of ListOffsets. Reads never take the partition's executor; they
// work on a snapshot of the segment list.
import type { ReadOptions, ReadResult, TimestampLookup } from '../types.js';
import { readBuffers } from './read-buffers.js';
import type { SerialExecutor } from '../../concurrency.js';
import { type LogSegment, floorSegment } from './segment.js';

/** What the reads need from a FilePartitionLog. */
export interface ReadableLog {
  readonly segments: LogSegment[];
  readonly logStartOffset: number;
  readonly logEndOffset: number;
  readonly interval: number;
  readonly exec: SerialExecutor;
}

/** Attempts of a read whose segments keep being deleted under it (each retry waits for the mutation). */
const READ_ATTEMPTS = 3;

export async function readLog(log: ReadableLog, offset: number, maxBytes: number, maxOffset: number, opts?: ReadOptions): Promise<ReadResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      if (!opts?.reusable) return await readOnce(log, offset, maxBytes, maxOffset);
      // A failed attempt's lease is dropped, not released: only a completed read knows no read is still
      // filling one of its buffers.
      const lease: Buffer[] = [];
      const r = await readOnce(log, offset, maxBytes, maxOffset, lease);
      if (lease.length > 0) r.release = () => { for (const b of lease) readBuffers.give(b); };
      return r;
    } catch (err) {
      // A segment deleted under the read (retention, truncation, a compaction swap) closes its handle. The
      // mutation doing it runs on the executor and publishes the new segment list only at its end (a swap
      // first rebuilds the cleaned segment's indexes), so wait for it before retrying against the new list.
      const code = (err as NodeJS.ErrnoException).code;
      if ((code !== 'EBADF' && code !== 'ERR_INVALID_STATE') || attempt >= READ_ATTEMPTS) throw err;
      await log.exec.idle();
    }
  }
}

async function readOnce(log: ReadableLog, offset: number, maxBytes: number, maxOffset: number, lease?: Buffer[]): Promise<ReadResult> {
  const segs = log.segments;
  const from = Math.max(offset, log.logStartOffset);
  const chunks: Buffer[] = [];
  let bytes = 0;
  if (from >= log.logEndOffset || from >= maxOffset) return { chunks, bytes };
  for (let i = floorSegment(segs, from); i < segs.length; i++) {
    const r = await segs[i].read(from, maxBytes - bytes, maxOffset, chunks.length > 0, log.interval, lease);
    for (const c of r.chunks) chunks.push(c);
    bytes += r.bytes;
    if (r.full || bytes >= maxBytes) break;
  }
  return { chunks, bytes };
}

export async function offsetForTimestamp(log: ReadableLog, ts: number): Promise<TimestampLookup | null> {
  const start = log.logStartOffset;
  for (const seg of log.segments) {
    if (seg.maxTimestamp < ts || seg.nextOffset <= start) continue;
    const h = await seg.findByTimestamp(ts, start, log.interval);
    if (h) return { offset: Math.max(h.baseOffset, start), timestamp: h.maxTimestamp };
  }
  return null;
}

export function maxTimestamp(segments: LogSegment[]): TimestampLookup | null {
  let best: TimestampLookup | null = null;
  for (const seg of segments) {
    if (seg.maxTimestamp >= 0 && (!best || seg.maxTimestamp > best.timestamp)) {
      best = { offset: seg.offsetOfMaxTimestamp, timestamp: seg.maxTimestamp };
    }
  }
  return best;
}
