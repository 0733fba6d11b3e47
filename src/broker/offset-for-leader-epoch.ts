// OffsetForLeaderEpoch (key 23): the end offset of a leader epoch, for consumers checking for log truncation
// and followers truncating after a leader change (Kafka's LeaderEpochFileCache.endOffsetFor).
import type { Partition } from '../cluster/cluster.js';
import { ErrorCode } from '../protocol/errors.js';
import type {
  OffsetForLeaderEpochRequest,
  OffsetForLeaderEpochResponse,
  OffsetForLeaderEpochResponseEpochEndOffset,
} from '../protocol/generated/offset-for-leader-epoch.js';
import type { Input } from '../protocol/primitives.js';
import { clusterAllowed, topicAllowed } from './admin-acl.js';
import { defineHandler } from './context.js';
import { leaderError } from './util.js';

type PartOut = Input<OffsetForLeaderEpochResponseEpochEndOffset>;

/** [epoch, end offset] for a requested epoch: the next epoch's start offset, or the LEO for the latest one. */
export function endOffsetFor(p: Partition, requested: number): [number, number] {
  const history = p.epochStarts?.length ? p.epochStarts : [{ epoch: p.leaderEpoch, startOffset: p.logStartOffset }];
  const latest = history[history.length - 1];
  if (requested < 0) return [-1, -1];
  if (requested === latest.epoch || requested === p.leaderEpoch) return [requested, p.log.logEndOffset];
  const higher = history.find((e) => e.epoch > requested);
  if (!higher) return [-1, -1];
  const floor = [...history].reverse().find((e) => e.epoch <= requested);
  // Before any known epoch: the data is gone, so point at the first epoch we know.
  return floor ? [floor.epoch, higher.startOffset] : [requested, higher.startOffset];
}

export default defineHandler<OffsetForLeaderEpochRequest>({
  apiKey: 23,
  handle(ctx, req): Input<OffsetForLeaderEpochResponse> {
    const v = ctx.apiVersion;
    // Followers need CLUSTER_ACTION; consumers checking for truncation need DESCRIBE on the topic.
    const replica = clusterAllowed(ctx, 'CLUSTER_ACTION');
    const topics = req.topics.map((t) => {
      const topic = ctx.cluster.topics.get(t.topic);
      const authorized = replica || topicAllowed(ctx, 'DESCRIBE', t.topic);
      const partitions: PartOut[] = t.partitions.map((rp) => {
        const out: PartOut = { partition: rp.partition, leaderEpoch: -1, endOffset: -1 };
        if (!authorized) return { ...out, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED };
        const p = topic?.partitions[rp.partition];
        if (!topic || !p) return { ...out, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
        const lerr = leaderError(ctx, p);
        if (lerr) return { ...out, errorCode: lerr };
        if (v >= 2 && rp.currentLeaderEpoch >= 0 && rp.currentLeaderEpoch !== p.leaderEpoch) {
          return { ...out, errorCode: rp.currentLeaderEpoch < p.leaderEpoch ? ErrorCode.FENCED_LEADER_EPOCH : ErrorCode.UNKNOWN_LEADER_EPOCH };
        }
        const [leaderEpoch, endOffset] = endOffsetFor(p, rp.leaderEpoch);
        return { ...out, errorCode: ErrorCode.NONE, leaderEpoch, endOffset };
      });
      return { topic: t.topic, partitions };
    });
    return { throttleTimeMs: 0, topics };
  },
});
