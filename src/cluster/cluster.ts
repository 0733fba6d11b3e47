// Cluster state shared by every broker in the process: brokers, topics, partitions, leaders, ISR.
// Handlers read and change it; topics and their configs are persisted through the storage interface.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { KafkaError } from '../protocol/errors.js';
import type { PartitionLog, Storage } from '../storage/types.js';
import { BrokerConfig, TOPIC_CONFIGS, validateConfig } from './config.js';

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
}

export class Partition {
  leaderEpoch = 0;
  /** Offsets below this are visible to consumers (min LEO over the ISR). */
  highWatermark = 0;
  /** Wakes long-polling fetches when the high watermark moves. */
  readonly waiters = new Set<() => void>();
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
    return this.topic.cluster.lsoHook?.(this) ?? this.highWatermark;
  }
  advanceHighWatermark(hw: number): void {
    if (hw <= this.highWatermark) return;
    this.highWatermark = hw;
    this.wake();
  }
  wake(): void {
    for (const w of [...this.waiters]) w();
  }
}

export class Topic {
  partitions: Partition[] = [];
  constructor(
    readonly cluster: Cluster,
    readonly name: string,
    readonly id: string,
    readonly configs: Map<string, string>,
    readonly internal = false,
  ) {}
  /** Effective topic config: topic override, broker synonym, or Kafka default. */
  config(name: string): string | null {
    return this.configs.get(name) ?? this.cluster.config.topicDefault(name).value;
  }
  configNumber(name: string): number {
    return Number(this.config(name));
  }
}

interface PersistedTopic {
  name: string;
  id: string;
  configs: Record<string, string>;
  partitions: { replicas: number[] }[];
}

const TOPIC_NAME = /^[a-zA-Z0-9._-]+$/;

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
  /** Set by the transaction coordinator so partitions report a last stable offset below open transactions. */
  lsoHook?: (p: Partition) => number;
  /** Called after a partition is appended to, e.g. for replication bookkeeping. */
  private rr = 0;

  constructor(opts: ClusterOptions) {
    this.clusterId = opts.clusterId ?? newUuid();
    this.brokers = opts.brokers;
    this.config = opts.config;
    this.storage = opts.storage;
    this.logger = opts.logger;
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
    const saved = (await this.storage.loadMeta<PersistedTopic[]>('topics')) ?? [];
    for (const t of saved) {
      const topic = new Topic(this, t.name, t.id, new Map(Object.entries(t.configs)), t.name.startsWith('__'));
      for (let i = 0; i < t.partitions.length; i++) {
        topic.partitions.push(await this.openPartition(topic, i, t.partitions[i].replicas));
      }
      this.topics.set(t.name, topic);
      this.topicsById.set(t.id, topic);
    }
  }

  private async persist(): Promise<void> {
    const out: PersistedTopic[] = [...this.topics.values()].map((t) => ({
      name: t.name,
      id: t.id,
      configs: Object.fromEntries(t.configs),
      partitions: t.partitions.map((p) => ({ replicas: p.replicas })),
    }));
    await this.storage.saveMeta('topics', out);
  }

  private async openPartition(topic: Topic, index: number, replicas: number[]): Promise<Partition> {
    const log = await this.storage.openPartition(topic.id, topic.name, index, { get: (n) => topic.config(n) ?? undefined });
    const live = replicas.filter((r) => this.broker(r)?.alive);
    return new Partition(topic, index, log, replicas, live.length ? live : [...replicas], live[0] ?? replicas[0]);
  }

  /** Replica lists spread round-robin over brokers, the first replica being the preferred leader. */
  assignReplicas(numPartitions: number, rf: number, startPartition = 0): number[][] {
    const ids = this.brokers.map((b) => b.nodeId);
    const out: number[][] = [];
    for (let p = 0; p < numPartitions; p++) {
      const start = (this.rr + startPartition + p) % ids.length;
      out.push(Array.from({ length: rf }, (_, i) => ids[(start + i) % ids.length]));
    }
    return out;
  }

  validateTopicConfigs(configs: Record<string, string | null>): void {
    for (const [k, v] of Object.entries(configs)) validateConfig(TOPIC_CONFIGS, k, v);
  }

  async createTopic(
    name: string,
    opts: { numPartitions?: number; replicationFactor?: number; assignment?: number[][]; configs?: Record<string, string>; validateOnly?: boolean } = {},
  ): Promise<Topic> {
    validateTopicName(name);
    if (this.topics.has(name)) throw new KafkaError('TOPIC_ALREADY_EXISTS', `Topic '${name}' already exists.`);
    const configs = opts.configs ?? {};
    this.validateTopicConfigs(configs);
    let assignment = opts.assignment;
    if (!assignment || assignment.length === 0) {
      const n = opts.numPartitions === undefined || opts.numPartitions === -1 ? this.config.int('num.partitions') : opts.numPartitions;
      const rf = opts.replicationFactor === undefined || opts.replicationFactor === -1 ? this.config.int('default.replication.factor') : opts.replicationFactor;
      if (n <= 0) throw new KafkaError('INVALID_PARTITIONS', 'Number of partitions must be larger than 0.');
      if (rf <= 0) throw new KafkaError('INVALID_REPLICATION_FACTOR', 'Replication factor must be larger than 0.');
      if (rf > this.brokers.length) {
        throw new KafkaError('INVALID_REPLICATION_FACTOR', `Unable to replicate the partition ${rf} time(s): The target replication factor of ${rf} cannot be reached because only ${this.brokers.length} broker(s) are registered.`);
      }
      assignment = this.assignReplicas(n, rf);
    } else {
      this.validateAssignment(assignment);
    }
    if (opts.validateOnly) return new Topic(this, name, newUuid(), new Map(Object.entries(configs)));
    const topic = new Topic(this, name, newUuid(), new Map(Object.entries(configs)), name.startsWith('__'));
    this.rr++;
    for (let i = 0; i < assignment.length; i++) topic.partitions.push(await this.openPartition(topic, i, assignment[i]));
    this.topics.set(name, topic);
    this.topicsById.set(topic.id, topic);
    await this.persist();
    this.logger.info({ topic: name, partitions: assignment.length }, 'topic created');
    return topic;
  }

  validateAssignment(assignment: number[][]): void {
    const rf = assignment[0]?.length ?? 0;
    for (const replicas of assignment) {
      if (replicas.length === 0) throw new KafkaError('INVALID_REPLICA_ASSIGNMENT', 'The manual partition assignment includes a partition with no replicas.');
      if (replicas.length !== rf) throw new KafkaError('INVALID_REPLICA_ASSIGNMENT', 'All partitions should have the same number of replicas.');
      if (new Set(replicas).size !== replicas.length) throw new KafkaError('INVALID_REPLICA_ASSIGNMENT', 'The manual partition assignment includes duplicate replicas.');
      for (const r of replicas) if (!this.broker(r)) throw new KafkaError('INVALID_REPLICA_ASSIGNMENT', `The manual partition assignment includes broker ${r}, but no such broker is registered.`);
    }
  }

  async deleteTopic(topic: Topic): Promise<void> {
    if (!this.config.bool('delete.topic.enable')) throw new KafkaError('TOPIC_DELETION_DISABLED', 'Topic deletion is disabled.');
    this.topics.delete(topic.name);
    this.topicsById.delete(topic.id);
    for (const p of topic.partitions) {
      await p.log.close();
      await this.storage.deletePartition(topic.id, topic.name, p.index);
      p.wake();
    }
    await this.persist();
    this.logger.info({ topic: topic.name }, 'topic deleted');
  }

  async addPartitions(topic: Topic, total: number, assignment?: number[][], validateOnly = false): Promise<void> {
    const current = topic.partitions.length;
    if (total < current) throw new KafkaError('INVALID_PARTITIONS', `Topic currently has ${current} partitions, which is higher than the requested ${total}.`);
    if (total === current) throw new KafkaError('INVALID_PARTITIONS', `Topic already has ${current} partitions.`);
    const rf = topic.partitions[0]?.replicas.length ?? 1;
    if (assignment && assignment.length > 0) {
      if (assignment.length !== total - current) {
        throw new KafkaError('INVALID_REPLICA_ASSIGNMENT', `Increasing the number of partitions by ${total - current} but ${assignment.length} assignments provided.`);
      }
      this.validateAssignment(assignment);
    }
    const add = assignment && assignment.length > 0 ? assignment : this.assignReplicas(total - current, rf, current);
    if (validateOnly) return;
    for (let i = 0; i < add.length; i++) topic.partitions.push(await this.openPartition(topic, current + i, add[i]));
    await this.persist();
  }

  async setTopicConfigs(topic: Topic, configs: Map<string, string>): Promise<void> {
    topic.configs.clear();
    for (const [k, v] of configs) topic.configs.set(k, v);
    await this.persist();
  }

  partition(topicName: string, index: number): Partition | undefined {
    return this.topics.get(topicName)?.partitions[index];
  }

  async close(): Promise<void> {
    for (const t of this.topics.values()) for (const p of t.partitions) await p.log.close();
    await this.storage.close();
  }
}
