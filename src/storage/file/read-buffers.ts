// Reusable buffers for fetch reads. Every positional read needs a buffer to read into, and a fresh one costs
// far more than the read: on this machine reading 1 MiB from the page cache took 55 us into a reused buffer
// and 445 us into a new one (page faults on fresh memory), and every fresh buffer counts toward V8's next major
// GC as external memory. A Fetch's read buffers go back to the pool once its response has been written to the
// socket (ReadResult.release, called by the connection); a caller that never releases them just lets them be
// garbage collected, so forgetting a release costs speed, never correctness.
import { BufferPool } from '../../buffer-pool.js';

/** Windows smaller than this are allocated normally (Node's own pool or a small malloc is cheap). */
export const MIN_POOLED_BYTES = 64 * 1024;
/** At most this much is kept free for reuse. */
const MAX_FREE_BYTES = 32 * 1024 * 1024;

/** Pooled buffers are sized in powers of two from MIN_POOLED_BYTES, so a freed one fits later reads. */
function powerOfTwoSize(length: number): number {
  let size = MIN_POOLED_BYTES;
  while (size < length) size *= 2;
  return size;
}

export const readBuffers = new BufferPool(MAX_FREE_BYTES, powerOfTwoSize);
