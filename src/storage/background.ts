// The storage engines' periodic work (flushes, retention, cleaning): passes never overlap, errors are logged,
// and closing waits for a pass in progress.
import type { Logger } from 'pino';

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
