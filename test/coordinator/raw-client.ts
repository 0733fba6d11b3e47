// A minimal Kafka client speaking the generated codec, for exact requests real clients would not send
// (wrong generations, unknown members, mismatched protocols) and for members that just stop heartbeating.
import net from 'node:net';
import { decodeResponse, encodeRequest } from '../../src/protocol/messages.js';

export class RawClient {
  private buf = Buffer.alloc(0);
  private corr = 1;
  private readonly waiting = new Map<number, { apiKey: number; version: number; resolve: (b: any) => void; reject: (e: Error) => void }>();

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (d) => this.onData(d));
    socket.on('close', () => {
      for (const w of this.waiting.values()) w.reject(new Error('connection closed'));
      this.waiting.clear();
    });
    socket.on('error', () => undefined);
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, host, () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  /** Sends one request and resolves with the decoded response body. */
  send(apiKey: number, version: number, body: any, clientId = 'raw-client'): Promise<any> {
    const correlationId = this.corr++;
    return new Promise((resolve, reject) => {
      this.waiting.set(correlationId, { apiKey, version, resolve, reject });
      this.socket.write(encodeRequest(apiKey, version, correlationId, clientId, body));
    });
  }

  private onData(d: Buffer): void {
    this.buf = Buffer.concat([this.buf, d]);
    while (this.buf.length >= 4) {
      const size = this.buf.readInt32BE(0);
      if (this.buf.length < 4 + size) return;
      const frame = this.buf.subarray(4, 4 + size);
      this.buf = this.buf.subarray(4 + size);
      const corr = frame.readInt32BE(0);
      const w = this.waiting.get(corr);
      if (!w) continue;
      this.waiting.delete(corr);
      try {
        w.resolve(decodeResponse(w.apiKey, w.version, frame).body);
      } catch (e) {
        w.reject(e as Error);
      }
    }
  }

  /** This end's port: the broker logs a connection's remote address with it. */
  get localPort(): number | undefined {
    return this.socket.localPort;
  }

  close(): void {
    this.socket.destroy();
  }
}

/** ConsumerProtocolSubscription v0 bytes for a list of topics. */
export function subscription(topics: string[]): Buffer {
  const parts = [Buffer.from([0, 0]), int32(topics.length)];
  for (const t of topics) {
    const b = Buffer.from(t);
    parts.push(Buffer.from([b.length >> 8, b.length & 0xff]), b);
  }
  parts.push(int32(-1)); // null user data
  return Buffer.concat(parts);
}

function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}

export const API = {
  Produce: 0,
  Fetch: 1,
  ListOffsets: 2,
  Metadata: 3,
  OffsetCommit: 8,
  OffsetFetch: 9,
  FindCoordinator: 10,
  JoinGroup: 11,
  Heartbeat: 12,
  LeaveGroup: 13,
  SyncGroup: 14,
  DescribeGroups: 15,
  ListGroups: 16,
  CreateTopics: 19,
  InitProducerId: 22,
  DeleteGroups: 42,
  OffsetDelete: 47,
  ConsumerGroupHeartbeat: 68,
  ConsumerGroupDescribe: 69,
  ShareGroupHeartbeat: 76,
  ShareGroupDescribe: 77,
  ShareFetch: 78,
  ShareAcknowledge: 79,
  DescribeConfigs: 32,
  AlterConfigs: 33,
  IncrementalAlterConfigs: 44,
  GetTelemetrySubscriptions: 71,
  PushTelemetry: 72,
  ListConfigResources: 74,
} as const;
