// Produce (key 0): validate each partition's batch, apply idempotence/transaction checks, append, and
// answer once the acks level is satisfied (acks=0: no response at all).
import type { Partition, Topic } from '../cluster/cluster.js';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import type { ProduceRequest, ProduceResponse, ProduceResponseTopicProduceResponse } from '../protocol/generated/produce.js';
import type { Input } from '../protocol/primitives.js';
import { RecordError, setLogAppendTime, type BatchHeader } from '../protocol/records/index.js';
import { applyTopicCompression, checkTimestamps, TimestampError, toBatch } from './produce-batch.js';
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
