// The share group assignor ("simple", as Kafka's SimpleAssignor): balance over stickiness, since a share group
// has no revocation step and records, not partitions, are owned. Per topic, over the members subscribed to it:
// with no more members than partitions each partition goes to one member, spread evenly; with more members than
// partitions each member gets one partition and each partition is shared by ceil or floor(members / partitions).

/** topic id -> partitions */
export type Assignment = Map<string, number[]>;

/** `assignable`: topic id -> the partitions that may be assigned (Kafka: those whose share state is initialized). */
export function simpleAssign(members: { memberId: string; topicIds: string[] }[], assignable: Map<string, number[]>): Map<string, Assignment> {
  const out = new Map<string, Assignment>(members.map((m) => [m.memberId, new Map()]));
  // Where the next topic's round starts, so that members get the remainders of different topics in turn.
  let rotation = 0;
  for (const topicId of [...assignable.keys()].sort()) {
    const subscribers = members.filter((m) => m.topicIds.includes(topicId)).map((m) => m.memberId).sort();
    const parts = assignable.get(topicId)!;
    const n = parts.length;
    if (subscribers.length === 0 || n === 0) continue;
    const give = (memberId: string, i: number) => {
      const a = out.get(memberId)!;
      const ps = a.get(topicId) ?? [];
      ps.push(parts[i]);
      a.set(topicId, ps);
    };
    if (subscribers.length <= n) {
      for (let p = 0; p < n; p++) give(subscribers[(p + rotation) % subscribers.length], p);
      rotation += n;
    } else {
      subscribers.forEach((id, i) => give(id, (i + rotation) % n));
      rotation += subscribers.length;
    }
  }
  for (const a of out.values()) for (const ps of a.values()) ps.sort((x, y) => x - y);
  return out;
}
