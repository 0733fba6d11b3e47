// Produce (key 0): validate each partition's batch, apply idempotence/transaction checks, append, and
// answer once the acks level is satisfied (acks=0: no response at all).
import type { Partition, Topic } from '../cluster/cluster.js';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import type { ProduceRequest, ProduceResponse, ProduceResponseTopicProduceResponse } from '../protocol/generated/produce.js';
import type { Input } from '../protocol/primitives.js';
import { Compression, decodeBatches, detectMagic, encodeBatch, RecordError, setLogAppendTime, upConvertMessageSet, validateBatch, type BatchHeader } from '../protocol/records/index.js';
import { defineHandler, NO_RESPONSE, type RequestContext } from './context.js';
import { autoCreate } from './metadata.js';
import { leaderError, toError } from './util.js';

type PartitionOut = Input<ProduceResponseTopicProduceResponse>['partitionResponses'] extends (infer U)[] | undefined ? U : never;

interface AppendOutcome {
  baseOffset: number;
  logAppendTime: number;
}

/** Optional idempotence/transaction hooks (the transaction coordinator installs them as services.producers). */
export interface ProducerStateHooks {
  /** Throws KafkaError for fencing/sequence errors; returns the earlier result for a duplicate batch. */
  check(ctx: RequestContext, p: Partition, h: BatchHeader, transactionalId: string | null): AppendOutcome | undefined;
  /** Records the appended batch (sequence, open transaction). */
  appended(p: Partition, h: BatchHeader, out: AppendOutcome): void;
}

async function toBatch(ctx: RequestContext, records: Buffer): Promise<{ batch: Buffer; header: BatchHeader }> {
  if (records.length < 17) throw new KafkaError('CORRUPT_MESSAGE', 'Record batch is too short');
  if (detectMagic(records) < 2) {
    if (ctx.apiVersion >= 3) throw new KafkaError('INVALID_RECORD', `Produce requests with version ${ctx.apiVersion} are only allowed to contain record batches with magic version 2`);
    // Kafka 3.x stores every message in format v2: old message sets are converted on the way in.
    const converted = await upConvertMessageSet(records);
    // Produce v0-2 is below v7, so a zstd wrapper message is refused like a zstd batch (Kafka's
    // ProduceRequest.validateRecords); Sarama 1.22 at its default V0_8_2_0 sends one.
    if (converted.header.compression === Compression.Zstd) {
      throw new KafkaError('UNSUPPORTED_COMPRESSION_TYPE', `Produce requests with version ${ctx.apiVersion} are not allowed to use ZStandard compression`);
    }
    return converted;
  }
  const header = validateBatch(records);
  // zstd needs Produce v7+ (KIP-110); older clients cannot have negotiated it.
  if (header.compression === Compression.Zstd && ctx.apiVersion < 7) {
    throw new KafkaError('UNSUPPORTED_COMPRESSION_TYPE', 'Produce requests below version 7 cannot use zstd compression');
  }
  if (header.isControl) throw new KafkaError('INVALID_RECORD', 'Clients may not produce control batches');
  return { batch: records, header };
}

const TOPIC_CODECS: Record<string, Compression> = {
  uncompressed: Compression.None,
  gzip: Compression.Gzip,
  snappy: Compression.Snappy,
  lz4: Compression.Lz4,
  zstd: Compression.Zstd,
};

/**
 * A topic with `compression.type` other than `producer` stores batches in that codec: Kafka recompresses what
 * arrives differently (keeping records, timestamps, headers and producer fields).
 */
async function applyTopicCompression(topic: Topic, batch: Buffer, header: BatchHeader): Promise<{ batch: Buffer; header: BatchHeader }> {
  const want = TOPIC_CODECS[topic.config('compression.type') ?? 'producer'];
  if (want === undefined || want === header.compression) return { batch, header };
  const [decoded] = await decodeBatches(batch);
  const out = await encodeBatch(decoded.records, {
    compression: want,
    producerId: header.producerId,
    producerEpoch: header.producerEpoch,
    baseSequence: header.baseSequence,
    isTransactional: header.isTransactional,
    partitionLeaderEpoch: header.partitionLeaderEpoch,
    timestampType: header.timestampType,
  });
  return { batch: out, header: validateBatch(out) };
}

const NO_LIMIT = 9223372036854775807;

/**
 * CreateTime topics reject records whose timestamp is too far from the broker's clock
 * (message.timestamp.before/after.max.ms; the deprecated difference.max.ms bounds both). Kafka answers
 * INVALID_TIMESTAMP with the index of every offending record. Decodes records only when a bound is set.
 */
async function checkTimestamps(topic: Topic, batch: Buffer, header: BatchHeader): Promise<void> {
  if (header.timestampType !== 0 || topic.config('message.timestamp.type') !== 'CreateTime') return;
  const diff = topic.configNumber('message.timestamp.difference.max.ms');
  const before = Math.min(topic.configNumber('message.timestamp.before.max.ms'), diff);
  const after = Math.min(topic.configNumber('message.timestamp.after.max.ms'), diff);
  if (before >= NO_LIMIT && after >= NO_LIMIT) return;
  const now = Date.now();
  const [decoded] = await decodeBatches(batch);
  const bad = decoded.records.flatMap((r, i) => (r.timestamp < now - before || r.timestamp > now + after ? [{ i, ts: r.timestamp }] : []));
  if (bad.length > 0) throw new TimestampError(bad.map(({ i, ts }) => ({
    batchIndex: i,
    batchIndexErrorMessage: `Timestamp ${ts} of message with offset ${i} is out of range. The timestamp should be within [${now - before}, ${now + after}]`,
  })));
}

class TimestampError extends KafkaError {
  constructor(readonly recordErrors: { batchIndex: number; batchIndexErrorMessage: string }[]) {
    super('INVALID_TIMESTAMP', 'One or more records have been rejected due to invalid timestamp');
  }
}

async function appendPartition(ctx: RequestContext, topic: Topic, index: number, records: Buffer | null, acks: number, transactionalId: string | null): Promise<PartitionOut> {
  const base = { index, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1 };
  const p = topic.partitions[index];
  if (!p) return { ...base, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
  const lerr = leaderError(ctx, p);
  if (lerr) return { ...base, errorCode: lerr };
  try {
    if (!records || records.length === 0) throw new KafkaError('INVALID_RECORD', 'Produce request contained no records');
    const maxBytes = topic.configNumber('max.message.bytes');
    if (records.length > maxBytes + 12) {
      throw new KafkaError('MESSAGE_TOO_LARGE', `The record batch size in the append to ${topic.name}-${index} is ${records.length} bytes which exceeds the maximum configured value of ${maxBytes}.`);
    }
    const received = await toBatch(ctx, records);
    await checkTimestamps(topic, received.batch, received.header);
    const { batch, header } = await applyTopicCompression(topic, received.batch, received.header);
    if (acks === -1 && p.isr.length < topic.configNumber('min.insync.replicas')) {
      throw new KafkaError('NOT_ENOUGH_REPLICAS', `The size of the current ISR ${JSON.stringify(p.isr)} is insufficient to satisfy the min.isr requirement of ${topic.config('min.insync.replicas')} for partition ${topic.name}-${index}`);
    }
    const hooks: ProducerStateHooks | undefined = ctx.services.producers;
    const dup = hooks?.check(ctx, p, header, transactionalId);
    if (dup) return { ...base, errorCode: ErrorCode.NONE, baseOffset: dup.baseOffset, logAppendTimeMs: dup.logAppendTime, logStartOffset: p.logStartOffset };
    let logAppendTime = -1;
    let maxTimestamp = header.maxTimestamp;
    if (topic.config('message.timestamp.type') === 'LogAppendTime' && !header.isControl) {
      logAppendTime = Date.now();
      setLogAppendTime(batch, logAppendTime);
      maxTimestamp = logAppendTime;
    }
    const appended = p.log.append(batch, { lastOffsetDelta: header.lastOffsetDelta, maxTimestamp });
    const baseOffset = await appended;
    const out = { baseOffset, logAppendTime };
    hooks?.appended(p, header, out);
    const replication = ctx.services.replication;
    if (replication) await replication.afterAppend(p, acks);
    else p.advanceHighWatermark(p.log.logEndOffset);
    return { ...base, errorCode: ErrorCode.NONE, baseOffset, logAppendTimeMs: logAppendTime, logStartOffset: p.logStartOffset };
  } catch (e) {
    if (e instanceof RecordError) return { ...base, errorCode: e.errorCode, errorMessage: e.message };
    if (e instanceof TimestampError) return { ...base, errorCode: e.code, errorMessage: e.message, recordErrors: e.recordErrors };
    const err = toError(e, ctx);
    return { ...base, errorCode: err.errorCode, errorMessage: err.errorMessage };
  }
}

export default defineHandler<ProduceRequest>({
  apiKey: 0,
  async handle(ctx, req): Promise<Input<ProduceResponse> | typeof NO_RESPONSE> {
    const { acks } = req;
    const byId = ctx.apiVersion >= 13;
    const responses: Input<ProduceResponseTopicProduceResponse>[] = [];
    const work: Promise<void>[] = [];
    for (const td of req.topicData) {
      let topic = byId ? ctx.cluster.topicsById.get(td.topicId) : ctx.cluster.topics.get(td.name);
      if (!topic && !byId) topic = await autoCreate(ctx, td.name).catch(() => undefined);
      const partitionResponses: PartitionOut[] = [];
      responses.push({ name: td.name, topicId: td.topicId, partitionResponses });
      for (const pd of td.partitionData) {
        if (acks !== 0 && acks !== 1 && acks !== -1) {
          partitionResponses.push({ index: pd.index, errorCode: ErrorCode.INVALID_REQUIRED_ACKS, baseOffset: -1 });
        } else if (!topic) {
          partitionResponses.push({ index: pd.index, errorCode: byId ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, baseOffset: -1 });
        } else if (ctx.services.acl?.canWriteTopic && !ctx.services.acl.canWriteTopic(ctx, topic.name)) {
          partitionResponses.push({ index: pd.index, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, baseOffset: -1 });
        } else {
          const slot = partitionResponses.length;
          partitionResponses.push({ index: pd.index, errorCode: ErrorCode.NONE });
          const t = topic;
          work.push(appendPartition(ctx, t, pd.index, pd.records, acks, req.transactionalId).then((r) => { partitionResponses[slot] = r; }));
        }
      }
    }
    await Promise.all(work);
    if (acks === 0) return NO_RESPONSE;
    return { responses, throttleTimeMs: 0 };
  },
});
