// DeleteRecords (key 21): moves a partition's log start offset forward (offset -1 = the high watermark) and
// answers with the new low watermark. Offsets past the high watermark are out of range, as in Kafka.
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import type {
  DeleteRecordsRequest,
  DeleteRecordsResponse,
  DeleteRecordsResponseDeleteRecordsPartitionResult,
} from '../protocol/generated/delete-records.js';
import type { Input } from '../protocol/primitives.js';
import { topicAllowed } from './admin-acl.js';
import { defineHandler } from './context.js';
import { leaderError, toError } from './util.js';

type PartOut = Input<DeleteRecordsResponseDeleteRecordsPartitionResult>;

export default defineHandler<DeleteRecordsRequest>({
  apiKey: 21,
  async handle(ctx, req): Promise<Input<DeleteRecordsResponse>> {
    const topics = [];
    for (const t of req.topics) {
      const topic = ctx.cluster.topics.get(t.name);
      const partitions: PartOut[] = [];
      for (const rp of t.partitions) {
        const out: PartOut = { partitionIndex: rp.partitionIndex, lowWatermark: -1 };
        if (!topicAllowed(ctx, 'DELETE', t.name)) {
          partitions.push({ ...out, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED });
          continue;
        }
        const p = topic?.partitions[rp.partitionIndex];
        if (!topic || !p) {
          partitions.push({ ...out, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION });
          continue;
        }
        const lerr = leaderError(ctx, p);
        if (lerr) {
          partitions.push({ ...out, errorCode: lerr });
          continue;
        }
        try {
          // Compacted-only topics keep their records (Kafka's Partition.deleteRecordsOnLeader).
          if (!topic.hasCleanupPolicy('delete')) {
            throw new KafkaError('POLICY_VIOLATION', `Records of partition ${t.name}-${p.index} can not be deleted due to the configured policy`);
          }
          const offset = rp.offset === -1 ? p.highWatermark : rp.offset;
          if (offset < 0) throw new KafkaError('OFFSET_OUT_OF_RANGE', `The offset ${offset} for partition ${t.name}-${p.index} is not valid`);
          if (offset > p.highWatermark) {
            throw new KafkaError('OFFSET_OUT_OF_RANGE', `Cannot increment the log start offset to ${offset} of partition ${t.name}-${p.index} since it is larger than the high watermark ${p.highWatermark}`);
          }
          if (offset > p.logStartOffset) await p.log.deleteRecordsBefore(offset);
          partitions.push({ ...out, errorCode: ErrorCode.NONE, lowWatermark: p.logStartOffset });
        } catch (e) {
          partitions.push({ ...out, errorCode: toError(e, ctx).errorCode });
        }
      }
      topics.push({ name: t.name, partitions });
    }
    return { throttleTimeMs: 0, topics };
  },
});
