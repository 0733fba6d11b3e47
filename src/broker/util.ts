// Small helpers shared by handlers.
import type { BrokerNode, Endpoint, Partition } from '../cluster/cluster.js';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import type { RequestContext } from './context.js';

/** Kafka error code and message for a thrown error; unexpected errors become UNKNOWN_SERVER_ERROR. */
export function toError(e: unknown, ctx?: RequestContext): { errorCode: number; errorMessage: string | null } {
  // A KafkaError without a message of its own carries none on the wire, as Kafka's ApiError leaves out an error's default message.
  if (e instanceof KafkaError) return { errorCode: e.code, errorMessage: e.message === e.errorName ? null : e.message };
  ctx?.logger.error({ err: e }, 'unexpected error in handler');
  return { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: (e as Error)?.message ?? String(e) };
}

/** The endpoint of `broker` on the listener the client connected through (Kafka advertises per listener). */
export function endpointFor(broker: BrokerNode, via: Endpoint): Endpoint | undefined {
  return broker.endpoints.find((e) => e.name === via.name);
}

/** NOT_LEADER_OR_FOLLOWER when this broker does not lead the partition (clients then refresh metadata). */
export function leaderError(ctx: RequestContext, p: Partition): number {
  if (p.leader < 0 || !ctx.cluster.broker(p.leader)?.alive) return ErrorCode.LEADER_NOT_AVAILABLE;
  return p.leader === ctx.broker.nodeId ? ErrorCode.NONE : ErrorCode.NOT_LEADER_OR_FOLLOWER;
}

/** Groups items by a key, keeping first-seen order. */
export function groupBy<T, K>(items: T[], key: (t: T) => K): Map<K, T[]> {
  const m = new Map<K, T[]>();
  for (const it of items) {
    const k = key(it);
    const list = m.get(k);
    if (list) list.push(it);
    else m.set(k, [it]);
  }
  return m;
}
