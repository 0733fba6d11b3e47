// ShareFetch (key 78, KIP-932): a share group member's fetch. It continues (or opens, epoch 0, or closes, epoch -1)
// the member's share session on this broker, applies the acknowledgements it carries, then acquires records on the
// session's partitions for the member (share-partition.ts) and sends the stored batches holding them, with the
// acquired offset ranges. Long-polls like Fetch until something is acquired or MaxWaitMs passes.
import type { Partition } from '../cluster/cluster.js';
import { GROUP_READ, groupAllowed } from '../coordinator/group/request-util.js';
import type { BatchSpan } from '../coordinator/share/share-partition.js';
import { FINAL_EPOCH, INITIAL_EPOCH, partitionKey, type ShareSession } from '../coordinator/share/share-sessions.js';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import type { ShareFetchRequest, ShareFetchResponse, ShareFetchResponsePartitionData } from '../protocol/generated/share-fetch.js';
import { chunkedBytes, readInt64, type Input } from '../protocol/primitives.js';
import { ATTR_CONTROL, ATTR_TRANSACTIONAL } from '../protocol/records/batch.js';
import { topicAllowed } from './admin-acl.js';
import type { AbortedTxnSource } from './fetch.js';
import { waitForData } from './fetch.js';
import { defineHandler, type RequestContext } from './context.js';
import { acknowledgePartition, checkIds, continuedSession, leaderHint, shareGroupsEnabled, shareServices } from './share-util.js';
import { fetchByteLimit, throttleFetchResponse } from './quota-throttle.js';
import { groupBy, toError } from './util.js';

type PartOut = Input<ShareFetchResponsePartitionData>;
type Endpoints = Map<number, { nodeId: number; host: string; port: number; rack: string | null }>;

interface StoredBatch extends BatchSpan {
  bytes: Buffer;
}

const EMPTY = Buffer.alloc(0);

/** The stored batches of a read, with what acquisition needs of each (a read returns whole magic-2 batches). */
function storedBatches(chunks: Buffer[], aborted: { producerId: number; firstOffset: number }[] | null): StoredBatch[] {
  const out: StoredBatch[] = [];
  // read_committed: producers whose aborted transaction has started by this batch (until their abort marker).
  const open = new Set<number>();
  const pending = aborted ? [...aborted].sort((a, b) => a.firstOffset - b.firstOffset) : [];
  for (const chunk of chunks) {
    for (let pos = 0; pos + 61 <= chunk.length; ) {
      const size = chunk.readInt32BE(pos + 8) + 12;
      const baseOffset = readInt64(chunk, pos);
      const attributes = chunk.readInt16BE(pos + 21);
      const producerId = readInt64(chunk, pos + 43);
      while (pending.length > 0 && pending[0].firstOffset <= baseOffset) open.add(pending.shift()!.producerId);
      const control = (attributes & ATTR_CONTROL) !== 0;
      const abortedData = !control && (attributes & ATTR_TRANSACTIONAL) !== 0 && open.has(producerId);
      if (control) open.delete(producerId);
      out.push({ baseOffset, lastOffset: baseOffset + chunk.readInt32BE(pos + 23), skip: control || abortedData, bytes: chunk.subarray(pos, pos + size) });
      pos += size;
    }
  }
  return out;
}

function partOut(partitionIndex: number): PartOut {
  return { partitionIndex, errorCode: 0, errorMessage: null, acknowledgeErrorCode: 0, acknowledgeErrorMessage: null, currentLeader: { leaderId: -1, leaderEpoch: -1 }, records: EMPTY, acquiredRecords: [] };
}

/** Acquires what it can on each session partition, in an order rotated by the epoch so every partition gets its turn. */
async function acquireAll(ctx: RequestContext, s: ShareSession, req: ShareFetchRequest, parts: Map<string, PartOut>, endpoints: Endpoints): Promise<number> {
  const { state } = shareServices(ctx);
  const readCommitted = ctx.cluster.groupConfigs.value(s.groupId, 'share.isolation.level') === 'read_committed';
  const list = [...s.partitions.values()];
  // A consumer_byte_rate quota caps the bytes of one response at what its window allows (as Fetch).
  const budget = { records: req.maxRecords > 0 ? req.maxRecords : 500, bytes: Math.min(req.maxBytes, fetchByteLimit(ctx)) };
  let acquired = 0;
  for (let i = 0; i < list.length; i++) {
    const { topicId, partition } = list[(i + s.epoch) % list.length];
    const out = parts.get(partitionKey(topicId, partition)) ?? partOut(partition);
    parts.set(partitionKey(topicId, partition), out);
    const hint = leaderHint(ctx, topicId, partition, endpoints);
    if (hint.errorCode !== ErrorCode.NONE) {
      Object.assign(out, hint);
      continue;
    }
    const topic = ctx.cluster.topicsById.get(topicId)!;
    if (!topicAllowed(ctx, 'READ', topic.name)) {
      out.errorCode = ErrorCode.TOPIC_AUTHORIZATION_FAILED;
      continue;
    }
    if (budget.records <= 0 || budget.bytes <= 0 || (out.acquiredRecords?.length ?? 0) > 0) continue;
    const p = topic.partitions[partition];
    const started = state.init(s.groupId, topic, partition);
    const sp = started instanceof Promise ? await started : started;
    sp.truncateBefore(p.logStartOffset);
    const limit = readCommitted ? p.lastStableOffset() : p.highWatermark;
    const from = sp.fetchOffset();
    if (from >= limit) continue;
    const res = await p.log.read(from, budget.bytes, limit).catch((e) => {
      if (e instanceof KafkaError) return null; // the log closed under the read (topic deleted)
      throw e;
    });
    if (!res || res.chunks.length === 0) continue;
    const txns: AbortedTxnSource | undefined = readCommitted ? ctx.services.transactions : undefined;
    const batches = storedBatches(res.chunks, txns ? txns.abortedTransactions(p, from, limit) : null);
    for (const b of batches) b.lastOffset = Math.min(b.lastOffset, limit - 1);
    const { ranges, used } = sp.acquire(s.memberId, batches, budget.records, req.batchSize);
    if (ranges.length === 0) continue;
    const sent = batches.filter((_, j) => used[j]).map((b) => b.bytes);
    const bytes = sent.reduce((n, b) => n + b.length, 0);
    const count = ranges.reduce((n, r) => n + r.lastOffset - r.firstOffset + 1, 0);
    out.records = chunkedBytes(sent, bytes);
    out.acquiredRecords = ranges;
    budget.records -= count;
    budget.bytes -= bytes;
    acquired += count;
  }
  return acquired;
}

export default defineHandler<ShareFetchRequest>({
  apiKey: 78,
  minVersion: 1,
  async handle(ctx, req): Promise<Input<ShareFetchResponse>> {
    const top = (errorCode: number, errorMessage: string | null = null): Input<ShareFetchResponse> =>
      ({ throttleTimeMs: 0, errorCode, errorMessage, acquisitionLockTimeoutMs: 0, responses: [], nodeEndpoints: [] });
    if (!shareGroupsEnabled(ctx)) return top(ErrorCode.UNSUPPORTED_VERSION, 'Share groups are not enabled (share.version is 0).');
    let s: ShareSession;
    try {
      checkIds(req.groupId, req.memberId);
      if (!groupAllowed(ctx, GROUP_READ, req.groupId!)) return top(ErrorCode.GROUP_AUTHORIZATION_FAILED);
      if (req.shareSessionEpoch === INITIAL_EPOCH) {
        if (req.topics.some((t) => t.partitions.some((p) => p.acknowledgementBatches.length > 0))) return top(ErrorCode.INVALID_REQUEST, 'Acknowledge data present in Initial Fetch Request.');
        s = shareServices(ctx).sessions.open(ctx.broker.nodeId, req.groupId!, req.memberId!, ctx.conn, ctx.cluster.config.int('group.share.max.share.sessions'));
      } else {
        s = continuedSession(ctx, req.groupId!, req.memberId!, req.shareSessionEpoch);
      }
    } catch (e) {
      const x = toError(e, ctx);
      return top(x.errorCode, x.errorMessage);
    }
    const { sessions, state } = shareServices(ctx);
    const parts = new Map<string, PartOut>();
    const acked = new Set<string>();
    const endpoints: Endpoints = new Map();
    for (const t of req.topics) {
      for (const p of t.partitions) {
        if (p.acknowledgementBatches.length === 0) continue;
        const out = partOut(p.partitionIndex);
        parts.set(partitionKey(t.topicId, p.partitionIndex), out);
        acked.add(partitionKey(t.topicId, p.partitionIndex));
        const hint = leaderHint(ctx, t.topicId, p.partitionIndex, endpoints);
        const r = hint.errorCode !== ErrorCode.NONE ? { errorCode: hint.errorCode, errorMessage: null } : acknowledgePartition(ctx, s, t.topicId, p.partitionIndex, p.acknowledgementBatches);
        out.acknowledgeErrorCode = r.errorCode;
        out.acknowledgeErrorMessage = r.errorMessage;
      }
    }
    if (req.shareSessionEpoch === FINAL_EPOCH) {
      sessions.close(ctx.broker.nodeId, s); // releases what the member still holds here; nothing more is fetched
    } else {
      for (const t of req.topics) for (const p of t.partitions) s.partitions.set(partitionKey(t.topicId, p.partitionIndex), { topicId: t.topicId, partition: p.partitionIndex });
      for (const f of req.forgottenTopicsData) {
        for (const p of f.partitions) {
          s.partitions.delete(partitionKey(f.topicId, p));
          state.get(s.groupId, f.topicId, p)?.releaseMember(s.memberId);
        }
      }
      if (req.shareSessionEpoch !== INITIAL_EPOCH) sessions.advance(s); // a new session already expects 1
      let acquired = req.maxRecords === 0 || req.maxBytes === 0 ? 0 : await acquireAll(ctx, s, req, parts, endpoints);
      const deadline = Date.now() + req.maxWaitMs;
      while (acquired === 0 && req.maxRecords !== 0 && s.partitions.size > 0 && Date.now() < deadline && !ctx.conn.isClosing) {
        const waitOn = [...s.partitions.values()].map((sp) => ctx.cluster.topicsById.get(sp.topicId)?.partitions[sp.partition]).filter((p): p is Partition => !!p);
        await waitForData(waitOn, deadline - Date.now());
        // Records acquired for a session that ended meanwhile would stay locked with nobody to deliver them to.
        if (ctx.conn.isClosing || !sessions.isOpen(ctx.broker.nodeId, s)) break;
        acquired = await acquireAll(ctx, s, req, parts, endpoints);
      }
    }
    // The consumer_byte_rate quota counts ShareFetch responses too. Over it, Kafka answers with the throttle time and
    // the acknowledgement results but no records: those it acquired stay acquired until their locks expire.
    const bytes = [...parts.values()].reduce((n, p) => n + (p.records as Buffer | null ?? EMPTY).length, 0);
    const throttled = throttleFetchResponse(ctx, bytes, true);
    const throttleTimeMs = typeof throttled === 'number' ? throttled : await throttled;
    if (throttleTimeMs > 0) {
      for (const [key, p] of parts) {
        if (acked.has(key)) Object.assign(p, { errorCode: ErrorCode.NONE, errorMessage: null, records: EMPTY, acquiredRecords: [] });
        else parts.delete(key);
      }
    }
    const byTopic = groupBy([...parts], ([k]) => k.slice(0, k.lastIndexOf(':')));
    return {
      throttleTimeMs,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      acquisitionLockTimeoutMs: ctx.cluster.groupConfigs.int(s.groupId, 'share.record.lock.duration.ms'),
      responses: [...byTopic].map(([topicId, entries]) => ({ topicId, partitions: entries.map(([, out]) => out) })),
      nodeEndpoints: [...endpoints.values()],
    };
  },
});
