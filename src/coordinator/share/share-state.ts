// Every share-partition of the cluster (Kafka's SharePartitionManager and share coordinator in one): created when a
// share group first needs the partition, from the group's share.auto.offset.reset, and kept in the metadata store
// ("share-state") so a restart resumes where the group was. Acquired records come back as available after a
// restart: their locks do not survive it (Kafka persists them the same way).
import type { Logger } from 'pino';
import type { Cluster, Topic } from '../../cluster/cluster.js';
import { byDurationMs } from '../../cluster/group-configs.js';
import { SharePartition, type SharePartitionEnv } from './share-partition.js';

interface Persisted {
  version: 1;
  partitions: { groupId: string; topicId: string; partition: number; startOffset: number; nextOffset: number; records: [number, number, number][] }[];
}

const META_NAME = 'share-state';
const key = (groupId: string, topicId: string, partition: number) => `${groupId}\0${topicId}\0${partition}`;

export class ShareState {
  private readonly parts = new Map<string, SharePartition>();
  /** by_duration starts being looked up in the log. */
  private readonly starting = new Map<string, Promise<SharePartition>>();
  private saveTimer?: NodeJS.Timeout;
  private saving: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly cluster: Cluster,
    private readonly logger: Logger,
  ) {}

  get(groupId: string, topicId: string, partition: number): SharePartition | undefined {
    return this.parts.get(key(groupId, topicId, partition));
  }

  /**
   * The share-partition, started where share.auto.offset.reset says when the group first uses it: the log start
   * (earliest), the high watermark (latest), or the first record at most the duration old (by_duration, which reads
   * the log's time index, so it may take a moment: until then the share-partition is not there).
   */
  init(groupId: string, topic: Topic, partition: number): SharePartition | Promise<SharePartition> {
    const k = key(groupId, topic.id, partition);
    const sp = this.parts.get(k);
    if (sp) return sp;
    const p = topic.partitions[partition];
    const reset = this.cluster.groupConfigs.value(groupId, 'share.auto.offset.reset');
    const create = (start: number) => {
      const made = this.parts.get(k) ?? this.add(groupId, topic.id, partition, start);
      this.changed();
      return made;
    };
    const ms = byDurationMs(reset);
    if (ms === null) return create(reset === 'earliest' ? p.logStartOffset : p.highWatermark);
    let pending = this.starting.get(k);
    if (!pending) {
      pending = p.log.offsetForTimestamp(Date.now() - ms).then((found) => create(Math.min(found?.offset ?? p.highWatermark, p.highWatermark)));
      pending.finally(() => this.starting.delete(k)).catch(() => undefined);
      this.starting.set(k, pending);
    }
    return pending;
  }

  /** AlterShareGroupOffsets: the share-partition starts (again) at `offset`, whatever it held. */
  startAt(groupId: string, topic: Topic, partition: number, offset: number): void {
    const sp = this.parts.get(key(groupId, topic.id, partition));
    if (sp) sp.reset(offset);
    else this.add(groupId, topic.id, partition, offset);
    this.changed();
  }

  ofGroup(groupId: string): SharePartition[] {
    return [...this.parts.values()].filter((sp) => sp.groupId === groupId);
  }

  /** Forgets a group's share-partitions (DeleteGroups), or those of some topics (DeleteShareGroupOffsets). */
  delete(groupId: string, topicIds?: Set<string>): void {
    for (const [k, sp] of this.parts) {
      if (sp.groupId !== groupId || (topicIds && !topicIds.has(sp.topicId))) continue;
      sp.close();
      this.parts.delete(k);
    }
    this.changed();
  }

  /** A new share-partition, wired to the broker and group configs it reads and to the persistence it feeds. */
  private add(groupId: string, topicId: string, partition: number, startOffset: number, nextOffset = startOffset): SharePartition {
    const config = this.cluster.config;
    const env: SharePartitionEnv = {
      deliveryLimit: () => config.int('group.share.delivery.count.limit'),
      lockDurationMs: () => this.cluster.groupConfigs.int(groupId, 'share.record.lock.duration.ms'),
      maxInFlight: () => config.int('group.share.partition.max.record.locks'),
      released: () => this.cluster.topicsById.get(topicId)?.partitions[partition]?.wake(),
      changed: () => this.changed(),
    };
    const sp = new SharePartition(groupId, topicId, partition, startOffset, env, nextOffset);
    this.parts.set(key(groupId, topicId, partition), sp);
    return sp;
  }

  // ---- persistence -------------------------------------------------------------------------------------

  async load(): Promise<void> {
    const doc = await this.cluster.storage.loadMeta<Persisted>(META_NAME);
    for (const p of doc?.partitions ?? []) {
      this.add(p.groupId, p.topicId, p.partition, p.startOffset, p.nextOffset).restore(p.records);
    }
  }

  /** Writes the state soon: acknowledgements come in bursts, one write covers a burst. */
  private changed(): void {
    if (this.saveTimer || this.stopped) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      void this.save();
    }, 50);
    this.saveTimer.unref?.();
  }

  private save(): Promise<void> {
    // State of deleted topics goes with them (a topic of the same name later has another id).
    for (const [k, sp] of this.parts) {
      if (this.cluster.topicsById.has(sp.topicId)) continue;
      sp.close();
      this.parts.delete(k);
    }
    const doc: Persisted = {
      version: 1,
      partitions: [...this.parts.values()].map((sp) => ({
        groupId: sp.groupId, topicId: sp.topicId, partition: sp.partition, startOffset: sp.startOffset, nextOffset: sp.nextOffset, records: sp.snapshot(),
      })),
    };
    this.saving = this.saving.then(() => this.cluster.storage.saveMeta(META_NAME, doc)).catch((err) => this.logger.error({ err }, 'failed to persist share-group state'));
    return this.saving;
  }

  async stop(): Promise<void> {
    this.stopped = true; // the storage closes next: later changes (sessions ending with their connections) stay unwritten
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    for (const sp of this.parts.values()) sp.close();
    await this.save();
  }
}
