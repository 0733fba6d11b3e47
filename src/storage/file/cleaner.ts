// Log compaction on the file engine: the decisions are compaction.ts's (Kafka's LogCleaner); here the
// segments are read in large windows, each group of cleaned segments is written to `.cleaned`, then swapped in
// under the log's mutation lock via a `.swap` file that recovery completes if the broker dies mid-swap.
// Work is chunked with setImmediate yields so a large pass never blocks the event loop for long.
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { cleanBatch, planCleaning, type PassState } from '../compaction.js';
import { type BatchHeader, HEADER_SIZE, framedSize, readHeader } from '../batch-format.js';
import { fsyncDir } from './fs-util.js';
import { writeCleanerCheckpoint } from './log-recovery.js';
import type { FilePartitionLog } from './partition-log.js';
import { LogSegment, segmentName } from './segment.js';

export interface CompactOptions {
  now: number;
  logger: Logger;
  /** Clean even when the dirty ratio is below min.cleanable.dirty.ratio. */
  force?: boolean;
}

const WINDOW = 4 << 20;
const YIELD_EVERY_BYTES = 1 << 20;
const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Whole batches of a segment, read in large windows, with an event-loop yield every ~1 MiB. */
async function* batchesOf(seg: LogSegment, limit = seg.size): AsyncGenerator<{ h: BatchHeader; buf: Buffer }> {
  let pos = 0;
  let win: Buffer = Buffer.alloc(0);
  let winStart = 0;
  let sinceYield = 0;
  while (pos < limit) {
    if (pos + HEADER_SIZE > winStart + win.length) {
      win = await seg.readRange(pos, Math.min(WINDOW, limit - pos));
      winStart = pos;
    }
    const size = framedSize(win, pos - winStart);
    if (size < 0) throw new Error(`${seg.logPath}: bad batch framing at ${pos}`);
    if (pos + size > winStart + win.length) {
      win = await seg.readRange(pos, Math.max(size, Math.min(WINDOW, limit - pos)));
      winStart = pos;
      if (win.length < size) throw new Error(`${seg.logPath}: truncated batch at ${pos}`);
    }
    const at = pos - winStart;
    yield { h: readHeader(win, at, pos), buf: win.subarray(at, at + size) };
    pos += size;
    sinceYield += size;
    if (sinceYield >= YIELD_EVERY_BYTES) {
      sinceYield = 0;
      await yieldToLoop();
    }
  }
}

/** Rewrites one group of adjacent closed segments and swaps the result in. False if the log changed meanwhile. */
async function cleanGroup(log: FilePartitionLog, group: LogSegment[], nextBase: number, st: PassState): Promise<boolean> {
  const base = group[0].baseOffset;
  const cleanedPath = path.join(log.dir, segmentName(base, '.log.cleaned'));
  const swapPath = path.join(log.dir, `${segmentName(base, '.log')}.${segmentName(nextBase, '.swap')}`);
  const out = await fsp.open(cleanedPath, 'w');
  try {
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let pos = 0;
    const flush = async (): Promise<void> => {
      if (pendingBytes === 0) return;
      await out.writev(pending, pos);
      pos += pendingBytes;
      pending = [];
      pendingBytes = 0;
    };
    for (const seg of group) {
      for await (const { h, buf } of batchesOf(seg)) {
        const keep = await cleanBatch(h, buf, seg.lastModifiedMs, st);
        if (!keep) continue;
        pending.push(keep);
        pendingBytes += keep.length;
        if (pendingBytes >= YIELD_EVERY_BYTES) await flush();
      }
    }
    await flush();
    await out.datasync();
  } finally {
    await out.close();
  }
  // Tombstone expiry is measured on segment mtimes, so the cleaned segment keeps the newest original one.
  const mtime = new Date(Math.max(...group.map((s) => s.lastModifiedMs)));
  await fsp.utimes(cleanedPath, mtime, mtime);

  return log.exec.run(async () => {
    const idx = log.segments.indexOf(group[0]);
    const intact = !log.isClosed && idx >= 0 && group.every((s, k) => log.segments[idx + k] === s) && idx + group.length < log.segments.length;
    if (!intact) {
      await fsp.rm(cleanedPath, { force: true });
      return false;
    }
    // From the rename on, a crash is completed by recovery (log-recovery.ts handles `.swap`).
    await fsp.rename(cleanedPath, swapPath);
    await fsyncDir(log.dir);
    for (const s of group) await s.deleteFiles();
    await fsp.rename(swapPath, path.join(log.dir, segmentName(base, '.log')));
    const seg = await LogSegment.open(log.dir, base, log.handles);
    await seg.load(log.interval, nextBase); // no index files: rebuilt (validating) and written durably
    log.segments = [...log.segments.slice(0, idx), seg, ...log.segments.slice(idx + group.length)];
    await fsyncDir(log.dir);
    return true;
  });
}

/** One cleaning pass over a log. Returns true when segments were rewritten. */
export async function compactLog(log: FilePartitionLog, opts: CompactOptions): Promise<boolean> {
  if (log.cleaning) return false;
  log.cleaning = true;
  try {
    return await cleanPass(log, opts);
  } catch (err) {
    // Retention or truncation deleting a segment under the pass closes its file; the next pass retries.
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EBADF' || code === 'ENOENT') return false;
    throw err;
  } finally {
    log.cleaning = false;
  }
}

async function cleanPass(log: FilePartitionLog, { now, logger, force }: CompactOptions): Promise<boolean> {
  const plan = await planCleaning(log, (seg) => batchesOf(seg), now, force);
  if (!plan) return false;
  for (const { segs, nextBase } of plan.groups) {
    if (!(await cleanGroup(log, segs, nextBase, plan.st))) {
      logger.debug({ dir: log.dir }, 'log changed during cleaning; pass abandoned');
      return false;
    }
  }
  const { end, st, sizeBefore } = plan;
  log.cleanerCheckpoint = end;
  log.oldestRetainedTombstone = st.oldestRetainedTombstone;
  await writeCleanerCheckpoint(log.dir, end);
  const sizeAfter = log.segments.filter((s) => s.baseOffset < end).reduce((n, s) => n + s.size, 0);
  logger.info({ dir: log.dir, end, removedRecords: st.removedRecords, sizeBefore, sizeAfter }, 'compacted log');
  return true;
}
