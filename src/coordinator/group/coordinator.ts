// The group coordinator: every group of the cluster, which broker coordinates which key, offset storage,
// offset retention and persistence. One instance serves all brokers of the process; a request reaching a
// broker that does not coordinate the key gets NOT_COORDINATOR, as clients expect from Kafka.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Services } from '../../broker/context.js';
import type { BrokerNode, Cluster } from '../../cluster/cluster.js';
import { OFFSETS_TOPIC, TRANSACTION_STATE_TOPIC } from '../../cluster/partition.js';
import { ErrorCode, KafkaError, type ErrorName } from '../../protocol/errors.js';
import { ClassicGroup, type GroupEnv } from './classic-group.js';
import { ConsumerGroup, type ConsumerEnv } from './consumer-group.js';
import { ModernGroup, type GroupBase, type OffsetAndMetadata } from './group.js';
import type { MetaJournal } from '../../storage/types.js';
import { GroupJournalWriter, groupMeta, replayGroups, type GroupRecord } from './group-journal.js';
import { OffsetsTopicWriter } from './offsets-topic.js';
import { META_NAME, offsetRows, restoreClassic, restoreConsumer, restoreOffsets, type PersistedDoc, type PersistedGroup } from './persistence.js';
import { partitionForKey } from './timers.js';
import { ShareGroup, type ShareEnv } from '../share/share-group.js';
import { ShareSessions } from '../share/share-sessions.js';
import { ShareState } from '../share/share-state.js';

export const KEY_TYPE_GROUP = 0;
export const KEY_TYPE_TRANSACTION = 1;

/** The partition of __consumer_offsets (__transaction_state) that keeps `key`: of the topic, or of the configured count before it exists. */
export function internalPartitionFor(cluster: Cluster, key: string, keyType = KEY_TYPE_GROUP): number {
  const txn = keyType === KEY_TYPE_TRANSACTION;
  const n = cluster.topics.get(txn ? TRANSACTION_STATE_TOPIC : OFFSETS_TOPIC)?.partitions.length || cluster.config.int(txn ? 'transaction.state.log.num.partitions' : 'offsets.topic.num.partitions');
  return partitionForKey(key, Math.max(1, n));
}

export class GroupCoordinator {
  readonly groups = new Map<string, GroupBase>();
  /**
   * True while an open transaction holds offsets for this partition of the group (TxnOffsetCommit before
   * EndTxn): OffsetFetch with require_stable then answers UNSTABLE_OFFSET_COMMIT. Defaults to asking
   * services.transactions.hasPendingTxnOffsets; a transaction coordinator may set it instead.
   */
  pendingTxnOffsets?: (groupId: string, topic: string, partition: number) => boolean;
  readonly logger: Logger;
  readonly env: GroupEnv;
  readonly consumerEnv: ConsumerEnv;
  readonly shareEnv: ShareEnv;
  /** Share groups' records (share-partitions) and the brokers' share sessions (KIP-932). */
  readonly shareState: ShareState;
  readonly shareSessions: ShareSessions;
  private journal?: MetaJournal<GroupRecord>;
  private readonly journalWriter = new GroupJournalWriter();
  /** The same records, in Kafka's format, to __consumer_offsets (offsets-topic.ts). */
  readonly offsetsTopic: OffsetsTopicWriter;
  /** Groups to journal at the next write; `all` after a change not tied to one group (deletes, expiry). */
  private readonly dirty = new Set<string>();
  private dirtyAll = false;
  private pendingSave?: Promise<void>;
  private expiryTimer?: NodeJS.Timeout;
  private stopped = false;
  /** Coordinator partition ("keyType:partition") → the broker leading it; see coordinatorFor. */
  private readonly owners = new Map<string, number>();

  readonly cluster: Cluster;

  constructor(private readonly services: Services) {
    const cluster = (this.cluster = services.cluster);
    this.logger = services.logger.child({ subsystem: 'groups' });
    this.offsetsTopic = new OffsetsTopicWriter(services, this.logger);
    this.env = {
      logger: this.logger,
      initialRebalanceDelayMs: () => cluster.config.int('group.initial.rebalance.delay.ms'),
      maxSize: () => cluster.config.int('group.max.size'),
      persist: (g) => void this.persist(g).catch(() => undefined), // logged by persist
      newMemberId: (prefix) => `${prefix}-${randomUUID()}`,
    };
    this.consumerEnv = { cluster, logger: this.logger, persist: (g) => void this.persist(g).catch(() => undefined) };
    const shareState = (this.shareState = new ShareState(cluster, this.logger));
    this.shareEnv = {
      cluster,
      logger: this.logger,
      initialized: (groupId, topicId, partition) => shareState.get(groupId, topicId, partition) !== undefined,
      initialize: (groupId, partitions) => {
        setImmediate(() => {
          for (const [topicId, ps] of partitions) {
            const t = cluster.topicsById.get(topicId);
            if (!t) continue;
            for (const p of ps) {
              void Promise.resolve(shareState.init(groupId, t, p)).catch((err) => this.logger.warn({ err, group: groupId, topic: t.name, partition: p }, 'share-partition state did not start'));
            }
          }
        });
      },
    };
    // A share session that ends gives back what its member still holds on the session's partitions.
    this.shareSessions = new ShareSessions((s) => {
      for (const sp of s.partitions.values()) shareState.get(s.groupId, sp.topicId, sp.partition)?.releaseMember(s.memberId);
    });
  }

  // ---- coordinator placement ---------------------------------------------------------------------------

  /**
   * The broker coordinating a group (or transactional id): as in Kafka, the leader of the key's partition of
   * __consumer_offsets (__transaction_state), so coordinators move with that partition's leadership (elections when
   * a broker stops, preferred-leader rebalances) and Metadata shows where each one is. Before the topic exists, or
   * while its partition has no running leader, an owner per partition stands in: it stays until it stops, then the
   * next running broker after the preferred one (`partition % brokers`) takes over. Recomputing from the running
   * brokers each time would move every coordinator on any stop or return, costing groups rebalances.
   */
  coordinatorFor(key: string, keyType = KEY_TYPE_GROUP): BrokerNode | undefined {
    const topic = this.cluster.topics.get(keyType === KEY_TYPE_TRANSACTION ? TRANSACTION_STATE_TOPIC : OFFSETS_TOPIC);
    const partition = internalPartitionFor(this.cluster, key, keyType);
    const leader = topic && this.cluster.broker(topic.partitions[partition].leader);
    if (leader?.alive) return leader;
    const slot = `${keyType}:${partition}`;
    const owner = this.owners.get(slot);
    const current = owner === undefined ? undefined : this.cluster.broker(owner);
    if (current?.alive) return current;
    const brokers = this.cluster.brokers;
    for (let i = 0; i < brokers.length; i++) {
      const b = brokers[(partition + i) % brokers.length];
      if (b.alive) {
        this.owners.set(slot, b.nodeId);
        return b;
      }
    }
    return undefined;
  }

  /** NONE when `broker` coordinates `groupId`, else NOT_COORDINATOR / COORDINATOR_NOT_AVAILABLE. */
  coordinatorError(broker: BrokerNode, groupId: string): number {
    if (this.stopped || !broker.alive) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const c = this.coordinatorFor(groupId);
    if (!c) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    return c.nodeId === broker.nodeId ? ErrorCode.NONE : ErrorCode.NOT_COORDINATOR;
  }

  /** Groups this broker coordinates (ListGroups answers per broker, as in Kafka). */
  groupsOf(broker: BrokerNode): GroupBase[] {
    return [...this.groups.values()].filter((g) => !g.isDead() && this.coordinatorFor(g.groupId)?.nodeId === broker.nodeId);
  }

  // ---- group lookup --------------------------------------------------------------------------------------

  group(groupId: string): GroupBase | undefined {
    const g = this.groups.get(groupId);
    return g && !g.isDead() ? g : undefined;
  }

  /**
   * The classic group `groupId`, created when asked. An empty consumer group is converted (Kafka does so when
   * a classic member joins it); a non-empty one is refused with GROUP_ID_NOT_FOUND, as Kafka's
   * getOrMaybeCreateClassicGroup does.
   */
  classicGroup(groupId: string, create: boolean, notClassic: ErrorName = 'GROUP_ID_NOT_FOUND'): ClassicGroup | undefined {
    let g = this.group(groupId);
    if (g && g.type !== 'classic') {
      if (!create || !g.isEmpty() || g.type === 'share') throw new KafkaError(notClassic, `Group ${groupId} is not a classic group.`);
      g = this.replaceGroup(g, new ClassicGroup(groupId, this.env));
    }
    if (!g && create) {
      g = new ClassicGroup(groupId, this.env);
      this.groups.set(groupId, g);
    }
    return g as ClassicGroup | undefined;
  }

  /**
   * The KIP-848 consumer group `groupId`, created when asked. An empty classic group is converted; one with
   * members is refused with GROUP_ID_NOT_FOUND, as Kafka does when it cannot upgrade the group.
   */
  consumerGroup(groupId: string, create: boolean): ConsumerGroup {
    let g = this.group(groupId);
    if (g && g.type !== 'consumer') {
      if (!g.isEmpty() || g.type === 'share') throw new KafkaError('GROUP_ID_NOT_FOUND', `Group ${groupId} is not a consumer group.`);
      if (!create) throw new KafkaError('GROUP_ID_NOT_FOUND', `Consumer group ${groupId} not found.`);
      g = this.replaceGroup(g, new ConsumerGroup(groupId, this.consumerEnv));
    }
    if (!g) {
      if (!create) throw new KafkaError('GROUP_ID_NOT_FOUND', `Consumer group ${groupId} not found.`);
      g = new ConsumerGroup(groupId, this.consumerEnv);
      this.groups.set(groupId, g);
    }
    return g as ConsumerGroup;
  }

  /** The share group `groupId`, created when asked. Kafka never converts between share and other groups. */
  shareGroup(groupId: string, create: boolean): ShareGroup {
    const g = this.group(groupId);
    if (g && g.type !== 'share') throw new KafkaError('GROUP_ID_NOT_FOUND', `Group ${groupId} is not a share group.`);
    if (g) return g as ShareGroup;
    if (!create) throw new KafkaError('GROUP_ID_NOT_FOUND', `Share group ${groupId} not found.`);
    const fresh = new ShareGroup(groupId, this.shareEnv);
    this.groups.set(groupId, fresh);
    void this.persist(fresh).catch(() => undefined);
    return fresh;
  }

  /** Swaps a group for one of another type, carrying its offsets over (empty-group protocol conversion). */
  replaceGroup<T extends GroupBase>(old: GroupBase, fresh: T): T {
    for (const [topic, parts] of old.offsets) for (const [p, o] of parts) fresh.setOffset(topic, p, o);
    old.shutdown();
    this.groups.set(old.groupId, fresh);
    this.logger.info({ group: old.groupId, from: old.type, to: fresh.type }, 'group converted');
    return fresh;
  }

  // ---- offsets -------------------------------------------------------------------------------------------

  /** The group an OffsetCommit / TxnOffsetCommit writes to, after Kafka's member and generation checks. */
  groupForCommit(groupId: string, memberId: string, groupInstanceId: string | null, generationOrEpoch: number, transactional: boolean, apiVersion: number): GroupBase {
    let g = this.group(groupId);
    if (!g) {
      if (generationOrEpoch < 0) {
        // A commit without group management creates a "simple" group (classic, no protocol type).
        g = this.classicGroup(groupId, true)!;
      } else if (!transactional && apiVersion >= 9) {
        throw new KafkaError('GROUP_ID_NOT_FOUND', `Group ${groupId} not found.`);
      } else {
        throw new KafkaError('ILLEGAL_GENERATION', `Group ${groupId} not found; generation ${generationOrEpoch} is not valid.`);
      }
    }
    g.validateOffsetCommit(memberId, groupInstanceId, generationOrEpoch, transactional, apiVersion);
    return g;
  }

  /** Stores committed offsets (also what the transaction coordinator calls when a transaction commits). */
  writeOffsets(g: GroupBase, entries: { topic: string; partition: number; offset: OffsetAndMetadata }[]): Promise<void> {
    for (const e of entries) g.setOffset(e.topic, e.partition, e.offset);
    if (!this.groups.has(g.groupId)) this.groups.set(g.groupId, g);
    return this.persist(g);
  }

  /**
   * The transaction coordinator's hook (GroupTxnHooks): offsets of a committed transaction become visible.
   * Creates a simple group if the group went away meanwhile, as Kafka's replay of offset records does.
   */
  commitTxnOffsets(groupId: string, offsets: { topic: string; partition: number; offset: number; leaderEpoch: number; metadata: string | null }[]): Promise<void> {
    const g = this.group(groupId) ?? this.classicGroup(groupId, true)!;
    const now = Date.now();
    return this.writeOffsets(g, offsets.map((o) => ({
      topic: o.topic,
      partition: o.partition,
      offset: { offset: o.offset, leaderEpoch: o.leaderEpoch, metadata: o.metadata ?? '', commitTimestamp: now },
    })));
  }

  hasPendingTxnOffsets(groupId: string, topic: string, partition: number): boolean {
    if (this.pendingTxnOffsets) return this.pendingTxnOffsets(groupId, topic, partition);
    return this.services.transactions?.hasPendingTxnOffsets?.(groupId, topic, partition) ?? false;
  }

  /** Deletes groups (DeleteGroups); returns an error code per group id. */
  async deleteGroups(groupIds: string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const id of groupIds) {
      const g = this.group(id);
      try {
        if (!g) throw new KafkaError('GROUP_ID_NOT_FOUND', `Group ${id} not found.`);
        g.validateDeleteGroup();
        this.removeGroup(g);
        out.set(id, ErrorCode.NONE);
      } catch (e) {
        out.set(id, e instanceof KafkaError ? e.code : ErrorCode.UNKNOWN_SERVER_ERROR);
      }
    }
    await this.persist();
    return out;
  }

  removeGroup(g: GroupBase): void {
    g.shutdown();
    if (g instanceof ClassicGroup || g instanceof ModernGroup) g.markDead();
    if (g instanceof ShareGroup) {
      this.shareSessions.dropGroup(g.groupId);
      this.shareState.delete(g.groupId);
    }
    if (this.groups.get(g.groupId) === g) this.groups.delete(g.groupId);
    this.logger.info({ group: g.groupId }, 'group deleted');
  }

  /** Drops expired offsets (offsets.retention.minutes) and then empty groups left without offsets. */
  expireOffsets(now = Date.now()): void {
    const retentionMs = this.cluster.config.int('offsets.retention.minutes') * 60000;
    let changed = false;
    for (const g of [...this.groups.values()]) {
      if (g.expireOffsets(now, retentionMs) > 0) changed = true;
      // A classic group whose only members are still answering MEMBER_ID_REQUIRED is about to be used.
      // A share group keeps its records' state instead of offsets: it stays until deleted.
      if (g.isEmpty() && !g.hasOffsets() && !(g instanceof ClassicGroup && g.pendingMembers.size > 0) && !(g instanceof ShareGroup)) {
        this.removeGroup(g);
        changed = true;
      }
    }
    if (changed) void this.persist();
  }

  // ---- persistence ---------------------------------------------------------------------------------------

  async load(): Promise<void> {
    await this.shareState.load();
    const { contents, journal } = await this.cluster.storage.openJournal<PersistedDoc, GroupRecord>(META_NAME, () => this.snapshot());
    for (const p of replayGroups(contents.snapshot, contents.records)) {
      let g: GroupBase | undefined;
      if (p.type === 'classic') {
        const cg = new ClassicGroup(p.groupId, this.env);
        if (p.classic) restoreClassic(cg, p.classic);
        g = cg;
      } else if (p.type === 'consumer') {
        const cg = new ConsumerGroup(p.groupId, this.consumerEnv);
        if (p.consumer) restoreConsumer(cg, p.consumer);
        g = cg;
      } else if (p.type === 'share') {
        g = new ShareGroup(p.groupId, this.shareEnv);
      }
      if (!g) continue;
      g.stateTimestamp = p.stateTimestamp;
      restoreOffsets(g, p.offsets);
      this.groups.set(p.groupId, g);
    }
    this.journalWriter.baseline(this.groups.values());
    this.offsetsTopic.baseline(this.groups.values());
    this.journal = journal;
    const interval = this.cluster.config.int('offsets.retention.check.interval.ms');
    this.expiryTimer = setInterval(() => this.expireOffsets(), Math.max(1000, interval));
    this.expiryTimer.unref?.();
  }

  /** The whole state, the journal's snapshot when it compacts. */
  private snapshot(): PersistedDoc {
    const groups: PersistedGroup[] = [];
    for (const g of this.groups.values()) {
      if (!g.isDead()) groups.push({ ...groupMeta(g), offsets: offsetRows(g) });
    }
    return { version: 1, groups };
  }

  /**
   * Journals what changed in `group` (every group when none is named): changes made in the same tick share
   * one append. Resolves once that append is as durable as the storage's fsync policy asks.
   */
  persist(group?: GroupBase): Promise<void> {
    if (group) this.dirty.add(group.groupId);
    else this.dirtyAll = true;
    if (this.pendingSave) return this.pendingSave;
    this.pendingSave = (async () => {
      await new Promise<void>((r) => setImmediate(r));
      this.pendingSave = undefined;
      const ids = this.dirtyAll ? new Set([...this.groups.keys(), ...this.journalWriter.ids()]) : new Set(this.dirty);
      this.dirty.clear();
      this.dirtyAll = false;
      if (!this.journal) return; // not loaded yet: load() reads the state as it is
      const lookup = (id: string) => this.group(id);
      const records = this.journalWriter.records(ids, lookup);
      this.offsetsTopic.write(records, lookup);
      try {
        await this.journal.append(records);
      } catch (e) {
        this.logger.error({ err: e }, 'failed to persist group metadata');
        throw new KafkaError('COORDINATOR_NOT_AVAILABLE', 'Failed to write group metadata.');
      }
    })();
    return this.pendingSave;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.expiryTimer) clearInterval(this.expiryTimer);
    await this.persist().catch(() => undefined);
    await this.offsetsTopic.idle();
    await this.shareState.stop();
    for (const g of this.groups.values()) g.shutdown();
  }
}
