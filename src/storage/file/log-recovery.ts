// Opening a partition directory: clean crash leftovers, finish interrupted compaction swaps, load closed
// segments (trusting their indexes when sane), validate the active segment batch by batch and cut it at the
// first torn/corrupt batch, and restore the log start offset from its checkpoint.
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { atomicWrite, isAtomicTemp, readIfExists } from './fs-util.js';
import type { HandleCache } from './handle-cache.js';
import { LogSegment, segmentName } from './segment.js';

export const LOG_START_CHECKPOINT = 'log-start-offset';
/** First offset the cleaner has not compacted yet (Kafka keeps this in a per-log-dir cleaner-offset-checkpoint). */
export const CLEANER_CHECKPOINT = 'cleaner-offset-checkpoint';
export const PARTITION_METADATA = 'partition.metadata';
/** `<base>.log.<endBase>.swap`: a compacted replacement for the segments with base in [base, endBase). */
export const SWAP_RE = /^(\d{20})\.log\.(\d{20})\.swap$/;
const LOG_RE = /^(\d{20})\.log$/;

export interface LoadedLog {
  segments: LogSegment[];
  logStartOffset: number;
}

export function readLogStart(dir: string): Promise<number | undefined> {
  return readOffsetFile(path.join(dir, LOG_START_CHECKPOINT));
}

export function readCleanerCheckpoint(dir: string): Promise<number | undefined> {
  return readOffsetFile(path.join(dir, CLEANER_CHECKPOINT));
}

export function writeCleanerCheckpoint(dir: string, offset: number): Promise<void> {
  return atomicWrite(path.join(dir, CLEANER_CHECKPOINT), `${offset}\n`);
}

async function readOffsetFile(file: string): Promise<number | undefined> {
  const raw = await readIfExists(file);
  if (!raw) return undefined;
  const v = Number(raw.toString('utf8').trim());
  return Number.isSafeInteger(v) && v >= 0 ? v : undefined;
}

export function writeLogStart(dir: string, offset: number): Promise<void> {
  return atomicWrite(path.join(dir, LOG_START_CHECKPOINT), `${offset}\n`);
}

/** Kafka's partition.metadata: binds the directory to a topic id so a recreated topic never sees old data. */
export async function checkTopicId(dir: string, topicId: string, durable = true): Promise<void> {
  const file = path.join(dir, PARTITION_METADATA);
  const raw = await readIfExists(file);
  const stored = raw?.toString('utf8').match(/^topic_id:\s*(\S+)/m)?.[1];
  if (stored !== undefined && topicId && stored !== topicId) {
    const err = new Error(`${dir} belongs to topic id ${stored}, not ${topicId}`) as NodeJS.ErrnoException;
    err.code = 'INCONSISTENT_TOPIC_ID';
    throw err;
  }
  if (stored === undefined && topicId) await atomicWrite(file, `version: 0\ntopic_id: ${topicId}\n`, durable);
}

async function removeSegmentFiles(dir: string, base: number): Promise<void> {
  await Promise.all(['.log', '.index', '.timeindex'].map((s) => fsp.rm(path.join(dir, segmentName(base, s)), { force: true })));
}

/** Completes (or discards) compaction swaps interrupted by a crash, and drops other leftovers; true if any. */
async function cleanDirectory(dir: string, names: string[], logger: Logger): Promise<boolean> {
  let changed = false;
  for (const name of names) {
    if (isAtomicTemp(name) || name.endsWith('.deleted') || name.endsWith('.cleaned')) {
      await fsp.rm(path.join(dir, name), { force: true });
      changed = true;
    }
  }
  for (const name of names) {
    const m = SWAP_RE.exec(name);
    if (!m) continue;
    changed = true;
    const base = Number(m[1]);
    const end = Number(m[2]);
    // The swap file is only created once the cleaned data is durable, so completing it is always safe.
    for (const other of names) {
      const lm = LOG_RE.exec(other);
      if (lm && Number(lm[1]) >= base && Number(lm[1]) < end) await removeSegmentFiles(dir, Number(lm[1]));
    }
    await fsp.rename(path.join(dir, name), path.join(dir, segmentName(base, '.log')));
    logger.info({ dir, base, end }, 'completed interrupted compaction swap');
  }
  return changed;
}

/**
 * Loads the log of an existing partition directory whose entries are `names`. Each filesystem call is a
 * thread-pool round trip and a restart makes them for every partition, so files the listing shows to be
 * absent are not looked for.
 */
export async function loadLog(dir: string, names: string[], indexInterval: number, logger: Logger, handles: HandleCache | null): Promise<LoadedLog> {
  const listing = (await cleanDirectory(dir, names, logger)) ? await fsp.readdir(dir) : names;
  const bases = listing
    .map((n) => LOG_RE.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
  const checkpoint = listing.includes(LOG_START_CHECKPOINT) ? await readLogStart(dir) : undefined;
  const segments: LogSegment[] = [];
  if (bases.length === 0) {
    segments.push(await LogSegment.create(dir, checkpoint ?? 0, handles));
    return { segments, logStartOffset: checkpoint ?? 0 };
  }
  for (let i = 0; i < bases.length; i++) {
    const last = i === bases.length - 1;
    const seg = await LogSegment.open(dir, bases[i], handles);
    segments.push(seg);
    const result = last ? await seg.recover(indexInterval) : await seg.load(indexInterval, bases[i + 1]);
    if (result?.corrupt) {
      logger.warn({ dir, segment: bases[i], position: result.end, reason: result.reason }, 'truncated corrupt log tail');
      // Data after a hole cannot be trusted to follow it (Kafka drops every later segment too).
      for (const later of bases.slice(i + 1)) await removeSegmentFiles(dir, later);
      break;
    }
  }
  // Segments entirely below the checkpointed log start were being deleted when the broker stopped.
  let logStartOffset = Math.max(checkpoint ?? 0, segments[0].baseOffset);
  while (segments.length > 1 && segments[1].baseOffset <= logStartOffset) {
    await segments.shift()!.deleteFiles();
  }
  const leo = segments[segments.length - 1].nextOffset;
  if (logStartOffset > leo) logStartOffset = leo;
  return { segments, logStartOffset };
}
