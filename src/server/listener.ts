// TCP or TLS listener for one endpoint; each accepted socket becomes a Connection.
import net from 'node:net';
import tls from 'node:tls';
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

export class Listener {
  private server: net.Server;
  readonly connections = new Set<Connection>();
  port = 0;

  constructor(private readonly opts: ListenerOptions) {
    const accept = (socket: net.Socket) => {
      const conn = new Connection(socket, opts.handler, opts.limits, opts.logger);
      this.connections.add(conn);
      conn.onClose = () => this.connections.delete(conn);
      opts.onConnection?.(conn);
    };
    if (opts.tls) {
      this.server = tls.createServer(opts.tls, accept);
      this.server.on('tlsClientError', (err) => opts.logger.debug({ err: err.message }, 'TLS handshake failed'));
    } else {
      this.server = net.createServer(accept);
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
