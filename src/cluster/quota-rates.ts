// Enforcing the byte-rate client quotas (producer_byte_rate, consumer_byte_rate) as Kafka's ClientQuotaManager does:
// for the quota that applies to a (user, client id) (ClientQuotas.applicable), the rate over
// quota.window.num samples of quota.window.size.seconds (Kafka's SampledStat + Rate), and the throttle time of a
// violation, (rate - quota) / quota x window (QuotaUtils.throttleTime). controller_mutation_rate has a token bucket
// of its own (mutation-quota.ts); request_percentage and connection_creation_rate are stored (client-quotas.ts) only.
import type { ClientQuotas } from './client-quotas.js';

export type ByteRateKey = 'producer_byte_rate' | 'consumer_byte_rate';

interface Sample {
  start: number;
  total: number;
}

/** One sensor: the samples of a quota's rate, shared by every client the quota covers together. */
class RateSensor {
  private readonly samples: Sample[] = [];
  private current = 0;

  constructor(private readonly windows: number, private readonly windowMs: number, now: number) {
    this.samples.push({ start: now, total: 0 });
  }

  record(bytes: number, now: number): void {
    let s = this.samples[this.current];
    if (now - s.start >= this.windowMs) {
      this.current = (this.current + 1) % this.windows;
      if (this.current >= this.samples.length) this.samples.push((s = { start: now, total: 0 }));
      else (s = this.samples[this.current]), (s.start = now), (s.total = 0);
    }
    s.total += bytes;
  }

  /** Bytes per second over the retained samples, and the window it was measured over (Rate.windowSize). */
  measure(now: number): { rate: number; windowMs: number } {
    let total = 0;
    let oldest = now;
    for (const s of this.samples) {
      if (now - s.start >= this.windows * this.windowMs) (s.start = now), (s.total = 0); // obsolete
      total += s.total;
      oldest = Math.min(oldest, s.start);
    }
    let windowMs = now - oldest;
    const full = Math.floor(windowMs / this.windowMs);
    if (full < this.windows - 1) windowMs += (this.windows - 1 - full) * this.windowMs;
    return { rate: total / (windowMs / 1000), windowMs };
  }
}

export class ByteRateQuotas {
  private readonly sensors = new Map<string, RateSensor>();
  private seenVersion = -1;
  private readonly active = new Set<ByteRateKey>();

  constructor(private readonly quotas: ClientQuotas, private readonly config: () => { windows: number; windowMs: number }) {
    // In step from the start, so that the hot path's first call does not take the reset branch: code optimized in
    // another broker of the process (the warm-up's) would be deoptimized by it.
    this.reset();
  }

  /**
   * Records `bytes` for the client and returns how long it must be throttled (ms), 0 when within its quota or when
   * no quota applies. Cheap when no quota of this kind is set.
   */
  record(key: ByteRateKey, user: string, clientId: string, bytes: number, now = Date.now()): number {
    const found = this.sensor(key, user, clientId, now);
    if (!found) return 0;
    found.sensor.record(bytes, now);
    const { rate, windowMs } = found.sensor.measure(now);
    if (rate <= found.bound) return 0;
    return Math.round(((rate - found.bound) / found.bound) * windowMs);
  }

  /** Takes back what record() counted for a response that was not sent (Kafka's unrecordQuotaSensor). */
  unrecord(key: ByteRateKey, user: string, clientId: string, bytes: number, now = Date.now()): void {
    this.sensor(key, user, clientId, now)?.sensor.record(-bytes, now);
  }

  /**
   * The most a client may take in one quota window without a violation (quota x (windows - 1) x window): Kafka caps a
   * throttled consumer's Fetch max_bytes at it, so that one response cannot exceed what the quota ever allows.
   */
  maxBytesInWindow(key: ByteRateKey, user: string, clientId: string): number {
    if (!this.enforces(key)) return Infinity;
    const applied = this.quotas.applicable(key, user, clientId);
    if (!applied) return Infinity;
    const { windows, windowMs } = this.config();
    return applied.bound * (windows - 1) * (windowMs / 1000);
  }

  /** Whether any quota of this kind is set: false is the common, cheap case. */
  enforces(key: ByteRateKey): boolean {
    if (this.quotas.version !== this.seenVersion) this.reset();
    return this.active.has(key);
  }

  private sensor(key: ByteRateKey, user: string, clientId: string, now: number): { sensor: RateSensor; bound: number } | null {
    if (!this.enforces(key)) return null;
    const applied = this.quotas.applicable(key, user, clientId);
    if (!applied) return null;
    const id = `${key}\u0000${applied.user}\u0000${applied.clientId}`;
    let sensor = this.sensors.get(id);
    if (!sensor) {
      const { windows, windowMs } = this.config();
      this.sensors.set(id, (sensor = new RateSensor(windows, windowMs, now)));
    }
    return { sensor, bound: applied.bound };
  }

  /** Quotas changed: sensors start over (Kafka keeps them, re-bounded; the difference lasts one window). */
  private reset(): void {
    this.seenVersion = this.quotas.version;
    this.sensors.clear();
    this.active.clear();
    for (const key of ['producer_byte_rate', 'consumer_byte_rate'] as const) if (this.quotas.anySet(key)) this.active.add(key);
  }
}
