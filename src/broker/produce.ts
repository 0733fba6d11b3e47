// Produce (key 0): validate each partition's batch, apply idempotence/transaction checks, append, and
// answer once the acks level is satisfied (acks=0: no response at all).
import type { Partition, Topic } from '../cluster/cluster.js';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import type { ProduceRequest, ProduceResponse, ProduceResponseTopicProduceResponse } from '../protocol/generated/produce.js';
import type { Input } from '../protocol/primitives.js';
import { RecordError, setLogAppendTime, type BatchHeader } from '../protocol/records/index.js';
import { prepareBatch, RecordValidationError, type PreparedBatch } from './produce-batch.js';
import { afterAppend } from '../cluster/replication.js';
import { throttleByteRate } from './quota-throttle.js';
import { defineHandler, NO_RESPONSE, type RequestContext } from './context.js';
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

/** Kafka lets only this client id append to its internal topics (AdminUtils.ADMIN_CLIENT_ID). */
const ADMIN_CLIENT_ID = '__admin_client';

const NO_RECORD_ERRORS: NonNullable<PartitionOut['recordErrors']> = [];

/** One shape for every partition result (objects of one hidden class keep the encoder's property reads fast). */
function result(index: number, errorCode: number, baseOffset = -1, logAppendTimeMs = -1, logStartOffset = -1, errorMessage: string | null = null, recordErrors = NO_RECORD_ERRORS): PartitionOut {
  return { index, errorCode, baseOffset, logAppendTimeMs, logStartOffset, errorMessage, recordErrors };
}

async function appendPartition(ctx: RequestContext, topic: Topic, index: number, records: Buffer | null, acks: number, transactionalId: string | null): Promise<PartitionOut> {
  const p = topic.partitions[index];
  if (!p) return result(index, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  const lerr = leaderError(ctx, p);
  if (lerr) return result(index, lerr);
  try {
    if (!records || records.length === 0) throw new KafkaError('INVALID_RECORD', 'Produce request contained no records');
    const maxBytes = topic.configNumber('max.message.bytes');
    if (records.length > maxBytes + 12) {
      throw new KafkaError('MESSAGE_TOO_LARGE', `The record batch size in the append to ${topic.name}-${index} is ${records.length} bytes which exceeds the maximum configured value of ${maxBytes}.`);
    }
    const prepared = prepareBatch(ctx, topic, index, records);
    // Appends keep the order their requests arrived in, as in Kafka (which handles one request per connection at
    // a time): a batch prepared asynchronously (converted from magic 0/1, recompressed, or its records
    // checked) takes the partition's queue, and so does every batch behind it, even one that needs no work,
    // until the queue is empty again. The common case hands over at once.
    // A batch refused while it waits for its turn must not count as an unhandled rejection: its task rethrows it.
    if (prepared instanceof Promise) prepared.catch(() => undefined);
    const handed = prepared instanceof Promise || p.appends.busy
      ? await p.appends.run(async () => handOver(ctx, topic, p, await prepared, acks, transactionalId))
      : handOver(ctx, topic, p, prepared, acks, transactionalId);
    // A retried batch of an idempotent producer, appended before: answered with its first outcome.
    if (!('appended' in handed)) return result(index, ErrorCode.NONE, handed.baseOffset, handed.logAppendTime, p.logStartOffset);
    const { appended, header, logAppendTime } = handed;
    // The append and the replication step usually complete synchronously: only real promises are awaited (each
    // await costs a turn of the microtask queue, which shows on a single-record request after an idle gap).
    const baseOffset = typeof appended === 'number' ? appended : await appended;
    ctx.services.producers?.appended(p, header, { baseOffset, logAppendTime });
    const waiting = afterAppend(ctx.services, p, acks);
    if (waiting) await waiting;
    return result(index, ErrorCode.NONE, baseOffset, logAppendTime, p.logStartOffset);
  } catch (e) {
    if (e instanceof RecordError) return result(index, e.errorCode, -1, -1, -1, e.message);
    if (e instanceof RecordValidationError) return result(index, e.code, -1, -1, -1, e.message, e.recordErrors);
    const err = toError(e, ctx);
    return result(index, err.errorCode, -1, -1, -1, err.errorMessage ?? null);
  }
}

/** A batch the log has taken its place in the order for (a file log queues what it cannot write at once). */
interface HandedOver {
  header: BatchHeader;
  logAppendTime: number;
  appended: number | Promise<number>;
}

/**
 * The checks that depend on what was appended before (ISR size, producer sequence) and the call to the log,
 * synchronously: the order of these calls is the order of the appends. Returns the earlier outcome instead for
 * a duplicate batch of an idempotent producer.
 */
function handOver(ctx: RequestContext, topic: Topic, p: Partition, { batch, header }: PreparedBatch, acks: number, transactionalId: string | null): HandedOver | AppendOutcome {
  if (acks === -1 && p.isr.length < topic.configNumber('min.insync.replicas')) {
    throw new KafkaError('NOT_ENOUGH_REPLICAS', `The size of the current ISR ${JSON.stringify(p.isr)} is insufficient to satisfy the min.isr requirement of ${topic.config('min.insync.replicas')} for partition ${topic.name}-${p.index}`);
  }
  const dup = ctx.services.producers?.check(ctx, p, header, transactionalId);
  if (dup) return dup;
  let logAppendTime = -1;
  let maxTimestamp = header.maxTimestamp;
  if (topic.config('message.timestamp.type') === 'LogAppendTime' && !header.isControl) {
    logAppendTime = Date.now();
    setLogAppendTime(batch, logAppendTime);
    maxTimestamp = logAppendTime;
  }
  const appended = p.log.append(batch, { lastOffsetDelta: header.lastOffsetDelta, maxTimestamp });
  return { header, logAppendTime, appended };
}

export default defineHandler<ProduceRequest>({
  apiKey: 0,
  async handle(ctx, req): Promise<Input<ProduceResponse> | typeof NO_RESPONSE> {
    const { acks } = req;
    const byId = ctx.apiVersion >= 13;
    // Every partition's append starts in this loop (they run concurrently); the results are collected after it.
    const topics: { name: string; topicId: string; results: (PartitionOut | Promise<PartitionOut>)[] }[] = [];
    for (const td of req.topicData) {
      // Kafka creates topics only for Metadata (and FindCoordinator): a Produce to a missing topic is refused.
      const topic = byId ? ctx.cluster.topicsById.get(td.topicId) : ctx.cluster.topics.get(td.name);
      const results: (PartitionOut | Promise<PartitionOut>)[] = [];
      topics.push({ name: td.name, topicId: td.topicId, results });
      for (const pd of td.partitionData) {
        if (acks !== 0 && acks !== 1 && acks !== -1) {
          results.push(result(pd.index, ErrorCode.INVALID_REQUIRED_ACKS));
        } else if (!topic && byId) {
          results.push(result(pd.index, ErrorCode.UNKNOWN_TOPIC_ID));
        } else if (ctx.services.acl?.canWriteTopic && !ctx.services.acl.canWriteTopic(ctx, topic?.name ?? td.name)) {
          // Authorization comes first, as in Kafka: a client may not learn whether a topic it cannot write exists.
          results.push(result(pd.index, ErrorCode.TOPIC_AUTHORIZATION_FAILED));
        } else if (!topic) {
          results.push(result(pd.index, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));
        } else if (topic.internal && ctx.header.clientId !== ADMIN_CLIENT_ID) {
          results.push(result(pd.index, ErrorCode.INVALID_TOPIC_EXCEPTION, -1, -1, -1, `Cannot append to internal topic ${topic.name}`));
        } else {
          results.push(appendPartition(ctx, topic, pd.index, pd.records, acks, req.transactionalId));
        }
      }
    }
    const responses: Input<ProduceResponseTopicProduceResponse>[] = [];
    for (const t of topics) responses.push({ name: t.name, topicId: t.topicId, partitionResponses: await Promise.all(t.results) });
    const throttled = throttleByteRate(ctx, 'producer_byte_rate', ctx.requestBytes ?? 0);
    const throttleTimeMs = typeof throttled === 'number' ? throttled : await throttled;
    if (acks === 0) return NO_RESPONSE;
    return { responses, throttleTimeMs };
  },
});
