// The storage engines' periodic work (flushes, retention, cleaning): passes never overlap, errors are logged,
// and closing waits for a pass in progress.
import type { Logger } from 'pino';

/** Kafka's log manager timers, as both engines take them. */
export interface LogPassOptions {
  logger?: Logger;
  /** Kafka's log.retention.check.interval.ms (default 300000); 0 disables the timer (runRetention() still works). */
  retentionCheckIntervalMs?: number;
  /** How often the log cleaner looks for compactable partitions (default 15000, Kafka's backoff); 0 disables. */
  cleanerIntervalMs?: number;
}

export class BackgroundTasks {
  private readonly running = new Set<Promise<unknown>>();
  private timers: NodeJS.Timeout[] = [];

  constructor(private readonly logger: Logger | undefined) {}

  /** Runs `fn` every `ms` (not at all for 0), skipping a tick while the previous run is still going. */
  every(ms: number, fn: () => Promise<unknown>): void {
    if (!(ms > 0)) return;
    let busy = false;
    const t = setInterval(() => {
      if (busy) return;
      busy = true;
      this.track(
        fn()
          .catch((err: unknown) => this.logger?.error({ err }, 'storage background task failed'))
          .finally(() => {
            busy = false;
          }),
      );
    }, ms);
    t.unref();
    this.timers.push(t);
  }

  /** The retention and cleaner passes, every LogPassOptions period (Kafka's defaults when absent). */
  logPasses(opts: LogPassOptions, retention: () => Promise<unknown>, compaction: () => Promise<unknown>): void {
    this.every(opts.retentionCheckIntervalMs ?? 300_000, retention);
    this.every(opts.cleanerIntervalMs ?? 15_000, compaction);
  }

  /** Work that close() must wait for. */
  track(p: Promise<unknown>): void {
    this.running.add(p);
    void p.finally(() => this.running.delete(p));
  }

  stopTimers(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
  }

  async idle(): Promise<void> {
    await Promise.allSettled([...this.running]);
  }
}
