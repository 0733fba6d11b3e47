// Serialization and group-commit primitives. Every mutation of a file partition log runs through one
// SerialExecutor so concurrent appends, truncations, retention and compaction swaps never interleave; Produce
// keeps a partition's appends in arrival order with one, and CreatePartitions a topic's changes.

export class SerialExecutor {
  private tail: Promise<unknown> = Promise.resolve();
  private pending = 0;

  /** A task is queued or running: work that must come after it has to be queued too. */
  get busy(): boolean {
    return this.pending > 0;
  }

  run<T>(task: () => Promise<T>): Promise<T> {
    this.pending++;
    const result = this.tail.then(task);
    // The chain must survive a failed task; the caller still sees the rejection through `result`.
    const settled = () => {
      this.pending--;
    };
    this.tail = result.then(settled, settled);
    return result;
  }

  /** Resolves once everything queued so far has finished. */
  idle(): Promise<void> {
    return this.run(async () => undefined);
  }
}

/**
 * Group commit: callers asking for a sync while one is in flight share the *next* sync, which starts as
 * soon as the current one finishes. N concurrent appends therefore cost about two fsyncs, not N, and every
 * caller's write is covered by an fsync that started after it asked.
 */
export class GroupCommit {
  private running: Promise<void> | null = null;
  private next: Promise<void> | null = null;

  constructor(private readonly doSync: () => Promise<void>) {}

  sync(): Promise<void> {
    if (!this.running) return this.start();
    if (!this.next) {
      this.next = this.running
        .catch(() => undefined)
        .then(() => {
          this.next = null;
          return this.start();
        });
    }
    return this.next;
  }

  private start(): Promise<void> {
    const p: Promise<void> = this.doSync().finally(() => {
      if (this.running === p) this.running = null;
    });
    this.running = p;
    return p;
  }
}
