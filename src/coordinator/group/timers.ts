// Small helpers: named, replaceable timers that never keep the process alive, and Kafka's hashing of keys.

/** A set of named one-shot timers (heartbeat expiry per member, the join/sync deadlines of a group). */
export class Timers {
  private readonly timers = new Map<string, { timer: NodeJS.Timeout; due: number; fn: () => void }>();

  /** (Re)schedules `key`: an earlier timer with the same key is cancelled. */
  schedule(key: string, ms: number, fn: () => void): void {
    this.cancel(key);
    const delay = Math.min(Math.max(0, ms), 0x7fffffff); // past 2^31-1 ms Node would fire at once
    const entry = { timer: setTimeout(() => this.fire(key, entry), delay), due: Date.now() + delay, fn };
    entry.timer.unref?.();
    this.timers.set(key, entry);
  }

  /**
   * Runs `key`'s callback now if its time has come but it has not fired yet (a busy event loop runs timers late),
   * so that a request sees the state as of its arrival. True when it ran.
   */
  runIfDue(key: string, now = Date.now()): boolean {
    const entry = this.timers.get(key);
    if (!entry || entry.due > now) return false;
    clearTimeout(entry.timer);
    this.fire(key, entry);
    return true;
  }

  private fire(key: string, entry: { fn: () => void }): void {
    if (this.timers.get(key) === entry) this.timers.delete(key);
    entry.fn();
  }

  cancel(key: string): void {
    const entry = this.timers.get(key);
    if (entry) {
      clearTimeout(entry.timer);
      this.timers.delete(key);
    }
  }

  has(key: string): boolean {
    return this.timers.has(key);
  }

  cancelAll(): void {
    for (const e of this.timers.values()) clearTimeout(e.timer);
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
