// KIP-714 client telemetry, the broker's half (Kafka's ClientMetricsManager): each client instance gets the
// subscriptions that match it (GetTelemetrySubscriptions) and pushes its metrics at their interval
// (PushTelemetry); what it pushes goes to the receiver (telemetry-topic.ts). Follows Kafka's rules, including the
// fix after 4.1 that does not throttle the Get a client sends right after UNKNOWN_SUBSCRIPTION_ID or
// UNSUPPORTED_COMPRESSION_TYPE.
import { randomUUID } from 'node:crypto';
import { matches, type ClientAttributes, type ClientMetricsConfigs, DEFAULT_INTERVAL_MS } from '../../cluster/client-metrics-configs.js';
import { ErrorCode, KafkaError } from '../../protocol/errors.js';
import { ZERO_UUID } from '../../protocol/primitives.js';
import { RecordErrorCode, crc32c } from '../../protocol/records/index.js';
import { decompress, isValidCompression } from '../../protocol/records/compression.js';

const ONE_UUID = 'AAAAAAAAAAAAAAAAAAAAAQ';
/** ZSTD, LZ4, GZIP, SNAPPY: Kafka's order of preference. */
export const ACCEPTED_COMPRESSION = [4, 3, 1, 2];
/** Kafka's cache of client instances: at most this many, each forgotten after 3 push intervals (at least a minute). */
const MAX_INSTANCES = 16384;
/** Decompressed metrics beyond this many times telemetry.max.bytes are refused (a guard against zip bombs). */
const MAX_INFLATION = 32;

interface Instance {
  id: string;
  version: number;
  subscriptionId: number;
  metrics: string[];
  intervalMs: number;
  lastGet: number;
  lastPush: number;
  lastError: number;
  terminating: boolean;
  expiresAt: number;
  connId: number;
}

export interface Subscribed {
  clientInstanceId: string;
  subscriptionId: number;
  pushIntervalMs: number;
  requestedMetrics: string[];
}

export interface TelemetryPush {
  clientInstanceId: string;
  client: ClientAttributes;
  terminating: boolean;
  /** The OTLP MetricsData protobuf, decompressed. */
  data: Buffer;
}

/** java.util.UUID.hashCode of a Kafka Uuid given in Kafka's base64 form. */
function uuidHash(id: string): number {
  const b = Buffer.from(id, 'base64url');
  return (b.readInt32BE(0) ^ b.readInt32BE(8)) ^ (b.readInt32BE(4) ^ b.readInt32BE(12));
}

export class ClientInstances {
  /** In insertion (least recently used first) order: a touched instance moves to the end. */
  private readonly instances = new Map<string, Instance>();

  constructor(
    private readonly configs: ClientMetricsConfigs,
    private readonly maxBytes: () => number,
    private readonly receive: (push: TelemetryPush) => Promise<void>,
  ) {}

  get size(): number {
    return this.instances.size;
  }

  /** Forgets the instances last seen on a connection that has closed (as Kafka 4.0 does). */
  forgetConnection(connId: number): void {
    for (const [id, inst] of this.instances) if (inst.connId === connId) this.instances.delete(id);
  }

  getSubscriptions(requestedId: string, client: Omit<ClientAttributes, 'client_instance_id'>, connId: number, now = Date.now()): Subscribed {
    let id = requestedId;
    if (id === ZERO_UUID) {
      do id = Buffer.from(randomUUID().replace(/-/g, ''), 'hex').toString('base64url');
      while (this.instances.has(id) || id.startsWith('-'));
    }
    const inst = this.instance(id, { ...client, client_instance_id: id }, connId, now);
    const retrying = inst.lastError === ErrorCode.UNKNOWN_SUBSCRIPTION_ID || inst.lastError === ErrorCode.UNSUPPORTED_COMPRESSION_TYPE;
    if (!retrying && now - Math.max(inst.lastGet, inst.lastPush) < inst.intervalMs) {
      inst.lastError = ErrorCode.THROTTLING_QUOTA_EXCEEDED;
      throw new KafkaError('THROTTLING_QUOTA_EXCEEDED', `Request from the client [${id}] arrived before the next push interval time`);
    }
    inst.lastGet = now;
    inst.lastError = ErrorCode.NONE;
    return { clientInstanceId: id, subscriptionId: inst.subscriptionId, pushIntervalMs: inst.intervalMs, requestedMetrics: inst.metrics };
  }

  async push(
    req: { clientInstanceId: string; subscriptionId: number; terminating: boolean; compressionType: number; metrics: Buffer },
    client: Omit<ClientAttributes, 'client_instance_id'>,
    connId: number,
    now = Date.now(),
  ): Promise<void> {
    const id = req.clientInstanceId;
    if (id === ZERO_UUID || id === ONE_UUID) throw new KafkaError('INVALID_REQUEST', `Invalid request from the client [${id}], invalid client instance id`);
    const inst = this.instance(id, { ...client, client_instance_id: id }, connId, now);
    try {
      if (inst.terminating) {
        throw new KafkaError('INVALID_REQUEST', `Client [${id}] sent the previous request with state terminating to TRUE, can not accept any requests after that`);
      }
      if (inst.lastGet > inst.lastPush || now - inst.lastPush >= inst.intervalMs) inst.lastPush = now;
      else if (!req.terminating) throw new KafkaError('THROTTLING_QUOTA_EXCEEDED', `Request from the client [${id}] arrived before the next push interval time`);
      if (req.subscriptionId !== inst.subscriptionId) throw new KafkaError('UNKNOWN_SUBSCRIPTION_ID', `Unknown client subscription id for the client [${id}]`);
      if (!isValidCompression(req.compressionType)) {
        throw new KafkaError('UNSUPPORTED_COMPRESSION_TYPE', `Unknown compression type [${req.compressionType}] is received in telemetry request from [${id}]`);
      }
      const max = this.maxBytes();
      if (req.metrics.length > max) throw new KafkaError('TELEMETRY_TOO_LARGE', `Telemetry request from [${id}] is larger than the maximum allowed size [${max}]`);
      if (req.metrics.length > 0) await this.export(inst, req, client, max * MAX_INFLATION);
      inst.lastError = ErrorCode.NONE;
    } catch (e) {
      inst.lastError = e instanceof KafkaError ? e.code : ErrorCode.UNKNOWN_SERVER_ERROR;
      throw e;
    } finally {
      inst.terminating = req.terminating;
    }
  }

  private async export(
    inst: Instance,
    req: { terminating: boolean; compressionType: number; metrics: Buffer },
    client: Omit<ClientAttributes, 'client_instance_id'>,
    maxOutput: number,
  ): Promise<void> {
    let data: Buffer;
    try {
      data = req.compressionType === 0 ? Buffer.from(req.metrics) : await decompress(req.compressionType, req.metrics, maxOutput);
    } catch (e) {
      const tooLarge = (e as { errorCode?: number }).errorCode === RecordErrorCode.MESSAGE_TOO_LARGE;
      throw new KafkaError(tooLarge ? 'TELEMETRY_TOO_LARGE' : 'INVALID_RECORD', `Telemetry request from [${inst.id}] could not be decompressed: ${(e as Error).message}`);
    }
    await this.receive({ clientInstanceId: inst.id, client: { ...client, client_instance_id: inst.id }, terminating: req.terminating, data });
  }

  /** The cached instance, rebuilt when the subscriptions changed since it was built; expired ones are swept. */
  private instance(id: string, client: ClientAttributes, connId: number, now: number): Instance {
    let inst = this.instances.get(id);
    if (inst && inst.expiresAt <= now) inst = undefined;
    if (!inst || inst.version !== this.configs.version) inst = this.build(id, client);
    this.instances.delete(id);
    this.instances.set(id, inst);
    inst.connId = connId;
    inst.expiresAt = now + Math.max(60000, 3 * inst.intervalMs);
    for (const [key, old] of this.instances) {
      if (this.instances.size <= MAX_INSTANCES && old.expiresAt > now) break;
      this.instances.delete(key);
    }
    return inst;
  }

  private build(id: string, client: ClientAttributes): Instance {
    const metrics = new Set<string>();
    let intervalMs = DEFAULT_INTERVAL_MS;
    let all = false;
    for (const sub of this.configs.subscriptions()) {
      if (!matches(sub, client)) continue;
      for (const m of sub.metrics) metrics.add(m);
      if (sub.metrics.includes('*')) all = true;
      intervalMs = Math.min(intervalMs, sub.intervalMs);
    }
    const requested = all ? ['*'] : [...metrics].sort();
    // Kafka: CRC32C of the metric set and interval, xor the instance id's hash; another broker computes the same.
    const subscriptionId = crc32c(Buffer.from(`[${requested.join(', ')}]${intervalMs}`)) ^ uuidHash(id);
    return {
      id, version: this.configs.version, subscriptionId, metrics: requested, intervalMs,
      lastGet: 0, lastPush: 0, lastError: ErrorCode.NONE, terminating: false, expiresAt: 0, connId: 0,
    };
  }
}
