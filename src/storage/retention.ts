// Which leading segments (files, or the memory engine's stretches) retention may delete, following Kafka's
// UnifiedLog.deleteOldSegments passes (retention.ms, then retention.bytes, then log-start-offset breach). Each pass
// only ever removes a prefix of the log and stops at the first segment that does not qualify, so together they
// yield one prefix length.
import type { LogConfig } from './log-config.js';

export interface RetentionSegment {
  baseOffset: number;
  size: number;
  largestTimestamp: number;
}

export interface RetentionPolicy {
  now: number;
  /** -1 = keep forever; only with cleanup.policy containing `delete`. */
  retentionMs: number;
  retentionBytes: number;
  deletePolicy: boolean;
  logStartOffset: number;
}

/** The prefix the topic's retention configs (`retention.ms`, `retention.bytes`, `cleanup.policy`) delete at `now`. */
export function expiredPrefix(segs: RetentionSegment[], config: LogConfig, now: number, logStartOffset: number): number {
  return retentionPrefix(segs, {
    now,
    retentionMs: config.num('retention.ms'),
    retentionBytes: config.num('retention.bytes'),
    deletePolicy: config.policies.delete,
    logStartOffset,
  });
}

export function retentionPrefix(segs: RetentionSegment[], p: RetentionPolicy): number {
  // The empty active segment is never deleted: it is where the next append goes.
  const deletable = (i: number): boolean => !(i === segs.length - 1 && segs[i].size === 0);
  let n = 0;
  if (p.deletePolicy && p.retentionMs >= 0) {
    while (n < segs.length && deletable(n) && p.now - segs[n].largestTimestamp > p.retentionMs) n++;
  }
  if (p.deletePolicy && p.retentionBytes >= 0) {
    let diff = -p.retentionBytes;
    for (let i = n; i < segs.length; i++) diff += segs[i].size;
    while (n < segs.length && deletable(n) && diff - segs[n].size >= 0) {
      diff -= segs[n].size;
      n++;
    }
  }
  while (n < segs.length - 1 && segs[n + 1].baseOffset <= p.logStartOffset) n++;
  return n;
}
