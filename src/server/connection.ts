// One client connection: size-prefixed frames in, responses out strictly in request order.
// A slow request (a long-polling Fetch) holds back the responses after it, as Kafka does, while the
// requests behind it are already being processed. Malformed input closes only this connection.
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { BufferPool } from '../buffer-pool.js';

export interface ConnectionLimits {
  /** socket.request.max.bytes: frames larger than this are refused before any allocation. */
  maxRequestBytes: number;
  /** Requests processed concurrently per connection before we stop reading from the socket. */
  maxInFlight: number;
}

/**
 * What a request produced: response chunks, nothing (acks=0), or a reason to close the connection. With
 * `onWritten`, the chunks reference buffers to be reused: it is called once the socket has taken all of them.
 */
export type FrameResult = Buffer[] | { chunks: Buffer[]; onWritten: () => void } | null | { close: string };

export type FrameHandler = (frame: Buffer, conn: Connection) => Promise<FrameResult>;

interface Slot {
  done: boolean;
  result: FrameResult;
}

// Every request frame gets a buffer of its own: bytes read into the shared read buffer are copied there (feed()),
// and the rest of a large frame is read into it directly (readTarget()). Large Produce
// frames go into buffers this connection reuses once the request has been answered, instead of a new allocation
// per frame: every allocated byte counts as V8 external memory, and each 64 MB of it starts a major GC, which was
// the largest CPU cost of a produce-heavy broker. Only Produce (API key 0): its handler copies (memory engine) or
// writes (file engine) the record batches before it answers and keeps no slice of the request;
// test/server/frame-reuse.test.ts reads back data produced through reused frames on both engines.
const REUSE_API_KEY = 0;
const REUSE_MIN_BYTES = 64 * 1024;
/**
 * Less than this of a frame still to come is read into the shared buffer and copied: a read into the frame stops at
 * its end, and a small remainder would cost a read call of its own where one read also brings the next frames.
 */
const DIRECT_READ_MIN_BYTES = 16 * 1024;
const REUSE_POOL_BYTES = 16 * 1024 * 1024;

let nextId = 1;

/**
 * What handlers keep per connection. Every field is declared, so that all connections have one object shape whatever
 * their client did (SASL or not, ApiVersions v3 or not): the optimized request path reads `conn.state` on every
 * request and would otherwise be deoptimized by each new kind of client ("wrong map", docs/performance.md finding 19).
 */
export class ConnectionState {
  /** The authenticated principal (TLS certificate or SASL), undefined until then. */
  principal: any = undefined;
  /** ApiVersions v3+: the client's name and version (KIP-511). */
  clientSoftware: { name: string; version: string } | undefined = undefined;
  telemetryWatched = false;
  /** A SASL exchange in progress (rawSasl: the same, in v0 raw-token mode). */
  saslAuth: any = undefined;
  rawSasl: any = undefined;
  saslReauthCapable = false;
  saslFailed = false;
  saslMechanism: string | undefined = undefined;
  sessionExpiresAt: number | undefined = undefined;
}

export class Connection {
  readonly id = nextId++;
  readonly state = new ConnectionState();
  /** The 4-byte size prefix being read, and the frame being filled once its size is known. */
  private readonly head = Buffer.alloc(4);
  private headLen = 0;
  private frame: Buffer | null = null;
  private frameFill = 0;
  private queue: Slot[] = [];
  /** Frame buffers free for reuse, and the one the frame being dispatched was assembled in. */
  private readonly framePool = new BufferPool(REUSE_POOL_BYTES);
  private pooledFrame: Buffer | null = null;
  private closed = false;
  private pausedForDrain = false;
  /** Reads resume after this time (Date.now() ms): a client throttled by its quota (KIP-219). */
  private mutedUntil = 0;
  private muteTimer: NodeJS.Timeout | undefined;

  /**
   * `externalInput`: the socket reads into a shared buffer and its owner passes each read to feed() (see
   * listener.ts); otherwise the connection reads the socket's 'data' events.
   */
  constructor(
    readonly socket: Duplex & { remoteAddress?: string; remotePort?: number; setNoDelay?: (v: boolean) => void },
    private readonly handle: FrameHandler,
    private readonly limits: ConnectionLimits,
    readonly logger: Logger,
    readonly externalInput = false,
  ) {
    socket.setNoDelay?.(true);
    // Read once, for every connection: the first read caches the address on the socket (a new property), and when only
    // some connections did (a group member's, an ACL check's) their sockets had a shape of their own, which deoptimized
    // the stream code all connections share (docs/performance.md finding 19). Kept after the socket closes, too.
    this.remoteAddress = socket.remoteAddress;
    this.remotePort = socket.remotePort;
    this.clientIp = this.remoteAddress?.replace(/^::ffff:/, '');
    if (!externalInput) socket.on('data', (d: Buffer) => this.feed(d));
    socket.on('error', (err) => this.logger.debug({ conn: this.id, err: err.message }, 'socket error'));
    socket.on('close', () => {
      this.closed = true;
      clearTimeout(this.muteTimer);
      this.onClose?.();
      for (const fn of this.closeListeners) fn();
    });
    socket.on('drain', () => {
      this.pausedForDrain = false;
      this.maybeResume();
    });
  }

  onClose?: () => void;
  private readonly closeListeners: (() => void)[] = [];

  /** Runs `fn` when the connection is gone (state tied to it, such as share sessions, ends with it). */
  onClosed(fn: () => void): void {
    this.closeListeners.push(fn);
  }

  /** The client's address and port (undefined if the socket had none, e.g. a stream in tests). */
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  /** The client's IP as Kafka shows it (ACL hosts, group members' client host, telemetry): IPv4-mapped IPv6 as IPv4. */
  readonly clientIp: string | undefined;

  get remote(): string {
    return `${this.remoteAddress}:${this.remotePort}`;
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

  /**
   * Takes bytes read from the socket. They are copied into each frame's own buffer before feed() returns, so the
   * caller may reuse `bytes` at once (the shared read buffer of listener.ts).
   */
  feed(bytes: Buffer): void {
    let pos = 0;
    while (pos < bytes.length && !this.closed && !this.draining) {
      if (this.frame === null) {
        const k = Math.min(4 - this.headLen, bytes.length - pos);
        bytes.copy(this.head, this.headLen, pos, pos + k);
        this.headLen += k;
        pos += k;
        if (this.headLen < 4) break;
        const size = this.head.readInt32BE(0);
        if (size < 0 || size > this.limits.maxRequestBytes) {
          this.close(`request size ${size} is outside 0..${this.limits.maxRequestBytes} (socket.request.max.bytes)`);
          return;
        }
        this.frame = this.frameBuffer(size);
        this.frameFill = 0;
      }
      const k = Math.min(this.frame.length - this.frameFill, bytes.length - pos);
      // Bytes the socket read in place (readTarget()) are where they belong already.
      if (bytes.buffer !== this.frame.buffer || bytes.byteOffset + pos !== this.frame.byteOffset + this.frameFill) {
        bytes.copy(this.frame, this.frameFill, pos, pos + k);
      }
      this.frameFill += k;
      pos += k;
      if (this.frameFill === this.frame.length) {
        const frame = this.frame;
        this.frame = null;
        this.headLen = 0;
        this.dispatch(frame);
      }
    }
    this.maybePause();
  }

  /**
   * Where the socket's next read should land (listener.ts): the unfilled rest of the frame being read when that
   * is large, which spares copying it out of the shared read buffer; else null (the shared buffer).
   */
  readTarget(): Buffer | null {
    const f = this.frame;
    return f !== null && f.length - this.frameFill >= DIRECT_READ_MIN_BYTES ? f.subarray(this.frameFill) : null;
  }

  /**
   * A buffer for a frame of `size` bytes: small ones come from Node's shared pool; large ones from this
   * connection's reusable buffers, kept for reuse only if the frame turns out to be a Produce (dispatch()).
   */
  private frameBuffer(size: number): Buffer {
    if (size < REUSE_MIN_BYTES) return Buffer.allocUnsafe(size);
    const target = this.framePool.take(size);
    this.pooledFrame = target;
    return target.subarray(0, size);
  }

  private dispatch(frame: Buffer): void {
    const slot: Slot = { done: false, result: null };
    this.queue.push(slot);
    // Other requests may keep slices of their frame (group metadata, SASL tokens): their buffer is not reused.
    const reusable = frame.length >= 2 && frame.readInt16BE(0) === REUSE_API_KEY && !this.state.rawSasl;
    const pooled = reusable ? this.pooledFrame : null;
    this.pooledFrame = null;
    this.handle(frame, this).then(
      (result) => {
        // Only after success: a failed handler may have left work behind that still reads the frame.
        if (pooled && !this.closed) this.framePool.give(pooled);
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
      if ('close' in result) {
        this.close(result.close);
        return;
      }
      const chunks = Array.isArray(result) ? result : result.chunks;
      // The last chunk's callback runs once every chunk of the response has been written (or failed: then the
      // buffers are left to the GC, as the write may not be finished with them).
      const onWritten = Array.isArray(result) ? undefined : result.onWritten;
      const done = onWritten && ((err?: Error | null) => { if (!err) onWritten(); });
      let ok = true;
      if (chunks.length === 1) ok = this.socket.write(chunks[0], done);
      else {
        (this.socket as any).cork?.();
        for (let i = 0; i < chunks.length; i++) ok = this.socket.write(chunks[i], i === chunks.length - 1 ? done : undefined) && ok;
        (this.socket as any).uncork?.();
      }
      if (!ok) this.pausedForDrain = true;
    }
    this.maybePause();
    this.maybeResume();
    if (this.queue.length === 0) this.onIdle?.();
  }

  /** Reads no further requests for `ms`, as Kafka mutes a throttled client's channel once its response is sent. */
  mute(ms: number): void {
    const until = Date.now() + ms;
    if (until <= this.mutedUntil || this.closed) return;
    this.mutedUntil = until;
    this.socket.pause();
    clearTimeout(this.muteTimer);
    this.muteTimer = setTimeout(() => {
      this.mutedUntil = 0;
      this.maybeResume();
    }, ms);
  }

  private maybePause(): void {
    if (this.pausedForDrain || this.queue.length >= this.limits.maxInFlight) this.socket.pause();
  }

  private maybeResume(): void {
    if (!this.pausedForDrain && !this.draining && this.mutedUntil === 0 && this.queue.length < this.limits.maxInFlight && !this.closed) this.socket.resume();
  }
}
