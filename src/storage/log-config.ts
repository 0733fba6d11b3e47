// Topic configs are read from the PartitionConfig at every use (by Kafka name, as strings), so an
// AlterConfigs that swaps or mutates the config object takes effect on the next append/retention run.
import type { PartitionConfig } from './types.js';

export const DEFAULTS = {
  'segment.bytes': 1073741824,
  'segment.ms': 604800000,
  'segment.jitter.ms': 0,
  'segment.index.bytes': 10485760,
  'index.interval.bytes': 4096,
  'retention.ms': 604800000,
  'retention.bytes': -1,
  'delete.retention.ms': 86400000,
  'min.compaction.lag.ms': 0,
  'max.compaction.lag.ms': Number.MAX_SAFE_INTEGER,
  'min.cleanable.dirty.ratio': 0.5,
  'flush.messages': Number.MAX_SAFE_INTEGER,
  'flush.ms': Number.MAX_SAFE_INTEGER,
} as const;

export type NumericConfig = keyof typeof DEFAULTS;

/** Lower bounds Kafka enforces; a smaller configured value is clamped rather than allowed to misbehave. */
const MINIMUMS: Partial<Record<NumericConfig, number>> = {
  'segment.bytes': 14,
  'segment.ms': 1,
  'segment.index.bytes': 8,
  'index.interval.bytes': 0,
};

export class LogConfig {
  constructor(private source: PartitionConfig) {}

  /** Swaps the config source (AlterConfigs with a fresh config object). */
  reconfigure(source: PartitionConfig): void {
    this.source = source;
  }

  num(name: NumericConfig): number {
    const raw = this.source.get(name);
    let v = raw === undefined || raw.trim() === '' ? NaN : Number(raw);
    if (!Number.isFinite(v)) v = DEFAULTS[name];
    // Long.MAX_VALUE and friends arrive as strings that overflow doubles' integer range; clamp them.
    if (v > Number.MAX_SAFE_INTEGER) v = Number.MAX_SAFE_INTEGER;
    const min = MINIMUMS[name];
    return min !== undefined && v < min ? min : v;
  }

  /** cleanup.policy as a set: `delete` (default), `compact`, or both. */
  get policies(): { delete: boolean; compact: boolean } {
    const raw = (this.source.get('cleanup.policy') ?? 'delete').toLowerCase();
    const parts = raw.split(',').map((s) => s.trim());
    return { delete: parts.includes('delete'), compact: parts.includes('compact') };
  }
}
