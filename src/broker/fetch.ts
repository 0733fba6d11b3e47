// Fetch (key 1): serve stored batches as bytes, long-poll until min.bytes arrive or max.wait.ms passes.
// Fetch sessions are declined (session id 0), which Kafka allows: clients then send full fetches.
import type { Partition, Topic } from '../cluster/cluster.js';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import type { FetchRequest, FetchRequestFetchPartition, FetchResponse, FetchResponsePartitionData } from '../protocol/generated/fetch.js';
import type { Input } from '../protocol/primitives.js';
import { downConvert } from '../protocol/records/index.js';
import type { ReadResult } from '../storage/types.js';
import { defineHandler, type RequestContext } from './context.js';
import { fetchByteLimit, throttleFetchResponse } from './quota-throttle.js';
import { preferredReadReplica, readableReplica } from './fetch-replica.js';
import { chunkedBytes, readInt64 } from '../protocol/primitives.js';

type PartOut = Input<FetchResponsePartitionData>;

interface Want {
  topic: Topic | undefined;
  name: string;
  topicId: string;
  req: FetchRequestFetchPartition;
}

/** Transaction hook: aborted transactions overlapping [from, to) for read_committed fetches. */
export interface AbortedTxnSource {
  abortedTransactions(p: Partition, from: number, to: number): { producerId: number; firstOffset: number }[];
}

const EMPTY = Buffer.alloc(0);

/**
 * One shape for every partition result. Built with object spreads (`{ ...base, errorCode }`), this was the
 * costliest step of answering a woken Fetch of one partition: V8 clones through a slow path when properties follow
 * the spread. Records are never null, errors included: Kafka sends an empty record set (MemoryRecords.EMPTY), and
 * librdkafka 2.x refuses a null one as a protocol error ("invalid MessageSetSize -1").
 */
function partResult(index: number, errorCode: number, hw = -1, lso = -1, logStart = -1, records: Buffer = EMPTY, aborted: PartOut['abortedTransactions'] = null): PartOut {
  return { partitionIndex: index, errorCode, highWatermark: hw, lastStableOffset: lso, logStartOffset: logStart, records, abortedTransactions: aborted, preferredReadReplica: -1 };
}

/** What the request says about its client: the isolation level, whether it may read from followers, its rack. */
interface Scope {
  isolation: number;
  /** A consumer's Fetch v11+ (Kafka's client metadata): followers may serve it (fetch-replica.ts). */
  consumerV11: boolean;
  rackId: string;
}

async function readPartition(ctx: RequestContext, w: Want, scope: Scope, budget: { bytes: number; first: boolean }): Promise<PartOut> {
  const index = w.req.partition;
  const p = w.topic?.partitions[index];
  if (!w.topic || !p) return partResult(index, ctx.apiVersion >= 13 && !w.topic ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  const replica = readableReplica(ctx, p, scope.consumerV11);
  if (replica.errorCode) return partResult(index, replica.errorCode);
  if (w.req.currentLeaderEpoch >= 0 && w.req.currentLeaderEpoch !== p.leaderEpoch) {
    return partResult(index, w.req.currentLeaderEpoch < p.leaderEpoch ? ErrorCode.FENCED_LEADER_EPOCH : ErrorCode.UNKNOWN_LEADER_EPOCH);
  }
  const hw = replica.highWatermark;
  const lso = Math.min(p.lastStableOffset(), hw);
  const logStart = p.logStartOffset;
  const offset = w.req.fetchOffset;
  if (offset < logStart || offset > replica.logEndOffset) return partResult(index, ErrorCode.OFFSET_OUT_OF_RANGE, hw, lso, logStart);
  const preferred = scope.rackId ? preferredReadReplica(ctx, p, scope.rackId, offset) : -1;
  if (preferred >= 0) {
    // Kafka skips the read: the client is to fetch from the preferred replica instead.
    const r = partResult(index, ErrorCode.NONE, hw, lso, logStart, EMPTY);
    r.preferredReadReplica = preferred;
    return r;
  }
  const isolation = scope.isolation;
  const limit = isolation === 1 ? lso : hw;
  if (offset >= limit) return partResult(index, ErrorCode.NONE, hw, lso, logStart, EMPTY);
  const max = Math.min(w.req.partitionMaxBytes, budget.bytes);
  let res: ReadResult;
  try {
    res = await p.log.read(offset, Math.max(max, 0), limit, { reusable: true });
  } catch (e) {
    // The log closed under the read (its topic deleted meanwhile): a per-partition error, as Kafka answers.
    if (e instanceof KafkaError) return partResult(index, e.code);
    throw e;
  }
  // The read's buffers are reused once the response holding its chunks has been written (read-buffers.ts).
  if (res.release) (ctx.afterResponse ??= []).push(res.release);
  let chunks = res.chunks;
  let bytes = res.bytes;
  // Only the first non-empty partition of a response may exceed the limits (KIP-74), so a consumer
  // never gets stuck behind a batch larger than its fetch size.
  if (chunks.length > 0 && chunks[0].length > max && !budget.first) {
    chunks = [];
    bytes = 0;
  }
  if (chunks.length > 0) budget.first = false;
  budget.bytes -= bytes;
  let aborted: PartOut['abortedTransactions'] = null;
  if (isolation === 1 && chunks.length > 0) {
    const src: AbortedTxnSource | undefined = ctx.services.transactions;
    aborted = src?.abortedTransactions(p, offset, 1 + lastOffsetOf(chunks)) ?? [];
  }
  // Fetch v0-3 clients read only message format v0/v1.
  const records = ctx.apiVersion <= 3 && chunks.length > 0 ? await downConvert(Buffer.concat(chunks, bytes), ctx.apiVersion <= 1 ? 0 : 1) : chunkedBytes(chunks, bytes);
  return partResult(index, ErrorCode.NONE, hw, lso, logStart, records, aborted);
}

function lastOffsetOf(chunks: Buffer[]): number {
  const last = chunks[chunks.length - 1];
  // baseOffset (bytes 0-7) + lastOffsetDelta (bytes 23-26) of the last batch
  return readInt64(last, 0) + last.readInt32BE(23);
}

export default defineHandler<FetchRequest>({
  apiKey: 1,
  async handle(ctx, req): Promise<Input<FetchResponse>> {
    const { cluster } = ctx;
    const v = ctx.apiVersion;
    if (v >= 7 && req.sessionId !== 0) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND, sessionId: 0, responses: [] };
    }
    const wants: Want[] = [];
    for (const t of req.topics) {
      const topic = v >= 13 ? cluster.topicsById.get(t.topicId) : cluster.topics.get(t.topic);
      for (const pr of t.partitions) wants.push({ topic, name: t.topic, topicId: t.topicId, req: pr });
    }
    const maxBytes = Math.min(v >= 3 ? req.maxBytes : 0x7fffffff, fetchByteLimit(ctx));
    const consumer = (v >= 15 ? req.replicaState.replicaId : req.replicaId) < 0;
    const scope: Scope = { isolation: v >= 4 ? req.isolationLevel : 0, consumerV11: consumer && v >= 11, rackId: v >= 11 ? req.rackId : '' };
    const authorized = (w: Want) => !w.topic || !ctx.services.acl?.canReadTopic || ctx.services.acl.canReadTopic(ctx, w.topic.name);

    const collect = async () => {
      const budget = { bytes: maxBytes, first: true };
      const parts: PartOut[] = [];
      let total = 0;
      for (const w of wants) {
        const r = authorized(w) ? await readPartition(ctx, w, scope, budget) : partResult(w.req.partition, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
        total += (r.records as Buffer | null)?.length ?? 0;
        parts.push(r);
      }
      // An error or a preferred read replica is answered at once, as Kafka does.
      const answerNow = parts.some((r) => r.errorCode !== ErrorCode.NONE || r.preferredReadReplica! >= 0);
      return { parts, total, answerNow };
    };

    let result = await collect();
    // A sub-millisecond clock, so a parked fetch never answers before max_wait_ms has passed: Date.now() and the
    // event loop's cached timer clock can both run up to a millisecond early, and a client that times its own read
    // from the same wait (segmentio/kafka-go's Conn.Read) takes an answer that early for data that came in time.
    const deadline = performance.now() + req.maxWaitMs + 1;
    while (!result.answerNow && result.total < Math.max(req.minBytes, 1) && performance.now() < deadline && !ctx.conn.isClosing) {
      const parts: Partition[] = [];
      for (const w of wants) {
        const p = w.topic?.partitions[w.req.partition];
        if (p) parts.push(p);
      }
      await waitForData(parts, Math.ceil(deadline - performance.now()));
      result = await collect();
    }

    // Over its consumer_byte_rate quota, the client gets no records this time, only how long to back off (Kafka).
    const throttled = throttleFetchResponse(ctx, result.total);
    const throttleTimeMs = typeof throttled === 'number' ? throttled : await throttled;
    if (throttleTimeMs > 0) {
      return { throttleTimeMs, errorCode: ErrorCode.NONE, sessionId: 0, responses: [] };
    }
    const responses: NonNullable<Input<FetchResponse>['responses']> = [];
    let i = 0;
    for (const t of req.topics) {
      const partitions = result.parts.slice(i, i + t.partitions.length);
      i += t.partitions.length;
      responses.push({ topic: t.topic, topicId: t.topicId, partitions });
    }
    return { throttleTimeMs, errorCode: ErrorCode.NONE, sessionId: 0, responses };
  },
});

/**
 * Resolves when any of the partitions gets new data (Partition.wake(), after the Produce has answered) or after
 * `ms`. A second wake-up (another partition) finds nothing left to do: every step below is idempotent.
 */
export function waitForData(parts: Partition[], ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      for (const p of parts) p.waiters.delete(done);
      resolve();
    };
    // Node fires a timer over 2^31-1 ms at once (with a warning); kafka-go waits MaxInt32 ms.
    const timer = setTimeout(done, Math.min(Math.max(ms, 0), 0x7fffffff));
    for (const p of parts) p.waiters.add(done);
  });
}
