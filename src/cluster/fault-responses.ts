// Error responses for injected faults. Per-partition APIs get the error on every partition of the request
// (what a client retries on); APIs with a top-level error code get it there. Anything else has no
// response that carries an error, so the caller closes the connection instead.
import type { RequestContext } from '../broker/context.js';
import { NO_RESPONSE } from '../broker/context.js';
import { endpointFor } from '../broker/util.js';
import { SERVER_API_SCHEMAS } from '../protocol/messages.js';

type Builder = (ctx: RequestContext, req: any, code: number, message: string | null) => unknown;

const BUILDERS: Record<number, Builder> = {
  // Produce: Kafka closes the connection on errors of acks=0 produces, as there is no response to carry them.
  0: (_ctx, req, code, message) =>
    req.acks === 0
      ? NO_RESPONSE
      : {
          throttleTimeMs: 0,
          responses: req.topicData.map((td: any) => ({
            name: td.name,
            topicId: td.topicId,
            partitionResponses: td.partitionData.map((pd: any) => ({ index: pd.index, errorCode: code, errorMessage: message, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1 })),
          })),
        },
  1: (_ctx, req, code) => ({
    throttleTimeMs: 0,
    errorCode: 0,
    sessionId: 0,
    responses: req.topics.map((t: any) => ({
      topic: t.topic,
      topicId: t.topicId,
      partitions: t.partitions.map((pp: any) => ({ partitionIndex: pp.partition, errorCode: code, highWatermark: -1, lastStableOffset: -1, logStartOffset: -1, records: null, abortedTransactions: null, preferredReadReplica: -1 })),
    })),
  }),
  2: (_ctx, req, code) => ({
    throttleTimeMs: 0,
    topics: req.topics.map((t: any) => ({
      name: t.name,
      partitions: t.partitions.map((pp: any) => ({ partitionIndex: pp.partitionIndex, errorCode: code, oldStyleOffsets: [], timestamp: -1, offset: -1, leaderEpoch: -1 })),
    })),
  }),
  3: (ctx, req, code) => {
    const names: string[] = req.topics === null || (ctx.apiVersion === 0 && req.topics.length === 0) ? [...ctx.cluster.topics.keys()] : req.topics.map((t: any) => t.name ?? '');
    return {
      throttleTimeMs: 0,
      brokers: ctx.cluster.liveBrokers().flatMap((b) => {
        const e = endpointFor(b, ctx.endpoint);
        return e ? [{ nodeId: b.nodeId, host: e.advertisedHost, port: e.advertisedPort, rack: b.rack }] : [];
      }),
      clusterId: ctx.cluster.clusterId,
      controllerId: ctx.cluster.controllerId,
      topics: names.map((name) => ({ errorCode: code, name, topicId: ctx.cluster.topics.get(name)?.id, partitions: [] })),
      errorCode: ctx.apiVersion >= 13 ? code : 0,
    };
  },
  8: (_ctx, req, code) => ({
    throttleTimeMs: 0,
    topics: req.topics.map((t: any) => ({ name: t.name, topicId: t.topicId, partitions: t.partitions.map((pp: any) => ({ partitionIndex: pp.partitionIndex, errorCode: code })) })),
  }),
  9: (ctx, req, code) =>
    ctx.apiVersion >= 8
      ? { throttleTimeMs: 0, groups: req.groups.map((g: any) => ({ groupId: g.groupId, errorCode: code, topics: [] })) }
      : {
          throttleTimeMs: 0,
          errorCode: code,
          topics: (req.topics ?? []).map((t: any) => ({
            name: t.name,
            partitions: t.partitionIndexes.map((i: number) => ({ partitionIndex: i, committedOffset: -1, committedLeaderEpoch: -1, metadata: null, errorCode: code })),
          })),
        },
  10: (ctx, req, code, message) =>
    ctx.apiVersion >= 4
      ? { throttleTimeMs: 0, coordinators: req.coordinatorKeys.map((key: string) => ({ key, nodeId: -1, host: '', port: -1, errorCode: code, errorMessage: message })) }
      : { throttleTimeMs: 0, errorCode: code, errorMessage: message, nodeId: -1, host: '', port: -1 },
};

/** Whether the response of apiKey/version has a top-level errorCode (from the schema, scripts/generate-protocol.mjs). */
function hasTopLevelError(apiKey: number, version: number): boolean {
  const range = SERVER_API_SCHEMAS.get(apiKey)?.responseErrorCode;
  return !!range && version >= range[0] && version <= range[1];
}

/** The response body answering `req` with error `code`, NO_RESPONSE, or undefined when the API has no place for it. */
export function errorResponse(ctx: RequestContext, req: any, code: number, message: string | null): unknown {
  const key = ctx.header.requestApiKey;
  const b = BUILDERS[key];
  if (b) return b(ctx, req, code, message);
  if (hasTopLevelError(key, ctx.apiVersion)) return { errorCode: code, errorMessage: message };
  return undefined;
}
