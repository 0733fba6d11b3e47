// Which replica serves a consumer's Fetch (KIP-392). A consumer that sends Fetch v11+ may read from a follower, up to
// what that follower holds of the high watermark; and with replica.selector.class set to Kafka's
// RackAwareReplicaSelector, the leader points a consumer that names its rack (client.rack) at an in-sync replica in
// that rack: the partition's result carries only the preferred read replica, and the client fetches from it.
import type { Partition } from '../cluster/cluster.js';
import type { ReplicationManager } from '../cluster/replication.js';
import { ErrorCode } from '../protocol/errors.js';
import type { RequestContext } from './context.js';
import { leaderError } from './util.js';

export const RACK_AWARE_SELECTOR = 'org.apache.kafka.common.replica.RackAwareReplicaSelector';

/** What a consumer may read of p on this broker: the leader's limit, or a follower's own high watermark and log end. */
export interface ReadableReplica {
  errorCode: number;
  /** Offsets below this are visible (read_uncommitted). */
  highWatermark: number;
  logEndOffset: number;
}

/**
 * Kafka's FetchParams.fetchOnlyFromLeader is false for a consumer with client metadata (Fetch v11+): any replica
 * hosting the partition serves it, a follower up to min(leader's high watermark, its own log end).
 */
export function readableReplica(ctx: RequestContext, p: Partition, consumerV11: boolean): ReadableReplica {
  const errorCode = leaderError(ctx, p);
  const me = ctx.broker.nodeId;
  if (errorCode === ErrorCode.NOT_LEADER_OR_FOLLOWER && consumerV11 && p.replicas.includes(me)) {
    const repl = ctx.services.replication as ReplicationManager | undefined;
    const leo = repl ? repl.replicaLeo(p, me) : p.log.logEndOffset;
    return { errorCode: ErrorCode.NONE, highWatermark: Math.min(p.highWatermark, leo), logEndOffset: leo };
  }
  return { errorCode, highWatermark: p.highWatermark, logEndOffset: p.log.logEndOffset };
}

/**
 * Kafka's ReplicaManager.findPreferredReadReplica with RackAwareReplicaSelector: among the leader and the running
 * in-sync followers holding fetchOffset, the client's rack; the leader if it is there, else the one with the highest
 * log end, caught up most recently. -1 when that is the leader (or no selector, no rack, not the leader here).
 */
export function preferredReadReplica(ctx: RequestContext, p: Partition, rackId: string, fetchOffset: number): number {
  if (!rackId || p.leader !== ctx.broker.nodeId || ctx.cluster.config.get('replica.selector.class') !== RACK_AWARE_SELECTOR) return -1;
  const repl = ctx.services.replication as ReplicationManager | undefined;
  if (!repl) return -1;
  if (ctx.cluster.broker(p.leader)?.rack === rackId) return -1;
  let best = -1;
  let bestLeo = -1;
  let bestCaughtUp = -1;
  for (const id of p.isr) {
    const b = ctx.cluster.broker(id);
    if (id === p.leader || !b?.alive || b.rack !== rackId) continue;
    const leo = repl.replicaLeo(p, id);
    if (leo < fetchOffset || p.logStartOffset > fetchOffset) continue;
    const caughtUp = repl.lastCaughtUp(p, id);
    if (leo > bestLeo || (leo === bestLeo && caughtUp > bestCaughtUp)) [best, bestLeo, bestCaughtUp] = [id, leo, caughtUp];
  }
  return best;
}
