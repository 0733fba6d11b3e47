// What classic and consumer (KIP-848) groups share: the committed offsets and the checks the offset APIs make.
// Kafka keeps offsets per group id whatever the group type, and a commit to an unknown group creates a
// "simple" classic group with no protocol type; that is why offsets live on the group object here.

export interface OffsetAndMetadata {
  offset: number;
  leaderEpoch: number;
  metadata: string;
  commitTimestamp: number;
  /** Set only by OffsetCommit v2-v4 with an explicit retention time. */
  expireTimestamp?: number;
}

export type GroupType = 'classic' | 'consumer' | 'share';

export abstract class GroupBase {
  /** topic -> partition -> committed offset. */
  readonly offsets = new Map<string, Map<number, OffsetAndMetadata>>();
  /** When the group last changed state (Kafka's currentStateTimestamp), base of offset expiry for empty groups. */
  stateTimestamp = Date.now();
  /**
   * Offsets set or deleted since the coordinator last journaled this group (offsetKey), so a commit writes
   * only what it changed (group-journal.ts).
   */
  readonly changedOffsets = new Set<string>();

  constructor(readonly groupId: string) {}

  abstract readonly type: GroupType;
  /** State name as Kafka reports it in ListGroups / DescribeGroups. */
  abstract stateName(): string;
  /** Protocol type as ListGroups reports it ('consumer' for KIP-848 groups, '' for simple groups). */
  abstract listedProtocolType(): string;
  abstract isEmpty(): boolean;
  abstract isDead(): boolean;
  abstract isSubscribedToTopic(topic: string): boolean;
  /** Throws a KafkaError when an OffsetCommit (or TxnOffsetCommit) from this member must be refused. */
  abstract validateOffsetCommit(memberId: string, groupInstanceId: string | null, generationOrEpoch: number, transactional: boolean, apiVersion: number): void;
  abstract validateOffsetFetch(memberId: string | null, memberEpoch: number): void;
  /** Throws when the group cannot be deleted (DeleteGroups). */
  abstract validateDeleteGroup(): void;
  /** Throws when offsets cannot be deleted at all (OffsetDelete); per-topic checks use isSubscribedToTopic. */
  abstract validateOffsetDelete(): void;
  /** Stops timers and fails pending requests; the group is going away (deleted or coordinator stopping). */
  abstract shutdown(): void;

  offset(topic: string, partition: number): OffsetAndMetadata | undefined {
    return this.offsets.get(topic)?.get(partition);
  }

  setOffset(topic: string, partition: number, o: OffsetAndMetadata): void {
    let t = this.offsets.get(topic);
    if (!t) this.offsets.set(topic, (t = new Map()));
    t.set(partition, o);
    this.changedOffsets.add(offsetKey(topic, partition));
  }

  deleteOffset(topic: string, partition: number): boolean {
    const t = this.offsets.get(topic);
    if (!t?.delete(partition)) return false;
    if (t.size === 0) this.offsets.delete(topic);
    this.changedOffsets.add(offsetKey(topic, partition));
    return true;
  }

  hasOffsets(): boolean {
    return this.offsets.size > 0;
  }

  /**
   * Drops offsets past retention (Kafka's OffsetExpirationConditionImpl): explicit expire timestamps first;
   * otherwise, for groups with a protocol, only once the group is empty, counted from when it became empty;
   * for simple groups from the commit time. Offsets of topics a consumer group subscribes to never expire.
   */
  expireOffsets(now: number, retentionMs: number): number {
    if (!this.isEmpty() && this.type === 'classic') return 0;
    let n = 0;
    const useStateTs = this.listedProtocolType() !== '';
    for (const [topic, parts] of this.offsets) {
      if (this.isSubscribedToTopic(topic)) continue;
      for (const [p, o] of parts) {
        const expired = o.expireTimestamp !== undefined ? now >= o.expireTimestamp : (useStateTs ? this.stateTimestamp : o.commitTimestamp) + retentionMs <= now;
        if (expired && this.deleteOffset(topic, p)) n++;
      }
    }
    return n;
  }
}

/**
 * What the server-assigned group types (KIP-848 consumer groups, KIP-932 share groups) share: a group epoch that
 * every change of membership, subscription or subscribed topics' metadata bumps, and a target assignment
 * recomputed (assignmentEpoch) when it falls behind.
 */
export abstract class ModernGroup extends GroupBase {
  groupEpoch = 0;
  assignmentEpoch = 0;
  /** Subscribed topics with their ids and partition counts when the target was last computed. */
  subscriptionHash = '';
  protected dead = false;
  abstract readonly members: Map<string, unknown>;

  constructor(groupId: string, private readonly topicsOf: { topics: Map<string, { id: string; partitions: unknown[] }> }) {
    super(groupId);
  }

  abstract subscribedTopics(): Set<string>;
  protected abstract computeTarget(): void;

  isEmpty(): boolean {
    return this.members.size === 0;
  }
  isDead(): boolean {
    return this.dead;
  }
  isSubscribedToTopic(topic: string): boolean {
    return this.subscribedTopics().has(topic);
  }
  /** Deleted: stops its timers; the coordinator drops it. */
  markDead(): void {
    this.shutdown();
    this.dead = true;
  }

  /** Bumps the group epoch when `changed` or the subscribed topics' metadata moved, then catches the target up. */
  protected advanceEpoch(changed: boolean): boolean {
    const parts: string[] = [];
    for (const name of [...this.subscribedTopics()].sort()) {
      const t = this.topicsOf.topics.get(name);
      if (t) parts.push(`${name}:${t.id}:${t.partitions.length}`);
    }
    const hash = parts.join(',');
    if (hash !== this.subscriptionHash) {
      this.subscriptionHash = hash;
      changed = true;
    }
    if (changed) this.bumpEpoch();
    if (this.assignmentEpoch < this.groupEpoch) this.computeTarget();
    return changed;
  }

  protected bumpEpoch(): void {
    this.groupEpoch++;
    this.stateTimestamp = Date.now();
  }
}

export const INVALID_OFFSET = -1;

/** One string per topic-partition; split at the last NUL (the partition never holds one). */
export const offsetKey = (topic: string, partition: number): string => `${topic}\0${partition}`;

export function parseOffsetKey(key: string): [topic: string, partition: number] {
  const i = key.lastIndexOf('\0');
  return [key.slice(0, i), Number(key.slice(i + 1))];
}
