// Cluster state shared by every broker in the process: brokers, topics, partitions, leaders, ISR.
// Handlers read and change it; topics and their configs are persisted through the storage interface.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { Features } from './features.js';
import { ClientMetricsConfigs } from './client-metrics-configs.js';
import { GroupConfigs } from './group-configs.js';
import { KafkaError } from '../protocol/errors.js';
import type { PartitionLog, Storage } from '../storage/types.js';
import { BrokerConfig, validateConfig } from './config.js';
import { internalTopicOptions, Partition, Topic } from './partition.js';

export { Partition, Topic };

export interface Endpoint {
  /** Listener name, e.g. PLAINTEXT, SSL, SASL_SSL. */
  name: string;
  securityProtocol: 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';
  host: string;
  port: number;
  advertisedHost: string;
  advertisedPort: number;
}

export interface BrokerNode {
  nodeId: number;
  rack: string | null;
  endpoints: Endpoint[];
  /** False while stopped by fault injection. */
  alive: boolean;
  /** A stopped broker whose registration UnregisterBroker removed: not listed as fenced until it starts again. */
  unregistered?: boolean;
}

export interface NewTopicOptions {
  /** -1 or absent: the broker's num.partitions. */
  numPartitions?: number;
  /** -1 or absent: the broker's default.replication.factor. */
  replicationFactor?: number;
  /** Replica lists by partition index; when given, numPartitions and replicationFactor are ignored. */
  assignment?: number[][];
  configs?: Record<string, string | null>;
}

interface PersistedBrokerConfigs {
  default: Record<string, string>;
  brokers: Record<string, Record<string, string>>;
}

interface PersistedTopic {
  name: string;
  id: string;
  configs: Record<string, string>;
  partitions: { replicas: number[] }[];
}

const TOPIC_NAME = /^[a-zA-Z0-9._-]+$/;
/** Partition logs opened at once when loading or creating a topic. */
const OPEN_CONCURRENCY = 16;

export function validateTopicName(name: string): void {
  if (!name) throw new KafkaError('INVALID_TOPIC_EXCEPTION', 'Topic name is illegal, it can\'t be empty');
  if (name === '.' || name === '..') throw new KafkaError('INVALID_TOPIC_EXCEPTION', 'Topic name cannot be "." or ".."');
  if (name.length > 249) throw new KafkaError('INVALID_TOPIC_EXCEPTION', `Topic name is illegal, it can't be longer than 249 characters, topic name: ${name}`);
  if (!TOPIC_NAME.test(name)) throw new KafkaError('INVALID_TOPIC_EXCEPTION', `Topic name "${name}" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`);
}

export function newUuid(): string {
  // Kafka never hands out the zero UUID nor ones starting with '-' in base64 (Uuid.randomUuid).
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-') && id !== 'AAAAAAAAAAAAAAAAAAAAAA') return id;
  }
}

/** Broker ids taking one broker from each rack in turn (racks in name order; no rack is a rack of its own). */
function rackAlternated(brokers: BrokerNode[]): number[] {
  if (brokers.every((b) => b.rack === null)) return brokers.map((b) => b.nodeId);
  const byRack = new Map<string, number[]>();
  for (const b of brokers) {
    const list = byRack.get(b.rack ?? '') ?? [];
    byRack.set(b.rack ?? '', list);
    list.push(b.nodeId);
  }
  const racks = [...byRack.keys()].sort().map((r) => byRack.get(r)!);
  const out: number[] = [];
  for (let i = 0; out.length < brokers.length; i++) for (const list of racks) if (i < list.length) out.push(list[i]);
  return out;
}

export interface ClusterOptions {
  clusterId?: string;
  brokers: BrokerNode[];
  config: BrokerConfig;
  storage: Storage;
  logger: Logger;
}

export class Cluster {
  readonly clusterId: string;
  readonly brokers: BrokerNode[];
  readonly config: BrokerConfig;
  readonly storage: Storage;
  readonly logger: Logger;
  readonly topics = new Map<string, Topic>();
  readonly topicsById = new Map<string, Topic>();
  /** Per-group overrides of the group.* broker configs (ConfigResource type GROUP). */
  readonly groupConfigs: GroupConfigs;
  /** Client metrics subscriptions (ConfigResource type CLIENT_METRICS, KIP-714). */
  readonly clientMetrics: ClientMetricsConfigs;
  /** Feature levels (metadata.version, group.version, ...): ApiVersions and UpdateFeatures. */
  readonly features: Features;
  /** Topics whose partitions are being opened: a second creation of the same name must not start meanwhile. */
  private readonly creating = new Map<string, Promise<Topic>>();
  /** Set by the transaction coordinator so partitions report a last stable offset below open transactions. An object
   *  with a method rather than a closure: every cluster of the process then calls the same function from the fetch
   *  path, which V8 optimizes for one call target (a closure per cluster is one target per cluster). */
  lso?: { lastStableOffset(p: Partition): number };
  /** Called after a partition is appended to, e.g. for replication bookkeeping. */
  private rr = 0;

  constructor(opts: ClusterOptions) {
    this.clusterId = opts.clusterId ?? newUuid();
    this.brokers = opts.brokers;
    this.config = opts.config;
    this.storage = opts.storage;
    this.logger = opts.logger;
    this.groupConfigs = new GroupConfigs(this.storage, this.config);
    this.clientMetrics = new ClientMetricsConfigs(this.storage);
    this.features = new Features(this.storage, this.config.bool('group.share.enable'));
  }

  get controllerId(): number {
    return (this.brokers.find((b) => b.alive) ?? this.brokers[0]).nodeId;
  }
  liveBrokers(): BrokerNode[] {
    return this.brokers.filter((b) => b.alive);
  }
  broker(id: number): BrokerNode | undefined {
    return this.brokers.find((b) => b.nodeId === id);
  }

  async load(): Promise<void> {
    await this.groupConfigs.load();
    await this.clientMetrics.load();
    await this.features.load();
    const dyn = await this.storage.loadMeta<PersistedBrokerConfigs>('broker-configs');
    this.config.setDynamic(null, new Map(Object.entries(dyn?.default ?? {})));
    for (const [id, m] of Object.entries(dyn?.brokers ?? {})) this.config.setDynamic(Number(id), new Map(Object.entries(m)));
    const saved = (await this.storage.loadMeta<PersistedTopic[]>('topics')) ?? [];
    for (const t of saved) {
      const topic = new Topic(this, t.name, t.id, new Map(Object.entries(t.configs)));
      await this.openPartitions(topic, t.partitions.map((p) => p.replicas));
      this.topics.set(t.name, topic);
      this.topicsById.set(t.id, topic);
    }
  }

  /** Saves topics, configs and replica assignments (a reassignment calls it too). */
  async persist(): Promise<void> {
    const out: PersistedTopic[] = [...this.topics.values()].map((t) => ({
      name: t.name,
      id: t.id,
      configs: Object.fromEntries(t.configs),
      partitions: t.partitions.map((p) => ({ replicas: p.replicas })),
    }));
    await this.storage.saveMeta('topics', out);
  }

  /**
   * Opens the partitions after the topic's current ones, a few at a time: a log's open is mostly waiting for
   * the filesystem (Kafka recovers logs on num.recovery.threads.per.data.dir threads for the same reason).
   */
  private async openPartitions(topic: Topic, assignment: number[][], isNew = false): Promise<void> {
    const first = topic.partitions.length;
    const opened: Partition[] = new Array(assignment.length);
    let next = 0;
    let failed = false;
    const worker = async (): Promise<void> => {
      while (next < assignment.length && !failed) {
        const i = next++;
        try {
          opened[i] = await this.openPartition(topic, first + i, assignment[i], isNew);
        } catch (e) {
          failed = true; // as when opening one by one: stop at the first failure
          throw e;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(OPEN_CONCURRENCY, assignment.length) }, worker));
    for (const p of opened) topic.partitions.push(p);
  }

  private async openPartition(topic: Topic, index: number, replicas: number[], isNew = false): Promise<Partition> {
    const config = { get: (n: string) => topic.config(n) ?? undefined };
    let log: PartitionLog;
    try {
      log = await this.storage.openPartition(topic.id, topic.name, index, config);
    } catch (e) {
      // A partition new to the metadata whose directory holds another topic id is a stray log (a crash between
      // creating the log and saving the topics, or an older topic of that name): Kafka deletes those too.
      if (!isNew || (e as NodeJS.ErrnoException).code !== 'INCONSISTENT_TOPIC_ID') throw e;
      this.logger.warn({ topic: topic.name, partition: index, err: e }, 'removing stray log directory');
      await this.storage.deletePartition(topic.id, topic.name, index);
      log = await this.storage.openPartition(topic.id, topic.name, index, config);
    }
    const live = replicas.filter((r) => this.broker(r)?.alive);
    return new Partition(topic, index, log, replicas, live.length ? live : [...replicas], live[0] ?? replicas[0]);
  }

  /**
   * Replica lists spread round-robin over live brokers, the first replica being the preferred leader. With racks,
   * over Kafka's rack-alternated broker list (one broker of each rack in turn), so a partition's replicas land in
   * different racks when the racks are even.
   */
  assignReplicas(numPartitions: number, rf: number, startPartition = 0): number[][] {
    // Like Kafka's controller, place replicas only on registered (running) brokers.
    const ids = rackAlternated(this.liveBrokers());
    const out: number[][] = [];
    for (let p = 0; p < numPartitions; p++) {
      const start = (this.rr + startPartition + p) % ids.length;
      out.push(Array.from({ length: rf }, (_, i) => ids[(start + i) % ids.length]));
    }
    return out;
  }

  validateTopicConfigs(configs: Record<string, string | null>): void {
    for (const [k, v] of Object.entries(configs)) validateConfig(this.config.surface.topic, k, v);
  }

  /** The checks Kafka makes on a new topic before looking at its partitions: name, existence, configs. */
  checkNewTopic(name: string, configs: Record<string, string | null>): void {
    validateTopicName(name);
    if (this.topics.has(name) || this.creating.has(name)) throw new KafkaError('TOPIC_ALREADY_EXISTS', `Topic '${name}' already exists.`);
    // '.' and '_' collide in metric names, so Kafka refuses a topic differing from another only by them.
    if (/[._]/.test(name)) {
      const norm = name.replace(/\./g, '_');
      for (const other of [...this.topics.keys(), ...this.creating.keys()]) {
        if (other.replace(/\./g, '_') === norm) throw new KafkaError('INVALID_TOPIC_EXCEPTION', `Topic '${name}' collides with existing topic: ${other}`);
      }
    }
    const nulls = Object.keys(configs).filter((k) => configs[k] === null);
    if (nulls.length) throw new KafkaError('INVALID_CONFIG', `Null value not supported for topic configs: ${nulls.join(',')}`);
    this.validateTopicConfigs(configs);
  }

  /**
   * Validates a new topic as Kafka's controller does (name, existence, configs, partitions, replication) and
   * returns the replica assignment it would get, without creating anything.
   */
  planTopic(name: string, opts: NewTopicOptions = {}): number[][] {
    this.checkNewTopic(name, opts.configs ?? {});
    if (opts.assignment && opts.assignment.length > 0) {
      this.validateAssignment(opts.assignment);
      return opts.assignment;
    }
    const rfIn = opts.replicationFactor ?? -1;
    const nIn = opts.numPartitions ?? -1;
    if (rfIn < -1 || rfIn === 0) throw new KafkaError('INVALID_REPLICATION_FACTOR', 'Replication factor must be larger than 0, or -1 to use the default value.');
    if (nIn < -1 || nIn === 0) throw new KafkaError('INVALID_PARTITIONS', 'Number of partitions was set to an invalid non-positive value.');
    const n = nIn === -1 ? this.config.int('num.partitions') : nIn;
    const rf = rfIn === -1 ? this.config.int('default.replication.factor') : rfIn;
    if (rf > this.liveBrokers().length) {
      throw new KafkaError('INVALID_REPLICATION_FACTOR', `Unable to replicate the partition ${rf} time(s): The target replication factor of ${rf} cannot be reached because only ${this.liveBrokers().length} broker(s) are registered.`);
    }
    return this.assignReplicas(n, rf);
  }

  async createTopic(name: string, opts: NewTopicOptions & { validateOnly?: boolean } = {}): Promise<Topic> {
    const assignment = this.planTopic(name, opts);
    const configs = (opts.configs ?? {}) as Record<string, string>; // planTopic refused null values
    if (opts.validateOnly) return new Topic(this, name, newUuid(), new Map(Object.entries(configs)));
    const topic = new Topic(this, name, newUuid(), new Map(Object.entries(configs)));
    this.rr++;
    const opened = this.openPartitions(topic, assignment, true).then(() => topic);
    this.creating.set(name, opened);
    try {
      await opened;
    } finally {
      this.creating.delete(name);
    }
    this.topics.set(name, topic);
    this.topicsById.set(topic.id, topic);
    await this.persist();
    this.logger.info({ topic: name, partitions: assignment.length }, 'topic created');
    return topic;
  }

  /**
   * Auto-creation (Metadata, and the coordinators' internal topics): the topic as it exists, or as a concurrent
   * request is creating it, or created now with the broker's defaults (an internal topic with its own, as in
   * Kafka). Two clients asking for a new topic at once get the same one.
   */
  async existingOrNewTopic(name: string): Promise<Topic> {
    return this.topics.get(name) ?? (await (this.creating.get(name) ?? this.createTopic(name, internalTopicOptions(this, name))));
  }

  /** Kafka's validateManualPartitionAssignment: every partition's replicas known, distinct, and as many as the first's. */
  validateAssignment(assignment: number[][], replicationFactor?: number): void {
    let rf = replicationFactor;
    for (const replicas of assignment) {
      if (replicas.length === 0) throw new KafkaError('INVALID_REPLICA_ASSIGNMENT', 'The manual partition assignment includes an empty replica list.');
      const sorted = [...replicas].sort((a, b) => a - b);
      for (let i = 0; i < sorted.length; i++) {
        if (!this.broker(sorted[i])) throw new KafkaError('INVALID_REPLICA_ASSIGNMENT', `The manual partition assignment includes broker ${sorted[i]}, but no such broker is registered.`);
        if (i > 0 && sorted[i] === sorted[i - 1]) throw new KafkaError('INVALID_REPLICA_ASSIGNMENT', `The manual partition assignment includes the broker ${sorted[i]} more than once.`);
      }
      if (rf !== undefined && replicas.length !== rf) {
        throw new KafkaError('INVALID_REPLICA_ASSIGNMENT', `The manual partition assignment includes a partition with ${replicas.length} replica(s), but this is not consistent with previous partitions, which have ${rf} replica(s).`);
      }
      rf = replicas.length;
    }
  }

  async deleteTopic(topic: Topic): Promise<void> {
    if (!this.config.bool('delete.topic.enable')) throw new KafkaError('TOPIC_DELETION_DISABLED', 'Topic deletion is disabled.');
    this.topics.delete(topic.name);
    this.topicsById.delete(topic.id);
    // Every partition's deletion (which closes its log) is queued with the storage before the first await: a
    // CreateTopics of the same name right after (test suites delete and re-create topics) then opens its partitions
    // behind them, in fresh directories, never the logs being closed.
    await Promise.all(topic.partitions.map(async (p) => {
      await this.storage.deletePartition(topic.id, topic.name, p.index);
      p.wake();
    }));
    await this.persist();
    this.logger.info({ topic: topic.name }, 'topic deleted');
  }

  /**
   * CreatePartitions: raises the topic's partition count to `total`. One change of a topic's partition count at a
   * time, as Kafka's controller applies them one by one: a request that arrives while another is opening partitions
   * is checked against the count that one leaves (two at once used to open the same new partitions twice).
   * `charge` gets the number of new partitions once Kafka's checks have passed and before anything changes (the
   * controller mutation quota, which may refuse by throwing), validate_only too.
   */
  addPartitions(topic: Topic, total: number, assignment?: number[][], validateOnly = false, charge?: (added: number) => void): Promise<void> {
    return topic.partitionChanges.run(() => this.addPartitionsNow(topic, total, assignment, validateOnly, charge));
  }

  private async addPartitionsNow(topic: Topic, total: number, assignment: number[][] | undefined, validateOnly: boolean, charge?: (added: number) => void): Promise<void> {
    const current = topic.partitions.length;
    if (total === current) throw new KafkaError('INVALID_PARTITIONS', `Topic already has ${current} partition(s).`);
    if (total < current) throw new KafkaError('INVALID_PARTITIONS', `The topic ${topic.name} currently has ${current} partition(s); ${total} would not be an increase.`);
    const rf = topic.partitions[0]?.replicas.length ?? 1;
    // A null assignment means automatic placement; a list (even empty) must name every new partition.
    if (assignment) {
      if (assignment.length !== total - current) {
        throw new KafkaError('INVALID_REPLICA_ASSIGNMENT', `Attempted to add ${total - current} additional partition(s), but only ${assignment.length} assignment(s) were specified.`);
      }
      this.validateAssignment(assignment, rf);
    } else if (rf > this.liveBrokers().length) {
      throw new KafkaError('INVALID_REPLICATION_FACTOR', `Unable to replicate the partition ${rf} time(s): The target replication factor of ${rf} cannot be reached because only ${this.liveBrokers().length} broker(s) are registered.`);
    }
    const add = assignment ?? this.assignReplicas(total - current, rf, current);
    charge?.(total - current);
    if (validateOnly) return;
    await this.openPartitions(topic, add, true);
    await this.persist();
  }

  async setTopicConfigs(topic: Topic, configs: Map<string, string>): Promise<void> {
    topic.setConfigs(configs);
    await this.persist();
  }

  /** Replaces the dynamic broker configs of one broker (or of the cluster default when nodeId is null). */
  async setBrokerConfigs(nodeId: number | null, configs: Map<string, string>): Promise<void> {
    this.config.setDynamic(nodeId, configs);
    const brokers: Record<string, Record<string, string>> = {};
    for (const [id, m] of this.config.dynamicPerBroker) brokers[id] = Object.fromEntries(m);
    await this.storage.saveMeta('broker-configs', { default: Object.fromEntries(this.config.dynamicDefault), brokers } satisfies PersistedBrokerConfigs);
  }

  partition(topicName: string, index: number): Partition | undefined {
    return this.topics.get(topicName)?.partitions[index];
  }

  async close(): Promise<void> {
    for (const t of this.topics.values()) for (const p of t.partitions) await p.log.close();
    await this.storage.close();
  }
}
