// ListOffsets (key 2): earliest (-2), latest (-1, the LSO for read_committed), max timestamp (-3),
// earliest-local (-4), latest-tiered (-5), or the first offset at/after a timestamp.
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import type { ListOffsetsRequest, ListOffsetsResponse, ListOffsetsResponseListOffsetsPartitionResponse } from '../protocol/generated/list-offsets.js';
import type { Input } from '../protocol/primitives.js';
import { decodeBatches } from '../protocol/records/index.js';
import type { PartitionLog, TimestampLookup } from '../storage/types.js';
import { defineHandler } from './context.js';
import { leaderError } from './util.js';

type PartOut = Input<ListOffsetsResponseListOffsetsPartitionResponse>;

/**
 * The first record of the batch holding `offset` that `match`es, decoded here (one batch, only for timestamp
 * lookups): the engines index batches, Kafka answers with records. Null when none matches or the batch is unreadable.
 */
async function recordInBatch(log: PartitionLog, offset: number, match: (r: { offset: number; timestamp: number }) => boolean): Promise<TimestampLookup | null> {
  const { chunks } = await log.read(offset, 1);
  if (chunks.length === 0) return null;
  try {
    for (const batch of await decodeBatches(chunks[0])) {
      for (const r of batch.records) if (match(r)) return { offset: r.offset, timestamp: r.timestamp };
    }
  } catch {
    // An unreadable batch still has a usable batch-level answer.
  }
  return null;
}

/** The first record whose timestamp reaches `ts`: the engines find its batch (first with a max timestamp >= ts). */
async function exactOffsetForTimestamp(log: PartitionLog, ts: number): Promise<TimestampLookup | null> {
  const found = await log.offsetForTimestamp(ts);
  if (!found) return null;
  return (await recordInBatch(log, found.offset, (r) => r.offset >= found.offset && r.timestamp >= ts)) ?? found;
}

/**
 * The record with the largest timestamp (the first such): the engines know its batch, Kafka 3.8+ (KAFKA-16310)
 * answers with the record's own offset, not the batch's last.
 */
async function offsetOfMaxTimestamp(log: PartitionLog): Promise<TimestampLookup | null> {
  const max = log.maxTimestamp();
  if (!max) return null;
  return (await recordInBatch(log, max.offset, (r) => r.offset >= log.logStartOffset && r.timestamp === max.timestamp)) ?? max;
}

export default defineHandler<ListOffsetsRequest>({
  apiKey: 2,
  async handle(ctx, req): Promise<Input<ListOffsetsResponse>> {
    const v = ctx.apiVersion;
    const topics = [];
    for (const t of req.topics) {
      const topic = ctx.cluster.topics.get(t.name);
      const partitions: PartOut[] = [];
      for (const rp of t.partitions) {
        const out: PartOut = { partitionIndex: rp.partitionIndex, timestamp: -1, offset: -1, leaderEpoch: -1, oldStyleOffsets: [] };
        const p = topic?.partitions[rp.partitionIndex];
        if (!topic || !p) {
          partitions.push({ ...out, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION });
          continue;
        }
        if (ctx.services.acl?.canDescribeTopic && !ctx.services.acl.canDescribeTopic(ctx, topic.name)) {
          partitions.push({ ...out, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED });
          continue;
        }
        // Followers may answer only for replica requests (replicaId >= 0), as in Kafka.
        const lerr = leaderError(ctx, p);
        if (lerr && req.replicaId < 0) {
          partitions.push({ ...out, errorCode: lerr });
          continue;
        }
        if (rp.currentLeaderEpoch >= 0 && rp.currentLeaderEpoch !== p.leaderEpoch) {
          partitions.push({ ...out, errorCode: rp.currentLeaderEpoch < p.leaderEpoch ? ErrorCode.FENCED_LEADER_EPOCH : ErrorCode.UNKNOWN_LEADER_EPOCH });
          continue;
        }
        const latest = v >= 2 && req.isolationLevel === 1 ? p.lastStableOffset() : p.highWatermark;
        let offset = -1;
        let timestamp = -1;
        switch (rp.timestamp) {
          case -1: case -5: offset = latest; break;
          case -2: case -4: offset = p.logStartOffset; break;
          default: {
            let found: TimestampLookup | null;
            try {
              found = rp.timestamp === -3 ? await offsetOfMaxTimestamp(p.log) : await exactOffsetForTimestamp(p.log, rp.timestamp);
            } catch (e) {
              // The log closed under the lookup (its topic deleted meanwhile): a per-partition error, as Kafka answers.
              if (!(e instanceof KafkaError)) throw e;
              partitions.push({ ...out, errorCode: e.code });
              continue;
            }
            if (found && found.offset < latest) ({ offset, timestamp } = found);
          }
        }
        const res: PartOut = { ...out, errorCode: ErrorCode.NONE, offset, timestamp, leaderEpoch: p.leaderEpoch };
        if (v === 0) res.oldStyleOffsets = offset >= 0 ? [offset].slice(0, Math.max(rp.maxNumOffsets, 0)) : [];
        partitions.push(res);
      }
      topics.push({ name: t.name, partitions });
    }
    return { throttleTimeMs: 0, topics };
  },
});
