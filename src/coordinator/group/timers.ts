// Small helpers: named, replaceable timers that never keep the process alive, and Kafka's hashing of keys.

/** A set of named one-shot timers (heartbeat expiry per member, the join/sync deadlines of a group). */
export class Timers {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  /** (Re)schedules `key`: an earlier timer with the same key is cancelled. */
  schedule(key: string, ms: number, fn: () => void): void {
    this.cancel(key);
    const t = setTimeout(() => {
      if (this.timers.get(key) === t) this.timers.delete(key);
      fn();
    }, Math.min(Math.max(0, ms), 0x7fffffff)); // past 2^31-1 ms Node would fire at once
    t.unref?.();
    this.timers.set(key, t);
  }

  cancel(key: string): void {
    const t = this.timers.get(key);
    if (t) {
      clearTimeout(t);
      this.timers.delete(key);
    }
  }

  has(key: string): boolean {
    return this.timers.has(key);
  }

  cancelAll(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  get size(): number {
    return this.timers.size;
  }
}

/** java.lang.String#hashCode over UTF-16 code units, as Kafka hashes group and transactional ids. */
export function javaStringHashCode(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

/** Kafka's Utils.abs(hash) % partitions: the __consumer_offsets / __transaction_state partition of a key. */
export function partitionForKey(key: string, partitions: number): number {
  return (javaStringHashCode(key) & 0x7fffffff) % partitions;
}
