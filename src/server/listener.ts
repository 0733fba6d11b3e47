// TCP or TLS listener for one endpoint; each accepted socket becomes a Connection.
import net from 'node:net';
import { createRequire } from 'node:module';
import type tls from 'node:tls';
import type { Logger } from 'pino';
import { Connection, type ConnectionLimits, type FrameHandler } from './connection.js';

export interface ListenerOptions {
  host: string;
  port: number;
  tls?: tls.TlsOptions;
  limits: ConnectionLimits;
  logger: Logger;
  handler: FrameHandler;
  /** Called for each new connection (e.g. to record the TLS peer certificate). */
  onConnection?: (conn: Connection) => void;
}

// Plain TCP connections read into one buffer shared by all of them (net.Socket's `onread` option) instead of
// a new buffer per read: Connection.feed() copies each read into the frames before the next read can happen.
// Every read buffer Node allocates counts as V8 external memory and brings the next major GC closer; with them
// gone a produce-heavy broker spends markedly less CPU in GC (docs/performance.md). net.Server has no `onread`
// option, so the accepted socket's handle is adopted by a new Socket that has one: `handle` is the option
// net.Server itself uses to wrap accepted handles. Where that is unavailable, the socket's 'data' events are used.
const READ_BUFFER = Buffer.allocUnsafeSlow(64 * 1024);
// node:tls takes ~2-4 ms to load: only a TLS listener loads it (docs/performance.md, finding 14).
const require = createRequire(import.meta.url);

type Adopted = { socket: net.Socket; attach: (conn: Connection) => void };

/** Re-wraps an accepted (paused) socket's handle in a Socket reading into READ_BUFFER, or null if not possible. */
function adoptWithSharedBuffer(accepted: net.Socket): Adopted | null {
  const handle = (accepted as unknown as { _handle?: unknown })._handle;
  if (!handle) return null;
  let conn: Connection | undefined;
  let socket: net.Socket;
  try {
    socket = new net.Socket({
      handle,
      // The buffer function is asked again before every read: the rest of a large frame is read in place.
      onread: { buffer: () => conn?.readTarget() ?? READ_BUFFER, callback: (n: number, buf: Uint8Array) => void conn?.feed((buf as Buffer).subarray(0, n)) },
    } as net.SocketConstructorOpts);
  } catch {
    return null; // a Node.js without this constructor path: the accepted socket is used as it is
  }
  // The old object no longer owns the handle, so destroying it closes nothing; it is destroyed with the new one so
  // that the server's count of open connections (its close callback waits for zero) stays right.
  (accepted as unknown as { _handle: unknown })._handle = null;
  socket.once('close', () => accepted.destroy());
  return { socket, attach: (c) => { conn = c; } };
}

export class Listener {
  private server: net.Server;
  readonly connections = new Set<Connection>();
  port = 0;

  constructor(private readonly opts: ListenerOptions) {
    const accept = (accepted: net.Socket) => {
      const adopted = opts.tls ? null : adoptWithSharedBuffer(accepted);
      const socket = adopted?.socket ?? accepted;
      const conn = new Connection(socket, opts.handler, opts.limits, opts.logger, adopted !== null);
      adopted?.attach(conn);
      if (!opts.tls && !adopted) accepted.resume(); // accepted paused (pauseOnConnect)
      this.connections.add(conn);
      conn.onClose = () => this.connections.delete(conn);
      opts.onConnection?.(conn);
    };
    if (opts.tls) {
      this.server = (require('node:tls') as typeof tls).createServer(opts.tls, accept);
      this.server.on('tlsClientError', (err) => opts.logger.debug({ err: err.message }, 'TLS handshake failed'));
    } else {
      this.server = net.createServer({ pauseOnConnect: true }, accept);
    }
    this.server.on('error', (err) => opts.logger.error({ err }, 'listener error'));
  }

  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.server.once('error', onError);
      // A restarted broker (fault injection) listens again on the port it had.
      this.server.listen({ host: this.opts.host, port: this.port || this.opts.port }, () => {
        this.server.off('error', onError);
        this.port = (this.server.address() as net.AddressInfo).port;
        resolve(this.port);
      });
    });
  }

  /**
   * Stops accepting. With `graceMs` (graceful shutdown) each connection first answers the requests it already
   * read, for at most that long; without, open connections are dropped at once (a broker stopped by fault
   * injection).
   */
  async close(graceMs = 0): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    await Promise.all([...this.connections].map((c) => c.finish(graceMs)));
    await closed;
  }
}
