// OffsetFetch (key 9): committed offsets of one group (v0-v7) or several (v8+); null topics = every
// partition with an offset (v2+). require_stable (v7+) answers UNSTABLE_OFFSET_COMMIT for partitions with
// offsets pending in an open transaction. v9 checks the KIP-848 member epoch; v10 names topics by id.
import type { GroupBase } from '../coordinator/group/group.js';
import { coordinatorCheck, GROUP_DESCRIBE, groupAllowed, groupService } from '../coordinator/group/request-util.js';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import type { OffsetFetchRequest, OffsetFetchResponse } from '../protocol/generated/offset-fetch.js';
import type { Input } from '../protocol/primitives.js';
import { ZERO_UUID } from '../protocol/primitives.js';
import { defineHandler, type RequestContext } from './context.js';
import { toError } from './util.js';

interface PartOut { partitionIndex: number; committedOffset: number; committedLeaderEpoch: number; metadata: string | null; errorCode: number }
interface TopicOut { name: string; topicId: string; partitions: PartOut[] }
interface GroupQuery { groupId: string; memberId: string | null; memberEpoch: number; topics: { name: string; topicId?: string; partitionIndexes: number[] }[] | null }
interface GroupOut { groupId: string; errorCode: number; topics: TopicOut[] }

function fetchGroup(ctx: RequestContext, q: GroupQuery, requireStable: boolean, byId: boolean): GroupOut {
  const fail = (errorCode: number): GroupOut => ({ groupId: q.groupId, errorCode, topics: [] });
  if (!groupAllowed(ctx, GROUP_DESCRIBE, q.groupId)) return fail(ErrorCode.GROUP_AUTHORIZATION_FAILED);
  const err = coordinatorCheck(ctx, q.groupId);
  if (err) return fail(err);
  if (!q.groupId) return fail(ErrorCode.INVALID_GROUP_ID);
  const groups = groupService(ctx)!;
  let group: GroupBase | undefined = groups.group(q.groupId);
  try {
    group?.validateOffsetFetch(q.memberId, q.memberEpoch);
  } catch (e) {
    // An unknown group simply has no offsets; member/epoch errors fail the whole group.
    if (e instanceof KafkaError && e.errorName === 'GROUP_ID_NOT_FOUND') group = undefined;
    else return fail(toError(e, ctx).errorCode);
  }
  const canSee = (topic: string) => ctx.services.acl?.canDescribeTopic ? ctx.services.acl.canDescribeTopic(ctx, topic) : true;
  const part = (topic: string, p: number): PartOut => {
    if (!canSee(topic)) return { partitionIndex: p, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED };
    if (requireStable && groups.hasPendingTxnOffsets(q.groupId, topic, p)) {
      return { partitionIndex: p, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT };
    }
    const o = group?.offset(topic, p);
    return o
      ? { partitionIndex: p, committedOffset: o.offset, committedLeaderEpoch: o.leaderEpoch, metadata: o.metadata, errorCode: ErrorCode.NONE }
      : { partitionIndex: p, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.NONE };
  };
  const topics: TopicOut[] = [];
  if (q.topics === null) {
    for (const [name, parts] of group?.offsets ?? []) {
      const topicId = ctx.cluster.topics.get(name)?.id;
      if ((byId && !topicId) || !canSee(name)) continue;
      topics.push({ name, topicId: topicId ?? ZERO_UUID, partitions: [...parts.keys()].sort((a, b) => a - b).map((p) => part(name, p)) });
    }
  } else {
    for (const t of q.topics) {
      if (byId) {
        const name = ctx.cluster.topicsById.get(t.topicId ?? '')?.name;
        topics.push({
          name: name ?? '',
          topicId: t.topicId ?? ZERO_UUID,
          partitions: t.partitionIndexes.map((p) => (name ? part(name, p) : { partitionIndex: p, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.UNKNOWN_TOPIC_ID })),
        });
      } else topics.push({ name: t.name, topicId: ZERO_UUID, partitions: t.partitionIndexes.map((p) => part(t.name, p)) });
    }
  }
  return { groupId: q.groupId, errorCode: ErrorCode.NONE, topics };
}

export default defineHandler<OffsetFetchRequest>({
  apiKey: 9,
  // v10 (topic ids) is implemented, but Kafka 4.1 marks it unstable, so like Kafka we neither advertise nor accept it.
  handle(ctx, req): Input<OffsetFetchResponse> {
    const v = ctx.apiVersion;
    const requireStable = v >= 7 && req.requireStable;
    if (v >= 8) {
      return {
        throttleTimeMs: 0,
        groups: req.groups.map((g) => fetchGroup(ctx, { groupId: g.groupId, memberId: v >= 9 ? g.memberId : null, memberEpoch: v >= 9 ? g.memberEpoch : -1, topics: g.topics }, requireStable, v >= 10)),
      };
    }
    const topics = v >= 2 ? req.topics : (req.topics ?? []);
    const r = fetchGroup(ctx, { groupId: req.groupId, memberId: null, memberEpoch: -1, topics }, requireStable, false);
    if (v >= 2) return { throttleTimeMs: 0, errorCode: r.errorCode, topics: r.topics };
    // v0-v1 have no top-level error: a group error is reported on every requested partition.
    if (r.errorCode) {
      return {
        topics: (req.topics ?? []).map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((p) => ({ partitionIndex: p, committedOffset: -1, metadata: '', errorCode: r.errorCode })) })),
      };
    }
    return { topics: r.topics };
  },
});
