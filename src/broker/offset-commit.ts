// OffsetCommit (key 8): committed positions of a group. Members are checked against the group's generation
// (or KIP-848 member epoch); generation -1 with no member id is a "simple" commit, accepted while the group
// is empty and creating it when it does not exist. v10 names topics by id.
import type { OffsetAndMetadata } from '../coordinator/group/group.js';
import { coordinatorCheck, GROUP_READ, groupAllowed, groupService } from '../coordinator/group/request-util.js';
import { ClassicGroup } from '../coordinator/group/classic-group.js';
import { ErrorCode } from '../protocol/errors.js';
import type { OffsetCommitRequest, OffsetCommitResponse, OffsetCommitResponseOffsetCommitResponseTopic } from '../protocol/generated/offset-commit.js';
import type { Input } from '../protocol/primitives.js';
import { defineHandler } from './context.js';
import { toError } from './util.js';

type TopicOut = Input<OffsetCommitResponseOffsetCommitResponseTopic> & { partitions: { partitionIndex: number; errorCode: number }[] };

export default defineHandler<OffsetCommitRequest>({
  apiKey: 8,
  // v10 (topic ids) is implemented, but Kafka 4.1 marks it unstable, so like Kafka we neither advertise nor accept it.
  async handle(ctx, req): Promise<Input<OffsetCommitResponse>> {
    const v = ctx.apiVersion;
    const byId = v >= 10;
    const out: TopicOut[] = [];
    // Entries that passed the topic checks, waiting for the group checks.
    const valid: { topic: string; partition: number; req: OffsetCommitRequest['topics'][number]['partitions'][number]; out: { errorCode: number } }[] = [];
    for (const t of req.topics) {
      const topic = byId ? ctx.cluster.topicsById.get(t.topicId) : ctx.cluster.topics.get(t.name);
      const to: TopicOut = byId ? { topicId: t.topicId, partitions: [] } : { name: t.name, partitions: [] };
      out.push(to);
      for (const p of t.partitions) {
        const po = { partitionIndex: p.partitionIndex, errorCode: ErrorCode.NONE as number };
        to.partitions.push(po);
        if (!topic) po.errorCode = byId ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        else if (ctx.services.acl?.canReadTopic && !ctx.services.acl.canReadTopic(ctx, topic.name)) po.errorCode = ErrorCode.TOPIC_AUTHORIZATION_FAILED;
        else if (!topic.partitions[p.partitionIndex]) po.errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        else valid.push({ topic: topic.name, partition: p.partitionIndex, req: p, out: po });
      }
    }
    const failAll = (code: number) => {
      for (const e of valid) e.out.errorCode = code;
      return { throttleTimeMs: 0, topics: out };
    };
    if (!groupAllowed(ctx, GROUP_READ, req.groupId)) return failAll(ErrorCode.GROUP_AUTHORIZATION_FAILED);
    const err = coordinatorCheck(ctx, req.groupId);
    if (err) return failAll(err);
    if (!req.groupId) return failAll(ErrorCode.INVALID_GROUP_ID);
    const groups = groupService(ctx)!;
    const generation = v >= 1 ? req.generationIdOrMemberEpoch : -1;
    const memberId = v >= 1 ? req.memberId : '';
    const instanceId = v >= 7 ? req.groupInstanceId : null;
    let group;
    try {
      group = groups.groupForCommit(req.groupId, memberId, instanceId, generation, false, v);
    } catch (e) {
      return failAll(toError(e, ctx).errorCode);
    }
    // In the classic protocol a commit also counts as a sign of life of the member.
    if (group instanceof ClassicGroup && memberId) group.touchMember(memberId);
    const now = Date.now();
    const maxMetadata = ctx.cluster.config.int('offset.metadata.max.bytes');
    const entries: { topic: string; partition: number; offset: OffsetAndMetadata }[] = [];
    for (const e of valid) {
      const metadata = e.req.committedMetadata ?? '';
      if (metadata.length > maxMetadata) {
        e.out.errorCode = ErrorCode.OFFSET_METADATA_TOO_LARGE;
        continue;
      }
      const offset: OffsetAndMetadata = {
        offset: e.req.committedOffset,
        leaderEpoch: v >= 6 ? e.req.committedLeaderEpoch : -1,
        metadata,
        commitTimestamp: v === 1 && e.req.commitTimestamp >= 0 ? e.req.commitTimestamp : now,
      };
      // v2-v4 may ask for a retention other than offsets.retention.minutes.
      if (v >= 2 && v <= 4 && req.retentionTimeMs >= 0) offset.expireTimestamp = now + req.retentionTimeMs;
      entries.push({ topic: e.topic, partition: e.partition, offset });
    }
    try {
      if (entries.length > 0) await groups.writeOffsets(group, entries);
    } catch (e) {
      const code = toError(e, ctx).errorCode;
      for (const x of valid) if (x.out.errorCode === ErrorCode.NONE) x.out.errorCode = code;
    }
    return { throttleTimeMs: 0, topics: out };
  },
});
