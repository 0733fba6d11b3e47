// Server-side assignors of KIP-848 consumer groups: "uniform" (balanced and sticky, Kafka's default) and
// "range" (contiguous ranges per topic, co-partitioned topics line up). Partitions are keyed by topic id.

/** topicId -> partitions. */
export type TopicPartitions = Map<string, Set<number>>;

export interface AssignorMember {
  memberId: string;
  /** Topic ids the member subscribes to (only topics that exist). */
  topics: Set<string>;
  /** The member's target assignment before this run, for stickiness. */
  current: TopicPartitions;
}

export interface AssignorInput {
  members: AssignorMember[];
  /** topicId -> partition count, for every subscribed topic that exists. */
  partitionCounts: Map<string, number>;
}

export type Assignor = (input: AssignorInput) => Map<string, TopicPartitions>;

function add(tp: TopicPartitions, topicId: string, p: number): void {
  let s = tp.get(topicId);
  if (!s) tp.set(topicId, (s = new Set()));
  s.add(p);
}

function emptyResult(members: AssignorMember[]): Map<string, TopicPartitions> {
  return new Map(members.map((m) => [m.memberId, new Map()]));
}

/**
 * Uniform: every member ends up with the same number of partitions (±1 among members that could take
 * them), keeping partitions where they are whenever that does not break the balance.
 */
export const uniformAssignor: Assignor = ({ members, partitionCounts }) => {
  const out = emptyResult(members);
  const counts = new Map(members.map((m) => [m.memberId, 0]));
  const partitions: [string, number][] = [];
  for (const [topicId, n] of [...partitionCounts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    for (let p = 0; p < n; p++) partitions.push([topicId, p]);
  }
  const eligible = (topicId: string) => members.filter((m) => m.topics.has(topicId));
  // Members that could share a partition: the balance target is the average over those subscribers.
  const quota = (m: AssignorMember) => {
    let total = 0;
    for (const t of m.topics) total += partitionCounts.get(t) ?? 0;
    const sharers = members.filter((o) => [...o.topics].some((t) => m.topics.has(t))).length;
    return Math.ceil(total / Math.max(1, sharers));
  };
  const quotas = new Map(members.map((m) => [m.memberId, quota(m)]));
  const owner = new Map<string, string>();
  const key = (t: string, p: number) => `${t}:${p}`;
  // 1. stickiness: keep current partitions up to the member's quota.
  for (const m of [...members].sort((a, b) => (a.memberId < b.memberId ? -1 : 1))) {
    for (const [topicId, parts] of m.current) {
      if (!m.topics.has(topicId)) continue;
      for (const p of [...parts].sort((a, b) => a - b)) {
        if (p >= (partitionCounts.get(topicId) ?? 0) || owner.has(key(topicId, p))) continue;
        if (counts.get(m.memberId)! >= quotas.get(m.memberId)!) break;
        owner.set(key(topicId, p), m.memberId);
        counts.set(m.memberId, counts.get(m.memberId)! + 1);
      }
    }
  }
  // 2. the rest to the least loaded eligible member.
  for (const [topicId, p] of partitions) {
    if (owner.has(key(topicId, p))) continue;
    const cands = eligible(topicId);
    if (cands.length === 0) continue;
    cands.sort((a, b) => counts.get(a.memberId)! - counts.get(b.memberId)! || (a.memberId < b.memberId ? -1 : 1));
    owner.set(key(topicId, p), cands[0].memberId);
    counts.set(cands[0].memberId, counts.get(cands[0].memberId)! + 1);
  }
  // 3. balance: move partitions from members with two or more above an eligible member.
  for (let moved = true, guard = 0; moved && guard < partitions.length * 2; guard++) {
    moved = false;
    for (const [k, from] of owner) {
      const topicId = k.slice(0, k.lastIndexOf(':'));
      const to = eligible(topicId).find((c) => counts.get(c.memberId)! + 1 < counts.get(from)!);
      if (!to) continue;
      owner.set(k, to.memberId);
      counts.set(from, counts.get(from)! - 1);
      counts.set(to.memberId, counts.get(to.memberId)! + 1);
      moved = true;
    }
  }
  for (const [k, memberId] of owner) {
    const i = k.lastIndexOf(':');
    add(out.get(memberId)!, k.slice(0, i), Number(k.slice(i + 1)));
  }
  return out;
};

/** Range: per topic, subscribers sorted by member id get contiguous ranges, the first ones one extra. */
export const rangeAssignor: Assignor = ({ members, partitionCounts }) => {
  const out = emptyResult(members);
  for (const [topicId, n] of partitionCounts) {
    const subs = members.filter((m) => m.topics.has(topicId)).map((m) => m.memberId).sort();
    if (subs.length === 0) continue;
    const per = Math.floor(n / subs.length);
    const extra = n % subs.length;
    let next = 0;
    subs.forEach((memberId, i) => {
      const take = per + (i < extra ? 1 : 0);
      for (let p = next; p < next + take; p++) add(out.get(memberId)!, topicId, p);
      next += take;
    });
  }
  return out;
};

export const ASSIGNORS: Record<string, Assignor> = { uniform: uniformAssignor, range: rangeAssignor };
