// A KIP-848 consumer group member and its reconciliation towards the target assignment (Kafka's
// CurrentAssignmentBuilder): partitions that move are first revoked by their owner (the owner keeps its
// epoch until its heartbeat no longer lists them), and only then handed to the new owner.
import type { TopicPartitions } from './assignors.js';

export type MemberState = 'stable' | 'unrevoked_partitions' | 'unreleased_partitions';

export class ConsumerMember {
  instanceId: string | null = null;
  rackId: string | null = null;
  clientId = '';
  clientHost = '';
  rebalanceTimeoutMs = 300000;
  subscribedTopicNames: string[] = [];
  subscribedTopicRegex: string | null = null;
  serverAssignor: string | null = null;
  memberEpoch = 0;
  previousMemberEpoch = -1;
  state: MemberState = 'stable';
  assigned: TopicPartitions = new Map();
  pendingRevocation: TopicPartitions = new Map();
  /** The static member left with epoch -2 and may come back with the same instance id. */
  leftTemporarily = false;

  constructor(public memberId: string) {}
}

export function copyTp(tp: TopicPartitions): TopicPartitions {
  return new Map([...tp].map(([t, s]) => [t, new Set(s)]));
}

export function tpEquals(a: TopicPartitions, b: TopicPartitions): boolean {
  const norm = (x: TopicPartitions) => [...x].filter(([, s]) => s.size > 0);
  const na = norm(a);
  if (na.length !== norm(b).length) return false;
  return na.every(([t, s]) => {
    const o = b.get(t);
    return !!o && o.size === s.size && [...s].every((p) => o.has(p));
  });
}

export function tpHas(tp: TopicPartitions, topicId: string, p: number): boolean {
  return tp.get(topicId)?.has(p) ?? false;
}

function intersects(a: TopicPartitions, b: TopicPartitions): boolean {
  for (const [t, s] of a) for (const p of s) if (tpHas(b, t, p)) return true;
  return false;
}

export function isSubset(a: TopicPartitions, b: TopicPartitions): boolean {
  for (const [t, s] of a) for (const p of s) if (!tpHas(b, t, p)) return false;
  return true;
}

export function tpFromList(list: { topicId: string; partitions: number[] }[]): TopicPartitions {
  const out: TopicPartitions = new Map();
  for (const x of list) {
    if (x.partitions.length === 0) continue;
    const s = out.get(x.topicId) ?? new Set<number>();
    for (const p of x.partitions) s.add(p);
    out.set(x.topicId, s);
  }
  return out;
}

export function tpToList(tp: TopicPartitions): { topicId: string; partitions: number[] }[] {
  return [...tp].filter(([, s]) => s.size > 0).map(([topicId, s]) => ({ topicId, partitions: [...s].sort((a, b) => a - b) }));
}

/**
 * Moves `m` one step towards `target` (at `targetEpoch`). `ownedByOthers` tells whether another member still
 * holds a partition (assigned or pending revocation). `owned` is what the member reported owning, or null.
 */
export function reconcile(m: ConsumerMember, target: TopicPartitions, targetEpoch: number, owned: TopicPartitions | null, ownedByOthers: (t: string, p: number) => boolean): void {
  if (m.state === 'unrevoked_partitions') {
    // Still revoking: wait until the member's heartbeat no longer lists the revoked partitions.
    if (owned === null || intersects(owned, m.pendingRevocation)) return;
    m.pendingRevocation = new Map();
  } else if (m.state === 'stable' && m.memberEpoch === targetEpoch && tpEquals(m.assigned, target)) {
    return;
  }
  const keep: TopicPartitions = new Map();
  const revoke: TopicPartitions = new Map();
  for (const [t, s] of m.assigned) {
    for (const p of s) {
      const into = tpHas(target, t, p) ? keep : revoke;
      if (!into.has(t)) into.set(t, new Set());
      into.get(t)!.add(p);
    }
  }
  if (revoke.size > 0) {
    m.assigned = keep;
    m.pendingRevocation = revoke;
    m.state = 'unrevoked_partitions';
    return;
  }
  let unreleased = false;
  const next = copyTp(keep);
  for (const [t, s] of target) {
    for (const p of s) {
      if (tpHas(next, t, p)) continue;
      if (ownedByOthers(t, p)) {
        unreleased = true;
        continue;
      }
      if (!next.has(t)) next.set(t, new Set());
      next.get(t)!.add(p);
    }
  }
  m.assigned = next;
  if (m.memberEpoch !== targetEpoch) {
    m.previousMemberEpoch = m.memberEpoch;
    m.memberEpoch = targetEpoch;
  }
  m.state = unreleased ? 'unreleased_partitions' : 'stable';
}
