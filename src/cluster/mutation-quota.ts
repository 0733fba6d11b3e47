// The controller mutation quota (KIP-599, client quota key controller_mutation_rate): partitions created or deleted
// per second, per (user, client id) as the other client quotas resolve. Kafka's ControllerMutationQuotaManager: a
// token bucket per quota (TokenBucket: burst = rate x controller.quota.window.num x controller.quota.window.size.seconds,
// full at first), charged per topic after its other checks. Strict for the versions that know the error
// (CreateTopics v6+, DeleteTopics v5+, CreatePartitions v3+): a topic arriving while the bucket is below zero fails
// with THROTTLING_QUOTA_EXCEEDED and is not charged; older versions are always served and only throttled. The
// response's throttle time is how long until the bucket is back at zero.
import { KafkaError } from '../protocol/errors.js';
import type { ClientQuotas } from './client-quotas.js';

const KEY = 'controller_mutation_rate';

interface Bucket {
  tokens: number;
  lastUpdateMs: number;
}

export class MutationQuotas {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly quotas: ClientQuotas, private readonly config: () => { windows: number; windowSeconds: number }) {}

  /** A request's quota: strict or permissive, a no-op when no controller_mutation_rate applies to its client. */
  forRequest(user: string, clientId: string, strict: boolean): MutationQuota {
    const applied = this.quotas.anySet(KEY) ? this.quotas.applicable(KEY, user, clientId) : null;
    if (!applied) return UNBOUNDED;
    const id = `${applied.user}\u0000${applied.clientId}`;
    let bucket = this.buckets.get(id);
    if (!bucket) this.buckets.set(id, (bucket = { tokens: 0, lastUpdateMs: 0 }));
    const { windows, windowSeconds } = this.config();
    return new BucketQuota(bucket, applied.bound, applied.bound * windows * windowSeconds, strict);
  }
}

export interface MutationQuota {
  /** Charges `partitions` mutations; a strict quota already exhausted throws THROTTLING_QUOTA_EXCEEDED instead. */
  record(partitions: number): void;
  /** The response's throttle time (ms): what the last violation asked, less the time since. */
  throttleTimeMs(): number;
}

/** No quota applies: nothing is counted, nothing throttled. */
export const UNBOUNDED: MutationQuota = { record: () => {}, throttleTimeMs: () => 0 };

class BucketQuota implements MutationQuota {
  private lastThrottleMs = 0;
  private lastRecordedMs = 0;

  constructor(private readonly bucket: Bucket, private readonly rate: number, private readonly burst: number, private readonly strict: boolean) {}

  record(partitions: number): void {
    const now = Date.now();
    this.refill(now);
    if (this.strict && this.bucket.tokens < 0) {
      this.violated(now);
      // Kafka's default message, which its ApiError leaves out of the response: none (toError).
      throw new KafkaError('THROTTLING_QUOTA_EXCEEDED');
    }
    this.bucket.tokens = Math.min(this.burst, this.bucket.tokens - partitions);
    if (!this.strict && this.bucket.tokens < 0) this.violated(now);
  }

  throttleTimeMs(): number {
    return this.lastThrottleMs === 0 ? 0 : Math.max(0, this.lastThrottleMs - (Date.now() - this.lastRecordedMs));
  }

  private refill(now: number): void {
    const b = this.bucket;
    b.tokens = Math.min(this.burst, b.tokens + (this.rate * (now - b.lastUpdateMs)) / 1000);
    b.lastUpdateMs = now;
  }

  private violated(now: number): void {
    this.lastThrottleMs = Math.round((-this.bucket.tokens / this.rate) * 1000);
    this.lastRecordedMs = now;
  }
}
