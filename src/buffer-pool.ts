// Free buffers kept for reuse. A fresh Buffer costs page faults on first touch and counts toward V8's next
// major GC as external memory; reusing one costs neither (docs/performance.md, findings 3 and 8). Used for
// large Produce frames (per connection) and for Fetch read windows (one pool for the file engine).
export class BufferPool {
  private readonly free: Buffer[] = [];
  private freeBytes = 0;

  /**
   * `maxFreeBytes` bounds what is kept; `allocSize` sizes a new buffer for a request of n bytes (rounding up
   * lets a freed buffer fit later requests of nearby sizes).
   */
  constructor(
    private readonly maxFreeBytes: number,
    private readonly allocSize: (n: number) => number = (n) => n,
  ) {}

  /** A buffer of at least `length` bytes: a free one if any fits, else a new one. */
  take(length: number): Buffer {
    const i = this.free.findIndex((b) => b.length >= length);
    if (i < 0) return Buffer.allocUnsafeSlow(this.allocSize(length));
    const b = this.free.splice(i, 1)[0];
    this.freeBytes -= b.length;
    return b;
  }

  /** Keeps a buffer nothing references any more, unless that would exceed the bound. */
  give(buf: Buffer): void {
    if (this.freeBytes + buf.length > this.maxFreeBytes) return;
    this.free.push(buf);
    this.freeBytes += buf.length;
  }
}
