// The read side of a partition log: fetch reads across segments (retried when a mutation deletes a segment
// under them) and the timestamp lookups of ListOffsets. Reads never take the partition's executor; they
// work on a snapshot of the segment list.
import { KafkaError } from '../../protocol/errors.js';
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
  readonly isClosed: boolean;
  readonly dir: string;
}

/**
 * For a request still in flight when the log closed under it (its topic was deleted): Kafka answers an append to or a
 * read of a partition no longer led here with NOT_LEADER_OR_FOLLOWER; the client's metadata refresh then finds the
 * topic gone.
 */
export function closedLogError(log: { dir: string }): KafkaError {
  return new KafkaError('NOT_LEADER_OR_FOLLOWER', `The log ${log.dir} was closed (its topic was deleted).`);
}

/** Attempts of a read whose segments keep being deleted under it (each retry waits for the mutation). */
const READ_ATTEMPTS = 3;

export function readLog(log: ReadableLog, offset: number, maxBytes: number, maxOffset: number, opts?: ReadOptions): Promise<ReadResult> {
  if (!opts?.reusable) return retried(log, () => readOnce(log, offset, maxBytes, maxOffset));
  return retried(log, async () => {
    // A failed attempt's lease is dropped, not released: only a completed read knows no read is still
    // filling one of its buffers.
    const lease: Buffer[] = [];
    const r = await readOnce(log, offset, maxBytes, maxOffset, lease);
    if (lease.length > 0) r.release = () => { for (const b of lease) readBuffers.give(b); };
    return r;
  });
}

/**
 * Runs a read of the segment list, again if a segment was deleted under it (retention, truncation, a compaction
 * swap close its handle). The mutation doing it runs on the executor and publishes the new segment list only at its
 * end (a swap first rebuilds the cleaned segment's indexes), so each retry waits for it.
 */
async function retried<T>(log: ReadableLog, read: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await read();
    } catch (err) {
      if (log.isClosed) throw closedLogError(log);
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

export function offsetForTimestamp(log: ReadableLog, ts: number): Promise<TimestampLookup | null> {
  return retried(log, async () => {
    const start = log.logStartOffset;
    for (const seg of log.segments) {
      if (seg.maxTimestamp < ts || seg.nextOffset <= start) continue;
      const h = await seg.findByTimestamp(ts, start, log.interval);
      if (h) return { offset: Math.max(h.baseOffset, start), timestamp: h.maxTimestamp };
    }
    return null;
  });
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
