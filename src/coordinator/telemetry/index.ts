// Installs KIP-714 client telemetry as `services.telemetry`. Kafka advertises GetTelemetrySubscriptions and
// PushTelemetry only when a metrics receiver plugin is configured; kafkalite's receivers are a topic
// (`kafkalite.client.metrics.topic`, created at start-up) and, in-process, a callback (`startBroker({
// onClientTelemetry })`), so with neither clients see the APIs absent as on a default Kafka, while requests that arrive
// anyway are still answered (and their metrics dropped), as Kafka does.
import type { Services } from '../../broker/context.js';
import type { Partition } from '../../cluster/cluster.js';
import { afterAppend } from '../../cluster/replication.js';
import { crc32c, encodeBatch } from '../../protocol/records/index.js';
import type { ServiceInstaller } from '../../services.js';
import { ClientInstances, type TelemetryPush } from './client-instances.js';

export const TELEMETRY_TOPIC_CONFIG = 'kafkalite.client.metrics.topic';

/** What an in-process receiver gets for each push: the client, and its metrics as OTLP MetricsData (decompressed). */
export type ClientTelemetryPush = TelemetryPush;

export class TelemetryService {
  readonly instances: ClientInstances;

  constructor(
    private readonly services: Services,
    private readonly callback?: (push: ClientTelemetryPush) => void,
  ) {
    const { cluster } = services;
    this.instances = new ClientInstances(cluster.clientMetrics, () => cluster.config.int('telemetry.max.bytes'), (p) => this.receive(p));
  }

  /** The topic pushed metrics go to, or null when none is configured. */
  get topic(): string | null {
    return this.services.cluster.config.get(TELEMETRY_TOPIC_CONFIG) || null;
  }

  /** Whether a receiver takes the metrics: only then are the telemetry APIs advertised. */
  get receiving(): boolean {
    return this.topic !== null || this.callback !== undefined;
  }

  async start(): Promise<void> {
    const name = this.topic;
    if (name && !this.services.cluster.topics.has(name)) await this.services.cluster.createTopic(name, { numPartitions: 1 });
  }

  /**
   * One record per push: key the client instance id, value the OTLP MetricsData protobuf as the client encoded it
   * (an OpenTelemetry collector's Kafka receiver reads it as `otlp_proto`), headers the client's attributes.
   */
  private async receive(push: TelemetryPush): Promise<void> {
    const { cluster, logger } = this.services;
    logger.debug({ client: push.client, bytes: push.data.length, terminating: push.terminating }, 'client telemetry pushed');
    try {
      this.callback?.(push);
    } catch (err) {
      logger.warn({ err }, 'the onClientTelemetry callback threw');
    }
    const topic = this.topic ? cluster.topics.get(this.topic) : undefined;
    if (!topic) return;
    const key = Buffer.from(push.clientInstanceId);
    const p: Partition = topic.partitions[crc32c(key) % topic.partitions.length];
    if (p.leader < 0) return; // the topic's partition is offline: the metrics are dropped, as a receiver that is down would
    const headers = Object.entries(push.client).filter(([, v]) => v !== null).map(([k, v]) => ({ key: k, value: Buffer.from(v as string) }));
    const ts = Date.now();
    const batch = await encodeBatch([{ key, value: push.data, headers, timestamp: ts }], { partitionLeaderEpoch: p.leaderEpoch });
    await p.log.append(batch, { lastOffsetDelta: 0, maxTimestamp: ts });
    await afterAppend(this.services, p, 1);
  }
}

export const telemetryInstaller: ServiceInstaller = {
  name: 'telemetry',
  async install(services: Services, opts: { onClientTelemetry?: (push: ClientTelemetryPush) => void }) {
    const telemetry = new TelemetryService(services, opts.onClientTelemetry);
    await telemetry.start();
    services.telemetry = telemetry;
  },
};
