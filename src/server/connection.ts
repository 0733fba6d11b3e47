// One client connection: size-prefixed frames in, responses out strictly in request order.
// A slow request (a long-polling Fetch) holds back the responses after it, as Kafka does, while the
// requests behind it are already being processed. Malformed input closes only this connection.
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';

export interface ConnectionLimits {
  /** socket.request.max.bytes: frames larger than this are refused before any allocation. */
  maxRequestBytes: number;
  /** Requests processed concurrently per connection before we stop reading from the socket. */
  maxInFlight: number;
}

/** What a request produced: response chunks, nothing (acks=0), or a reason to close the connection. */
export type FrameResult = Buffer[] | null | { close: string };

export type FrameHandler = (frame: Buffer, conn: Connection) => Promise<FrameResult>;

interface Slot {
  done: boolean;
  result: FrameResult;
}

// Large Produce frames that arrive in several socket reads are assembled in buffers this connection reuses once
// the request has been answered, instead of a new allocation (Buffer.concat) per frame. Every allocated byte
// counts as V8 external memory, and each 64 MB of it starts a major GC: with a fresh frame per request, GC was
// the largest CPU cost of a produce-heavy broker (~25% less broker CPU per MB produced with reuse).
// Only Produce (API key 0): its handler copies (memory engine) or writes (file engine) the record batches before
// it answers and keeps no slice of the request; test/server/frame-reuse.test.ts reads back data produced through
// reused frames on both engines.
const REUSE_API_KEY = 0;
const REUSE_MIN_BYTES = 64 * 1024;
const REUSE_POOL_BYTES = 16 * 1024 * 1024;

let nextId = 1;

export class Connection {
  readonly id = nextId++;
  /** Per-connection state handlers keep (SASL progress, principal, fetch sessions...). */
  readonly state: Record<string, any> = {};
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private queue: Slot[] = [];
  /** Frame buffers free for reuse, and the one the frame being dispatched was assembled in. */
  private framePool: Buffer[] = [];
  private pooledFrame: Buffer | null = null;
  private closed = false;
  private pausedForDrain = false;

  constructor(
    readonly socket: Duplex & { remoteAddress?: string; remotePort?: number; setNoDelay?: (v: boolean) => void },
    private readonly handle: FrameHandler,
    private readonly limits: ConnectionLimits,
    readonly logger: Logger,
  ) {
    socket.setNoDelay?.(true);
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('error', (err) => this.logger.debug({ conn: this.id, err: err.message }, 'socket error'));
    socket.on('close', () => {
      this.closed = true;
      this.onClose?.();
    });
    socket.on('drain', () => {
      this.pausedForDrain = false;
      this.maybeResume();
    });
  }

  onClose?: () => void;

  get remote(): string {
    return `${this.socket.remoteAddress}:${this.socket.remotePort}`;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Closed, or finishing its last requests: long polls should answer now rather than wait. */
  get isClosing(): boolean {
    return this.closed || this.draining;
  }

  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.logger.warn({ conn: this.id, remote: this.remote, reason }, 'closing connection');
    this.socket.destroy();
  }

  /** Stops reading new requests, answers those in flight (for at most `graceMs`), then closes. */
  finish(graceMs: number): Promise<void> {
    this.draining = true;
    this.socket.pause();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.onIdle = undefined;
        this.socket.end();
        this.socket.destroy();
        resolve();
      };
      const timer = setTimeout(done, graceMs);
      if (this.queue.length === 0 || this.closed) done();
      else this.onIdle = done;
    });
  }

  private draining = false;
  private onIdle?: () => void;

  private onData(d: Buffer): void {
    if (this.closed || this.draining) return;
    this.pending.push(d);
    this.pendingBytes += d.length;
    while (this.pendingBytes >= 4 && !this.closed) {
      const size = this.peekSize();
      if (size < 0 || size > this.limits.maxRequestBytes) {
        this.close(`request size ${size} is outside 0..${this.limits.maxRequestBytes} (socket.request.max.bytes)`);
        return;
      }
      if (this.pendingBytes < 4 + size) break;
      this.dispatch(this.take(4 + size).subarray(4));
    }
    this.maybePause();
  }

  private peekSize(): number {
    const first = this.pending[0];
    if (first.length >= 4) return first.readInt32BE(0);
    const head = Buffer.concat(this.pending, Math.min(this.pendingBytes, 4));
    return head.readInt32BE(0);
  }

  private take(n: number): Buffer {
    const first = this.pending[0];
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.pending.shift();
      else this.pending[0] = first.subarray(n);
    } else if (n >= REUSE_MIN_BYTES && !this.state.rawSasl && this.peekApiKey() === REUSE_API_KEY) {
      out = this.assemble(n);
    } else {
      const all = Buffer.concat(this.pending, this.pendingBytes);
      out = all.subarray(0, n);
      this.pending = all.length > n ? [all.subarray(n)] : [];
    }
    this.pendingBytes -= n;
    return out;
  }

  /** API key of the frame at the head of `pending` (bytes 4-5 after the size); needs 6 bytes buffered. */
  private peekApiKey(): number {
    const first = this.pending[0];
    if (first.length >= 6) return first.readInt16BE(4);
    return Buffer.concat(this.pending, 6).readInt16BE(4);
  }

  /** Copies the next n pending bytes into a pooled (or new) buffer, remembered for release after the request. */
  private assemble(n: number): Buffer {
    let target = this.framePool.pop();
    if (!target || target.length < n) target = Buffer.allocUnsafeSlow(n);
    let off = 0;
    while (off < n) {
      const c = this.pending[0];
      const k = Math.min(c.length, n - off);
      c.copy(target, off, 0, k);
      off += k;
      if (k === c.length) this.pending.shift();
      else this.pending[0] = c.subarray(k);
    }
    this.pooledFrame = target;
    return target.subarray(0, n);
  }

  private release(buf: Buffer): void {
    if (this.closed) return;
    const pooled = this.framePool.reduce((sum, b) => sum + b.length, 0);
    if (pooled + buf.length <= REUSE_POOL_BYTES) this.framePool.push(buf);
  }

  private dispatch(frame: Buffer): void {
    const slot: Slot = { done: false, result: null };
    this.queue.push(slot);
    const pooled = this.pooledFrame;
    this.pooledFrame = null;
    this.handle(frame, this).then(
      (result) => {
        // Only after success: a failed handler may have left work behind that still reads the frame.
        if (pooled) this.release(pooled);
        slot.done = true;
        slot.result = result;
        this.flush();
      },
      (err: Error) => {
        this.logger.error({ conn: this.id, err }, 'request handler failed');
        slot.done = true;
        slot.result = { close: `internal error: ${err.message}` };
        this.flush();
      },
    );
  }

  private flush(): void {
    while (this.queue.length > 0 && this.queue[0].done) {
      const { result } = this.queue.shift()!;
      if (this.closed) continue;
      if (result === null) continue;
      if (!Array.isArray(result)) {
        this.close(result.close);
        return;
      }
      let ok = true;
      if (result.length === 1) ok = this.socket.write(result[0]);
      else {
        (this.socket as any).cork?.();
        for (const c of result) ok = this.socket.write(c) && ok;
        (this.socket as any).uncork?.();
      }
      if (!ok) this.pausedForDrain = true;
    }
    this.maybePause();
    this.maybeResume();
    if (this.queue.length === 0) this.onIdle?.();
  }

  private maybePause(): void {
    if (this.pausedForDrain || this.queue.length >= this.limits.maxInFlight) this.socket.pause();
  }

  private maybeResume(): void {
    if (!this.pausedForDrain && !this.draining && this.queue.length < this.limits.maxInFlight && !this.closed) this.socket.resume();
  }
}
