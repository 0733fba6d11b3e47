// A minimal Kafka protocol client over TCP or TLS for tests that need exact requests (SASL edge cases,
// raw SASL v0 tokens, SCRAM credential admin): the repo's own encodeRequest / decodeResponse.
import net from 'node:net';
import tls from 'node:tls';
import { decodeResponse, encodeRequest } from '../../src/protocol/messages.js';

export class RawClient {
  private buf = Buffer.alloc(0);
  private waiters: ((frame: Buffer | null) => void)[] = [];
  private frames: Buffer[] = [];
  private corr = 1;
  closed = false;
  private closedWaiters: (() => void)[] = [];

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (d) => {
      this.buf = Buffer.concat([this.buf, d]);
      while (this.buf.length >= 4 && this.buf.length >= 4 + this.buf.readInt32BE(0)) {
        const n = this.buf.readInt32BE(0);
        const frame = this.buf.subarray(4, 4 + n);
        this.buf = this.buf.subarray(4 + n);
        const w = this.waiters.shift();
        if (w) w(frame);
        else this.frames.push(frame);
      }
    });
    const onClose = () => {
      this.closed = true;
      for (const w of this.waiters.splice(0)) w(null);
      for (const w of this.closedWaiters.splice(0)) w();
    };
    socket.on('close', onClose);
    socket.on('error', () => {});
  }

  static connect(port: number, opts: { tls?: tls.ConnectionOptions } = {}): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = opts.tls
        ? tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...opts.tls }, () => resolve(new RawClient(s)))
        : net.connect({ host: '127.0.0.1', port }, () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  /** Next frame (without size prefix), or null when the connection closed first. */
  nextFrame(timeoutMs = 5000): Promise<Buffer | null> {
    const f = this.frames.shift();
    if (f) return Promise.resolve(f);
    if (this.closed) return Promise.resolve(null);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('timed out waiting for a response')), timeoutMs);
      this.waiters.push((frame) => {
        clearTimeout(t);
        resolve(frame);
      });
    });
  }

  /** Sends a request and decodes its response; throws if the broker closed the connection instead. */
  async request(apiKey: number, version: number, body: any): Promise<any> {
    const corr = this.corr++;
    this.socket.write(encodeRequest(apiKey, version, corr, 'raw-test', body));
    const frame = await this.nextFrame();
    if (!frame) throw new Error(`connection closed instead of answering API ${apiKey} v${version}`);
    const r = decodeResponse(apiKey, version, frame);
    if (r.correlationId !== corr) throw new Error(`correlation id ${r.correlationId}, expected ${corr}`);
    return r.body;
  }

  /** Sends a raw size-prefixed SASL token (after SaslHandshake v0) and returns the reply token, or null if closed. */
  async rawToken(token: Buffer | string): Promise<Buffer | null> {
    const t = Buffer.from(token);
    const len = Buffer.alloc(4);
    len.writeInt32BE(t.length);
    this.socket.write(Buffer.concat([len, t]));
    return this.nextFrame();
  }

  waitClosed(timeoutMs = 3000): Promise<boolean> {
    if (this.closed) return Promise.resolve(true);
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(false), timeoutMs);
      this.closedWaiters.push(() => {
        clearTimeout(t);
        resolve(true);
      });
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

/** An unsecured JWS as Kafka's OAuthBearerUnsecuredLoginCallbackHandler makes: alg none, empty signature. */
export function unsecuredJwt(claims: Record<string, unknown>): string {
  const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${enc({ alg: 'none' })}.${enc(claims)}.`;
}
