// Reusable buffers for fetch reads. Every positional read needs a buffer to read into, and a fresh one costs
// far more than the read: on this machine reading 1 MiB from the page cache took 55 us into a reused buffer
// and 445 us into a new one (page faults on fresh memory), and every fresh buffer counts toward V8's next major
// GC as external memory. A Fetch's read buffers go back to the pool once its response has been written to the
// socket (ReadResult.release, called by the connection); a caller that never releases them just lets them be
// garbage collected, so forgetting a release costs speed, never correctness.

/** Windows smaller than this are allocated normally (Node's own pool or a small malloc is cheap). */
export const MIN_POOLED_BYTES = 64 * 1024;
/** Pooled buffers are sized in powers of two from MIN_POOLED_BYTES, so a freed one fits later reads. */
const MAX_FREE_BYTES = 32 * 1024 * 1024;

class ReadBufferPool {
  private readonly free: Buffer[] = [];
  private freeBytes = 0;

  /** A buffer of at least `length` bytes (the caller reads into a subarray of it). */
  take(length: number): Buffer {
    const i = this.free.findIndex((b) => b.length >= length);
    if (i >= 0) {
      const b = this.free.splice(i, 1)[0];
      this.freeBytes -= b.length;
      return b;
    }
    let size = MIN_POOLED_BYTES;
    while (size < length) size *= 2;
    return Buffer.allocUnsafeSlow(size);
  }

  /** Returns buffers nothing references any more. */
  give(buffers: Buffer[]): void {
    for (const b of buffers) {
      if (this.freeBytes + b.length > MAX_FREE_BYTES) continue;
      this.free.push(b);
      this.freeBytes += b.length;
    }
  }
}

export const readBuffers = new ReadBufferPool();
