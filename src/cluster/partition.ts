// A topic and its partitions: the per-partition state Produce and Fetch work on (log, replicas, ISR, leader,
// high watermark, parked fetches) and the topic's effective configs.
import { SerialExecutor } from '../concurrency.js';
import type { PartitionLog } from '../storage/types.js';
import type { Cluster, NewTopicOptions } from './cluster.js';

export class Partition {
  leaderEpoch = 0;
  /**
   * Leader epoch history: the first offset written in each epoch, oldest first (Kafka's leader-epoch cache),
   * for OffsetForLeaderEpoch. Whoever changes the leader appends { epoch: new leaderEpoch, startOffset: LEO }.
   * Absent means a single epoch (the current one) starting at the log start.
   */
  epochStarts?: { epoch: number; startOffset: number }[];
  /** Offsets below this are visible to consumers (min LEO over the ISR). */
  highWatermark = 0;
  /** Long-polling fetches parked on this partition (see wake()). */
  readonly waiters = new Set<() => void>();
  /** Produced batches waiting for asynchronous preparation, and those behind them, in arrival order (broker/produce.ts). */
  readonly appends = new SerialExecutor();
  private wakeQueued = false;
  constructor(
    readonly topic: Topic,
    readonly index: number,
    public log: PartitionLog,
    public replicas: number[],
    public isr: number[],
    public leader: number,
  ) {
    this.highWatermark = log.logEndOffset;
  }
  get logStartOffset(): number {
    return this.log.logStartOffset;
  }
  /** Transactions lower this below the high watermark; without open transactions it is the HW. */
  lastStableOffset(): number {
    return this.topic.cluster.lso?.lastStableOffset(this) ?? this.highWatermark;
  }
  advanceHighWatermark(hw: number): void {
    if (hw <= this.highWatermark) return;
    this.highWatermark = hw;
    this.wake();
  }
  /**
   * Wakes the parked fetches in the next check phase (setImmediate), after the Produce that moved the high
   * watermark has written its response: a client that produces and consumes in one process otherwise handles the
   * consumer's data before the producer's ack (measured: 0.5-1 ms longer produce latency). Deferring the whole
   * wake-up also keeps the fetches' timer bookkeeping out of the Produce's path.
   */
  wake(): void {
    if (this.wakeQueued || this.waiters.size === 0) return;
    this.wakeQueued = true;
    setImmediate(() => {
      this.wakeQueued = false;
      for (const w of [...this.waiters]) w();
    });
  }
}

/** Kafka's internal topics (Topic.INTERNAL_TOPICS): flagged in Metadata, left out of regex subscriptions, not producible. */
export const OFFSETS_TOPIC = '__consumer_offsets';
export const TRANSACTION_STATE_TOPIC = '__transaction_state';
const INTERNAL_TOPICS = new Set([OFFSETS_TOPIC, TRANSACTION_STATE_TOPIC, '__share_group_state']);
export const isInternalTopic = (name: string): boolean => INTERNAL_TOPICS.has(name);

/**
 * How Kafka creates an internal topic, from the broker configs of its coordinator (DefaultAutoTopicCreationManager):
 * its own partition count, replication factor and topic configs. The replication factor is capped at the running
 * brokers, where Kafka would refuse (COORDINATOR_NOT_AVAILABLE) until enough brokers exist: a one-broker kafkalite
 * with the default factor of 3 must still work. Undefined for other names (the broker's defaults apply).
 */
export function internalTopicOptions(cluster: Cluster, name: string): NewTopicOptions | undefined {
  const c = cluster.config;
  const brokers = Math.max(1, cluster.liveBrokers().length);
  if (name === OFFSETS_TOPIC) {
    return {
      numPartitions: c.int('offsets.topic.num.partitions'),
      replicationFactor: Math.min(c.int('offsets.topic.replication.factor'), brokers),
      configs: { 'cleanup.policy': 'compact', 'compression.type': 'producer', 'segment.bytes': c.get('offsets.topic.segment.bytes') },
    };
  }
  if (name === TRANSACTION_STATE_TOPIC) {
    const rf = Math.min(c.int('transaction.state.log.replication.factor'), brokers);
    return {
      numPartitions: c.int('transaction.state.log.num.partitions'),
      replicationFactor: rf,
      configs: {
        'cleanup.policy': 'compact',
        'compression.type': 'uncompressed',
        'min.insync.replicas': String(Math.min(c.int('transaction.state.log.min.isr'), rf)),
        'segment.bytes': c.get('transaction.state.log.segment.bytes'),
      },
    };
  }
  return undefined;
}

export class Topic {
  partitions: Partition[] = [];
  /** CreatePartitions requests for this topic, one at a time (Cluster.addPartitions). */
  readonly partitionChanges = new SerialExecutor();
  /** Effective values already resolved (config()), valid while `resolvedAt` is the broker config's version. */
  private resolved = new Map<string, string | null>();
  private resolvedNumbers = new Map<string, number>();
  private resolvedAt: number;
  readonly internal: boolean;
  constructor(
    readonly cluster: Cluster,
    readonly name: string,
    readonly id: string,
    private overrides: ReadonlyMap<string, string>,
  ) {
    this.internal = isInternalTopic(name);
    // Empty caches are valid for the current config: a new topic's first lookups then take the path every later one
    // does, not checkResolved()'s clearing branch (which deoptimized the produce path at a process's first new topic).
    this.resolvedAt = cluster.config.version;
  }
  /** The topic's own config overrides. */
  get configs(): ReadonlyMap<string, string> {
    return this.overrides;
  }
  setConfigs(configs: ReadonlyMap<string, string>): void {
    this.overrides = new Map(configs);
    this.resolvedAt = -1;
  }
  /** Effective topic config: topic override, broker synonym, or Kafka default. */
  config(name: string): string | null {
    this.checkResolved();
    let v = this.resolved.get(name);
    if (v === undefined) {
      v = this.overrides.get(name) ?? this.cluster.config.topicDefault(name).value;
      this.resolved.set(name, v);
    }
    return v;
  }
  configNumber(name: string): number {
    this.checkResolved();
    let n = this.resolvedNumbers.get(name);
    if (n === undefined) {
      n = Number(this.config(name));
      this.resolvedNumbers.set(name, n);
    }
    return n;
  }
  /**
   * Whether cleanup.policy names `policy`. The value is a validated list of `compact` and `delete`, so a substring
   * test is exact, and it allocates nothing on the produce path.
   */
  hasCleanupPolicy(policy: 'compact' | 'delete'): boolean {
    return this.config('cleanup.policy')?.includes(policy) === true;
  }
  private checkResolved(): void {
    const version = this.cluster.config.version;
    if (this.resolvedAt === version) return;
    this.resolved.clear();
    this.resolvedNumbers.clear();
    this.resolvedAt = version;
  }
}
